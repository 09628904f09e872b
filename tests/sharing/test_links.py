"""The embeddable snippet, LinkedIn's add-to-profile link and download file names."""

from __future__ import annotations

import html.parser
from datetime import date
from urllib.parse import parse_qsl, urlsplit

from sharing.links import (
    LINKEDIN_ADD_URL,
    CredentialLinks,
    badge_snippet,
    download_filename,
    linkedin_add_url,
)

LINKS = CredentialLinks(
    base_url="https://microcred.example",
    credential_uuid="0b5c3a52-8f43-4f0e-9d0c-1f2e3d4c5b6a",
    short_code="Ab3dE9xZ",
)
HOSTILE = "\"><script>alert(1)</script><img src=x onerror=alert(2)> & 'quoted'"


class _Collector(html.parser.HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(markup: str) -> _Collector:
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    return collector


def test_links_point_at_the_documents_and_the_verification_page() -> None:
    assert LINKS.verify == "https://microcred.example/v/Ab3dE9xZ"
    assert LINKS.pdf == f"https://microcred.example/credentials/{LINKS.credential_uuid}.pdf"
    assert LINKS.badge_png_path == f"/credentials/{LINKS.credential_uuid}/badge.png"
    assert LINKS.json.endswith(".json")
    assert LINKS.share.endswith("/share")


def test_snippet_is_a_linked_image_with_text_and_no_script() -> None:
    snippet = str(
        badge_snippet(LINKS, certification="Python APIs", issuer="Northwind", recipient="Amara")
    )
    tags = parse(snippet).tags
    assert [tag for tag, _ in tags] == ["a", "img", "br", "a"]
    link, image = tags[0][1], tags[1][1]
    assert link["href"] == LINKS.verify
    assert image["src"] == LINKS.badge_png
    assert image["width"] == image["height"] == "120"
    assert image["alt"] == "Python APIs — issued by Northwind to Amara. Select to verify."
    assert "<script" not in snippet.lower()
    assert "style=" not in snippet


def test_snippet_escapes_hostile_names_in_text_and_attributes() -> None:
    snippet = str(badge_snippet(LINKS, certification=HOSTILE, issuer=HOSTILE, recipient=HOSTILE))
    parsed = parse(snippet)
    # Still exactly the four tags we wrote: nothing the names contain became markup.
    assert [tag for tag, _ in parsed.tags] == ["a", "img", "br", "a"]
    assert parsed.tags[1][1]["alt"].startswith(HOSTILE)  # the browser shows it as text
    assert "<script>" not in snippet
    assert HOSTILE in "".join(parsed.text)


def test_linkedin_url_has_every_parameter_encoded() -> None:
    url = linkedin_add_url(
        name='Python & APIs: 100% "tested" 🐍',
        organization="Crumb & Co / أكاديمية",
        issued_on=date(2025, 5, 12),
        expires_on=date(2027, 1, 3),
        cert_url="https://microcred.example/v/Ab3dE9xZ?x=1&y=2",
        cert_id="urn:uuid:0b5c3a52-8f43-4f0e-9d0c-1f2e3d4c5b6a",
    )
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == LINKEDIN_ADD_URL
    assert parts.fragment == ""
    params = parse_qsl(parts.query, strict_parsing=True)
    assert params == [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", 'Python & APIs: 100% "tested" 🐍'),
        ("organizationName", "Crumb & Co / أكاديمية"),
        ("issueYear", "2025"),
        ("issueMonth", "5"),
        ("expirationYear", "2027"),
        ("expirationMonth", "1"),
        ("certUrl", "https://microcred.example/v/Ab3dE9xZ?x=1&y=2"),
        ("certId", "urn:uuid:0b5c3a52-8f43-4f0e-9d0c-1f2e3d4c5b6a"),
    ]
    # Only unreserved characters appear raw: no space, '&' inside a value, '/', ':' or '+'.
    for raw in parts.query.split("&"):
        value = raw.partition("=")[2]
        assert all(c.isalnum() or c in "-._~%" for c in value), raw


def test_linkedin_url_without_expiry_has_no_expiration_fields() -> None:
    url = linkedin_add_url(
        name="N",
        organization="O",
        issued_on=date(2025, 12, 1),
        expires_on=None,
        cert_url="https://x.example/v/1",
        cert_id="urn:uuid:1",
    )
    names = [name for name, _ in parse_qsl(urlsplit(url).query)]
    assert "expirationYear" not in names
    assert "expirationMonth" not in names
    assert ("issueMonth", "12") in parse_qsl(urlsplit(url).query)


def test_download_filenames_are_ascii_slugs() -> None:
    assert (
        download_filename("Amara Okafor", "Freelance Python API Developer", fallback="c", ext="pdf")
        == "amara-okafor-freelance-python-api-developer.pdf"
    )
    assert download_filename("Zoë Ångström", None, "badge", fallback="c", ext="png") == (
        "zoe-angstrom-badge.png"
    )
    assert download_filename('"; rm -rf /', fallback="c", ext="json") == "rm-rf.json"
    assert download_filename("أمارا", "שלום", fallback="credential-Ab3", ext="pdf") == (
        "credential-Ab3.pdf"
    )
    long_name = download_filename("x" * 500, "y" * 500, fallback="c", ext="pdf")
    assert len(long_name) <= 48 * 2 + 5
