"""microcred.platform.tokens.same_secret: equal or not, never a TypeError, whatever text
a forged token carries."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from microcred.platform.tokens import same_secret


def test_equal_and_unequal() -> None:
    assert same_secret("c-1", "c-1")
    assert not same_secret("c-1", "c-2")
    assert not same_secret("é", "e")
    assert same_secret("é" * 3, "é" * 3)
    assert not same_secret("\ud800", "x")  # a lone surrogate, as JSON can carry


@given(st.text(), st.text())
def test_any_text_compares_without_raising(given_text: str, expected: str) -> None:
    assert same_secret(given_text, expected) == (given_text == expected)
