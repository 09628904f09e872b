"""The SVG allowlist sanitiser: attack samples, bombs, what it keeps, and properties."""

from __future__ import annotations

import base64
import io
import re
import time
import xml.parsers.expat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops

from credentials.documents.badge_image import default_badge_svg
from credentials.documents.svg_raster import rasterise_svg
from credentials.documents.svg_sanitise import (
    MAX_SIDE_PX,
    sanitise_data_uri,
    sanitise_svg,
)
from credentials.errors import UnsafeImageError
from tests.credentials.documents.test_svg_raster import use_bomb

ASSETS = Path(__file__).parent / "assets"
NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
SVG_NS = "http://www.w3.org/2000/svg"


def svg(body: str, attrs: str = 'width="100" height="100"') -> str:
    return f"<svg {NS} {attrs}>{body}</svg>"


# --- what the output may hold, checked on a parse of it ------------------------------------

_EXTERNAL = re.compile(r"url\s*\(\s*['\"]?\s*[^#\s'\"]", re.I)


def assert_safe(out: str) -> None:
    """No script, no handler, no javascript:, nothing outside the document."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    seen: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition(" ")
        assert uri == SVG_NS, name
        assert local not in ("script", "foreignObject", "feImage", "a", "animate", "set"), local
        seen.append(local)
        for key, value in attrs.items():
            attr = key.rpartition(" ")[2]
            assert not attr.lower().startswith("on"), key
            assert "javascript:" not in re.sub(r"\s", "", value).lower(), (key, value)
            assert not _EXTERNAL.search(value), (key, value)
            if attr == "style":
                assert "@import" not in value.lower()
            if attr == "href":
                assert value.startswith("#") or re.match(
                    r"data:image/(png|jpeg|gif|webp)", value, re.I
                ), value

    def text(data: str) -> None:
        if seen and seen[-1] == "style":  # CSS: nothing it could fetch
            assert "@import" not in data.lower()
            assert not _EXTERNAL.search(data), data

    parser.StartElementHandler = start
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = lambda *a: pytest.fail("DOCTYPE in output")
    parser.Parse(out.encode("utf-8"), True)
    assert seen[0] == "svg"
    lowered = out.lower()
    assert "<script" not in lowered
    assert "javascript:" not in re.sub(r"\s", "", lowered)


# --- attack samples -----------------------------------------------------------------------

ATTACKS = {
    "script-element": svg("<script>alert(document.cookie)</script><rect width='9' height='9'/>"),
    "cdata-script": svg("<script><![CDATA[alert(1)]]></script>"),
    "onload": svg("<rect width='9' height='9'/>", 'onload="alert(1)" width="10" height="10"'),
    "handler-on-child": svg("<circle r='4' onclick='alert(1)' onmouseover='alert(2)'/>"),
    "xlink-javascript": svg("<a xlink:href='javascript:alert(1)'><rect width='9' height='9'/></a>"),
    "href-javascript-spaced": svg("<a href=' java&#x09;script:alert(1)'><circle r='3'/></a>"),
    "use-javascript": svg("<use href='javascript:alert(1)'/>"),
    "foreign-object": svg(
        "<foreignObject width='100' height='100'><div xmlns='http://www.w3.org/1999/xhtml'>"
        "<img src='x' onerror='alert(1)'/><script>alert(1)</script></div></foreignObject>"
    ),
    "external-image": svg("<image href='https://evil.example/track.png' width='9' height='9'/>"),
    "file-image": svg("<image xlink:href='file:///etc/passwd' width='9' height='9'/>"),
    "external-use": svg("<use href='https://evil.example/sprite.svg#icon'/>"),
    "svg-in-image": svg(
        "<image width='9' height='9' href='data:image/svg+xml;base64,"
        + base64.b64encode(svg("<script>alert(1)</script>").encode()).decode()
        + "'/>"
    ),
    "css-url-attribute": svg("<rect width='9' height='9' style='fill:url(http://evil/x)'/>"),
    "css-url-presentation": svg("<rect width='9' height='9' fill='url(https://evil/#g)'/>"),
    "css-import": svg("<style>@import url(https://evil/x.css); rect { fill: red }</style>"),
    "css-escape": svg("<style>rect { fill: \\75 rl(https://evil/) }</style>"),
    "css-image-set": svg("<rect width='9' height='9' style='fill: image-set(\"//evil\" 1x)'/>"),
    "fe-image": svg("<filter id='f'><feImage href='https://evil/x.png'/></filter>"),
    "animate-href": svg(
        "<a><animate attributeName='href' values='javascript:alert(1)'/><text>x</text></a>"
    ),
    "set-handler": svg("<set attributeName='onmouseover' to='alert(1)'/>"),
    "other-namespace": svg(
        "<x:script xmlns:x='http://www.w3.org/2000/svg'>alert(1)</x:script>"
        "<h:script xmlns:h='http://www.w3.org/1999/xhtml'>alert(1)</h:script>"
    ),
    "handler-in-xlink-namespace": svg("<rect xlink:onclick='alert(1)' width='9' height='9'/>"),
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_attack_samples_come_out_harmless(attack: str) -> None:
    out = sanitise_svg(attack)
    assert_safe(out)
    assert "alert" not in out
    assert "evil" not in out
    assert sanitise_svg(out) == out


def test_what_it_keeps_of_an_attack_still_draws() -> None:
    out = sanitise_svg(ATTACKS["xlink-javascript"])
    assert out == svg('<g><rect width="9" height="9"/></g>')


REFUSED = {
    "entity-expansion": (
        '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        + svg("<text>&b;</text>"),
        "declares entities",
    ),
    "billion-laughs-file": ((ASSETS / "svg_billion_laughs.svg").read_text(), "declares entities"),
    "xxe-entity-file": ((ASSETS / "svg_external_entity_xxe.svg").read_text(), "declares entities"),
    "doctype-system-passwd": (
        '<!DOCTYPE svg SYSTEM "file:///etc/passwd">' + svg("<rect/>"),
        "DOCTYPE other than the standard",
    ),
    "undefined-entity": (svg("<text>&xxe;</text>"), "not well-formed"),
    "not-xml": ("<svg><rect></svg>", "not well-formed"),
    "html-root": ("<html><svg/></html>", "root element is not <svg>"),
    "use-bomb": (use_bomb(levels=9), "more than 4000 elements once references expand"),
    "use-cycle": (svg('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'), "cycle"),
    "huge-width": (svg("<rect/>", 'width="100000000" height="10"'), "a width of '100000000'"),
    "huge-height-in-inches": (svg("<rect/>", 'width="10" height="9999in"'), "a height of"),
    "feMorphology": (
        svg('<filter id="f"><feMorphology radius="50"/></filter><rect filter="url(#f)"/>'),
        "feMorphology",
    ),
}


@pytest.mark.parametrize(("sample", "reason"), REFUSED.values(), ids=REFUSED.keys())
def test_what_cannot_be_made_safe_is_refused_quickly_naming_why(sample: str, reason: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeImageError) as refused:
        sanitise_svg(sample)
    assert time.perf_counter() - started < 1.0
    assert refused.value.http_status == 422
    assert refused.value.field == "image"
    assert reason in refused.value.message
    assert "passwd" not in refused.value.message
    assert "root:" not in refused.value.message


def test_the_standard_svg_doctype_is_dropped_not_refused() -> None:
    doctype = (
        '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"'
        ' "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
    )
    assert sanitise_svg(doctype + svg("<rect/>")) == svg("<rect/>")


def test_an_svg_without_namespace_comes_out_as_svg() -> None:
    out = sanitise_svg('<svg width="10" height="10"><circle r="4"/></svg>')
    assert out == svg('<circle r="4"/>', 'width="10" height="10"')


def test_local_references_raster_images_and_safe_css_are_kept() -> None:
    png = io.BytesIO()
    Image.new("RGB", (2, 2), (0, 160, 60)).save(png, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    body = (
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient>'
        '<symbol id="s"><circle r="4"/></symbol></defs>'
        "<style>.a { fill: url(#g); stroke: #000 }</style>"
        '<use xlink:href="#s" x="5"/><rect class="a" style="fill:url(#g)" width="9" height="9"/>'
        f'<image href="{uri}" width="2" height="2"/>'
        '<text x="1" y="9" font-family="Noto Sans" xml:space="preserve">A &amp; B</text>'
    )
    assert sanitise_svg(svg(body)) == svg(body)


def test_a_size_over_the_cap_is_refused_but_the_cap_itself_is_not() -> None:
    sanitise_svg(svg("<rect/>", f'width="{MAX_SIDE_PX}" height="{MAX_SIDE_PX}px"'))
    with pytest.raises(UnsafeImageError):
        sanitise_svg(svg("<rect/>", f'width="{MAX_SIDE_PX + 1}" height="1"'))


def test_data_uris_are_sanitised_and_other_values_left_alone() -> None:
    raw = svg("<script>alert(1)</script><rect/>")
    for uri in (
        "data:image/svg+xml;base64," + base64.b64encode(raw.encode()).decode(),
        "data:image/svg+xml," + raw.replace("<", "%3C").replace(">", "%3E").replace('"', "%22"),
    ):
        out = sanitise_data_uri(uri)
        assert out.startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(out.partition(",")[2]).decode() == svg("<rect/>")
    assert sanitise_data_uri("https://cdn.example/a.svg") == "https://cdn.example/a.svg"
    with pytest.raises(UnsafeImageError, match="not valid base64"):
        sanitise_data_uri("data:image/svg+xml;base64,@@@")


# --- our own artwork draws the same after sanitising ---------------------------------------


def _same_picture(original: str) -> None:
    before = rasterise_svg(original, size=400)
    after = rasterise_svg(sanitise_svg(original), size=400)
    with Image.open(io.BytesIO(before)) as a, Image.open(io.BytesIO(after)) as b:
        assert ImageChops.difference(a.convert("RGBA"), b.convert("RGBA")).getbbox() is None


@pytest.mark.parametrize(
    "artwork",
    [
        default_badge_svg("Freelance Python API Developer", subtitle="Northwind Skills Academy"),
        default_badge_svg("Data", subtitle=None, primary="#2d6a4f", accent="#ffd166"),
        (ASSETS / "svg_spec_example_embedded_proof.svg").read_text(),
        (ASSETS / "svg_spec_example_vc_jwt.svg").read_text(),
        svg('<rect width="100" height="100" fill="#ff8800"/>', 'width="100" height="100"'),
    ],
    ids=["demo-default-badge", "default-badge-no-subtitle", "spec-proof", "spec-jwt", "orange"],
)
def test_our_own_and_the_fixtures_artwork_draws_pixel_for_pixel_the_same(artwork: str) -> None:
    _same_picture(artwork)


# --- properties ---------------------------------------------------------------------------

_NAMES = [
    "svg", "g", "rect", "circle", "path", "text", "tspan", "use", "defs", "symbol", "a",
    "image", "style", "script", "foreignObject", "feImage", "filter", "feGaussianBlur",
    "linearGradient", "stop", "animate", "set", "iframe", "h:div", "x:script", "title",
]  # fmt: skip
_ATTRS = [
    "id", "fill", "style", "href", "xlink:href", "onload", "onclick", "ONERROR", "d",
    "width", "height", "transform", "filter", "x:onload", "xml:space", "attributeName",
    "stdDeviation", "class", "values", "to", "mask",
]  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)", " JaVaScRiPt :x", "url(http://e/x)", "url( 'https://e' )",
            "url(#a)", "#a", "#b", "data:image/png;base64,iVBORw0KGgo=", "data:text/html,<b>",
            "@import 'x.css'", "fill:url(//e)", "\\75 rl(x)", "red", "10", "M0 0h5",
            "image-set('x' 1x)", "vbscript:x", "expression(alert(1))", "",
        ]
    ),
    st.text(max_size=20),
)  # fmt: skip


def _escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;").replace(">", "&gt;")
    )


@st.composite
def svg_ish(draw: st.DrawFn, depth: int = 0) -> str:
    name = "svg" if depth == 0 else draw(st.sampled_from(_NAMES))
    attrs = draw(st.dictionaries(st.sampled_from(_ATTRS), _VALUES, max_size=4))
    head = f"<{name}"
    if depth == 0:
        head += f" {NS} xmlns:h='http://www.w3.org/1999/xhtml' xmlns:x='urn:x'"
    head += "".join(f' {k}="{_escape(v)}"' for k, v in attrs.items())
    children = (
        draw(st.lists(svg_ish(depth + 1), max_size=3)) if depth < 3 else []  # type: ignore[call-arg]
    )
    text = draw(st.one_of(st.just(""), st.text(max_size=10).map(_escape)))
    return f"{head}>{text}{''.join(children)}</{name}>"


_MANGLE = st.one_of(
    st.just(lambda s: s),
    st.just(lambda s: s[: len(s) // 2]),  # truncated
    st.just(lambda s: "<!DOCTYPE svg [<!ENTITY a 'b'>]>" + s),
    st.just(lambda s: s.replace("<", "<!--", 1)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=svg_ish(), mangle=_MANGLE, raw=st.booleans())
def test_any_svg_ish_input_is_refused_or_comes_out_safe_and_stable(
    document: str, mangle: object, raw: bool
) -> None:
    text = mangle(document)  # type: ignore[operator]
    try:
        out = sanitise_svg(text.encode("utf-8") if raw else text)
    except UnsafeImageError:
        return  # any other error (a MicrocredError too) fails the test
    assert_safe(out)
    assert sanitise_svg(out) == out


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_arbitrary_bytes_never_raise_anything_but_a_refusal(data: bytes | str) -> None:
    try:
        out = sanitise_svg(data)
    except UnsafeImageError:
        return
    assert_safe(out)
    assert sanitise_svg(out) == out
