"""SVG baking: ``<openbadges:credential>`` right after the opening ``<svg>`` tag.

Open Badges 3.0 §"Baked Badge / SVG" (ob_v3p0 docformat): declare ``xmlns:openbadges=
"https://purl.imsglobal.org/ob/v3p0"`` on the ``<svg>`` element, put an
``<openbadges:credential>`` element directly after the ``<svg>`` start tag; with an embedded
proof the JSON goes into its body wrapped in ``<![CDATA[...]]>`` (the ``verify`` attribute
is only for a VC-JWT compact JWS); there MUST be only one such element.

The document is parsed with expat, which refuses any DOCTYPE before it can declare an
entity (so a billion-laughs file costs nothing), and then edited as text at the offsets the
parser reported, so the rest of the image is kept byte for byte instead of being
re-serialised with different namespace prefixes.
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat
from dataclasses import dataclass, field

from credentials.errors import (
    InvalidInputError,
    NoEmbeddedCredentialError,
    UnsupportedFormatError,
    UnsupportedMediaError,
)

__all__ = ["OB_NAMESPACE", "bake", "decode_svg", "extract"]

OB_NAMESPACE = "https://purl.imsglobal.org/ob/v3p0"
#: Open Badges 2.0 bakes <openbadges:assertion> in this namespace (not verified yet).
_OB2_NAMESPACE = "http://openbadges.org"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
_CREDENTIAL = f"{OB_NAMESPACE} credential"
MAX_SVG_BYTES = 16 * 1024 * 1024
#: Characters outside XML 1.0's Char production cannot appear even inside CDATA.
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DECLARED_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class _Scan:
    """What the parser saw: where the root and the credential elements start, and text."""

    root_start: int = -1
    root_name: str = ""
    root_prefix_uri: str | None = None  # what xmlns:openbadges is bound to on the root
    credential_starts: list[int] = field(default_factory=list)
    texts: list[list[str]] = field(default_factory=list)
    verify: list[str] = field(default_factory=list)


def decode_svg(svg: str | bytes) -> str:
    """SVG text as ``str``: honours a BOM or an XML-declared encoding, defaults to UTF-8."""
    if isinstance(svg, str):
        return svg.removeprefix("\ufeff")
    if not isinstance(svg, bytes | bytearray | memoryview):
        raise UnsupportedMediaError("an SVG must be given as text or bytes", field="image")
    raw = bytes(svg)
    if len(raw) > MAX_SVG_BYTES:
        raise UnsupportedMediaError(
            f"SVG too large ({len(raw)} bytes; limit {MAX_SVG_BYTES})", field="image"
        )
    encoding = "utf-8"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif match := _DECLARED_ENCODING.match(raw.removeprefix(codecs.BOM_UTF8)):
        encoding = match.group(1).decode("ascii")
    try:
        return raw.decode(encoding).removeprefix("\ufeff")
    except LookupError as exc:
        raise UnsupportedMediaError(
            f"SVG declares an unknown encoding {encoding!r}", field="image"
        ) from exc
    except UnicodeDecodeError as exc:
        raise UnsupportedMediaError(
            f"SVG is not valid {encoding} text (byte {exc.start})", field="image"
        ) from exc


def _scan(buf: bytes) -> _Scan:
    """Parse ``buf`` (UTF-8) with expat; refuse DTDs, non-SVG roots and malformed XML."""
    if len(buf) > MAX_SVG_BYTES:
        raise UnsupportedMediaError(
            f"SVG too large ({len(buf)} bytes; limit {MAX_SVG_BYTES})", field="image"
        )
    # The encoding argument overrides any declaration: buf was re-encoded to UTF-8.
    parser = xml.parsers.expat.ParserCreate(encoding="UTF-8", namespace_separator=" ")
    scan = _Scan()
    depth = 0  # > 0 while inside a credential element
    pending: dict[str, str] = {}

    def refuse_dtd(*_: object) -> None:
        # Raised before expat reads any entity declaration, so no expansion ever happens.
        raise UnsupportedMediaError(
            "SVG with a DOCTYPE (DTD) is refused: it could declare expanding entities",
            field="image",
        )

    def namespace(prefix: str | None, uri: str | None) -> None:
        if scan.root_start < 0:
            pending[prefix or ""] = uri or ""

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth
        if scan.root_start < 0:
            if name.rsplit(" ", 1)[-1] != "svg":
                raise UnsupportedMediaError(
                    f"XML document whose root element is <{name.rsplit(' ', 1)[-1]}>, not <svg>",
                    field="image",
                )
            scan.root_start = parser.CurrentByteIndex
            scan.root_name = name
            scan.root_prefix_uri = pending.get("openbadges")
        if depth:
            depth += 1
        elif name == _CREDENTIAL:
            depth = 1
            scan.credential_starts.append(parser.CurrentByteIndex)
            scan.texts.append([])
            scan.verify.append(attrs.get("verify", ""))

    def end(_name: str) -> None:
        nonlocal depth
        depth = max(depth - 1, 0)

    def text(data: str) -> None:
        if depth:
            scan.texts[-1].append(data)

    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.StartNamespaceDeclHandler = namespace
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    try:
        parser.Parse(buf, True)
    except xml.parsers.expat.ExpatError as exc:
        raise UnsupportedMediaError(
            f"not a well-formed SVG: {xml.parsers.expat.ErrorString(exc.code)} "
            f"at line {exc.lineno}, column {exc.offset}",
            field="image",
        ) from exc
    if scan.root_start < 0:  # pragma: no cover - expat refuses documents without a root
        raise UnsupportedMediaError("SVG has no root element", field="image")
    return scan


def extract(svg: str | bytes) -> str:
    """The credential text of the single ``<openbadges:credential>`` element."""
    scan = _scan(decode_svg(svg).encode("utf-8"))
    count = len(scan.credential_starts)
    if count == 0:
        text = decode_svg(svg)
        if _OB2_NAMESPACE in text and "assertion" in text:
            raise UnsupportedFormatError(
                "this format is not supported yet (an SVG badge baked with an Open Badges 2.0 "
                "<openbadges:assertion>); only Open Badges 3.0 credentials secured with an "
                "embedded Data Integrity proof can be verified here",
                field="image",
                details={"format": "ob2", "description": "an Open Badges 2.0 baked SVG"},
            )
        raise NoEmbeddedCredentialError(
            "this file holds no credential: the SVG has no <openbadges:credential> element "
            f"(namespace {OB_NAMESPACE})",
            field="image",
        )
    if count > 1:
        raise NoEmbeddedCredentialError(
            f"the SVG has {count} <openbadges:credential> elements; "
            "Open Badges 3.0 allows exactly one",
            field="image",
            details={"count": count},
        )
    body = "".join(scan.texts[0]).strip()
    # A VC-JWT credential travels in the verify attribute with an empty body.
    result = body or scan.verify[0].strip()
    if not result:
        raise NoEmbeddedCredentialError(
            "the SVG's <openbadges:credential> element is empty", field="image"
        )
    return result


def credential_element(text: str) -> str:
    """The element with the text in CDATA; a ``]]>`` inside is split across two sections."""
    if bad := _NOT_XML_CHAR.search(text):
        raise InvalidInputError(
            f"credential text contains U+{ord(bad.group()):04X}, which XML cannot carry",
            field="credential",
        )
    body = text.replace("]]>", "]]]]><![CDATA[>")
    return f"<openbadges:credential><![CDATA[{body}]]></openbadges:credential>"


def bake(svg: str | bytes, text: str) -> str:
    """The SVG with exactly one credential element, directly after the ``<svg>`` start tag."""
    source = _normalise_declaration(decode_svg(svg))
    buf = source.encode("utf-8")
    scan = _scan(buf)
    if scan.root_prefix_uri not in (None, OB_NAMESPACE):
        raise InvalidInputError(
            "the <svg> element binds the 'openbadges' prefix to "
            f"{scan.root_prefix_uri!r}, not {OB_NAMESPACE}",
            field="image",
        )
    # Remove existing credential elements from the end so earlier offsets stay valid.
    for start in reversed(scan.credential_starts):
        buf = buf[:start] + buf[_element_end(buf, start) :]
    tag_end, self_closing = _start_tag_end(buf, scan.root_start)
    tag = buf[scan.root_start : tag_end - (2 if self_closing else 1)].rstrip()
    if scan.root_prefix_uri is None:
        tag += f' xmlns:openbadges="{OB_NAMESPACE}"'.encode()
    inserted = tag + b">" + credential_element(text).encode("utf-8")
    if self_closing:
        qname = tag[1:].split(maxsplit=1)[0]
        inserted += b"</" + qname + b">"
    return (buf[: scan.root_start] + inserted + buf[tag_end:]).decode("utf-8")


def _normalise_declaration(text: str) -> str:
    """Say UTF-8 in the XML declaration: the baked SVG is returned as text, written as UTF-8."""
    return re.sub(
        r"""^(<\?xml[^>]*?encoding\s*=\s*)(["'])[A-Za-z0-9._-]+\2""",
        r"\1\2UTF-8\2",
        text,
        count=1,
    )


def _start_tag_end(buf: bytes, start: int) -> tuple[int, bool]:
    """Offset just past the start tag at ``start`` and whether it is self-closing.

    Only called on documents expat accepted, so quotes are balanced and a ``>`` outside
    quotes ends the tag.
    """
    pos = start + 1
    while True:
        char = buf[pos]
        if char in b"\"'":
            pos = buf.index(bytes([char]), pos + 1)
        elif char == ord(">"):
            return pos + 1, buf[pos - 1] == ord("/")
        pos += 1


def _element_end(buf: bytes, start: int) -> int:
    """Offset just past the element that starts at ``start`` (well-formed input)."""
    pos, self_closing = _start_tag_end(buf, start)
    depth = 0 if self_closing else 1
    while depth:
        pos = buf.index(b"<", pos)
        if buf.startswith(b"<![CDATA[", pos):
            pos = buf.index(b"]]>", pos) + 3
        elif buf.startswith(b"<!--", pos):
            pos = buf.index(b"-->", pos) + 3
        elif buf.startswith(b"<?", pos):
            pos = buf.index(b"?>", pos) + 2
        elif buf.startswith(b"</", pos):
            pos = buf.index(b">", pos) + 1
            depth -= 1
        else:
            pos, self_closing = _start_tag_end(buf, pos)
            depth += 0 if self_closing else 1
    return pos
