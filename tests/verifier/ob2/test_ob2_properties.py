"""Hypothesis: the OB 2.0 readers and the verifier answer any input with a typed error or a
result, never anything else (no 500)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from credentials.documents.ob2_baked import png_text, svg_text
from credentials.errors import MicrocredError, ResolutionError
from credentials.ob2.found import ob2_found
from credentials.ob2.verify import Ob2Verifier
from credentials.results import VerificationResult
from tests.verifier.ob2.world import CORE, bake_png

HEART = (CORE / "baked_heart.png").read_bytes()


def _refuse(url: str) -> Mapping[str, Any]:
    raise ResolutionError(f"{url}: offline", details={"url": url})


OFFLINE = Ob2Verifier(fetch=_refuse)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(
        st.sampled_from(
            ["id", "type", "recipient", "badge", "verification", "verify", "issuedOn",
             "expires", "identity", "hashed", "salt", "url", "creator", "@context", "issuer"]
        ),
        inner,
        max_size=6,
    ),
    max_leaves=20,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=len(HEART)))
def test_png_reader_never_crashes(noise: bytes, at: int) -> None:
    for data in (noise, HEART[:at] + noise + HEART[at:], HEART[:at]):
        with contextlib.suppress(MicrocredError):
            png_text(data)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_svg_reader_never_crashes(text: str) -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        f"<openbadges:assertion>{text}</openbadges:assertion></svg>"
    )
    for data in (svg, svg.encode()[: len(text)], text.encode("utf-8", "surrogatepass")):
        with contextlib.suppress(MicrocredError):
            svg_text(data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_compressed_chunks_of_any_bytes(body: bytes) -> None:
    png = bake_png("x")
    png = png.replace(b"openbadges\x00\x00\x00\x00\x00x", b"openbadges\x00\x01\x00\x00\x00" + body)
    with contextlib.suppress(MicrocredError):
        png_text(png)


@settings(max_examples=200, deadline=None)
@given(json_values, st.one_of(st.none(), st.text(max_size=30)))
def test_verifier_answers_any_json_with_a_result(value: object, recipient: str | None) -> None:
    source = value if isinstance(value, dict) else json.dumps(value)
    result = OFFLINE.verify(source, recipient=recipient)
    assert isinstance(result, VerificationResult)
    assert not result.verified  # offline: nothing can be confirmed
    json.dumps(result.as_dict())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_as_a_jws_or_url(text: str) -> None:
    assert isinstance(OFFLINE.verify(text), VerificationResult)
    for kind in ("ob2", "ob1", "link", "jwt"):
        ob2_found(kind, "x", text)
        ob2_found(kind, "x", text.encode("utf-8", "surrogatepass"))
