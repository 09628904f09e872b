"""The CSV parser of the freelancer import (pure: no database), and the progress sentence
of the evidence rule the console shows."""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.services import freelancer_import
from issuer.services.evidence import evaluate
from issuer.services.freelancer_import import parse


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_become_rows_or_clear_errors(data: bytes) -> None:
    parsed = parse(data)
    assert parsed.errors or parsed.rows
    if parsed.errors:
        assert parsed.rows == []
        assert all(isinstance(m, str) and m for m in parsed.errors)
    for row in parsed.rows:
        assert row.status in ("new", "error")
        assert (row.status == "error") == bool(row.problems)


_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_cell, _cell, _cell), max_size=30))
def test_any_table_with_the_header_gives_one_row_a_record(rows: list[tuple[str, str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["name", "email", "did"])
    writer.writerows(rows)
    parsed = parse(buffer.getvalue().encode())
    kept = [r for r in rows if any(cell.strip() for cell in r)]
    if not kept:
        assert parsed.errors
        return
    assert parsed.errors == []
    assert len(parsed.rows) == len(kept)
    emails = [r.email for r in parsed.rows if r.status == "new"]
    assert len(emails) == len(set(emails))  # a duplicate is never "new" twice
    lines = [r.line for r in parsed.rows]
    assert lines == sorted(lines)
    assert lines[0] >= 2


def test_verdicts_and_line_numbers() -> None:
    parsed = parse(
        b"\xef\xbb\xbfname,email\n"
        b'Amara,amara@example.org\n\n"Multi\nline",multi@example.org\n'
        b",x@example.org\nB,AMARA@example.org\n"
    )
    assert [(r.line, r.status) for r in parsed.rows] == [
        (2, "new"),
        (4, "new"),
        (6, "error"),
        (7, "error"),
    ]
    assert parsed.rows[3].problems == ["E-mail: the same address as line 2."]


def test_the_limits() -> None:
    many = b"name,email\n" + b"".join(
        f"P{n},p{n}@example.org\n".encode() for n in range(freelancer_import.MAX_ROWS + 1)
    )
    assert "at most 2,000" in parse(many).errors[0]
    exactly = b"name,email\n" + b"".join(
        f"P{n},p{n}@example.org\n".encode() for n in range(freelancer_import.MAX_ROWS)
    )
    assert len(parse(exactly).rows) == freelancer_import.MAX_ROWS
    assert "512 KiB" in parse(b"x" * (freelancer_import.MAX_BYTES + 1)).errors[0]
    assert "not valid CSV" in parse(b'name,email\n"a' + b"b" * 200_000 + b'",x\n').errors[0]


# --- the progress sentence -----------------------------------------------------------------


def _certification(min_projects: int = 1, min_competencies: int | None = None) -> Any:
    competencies = [SimpleNamespace(id=f"c{i}", name=f"Skill {i}") for i in range(3)]
    required = 3 if min_competencies is None else min_competencies
    return SimpleNamespace(
        id="cert",
        competencies=competencies,
        min_projects_per_competency=min_projects,
        required_competencies=required,
        min_client_rating=None,
    )


def test_the_summary_names_what_is_still_needed() -> None:
    result = evaluate(_certification(), "frl", {"c0": ["p1"], "c1": ["p1"]})
    assert (
        result.summary("X")
        == "2 of 3 competencies demonstrated, 1 more accepted project needed for X"
    )
    # Two projects each short; one project can be accepted for both: 2 more, not 3.
    result = evaluate(_certification(2), "frl", {"c0": ["p1", "p2"], "c1": ["p1"]})
    assert result.projects_needed == 2
    assert result.summary("X").startswith(
        "1 of 3 competencies demonstrated, 2 more accepted projects"
    )
    # Two of three needed: the cheapest competency decides.
    result = evaluate(
        _certification(3, min_competencies=2), "frl", {"c0": ["a", "b", "c"], "c1": ["a", "b"]}
    )
    assert result.projects_needed == 1
    assert result.summary("X").startswith(
        "1 of 2 competencies demonstrated, 1 more accepted project"
    )
    met = evaluate(_certification(), "frl", {"c0": ["p"], "c1": ["p"], "c2": ["p"]})
    assert met.summary("X") == "3 of 3 competencies demonstrated: the evidence rule of X is met."
    assert met.projects_needed == 0
