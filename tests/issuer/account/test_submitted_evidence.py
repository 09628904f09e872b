"""Self-submitted evidence (issue 14, item 4): a freelancer submits a gig project from
/account to a provider they are a freelancer of; the project is pending per claimed
competency until the provider assesses it in the console; a client contact gets a
single-use link to confirm (with a rating) or decline. What works, and each refusal
(foreign provider or competency, bad fields, missing CSRF, malformed, unknown, replayed or
expired client links, the wrong role in the console) with nothing changed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from issuer.models import (
    AuditEvent,
    ClientConfirmation,
    GigProject,
    RecipientAccount,
    SubmittedCompetency,
)
from issuer.services import events, issuers, projects, recipients, submissions
from issuer.services.evidence import progress
from issuer.services.recipients import LinkGoneError
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.extensions import db
from microcred.platform.refusals import NotFoundError, UnprocessableError
from tests.conftest import TEST_BASE_URL
from tests.issuer.account.conftest import Browser
from tests.issuer.console.conftest import PASSWORD, app_with_mail, deliver
from tests.issuer.factories import Certification, Factory
from tests.issuer.factories import Provider as FactoryProvider
from tests.issuer.issuance_helpers import issue
from tests.smtp import SmtpServer

EMAIL = "amara@example.com"
ACME = FactoryProvider(0, "acme", "", "")


@pytest.fixture
def app(make_app: Callable[..., Flask], smtp_server: SmtpServer) -> Flask:
    return app_with_mail(make_app, smtp_server)


@pytest.fixture
def heard() -> Iterator[list[events.Event]]:
    got: list[events.Event] = []

    def listen(event: events.Event) -> None:
        got.append(event)

    events.subscribe(listen, "evidence.submitted")
    yield got
    events.unsubscribe(listen)


@dataclass(frozen=True)
class Setting:
    provider: FactoryProvider
    certification: Certification
    freelancer_id: str
    other: FactoryProvider
    other_certification: Certification
    foreign_freelancer_id: str  # of ``other``, another address


def setting(make: Factory, provider: FactoryProvider | None = None) -> Setting:
    provider = provider or make.provider()
    cert = make.certification(provider, min_projects=1)
    freelancer_id = make.freelancer(provider, name="Amara Okafor", email=EMAIL)
    other = make.provider()
    other_cert = make.certification(other, min_projects=1)
    foreign = make.freelancer(other, email="someone.else@example.com")
    return Setting(provider, cert, freelancer_id, other, other_cert, foreign)


def account(app: Flask) -> None:
    """The freelancer's account (with a password, to sign in without a mail)."""
    with app.app_context(), write_transaction(db.session):
        recipients.set_password(recipients._account_for(EMAIL), PASSWORD)


def signed_in(app: Flask, browser: Browser) -> None:
    account(app)
    answer = browser.post("/account/signin/password", {"email": EMAIL, "password": PASSWORD})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def data(**overrides: Any) -> dict[str, Any]:
    return {
        "platform": "Upwork",
        "title": "Checkout API for a bakery",
        "url": "https://gigs.example/bakery",
        "client_name": "Crumb & Co",
        "started_on": None,
        "finished_on": None,
        "deliverables": "A REST API and its tests.",
        "client_email": "client@crumb.example",
        **overrides,
    }


def submit(app: Flask, s: Setting, **overrides: Any) -> tuple[str, str | None]:
    with app.app_context(), write_transaction(db.session):
        who = db.session.scalar(select(RecipientAccount).where(RecipientAccount.email == EMAIL))
        assert who is not None
        project, token = submissions.submit(
            who, s.freelancer_id, data(**overrides), list(s.certification.competency_ids[:2])
        )
        return project.id, token


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def form(s: Setting, **overrides: str | list[str]) -> dict[str, Any]:
    return {
        "provider": s.freelancer_id,
        "title": "Checkout API for a bakery",
        "platform": "Upwork",
        "url": "https://gigs.example/bakery",
        "client_name": "Crumb & Co",
        "started_on": "2025-03-01",
        "finished_on": "2025-04-01",
        "deliverables": "A REST API and its tests.",
        "competencies": list(s.certification.competency_ids[:2]),
        "client_email": "client@crumb.example",
        **overrides,
    }


# --- the service -------------------------------------------------------------------------------


def test_submit_records_pending_project_publishes_event_and_stores_only_a_hash(
    app: Flask, make: Factory, heard: list[events.Event]
) -> None:
    s = setting(make)
    account(app)
    project_id, token = submit(app, s)
    assert token is not None
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        assert project is not None
        assert (project.source, project.client_email) == ("freelancer", "client@crumb.example")
        claimed = set(
            db.session.scalars(
                select(SubmittedCompetency.competency_id).where(
                    SubmittedCompetency.project_id == project_id
                )
            )
        )
        assert claimed == set(s.certification.competency_ids[:2])
        link = db.session.scalar(select(ClientConfirmation))
        assert link is not None
        assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(db.session.execute(select(ClientConfirmation.__table__)).all())
        who = db.session.scalar(select(RecipientAccount))
        assert who is not None
        (listed,) = submissions.submissions(who)
        assert listed.state == "pending"
        assert [state for _, state, _ in listed.competencies] == ["pending", "pending"]
        assert listed.client == "asked"
        audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "project.submit"))
        assert audit is not None
    assert [(e.type, e.subject_id) for e in heard] == [("evidence.submitted", project_id)]


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ("foreign_freelancer", NotFoundError),
        ("foreign_competency", NotFoundError),
        ("http_url", UnprocessableError),
        ("no_competency", UnprocessableError),
        ("bad_client_email", UnprocessableError),
        ("own_email_as_client", UnprocessableError),
        ("dates_backwards", UnprocessableError),
    ],
)
def test_submit_refusals_write_nothing(
    app: Flask, make: Factory, heard: list[events.Event], *, change: str, refusal: type
) -> None:
    s = setting(make)
    account(app)
    freelancer_id = s.freelancer_id
    competencies = list(s.certification.competency_ids[:1])
    fields = data()
    if change == "foreign_freelancer":
        freelancer_id = s.foreign_freelancer_id
    elif change == "foreign_competency":
        competencies = list(s.other_certification.competency_ids[:1])
    elif change == "http_url":
        fields["url"] = "http://gigs.example/plain"
    elif change == "no_competency":
        competencies = []
    elif change == "bad_client_email":
        fields["client_email"] = "not an address"
    elif change == "own_email_as_client":
        fields["client_email"] = EMAIL.upper()
    else:
        from datetime import date

        fields["started_on"], fields["finished_on"] = date(2025, 5, 1), date(2025, 4, 1)
    with app.app_context():
        who = db.session.scalar(select(RecipientAccount))
        assert who is not None
        with pytest.raises(refusal), write_transaction(db.session):
            submissions.submit(who, freelancer_id, fields, competencies)
    assert count(app, GigProject) == 0
    assert count(app, SubmittedCompetency) == 0
    assert count(app, ClientConfirmation) == 0
    assert heard == []


def test_accepted_submission_counts_toward_the_evidence_rule_and_pending_does_not(
    app: Flask, make: Factory
) -> None:
    s = setting(make)
    account(app)
    project_id, _ = submit(app, s)
    with app.app_context():
        issuer = issuers.get_issuer(s.provider.slug)
        assert not progress(issuer, s.freelancer_id, s.certification.id).met
    make.assess(s.provider, project_id, dict.fromkeys(s.certification.competency_ids, "accepted"))
    with app.app_context():
        issuer = issuers.get_issuer(s.provider.slug)
        assert progress(issuer, s.freelancer_id, s.certification.id).met
        who = db.session.scalar(select(RecipientAccount))
        assert who is not None
        (listed,) = submissions.submissions(who)
        assert listed.state == "accepted"


def test_rejected_with_a_note_is_what_the_freelancer_sees(app: Flask, make: Factory) -> None:
    s = setting(make)
    account(app)
    project_id, _ = submit(app, s)
    first, second = s.certification.competency_ids[:2]
    with app.app_context(), write_transaction(db.session):
        projects.set_assessments(
            issuers.get_issuer(s.provider.slug),
            project_id,
            [
                {"competency_id": first, "outcome": "rejected", "note": "No tests in the repo."},
                {"competency_id": second, "outcome": "rejected"},
            ],
            reviewer="Rita",
            actor="test",
        )
    with app.app_context():
        who = db.session.scalar(select(RecipientAccount))
        assert who is not None
        (listed,) = submissions.submissions(who)
        assert listed.state == "rejected"
        outcomes = [(state, note) for _, state, note in listed.competencies]
        assert ("rejected", "No tests in the repo.") in outcomes


def test_client_confirmation_is_single_use_and_shows_in_the_issued_evidence(
    app: Flask, make: Factory
) -> None:
    s = setting(make)
    account(app)
    project_id, token = submit(app, s)
    other_id, other_token = submit(app, s, title="Another gig")
    assert token
    assert other_token
    with app.app_context():
        view = submissions.client_view(token)  # GET: shows, uses nothing
        assert view.title == "Checkout API for a bakery"
        assert view.freelancer == "Amara Okafor"
    with app.app_context(), write_transaction(db.session):
        submissions.confirm(token, "4.5", "  Delivered on time.  ")
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        other = db.session.get(GigProject, other_id)
        assert project is not None
        assert other is not None
        assert project.client_confirmed_at is not None
        assert (project.client_rating, project.client_feedback) == (
            Decimal("4.5"),
            "Delivered on time.",
        )
        # One project's link changed nothing of the other project.
        assert (other.client_confirmed_at, other.client_rating) == (None, None)
    # Replayed: refused, nothing changed.
    with app.app_context(), pytest.raises(LinkGoneError), write_transaction(db.session):
        submissions.confirm(token, "1", "changed my mind")
    with app.app_context(), pytest.raises(LinkGoneError):
        submissions.client_view(token)
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        assert project is not None
        assert project.client_rating == Decimal("4.5")
    # Accepted and issued: the evidence says the client confirmed it.
    make.assess(s.provider, project_id, dict.fromkeys(s.certification.competency_ids, "accepted"))
    issued = issue(make, s.provider, s.freelancer_id, s.certification.id)
    (evidence,) = issued.json["evidence"]
    assert "confirmed by the client" in evidence["description"]
    assert "client rating 4.5/5" in evidence["description"]
    assert "Confirmed by the client on" in evidence["narrative"]
    assert "Delivered on time." in evidence["narrative"]


@pytest.mark.parametrize(
    ("token", "refusal", "status"),
    [
        ("short", "InvalidInputError", 400),
        ("A" * 43, "NotFoundError", 404),
    ],
)
def test_malformed_and_unknown_client_links_are_refused(
    app: Flask, make: Factory, browser_client: Browser, *, token: str, refusal: str, status: int
) -> None:
    s = setting(make)
    account(app)
    submit(app, s)
    assert browser_client.get(f"/account/client/{token}").status_code == status
    answer = browser_client.post(f"/account/client/{token}", {"action": "confirm", "rating": "5"})
    assert answer.status_code == status
    with app.app_context():
        rated = select(func.count()).where(GigProject.client_rating.is_not(None))
        assert db.session.scalar(rated) == 0


def test_expired_client_link_is_refused(app: Flask, make: Factory, browser_client: Browser) -> None:
    s = setting(make)
    account(app)
    project_id, token = submit(app, s)
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(ClientConfirmation).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert browser_client.get(f"/account/client/{token}").status_code == 410
    answer = browser_client.post(f"/account/client/{token}", {"action": "confirm", "rating": "5"})
    assert answer.status_code == 410
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        assert project is not None
        assert project.client_confirmed_at is None


# --- the pages -----------------------------------------------------------------------------------


def test_freelancer_submits_from_the_account_and_the_client_confirms_by_mail(
    app: Flask, make: Factory, browser_client: Browser, smtp_server: SmtpServer
) -> None:
    s = setting(make)
    signed_in(app, browser_client)
    page = browser_client.get("/account").get_data(as_text=True)
    assert "Submitted gig projects" in page
    new = browser_client.get("/account/projects/new")
    assert new.status_code == 200
    text = new.get_data(as_text=True)
    assert s.freelancer_id in text
    assert s.foreign_freelancer_id not in text
    done = browser_client.post("/account/projects", form(s))
    assert done.status_code == 302, done.get_data(as_text=True)
    overview = browser_client.get("/account").get_data(as_text=True)
    assert "Checkout API for a bakery" in overview
    assert "Pending" in overview
    assert "client asked to confirm" in overview
    deliver(app)
    (mail,) = smtp_server.mailbox.messages
    assert mail["To"] == "client@crumb.example"
    link = smtp_server.mailbox.link()
    assert link.startswith(TEST_BASE_URL + "/account/client/")
    path = urlsplit(link).path
    client = Browser(app.test_client())
    shown = client.get(path)
    assert shown.status_code == 200
    assert "Did Amara Okafor do this project for you?" in shown.get_data(as_text=True)
    missing_rating = client.post(path, {"action": "confirm", "rating": ""})
    assert missing_rating.status_code == 422
    assert "rating" in missing_rating.get_data(as_text=True)
    confirmed = client.post(path, {"action": "confirm", "rating": "5", "comment": "Great"})
    assert confirmed.status_code == 200
    assert "You confirmed the project" in confirmed.get_data(as_text=True)
    assert client.post(path, {"action": "decline"}).status_code == 410
    overview = browser_client.get("/account").get_data(as_text=True)
    assert "confirmed by the client" in overview


def test_client_declines(app: Flask, make: Factory, browser_client: Browser) -> None:
    s = setting(make)
    account(app)
    project_id, token = submit(app, s)
    answer = browser_client.post(f"/account/client/{token}", {"action": "decline"})
    assert answer.status_code == 200
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        assert project is not None
        assert project.client_confirmed_at is None
        assert submissions.client_state(project) == "declined"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"url": "http://gigs.example/plain"}, "https://"),
        ({"url": "not a link"}, "https://"),
        ({"title": ""}, "A title is needed."),
        ({"competencies": []}, "Choose at least one competency."),
        ({"client_email": "nope"}, "name@example.com"),
        ({"finished_on": "2025-01-01"}, "Must not be before the start."),
    ],
)
def test_the_form_names_the_problem_and_writes_nothing(
    app: Flask,
    make: Factory,
    browser_client: Browser,
    *,
    overrides: dict[str, Any],
    named: str,
) -> None:
    s = setting(make)
    signed_in(app, browser_client)
    answer = browser_client.post("/account/projects", form(s, **overrides))
    assert answer.status_code == 422
    assert named in answer.get_data(as_text=True)
    assert count(app, GigProject) == 0


def test_the_form_refuses_a_foreign_provider_or_competency(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    s = setting(make)
    signed_in(app, browser_client)
    foreign = browser_client.post("/account/projects", form(s, provider=s.foreign_freelancer_id))
    assert foreign.status_code == 422
    alien = browser_client.post(
        "/account/projects", form(s, competencies=list(s.other_certification.competency_ids[:1]))
    )
    assert alien.status_code == 422
    assert count(app, GigProject) == 0


def test_submitting_needs_csrf_and_a_session(
    app: Flask, make: Factory, browser_client: Browser
) -> None:
    s = setting(make)
    anonymous = Browser(app.test_client())
    assert anonymous.get("/account/projects/new").status_code == 302
    assert anonymous.post("/account/projects", form(s)).status_code == 302
    signed_in(app, browser_client)
    no_token = browser_client.client.post("/account/projects", data=form(s))
    assert no_token.status_code == 400
    assert count(app, GigProject) == 0


# --- what the client types -----------------------------------------------------------------------


@given(st.text(max_size=20))
@settings(max_examples=300, deadline=None)
def test_any_typed_rating_is_a_valid_rating_or_a_clear_refusal(typed: str) -> None:
    refused: UnprocessableError | None = None
    rating: Decimal | None = None
    try:
        rating = submissions._rating(typed)
    except UnprocessableError as refusal:
        refused = refusal
    if refused is not None:
        assert (refused.field, "0 to 5" in refused.message) == ("rating", True)
    else:
        assert rating is not None
        assert Decimal(0) <= rating <= Decimal(5)
        assert rating == round(rating, 1)


def test_submissions_are_rate_limited_per_client(
    make_app: Callable[..., Flask], smtp_server: SmtpServer, make: Factory
) -> None:
    app = make_app(
        MICROCRED_SMTP_URL=smtp_server.url,
        RATELIMIT_ENABLED=True,
        MICROCRED_EVIDENCE_SUBMIT_RATELIMIT="2 per hour",
        MICROCRED_ACCOUNT_SIGNIN_RATELIMIT="100 per minute",
    )
    s = setting(Factory(app))
    browser = Browser(app.test_client())
    signed_in(app, browser)
    answers = [browser.post("/account/projects", form(s)).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert count(app, GigProject) == 2


def test_an_edit_by_the_provider_withdraws_the_client_confirmation(
    app: Flask, make: Factory
) -> None:
    """The client confirmed the facts as they were: a changed fact is no longer confirmed
    (an unchanged save keeps it)."""
    s = setting(make)
    account(app)
    project_id, token = submit(app, s)
    assert token
    with app.app_context(), write_transaction(db.session):
        submissions.confirm(token, "4", None)
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.get_issuer(s.provider.slug)
        projects.update_project(issuer, project_id, {"title": data()["title"]}, actor="test")
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        assert project is not None
        assert project.client_confirmed_at is not None
    with app.app_context(), write_transaction(db.session):
        issuer = issuers.get_issuer(s.provider.slug)
        projects.update_project(issuer, project_id, {"client_rating": Decimal(5)}, actor="test")
    with app.app_context():
        project = db.session.get(GigProject, project_id)
        assert project is not None
        assert project.client_confirmed_at is None
