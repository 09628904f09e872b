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
  embedded SVG images by the same rules, two levels deep at most;
- filter regions: at most three times their element (``objectBoundingBox``) or the
  picture (``userSpaceOnUse``) across, from at most once its size before it;
- no ``feMorphology`` (its cost grows with the fourth power of the scale, which the probe
  below cannot extrapolate), ``feTurbulence`` of at most 8 octaves and
  ``feConvolveMatrix`` of order at most 9 (their cost per pixel is fixed by the markup:
  100,000 octaves take minutes even at 50 px).

resvg-py holds the GIL while it renders, so a render cannot be interrupted from Python
(a thread with a timeout would never get to run its timeout). What the static limits
cannot see is the area a filter really covers (a huge element, a tiny ``viewBox``, a
scaling transform: resvg clips a filter's layer only at five times the canvas across,
≈ 0.25 s of CPU per blur at 400 px). So a large render is first drawn at an eighth of its
size: drawing costs grow with the pixel count, so that probe's CPU time times 64 estimates
the real render's (measured within 15 % either way; fixed costs are counted 64 times
over, which errs on the safe side). A probe estimating over half the budget is repeated
once (a first render loads the fonts) and the image refused (:class:`RasterBudgetError`)
if it stays over; a hostile SVG costs tens of milliseconds of CPU to refuse. Renders run
one at a time per process, and one that still takes longer than the budget is refused
rather than served. Budgets are CPU time of the rendering thread (resvg draws on it,
holding the GIL): what a render takes from the machine, whatever else competes for it.
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
    """The render took, or would take, longer than its budget; its result is not used."""


_URL_REF: Final = re.compile(r"url\(\s*['\"]?#([^)'\"\s]+)")
_NUMBER: Final = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_RASTER_MEDIA: Final = ("image/png", "image/jpeg", "image/gif", "image/webp")
_LENGTH: Final = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(%|px)?\s*")
# Children of filter primitives, not primitives themselves.
_NOT_PRIMITIVES: Final = frozenset(
    (
        "feMergeNode",
        "feFuncR",
        "feFuncG",
        "feFuncB",
        "feFuncA",
        "feDistantLight",
        "fePointLight",
        "feSpotLight",
    )
)
# A filter region may start at most one size before its box and span at most three.
_MAX_REGION_START: Final = -1.0
_MAX_REGION_SPAN: Final = 3.0
# Renders larger than this are first drawn at 1/_PROBE_SHRINK of their side (see above).
_PROBE_FROM: Final = 64
_PROBE_SHRINK: Final = 8


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
        self.viewport: tuple[float, float] | None = None  # the root's user units

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
        if index == 0:
            self.viewport = _viewport(attrs)
        elif element.name == "filter":
            self._filter_region(attrs)
        elif element.name in ("feMorphology", "feTurbulence", "feConvolveMatrix"):
            _costly_primitive(element.name, attrs)
        for key, value in attrs.items():
            local = key.rpartition(":")[2]
            if local == "id":
                self.ids.setdefault(value, index)
            elif local == "href":
                self._href(element, value.strip())
            elif local in ("d", "points"):
                element.path_numbers += len(_NUMBER.findall(value))
            element.refs.extend(_URL_REF.findall(value))

    def _filter_region(self, attrs: dict[str, str]) -> None:
        """Refuse a region far larger than what it filters (the element's box, or with
        ``userSpaceOnUse`` the picture): resvg would blur and blend all of it."""
        user_space = attrs.get("filterUnits", "").strip() == "userSpaceOnUse"
        for name, extent in (("x", 0), ("y", 1), ("width", 0), ("height", 1)):
            raw = attrs.get(name)
            if raw is None:
                continue
            match = _LENGTH.fullmatch(raw)
            if match is None:
                raise _refuse(f"a filter {name} of {raw[:40]!r} is not a length")
            value = float(match.group(1))
            if match.group(2) == "%":
                value /= 100
            elif user_space:
                if self.viewport is None:
                    continue  # no size to compare with; the probe render still bounds it
                value /= self.viewport[extent] or 1.0
            span = name in ("width", "height")
            if (value > _MAX_REGION_SPAN) if span else (value < _MAX_REGION_START):
                raise _refuse(f"a filter region ({name}={raw[:40]!r}) far larger than its box")

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
        filters += element.name.startswith("fe") and element.name not in _NOT_PRIMITIVES
        # A <filter> draws nothing where it stands: only each url(#…) use of it counts.
        targets = [i for i in element.children if self.elements[i].name != "filter"]
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


_MAX_OCTAVES: Final = 8
_MAX_KERNEL_ORDER: Final = 9


def _costly_primitive(name: str, attrs: dict[str, str]) -> None:
    """Primitives whose cost the probe render cannot scale (see the module docstring)."""
    if name == "feMorphology":
        # Each pixel looks at a (2r+1)² window, r in pixels: the cost grows with the fourth
        # power of the scale (r = 50 at 400 px took 34 s, at 50 px 8 ms).
        raise _refuse("feMorphology is not supported (its cost grows with the radius squared)")
    if name == "feTurbulence":
        numbers = _NUMBER.findall(attrs.get("numOctaves", ""))
        if numbers and float(numbers[0]) > _MAX_OCTAVES:
            raise _refuse(f"feTurbulence with more than {_MAX_OCTAVES} octaves")
    elif any(float(n) > _MAX_KERNEL_ORDER for n in _NUMBER.findall(attrs.get("order", ""))):
        raise _refuse(f"feConvolveMatrix of order over {_MAX_KERNEL_ORDER}")


def _viewport(attrs: dict[str, str]) -> tuple[float, float] | None:
    """The root's size in user units: its viewBox, else its width and height."""
    numbers = [float(n) for n in _NUMBER.findall(attrs.get("viewBox", ""))]
    if len(numbers) == 4 and numbers[2] > 0 and numbers[3] > 0:
        return numbers[2], numbers[3]
    width, height = (_LENGTH.fullmatch(attrs.get(side, "")) for side in ("width", "height"))
    if width and height and width.group(2) != "%" and height.group(2) != "%":
        return float(width.group(1)), float(height.group(1))
    return None


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
        if size > _PROBE_FROM:
            _probe(svg, size, limits.budget_seconds)
        started = time.thread_time()
        png = _render(svg, size)
        elapsed = time.thread_time() - started
    if elapsed > limits.budget_seconds:
        raise RasterBudgetError(
            f"SVG badge image took {elapsed:.2f} s to draw (budget {limits.budget_seconds} s)",
            field="image",
        )
    return _centred(png, size)


def _probe(svg: str, size: int, budget: float) -> None:
    """Refuse ``svg`` if drawing it at an eighth of ``size``, times 64, is over half the
    ``budget``: half, so that what the probe lets through also draws within the budget
    (the estimate can be 15 % short, and the budget is checked after the real render)."""
    probe_size = max(1, size // _PROBE_SHRINK)
    shrink = size / probe_size
    probe_svg = _blur_scaled(svg, shrink)
    estimate = 0.0
    for _ in range(2):
        started = time.thread_time()
        _render(probe_svg, probe_size)
        estimate = (time.thread_time() - started) * shrink**2
        if estimate <= budget / 2:
            return
    raise RasterBudgetError(
        f"SVG badge image would take about {estimate:.1f} s to draw; images estimated over"
        f" {budget / 2:g} s (half the budget) are not drawn",
        field="image",
    )


_STD_DEVIATION: Final = re.compile(r"""(stdDeviation\s*=\s*)(["'])(.*?)\2""")


def _blur_scaled(svg: str, factor: float) -> str:
    """``svg`` with every blur's deviation times ``factor``, so that drawn ``factor`` times
    smaller each blur still has the same deviation in pixels. resvg picks its blur by that
    deviation (none when tiny, a recursive filter below 2 px, box blurs above), and the
    recursive one costs ≈ 8 times as much per pixel: a probe that skipped a blur the real
    render does would estimate it 8 times too cheap (measured: 0.25 s for 2.1 s)."""

    def scaled(match: re.Match[str]) -> str:
        numbers = _NUMBER.sub(lambda n: repr(float(n.group()) * factor), match.group(3))
        return f"{match.group(1)}{match.group(2)}{numbers}{match.group(2)}"

    return _STD_DEVIATION.sub(scaled, svg)


def _render(svg: str, size: int) -> bytes:
    try:
        return bytes(
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
    except BaseException as exc:
        # A panic in resvg/tiny-skia (a filter on a 10⁹-scaled element unwraps a None)
        # reaches Python as pyo3's PanicException, a BaseException: still bad input.
        if type(exc).__name__ != "PanicException":
            raise
        raise _refuse("the renderer cannot draw it") from None


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
