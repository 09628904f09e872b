"""The freelancer profile (/p/<handle>) and the share page (/credentials/<uuid>/share)."""

from __future__ import annotations

import html.parser
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.models import Freelancer, IssuedCredential
from issuer.services import issuers
from issuer.services.issuance import issue_credential
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.issuer.factories import Factory
from tests.sharing.conftest import Issued


class Page(html.parser.HTMLParser):
    """Tags, attributes, text and the textarea's content, as a browser tokenizes them."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []
        self.textarea = ""
        self._in_textarea = False
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_textarea = tag == "textarea"

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._in_textarea = False

    def handle_data(self, data: str) -> None:
        if self._in_textarea:
            self.textarea += data
        else:
            self.texts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.texts).split())

    def links(self) -> list[str]:
        return [str(attrs.get("href")) for tag, attrs in self.tags if tag == "a"]


def expire(app: Flask, issued: Issued) -> None:
    with app.app_context(), write_transaction(db.session):
        row = db.session.get(IssuedCredential, issued.id)
        assert row is not None
        row.valid_until = datetime.now(UTC) - timedelta(days=1)


# --- profile ----------------------------------------------------------------------------------


def test_profile_lists_badges_newest_first_with_their_status(
    client: FlaskClient,
    issue: Callable[..., Issued],
    revoke: Callable[[Issued], None],
    suspend: Callable[[Issued], None],
    make: Factory,
) -> None:
    app = make.app
    first = issue(handle="amara-okafor", profile_public=True, certification="Python APIs")
    provider = first.provider
    freelancer_id = first.freelancer_id
    others = []
    for name in ("Automated Testing", "API Security", "Data Pipelines"):
        cert = make.certification(provider, name=name, validity_days=365)
        project = make.project(provider, freelancer_id, title=f"Gig for {name}")
        make.assess(provider, project, dict.fromkeys(cert.competency_ids, "accepted"))
        with make.transaction():
            row = issue_credential(
                issuers.get_issuer(provider.slug),
                freelancer_id=freelancer_id,
                certification_id=cert.id,
                actor="test",
            )
            others.append(
                Issued(
                    row.id,
                    row.short_code,
                    row.credential_id,
                    row.document,
                    provider,
                    cert.id,
                    freelancer_id,
                )
            )
    # Distinct issue times, oldest first: the profile lists newest first.
    with app.app_context(), write_transaction(db.session):
        for age, item in enumerate(reversed([first, *others])):
            row = db.session.get(IssuedCredential, item.id)
            assert row is not None
            row.issued_at = datetime.now(UTC) - timedelta(hours=age)
    revoke(first)
    suspend(others[0])
    expire(app, others[1])

    response = client.get("/p/amara-okafor")
    assert response.status_code == 200
    page = Page(response.data.decode())
    items = [
        attrs for tag, attrs in page.tags if tag == "li" and "badge-card" in str(attrs.get("class"))
    ]
    states = [str(attrs["class"]).split("state-")[1] for attrs in items]
    assert states == ["valid", "invalid", "warning", "invalid"], page.text  # newest first
    text = page.text
    assert text.index("Data Pipelines") < text.index("API Security")
    assert text.index("API Security") < text.index("Automated Testing")
    assert text.index("Automated Testing") < text.index("Python APIs")
    for label in ("Valid", "Expired", "Suspended", "Revoked"):
        assert label in text
    # Each badge links to its verification page; the badge image is the baked one.
    for item in [first, *others]:
        assert item.verify_url in page.links()
    images = [attrs["src"] for tag, attrs in page.tags if tag == "img"]
    assert f"/credentials/{first.id}/badge.png" in images


def test_profile_shows_no_email_or_hashes(
    app: Flask, client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(handle="amara", profile_public=True)
    with app.app_context():
        freelancer = db.session.get(Freelancer, issued.freelancer_id)
        assert freelancer is not None
        email, salt = freelancer.email, freelancer.identity_salt
    body = client.get("/p/amara").data.decode()
    assert email not in body
    assert salt not in body
    assert "sha256$" not in body
    assert "identityHash" not in body


def test_private_profile_is_indistinguishable_from_no_profile(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issue(handle="private-person", profile_public=False)
    private = client.get("/p/private-person", headers={"Accept": "application/json"})
    missing = client.get("/p/nobody-at-all", headers={"Accept": "application/json"})
    assert private.status_code == missing.status_code == 404
    assert private.get_json()["description"].replace("private-person", "X") == (
        missing.get_json()["description"].replace("nobody-at-all", "X")
    )
    html_page = client.get("/p/private-person", headers={"Accept": "text/html"})
    assert html_page.status_code == 404
    assert "Private" not in html_page.data.decode()


def test_profile_without_badges(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    make.freelancer(provider, name="New Person", handle="new-person", profile_public=True)
    response = client.get("/p/new-person")
    assert response.status_code == 200
    assert "No badges have been issued to" in Page(response.data.decode()).text


def test_pages_send_the_site_security_headers(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(handle="amara", profile_public=True)
    for path in ("/p/amara", issued.path("/share")):
        response = client.get(path)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy
        assert "script-src" not in policy  # no script at all
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == "DENY"
        # Styles come from our own origin, never inline.
        assert "<style" not in response.data.decode()
        assert ' style="' not in response.data.decode()


def test_sharing_stylesheet_is_served(client: FlaskClient, issue: Callable[..., Issued]) -> None:
    issued = issue()
    page = Page(client.get(issued.path("/share")).data.decode())
    sheets = [str(a["href"]) for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert any(href.startswith("/assets/sharing/sharing.css?v=") for href in sheets)
    for href in sheets:
        with client.get(href) as response:  # a file response: close it
            assert response.status_code == 200
            assert response.mimetype == "text/css"


# --- share page -------------------------------------------------------------------------------


def test_share_page_snippet_is_escaped_script_free_html(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(recipient='Amara "<script>alert(1)</script>"', certification="Python & <APIs>")
    page = Page(client.get(issued.path("/share")).data.decode())
    snippet = page.textarea
    assert snippet.startswith(f'<a href="{issued.verify_url}"')
    assert "<script" not in snippet.lower()
    tags = Page(snippet).tags
    assert [tag for tag, _ in tags] == ["a", "img", "br", "a"]
    image = tags[1][1]
    assert image["src"] == f"https://microcred.example/credentials/{issued.id}/badge.png"
    assert image["alt"] == (
        f"Python & <APIs> — issued by Provider {issued.provider.slug} to "
        'Amara "<script>alert(1)</script>". Select to verify.'
    )
    assert (image["width"], image["height"]) == ("120", "120")
    # The preview renders the same snippet as markup, with nothing executable in it.
    preview_imgs = [a for t, a in page.tags if t == "img" and a.get("width") == "120"]
    assert preview_imgs == [image]
    assert not [t for t, _ in page.tags if t == "script"]


def test_share_page_links_to_linkedin_with_every_field(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue(certification="Freelance Python API Developer & Tester", validity_days=730)
    page = Page(client.get(issued.path("/share")).data.decode())
    [linkedin] = [href for href in page.links() if href.startswith("https://www.linkedin.com/")]
    parts = urlsplit(linkedin)
    assert (parts.netloc, parts.path) == ("www.linkedin.com", "/profile/add")
    params = dict(parse_qsl(parts.query, strict_parsing=True))
    issued_on = datetime.now(UTC)
    expires_on = issued_on + timedelta(days=730)
    assert params == {
        "startTask": "CERTIFICATION_NAME",
        "name": "Freelance Python API Developer & Tester",
        "organizationName": f"Provider {issued.provider.slug}",
        "issueYear": str(issued_on.year),
        "issueMonth": str(issued_on.month),
        "expirationYear": str(expires_on.year),
        "expirationMonth": str(expires_on.month),
        "certUrl": issued.verify_url,
        "certId": issued.credential_id,
    }
    assert "&" not in params["name"].replace("& Tester", "")
    assert "%26%20Tester" in parts.query  # '&' and spaces are percent-encoded


def test_share_page_offers_every_download(
    client: FlaskClient, issue: Callable[..., Issued]
) -> None:
    issued = issue()
    links = Page(client.get(issued.path("/share")).data.decode()).links()
    for suffix in (".pdf", "/badge.png?download=1", "/badge.svg?download=1", ".json"):
        assert issued.path(suffix) in links
        assert client.get(issued.path(suffix)).status_code == 200
    assert issued.path("/qr.png?download=1") in links
    assert issued.verify_url in links


def test_revoked_credential_share_page_turns_sharing_off(
    client: FlaskClient, issue: Callable[..., Issued], revoke: Callable[[Issued], None]
) -> None:
    issued = issue()
    revoke(issued)
    page = Page(client.get(issued.path("/share")).data.decode())
    assert "Revoked" in page.text
    assert page.textarea == ""
    assert not [href for href in page.links() if "linkedin" in href]
    assert issued.path(".pdf") in page.links()  # the documents, which say revoked, stay


def test_unknown_share_page_is_an_html_404(client: FlaskClient) -> None:
    response = client.get(f"/credentials/{uuid.uuid4()}/share")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "no credential with id" in response.data.decode()


@pytest.mark.parametrize("handle", ["amara%3Cscript%3E", "a" * 300, "..%2F..%2Fetc"])
def test_strange_handles_are_404(client: FlaskClient, handle: str) -> None:
    response = client.get(f"/p/{handle}")
    assert response.status_code == 404
    assert "<script>" not in response.data.decode()
