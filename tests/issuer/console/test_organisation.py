"""Organisation and trust in the console: API keys (create with scopes and an expiry, the
secret shown once; rotate; revoke; the API honours each at once), signing keys (rotate and
retire; a credential issued before still verifies "valid" through the public verify API),
the profile (owners edit, viewers read), and provider B reaching none of provider A's keys."""

from __future__ import annotations

import base64
import html
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.test import TestResponse

from issuer.console.org_profile import DOMAIN_FETCH_KEY
from issuer.models import ApiKey, AuditEvent, IssuedCredential, Issuer, SigningKey
from microcred.platform.extensions import db
from tests.issuer.console.conftest import PASSWORD, Console, Provider, add_member
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as ApiProvider
from tests.issuer.issuance_helpers import issue, ready
from tests.verifier.servers import (  # noqa: F401 - fixtures
    TestServer,
    TlsMaterial,
    https_server_fixture,
    tls_fixture,
)
from verifier.http import SafeFetcher

TOKEN = re.compile(r'value="(mc_[a-z0-9]{8}_[A-Za-z0-9_-]{43})"')


def issuer_of(app: Flask, slug: str) -> tuple[int, str]:
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == slug))
        assert issuer is not None
        return issuer.id, issuer.did


def create_key(console: Console, **form: str | list[str]) -> tuple[int, str]:
    data: dict = {"name": "LMS sync", "scopes": ["read", "issue"], "expires": "30", **form}
    response = console.client.post(
        "/console/api-keys", data={"csrf_token": console.fresh_token(), **data}
    )
    body = response.get_data(as_text=True)
    found = TOKEN.search(body)
    return response.status_code, found.group(1) if found else body


def api_get(app: Flask, token: str) -> int:
    return (
        app.test_client()
        .get("/api/v1/issuer", headers={"Authorization": f"Bearer {token}"})
        .status_code
    )


# --- API keys --------------------------------------------------------------------------


def test_create_shows_the_secret_once_with_its_scopes_and_expiry(
    app: Flask, provider: Provider
) -> None:
    status, token = create_key(provider.console)
    assert status == 201, token
    with app.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == token.split("_")[1]))
        assert key is not None
        assert (key.name, key.scopes) == ("LMS sync", "read issue")
        assert key.expires_at is not None
        left = key.expires_at - datetime.now(UTC)
        assert timedelta(days=29, hours=23) < left <= timedelta(days=30)
        assert token not in str(key.secret_hash)
        event = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "api_key.create", AuditEvent.target_id == token[:11]
            )
        )
        assert event is not None
        assert event.ip == "127.0.0.1"
        assert event.actor.startswith("user:")
    # The key works at once, within its scopes: read yes, manage (PATCH issuer) no.
    assert api_get(app, token) == 200
    patch = app.test_client().patch(
        "/api/v1/issuer", json={"name": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert patch.status_code == 403
    # The list shows it, never the secret again.
    page = provider.console.get("/console/api-keys").get_data(as_text=True)
    assert f"{token[:11]}…" in page
    assert token not in page
    assert "read, issue" in page


def test_a_key_that_never_expires_and_the_refusals(app: Flask, provider: Provider) -> None:
    status, token = create_key(provider.console, expires="0", scopes=["manage"])
    assert status == 201
    with app.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == token.split("_")[1]))
        assert key is not None
        assert key.expires_at is None
    status, body = create_key(provider.console, scopes=[])
    assert status == 422
    assert "needs at least one scope" in body
    status, body = create_key(provider.console, scopes=["root"])
    assert status == 422
    status, body = create_key(provider.console, expires="7")
    assert status == 422
    status, body = create_key(provider.console, name="")
    assert status == 422


def test_revoke_refuses_the_key_at_its_next_request(app: Flask, provider: Provider) -> None:
    _, token = create_key(provider.console)
    prefix = token.split("_")[1]
    response = provider.console.post(f"/console/api-keys/{prefix}/revoke")
    assert response.status_code == 302
    assert api_get(app, token) == 401
    page = provider.console.get("/console/api-keys").get_data(as_text=True)
    assert "revoked" in page


def test_rotate_shows_the_new_secret_and_the_old_key_works_through_its_grace(
    app: Flask, provider: Provider
) -> None:
    _, old = create_key(provider.console)
    prefix = old.split("_")[1]
    response = provider.console.post(f"/console/api-keys/{prefix}/rotate")
    assert response.status_code == 201
    found = TOKEN.search(response.get_data(as_text=True))
    assert found is not None
    new = found.group(1)
    assert new != old
    assert api_get(app, new) == 200
    assert api_get(app, old) == 200  # the grace period (24 h by default)
    with app.app_context():
        key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        assert key is not None
        assert key.replaced_by == new.split("_")[1]
    # Rotated once: rotating the old key again is a conflict, shown as the console's page.
    again = provider.console.post(f"/console/api-keys/{prefix}/rotate")
    assert again.status_code == 409
    assert "already rotated" in again.get_data(as_text=True)


# --- signing keys ----------------------------------------------------------------------


def verify_state(make_app: Callable[..., Flask], document: dict) -> tuple[str, list]:
    """The public verify API of a fresh app (no answer kept from before the change): its
    verdict and the checks that did not pass."""
    result = make_app().test_client().post("/api/v1/verify", json=document).get_json()
    return result["verdict"], [c["code"] for c in result["checks"] if c["outcome"] != "passed"]


def test_a_credential_issued_before_rotate_and_retire_still_verifies(
    app: Flask, make_app: Callable[..., Flask], provider: Provider, make: Factory
) -> None:
    issuer_id, did = issuer_of(app, provider.slug)
    world = ready(make, ApiProvider(issuer_id, provider.slug, did, ""))
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    assert verify_state(make_app, issued.json) == ("valid", [])

    response = provider.console.post("/console/signing-keys/rotate")
    assert response.status_code == 302
    page = provider.console.get("/console/signing-keys").get_data(as_text=True)
    assert "key-2" in page
    assert "retired" in page
    assert verify_state(make_app, issued.json) == ("valid", [])
    second = ready(make, world.provider)
    after_rotation = issue(make, world.provider, second.freelancer_id, second.certification.id)

    response = provider.console.post("/console/signing-keys/key-2/retire")
    assert response.status_code == 302
    with app.app_context():
        states = {
            k.fragment: k.state
            for k in db.session.scalars(select(SigningKey).where(SigningKey.issuer_id == issuer_id))
        }
    # Retired, and never left without a signing key: key-3 took over.
    assert states == {"key-1": "retired", "key-2": "retired", "key-3": "active"}
    document = app.test_client().get(f"/issuers/{provider.slug}/did.json").get_json()
    published = [m["id"].split("#")[1] for m in document["verificationMethod"]]
    assert published == ["key-1", "key-2", "key-3"]
    assert verify_state(make_app, issued.json) == ("valid", [])
    assert verify_state(make_app, after_rotation.json) == ("valid", [])
    # A retired key cannot be retired again; a key of no one is not found.
    assert provider.console.post("/console/signing-keys/key-2/retire").status_code == 409
    assert provider.console.post("/console/signing-keys/key-9/retire").status_code == 404
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.action.like("signing_key.%"))
                .order_by(AuditEvent.id)
            )
        )
    assert actions == ["signing_key.rotate", "signing_key.rotate", "signing_key.retire"]


# --- profile ---------------------------------------------------------------------------


def test_owner_edits_the_profile_and_a_viewer_reads_it(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    response = provider.console.post(
        "/console/organisation",
        {
            "name": "Acme Training Ltd",
            "url": "https://acme.example/",
            "email": "hello@acme.example",
            "description": "Courses for gig workers.",
        },
    )
    assert response.status_code == 302
    api = app.test_client().get(
        "/api/v1/issuer", headers={"Authorization": f"Bearer {create_key(provider.console)[1]}"}
    )
    body = api.get_json()
    assert (body["name"], body["url"], body["email"]) == (
        "Acme Training Ltd",
        "https://acme.example/",
        "hello@acme.example",
    )
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"], PASSWORD)
    page = viewer.get("/console/organisation").get_data(as_text=True)
    assert "Acme Training Ltd" in page
    assert "hello@acme.example" in page
    assert "Save the profile" not in page
    assert viewer.post("/console/organisation", {"name": "Hijack"}).status_code == 403


def test_profile_refusals_name_the_field(app: Flask, provider: Provider) -> None:
    for data, phrase in (
        ({"name": " "}, "needs a name"),
        ({"name": "Acme", "url": "javascript:alert(1)"}, "web address"),
        ({"name": "Acme", "url": 'https://a.example/"x'}, "web address"),
        ({"name": "Acme", "email": "not-an-address"}, "e-mail address"),
    ):
        response = provider.console.post("/console/organisation", data)
        assert response.status_code in (400, 422), data  # a shape error or a refusal
        page = response.get_data(as_text=True)
        assert phrase in page or "This field is required" in page, data
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == provider.slug))
        assert issuer is not None
        assert issuer.name == provider.name


# --- another provider ------------------------------------------------------------------


def test_provider_b_reaches_none_of_provider_a_s_keys(
    app: Flask, provider: Provider, sign_up: Callable[..., Provider]
) -> None:
    _, token = create_key(provider.console)
    prefix = token.split("_")[1]
    beta = sign_up("beta", name="Beta Academy")
    add_member(app, beta, "viewer")
    for action in ("revoke", "rotate"):
        assert beta.console.post(f"/console/api-keys/{prefix}/{action}").status_code == 404
    assert prefix not in beta.console.get("/console/api-keys").get_data(as_text=True)
    # Fragments repeat across providers (key-1): B's retire acts on B's key, never A's.
    assert beta.console.post("/console/signing-keys/key-1/retire").status_code == 302
    a_id, a_did = issuer_of(app, provider.slug)
    with app.app_context():
        a_keys = list(db.session.scalars(select(SigningKey).where(SigningKey.issuer_id == a_id)))
    assert [(k.fragment, k.state) for k in a_keys] == [("key-1", "active")]
    assert api_get(app, token) == 200
    for path in ("/console/signing-keys", "/console/organisation", "/console/api-keys"):
        page = beta.console.get(path).get_data(as_text=True)
        assert a_did not in page, path
        assert "Acme Training" not in page, path


# --- domain ----------------------------------------------------------------------------

DOMAIN = "academy.example.org"
WELL_KNOWN = f"https://{DOMAIN}/.well-known/did.json"


def loopback_fetch(server: TestServer, tls: TlsMaterial) -> Callable[[str], Any]:
    """The SSRF-guarded fetcher with its test allowance (loopback, the test CA), over real
    TLS to a loopback server. A test cannot own academy.example.org:443, so only the
    domain's URL is mapped to the server's; any other URL goes out unchanged (and is
    refused by the guard or the missing network)."""
    fetcher = SafeFetcher(allow_private=True, ca_certs=tls.ca_path)

    def fetch(url: str) -> Any:
        if url == WELL_KNOWN:
            url = server.url("/.well-known/did.json")
        return fetcher.fetch_json(url).data

    return fetch


def test_domain_check_marks_the_issuer_domain_verified_and_the_verify_api_says_so(  # noqa: PLR0917 - fixtures
    app: Flask,
    make_app: Callable[..., Flask],
    provider: Provider,
    make: Factory,
    https_server: TestServer,
    tls: TlsMaterial,
) -> None:
    app.extensions[DOMAIN_FETCH_KEY] = loopback_fetch(https_server, tls)
    issuer_id, did = issuer_of(app, provider.slug)
    world = ready(make, ApiProvider(issuer_id, provider.slug, did, ""))
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)

    page = provider.console.get(f"/console/domain?domain={DOMAIN}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert WELL_KNOWN in body
    document = json.loads(html.unescape(re.search(r"<code>(.*?)</code>", body, re.S).group(1)))
    assert document["id"] == f"did:web:{DOMAIN}"
    assert document["alsoKnownAs"] == [did]

    # Nothing published yet: the check fails, says why, records nothing.
    https_server.route("/.well-known/did.json", status=404)
    refused = provider.console.post("/console/domain/check", {"domain": DOMAIN})
    assert refused.status_code == 400
    assert "HTTP 404" in refused.get_data(as_text=True)
    assert verify_trust(make_app, issued.json)["trusted"] is False

    https_server.route("/.well-known/did.json", document)
    checked = provider.console.post("/console/domain/check", {"domain": DOMAIN})
    assert checked.status_code == 302, checked.get_data(as_text=True)
    assert https_server.hits("/.well-known/did.json") == 2
    status = provider.console.get("/console/domain").get_data(as_text=True)
    assert "Verified" in status
    assert DOMAIN in status
    trust = verify_trust(make_app, issued.json)
    assert trust["trusted"] is True
    assert (trust["identity"]["established"], trust["identity"]["domain"]) == ("domain", DOMAIN)
    # The verify page names the domain as fact and the chosen name only as a claim.
    with app.app_context():
        code = db.session.scalar(select(IssuedCredential.short_code))
    shown = make_app().test_client().get(f"/v/{code}").get_data(as_text=True)
    assert "domain verified" in shown
    assert DOMAIN in shown
    assert "“Acme Training”" in shown  # the chosen name, quoted as its claim

    # Renaming withdraws it: a verified "Acme" must not become "Harvard" by an edit.
    provider.console.post("/console/organisation", {"name": "Harvard University"})
    assert verify_trust(make_app, issued.json)["trusted"] is False


def verify_trust(make_app: Callable[..., Flask], document: dict) -> dict:
    result = make_app().test_client().post("/api/v1/verify", json=document).get_json()
    return result["trust"]


def test_domain_refusals(provider: Provider, app: Flask) -> None:
    app.extensions[DOMAIN_FETCH_KEY] = lambda url: {}
    for domain in ("localhost", "127.0.0.1", "https://academy.example.org/"):
        response = provider.console.get(f"/console/domain?domain={domain}")
        assert response.status_code == 400, domain
        assert "is not a public domain name" in html.unescape(response.get_data(as_text=True))
        response = provider.console.post("/console/domain/check", {"domain": domain})
        assert response.status_code == 400, domain


# --- logo ------------------------------------------------------------------------------


def post_logo(console: Console, upload: bytes | None, **extra: str) -> TestResponse:
    data: dict[str, Any] = {"csrf_token": console.fresh_token(), "name": "Acme Training", **extra}
    if upload is not None:
        data["logo"] = (io.BytesIO(upload), "logo.bin")  # the name says nothing: content does
    return console.client.post("/console/organisation", data=data)


def stored_logo(app: Flask, slug: str) -> str | None:
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == slug))
        assert issuer is not None
        return issuer.logo_image


def test_logo_upload_png_svg_sanitised_refused_and_removed(app: Flask, provider: Provider) -> None:
    png = io.BytesIO()
    Image.new("RGB", (8, 8), "#1f4e79").save(png, "PNG")
    assert post_logo(provider.console, png.getvalue()).status_code == 302
    logo = stored_logo(app, provider.slug)
    assert logo == "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()
    assert f'src="{logo}"' in provider.console.get("/console/organisation").get_data(as_text=True)

    # An SVG goes through the sanitiser the API uses: stored without its script.
    hostile = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
        '<script>alert(2)</script><rect width="10" height="10" fill="#f80"/></svg>'
    )
    assert post_logo(provider.console, hostile.encode()).status_code == 302
    logo = stored_logo(app, provider.slug)
    assert logo is not None
    assert logo.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(logo.partition(",")[2]).decode()
    assert "<rect" in svg
    assert "script" not in svg
    assert "onload" not in svg

    # What cannot be made safe, or is no image, is refused next to the field; nothing changes.
    bomb = '<svg xmlns="http://www.w3.org/2000/svg" width="1e9" height="1e9"><rect/></svg>'
    for upload, phrase in ((bomb.encode(), "a width of"), (b"GIF89a....", "PNG or an SVG")):
        response = post_logo(provider.console, upload)
        assert response.status_code == 422
        assert phrase in html.unescape(response.get_data(as_text=True))
        assert stored_logo(app, provider.slug) == logo

    assert post_logo(provider.console, None, remove_logo="y").status_code == 302
    assert stored_logo(app, provider.slug) is None
