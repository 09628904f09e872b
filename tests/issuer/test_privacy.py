"""Privacy (issue 14, item 5) through the API, the services and the CLI: deleting a
freelancer (DELETE /api/v1/freelancers/<id>), exporting what is held, erasing a person
across providers, and how credentials name the recipient's e-mail address.

The erasure tests search every text column of every table for the person's address and
name afterwards (on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import JSON, LargeBinary, String, Text, cast, select

from credentials.ob3 import hash_email, identifier_matches
from credentials.results import Verdict
from issuer.models import AuditEvent, Freelancer, IssuedCredential, StatusAllocation
from issuer.services import audit, issuers, privacy, recipients, submissions
from issuer.services.freelancers import EMAIL_PATTERN
from microcred.platform.extensions import db
from tests.conftest import CliRun
from tests.issuer.factories import Factory, Provider
from tests.issuer.issuance_helpers import check_outcomes, local_verifier

NAME = "Zoë Quintero-Vasquez"
EMAIL = "zoe.quintero@example.org"
NOTE = "Solid webhook retries; Zoë explained the design well."


@dataclass(frozen=True)
class Held:
    provider: Provider
    freelancer_id: str
    project_id: str
    credential_id: str
    short_code: str
    document: str
    submitted_project_id: str  # self-submitted from the account, client-confirmed


def _post(
    client: FlaskClient, provider: Provider, path: str, body: dict[str, Any], key: str
) -> Any:
    response = client.post(path, json=body, headers={**provider.headers, "Idempotency-Key": key})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def hold(client: FlaskClient, make: Factory, *, email: str = EMAIL, did: str | None = None) -> Held:
    """A freelancer recorded through the API (idempotent calls, so their data also sits in
    stored responses), a project with an assessment note, and a credential issued."""
    provider = make.provider()
    cert = make.certification(provider, min_projects=1)
    body: dict[str, Any] = {"name": NAME, "email": email.upper(), "handle": f"zq-{provider.id}"}
    if did:
        body["did"] = did
    freelancer = _post(client, provider, "/api/v1/freelancers", body, f"f-{provider.id}")
    project = _post(
        client,
        provider,
        f"/api/v1/freelancers/{freelancer['id']}/projects",
        {
            "platform": "Upwork",
            "title": "Webhook retries for Zoë",
            "clientName": "Brightline",
            "startedOn": "2025-02-03",
            "finishedOn": "2025-03-14",
            "deliverables": f"Delivered by {NAME}",
            "clientRating": 4.8,
            "clientFeedback": f"{NAME} was great",
        },
        f"p-{provider.id}",
    )
    response = client.put(
        f"/api/v1/projects/{project['id']}/assessments",
        json=[
            {"competencyId": c, "outcome": "accepted", "note": NOTE} for c in cert.competency_ids
        ],
        headers=provider.headers,
    )
    assert response.status_code == 200, response.get_json()
    issued = _post(
        client,
        provider,
        "/api/v1/credentials",
        {"freelancerId": freelancer["id"], "certificationId": cert.id},
        f"c-{provider.id}",
    )
    document = json.dumps(issued["document"])
    with make.transaction():
        stored = db.session.get(IssuedCredential, issued["id"])
        assert stored is not None
        document = stored.document
        short_code = stored.short_code
    submitted = self_submitted(make, provider, freelancer["id"], email, cert.competency_ids)
    return Held(
        provider, freelancer["id"], project["id"], issued["id"], short_code, document, submitted
    )


def self_submitted(
    make: Factory, provider: Provider, freelancer_id: str, email: str, competencies: Any
) -> str:
    """A project the freelancer submitted from their account, confirmed by its client
    with a comment naming them, and an audit event written before actors were recorded
    by id (it named the freelancer's address)."""
    address = email.lower()
    with make.transaction():
        account = recipients._account_for(address)
        project, token = submissions.submit(
            account,
            freelancer_id,
            {
                "platform": "Fiverr",
                "title": "Invoice export",
                "url": "https://gigs.example/invoice-export",
                "client_name": "Ledgerly",
                "started_on": None,
                "finished_on": None,
                "deliverables": f"CSV export written by {NAME}",
                "client_email": "owner@ledgerly.example",
            },
            list(competencies[:1]),
        )
        project_id = project.id
    assert token is not None
    with make.transaction():
        submissions.confirm(token, "4.5", f"{NAME} ({address}) delivered on time")
        audit.record(
            provider.id,
            actor=f"freelancer:{address}",
            action="project.submit",
            target_type="other",
            target_id=None,
        )
    return project_id


def rows_naming(app: Flask, *needles: str) -> list[str]:
    """``table.column`` of every text (or JSON) value in the database that contains one of
    ``needles`` (case-insensitive), the JSON-escaped forms included."""
    forms = {n for needle in needles for n in (needle, json.dumps(needle)[1:-1])}
    found = []
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, LargeBinary) or (
                    not isinstance(column.type, String | Text | JSON)
                    and "Json" not in type(column.type).__name__
                ):
                    continue
                for form in forms:
                    hit = db.session.execute(
                        select(table).where(cast(column, Text).ilike(f"%{form}%")).limit(1)
                    ).first()
                    if hit is not None:
                        found.append(f"{table.name}.{column.name}")
    return sorted(set(found))


def test_the_search_finds_what_is_held(app: Flask, client: FlaskClient, make: Factory) -> None:
    hold(client, make)
    found = rows_naming(app, EMAIL, NAME)
    # The check below is only worth something if it sees the data where it is.
    for place in (
        "freelancers.email",
        "freelancers.name",
        "issued_credentials.document",
        "idempotency_records.response_body",
        "gig_projects.deliverables",
        "client_confirmations.comment",
        "audit_events.actor",
    ):
        assert place in found, found


def test_self_submitted_evidence_names_its_actors_by_id(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    held = hold(client, make)
    with app.app_context():
        actors = dict(
            db.session.execute(
                select(AuditEvent.action, AuditEvent.actor).where(
                    AuditEvent.action.in_(["project.submit", "project.client_confirm"]),
                    AuditEvent.target_id.is_not(None),
                )
            ).all()
        )
        project_id = db.session.scalar(
            select(AuditEvent.target_id).where(AuditEvent.action == "project.client_confirm")
        )
    assert actors == {
        "project.submit": f"freelancer:{held.freelancer_id}",
        "project.client_confirm": f"client:{project_id}",
    }


def test_delete_erases_personal_data_and_keeps_the_status(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    held = hold(client, make)
    revoked = client.post(
        f"/api/v1/credentials/{held.credential_id}/revoke",
        json={"reason": "Plagiarised project"},
        headers=held.provider.headers,
    )
    assert revoked.status_code == 200
    assert local_verifier(app).verify(held.document).verdict == Verdict.REVOKED
    with make.transaction():  # a provider's note naming the person, in the audit log
        audit.record(
            held.provider.id,
            actor="test",
            action="freelancer.note",
            target_type="other",
            target_id=None,
            note=f"called {NAME} at {EMAIL}",
        )

    response = client.delete(
        f"/api/v1/freelancers/{held.freelancer_id}", headers=held.provider.headers
    )
    assert response.status_code == 204

    assert rows_naming(app, EMAIL, NAME, f"zq-{held.provider.id}") == []
    with make.transaction():
        credential = db.session.get(IssuedCredential, held.credential_id)
        assert credential is not None
        assert credential.erased_at is not None
        assert credential.freelancer_id is None
        assert credential.document == privacy.ERASED_DOCUMENT
        assert credential.revoked_at is not None  # the status stays
        allocations = db.session.scalars(
            select(StatusAllocation).where(StatusAllocation.credential_id == credential.id)
        ).all()
        assert len(allocations) == 2
        erased = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "freelancer.erase")
        ).one()
        assert erased.target_id == held.freelancer_id
        assert erased.details["credentials_withdrawn"] == 1

    # Gone from the API; a second DELETE finds nothing.
    assert (
        client.get(
            f"/api/v1/freelancers/{held.freelancer_id}", headers=held.provider.headers
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"/api/v1/freelancers/{held.freelancer_id}", headers=held.provider.headers
        ).status_code
        == 404
    )
    # The credential record answers, without a document; it can still be revoked/suspended.
    record = client.get(f"/api/v1/credentials/{held.credential_id}", headers=held.provider.headers)
    assert record.status_code == 200
    assert record.get_json()["document"] is None
    # The holder's copy: its proof still holds, and it still shows as revoked.
    outcomes = check_outcomes(local_verifier(app), held.document)
    assert outcomes["proof"] == ["passed"], outcomes
    assert local_verifier(app).verify(held.document).verdict == Verdict.REVOKED
    upload = client.post("/verify", data={"credential": held.document})
    assert upload.status_code == 200
    assert 'data-verdict="revoked"' in upload.get_data(as_text=True)


def test_the_public_pages_of_an_erased_credential(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    held = hold(client, make)
    assert client.get(f"/v/{held.short_code}").status_code == 200
    client.post(
        f"/api/v1/credentials/{held.credential_id}/suspend",
        json={"reason": "Under review"},
        headers=held.provider.headers,
    )
    assert (
        client.delete(
            f"/api/v1/freelancers/{held.freelancer_id}", headers=held.provider.headers
        ).status_code
        == 204
    )

    page = client.get(f"/v/{held.short_code}")
    assert page.status_code == 410
    text = page.get_data(as_text=True)
    assert "no longer holds a copy" in text
    assert 'href="/verify"' in text
    assert NAME not in text
    as_json = client.get(f"/v/{held.credential_id}", headers={"Accept": "application/json"})
    assert as_json.status_code == 410
    assert as_json.get_json()["status"] == "withdrawn"
    for path in (".json", ".pdf", "/badge.png"):
        assert client.get(f"/credentials/{held.credential_id}{path}").status_code == 404

    # The holder's copy still verifies, and still shows the suspension.
    outcomes = check_outcomes(local_verifier(app), held.document)
    assert outcomes["proof"] == ["passed"], outcomes
    assert local_verifier(app).verify(held.document).verdict == Verdict.SUSPENDED
    # ... through the public upload form too.
    upload = client.post("/verify", data={"credential": held.document})
    assert upload.status_code == 200
    assert 'data-verdict="suspended"' in upload.get_data(as_text=True)

    # The provider can still revoke after the erasure; the holder's copy then says so.
    revoked = client.post(
        f"/api/v1/credentials/{held.credential_id}/revoke",
        json={"reason": "Found later to be plagiarised"},
        headers=held.provider.headers,
    )
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    assert local_verifier(app).verify(held.document).verdict == Verdict.REVOKED


def test_another_providers_freelancer_is_not_found(client: FlaskClient, make: Factory) -> None:
    held = hold(client, make)
    other = make.provider()
    for response in (
        client.delete(f"/api/v1/freelancers/{held.freelancer_id}", headers=other.headers),
        client.get(f"/api/v1/freelancers/{held.freelancer_id}/export", headers=other.headers),
    ):
        assert response.status_code == 404
    assert (
        client.get(
            f"/api/v1/freelancers/{held.freelancer_id}", headers=held.provider.headers
        ).status_code
        == 200
    )


def test_delete_needs_the_manage_scope(app: Flask, client: FlaskClient, make: Factory) -> None:
    held = hold(client, make)
    from issuer.services import api_keys

    with make.transaction():
        issuer = issuers.get_issuer(held.provider.slug)
        token = api_keys.create_api_key(
            issuer, name="issuing", actor="test", scopes=["read", "issue"]
        ).token
    response = client.delete(
        f"/api/v1/freelancers/{held.freelancer_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 403
    assert "manage" in json.dumps(response.get_json())
    assert (
        client.get(
            f"/api/v1/freelancers/{held.freelancer_id}", headers=held.provider.headers
        ).status_code
        == 200
    )


def test_export_holds_everything_about_the_freelancer(client: FlaskClient, make: Factory) -> None:
    held = hold(client, make)
    response = client.get(
        f"/api/v1/freelancers/{held.freelancer_id}/export", headers=held.provider.headers
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["format"] == "microcred-personal-data/1"
    assert data["email"] == EMAIL
    [record] = data["providers"]
    assert record["freelancer"]["name"] == NAME
    assert record["freelancer"]["email"] == EMAIL
    projects = {p["id"]: p for p in record["projects"]}
    assert set(projects) == {held.project_id, held.submitted_project_id}
    project = projects[held.project_id]
    assert project["client_feedback"] == f"{NAME} was great"
    assert projects[held.submitted_project_id]["client_feedback"].startswith(NAME)
    assert {a["note"] for a in project["assessments"]} == {NOTE}
    [credential] = record["credentials"]
    assert credential["document"] == json.loads(held.document)
    actions = {e["action"] for e in record["audit_events"]}
    assert {"freelancer.create", "project.create", "credential.issue"} <= actions, actions


def test_export_person_and_erase_person_across_providers(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    first, second = hold(client, make), hold(client, make)
    bystander = make.freelancer(first.provider, name="Someone Else", email="else@example.org")
    with app.app_context():
        data = privacy.export_person(" Zoe.Quintero@Example.ORG ")
    assert [p["freelancer"]["id"] for p in data["providers"]] == [
        first.freelancer_id,
        second.freelancer_id,
    ]
    with app.app_context():
        report = privacy.erase_person(EMAIL, actor="cli")
    assert (report.freelancers, report.credentials_withdrawn) == (2, 2)
    assert sorted(report.issuer_ids) == sorted([first.provider.id, second.provider.id])
    assert rows_naming(app, EMAIL, NAME) == []
    with app.app_context():
        assert db.session.get(Freelancer, bystander) is not None
        events = db.session.scalars(
            select(AuditEvent.issuer_id).where(AuditEvent.action == "freelancer.erase")
        ).all()
        assert sorted(events) == sorted([first.provider.id, second.provider.id])
        # Idempotent: nothing more to do, nothing changed.
        again = privacy.erase_person(EMAIL, actor="cli")
        assert (again.freelancers, again.credentials_withdrawn) == (0, 0)
        assert privacy.export_person(EMAIL)["providers"] == []
    for held in (first, second):
        assert client.get(f"/v/{held.short_code}").status_code == 410


def test_erasure_is_all_or_nothing(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = hold(client, make), hold(client, make)

    def broken(erasure: privacy.Erasure) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(
        privacy, "_hooks", [privacy.PersonalData("broken", lambda e, i: None, broken)]
    )
    with app.app_context(), pytest.raises(RuntimeError):
        privacy.erase_person(EMAIL, actor="cli")
    found = rows_naming(app, EMAIL, NAME)
    assert "freelancers.email" in found
    assert "issued_credentials.document" in found
    with app.app_context():
        for held in (first, second):
            credential = db.session.get(IssuedCredential, held.credential_id)
            assert credential is not None
            assert credential.erased_at is None
            assert credential.document == held.document


def test_erase_refuses_what_is_not_an_address(app: Flask) -> None:
    with app.app_context():
        for bad in ("", "nobody", "a@b", "x" * 300 + "@example.org"):
            with pytest.raises(privacy.InvalidInputError) as refused:
                privacy.erase_person(bad, actor="cli")
            assert refused.value.field == "email"


# --- recipient identity ---------------------------------------------------------------------


def _subject_email(document: str) -> dict[str, Any]:
    subject = json.loads(document)["credentialSubject"]
    [found] = [i for i in subject["identifier"] if i["identityType"] == "emailAddress"]
    return found  # type: ignore[no-any-return]


def test_the_salted_hash_is_the_default_and_matches(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    held = hold(client, make)
    assert client.get(
        "/api/v1/issuer/recipient-identity", headers=held.provider.headers
    ).get_json() == {"recipientEmail": "hashed"}
    identifier = _subject_email(held.document)
    assert identifier["hashed"] is True
    assert EMAIL not in held.document
    with app.app_context():
        freelancer = db.session.get(Freelancer, held.freelancer_id)
        assert freelancer is not None
        assert identifier["salt"] == freelancer.identity_salt  # per freelancer
        assert identifier["identityHash"] == hash_email(EMAIL, freelancer.identity_salt)
    assert identifier_matches(identifier, EMAIL.upper())
    assert not identifier_matches(identifier, "someone@example.org")
    outcomes = check_outcomes(local_verifier(app), held.document)
    assert all("failed" not in v for v in outcomes.values()), outcomes


def test_plain_email_when_the_provider_chooses_it(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    response = client.put(
        "/api/v1/issuer/recipient-identity",
        json={"recipientEmail": "plain"},
        headers=provider.headers,
    )
    assert response.status_code == 200
    assert response.get_json() == {"recipientEmail": "plain"}
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "issuer.recipient_email")
        ).one()
        assert event.details == {"previous": "hashed", "now": "plain"}
    cert = make.certification(provider, min_projects=1)
    freelancer_id = make.freelancer(provider, name=NAME, email=EMAIL, did="did:example:zoe")
    project_id = make.project(provider, freelancer_id)
    make.assess(provider, project_id, dict.fromkeys(cert.competency_ids, "accepted"))
    issued = client.post(
        "/api/v1/credentials",
        json={"freelancerId": freelancer_id, "certificationId": cert.id},
        headers=provider.headers,
    )
    assert issued.status_code == 201, issued.get_json()
    document = json.dumps(issued.get_json()["document"])
    identifier = _subject_email(document)
    assert identifier == {
        "type": "IdentityObject",
        "identityType": "emailAddress",
        "hashed": False,
        "identityHash": EMAIL,
    }
    assert identifier_matches(identifier, EMAIL)
    assert json.loads(document)["credentialSubject"]["id"] == "did:example:zoe"
    with app.app_context():
        stored = db.session.get(IssuedCredential, issued.get_json()["id"])
        assert stored is not None
        outcomes = check_outcomes(local_verifier(app), stored.document)
    assert all("failed" not in v for v in outcomes.values()), outcomes


@pytest.mark.parametrize(
    "body", [{"recipientEmail": "clear"}, {}, {"recipientEmail": None}, {"other": "plain"}]
)
def test_a_bad_recipient_identity_is_refused(
    app: Flask, client: FlaskClient, make: Factory, body: dict[str, Any]
) -> None:
    provider = make.provider()
    response = client.put("/api/v1/issuer/recipient-identity", json=body, headers=provider.headers)
    assert response.status_code in (400, 422)
    assert "recipientEmail" in json.dumps(response.get_json()) or "other" in json.dumps(
        response.get_json()
    )
    with app.app_context():
        assert issuers.get_issuer(provider.slug).recipient_email == "hashed"


# --- CLI ------------------------------------------------------------------------------------


def test_cli_export_and_erase(
    app: Flask, client: FlaskClient, make: Factory, runner: CliRun
) -> None:
    held = hold(client, make)
    exported = runner("privacy", "export", "--email", EMAIL)
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["providers"][0]["freelancer"]["name"] == NAME

    unconfirmed = runner("privacy", "erase", "--email", EMAIL)
    assert unconfirmed.exit_code == 1
    assert "--yes" in unconfirmed.output
    assert "freelancers.email" in rows_naming(app, EMAIL)

    erased = runner("privacy", "erase", "--email", EMAIL, "--yes")
    assert erased.exit_code == 0, erased.output
    assert "erased 1 freelancer record(s)" in erased.output
    assert rows_naming(app, EMAIL, NAME) == []
    assert client.get(f"/v/{held.short_code}").status_code == 410

    bad = runner("privacy", "erase", "--email", "not-an-address", "--yes")
    assert bad.exit_code == 2
    assert "e-mail" in bad.output


# --- text the service parses ---------------------------------------------------------------


@given(st.text(max_size=300))
def test_any_text_is_an_address_or_refused_naming_email(text: str) -> None:
    stripped = text.strip().lower()
    if not EMAIL_PATTERN.fullmatch(stripped) or len(stripped) > 254:
        with pytest.raises(privacy.InvalidInputError) as refused:
            privacy.normalised_email(text)
        assert refused.value.field == "email"
        assert refused.value.http_status == 400
    else:
        assert privacy.normalised_email(text) == stripped


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=40),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    ),
    st.text(min_size=3, max_size=20),
)
def test_scrubbing_leaves_no_string_naming_the_person(value: Any, needle: str) -> None:
    assume(needle.casefold() not in privacy.ERASED)  # the marker itself names nobody
    scrubbed = privacy._scrub(value, [needle])

    def strings(item: Any) -> list[str]:
        if isinstance(item, str):
            return [item]
        if isinstance(item, list):
            return [s for i in item for s in strings(i)]
        if isinstance(item, dict):
            return [s for i in item.values() for s in strings(i)]
        return []

    assert not any(needle.casefold() in s.casefold() for s in strings(scrubbed))
    assert type(scrubbed) is type(value)


def test_other_parts_hear_what_an_erasure_covers(
    app: Flask, client: FlaskClient, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = hold(client, make), hold(client, make)
    heard: list[privacy.Erasure] = []
    exported: list[tuple[str, list[str]]] = []

    def export(email: str, ids: Any) -> dict[str, str]:
        exported.append((email, list(ids)))
        return {"kept": "by another part"}

    monkeypatch.setattr(privacy, "_hooks", [privacy.PersonalData("mail", export, heard.append)])
    with app.app_context():
        assert privacy.export_person(EMAIL)["other"] == {"mail": {"kept": "by another part"}}
    assert exported == [(EMAIL, [first.freelancer_id, second.freelancer_id])]

    # The first provider deletes its record: per-provider data goes, the person's
    # cross-provider data stays (the second provider still holds the address).
    response = client.delete(
        f"/api/v1/freelancers/{first.freelancer_id}", headers=first.provider.headers
    )
    assert response.status_code == 204
    assert heard == [
        privacy.Erasure(
            EMAIL,
            (first.provider.id,),
            (first.freelancer_id,),
            (first.credential_id,),
            everywhere=False,
        )
    ]
    with app.app_context():
        privacy.erase_person(EMAIL, actor="freelancer")
    assert heard[-1] == privacy.Erasure(
        EMAIL,
        (second.provider.id,),
        (second.freelancer_id,),
        (second.credential_id,),
        everywhere=True,
    )
