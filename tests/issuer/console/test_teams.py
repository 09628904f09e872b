"""Teams: owners change roles and remove members, never the last owner; every change is in
the audit log with who, when and from where; provider B sees nothing of provider A."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from issuer.models import AuditEvent, Issuer, Membership
from issuer.services import teams  # --- invitations ---
from issuer.services.accounts import find_user
from microcred.platform.db import write_transaction  # --- invitations ---
from microcred.platform.extensions import db
from tests.issuer.console.conftest import Console, Provider, add_member
from tests.issuer.console.test_policy import MATRIX, PUBLIC_ROUTES


def membership_id(app: Flask, email: str) -> int:
    with app.app_context():
        user = find_user(email)
        assert user is not None
        return user.memberships[0].id


def test_owner_changes_a_role(app: Flask, provider: Provider) -> None:
    target = membership_id(app, provider.members["viewer"])
    response = provider.console.post(f"/console/team/members/{target}/role", {"role": "issuer"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Membership, target).role == "issuer"  # type: ignore[union-attr]


def test_an_unknown_role_is_refused(app: Flask, provider: Provider) -> None:
    target = membership_id(app, provider.members["viewer"])
    response = provider.console.post(f"/console/team/members/{target}/role", {"role": "god"})
    assert response.status_code == 422


def test_the_last_owner_can_be_neither_demoted_nor_removed(app: Flask, provider: Provider) -> None:
    me = membership_id(app, provider.owner)
    demote = provider.console.post(f"/console/team/members/{me}/role", {"role": "viewer"})
    assert demote.status_code == 409
    assert "last owner" in demote.get_data(as_text=True)
    remove = provider.console.post(f"/console/team/members/{me}/remove")
    assert remove.status_code == 409
    # With a second owner, the first may step down.
    second = membership_id(app, provider.members["issuer"])
    provider.console.post(f"/console/team/members/{second}/role", {"role": "owner"})
    assert (
        provider.console.post(f"/console/team/members/{me}/role", {"role": "viewer"}).status_code
        == 302
    )


def test_inviting_a_member_twice_is_refused(provider: Provider) -> None:
    response = provider.console.post(
        "/console/team/invite", {"email": provider.members["issuer"], "role": "viewer"}
    )
    assert response.status_code == 409
    assert "already a member" in response.get_data(as_text=True)


def test_without_smtp_the_invitation_link_goes_to_the_log(
    provider: Provider, caplog: object
) -> None:
    import logging

    with caplog.at_level(logging.WARNING, logger="microcred.platform.mail"):  # type: ignore[attr-defined]
        provider.console.post(
            "/console/team/invite", {"email": "new@acme.example", "role": "issuer"}
        )
    logged = caplog.text  # type: ignore[attr-defined]
    assert "MICROCRED_SMTP_URL is not set" in logged
    assert re.search(r"https://microcred\.example/console/invitations/\S{40,}", logged)


def test_console_actions_are_audited_with_the_client_address(
    app: Flask, provider: Provider
) -> None:
    target = membership_id(app, provider.members["viewer"])
    provider.console.post(
        f"/console/team/members/{target}/role",
        {"role": "issuer"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "member.role"))
        assert event is not None
        assert event.ip == "203.0.113.9"
        assert event.details == {
            "before": "viewer",
            "after": "issuer",
        }
        owner = find_user(provider.owner)
        assert owner is not None
        assert event.actor == f"user:{owner.id}"
    page = provider.console.get("/console/audit").get_data(as_text=True)
    assert "member.role" in page
    assert "203.0.113.9" in page
    assert provider.owner in page
    assert "user.sign_up" in page
    assert "issuer.create" in page


def test_behind_a_trusted_proxy_the_forwarded_address_is_recorded(
    make_app: Callable[..., Flask], provider: Provider
) -> None:
    proxied = make_app(MICROCRED_TRUSTED_PROXIES=1)
    console = Console(proxied.test_client())
    console.post(
        "/console/signin",
        {"email": provider.owner, "password": "wrong password x"},
        headers={"X-Forwarded-For": "192.0.2.44"},
    )
    with proxied.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "user.sign_in_failed")
        )
        assert event is not None
        assert event.ip == "192.0.2.44"


def test_the_audit_log_paginates(app: Flask, provider: Provider) -> None:
    from issuer.services import audit
    from microcred.platform.db import write_transaction

    with app.app_context(), write_transaction(db.session):
        owner = find_user(provider.owner)
        assert owner is not None
        for n in range(60):
            audit.record(
                owner.memberships[0].issuer_id,
                actor="cli",
                action=f"test.n{n:02d}",
                target_type="test",
                target_id=n,
            )
    first = provider.console.get("/console/audit").get_data(as_text=True)
    assert "test.n59" in first
    assert 'rel="next"' in first
    assert 'rel="prev"' not in first
    second = provider.console.get("/console/audit?page=2").get_data(as_text=True)
    assert "test.n59" not in second
    assert 'rel="prev"' in second
    assert provider.console.get("/console/audit?page=abc").status_code == 200


def test_provider_b_reaches_nothing_of_provider_a(  # noqa: PLR0912 - one walk over MATRIX
    app: Flask, provider: Provider, sign_up: Callable[..., Provider]
) -> None:
    """Every A URL, tried as B's owner: A's members' ids refuse, and no page of B shows A."""
    a_ids = [membership_id(app, email) for email in (provider.owner, *provider.members.values())]
    a_prefixes = api_key_prefixes(app, provider.slug)
    beta = sign_up("beta", name="Beta Academy")
    add_member(app, beta, "viewer")
    a_marks = ("acme.example", "Acme Training")
    # --- single sign-on, invitations, organisations: A's pending invitation and its id ---
    a_invitations = pending_invitation_ids(app, provider)
    for method, rule in MATRIX:
        if "<certification_id>" in rule:
            continue  # tried with A's real ids in test_certifications.py
        # --- Issuing: A's credential, job and freelancer ids, tried in test_issuing.py ---
        if "<credential_id>" in rule or "<job_id>" in rule or "/issue/preview." in rule:
            continue
        # --- Webhooks: A's endpoint id, tried as B in test_webhooks_console.py ---
        if "<webhook_id>" in rule:
            continue
        if "<int:membership_id>" not in rule:
            paths = [rule]
        else:
            paths = [rule.replace("<int:membership_id>", str(i)) for i in a_ids]
        if "<prefix>" in rule:  # A's API keys
            paths = [rule.replace("<prefix>", prefix) for prefix in a_prefixes]
        if "<fragment>" in rule:  # fragments repeat across providers: B's own key-1
            paths = [rule.replace("<fragment>", "key-1")]
        # --- Freelancers and evidence: a URL naming a freelancer or a gig project is tried
        # with A's own (404, nothing of A's shown) by the helper, and not walked below ---
        from tests.issuer.console.test_freelancers import tried_with_a_evidence

        tried = tried_with_a_evidence(
            app, provider.slug, beta.console, method, rule, a_marks=a_marks
        )
        paths = [] if tried else paths
        for path in paths:
            if method == "GET":
                response = beta.console.get(path)
                assert response.status_code == 200, path
            else:
                response = beta.console.post(path, {"role": "viewer", "email": "z@beta.example"})
                if "membership_id" in rule:
                    assert response.status_code == 404, path
                if "<prefix>" in rule:
                    assert response.status_code == 404, path
            body = response.get_data().decode("utf-8", "replace")  # design previews: PNG, PDF
            assert not any(mark in body for mark in a_marks), path
    for path in sorted(PUBLIC_ROUTES):
        assert "<" in path or "Acme" not in beta.console.get(path).get_data(as_text=True)
    # A is untouched: every member keeps their role.
    with app.app_context():
        roles = {
            m.id: m.role
            for m in db.session.scalars(select(Membership).where(Membership.id.in_(a_ids)))
        }
    assert sorted(roles.values()) == ["issuer", "owner", "viewer"]
    # --- invitations, organisations: A's invitation still pending; B cannot switch to A.
    assert all(revoke_refused(beta.console, number) for number in a_invitations)
    assert pending_invitation_ids(app, provider) == a_invitations
    a_issuer_id = issuer_id_of(app, provider.slug)
    assert beta.console.post("/console/switch", {"issuer_id": str(a_issuer_id)}).status_code == 404
    assert "Beta Academy" in beta.console.get("/console/").get_data(as_text=True)
    # A's keys too: no API key revoked or rotated, the signing key still the first.
    with app.app_context():
        a_issuer = db.session.scalar(select(Issuer).where(Issuer.slug == provider.slug))
        assert a_issuer is not None
        assert [k.state for k in a_issuer.signing_keys] == ["active"]
        assert [(k.revoked_at, k.replaced_by) for k in a_issuer.api_keys] == [(None, None)]


# --- single sign-on, invitations, organisations: helpers ---
def pending_invitation_ids(app: Flask, provider: Provider) -> list[int]:
    """A's pending invitations (one is made when there is none)."""
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == provider.slug))
        owner = find_user(provider.owner)
        assert issuer is not None
        assert owner is not None
        if not teams.pending_invitations(issuer):
            with write_transaction(db.session):
                teams.invite(issuer, f"pending@{provider.slug}.example", "viewer", by=owner)
        return sorted(row.id for row in teams.pending_invitations(issuer))


def revoke_refused(console: Console, number: int) -> bool:
    return console.post(f"/console/team/invitations/{number}/revoke").status_code == 404


def issuer_id_of(app: Flask, slug: str) -> int:
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == slug))
        assert issuer is not None
        return issuer.id


def api_key_prefixes(app: Flask, slug: str) -> list[str]:
    with app.app_context():
        issuer = db.session.scalar(select(Issuer).where(Issuer.slug == slug))
        assert issuer is not None
        return [key.prefix for key in issuer.api_keys]
