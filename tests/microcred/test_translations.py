"""The catalogues (microcred/translations): every Spanish entry written, none fuzzy, the same
placeholders as its English; the committed .mo compiled from the committed .po; extraction
finds nothing the .po lacks; the converted templates hold no unmarked words; the findings'
table in verifier/web matches the core's English.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from microcred.platform.i18n import LANGUAGES, TRANSLATIONS_DIR

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [code for code in LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
#: The templates whose every word is marked (babel.cfg lists the same).
CONVERTED = [
    "templates/base.html",
    "templates/_language_switch.html",
    "templates/home.html",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates/verify").glob("*.html")),
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates/sharing").glob("*.html")),
    # --- i18n2: the freelancer's account and claim pages ---
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates/account").glob("*.html")),
    # --- end i18n2 ---
    # --- fl-wallet-account: the "Send to wallet" page ---
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates/wallet").glob("*.html")),
    # --- end fl-wallet-account ---
    # The PDF certificate, printed in the language chosen at issuance.
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates/certificate").glob("*.html")),
]


def _catalog(code: str):  # type: ignore[no-untyped-def]
    path = TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=code)


def _strings(value: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(code: str) -> None:
    catalog = _catalog(code)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = _strings(message.string)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(_strings(message.id))))
        if any(set(PLACEHOLDER.findall(s)) != wanted for s in strings):
            problems.append(("placeholders", message.id))
    assert problems == []
    assert len(catalog) > 200  # the verify pages and the findings, not an empty file


def _entries(catalog) -> dict[tuple[str, ...], tuple[str, ...]]:  # type: ignore[no-untyped-def]
    return {_strings(m.id): _strings(m.string) for m in catalog if m.id}


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_committed_mo_is_compiled_from_the_committed_po(code: str) -> None:
    """A stale .mo would show old words: `make translations` rebuilds both."""
    catalog = _catalog(code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    with (TRANSLATIONS_DIR / code / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
        committed = read_mo(handle)
    fresh = read_mo(io.BytesIO(compiled.getvalue()))
    assert _entries(committed) == _entries(fresh)


def test_extraction_finds_nothing_the_catalogue_lacks() -> None:
    """Every marked string of babel.cfg's files is in the .po (and nothing obsolete)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    extracted = {
        _strings(message)[0] if isinstance(message, tuple) else message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            method_map,
            options_map,
            keywords={"_": None, "N_": None, "_l": None, "gettext": None, "ngettext": (1, 2)},
        )
    }
    for code in TRANSLATED:
        known = {_strings(m.id)[0] for m in _catalog(code) if m.id}
        assert extracted - known == set(), "run make translations"
        assert known - extracted == set(), "obsolete entries: run make translations"


def _unmarked_words(template: str) -> list[str]:
    """Words a reader sees that no gettext call or trans block covers."""
    text = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"\{% block body_class %\}.*?\{% endblock %\}", " ", text)  # a CSS class
    text = re.sub(r"\{%-? *trans\b.*?%\}.*?\{%-? *endtrans *-?%\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    text = re.sub(r"<[^>]*>", " ", text, flags=re.S)  # tags and their attributes
    words = re.findall(r"[A-Za-zÀ-ÿ]{2,}", text)
    return [w for w in words if w not in {"microcred", "micro", "cred"}]


@pytest.mark.parametrize("name", CONVERTED)
def test_the_converted_templates_hold_no_unmarked_words(name: str) -> None:
    assert _unmarked_words((ROOT / name).read_text(encoding="utf-8")) == []


def test_the_unmarked_word_check_sees_an_unmarked_word() -> None:
    assert _unmarked_words('<p class="x">{{ _("Fine") }} Forgotten</p>') == ["Forgotten"]
    assert _unmarked_words('<a title="{{ _("t") }}">{% trans %}Fine{% endtrans %}</a>') == []


def test_visible_attributes_of_the_converted_templates_are_marked() -> None:
    """title, aria-label, placeholder and alt are read aloud or shown: marked too."""
    for name in CONVERTED:
        template = (ROOT / name).read_text(encoding="utf-8")
        for attribute in re.findall(r'(?:title|aria-label|placeholder|alt)="([^"]*)"', template):
            assert not re.search(r"[A-Za-z]{2,}", re.sub(r"\{\{.*?\}\}", "", attribute)), (
                name,
                attribute,
            )


def test_the_findings_table_matches_the_core() -> None:
    """verifier/web/finding_words.py is generated from credentials.findings: a changed
    meaning in the core must be regenerated (and translated) before it reaches a page."""
    from credentials.findings import _BY_PREFIX, CATALOGUE
    from verifier.web import finding_words

    assert dict(finding_words.FINDING_MEANINGS) == {c: m for c, (_s, m) in CATALOGUE.items()}
    assert dict(finding_words.PREFIX_MEANINGS) == dict(_BY_PREFIX)
