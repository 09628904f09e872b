"""RFC 8785: the fast path gives exactly the reference library's bytes, or steps aside."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from credentials import jcs
from credentials.errors import CanonicalizationError, InvalidTextError

# Any JSON value, including what trips naive canonicalisers: non-BMP characters (UTF-16 key
# order), lone surrogates, control characters, big integers and floats of every magnitude.
json_text = st.text(alphabet=st.characters(codec=None), max_size=12)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**60), max_value=2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | json_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(json_text, inner, max_size=4),
    max_leaves=20,
)


def reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        # rfc8785 refuses lone surrogates in keys with a bare UnicodeEncodeError.
        return CanonicalizationError


def ours(value: Any) -> bytes | type[Exception]:
    try:
        return jcs.canonicalize(value)
    except (CanonicalizationError, InvalidTextError):  # a lone surrogate: InvalidTextError
        return CanonicalizationError


@settings(max_examples=600, deadline=None)
@given(json_values)
def test_fast_path_matches_rfc8785(value: Any) -> None:
    assert ours(value) == reference(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # RFC 8785 §3.2.3: keys sorted by UTF-16 code units: U+10000 (D800 DC00) before U+FB33.
        ({"\ufb33": 1, "\U00010000": 2}, '{"\U00010000":2,"\ufb33":1}'),
        ({"b": [1, "\u0007", True, None], "a": "€"}, '{"a":"€","b":[1,"\\u0007",true,null]}'),
        ({"n": 2**53 - 1, "m": -(2**53 - 1)}, '{"m":-9007199254740991,"n":9007199254740991}'),
        ({"f": 1e21, "g": 0.000001}, '{"f":1e+21,"g":0.000001}'),
    ],
)
def test_known_outputs(value: Any, expected: str) -> None:
    assert jcs.canonicalize(value).decode() == expected


@pytest.mark.parametrize("value", [2**53, -(2**53), 2**64, float("nan")])
def test_values_outside_rfc8785_are_refused_naming_the_field(value: Any) -> None:
    with pytest.raises(CanonicalizationError) as refused:
        jcs.canonicalize({"a": [{"v": value}]})
    assert refused.value.field == "a[0].v"
    assert "a[0].v" in refused.value.message


@pytest.mark.parametrize("key", [False, True])
def test_lone_surrogates_are_refused_naming_the_field(key: bool) -> None:
    value = {"a": {"\ud800": 1}} if key else {"a": ["ok", "x\udfff"]}
    with pytest.raises(InvalidTextError) as refused:
        jcs.canonicalize(value)
    assert refused.value.field == ("a.\\ud800" if key else "a[1]")


def test_integer_beyond_2_53_says_what_javascript_reads() -> None:
    with pytest.raises(CanonicalizationError, match=r"9007199254740992\b.*string"):
        jcs.canonicalize({"n": 2**53 + 1})
