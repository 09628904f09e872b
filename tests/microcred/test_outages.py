"""Faults with real servers (docs/DEPLOYMENT.md, "Faults and health"): PostgreSQL behind a
proxy that refuses or freezes, and a private redis-server that is killed or stopped.

No mocks: the app talks to real PostgreSQL and Redis, and the faults are real sockets
refused or left unanswered.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from microcred.platform.extensions import db, limiter
from tests.conftest import Database
from tests.issuer.factories import Factory, freelancer_payload
from tests.issuer.issuance_helpers import issue, ready
from tests.microcred.faults import FaultProxy, RedisServer

#: The promise: an outage is answered within this many seconds.
OUTAGE_ANSWER_SECONDS = 5.0
HTML = {"Accept": "text/html"}


def timed(call: Callable[[], TestResponse], *, limit: float = 20.0) -> tuple[TestResponse, float]:
    """The response and how long it took; a request that hangs fails the test, not the run."""
    answers: list[TestResponse] = []
    worker = threading.Thread(target=lambda: answers.append(call()), daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(limit)
    assert answers, f"no answer within {limit:g} s: the request hangs"
    return answers[0], time.monotonic() - started


def assert_database_unavailable(response: TestResponse, *, html: bool = False) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)[:500]
    # 5 s, or later when flask-limiter (which sets it on every response) says so.
    assert int(response.headers["Retry-After"]) >= 5
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if html:
        assert response.mimetype == "text/html"
        assert "503" in text
    else:
        body = response.get_json()
        assert body["code"] == 503
        assert body["error"] == "database_unavailable"
        assert body["message"] == "Service Unavailable"
        assert "retry" in body["description"]


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.fixture
def proxied(database: Database) -> Iterator[tuple[FaultProxy, str]]:
    """A proxy in front of this worker's PostgreSQL test database, and its URL."""
    if database.backend != "postgresql":
        pytest.skip("the database faults are PostgreSQL's (TEST_DATABASE_URL)")
    url = sa.engine.make_url(database.url)
    proxy = FaultProxy((url.host or "127.0.0.1", url.port or 5432))
    proxied_url = url.set(host="127.0.0.1", port=proxy.port)
    try:
        yield proxy, proxied_url.render_as_string(hide_password=False)
    finally:
        proxy.close()


@pytest.fixture
def pg_app(make_app: Callable[..., Flask], proxied: tuple[FaultProxy, str]) -> Flask:
    """The app with the documented default timeouts, reaching PostgreSQL through the proxy,
    and rate limits on as in production (the API's limit key reads the database too)."""
    return make_app(SQLALCHEMY_DATABASE_URI=proxied[1], RATELIMIT_ENABLED=True)


def test_database_down_answers_503_and_the_service_recovers(
    pg_app: Flask, proxied: tuple[FaultProxy, str]
) -> None:
    proxy = proxied[0]
    provider = Factory(pg_app).provider()
    client = pg_app.test_client()
    assert client.get("/api/v1/freelancers", headers=provider.headers).status_code == 200

    proxy.refuse()
    api, seconds = timed(lambda: client.get("/api/v1/freelancers", headers=provider.headers))
    assert_database_unavailable(api)
    assert seconds < OUTAGE_ANSWER_SECONDS
    page, seconds = timed(lambda: client.get("/p/nobody-here", headers=HTML))
    assert_database_unavailable(page, html=True)
    assert seconds < OUTAGE_ANSWER_SECONDS
    health = client.get("/healthz")
    assert health.status_code == 503
    assert int(health.headers["Retry-After"]) >= 5
    assert health.get_json()["checks"]["database"]["status"] == "down"
    assert health.get_json()["checks"]["keyStore"]["status"] == "ok"
    assert client.get("/livez").status_code == 200  # liveness never asks the database

    proxy.restore()  # the database is back: no restart of the app
    assert client.get("/api/v1/freelancers", headers=provider.headers).status_code == 200
    assert client.get("/healthz").status_code == 200


def test_database_frozen_answers_503_within_five_seconds(
    pg_app: Flask, proxied: tuple[FaultProxy, str]
) -> None:
    proxy = proxied[0]
    provider = Factory(pg_app).provider()
    client = pg_app.test_client()
    assert client.get("/api/v1/freelancers", headers=provider.headers).status_code == 200

    proxy.freeze()
    # The pooled connection hangs (pre-ping gives up), then a new one hangs (connect_timeout).
    api, seconds = timed(lambda: client.get("/api/v1/freelancers", headers=provider.headers))
    assert_database_unavailable(api)
    assert seconds < OUTAGE_ANSWER_SECONDS
    page, seconds = timed(lambda: client.get("/v/ABCDEFGH", headers=HTML))
    assert_database_unavailable(page, html=True)
    assert seconds < OUTAGE_ANSWER_SECONDS
    health, seconds = timed(lambda: client.get("/healthz"))
    assert health.status_code == 503
    assert seconds < OUTAGE_ANSWER_SECONDS

    proxy.restore()
    assert client.get("/api/v1/freelancers", headers=provider.headers).status_code == 200


def test_database_freezing_mid_request_is_cut_by_the_client_timeout(
    make_app: Callable[..., Flask], proxied: tuple[FaultProxy, str]
) -> None:
    """A connection that stops answering between two statements of one request."""
    proxy = proxied[0]
    app = make_app(SQLALCHEMY_DATABASE_URI=proxied[1], MICROCRED_DB_STATEMENT_TIMEOUT=1.0)

    def freeze_between_statements() -> str:
        db.session.execute(sa.text("SELECT 1"))
        proxy.freeze()
        db.session.execute(sa.text("SELECT 2"))  # never answered
        return "unreachable"

    app.add_url_rule("/test/freeze", "freeze", freeze_between_statements)
    response, seconds = timed(lambda: app.test_client().get("/test/freeze"))
    assert_database_unavailable(response, html=True)
    assert 2.0 <= seconds < OUTAGE_ANSWER_SECONDS  # statement_timeout 1 s + 1 s grace
    proxy.restore()
    assert app.test_client().get("/healthz").status_code == 200


def test_a_statement_past_statement_timeout_answers_503(
    make_app: Callable[..., Flask], proxied: tuple[FaultProxy, str]
) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=proxied[1], MICROCRED_DB_STATEMENT_TIMEOUT=0.5)

    def slow() -> str:
        db.session.execute(sa.text("SELECT pg_sleep(3)"))
        return "too late"

    app.add_url_rule("/api/test/slow", "slow", slow)
    client = app.test_client()
    response, seconds = timed(lambda: client.get("/api/test/slow"))
    assert_database_unavailable(response)
    assert seconds < 2.0  # the server cancelled it at 0.5 s
    assert client.get("/healthz").status_code == 200  # the connection stays usable


def test_sqlite_locked_by_another_writer_answers_503_after_the_busy_timeout(
    make_app: Callable[..., Flask], database: Database
) -> None:
    if database.backend != "sqlite":
        pytest.skip("SQLite's lock")
    app = make_app(MICROCRED_DB_BUSY_TIMEOUT=0.3)
    provider = Factory(app).provider()
    client = app.test_client()

    def create() -> TestResponse:
        return client.post(
            "/api/v1/freelancers", json=freelancer_payload(), headers=provider.headers
        )

    # Another process holds the write lock (a CLI command, a second server process).
    holder = sqlite3.connect(str(sa.engine.make_url(database.url).database), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response, seconds = timed(create)
        assert_database_unavailable(response)
        assert 0.3 <= seconds < 2.0
        assert client.get("/livez").status_code == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert create().status_code == 201


# --- Redis (rate-limit storage) -------------------------------------------------------------


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.kill()
        # The limiter is one object for every app of the process: don't let the next
        # test's app start in fallback mode (flask-limiter has no public reset for this).
        limiter._storage_dead = False


@pytest.fixture
def redis_client(make_app: Callable[..., Flask], redis_server: RedisServer) -> FlaskClient:
    app = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=redis_server.url,
        MICROCRED_REDIS_TIMEOUT=0.5,
        MICROCRED_PUBLIC_RATELIMIT="4 per minute",
    )
    return app.test_client()


def test_redis_down_requests_carry_on_with_limits_per_process(
    redis_client: FlaskClient, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    assert redis_client.get("/").status_code == 200
    health = redis_client.get("/healthz").get_json()
    assert health["checks"]["redis"]["status"] == "ok"

    redis_server.kill()
    with caplog.at_level(logging.WARNING, logger="microcred.ratelimit"):
        statuses = [redis_client.get("/").status_code for _ in range(5)]
    # Served, never a 500; the limit is counted in this process's memory meanwhile.
    assert statuses == [200, 200, 200, 200, 429]
    assert any(
        record.name == "microcred.ratelimit" and "unreachable" in record.getMessage()
        for record in caplog.records
    )
    health_response = redis_client.get("/healthz")
    assert health_response.status_code == 503
    health = health_response.get_json()
    assert health["status"] == "unavailable"
    assert health["checks"]["redis"]["status"] == "down"
    assert health["checks"]["database"]["status"] == "ok"
    assert redis_client.get("/livez").status_code == 200

    redis_server.start()  # same port: Redis is back
    assert redis_client.get("/healthz").status_code == 200


def test_redis_frozen_costs_at_most_the_socket_timeout(
    redis_client: FlaskClient, redis_server: RedisServer
) -> None:
    assert redis_client.get("/").status_code == 200
    redis_server.freeze()
    try:
        response, seconds = timed(lambda: redis_client.get("/"))
        assert response.status_code == 200
        assert seconds < 0.5 + 1.0  # MICROCRED_REDIS_TIMEOUT, plus the page itself
        response, seconds = timed(lambda: redis_client.get("/"))
        assert response.status_code == 200
        assert seconds < 0.5  # in fallback mode Redis is not asked again at once
        health, seconds = timed(lambda: redis_client.get("/healthz"))
        assert health.status_code == 503
        assert health.get_json()["checks"]["redis"]["status"] == "down"
        assert seconds < 0.5 + 1.0
        live, seconds = timed(lambda: redis_client.get("/livez"))
        assert live.status_code == 200
        assert seconds < 0.5
    finally:
        redis_server.thaw()
    assert redis_client.get("/healthz").status_code == 200


def test_verifying_our_own_credential_while_the_database_is_down_is_503_not_invalid(
    pg_app: Flask, proxied: tuple[FaultProxy, str]
) -> None:
    """An outage says nothing about the credential: no verdict, a 503 to retry."""
    proxy = proxied[0]
    make = Factory(pg_app)
    prepared = ready(make)
    issued = issue(make, prepared.provider, prepared.freelancer_id, prepared.certification.id)
    client = pg_app.test_client()
    assert client.post("/api/v1/verify", json=issued.json).get_json()["verified"] is True

    proxy.refuse()
    for path, body in (
        ("/api/v1/verify", issued.json),
        ("/credentials/verify", {"verifiableCredential": issued.json}),
    ):
        response, seconds = timed(lambda path=path, body=body: client.post(path, json=body))
        assert_database_unavailable(response)
        assert seconds < OUTAGE_ANSWER_SECONDS
    page = client.get(f"/v/{issued.short_code}", headers=HTML)
    assert_database_unavailable(page, html=True)
    as_json = client.get(f"/v/{issued.short_code}", headers={"Accept": "application/json"})
    assert_database_unavailable(as_json)

    proxy.restore()
    assert client.post("/api/v1/verify", json=issued.json).get_json()["verified"] is True
