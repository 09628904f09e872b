"""Privacy in the console (issue 14, item 5): "Delete freelancer" (owners; a confirm page,
then a POST; audited), "Export data" (a JSON download), the organisation's recipient
identity setting, and the mail each provider's owners get when a person erases their data
(a real SMTP server on loopback)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.models import AuditEvent, Freelancer, IssuedCredential
from issuer.services import issuers, privacy
from microcred.platform.extensions import db
from tests.issuer.console.conftest import (
    PASSWORD,
    Console,
    Provider,
    SmtpServer,
    app_with_mail,
    deliver,
)
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as FactoryProvider
from tests.issuer.issuance_helpers import issue

ACME = FactoryProvider(0, "acme", "", "")
NAME = "Élodie Marchetti"
EMAIL = "elodie.marchetti@example.org"


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


def _signed_in(new_console: Callable[[], Console], email: str) -> Console:
    console = new_console()
    assert console.sign_in(email, PASSWORD).status_code == 302
    return console


def _freelancer_with_credential(make: Factory) -> tuple[str, str]:
    cert = make.certification(ACME, min_projects=1)
    freelancer_id = make.freelancer(ACME, name=NAME, email=EMAIL)
    project_id = make.project(ACME, freelancer_id, client_feedback=f"Thanks {NAME}")
    make.assess(ACME, project_id, dict.fromkeys(cert.competency_ids, "accepted"))
    issued = issue(make, ACME, freelancer_id, cert.id)
    return freelancer_id, issued.short_code


def test_owner_deletes_a_freelancer_after_confirming(
    app: Flask, provider: Provider, make: Factory
) -> None:
    freelancer_id, short_code = _freelancer_with_credential(make)
    owner = provider.console
    detail = owner.get(f"/console/freelancers/{freelancer_id}").get_data(as_text=True)
    assert "Export data" in detail
    assert "Delete freelancer" in detail

    confirm = owner.get(f"/console/freelancers/{freelancer_id}/delete")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "1 gig project(s)" in page
    assert "1 credential(s)" in page
    assert "cannot be undone" in page
    with app.app_context():  # the confirm page changed nothing
        assert db.session.get(Freelancer, freelancer_id) is not None

    done = owner.post(f"/console/freelancers/{freelancer_id}/delete")
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/console/freelancers")
    listing = owner.get("/console/freelancers").get_data(as_text=True)
    assert "personal data erased" in listing
    assert NAME not in listing
    with app.app_context():
        assert db.session.get(Freelancer, freelancer_id) is None
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "freelancer.erase")
        ).one()
        assert event.actor.startswith("user:")
        assert event.ip is not None
        assert EMAIL not in json.dumps(event.details)
        assert NAME not in json.dumps(event.details)
        credential = db.session.scalars(select(IssuedCredential)).one()
        assert credential.erased_at is not None
    assert owner.client.get(f"/v/{short_code}").status_code == 410
    # The provider's own pages still show the credential, without the person.
    with app.app_context():
        credential_id = db.session.scalars(select(IssuedCredential.id)).one()
    for path in ("/console/credentials", f"/console/credentials/{credential_id}"):
        page = owner.get(path)
        assert page.status_code == 200, path
        assert NAME not in page.get_data(as_text=True)
        assert "Erased" in page.get_data(as_text=True)
    # Again: the freelancer is gone.
    assert owner.post(f"/console/freelancers/{freelancer_id}/delete").status_code == 404
    assert owner.get(f"/console/freelancers/{freelancer_id}/delete").status_code == 404


def test_only_owners_delete_and_viewers_do_not_export(
    app: Flask, provider: Provider, make: Factory, new_console: Callable[[], Console]
) -> None:
    freelancer_id = make.freelancer(ACME, name=NAME, email=EMAIL)
    issuer_console = _signed_in(new_console, provider.members["issuer"])
    viewer_console = _signed_in(new_console, provider.members["viewer"])
    detail = issuer_console.get(f"/console/freelancers/{freelancer_id}").get_data(as_text=True)
    assert "Export data" in detail
    assert "Delete freelancer" not in detail
    for console in (issuer_console, viewer_console):
        assert console.get(f"/console/freelancers/{freelancer_id}/delete").status_code == 403
        assert console.post(f"/console/freelancers/{freelancer_id}/delete").status_code == 403
    assert viewer_console.get(f"/console/freelancers/{freelancer_id}/export").status_code == 403

    exported = issuer_console.get(f"/console/freelancers/{freelancer_id}/export")
    assert exported.status_code == 200
    assert exported.mimetype == "application/json"
    assert "attachment" in exported.headers["Content-Disposition"]
    data = json.loads(exported.get_data(as_text=True))
    assert data["providers"][0]["freelancer"]["name"] == NAME
    # Without the CSRF token nothing happens.
    refused = provider.console.post_raw(f"/console/freelancers/{freelancer_id}/delete", {})
    assert refused.status_code in (400, 403)
    with app.app_context():
        assert db.session.get(Freelancer, freelancer_id) is not None


def test_another_providers_freelancer_is_not_found(
    provider: Provider, make: Factory, sign_up: Callable[..., Provider]
) -> None:
    other = sign_up("globex", name="Globex")
    freelancer_id = make.freelancer(ACME, name=NAME, email=EMAIL)
    for path in ("delete", "export"):
        assert other.console.get(f"/console/freelancers/{freelancer_id}/{path}").status_code == 404
    assert other.console.post(f"/console/freelancers/{freelancer_id}/delete").status_code == 404


def test_owner_sets_the_recipient_identity(
    app: Flask, provider: Provider, new_console: Callable[[], Console]
) -> None:
    owner = provider.console
    page = owner.get("/console/organisation").get_data(as_text=True)
    assert 'value="hashed" checked' in page
    saved = owner.post("/console/organisation/recipient-identity", {"recipient_email": "plain"})
    assert saved.status_code == 302
    assert 'value="plain" checked' in owner.get("/console/organisation").get_data(as_text=True)
    with app.app_context():
        assert issuers.get_issuer("acme").recipient_email == "plain"
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "issuer.recipient_email")
        ).one().details == {"previous": "hashed", "now": "plain"}

    bad = owner.post("/console/organisation/recipient-identity", {"recipient_email": "clear"})
    assert bad.status_code == 422
    assert "Choose how credentials name" in bad.get_data(as_text=True)
    issuer_console = _signed_in(new_console, provider.members["issuer"])
    assert (
        issuer_console.post(
            "/console/organisation/recipient-identity", {"recipient_email": "hashed"}
        ).status_code
        == 403
    )
    with app.app_context():
        assert issuers.get_issuer("acme").recipient_email == "plain"


def test_erasing_a_person_tells_each_providers_owners(
    app: Flask,
    provider: Provider,
    make: Factory,
    sign_up: Callable[..., Provider],
    smtp_server: SmtpServer,
) -> None:
    sign_up("globex", name="Globex")
    globex = FactoryProvider(0, "globex", "", "")
    acme_id, _ = _freelancer_with_credential(make)
    make.freelancer(globex, name=NAME, email=EMAIL)
    deliver(app)  # the credential's own mail to the freelancer (issue 14, item 1)
    smtp_server.mailbox.messages.clear()
    with app.app_context():
        report = privacy.erase_person(EMAIL, actor="freelancer")
    assert (report.freelancers, report.credentials_withdrawn) == (2, 1)
    assert deliver(app) == 2
    received = {m["To"]: m for m in smtp_server.mailbox.messages}
    assert set(received) == {provider.owner, "owner@globex.example"}
    for message in received.values():
        body = message.get_body(preferencelist=("plain",))
        assert body is not None
        text = str(body.get_content())
        assert "erased" in text
        assert NAME not in text
        assert EMAIL not in text
    assert acme_id in str(received[provider.owner].get_body(preferencelist=("plain",)))
    # Idempotent: no second erasure, no second mail.
    with app.app_context():
        assert privacy.erase_person(EMAIL, actor="freelancer").freelancers == 0
    assert deliver(app) == 0
