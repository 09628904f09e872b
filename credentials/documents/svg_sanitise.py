"""An allowlist sanitiser for uploaded SVG artwork (badge images, logos).

A provider's SVG is served as it is to whoever downloads the badge, and baked badges are
opened outside our page (a freelancer's file browser, another site's ``<img>`` or inline
``<svg>``), where our Content-Security-Policy does not follow it. So what we store and serve
is rebuilt from an allowlist, never the upload's bytes:

- only elements of the SVG namespace that draw (shapes, paths, text, gradients, patterns,
  clip paths, masks, markers, the filter primitives resvg draws, ``use``/``defs``/
  ``symbol``); anything else (``script``, ``foreignObject``, ``feImage``, animation,
  other namespaces such as Inkscape's) is dropped with its content; ``<a>`` becomes a ``<g>``
  (its children kept, its link dropped);
- only known geometry and presentation attributes: no ``on*`` handler, no unknown
  namespace; ``href``/``xlink:href`` only as a local ``#id`` reference, or on ``<image>`` as
  a ``data:`` URI of a raster type (PNG, JPEG, GIF, WebP); anything else is dropped;
- CSS (``style`` attributes and ``<style>`` elements) only without ``@import``, escapes,
  ``url(`` other than ``url(#id)``, ``image-set(``/``src(``/``expression(``/bindings;
  otherwise the attribute or element is dropped;
- no DOCTYPE but the standard SVG 1.0/1.1 one, which is dropped; one with an internal
  subset (entity declarations: billion laughs, XXE) or another system id is refused before
  the parser reads any entity (expat, as in :mod:`~credentials.documents.svg_baking`);
  comments and processing instructions are dropped.

The result is then held to the rasteriser's static limits (:func:`svg_raster.check_svg`:
the ``<use>`` bomb, nesting, path sizes, filters, embedded images) and to a size on the
page, so a bomb is refused here in milliseconds. The output is well-formed XML with fixed
namespace prefixes; sanitising it again gives the same text.

Why not a library: nh3/ammonia (checked, 0.3.8) parse and serialise as HTML, so the output
is not an XML document an image viewer opens, and they do not look inside CSS or ``url(…)``
values; bleach is deprecated. Both would still need every check below.
"""

from __future__ import annotations

import base64
import binascii
import re
import xml.parsers.expat
from typing import Final
from urllib.parse import unquote_to_bytes

from credentials.documents.svg_baking import decode_svg
from credentials.documents.svg_raster import DEFAULT_LIMITS, RasterLimits, check_svg
from credentials.errors import MicrocredError, UnsafeImageError

__all__ = ["MAX_SVG_BYTES", "decode_svg_data_uri", "sanitise_data_uri", "sanitise_svg"]

SVG_NS: Final = "http://www.w3.org/2000/svg"
XLINK_NS: Final = "http://www.w3.org/1999/xlink"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
#: What an upload may weigh before parsing (a badge is tens of kilobytes).
MAX_SVG_BYTES: Final = 2 * 1024 * 1024
#: The largest side an SVG may declare, in CSS pixels (a badge is shown at 400 px).
MAX_SIDE_PX: Final = 16_384
#: Elements parsed (before references expand); the raster limit bounds what they draw.
_MAX_PARSED_ELEMENTS: Final = 20_000

_ELEMENTS: Final = frozenset(
    """svg g defs symbol use title desc switch path rect circle ellipse line polyline polygon
    text tspan textPath linearGradient radialGradient stop pattern clipPath mask marker image
    style filter feBlend feColorMatrix feComponentTransfer feFuncR feFuncG feFuncB feFuncA
    feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap feDistantLight feMorphology
    feDropShadow feFlood feGaussianBlur feMerge feMergeNode feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence""".split()  # noqa: SIM905 - a word list reads better than 60 strings
)
#: Elements whose href may name a local ``#id``.
_REFERRING: Final = frozenset(
    ("use", "textPath", "linearGradient", "radialGradient", "pattern", "filter")
)
_ATTRIBUTES: Final = frozenset(
    """id class style lang version baseProfile viewBox preserveAspectRatio transform
    width height x y x1 y1 x2 y2 cx cy r rx ry fx fy fr d points pathLength
    gradientUnits gradientTransform spreadMethod offset patternUnits patternContentUnits
    patternTransform clipPathUnits maskUnits maskContentUnits markerWidth markerHeight
    markerUnits refX refY orient filterUnits primitiveUnits in in2 result stdDeviation dx dy
    mode operator k1 k2 k3 k4 type values tableValues slope intercept amplitude exponent
    order kernelMatrix divisor bias targetX targetY edgeMode kernelUnitLength preserveAlpha
    surfaceScale diffuseConstant specularConstant specularExponent azimuth elevation z
    pointsAtX pointsAtY pointsAtZ limitingConeAngle scale xChannelSelector yChannelSelector
    baseFrequency numOctaves seed stitchTiles textLength lengthAdjust rotate startOffset
    method spacing side media
    alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
    color-interpolation-filters color-rendering direction display dominant-baseline fill
    fill-opacity fill-rule filter flood-color flood-opacity font font-family font-size
    font-size-adjust font-stretch font-style font-variant font-weight
    glyph-orientation-horizontal glyph-orientation-vertical image-rendering isolation
    kerning letter-spacing lighting-color marker marker-start marker-mid marker-end mask
    mask-type mix-blend-mode opacity overflow paint-order shape-rendering stop-color
    stop-opacity stroke stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-opacity stroke-width text-anchor text-decoration
    text-rendering transform-origin unicode-bidi vector-effect visibility word-spacing
    writing-mode""".split()  # noqa: SIM905
)
_XML_ATTRIBUTES: Final = frozenset(("space", "lang"))
_STANDARD_DTDS: Final = frozenset(
    (
        "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd",
        "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd",
    )
)
_RASTER_DATA: Final = re.compile(r"data:image/(?:png|jpeg|gif|webp)(?:;base64)?,", re.I)
_URL: Final = re.compile(r"url\s*\(\s*['\"]?\s*(.?)", re.I)
# Whatever CSS could fetch, run or hide a name behind (escapes: ``\75 rl(``).
_BAD_CSS: Final = re.compile(
    r"@import|@font-face|@namespace|expression\s*\(|image-set\s*\(|\bsrc\s*\(|"
    r"binding|behavior|javascript:|vbscript:|[\\<]",
    re.I,
)
_BAD_VALUE: Final = re.compile(r"javascript:|vbscript:|data:", re.I)
_INVISIBLE: Final = re.compile(r"[\x00-\x20\x7f]+")
_SIDE: Final = re.compile(
    r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(px|pt|pc|mm|cm|in)?\s*"
)
_UNIT_PX: Final = {None: 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "mm": 96 / 25.4,
                   "cm": 96 / 2.54, "in": 96.0}  # fmt: skip


def _refuse(reason: str) -> UnsafeImageError:
    return UnsafeImageError(f"SVG image refused: {reason}", field="image")


def _safe_value(value: str, *, css: bool) -> bool:
    """Whether an attribute value or CSS text can reach nothing outside the document."""
    squeezed = _INVISIBLE.sub("", value)
    if css and _BAD_CSS.search(squeezed):
        return False
    if _BAD_VALUE.search(squeezed):
        return False
    return all(match.group(1) == "#" for match in _URL.finditer(value))


def _keep_href(element: str, value: str) -> bool:
    value = value.strip()
    if value.startswith("#"):
        return element in _REFERRING and _safe_value(value, css=False)
    if element == "image" and _RASTER_DATA.match(value):
        # base64 or percent-encoded raster bytes; the raster check decodes and sizes them.
        return "<" not in value and '"' not in value
    return False


def _escape(text: str, *, attribute: bool) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("\r", "&#13;")  # kept: a parser would turn a bare one into \n
    if attribute:
        text = text.replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")
    return text


class _Sanitiser:
    def __init__(self) -> None:
        self.out: list[str] = []
        # Per open element: whether it is written (None while inside a dropped subtree).
        self.stack: list[str | None] = []
        self.open_tag = False  # the last start tag written is not closed with ">" yet
        self.default_ns: str | None = None  # the root's namespace, for unprefixed names
        self.style_text: list[str] | None = None  # collecting a <style> element's CSS
        self.count = 0

    def run(self, text: str) -> str:
        parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        parser.ordered_attributes = True
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        try:
            parser.Parse(text.encode("utf-8"), True)
        except xml.parsers.expat.ExpatError as exc:
            raise _refuse(f"not well-formed XML ({exc})") from exc
        if not self.out:
            raise _refuse("the root element is not <svg>")
        return "".join(self.out)

    def _doctype(
        self, _name: str, sysid: str | None, _pubid: str | None, internal_subset: int
    ) -> None:
        if internal_subset:
            raise _refuse("a DOCTYPE that declares entities is not allowed")
        if sysid not in _STANDARD_DTDS:
            raise _refuse("a DOCTYPE other than the standard SVG 1.0/1.1 one is not allowed")

    def _entity(self, *_args: object) -> None:
        raise _refuse("entity declarations are not allowed")

    def _name(self, raw: str) -> tuple[str | None, str]:
        uri, _, local = raw.rpartition(" ")
        return (uri or None), local

    def _start(self, raw: str, attrs: list[str]) -> None:
        self.count += 1
        if self.count > _MAX_PARSED_ELEMENTS:
            raise _refuse(f"more than {_MAX_PARSED_ELEMENTS} elements")
        uri, name = self._name(raw)
        if not self.stack:
            if name != "svg" or uri not in (SVG_NS, None):
                raise _refuse("the root element is not <svg>")
            self.default_ns = uri
        if uri is None:
            uri = SVG_NS if self.default_ns is None else None
        if name == "a" and uri == SVG_NS:
            name = "g"  # a link's content still draws; the link goes
        parent_dropped = bool(self.stack) and self.stack[-1] is None
        if parent_dropped or uri != SVG_NS or name not in _ELEMENTS or self.style_text is not None:
            self.stack.append(None)
            return
        self._close_open_tag()
        head = f"<{name}"
        if not self.stack:
            head += f' xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}"'
        self.out.append(head + self._attributes(name, attrs))
        self.open_tag = True
        self.stack.append(name)
        if name == "style":
            self.style_text = []

    def _attributes(self, element: str, attrs: list[str]) -> str:
        kept: list[str] = []
        for raw, value in zip(attrs[::2], attrs[1::2], strict=True):
            uri, name = self._name(raw)
            if name == "href" and uri in (None, XLINK_NS):
                if _keep_href(element, value):
                    kept.append(f'{"xlink:" if uri else ""}href="{_escape(value, attribute=True)}"')
                continue
            if uri == XML_NS and name in _XML_ATTRIBUTES:
                out_name = f"xml:{name}"
            elif uri is None and name in _ATTRIBUTES:
                out_name = name
            else:
                continue  # on*, unknown attributes, other namespaces
            if _safe_value(value, css=name == "style"):
                kept.append(f'{out_name}="{_escape(value, attribute=True)}"')
        return "".join(" " + item for item in kept)

    def _close_open_tag(self) -> None:
        if self.open_tag:
            self.out.append(">")
            self.open_tag = False

    def _end(self, _raw: str) -> None:
        name = self.stack.pop()
        if name is None:
            return
        if name == "style" and self.style_text is not None:
            css = "".join(self.style_text)
            self.style_text = None
            if not _safe_value(css, css=True):
                css = ""  # the element stays, empty: nothing of it can fetch or run
            if css:
                self._close_open_tag()
                self.out.append(_escape(css, attribute=False))
        if self.open_tag:
            self.out.append("/>")
            self.open_tag = False
        else:
            self.out.append(f"</{name}>")

    def _text(self, data: str) -> None:
        if not self.stack or self.stack[-1] is None:
            return
        if self.style_text is not None:
            self.style_text.append(data)
            return
        self._close_open_tag()
        self.out.append(_escape(data, attribute=False))


def _check_page_size(svg: str) -> None:
    """Refuse a root that declares a side over :data:`MAX_SIDE_PX` (a viewer would try to
    allocate it; the rasteriser scales to fit, but not every consumer does)."""
    root = svg[: svg.find(">") + 1]
    for side in ("width", "height"):
        found = re.search(rf'\s{side}="([^"]*)"', root)
        if found is None:
            continue
        match = _SIDE.fullmatch(found.group(1))
        if match is None:
            continue  # a percentage or keyword: relative to whoever shows it
        pixels = float(match.group(1)) * _UNIT_PX[match.group(2)]
        if not 0 <= pixels <= MAX_SIDE_PX:
            raise _refuse(f"a {side} of {found.group(1)[:40]!r} (at most {MAX_SIDE_PX} px a side)")


def sanitise_svg(data: str | bytes, *, limits: RasterLimits = DEFAULT_LIMITS) -> str:
    """``data`` rebuilt from the allowlist above, within the rasteriser's limits.

    Raises :class:`~credentials.errors.UnsafeImageError` (422) naming the problem for what
    cannot be made safe: not XML, not SVG, entity declarations, a bomb, too large.
    """
    size = len(data.encode("utf-8") if isinstance(data, str) else data)
    if size > MAX_SVG_BYTES:
        raise _refuse(f"{size} bytes (at most {MAX_SVG_BYTES})")
    try:
        text = decode_svg(data)
    except MicrocredError as exc:
        raise _refuse(exc.message) from None
    svg = _Sanitiser().run(text)
    _check_page_size(svg)
    try:
        check_svg(svg, limits=limits)
    except MicrocredError as exc:
        raise _refuse(exc.message.removeprefix("SVG badge image refused: ")) from None
    return svg


_SVG_DATA: Final = re.compile(r"data:image/svg\+xml((?:;[^,;]*)*),", re.I)


def sanitise_data_uri(uri: str, *, limits: RasterLimits = DEFAULT_LIMITS) -> str:
    """An SVG ``data:`` URI's image sanitised, as a base64 ``data:`` URI; any other value is
    returned as it is (PNG uploads are not markup; https URLs are never fetched)."""
    match = _SVG_DATA.match(uri)
    if match is None:
        return uri
    payload = uri[match.end() :]
    try:
        if ";base64" in match.group(1).lower():
            raw = base64.b64decode(re.sub(r"\s+", "", payload), validate=True)
        else:
            raw = unquote_to_bytes(payload)
    except (binascii.Error, ValueError) as exc:
        raise _refuse("its data: URI is not valid base64") from exc
    svg = sanitise_svg(raw, limits=limits)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def decode_svg_data_uri(uri: str) -> str:
    """The SVG text of a base64 ``data:`` URI made by :func:`sanitise_data_uri`."""
    return base64.b64decode(uri.partition(",")[2]).decode("utf-8")
