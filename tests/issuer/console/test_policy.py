"""Every console route declares who may use it, and each role is refused what it may not do.

The table ``MATRIX`` names each route's minimum role; a test fails when a /console route
exists that the table (or ``PUBLIC_ROUTES``) does not list, so a new page cannot skip it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from issuer.console.policy import ACCESS_ATTRIBUTE, PUBLIC
from issuer.models import ROLES
from tests.issuer.console.conftest import PASSWORD, Console, Provider

#: (method, URL rule) -> the lowest role allowed.
MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/console/"): "viewer",
    ("GET", "/console/team"): "viewer",
    ("GET", "/console/account/password"): "viewer",
    ("POST", "/console/account/password"): "viewer",
    ("GET", "/console/audit"): "owner",
    ("POST", "/console/team/invite"): "owner",
    ("POST", "/console/team/members/<int:membership_id>/role"): "owner",
    ("POST", "/console/team/members/<int:membership_id>/remove"): "owner",
    ("GET", "/console/api-keys"): "owner",
    ("POST", "/console/api-keys"): "owner",
    ("POST", "/console/api-keys/<prefix>/rotate"): "owner",
    ("POST", "/console/api-keys/<prefix>/revoke"): "owner",
    ("GET", "/console/signing-keys"): "owner",
    ("POST", "/console/signing-keys/rotate"): "owner",
    ("POST", "/console/signing-keys/<fragment>/retire"): "owner",
    ("GET", "/console/organisation"): "viewer",
    ("POST", "/console/organisation"): "owner",
    ("GET", "/console/domain"): "owner",
    ("POST", "/console/domain/check"): "owner",
    ("GET", "/console/certifications"): "viewer",
    ("GET", "/console/certifications/<certification_id>"): "viewer",
    ("GET", "/console/certifications/new"): "issuer",
    ("POST", "/console/certifications/new"): "issuer",
    ("GET", "/console/certifications/<certification_id>/edit"): "issuer",
    ("POST", "/console/certifications/<certification_id>/edit"): "issuer",
    ("POST", "/console/certifications/<certification_id>/archive"): "issuer",
    ("POST", "/console/certifications/<certification_id>/image"): "issuer",
    # --- single sign-on, invitations, organisations ---
    ("GET", "/console/sign-in-settings"): "owner",
    ("POST", "/console/sign-in-settings"): "owner",
    ("POST", "/console/sign-in-settings/remove"): "owner",
    ("POST", "/console/team/invitations/<invitation_id>/revoke"): "owner",
    ("POST", "/console/invitations/<token>/join"): "viewer",
    ("POST", "/console/switch"): "viewer",
    # --- Issuing (issue 13, item 5) ---
    ("GET", "/console/credentials"): "viewer",
    ("GET", "/console/credentials/<credential_id>"): "viewer",
    ("POST", "/console/credentials/<credential_id>/revoke"): "issuer",
    ("POST", "/console/credentials/<credential_id>/suspend"): "issuer",
    ("POST", "/console/credentials/<credential_id>/reinstate"): "issuer",
    # --- fl-wallet ---
    ("POST", "/console/credentials/<credential_id>/wallet-offer"): "issuer",
    # --- end fl-wallet ---
    ("GET", "/console/issue"): "issuer",
    ("POST", "/console/issue"): "issuer",
    ("GET", "/console/issue/preview.pdf"): "issuer",
    ("GET", "/console/issue/preview.png"): "issuer",
    ("GET", "/console/bulk"): "issuer",
    ("POST", "/console/bulk"): "issuer",
    ("POST", "/console/bulk/start"): "issuer",
    ("GET", "/console/bulk/<job_id>"): "issuer",
    ("GET", "/console/bulk/<job_id>/progress"): "issuer",
    ("GET", "/console/bulk/<job_id>/report.csv"): "issuer",
    # --- certificate design ---
    ("GET", "/console/design"): "owner",
    ("POST", "/console/design"): "owner",
    ("GET", "/console/design/preview.png"): "owner",
    ("GET", "/console/design/preview.pdf"): "owner",
    # --- Freelancers and evidence (issue 13, item 4) ---
    ("GET", "/console/freelancers"): "viewer",
    ("GET", "/console/freelancers/new"): "issuer",
    ("POST", "/console/freelancers/new"): "issuer",
    ("GET", "/console/freelancers/<freelancer_id>"): "viewer",
    ("GET", "/console/freelancers/<freelancer_id>/edit"): "issuer",
    ("POST", "/console/freelancers/<freelancer_id>/edit"): "issuer",
    # --- fl-privacy ---
    ("GET", "/console/freelancers/<freelancer_id>/delete"): "owner",
    ("POST", "/console/freelancers/<freelancer_id>/delete"): "owner",
    ("GET", "/console/freelancers/<freelancer_id>/export"): "issuer",
    ("POST", "/console/organisation/recipient-identity"): "owner",
    # --- end fl-privacy ---
    ("GET", "/console/freelancers/import"): "issuer",
    ("POST", "/console/freelancers/import"): "issuer",
    ("POST", "/console/freelancers/import/confirm"): "issuer",
    ("GET", "/console/freelancers/import/template.csv"): "issuer",
    ("GET", "/console/freelancers/<freelancer_id>/projects/new"): "issuer",
    ("POST", "/console/freelancers/<freelancer_id>/projects/new"): "issuer",
    ("GET", "/console/projects/<project_id>"): "viewer",
    ("GET", "/console/projects/<project_id>/edit"): "issuer",
    ("POST", "/console/projects/<project_id>/edit"): "issuer",
    ("POST", "/console/projects/<project_id>/assessments"): "issuer",
    ("POST", "/console/projects/<project_id>/delete"): "issuer",
    # --- fl-mail: mail to freelancers ---
    ("POST", "/console/credentials/<credential_id>/mail/<kind>/resend"): "issuer",
    ("GET", "/console/mail"): "viewer",
    ("POST", "/console/mail/settings"): "owner",
    # --- end fl-mail ---
    # --- fl-evidence: projects the freelancers submitted, waiting for an assessment ---
    ("GET", "/console/submissions"): "viewer",
    # --- end fl-evidence ---
    # --- fl-webhooks: organisation settings, webhooks ---
    ("GET", "/console/webhooks"): "owner",
    ("POST", "/console/webhooks"): "owner",
    ("GET", "/console/webhooks/<webhook_id>"): "owner",
    ("POST", "/console/webhooks/<webhook_id>"): "owner",
    ("POST", "/console/webhooks/<webhook_id>/rotate"): "owner",
    ("POST", "/console/webhooks/<webhook_id>/delete"): "owner",
    ("POST", "/console/webhooks/<webhook_id>/deliveries/<message_id>/replay"): "owner",
    # --- end fl-webhooks ---
}
PUBLIC_ROUTES = {
    "/console/signin",
    "/console/signup",
    "/console/signout",
    "/console/password/forgot",
    "/console/password/reset/<token>",
    "/console/invitations/<token>",
    # --- single sign-on ---
    "/console/signin/sso",
    "/console/signin/sso/callback",
}
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}


def console_rules(app: Flask) -> list[tuple[str, str, str]]:
    return [
        (method, rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/console")
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ]


def test_every_console_route_declares_its_access(app: Flask) -> None:
    undeclared = []
    for method, rule, endpoint in console_rules(app):
        if endpoint == "console.static":
            continue
        access = getattr(app.view_functions[endpoint], ACCESS_ATTRIBUTE, None)
        if access is None:
            undeclared.append(rule)
        elif access == PUBLIC:
            assert rule in PUBLIC_ROUTES, f"{rule} is public but not listed as such"
        else:
            assert MATRIX.get((method, rule)) == access, (method, rule, access)
    assert undeclared == []
    listed = {rule for _, rule in MATRIX} | PUBLIC_ROUTES
    served = {rule for _, rule, endpoint in console_rules(app) if endpoint != "console.static"}
    assert served == listed  # the table names every route, and only served ones


def test_a_route_without_a_declared_role_is_refused(app: Flask) -> None:
    app.add_url_rule("/console/forgotten", endpoint="console.forgotten", view_func=lambda: "open")
    response = app.test_client().get("/console/forgotten")
    assert response.status_code == 403
    assert "declares no role" in response.get_data(as_text=True)


def _path(rule: str, membership_id: int) -> str:
    return rule.replace("<int:membership_id>", str(membership_id))


def _viewer_membership(app: Flask, provider: Provider) -> int:
    from issuer.services.accounts import find_user

    with app.app_context():
        user = find_user(provider.members["viewer"])
        assert user is not None
        return user.memberships[0].id


@pytest.mark.parametrize(("method", "rule"), sorted(MATRIX))
def test_each_role_below_the_minimum_is_refused(
    app: Flask,
    provider: Provider,
    new_console: Callable[[], Console],
    method: str,
    rule: str,
) -> None:
    needed = MATRIX[(method, rule)]
    path = _path(rule, _viewer_membership(app, provider))
    data = {
        "role": "viewer",
        "email": "someone@acme.example",
        "current_password": "wrong",
        "password": "another password 1",
    }
    for role in reversed(ROLES):  # the allowed owner last: its action may remove the viewer
        console = new_console()
        assert console.sign_in(provider.members.get(role, provider.owner)).status_code == 302
        response = console.get(path) if method == "GET" else console.post(path, data)
        if RANK[role] < RANK[needed]:
            assert response.status_code == 403, (role, method, path)
            assert f"needs {needed}" in response.get_data(as_text=True)
        else:
            assert response.status_code != 403, (role, method, path)


@pytest.mark.parametrize(("method", "rule"), sorted(MATRIX))
def test_signed_out_visitors_are_sent_to_sign_in(
    app: Flask, provider: Provider, new_console: Callable[[], Console], method: str, rule: str
) -> None:
    console = new_console()
    path = _path(rule, _viewer_membership(app, provider))
    response = console.get(path) if method == "GET" else console.post(path, {"role": "owner"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/signin?next=")


def test_owner_nav_shows_the_audit_log_viewer_nav_does_not(
    provider: Provider, new_console: Callable[[], Console]
) -> None:
    assert "Audit log" in provider.console.get("/console/").get_data(as_text=True)
    viewer = new_console()
    viewer.sign_in(provider.members["viewer"], PASSWORD)
    page = viewer.get("/console/team").get_data(as_text=True)
    assert "Audit log" not in page
    assert "Invite a teammate" not in page  # the owner's forms are not even shown
