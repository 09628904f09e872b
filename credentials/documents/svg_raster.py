"""SVG → PNG in-process with resvg (resvg-py), behind static limits and a time budget.

resvg draws SVG without scripts, network or CSS imports; the only thing it would read on
its own is a file named by an ``<image>``/``<feImage>`` ``href``. The preflight below
refuses such references (only ``#fragment`` and ``data:`` images are allowed) and bounds
the work a document can ask for before resvg sees it:

- no DOCTYPE (expat stops before any entity is declared: no billion laughs, no XXE);
- elements, counted with every ``<use>``/``url(#…)`` reference expanded (the ``<use>`` bomb,
  ten ``<use>`` of ten ``<use>`` of …, is refused in milliseconds, where resvg spends
  seconds before its own node limit trips), and reference cycles refused;
- nesting depth, path coordinates and filter primitives, also counted expanded;
- embedded raster images by their pixel count (read from the header, never decoded);
  embedded SVG images by the same rules, two levels deep at most.

resvg-py holds the GIL while it renders, so a render cannot be interrupted from Python
(a thread with a timeout would never get to run its timeout). The limits bound the work;
renders run one at a time per process, and one that takes longer than the budget is
refused (:class:`RasterBudgetError`) rather than served. ``docs/SHARING.md`` has the
measured worst cases: filters over a huge region still cost ≈ 1 s per primitive.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
import threading
import time
import xml.parsers.expat
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import unquote_to_bytes

import resvg_py
from PIL import Image

from credentials.errors import UnsupportedMediaError

__all__ = ["RasterBudgetError", "RasterLimits", "check_svg", "rasterise_svg"]


@dataclass(frozen=True, slots=True)
class RasterLimits:
    """What one SVG may ask of the rasteriser; counts are after expanding references."""

    max_elements: int = 4000
    max_depth: int = 64
    max_path_numbers: int = 20_000
    max_filter_primitives: int = 6
    max_image_pixels: int = 4096 * 4096
    max_nested_svg: int = 2
    budget_seconds: float = 1.0


DEFAULT_LIMITS: Final = RasterLimits()
_MAX_SIDE: Final = 4096


class RasterBudgetError(UnsupportedMediaError):
    """The render took longer than its budget; its result is not used."""


_URL_REF: Final = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")
_NUMBER: Final = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_RASTER_MEDIA: Final = ("image/png", "image/jpeg", "image/gif", "image/webp")


@dataclass
class _Element:
    name: str
    children: list[int] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    path_numbers: int = 0
    embedded: tuple[int, int, int] = (0, 0, 0)  # the cost of a data: image it shows


def _refuse(reason: str) -> UnsupportedMediaError:
    return UnsupportedMediaError(f"SVG badge image refused: {reason}", field="image")


class _Preflight:
    def __init__(self, limits: RasterLimits, nesting: int) -> None:
        self.limits = limits
        self.nesting = nesting
        self.elements: list[_Element] = []
        self.ids: dict[str, int] = {}
        self.stack: list[int] = []

    def scan(self, text: str) -> tuple[int, int, int]:
        parser = xml.parsers.expat.ParserCreate()
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._doctype
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        try:
            parser.Parse(text.encode("utf-8"), True)
        except xml.parsers.expat.ExpatError as exc:
            raise _refuse(f"not well-formed XML ({exc})") from exc
        if not self.elements or self.elements[0].name != "svg":
            raise _refuse("the root element is not <svg>")
        return self._cost(0, [], {})

    def _doctype(self, *_args: object) -> None:
        raise _refuse("a DOCTYPE is not allowed")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        if len(self.stack) >= self.limits.max_depth:
            raise _refuse(f"nested deeper than {self.limits.max_depth} elements")
        if len(self.elements) >= self.limits.max_elements:
            raise _refuse(f"more than {self.limits.max_elements} elements")
        element = _Element(name=tag.rpartition(":")[2])
        index = len(self.elements)
        self.elements.append(element)
        if self.stack:
            self.elements[self.stack[-1]].children.append(index)
        self.stack.append(index)
        for key, value in attrs.items():
            local = key.rpartition(":")[2]
            if local == "id":
                self.ids.setdefault(value, index)
            elif local == "href":
                self._href(element, value.strip())
            elif local in ("d", "points"):
                element.path_numbers += len(_NUMBER.findall(value))
            element.refs.extend(_URL_REF.findall(value))

    def _end(self, _tag: str) -> None:
        self.stack.pop()

    def _href(self, element: _Element, href: str) -> None:
        if href.startswith("#"):
            element.refs.append(href[1:])
        elif href.startswith("data:"):
            element.embedded = self._data_image(href)
        else:
            raise _refuse("it references something outside itself")

    def _data_image(self, uri: str) -> tuple[int, int, int]:
        header, _, payload = uri.partition(",")
        media, *params = header.removeprefix("data:").split(";")
        try:
            data = base64.b64decode(payload) if "base64" in params else unquote_to_bytes(payload)
        except (binascii.Error, ValueError) as exc:
            raise _refuse("an embedded image is not valid base64") from exc
        media = media.strip().lower()
        if media == "image/svg+xml":
            if self.nesting >= self.limits.max_nested_svg:
                raise _refuse("SVG images nested too deep")
            return _Preflight(self.limits, self.nesting + 1).scan(data.decode("utf-8", "replace"))
        if media not in _RASTER_MEDIA:
            raise _refuse(f"an embedded image of type {media or 'unknown'!r}")
        try:
            with Image.open(io.BytesIO(data)) as image:  # reads the header only
                width, height = image.size
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise _refuse("an embedded image cannot be read") from exc
        if width * height > self.limits.max_image_pixels:
            raise _refuse(f"an embedded image of {width}×{height} pixels")
        return (0, 0, 0)

    def _cost(
        self, index: int, visiting: list[int], memo: dict[int, tuple[int, int, int]]
    ) -> tuple[int, int, int]:
        """(elements, path numbers, filter primitives) drawn for ``index``, references
        expanded; refuses as soon as a count passes its limit."""
        if index in memo:
            return memo[index]
        if index in visiting:
            raise _refuse("a reference cycle")
        if len(visiting) > 2 * self.limits.max_depth:
            raise _refuse("references nested too deep")
        visiting.append(index)
        element = self.elements[index]
        nodes, numbers, filters = element.embedded
        nodes += 1
        numbers += element.path_numbers
        filters += element.name.startswith("fe")
        targets = list(element.children)
        targets += [self.ids[ref] for ref in element.refs if ref in self.ids]
        for target in targets:
            sub = self._cost(target, visiting, memo)
            nodes, numbers, filters = nodes + sub[0], numbers + sub[1], filters + sub[2]
            self._check(nodes, numbers, filters)
        visiting.pop()
        memo[index] = (nodes, numbers, filters)
        return memo[index]

    def _check(self, nodes: int, numbers: int, filters: int) -> None:
        limits = self.limits
        if nodes > limits.max_elements:
            raise _refuse(f"more than {limits.max_elements} elements once references expand")
        if numbers > limits.max_path_numbers:
            raise _refuse(f"more than {limits.max_path_numbers} path coordinates")
        if filters > limits.max_filter_primitives:
            raise _refuse(f"more than {limits.max_filter_primitives} filter primitives")


def check_svg(text: str, *, limits: RasterLimits = DEFAULT_LIMITS) -> None:
    """Raise :class:`UnsupportedMediaError` unless ``text`` is within ``limits``."""
    _Preflight(limits, 0).scan(text)


_RENDER_LOCK: Final = threading.Lock()


def rasterise_svg(svg: str, *, size: int, limits: RasterLimits = DEFAULT_LIMITS) -> bytes:
    """A ``size``×``size`` transparent PNG of ``svg``, scaled to fit and centred."""
    if not 0 < size <= _MAX_SIDE:
        raise UnsupportedMediaError(f"raster size must be 1 to {_MAX_SIDE}", field="size")
    check_svg(svg, limits=limits)
    with _RENDER_LOCK:
        started = time.perf_counter()
        try:
            png = bytes(
                resvg_py.svg_to_bytes(
                    svg_string=svg,
                    width=size,
                    height=size,
                    # fontconfig's choices, so text looks as it did through WeasyPrint.
                    font_family="Noto Serif",
                    serif_family="Noto Serif",
                    sans_serif_family="Noto Sans",
                    monospace_family="DejaVu Sans Mono",
                )
            )
        except ValueError as exc:
            raise _refuse(str(exc)) from exc
        elapsed = time.perf_counter() - started
    if elapsed > limits.budget_seconds:
        raise RasterBudgetError(
            f"SVG badge image took {elapsed:.2f} s to draw (budget {limits.budget_seconds} s)",
            field="image",
        )
    return _centred(png, size)


def _centred(png: bytes, size: int) -> bytes:
    """resvg keeps the aspect ratio: put a non-square result in the middle of the square."""
    with Image.open(io.BytesIO(png)) as drawn:
        if drawn.size == (size, size):
            return png
        canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        canvas.paste(drawn, ((size - drawn.width) // 2, (size - drawn.height) // 2))
    out = io.BytesIO()
    canvas.save(out, format="PNG")
    return out.getvalue()
