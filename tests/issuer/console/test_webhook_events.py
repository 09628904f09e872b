"""Every webhook event type a person causes, end to end, as they cause it: a freelancer
claims by the link in the mail they received (``credential.claimed``), a provider's
system suspends through the API (``credential.suspended``), the expiry scan runs from
the CLI and mails the 30-day notice (``credential.expiring``), a freelancer submits a
gig project on /account/projects/new (``evidence.submitted``). The queue delivers to a
real HTTPS receiver on loopback; the test checks the signature with the
``standardwebhooks`` reference library, the type, and that the data has exactly the
fields docs/RECIPIENTS.md shows for that type (and no e-mail address). Each message is
then sent again from the console (replay) and verifies again. The refusals on the way
(a second suspension, another provider's key, a form without CSRF) send nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook

from issuer.models import Assessment, Freelancer, GigProject, Issuer
from issuer.services import privacy, recipients, webhooks
from issuer.services.accounts import find_user
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from microcred.platform.queue import task_queue
from tests.conftest import TEST_BASE_URL, CliRun
from tests.issuer.account.conftest import Browser
from tests.issuer.console.conftest import Console, Provider
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as ApiProvider
from tests.issuer.issuance_helpers import Issued, Ready, issue, ready
from tests.issuer.webhook_receiver import HOST, Received, Receiver
from tests.smtp import SmtpServer

SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')
SENDER = "microcred@provider.example"
EMAIL = "amara@example.com"
PASSWORD = "a long enough passphrase"
DOCS = Path(__file__).parents[3] / "docs" / "RECIPIENTS.md"
STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def queue_url(tmp_path: Path) -> str:
    """A queue file the CLI's app and the test's app share, as ``microcred mail …`` and a
    worker share the instance's queue."""
    return f"sqlite:///{tmp_path / 'queue.db'}"


@pytest.fixture
def app(
    make_app: Callable[..., Flask], receiver: Receiver, smtp_server: SmtpServer, queue_url: str
) -> Flask:
    return make_app(
        MICROCRED_WEBHOOK_FETCHER=receiver.fetcher(),
        MICROCRED_SMTP_URL=smtp_server.url,
        MICROCRED_MAIL_FROM=SENDER,
        MICROCRED_QUEUE_URL=queue_url,
    )


@dataclass(frozen=True)
class Hooked:
    """A provider signed up in the console, with an API key, a freelancer who meets the
    evidence rule, and one endpoint (registered by the owner in the console)."""

    world: Ready
    console: Console
    hook_id: str
    secret: str


def hooked(app: Flask, provider: Provider, event: str) -> Hooked:
    created = provider.console.post(
        "/console/webhooks", {"url": f"https://{HOST}/hooks", "events": event}
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    secret = SECRET.search(created.get_data(as_text=True))
    assert secret is not None
    with app.app_context():
        user = find_user(provider.owner)
        assert user is not None
        issuer = db.session.get(Issuer, user.memberships[0].issuer_id)
        assert issuer is not None
        (endpoint,) = webhooks.list_endpoints(issuer)
        api = ApiProvider(issuer.id, issuer.slug, issuer.did, "")
        hook_id = endpoint.id
    make = Factory(app)
    api = ApiProvider(api.id, api.slug, api.did, make.api_key(api))
    return Hooked(ready(make, api), provider.console, hook_id, secret.group(1))


def run_queue(app: Flask) -> int:
    return task_queue(app).run_pending()


def documented_fields(kind: str) -> set[str]:
    """The data fields of docs/RECIPIENTS.md's example message of ``kind``."""
    text = DOCS.read_text(encoding="utf-8")
    for block in re.findall(r"```json\n(.*?)```", text, re.S):
        example = json.loads(block)
        if isinstance(example, dict) and example.get("type") == kind:
            return set(example["data"])
    raise AssertionError(f"docs/RECIPIENTS.md shows no example of {kind}")


def received(hook: Hooked, got: Received, kind: str) -> dict[str, Any]:
    """The message, checked: signed (reference library), of ``kind``, with the documented
    fields, and no e-mail address anywhere."""
    assert got.headers["host"] == HOST
    payload: dict[str, Any] = Webhook(hook.secret).verify(got.body, got.headers)
    assert payload["type"] == kind
    assert STAMP.fullmatch(payload["timestamp"])
    assert set(payload["data"]) == documented_fields(kind)
    assert "@" not in got.body.decode()
    return payload["data"]


def credential_data(hook: Hooked, issued: Issued, data: dict[str, Any]) -> None:
    assert data["credentialId"] == issued.id
    assert data["credentialUri"] == issued.json["id"]
    assert data["verifyUrl"] == f"{TEST_BASE_URL}/v/{issued.short_code}"
    assert data["certification"]["id"] == hook.world.certification.id
    assert STAMP.fullmatch(data["validUntil"])


def replayed_from_console(app: Flask, hook: Hooked, receiver: Receiver) -> None:
    """The owner sends the last message again from the console: the same id and body,
    a new signature that verifies, logged as sent again."""
    first = receiver.received[-1]
    message_id = first.headers["webhook-id"]
    page = hook.console.get(f"/console/webhooks/{hook.hook_id}").get_data(as_text=True)
    assert message_id in page
    sent = hook.console.post(f"/console/webhooks/{hook.hook_id}/deliveries/{message_id}/replay")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert run_queue(app) == 1
    again = receiver.received[-1]
    assert again.headers["webhook-id"] == message_id
    assert again.body == first.body
    assert (
        Webhook(hook.secret).verify(again.body, again.headers)["type"]
        == json.loads(first.body)["type"]
    )
    page = hook.console.get(f"/console/webhooks/{hook.hook_id}").get_data(as_text=True)
    assert "(sent again)" in page


def issued_to(app: Flask, hook: Hooked, email: str = EMAIL) -> Issued:
    """A credential issued to the hooked freelancer (given ``email``); its mail sent."""
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(Freelancer).where(Freelancer.id == hook.world.freelancer_id).values(email=email)
        )
    world = hook.world
    issued = issue(Factory(app), world.provider, world.freelancer_id, world.certification.id)
    run_queue(app)
    return issued


# --- credential.claimed ---------------------------------------------------------------------


def test_claiming_by_the_mailed_link_reaches_the_receiver(
    app: Flask, provider: Provider, receiver: Receiver, smtp_server: SmtpServer
) -> None:
    hook = hooked(app, provider, "credential.claimed")
    issued = issued_to(app, hook)
    assert receiver.received == []  # issuing is not what this endpoint listens to
    link = smtp_server.mailbox.link()
    assert link.startswith(f"{TEST_BASE_URL}/claim/")
    freelancer = Browser(app.test_client())
    path = urlsplit(link).path
    assert freelancer.get(path).status_code == 200  # looking changes nothing
    assert run_queue(app) == 0
    assert freelancer.post(path).status_code == 302
    run_queue(app)
    (got,) = receiver.received
    data = received(hook, got, "credential.claimed")
    credential_data(hook, issued, data)
    assert data["status"] == "valid"
    assert data["reason"] is None
    # The link again: refused, and no second claim is announced.
    assert Browser(app.test_client()).post(path).status_code == 410
    run_queue(app)
    assert len(receiver.received) == 1
    replayed_from_console(app, hook, receiver)


# --- credential.suspended -------------------------------------------------------------------


def test_suspending_through_the_api_reaches_the_receiver(
    app: Flask, provider: Provider, receiver: Receiver, make: Factory
) -> None:
    hook = hooked(app, provider, "credential.suspended")
    issued = issued_to(app, hook)
    path = f"/api/v1/credentials/{issued.id}/suspend"
    client = app.test_client()
    # Another provider's key: unknown, nothing suspended, nothing sent.
    foreign = client.post(path, json={"reason": "x"}, headers=make.provider().headers)
    assert foreign.status_code == 404
    run_queue(app)
    assert receiver.received == []
    headers = hook.world.provider.headers
    done = client.post(path, json={"reason": "checking the evidence"}, headers=headers)
    assert done.status_code == 200, done.get_data(as_text=True)
    run_queue(app)
    (got,) = receiver.received
    data = received(hook, got, "credential.suspended")
    credential_data(hook, issued, data)
    assert data["status"] == "suspended"
    assert data["reason"] == "checking the evidence"
    # Suspended already: 409, no second message.
    assert client.post(path, json={}, headers=headers).status_code == 409
    run_queue(app)
    assert len(receiver.received) == 1
    replayed_from_console(app, hook, receiver)


# --- credential.expiring --------------------------------------------------------------------


@pytest.fixture
def cli(runner: CliRun, queue_url: str, smtp_server: SmtpServer) -> CliRun:
    """``microcred`` on the test's queue and SMTP server, as on the same instance."""
    runner.env.update(
        MICROCRED_QUEUE_URL=queue_url,
        MICROCRED_SMTP_URL=smtp_server.url,
        MICROCRED_MAIL_FROM=SENDER,
    )
    return runner


def test_the_expiry_notice_from_the_cli_reaches_the_receiver(
    app: Flask, provider: Provider, receiver: Receiver, smtp_server: SmtpServer, cli: CliRun
) -> None:
    hook = hooked(app, provider, "credential.expiring")
    issued = issued_to(app, hook)
    result = cli("mail", "send-expiry-notices", "--days", "400")
    assert result.exit_code == 0, result.output
    assert "1 expiry notice(s) queued" in result.output
    assert receiver.received == []  # queued by the CLI, delivered by a worker
    run_queue(app)  # the worker: the mail, the fan-out, the delivery
    notice = smtp_server.mailbox.messages[-1]
    assert notice["To"] == EMAIL
    assert "expires on" in str(notice["Subject"])
    (got,) = receiver.received
    data = received(hook, got, "credential.expiring")
    credential_data(hook, issued, data)
    assert data["status"] == "valid"
    assert data["reason"] is None
    # Told once: a second scan finds nothing and sends nothing.
    again = cli("mail", "send-expiry-notices", "--days", "400")
    assert "0 expiry notice(s) queued" in again.output
    run_queue(app)
    assert len(receiver.received) == 1
    replayed_from_console(app, hook, receiver)


# --- evidence.submitted ---------------------------------------------------------------------


def form(hook: Hooked, **overrides: Any) -> dict[str, Any]:
    return {
        "provider": hook.world.freelancer_id,
        "title": "Checkout API for a bakery",
        "platform": "Upwork",
        "url": "https://gigs.example/bakery",
        "client_name": "Crumb & Co",
        "started_on": "2025-03-01",
        "finished_on": "2025-04-01",
        "deliverables": "A REST API and its tests.",
        "competencies": list(hook.world.certification.competency_ids[:2]),
        "client_email": "client@crumb.example",
        **overrides,
    }


def test_a_self_submitted_project_reaches_the_receiver(
    app: Flask, provider: Provider, receiver: Receiver, smtp_server: SmtpServer, make: Factory
) -> None:
    hook = hooked(app, provider, "evidence.submitted")
    issued_to(app, hook)  # the freelancer's address is EMAIL
    with app.app_context(), write_transaction(db.session):
        recipients.set_password(recipients._account_for(EMAIL), PASSWORD)
    freelancer = Browser(app.test_client())
    signed_in = freelancer.post("/account/signin/password", {"email": EMAIL, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    assert freelancer.get("/account/projects/new").status_code == 200
    # Without the CSRF token: refused, nothing written, nothing sent.
    forged = freelancer.client.post("/account/projects", data=form(hook))
    assert forged.status_code == 400
    done = freelancer.post("/account/projects", form(hook))
    assert done.status_code == 302, done.get_data(as_text=True)
    run_queue(app)  # the client's mail, the fan-out, the delivery
    assert smtp_server.mailbox.messages[-1]["To"] == "client@crumb.example"
    (got,) = receiver.received
    data = received(hook, got, "evidence.submitted")
    with app.app_context():
        (project,) = db.session.scalars(
            select(GigProject).where(GigProject.source == "freelancer")
        ).all()
        project_id = project.id
    assert data["projectId"] == project_id
    assert data["freelancerId"] == hook.world.freelancer_id
    assert data["competencyIds"] == sorted(hook.world.certification.competency_ids[:2])
    assert data["state"] == "pending"
    assert STAMP.fullmatch(data["submittedAt"])
    assert data["reviews"] == []
    for private in ("Crumb", "crumb.example", "Checkout API", "Freelancer "):
        assert private not in got.body.decode()
    replayed_from_console(app, hook, receiver)

    # Once the provider has reviewed it, the same project is described with the
    # outcomes and the review note (what an evidence message says when written later).
    first, second = hook.world.certification.competency_ids[:2]
    review = {first: "accepted", second: "rejected"}
    make.assess(hook.world.provider, project_id, review)
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(Assessment)
            .where(Assessment.project_id == project_id, Assessment.competency_id == second)
            .values(note="The repository link is private.")
        )
    with app.app_context():
        later = webhooks.evidence_data(hook.world.provider.id, project_id)
    assert set(later) == documented_fields("evidence.submitted")
    assert later["state"] == "accepted"
    assert sorted(later["reviews"], key=lambda r: r["competencyId"]) == sorted(
        [
            {"competencyId": first, "outcome": "accepted", "note": None},
            {
                "competencyId": second,
                "outcome": "rejected",
                "note": "The repository link is private.",
            },
        ],
        key=lambda r: r["competencyId"],
    )

    # Erasing the freelancer (privacy) forgets the logged message that named them.
    log = f"/api/v1/webhooks/{hook.hook_id}/deliveries"
    headers = hook.world.provider.headers
    assert len(app.test_client().get(log, headers=headers).get_json()["items"]) == 1
    with app.app_context():
        privacy.erase_person(EMAIL, actor="t")
    assert app.test_client().get(log, headers=headers).get_json()["items"] == []
