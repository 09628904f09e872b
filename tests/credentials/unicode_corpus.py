"""Text a person can put into a signed field, and where it goes in an OB 3.0 credential.

Shared by scripts/reference/generate_vectors.py (the committed reference vectors) and
the property tests: a deterministic corpus covering every Unicode general category and
the characters that trip canonicalisers, the fields it is placed in, and Hypothesis
strategies for the same.
"""

from __future__ import annotations

import copy
import random
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

Path = tuple[str | int, ...]

#: Plain-literal fields of the test credential (tests.credentials.factories.credential()).
TEXT_FIELDS: list[Path] = [
    ("name",),
    ("description",),
    ("issuer", "name"),
    ("credentialSubject", "identifier", 0, "identityHash"),
    ("credentialSubject", "achievement", "name"),
    ("credentialSubject", "achievement", "description"),
    ("credentialSubject", "achievement", "criteria", "narrative"),
    ("credentialSubject", "achievement", "alignment", 0, "targetName"),
    ("credentialSubject", "achievement", "alignment", 0, "targetDescription"),
    ("credentialSubject", "achievement", "alignment", 0, "targetFramework"),
    ("evidence", 0, "name"),
    ("evidence", 0, "description"),
    ("evidence", 0, "narrative"),
    ("evidence", 0, "genre"),
    ("evidence", 1, "name"),
]
#: Fields whose value is an IRI (node ids, and xsd:anyURI literals).
IRI_FIELDS: list[Path] = [
    ("evidence", 0, "id"),
    ("credentialSubject", "achievement", "id"),
    ("credentialSubject", "achievement", "alignment", 0, "targetUrl"),
    ("issuer", "url"),
]
#: Fields that take a value object with @language / @direction.
LANGUAGE_FIELDS: list[Path] = [
    ("name",),
    ("credentialSubject", "achievement", "description"),
    ("evidence", 0, "narrative"),
]
TAGS: Path = ("credentialSubject", "achievement", "tag")

# Characters that canonicalisers get wrong, one reason each.
SPECIAL_TEXT = [
    "a\u2028b",  # LINE SEPARATOR: str.splitlines() splits here
    "a\u2029b",  # PARAGRAPH SEPARATOR
    "a\x85b",  # NEXT LINE (NEL)
    "a\x1cb\x1dc\x1ed\x1ff",  # file/group/record/unit separators: splitlines() again
    "a\x0bb\x0cc",  # VT, FF
    "a\r\nb\rc\nd\te",
    "x\ufffey",  # noncharacters: RDFC-1.0 says \\uFFFE, rdf-canonize writes them raw
    "x\uffffy",
    "\ufdd0\U0001fffe\U0010ffff",  # more noncharacters, raw everywhere
    "nul \x00 here",
    "".join(map(chr, range(0x20))) + "\x7f",
    '"quoted" \\back\\slash\\',
    "\U0001f600 \uff01",  # astral vs U+E000-FFFF: UTF-16 and code point order differ
    "\ue000 private \U000f0000",
    "\u2764\ufe0f\U0001f389",  # emoji with a variation selector
    "\U0001f469\u200d\U0001f4bb",  # ZWJ sequence
    "e\u0301 \u0915\u094d\u0937 \u20dd",  # combining marks
    "\u05e2\u05d1\u05e8\u05d9\u05ea \u0627\u0644\u0639\u0631\u0628\u064a\u0629",  # RTL
    "\u202eevil\u202c \u2066isolate\u2069 \u200f",  # bidi controls
    "\ufeffBOM",
    "\U000e0001\U000e0041 tag characters",
    "Ada \u1ecckaf\u1ecdr \u2014 \u00a0nbsp \u3000ideographic",
    "\U00020000\U0002a6d6 CJK ext B",
    "",
]

# RFC 3987 ucschar (and iprivate, allowed in queries) samples for IRIs.
SPECIAL_IRIS = [
    "https://xn--r8jz45g.example/\u4f8b\u3048/\u30d1\u30b9",
    "https://\u4f8b\u3048.jp/\u30d1\u30b9?q=\u00e9t\u00e9#\u00a7",
    "https://ex.example/\U0001f600/\uff01",
    "https://ex.example/\uff01/\U0001f600",
    "urn:example:\u0645\u0631\u062d\u0628\u0627",
    "https://ex.example/a%20b%F0%9F%98%80",
    "did:example:123\u00e9",
    "https://ex.example/?\ue000\U000f0000",
    "//host.example/relative",  # network-path reference: refused
    "https://ex.example/a b",  # space: refused
    "https://ex.example/\u00a0nbsp",  # Unicode whitespace: relative to both libraries
    "https://ex.example/\u3000",
    "https://ex.example/\ufeff",  # JavaScript's \\s includes U+FEFF
    "https://ex.example/\x85",  # Python's \\s includes NEL
    "https://ex.example/\ufffe",
]

LANGUAGES = ["en", "ar-EG", "he", "zh-Hant-TW", "EN-us", "sr-Latn-RS", "x-private"]
DIRECTIONS = ["ltr", "rtl", None]


def _categories() -> dict[str, list[int]]:
    """Every assigned code point (except surrogates) by general category."""
    table: dict[str, list[int]] = {}
    for code in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(code))
        if category != "Cs":
            table.setdefault(category, []).append(code)
    return table


def corpus(rng: random.Random, per_category: int = 4) -> list[str]:
    """SPECIAL_TEXT, then strings drawn from each general category mixed with plain text."""
    strings = list(SPECIAL_TEXT)
    table = _categories()
    plain = "abcXYZ 019-"
    for category in sorted(table):
        for _ in range(per_category):
            picks = [chr(rng.choice(table[category])) for _ in range(rng.randint(1, 6))]
            mixed = picks + [rng.choice(plain) for _ in range(rng.randint(0, 4))]
            rng.shuffle(mixed)
            strings.append("".join(mixed))
    return strings


def put(document: dict[str, Any], path: Path, value: Any) -> dict[str, Any]:
    """A copy of ``document`` with ``value`` at ``path`` (None: without that entry)."""
    out = copy.deepcopy(document)
    node: Any = out
    for step in path[:-1]:
        node = node[step]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def apply(document: dict[str, Any], changes: Sequence[tuple[Path, Any]]) -> dict[str, Any]:
    for path, value in changes:
        document = put(document, path, value)
    return document


def language_value(text: str, language: str | None, direction: str | None) -> dict[str, str]:
    value = {"@value": text}
    if language is not None:
        value["@language"] = language
    if direction is not None:
        value["@direction"] = direction
    return value


# --- Hypothesis --------------------------------------------------------------------------

#: Any Unicode scalar value (no surrogates: those are refused, tested apart).
unicode_text = st.text(st.characters(codec="utf-8"), max_size=16)
#: Leaning on the characters above, so that short runs still find the hard cases.
tricky_text = st.one_of(
    unicode_text,
    st.sampled_from(SPECIAL_TEXT),
    st.lists(st.sampled_from("".join(SPECIAL_TEXT)), max_size=8).map("".join),
)
iri_text = st.one_of(
    st.sampled_from(SPECIAL_IRIS),
    st.text(st.characters(codec="utf-8", exclude_characters='<>"{}|^`\\'), max_size=10).map(
        lambda tail: "https://ex.example/" + tail
    ),
)


@st.composite
def mutated_credential(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with arbitrary text in one to three signed fields (or an IRI, or a tag list)."""
    changes: list[tuple[Path, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["text", "text", "iri", "language", "tags"]))
        if kind == "text":
            changes.append((draw(st.sampled_from(TEXT_FIELDS)), draw(tricky_text)))
        elif kind == "iri":
            changes.append((draw(st.sampled_from(IRI_FIELDS)), draw(iri_text)))
        elif kind == "language":
            value = language_value(
                draw(tricky_text),
                draw(st.sampled_from([*LANGUAGES, None])),
                draw(st.sampled_from(DIRECTIONS)),
            )
            changes.append((draw(st.sampled_from(LANGUAGE_FIELDS)), value))
        else:
            changes.append((TAGS, draw(st.lists(tricky_text, min_size=1, max_size=4))))
    return apply(base, changes)
