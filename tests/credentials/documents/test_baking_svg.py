"""SVG baking per Open Badges 3.0 §"Baked Badge / SVG" (ob_v3p0 docformat)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credentials.documents.baking import bake_svg, extract_svg
from credentials.errors import (
    InvalidInputError,
    NoEmbeddedCredentialError,
    UnsupportedFormatError,
    UnsupportedMediaError,
)
from tests.credentials.documents.documents_helpers import parse_own_xml

ASSETS = Path(__file__).parent / "assets"
OB = "https://purl.imsglobal.org/ob/v3p0"
SVG = "http://www.w3.org/2000/svg"
CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "urn:uuid:5b1d6b6e-2f5a-4a7e-9d5e-0b1c2d3e4f50",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "name": "Data & <markup> — ✓",
}
PLAIN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" data-note="a > b">\n'
    '  <!-- keep this comment -->\n  <rect width="10" height="10" fill="#1f4e79"/>\n</svg>\n'
)


def test_bake_then_extract_returns_the_json() -> None:
    assert json.loads(extract_svg(bake_svg(PLAIN, CREDENTIAL))) == CREDENTIAL


def test_credential_is_the_first_child_in_the_ob_namespace() -> None:
    baked = bake_svg(PLAIN, CREDENTIAL)

    root = parse_own_xml(baked.encode())
    assert root.tag == f"{{{SVG}}}svg"
    first = root[0]
    assert first.tag == f"{{{OB}}}credential"
    assert "verify" not in first.attrib  # only for VC-JWT
    assert json.loads(first.text or "") == CREDENTIAL
    root_tag = baked[baked.index("<svg") : baked.index("<openbadges:credential>")]
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in root_tag


def test_json_goes_into_a_cdata_section_right_after_the_svg_tag() -> None:
    baked = bake_svg(PLAIN, '{"id": "urn:uuid:1"}')

    start = baked.index("<svg")
    after_tag = baked[baked.index(">", baked.index('data-note="a > b"') + 17) + 1 :]
    assert after_tag.startswith(
        '<openbadges:credential><![CDATA[{"id": "urn:uuid:1"}]]></openbadges:credential>'
    )
    assert start > 0


def test_rest_of_the_image_is_kept_as_written() -> None:
    baked = bake_svg(PLAIN, CREDENTIAL)

    assert "<!-- keep this comment -->" in baked
    assert '<rect width="10" height="10" fill="#1f4e79"/>' in baked
    assert baked.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_existing_credential_element_is_replaced() -> None:
    once = bake_svg(PLAIN, CREDENTIAL)
    replacement = {**CREDENTIAL, "id": "urn:uuid:00000000-0000-4000-8000-000000000002"}

    twice = bake_svg(once, replacement)

    assert twice.count("<openbadges:credential>") == 1
    assert twice.count('xmlns:openbadges="') == 1
    assert json.loads(extract_svg(twice)) == replacement


def test_credential_element_anywhere_and_with_another_prefix_is_replaced() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg"><g>'
        '<ob:credential xmlns:ob="https://purl.imsglobal.org/ob/v3p0" verify="a.b.c"/>'
        "</g></svg>"
    )

    baked = bake_svg(svg, CREDENTIAL)

    assert "ob:credential" not in baked
    assert "<g></g>" in baked
    assert json.loads(extract_svg(baked)) == CREDENTIAL


def test_cdata_terminator_inside_the_json_survives() -> None:
    credential = {**CREDENTIAL, "description": "tricky ]]> and ]]]]> and <![CDATA[ inside"}

    baked = bake_svg(PLAIN, credential)

    assert json.loads(extract_svg(baked)) == credential
    assert json.loads(parse_own_xml(baked.encode())[0].text or "") == credential


def test_self_closing_root_is_opened() -> None:
    baked = bake_svg('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>', CREDENTIAL)

    assert baked.endswith("</openbadges:credential></svg>")
    assert json.loads(extract_svg(baked)) == CREDENTIAL


def test_prefixed_svg_root_in_another_encoding() -> None:
    source = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>\n'
        '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:title>Caf\xe9</s:title></s:svg>'
    ).encode("latin-1")

    baked = bake_svg(source, CREDENTIAL)

    assert baked.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert baked.endswith("<s:title>Café</s:title></s:svg>")
    assert json.loads(extract_svg(baked.encode("utf-8"))) == CREDENTIAL


def test_prefix_bound_to_another_namespace_is_refused() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"/>'

    with pytest.raises(InvalidInputError, match="binds the 'openbadges' prefix"):
        bake_svg(svg, CREDENTIAL)


def test_spec_example_with_whitespace_around_the_json() -> None:
    text = extract_svg((ASSETS / "svg_spec_example_embedded_proof.svg").read_bytes())

    assert json.loads(text)["id"] == "http://example.edu/credentials/3732"


def test_spec_example_vc_jwt_in_the_verify_attribute() -> None:
    assert extract_svg((ASSETS / "svg_spec_example_vc_jwt.svg").read_bytes()) == (
        "header.payload.signature"
    )


def test_billion_laughs_is_refused_quickly() -> None:
    # Refused at the DOCTYPE, before any entity is declared, so nothing is ever expanded.
    with pytest.raises(UnsupportedMediaError, match="DOCTYPE"):
        extract_svg((ASSETS / "svg_billion_laughs.svg").read_bytes())
    with pytest.raises(UnsupportedMediaError, match="DOCTYPE"):
        bake_svg((ASSETS / "svg_billion_laughs.svg").read_bytes(), CREDENTIAL)


def test_external_entity_is_refused() -> None:
    with pytest.raises(UnsupportedMediaError, match="DOCTYPE"):
        extract_svg((ASSETS / "svg_external_entity_xxe.svg").read_bytes())


def test_two_credential_elements_are_refused() -> None:
    with pytest.raises(NoEmbeddedCredentialError, match="2 <openbadges:credential>"):
        extract_svg((ASSETS / "svg_two_credentials.svg").read_bytes())


def test_svg_without_credential() -> None:
    with pytest.raises(NoEmbeddedCredentialError, match="no <openbadges:credential>"):
        extract_svg(PLAIN)


def test_credential_element_in_another_namespace_does_not_count() -> None:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://example.org/other">'
        "<openbadges:credential>{}</openbadges:credential></svg>"
    )

    with pytest.raises(NoEmbeddedCredentialError):
        extract_svg(svg)


def test_open_badges_2_assertion_is_named_not_supported_yet() -> None:
    # Issue 15, item 7: an OB 2.0 baked SVG is a format we do not verify yet, said plainly.
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        "<openbadges:assertion verify='https://example.org/a'/></svg>"
    )

    with pytest.raises(UnsupportedFormatError, match=r"not supported yet .*Open Badges 2\.0") as e:
        extract_svg(svg)
    assert e.value.code == "format.unsupported"


def test_empty_credential_element() -> None:
    svg = (
        f'<svg xmlns="{SVG}" xmlns:openbadges="{OB}">'
        "<openbadges:credential> </openbadges:credential></svg>"
    )

    with pytest.raises(NoEmbeddedCredentialError, match="empty"):
        extract_svg(svg)


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        ("<html><body/></html>", "root element is <html>, not <svg>"),
        ("<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "not a well-formed SVG"),
        ("not xml at all", "not a well-formed SVG"),
        (b"<svg>\xff\xfe</svg>", "not valid utf-8"),
        (b'<?xml version="1.0" encoding="x-klingon"?><svg/>', "unknown encoding"),
        ("<svg>&undefined;</svg>", "not a well-formed SVG"),
    ],
)
def test_malformed_input_is_unsupported_media(svg: str | bytes, message: str) -> None:
    with pytest.raises(UnsupportedMediaError, match=message):
        extract_svg(svg)


def test_credential_with_characters_xml_cannot_carry_is_refused() -> None:
    # Valid JSON may carry the noncharacter U+FFFE raw; XML 1.0 cannot, even in CDATA.
    with pytest.raises(InvalidInputError, match="U\\+FFFE"):
        bake_svg(PLAIN, '{"name": "\ufffe"}')


def test_control_characters_in_a_mapping_are_escaped_by_json() -> None:
    credential = {**CREDENTIAL, "name": "bell \x07 and nul \x00"}

    assert json.loads(extract_svg(bake_svg(PLAIN, credential))) == credential
