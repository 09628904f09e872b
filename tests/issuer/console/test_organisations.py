"""Revoking a pending invitation; joining a second organisation with an existing account;
switching between organisations, each page scoped to the current one."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from issuer.models import AccountToken, AuditEvent, Issuer, Membership
from issuer.services import teams
from issuer.services.accounts import find_user
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.issuer.console.conftest import PASSWORD, Console, Provider


def invite(app: Flask, provider: Provider, email: str, role: str) -> tuple[int, str]:
    """An invitation of ``provider`` (through the service; the mail is not the point)."""
    with app.app_context():
        owner = find_user(provider.owner)
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == provider.slug))
        assert owner is not None
        assert issuer is not None
        with write_transaction(db.session):
            token = teams.invite(issuer, email, role, by=owner)
        number = db.session.scalar(select(AccountToken.id).where(AccountToken.email == email))
        assert number is not None
        return number, token


def issuer_id(app: Flask, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Issuer.id).where(Issuer.slug == slug))
        assert found is not None
        return found


def test_an_owner_revokes_a_pending_invitation_and_its_link_dies(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    number, token = invite(app, provider, "late@acme.example", "viewer")
    team = provider.console.get("/console/team").get_data(as_text=True)
    assert "late@acme.example" in team
    assert f"/console/team/invitations/{number}/revoke" in team
    # An issuer may not.
    issuer = new_console()
    issuer.sign_in(provider.members["issuer"])
    assert issuer.post(f"/console/team/invitations/{number}/revoke").status_code == 403
    response = provider.console.post(f"/console/team/invitations/{number}/revoke")
    assert response.status_code == 302
    team = provider.console.get("/console/team").get_data(as_text=True)
    assert "withdrawn; its link no longer works" in team
    assert f"/console/team/invitations/{number}/revoke" not in team
    link = new_console().get(f"/console/invitations/{token}")
    assert link.status_code == 404
    assert "not valid" in link.get_data(as_text=True)
    # Twice, or a made-up id: 404, never a 500.
    assert provider.console.post(f"/console/team/invitations/{number}/revoke").status_code == 404
    assert provider.console.post("/console/team/invitations/abc/revoke").status_code == 404
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent.action).where(AuditEvent.action == "member.invite_revoke")
        )


def test_an_existing_account_joins_a_second_organisation_and_switches(
    app: Flask,
    provider: Provider,
    sign_up: Callable[..., Provider],
    new_console: Callable[[], Console],
) -> None:
    beta = sign_up("beta", name="Beta Academy")
    person = provider.members["viewer"]  # a viewer at Acme, invited to Beta as issuer
    _, token = invite(app, beta, person, "issuer")
    link = f"/console/invitations/{token}"
    console = new_console()
    # Signed out: the page asks to sign in (no new password), and refuses the password form.
    page = console.get(link)
    assert "Sign in to join" in page.get_data(as_text=True)
    refused = console.post(link, {"name": "X", "password": "another password 1"})
    assert refused.status_code == 409
    # Signed in as someone else: the page says so and joining is refused.
    other = new_console()
    other.sign_in(provider.members["issuer"])
    assert "you are signed in as" in other.get(link).get_data(as_text=True)
    assert other.post(f"{link}/join").status_code == 403
    # Signed in as the invited person: join with one button.
    response = console.post(f"/console/signin?next={link}", {"email": person, "password": PASSWORD})
    assert response.headers["Location"] == link
    assert "Join Beta Academy" in console.get(link).get_data(as_text=True)
    joined = console.post(f"{link}/join")
    assert joined.status_code == 302
    dashboard = console.get("/console/").get_data(as_text=True)
    assert "Beta Academy" in dashboard
    assert f"{person} (issuer)" in dashboard
    # The switcher lists both; the link is used up.
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', dashboard)
    assert sorted(name for _, name in options) == ["Acme Training", "Beta Academy"]
    assert console.get(link).status_code == 404
    # Switch to Acme: viewer there, and every page shows Acme's data, not Beta's.
    acme_id, beta_id = issuer_id(app, "acme"), issuer_id(app, "beta")
    assert console.post("/console/switch", {"issuer_id": str(acme_id)}).status_code == 302
    page = console.get("/console/team").get_data(as_text=True)
    assert f"{person} (viewer)" in page
    assert provider.owner in page
    assert beta.owner not in page
    assert console.get("/console/certifications/new").status_code == 403  # viewer at Acme
    # Back to Beta: issuer there.
    console.post("/console/switch", {"issuer_id": str(beta_id)})
    assert console.get("/console/certifications/new").status_code == 200
    page = console.get("/console/team").get_data(as_text=True)
    assert beta.owner in page
    assert provider.owner not in page
    # Not a member: 404, the current organisation unchanged.
    gamma = sign_up("gamma", name="Gamma School")
    gamma_id = issuer_id(app, gamma.slug)
    assert console.post("/console/switch", {"issuer_id": str(gamma_id)}).status_code == 404
    assert console.post("/console/switch", {"issuer_id": "nope"}).status_code == 404
    assert "Beta Academy" in console.get("/console/").get_data(as_text=True)


def test_a_removed_membership_takes_effect_at_once(
    app: Flask,
    provider: Provider,
    sign_up: Callable[..., Provider],
    new_console: Callable[[], Console],
) -> None:
    beta = sign_up("beta", name="Beta Academy")
    person = provider.members["viewer"]
    _, token = invite(app, beta, person, "viewer")
    console = new_console()
    console.sign_in(person)
    console.post(f"/console/invitations/{token}/join")
    assert "Beta Academy" in console.get("/console/").get_data(as_text=True)
    with app.app_context():
        member = db.session.scalar(
            select(Membership)
            .join(Issuer, Issuer.id == Membership.issuer_id)
            .where(Issuer.slug == "beta", Membership.role == "viewer")
        )
        assert member is not None
        number = member.id
    assert beta.console.post(f"/console/team/members/{number}/remove").status_code == 302
    # The very next request: no longer in Beta (signed out), and Beta's pages are closed.
    assert console.get("/console/").status_code == 302
    assert console.get("/console/team").status_code == 302
    # Acme's membership is intact: signing in again lands in Acme, with no switcher.
    console.sign_in(person)
    page = console.get("/console/").get_data(as_text=True)
    assert "Acme Training" in page
    assert 'name="issuer_id"' not in page
