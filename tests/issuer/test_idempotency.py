"""Idempotency-Key: replay, conflict, failures not stored, concurrent first use."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from issuer.models import IdempotencyRecord, MicroCertification
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.issuer.factories import Factory, Provider, certification_payload

URL = "/api/v1/micro-certifications"


def _count(app: Flask, provider: Provider) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(MicroCertification.issuer_id == provider.id)
        )


def test_same_key_same_body_replays_the_stored_response(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    headers = {**provider.headers, "Idempotency-Key": "create-cert-1"}
    first = client.post(URL, json=certification_payload(), headers=headers)
    # Same JSON, different key order and whitespace: the same request.
    reordered = dict(reversed(list(certification_payload().items())))
    second = client.post(URL, json=reordered, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.data == first.data
    assert second.headers["Location"] == first.headers["Location"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app, provider) == 1


def test_same_key_different_body_is_422(app: Flask, client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    headers = {**provider.headers, "Idempotency-Key": "k"}
    assert client.post(URL, json=certification_payload(), headers=headers).status_code == 201
    response = client.post(URL, json=certification_payload(name="Other"), headers=headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "idempotency_key_reused"
    assert body["field"] == "Idempotency-Key"
    assert _count(app, provider) == 1


def test_same_key_on_another_endpoint_is_422(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    headers = {**provider.headers, "Idempotency-Key": "shared"}
    assert client.post(URL, json=certification_payload(), headers=headers).status_code == 201
    other = client.post(
        "/api/v1/freelancers", json={"name": "A", "email": "a@example.com"}, headers=headers
    )
    assert other.status_code == 422
    assert other.get_json()["error"] == "idempotency_key_reused"


def test_keys_are_per_provider(app: Flask, client: FlaskClient, make: Factory) -> None:
    first, second = make.provider(), make.provider()
    for provider in (first, second):
        headers = {**provider.headers, "Idempotency-Key": "same-key"}
        response = client.post(URL, json=certification_payload(), headers=headers)
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert _count(app, first) == _count(app, second) == 1


def test_without_a_key_every_request_runs(app: Flask, client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    for slug in ("a", "b"):
        payload = certification_payload(slug=slug)
        assert client.post(URL, json=payload, headers=provider.headers).status_code == 201
    assert _count(app, provider) == 2


def test_failed_requests_are_not_stored_and_may_be_retried(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    headers = {**provider.headers, "Idempotency-Key": "retry-me"}
    make.certification(provider, slug="taken")
    conflict = client.post(URL, json=certification_payload(slug="taken"), headers=headers)
    assert conflict.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    # The client fixes the cause and retries with the same key and (now) a different body.
    retry = client.post(URL, json=certification_payload(slug="free"), headers=headers)
    assert retry.status_code == 201


def test_invalid_key_header_is_400(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    for key in ("", "x" * 256, "has space"):
        response = client.post(
            URL, json=certification_payload(), headers={**provider.headers, "Idempotency-Key": key}
        )
        assert response.status_code == 400, key
        assert response.get_json()["error"] == "invalid_idempotency_key"


def test_expired_record_lets_the_key_run_again(
    app: Flask, client: FlaskClient, make: Factory
) -> None:
    provider = make.provider()
    headers = {**provider.headers, "Idempotency-Key": "old"}
    assert (
        client.post(URL, json=certification_payload(slug="one"), headers=headers).status_code == 201
    )
    with app.app_context(), write_transaction(db.session):
        db.session.execute(
            update(IdempotencyRecord).values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
    again = client.post(URL, json=certification_payload(slug="two"), headers=headers)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again.headers
    assert _count(app, provider) == 2


def test_delete_is_replayed_too(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    project = make.project(provider, make.freelancer(provider))
    headers = {**provider.headers, "Idempotency-Key": "delete-once"}
    first = client.delete(f"/api/v1/projects/{project}", headers=headers)
    second = client.delete(f"/api/v1/projects/{project}", headers=headers)
    assert (first.status_code, second.status_code) == (204, 204)
    assert second.headers["Idempotent-Replayed"] == "true"
    # Without the key the retry is a plain request for a project that is gone.
    assert client.delete(f"/api/v1/projects/{project}", headers=provider.headers).status_code == 404


def test_concurrent_first_uses_create_one_certification(app: Flask, make: Factory) -> None:
    provider = make.provider()
    headers = {**provider.headers, "Idempotency-Key": "race"}
    barrier = threading.Barrier(4)
    responses = []

    def send() -> None:
        client = app.test_client()
        barrier.wait()
        responses.append(client.post(URL, json=certification_payload(), headers=headers))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.data for r in responses}) == 1
    assert sum("Idempotent-Replayed" in r.headers for r in responses) == 3
    assert _count(app, provider) == 1
