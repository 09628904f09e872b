"""Single sign-on with the organisation's OpenID Connect provider, against a real provider:
Authlib's server side over TLS on loopback (``oidc_provider``), reached through the real
SSRF-guarded fetcher with its loopback allowance and the tests' CA."""

from __future__ import annotations

import html
import re
import ssl
import urllib.request
from collections.abc import Callable, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from issuer.console.sso_views import SSO_FETCHER_KEY
from issuer.models import AuditEvent, Membership, OidcProvider, User
from issuer.services.accounts import find_user
from microcred.platform.extensions import db
from tests.issuer.console import oidc_provider
from tests.issuer.console.conftest import PASSWORD, Console, Provider
from tests.issuer.console.oidc_provider import CLIENT_ID, CLIENT_SECRET, IdP
from tests.verifier.servers import TlsMaterial, tls_fixture  # noqa: F401 - fixture
from verifier.http import SafeFetcher

CALLBACK = "/console/signin/sso/callback"


@pytest.fixture
def idp(tls: TlsMaterial, app: Flask) -> Iterator[IdP]:
    app.extensions[SSO_FETCHER_KEY] = SafeFetcher(allow_private=True, ca_certs=tls.ca_path)
    served = oidc_provider.serve(tls)
    provider = next(served)
    provider.register(app.config["MICROCRED_BASE_URL"] + CALLBACK)
    yield provider
    next(served, None)


def configure(console: Console, idp: IdP, **fields: str) -> TestResponse:
    form = {
        "issuer_url": idp.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "allowed_domains": "acme-staff.example",
        "default_role": "viewer",
        **fields,
    }
    return console.post("/console/sign-in-settings", form)


def at_provider(url: str, tls: TlsMaterial) -> str:
    """What the browser does at the provider: GET the authorize URL (the provider
    approves the test person at once) and read where it sends the browser back."""
    context = ssl.create_default_context(cafile=tls.ca_path)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=context), NoRedirect)
    with pytest.raises(urllib.request.HTTPError) as answer:
        opener.open(url, timeout=5)
    with answer.value:  # the response holds the TLS socket
        assert answer.value.code == 302, answer.value.read()
        return str(answer.value.headers["Location"])


def start(console: Console, organisation: str = "acme") -> str:
    response = console.post("/console/signin/sso", {"organisation": organisation})
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    found = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', page)
    assert found, page
    link = html.unescape(found.group(1))
    assert f'href="{found.group(1)}"' in page  # the same address as a link
    return link


def back(console: Console, location: str) -> TestResponse:
    parts = urlsplit(location)
    assert parts.path == CALLBACK
    return console.get(f"{parts.path}?{parts.query}")


def sign_in_sso(console: Console, tls: TlsMaterial, organisation: str = "acme") -> TestResponse:
    return back(console, at_provider(start(console, organisation), tls))


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# --- settings --------------------------------------------------------------------------------


def test_owner_configures_the_provider_and_the_secret_is_never_shown(
    app: Flask, provider: Provider, idp: IdP
) -> None:
    response = configure(provider.console, idp)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = provider.console.get("/console/sign-in-settings").get_data(as_text=True)
    assert idp.issuer in page
    assert "https://microcred.example/console/signin/sso/callback" in page
    assert CLIENT_SECRET not in page
    with app.app_context():
        row = db.session.scalar(select(OidcProvider))
        assert row is not None
        assert row.token_endpoint == idp.issuer + "/token"
        assert CLIENT_SECRET not in row.client_secret  # encrypted at rest
        assert row.domains == ["acme-staff.example"]
    # Saving again without a secret keeps the stored one.
    assert configure(provider.console, idp, client_secret="").status_code == 302
    assert "sso.configure" in actions(app)


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"issuer_url": "http://localhost:1"}, 400, "enter an https address"),
        ({"default_role": "owner"}, 422, "Not a valid choice"),
        ({"allowed_domains": "not a domain"}, 400, "is not a domain"),
        ({"client_id": ""}, 422, "This field is required"),
    ],
)
def test_settings_refusals_name_the_field(  # noqa: PLR0917 - fixtures
    app: Flask, provider: Provider, idp: IdP, fields: dict, status: int, says: str
) -> None:
    response = configure(provider.console, idp, **fields)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    assert count(app, OidcProvider) == 0


def test_a_wrong_issuer_url_is_refused_after_discovery(
    app: Flask, provider: Provider, idp: IdP
) -> None:
    response = configure(provider.console, idp, issuer_url=idp.issuer + "/elsewhere")
    assert response.status_code == 400
    assert "discovery document could not be read" in response.get_data(as_text=True)
    assert count(app, OidcProvider) == 0


def test_a_viewer_and_an_issuer_may_not_configure(
    app: Flask, provider: Provider, idp: IdP, new_console: Callable[[], Console]
) -> None:
    for role in ("viewer", "issuer"):
        console = new_console()
        console.sign_in(provider.members[role])
        assert configure(console, idp).status_code == 403
        assert console.get("/console/sign-in-settings").status_code == 403
    assert count(app, OidcProvider) == 0


# --- signing in ------------------------------------------------------------------------------


def test_a_new_person_at_an_allowed_domain_joins_with_the_default_role(
    app: Flask, provider: Provider, idp: IdP, tls: TlsMaterial, new_console: Callable[[], Console]
) -> None:
    configure(provider.console, idp, default_role="issuer")
    console = new_console()
    console.get("/console/signin/sso")
    before = console.cookie()
    location = start(console, "acme-staff.example")  # by e-mail domain
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    assert query["state"]
    response = back(console, at_provider(location, tls))
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/"
    assert console.cookie() != before  # a new session id: no fixation
    page = console.get("/console/").get_data(as_text=True)
    assert "sam@acme-staff.example (issuer)" in page
    with app.app_context():
        user = find_user("sam@acme-staff.example")
        assert user is not None
        assert user.name == "Sam Single"
        assert [m.role for m in user.memberships] == ["issuer"]
    assert actions(app)[-2:] == ["member.join_sso", "user.sign_in_sso"]


def test_an_existing_member_is_found_by_e_mail_and_keeps_their_role(
    app: Flask, provider: Provider, idp: IdP, tls: TlsMaterial, new_console: Callable[[], Console]
) -> None:
    configure(provider.console, idp, allowed_domains="")
    idp.person.email = provider.members["viewer"]
    console = new_console()
    assert sign_in_sso(console, tls).status_code == 302
    assert f"{provider.members['viewer']} (viewer)" in console.get("/console/").get_data(
        as_text=True
    )


def test_a_stranger_at_another_domain_is_refused_and_nothing_is_created(
    app: Flask, provider: Provider, idp: IdP, tls: TlsMaterial, new_console: Callable[[], Console]
) -> None:
    configure(provider.console, idp)
    idp.person.email = "mallory@elsewhere.example"
    users = count(app, User)
    console = new_console()
    response = sign_in_sso(console, tls)
    assert response.status_code == 403
    assert "may not join by signing in" in response.get_data(as_text=True)
    assert count(app, User) == users
    assert console.get("/console/").status_code == 302  # not signed in


def test_an_unknown_organisation_is_refused_next_to_the_field(
    provider: Provider, new_console: Callable[[], Console]
) -> None:
    console = new_console()
    response = console.post("/console/signin/sso", {"organisation": "acme"})  # no SSO set up
    assert response.status_code == 404
    assert "signs in with its own provider" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("bad_signature", "signature does not verify"),
        ("wrong_aud", "not valid for this sign-in"),
        ("wrong_iss", "not valid for this sign-in"),
        ("expired", "not valid for this sign-in"),
        ("unverified_email", "email_verified is not true"),
    ],
)
def test_an_id_token_that_does_not_hold_is_refused(  # noqa: PLR0917 - fixtures
    app: Flask,
    provider: Provider,
    idp: IdP,
    tls: TlsMaterial,
    new_console: Callable[[], Console],
    mode: str,
    says: str,
) -> None:
    configure(provider.console, idp)
    idp.mode = mode
    users, memberships = count(app, User), count(app, Membership)
    console = new_console()
    response = sign_in_sso(console, tls)
    assert response.status_code == 400
    assert says in response.get_data(as_text=True)
    assert (count(app, User), count(app, Membership)) == (users, memberships)
    assert console.get("/console/").status_code == 302


def test_state_replay_and_the_provider_s_error_are_refused(
    app: Flask, provider: Provider, idp: IdP, tls: TlsMaterial, new_console: Callable[[], Console]
) -> None:
    configure(provider.console, idp)
    users = count(app, User)
    console = new_console()
    # Another state than the one this browser started with (one non-ASCII: not a 500).
    for prefix in ("x", "%C3%A9"):
        location = at_provider(start(console), tls)
        response = back(console, location.replace("state=", "state=" + prefix))
        assert response.status_code == 400
        assert "no sign-in" in response.get_data(as_text=True) or "state" in response.get_data(
            as_text=True
        )
    # The provider's error parameter.
    start(console)
    response = console.get(f"{CALLBACK}?error=access_denied&error_description=You+said+no")
    assert response.status_code == 400
    assert "refused the sign-in: You said no" in response.get_data(as_text=True)
    # A callback replayed: once used, the pending sign-in is gone.
    location = at_provider(start(console), tls)
    assert back(console, location).status_code == 302
    console.sign_out()
    assert back(console, location).status_code == 400
    # A code replayed under a new, genuine state: the provider refuses it.
    code = parse_qs(urlsplit(location).query)["code"][0]
    fresh = at_provider(start(console), tls)
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    response = console.get(f"{CALLBACK}?code={code}&state={state}")
    assert response.status_code == 400
    assert "did not accept the code" in response.get_data(as_text=True)
    assert count(app, User) == users + 1  # only the one genuine sign-in created sam


def test_require_sso_refuses_passwords_except_the_owner_s(
    app: Flask, provider: Provider, idp: IdP, new_console: Callable[[], Console]
) -> None:
    configure(provider.console, idp, require_sso="y")
    viewer = new_console()
    response = viewer.sign_in(provider.members["viewer"])
    assert response.status_code == 403
    assert "requires single sign-on" in response.get_data(as_text=True)
    assert viewer.get("/console/").status_code == 302
    owner = new_console()
    assert owner.sign_in(provider.owner).status_code == 302
    assert owner.get("/console/").status_code == 200


def test_requiring_sso_ends_password_sessions_already_open(
    app: Flask, provider: Provider, idp: IdP, new_console: Callable[[], Console]
) -> None:
    issuer = new_console()
    assert issuer.sign_in(provider.members["issuer"]).status_code == 302
    assert issuer.get("/console/").status_code == 200
    configure(provider.console, idp, require_sso="y")
    # The issuer's password session ends at its next request; the owner's stays.
    response = issuer.get("/console/")
    assert response.status_code == 302
    assert "/console/signin" in response.headers["Location"]
    assert provider.console.get("/console/").status_code == 200


def test_an_sso_session_is_bound_to_its_organisation(  # noqa: PLR0917 - fixtures
    app: Flask,
    provider: Provider,
    idp: IdP,
    tls: TlsMaterial,
    new_console: Callable[[], Console],
    sign_up: Callable[..., Provider],
) -> None:
    """Another organisation's provider vouches for its own organisation only: a session it
    opened cannot switch to the person's other organisations."""
    sign_up("beta", name="Beta Academy")
    configure(provider.console, idp, allowed_domains="")
    idp.person.email = provider.members["viewer"]
    with app.app_context():
        from issuer.models import Issuer
        from issuer.services import teams
        from microcred.platform.db import write_transaction

        beta_id = db.session.scalar(select(Issuer.id).where(Issuer.slug == "beta"))
        user = find_user(provider.members["viewer"])
        assert user is not None
        assert beta_id is not None
        with write_transaction(db.session):
            teams.add_member(db.session.get(Issuer, beta_id), user, "owner", actor="test")
    console = new_console()
    assert sign_in_sso(console, tls).status_code == 302
    page = console.get("/console/").get_data(as_text=True)
    assert "Acme Training" in page
    response = console.post("/console/switch", {"issuer_id": str(beta_id)})
    assert response.status_code == 403
    assert "Acme Training" in console.get("/console/").get_data(as_text=True)
    # With the password, the same person may switch.
    other = new_console()
    assert other.sign_in(provider.members["viewer"], PASSWORD).status_code == 302
    assert other.post("/console/switch", {"issuer_id": str(beta_id)}).status_code == 302
    assert "Beta Academy" in other.get("/console/").get_data(as_text=True)


def test_the_start_and_the_callback_share_the_sign_in_rate_limit(
    make_app: Callable[..., Flask], provider: Provider
) -> None:
    limited = make_app(RATELIMIT_ENABLED=True, MICROCRED_CONSOLE_SIGNIN_RATELIMIT="3 per minute")
    console = Console(limited.test_client())
    codes = [
        console.post("/console/signin/sso", {"organisation": "nobody"}).status_code,
        console.get(f"{CALLBACK}?code=x&state=y").status_code,
        console.post("/console/signin/sso", {"organisation": "nobody"}).status_code,
        console.get(f"{CALLBACK}?code=x&state=y").status_code,
    ]
    assert codes == [404, 400, 404, 429]
    assert console.get("/console/signin/sso").status_code == 200  # the form is free
