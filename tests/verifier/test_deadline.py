"""One deadline per verification, over real sockets (issue 11).

A server that accepts and never answers, or drips its body a byte at a time, must not
hold a verification for the sum of every fetch's own bound (5 s read timeout each here):
the verifier's ``deadline`` bounds the whole verification, the checks still waiting fail
closed with code ``timeout`` and "could not check in time", and nothing about that is
remembered, so a retry once the server is fast again verifies.

Two verifications of one URL share one fetch (``HttpCache``), but not one budget: when
the leading request runs out of *its* time, a waiting request with time left fetches
again instead of inheriting the failure.

Wall-time bounds here are loose functional bounds (seconds, not milliseconds), never
benchmarks.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask

from credentials.budget import budget
from credentials.errors import ConfigurationError, ResolutionError, VerificationTimeoutError
from credentials.results import Outcome, Verdict, VerificationResult
from credentials.statuslist import status_list_entry
from credentials.verify import Verifier
from microcred.cli import cli
from microcred.platform.config import load_config
from tests.credentials import factories
from tests.verifier.issuers import NOW, REVOKED_INDEX, SUSPENDED_INDEX, WEB_KEY, WebIssuer
from tests.verifier.servers import (  # noqa: F401 - fixtures
    Route,
    TestServer,
    TlsMaterial,
    http_server_fixture,
    https_server_fixture,
    tls_fixture,
)
from tests.verifier.web.conftest import ForeignIssuer
from verifier.cache import HttpCache
from verifier.factory import build_verifier
from verifier.http import SafeFetcher

#: Long enough to be "never" for these tests; the server's stop event ends it at teardown.
NEVER = 60.0
#: A functional bound on a verification with a 1 s deadline (generous for a busy machine).
WITHIN = 3.0
#: A body that takes ~NEVER to drip out at DRIP seconds a byte.
DRIP = 0.2
DRIPPED_BODY = b'{"padding": "' + b"x" * 300 + b'"}'


class StallsAfter(Route):
    """A route that answers its first ``answered`` requests at once and then never answers
    (the handler reads ``delay`` after recording the request, so the count includes it)."""

    def __init__(self, server: TestServer, path: str, answered: int, **options: Any) -> None:
        super().__init__(**options)
        self._server = server
        self._path = path
        self._answered = answered

    @property  # type: ignore[override]
    def delay(self) -> float:
        return 0.0 if self._server.hits(self._path) <= self._answered else NEVER

    @delay.setter
    def delay(self, value: float) -> None:
        pass  # set by Route.__init__; this route decides per request


@pytest.fixture
def issuer(https_server: TestServer) -> WebIssuer:
    return WebIssuer(https_server)


@pytest.fixture
def fetcher(tls: TlsMaterial) -> SafeFetcher:
    """The production bounds (3 s connect, 5 s read, 8 s per fetch): only the verification's
    deadline can make these tests fast."""
    return SafeFetcher(allow_private=True, ca_certs=tls.ca_path)


@pytest.fixture
def make_verifier(fetcher: SafeFetcher) -> Callable[..., Verifier]:
    def make(deadline: float | None = 1.0, **options: Any) -> Verifier:
        return build_verifier(fetcher=fetcher, clock=lambda: NOW, deadline=deadline, **options)

    return make


def timed(verify: Callable[[], VerificationResult]) -> tuple[VerificationResult, float]:
    started = time.monotonic()
    result = verify()
    return result, time.monotonic() - started


def four_status_credential(issuer: WebIssuer) -> dict[str, Any]:
    """Signed by the did:web issuer, with four status entries on its server (lists 1–4)."""
    entries = [
        status_list_entry(list_url=issuer.status_url(n), index=index, purpose=purpose)
        for n, index, purpose in (
            (1, REVOKED_INDEX, "revocation"),
            (2, SUSPENDED_INDEX, "suspension"),
            (3, 17, "revocation"),
            (4, 18, "suspension"),
        )
    ]
    unsigned = factories.credential(
        issuer={"id": issuer.did, "type": ["Profile"], "name": "Northwind Skills Academy"},
        credentialStatus=entries,
    )
    return factories.signed(unsigned, key=WEB_KEY, vm=issuer.vm)


def publish_four_lists(issuer: WebIssuer, **route: Any) -> None:
    for number, purpose in (
        (1, "revocation"),
        (2, "suspension"),
        (3, "revocation"),
        (4, "suspension"),
    ):
        issuer.publish_status_list(number, purpose=purpose, **route)


def stall_four_lists(issuer: WebIssuer, how: str) -> None:
    for number in (1, 2, 3, 4):
        if how == "silent":  # accepts the connection, never sends a byte
            issuer.server.route(issuer.status_path(number), delay=NEVER)
        else:  # answers at once, then drips the body a byte every DRIP seconds
            issuer.server.route(issuer.status_path(number), DRIPPED_BODY, drip=DRIP)


def assert_timed_out(result: VerificationResult, *names: str) -> None:
    assert not result.verified
    assert result.verdict is Verdict.INVALID
    for name in names:
        checks = result.checks_named(name)
        assert checks, name
        for check in checks:
            assert (check.outcome, check.code) == (Outcome.FAILED, "timeout"), check
            assert "could not check in time" in check.message, check.message
    summary = result.summary
    assert summary.startswith("Not valid: "), summary
    assert "could not check in time" in summary
    assert summary.endswith("Try again later."), summary


# --- slow status lists ----------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["silent", "drip"])
def test_slow_status_lists_fail_closed_within_the_deadline_and_a_retry_verifies(
    issuer: WebIssuer, make_verifier: Callable[..., Verifier], how: str
) -> None:
    verifier = make_verifier(deadline=1.0)  # one verifier: its caches live on between calls
    issuer.publish_did_document()
    stall_four_lists(issuer, how)
    credential = four_status_credential(issuer)

    result, elapsed = timed(lambda: verifier.verify(credential))

    assert elapsed < WITHIN, elapsed  # without the deadline: 4 × 5 s of read timeouts
    assert_timed_out(result, "status")
    assert len(result.checks_named("status")) == 4
    # The signature was checked in time and stays checked.
    assert [c.outcome for c in result.checks_named("proof")] == [Outcome.PASSED]
    assert [c.outcome for c in result.checks_named("issuer")] == [Outcome.PASSED]
    # Once the budget is spent nothing more is fetched: the worker is free at once.
    assert issuer.server.hits(issuer.status_path(1)) == 1
    assert sum(issuer.server.hits(issuer.status_path(n)) for n in (2, 3, 4)) == 0
    as_json = result.as_dict()
    assert [c["code"] for c in as_json["checks"] if c["check"] == "status"] == ["timeout"] * 4

    # Nothing about the failure was remembered: with the server fast again, it verifies.
    publish_four_lists(issuer)
    retry, elapsed = timed(lambda: verifier.verify(credential))

    assert retry.verdict is Verdict.VALID, retry.summary
    assert elapsed < WITHIN


def test_a_fetchs_own_bound_is_not_reported_as_the_verifications_timeout(
    issuer: WebIssuer, tls: TlsMaterial
) -> None:
    # The fetch gives up on its own (0.3 s) well inside a 10 s verification budget: that is
    # an unreachable list ("status_unverifiable"), not "could not check in time".
    issuer.publish_all()
    issuer.server.route(issuer.status_path(1), delay=NEVER)
    quick = SafeFetcher(allow_private=True, ca_certs=tls.ca_path, total_timeout=0.3)

    result = build_verifier(fetcher=quick, clock=lambda: NOW, deadline=10.0).verify(
        issuer.credential()
    )

    revocation, suspension = result.checks_named("status")
    assert (revocation.outcome, revocation.code) == (Outcome.FAILED, "status_unverifiable")
    assert re.search(r"total timeout|no answer within the read timeout", revocation.message)
    assert "could not check in time" not in result.summary
    assert suspension.outcome is Outcome.PASSED


# --- a slow did:web ----------------------------------------------------------------------------


def test_slow_did_document_fails_the_proof_with_timeout_and_a_retry_verifies(
    issuer: WebIssuer, make_verifier: Callable[..., Verifier]
) -> None:
    verifier = make_verifier(deadline=1.0)
    issuer.publish_did_document(delay=NEVER)
    publish_four_lists(issuer)

    result, elapsed = timed(lambda: verifier.verify(issuer.credential()))

    assert elapsed < WITHIN, elapsed
    assert_timed_out(result, "proof")
    [proof] = result.checks_named("proof")
    assert proof.message.startswith(f"cannot resolve {issuer.did}: ")
    # Nothing can be said about who signed it.
    [binding] = result.checks_named("issuer")
    assert binding.outcome is Outcome.SKIPPED
    assert result.trust is not None
    assert result.trust.level.value == "unconfirmed"
    # The status lists' own signatures need the same DID document: they time out too,
    # without another fetch.
    for check in result.checks_named("status"):
        assert (check.outcome, check.code) == (Outcome.FAILED, "timeout"), check
    assert issuer.server.hits(issuer.did_path) == 1

    issuer.publish_did_document()  # fast again

    retry = verifier.verify(issuer.credential())
    assert retry.verdict is Verdict.VALID, retry.summary


def _did_document_stalls_on_second_fetch(issuer: WebIssuer) -> dict[str, Any]:
    """The DID document is not cacheable (no-store): the credential's proof fetches it (in
    time), then the first status list's own proof fetches it again, and that fetch stalls
    until the verification's budget is spent."""
    issuer.server.routes[issuer.did_path] = StallsAfter(
        issuer.server,
        issuer.did_path,
        answered=1,
        body=json.dumps(issuer.did_document()).encode(),
        headers={"Cache-Control": "no-store"},
    )
    issuer.publish_status_list(1)
    issuer.publish_status_list(2, purpose="suspension")
    return issuer.credential()


def test_timeout_while_checking_a_status_lists_signature_is_a_timeout(
    issuer: WebIssuer, make_verifier: Callable[..., Verifier]
) -> None:
    # Running out of time is "could not check in time", not "the list's signature does
    # not verify": the list was never shown to be inauthentic.
    credential = _did_document_stalls_on_second_fetch(issuer)

    result, elapsed = timed(lambda: make_verifier(deadline=0.5).verify(credential))

    assert elapsed < WITHIN
    assert [c.outcome for c in result.checks_named("proof")] == [Outcome.PASSED]
    statuses = result.checks_named("status")
    assert [(c.outcome, c.code) for c in statuses] == [
        (Outcome.FAILED, "timeout"),
        (Outcome.FAILED, "timeout"),
    ], [c.message for c in statuses]


def test_timeout_while_checking_a_status_lists_signature_is_not_remembered(
    issuer: WebIssuer, make_verifier: Callable[..., Verifier]
) -> None:
    # "Nothing about the failure is cached, so a retry can pass" (docs/VERIFYING.md).
    verifier = make_verifier(deadline=0.5)
    credential = _did_document_stalls_on_second_fetch(issuer)
    assert verifier.verify(credential).verdict is Verdict.INVALID

    issuer.publish_did_document(headers={"Cache-Control": "no-store"})  # fast again

    retry = verifier.verify(credential)
    assert retry.verdict is Verdict.VALID, retry.summary


# --- SafeFetcher and the budget -----------------------------------------------------------------


def test_fetch_is_cut_to_the_budget(https_server: TestServer, fetcher: SafeFetcher) -> None:
    https_server.route("/never", delay=NEVER)
    url = https_server.url("/never")

    started = time.monotonic()
    with budget(0.5), pytest.raises(VerificationTimeoutError) as caught:
        fetcher.fetch_json(url)

    assert time.monotonic() - started < 2.0
    assert caught.value.code == "timeout"
    assert caught.value.message.startswith("could not check in time")


def test_spent_budget_fetches_nothing(https_server: TestServer, fetcher: SafeFetcher) -> None:
    https_server.route("/doc", {"v": 1})

    with budget(0.01):
        time.sleep(0.03)
        with pytest.raises(VerificationTimeoutError):
            fetcher.fetch_json(https_server.url("/doc"))

    assert https_server.connections == 0


def test_without_a_budget_a_fetch_keeps_its_own_bound(
    https_server: TestServer, tls: TlsMaterial
) -> None:
    https_server.route("/never", delay=NEVER)
    quick = SafeFetcher(allow_private=True, ca_certs=tls.ca_path, total_timeout=0.3)

    with pytest.raises(ResolutionError) as caught:
        quick.fetch_json(https_server.url("/never"))

    assert not isinstance(caught.value, VerificationTimeoutError)
    assert caught.value.code != "timeout"
    assert re.search(r"total timeout|no answer within the read timeout", caught.value.message)


def test_fetch_within_a_budget_still_answers(
    https_server: TestServer, fetcher: SafeFetcher
) -> None:
    https_server.route("/doc", {"v": 1})

    with budget(5.0):
        assert fetcher.fetch_json(https_server.url("/doc")).data == {"v": 1}


# --- one URL, two verifications: no cross-talk ------------------------------------------------


class Outcomes:
    """What each thread got (a value or an exception) and when it finished."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.elapsed: dict[str, float] = {}
        self._started = time.monotonic()

    def run(self, name: str, call: Callable[[], Any]) -> threading.Thread:
        def target() -> None:
            try:
                self.values[name] = call()
            except Exception as exc:  # recorded, asserted by the test
                self.values[name] = exc
            self.elapsed[name] = time.monotonic() - self._started

        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread


def wait_for(condition: Callable[[], bool], timeout: float = 3.0) -> None:
    ends = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < ends, "the leading request never reached the server"
        time.sleep(0.005)


def under_budget(seconds: float, call: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        with budget(seconds):
            return call()

    return run


@pytest.fixture
def joined() -> Iterator[list[threading.Thread]]:
    threads: list[threading.Thread] = []
    yield threads
    for thread in threads:
        thread.join(10)


def test_waiter_with_time_left_refetches_when_the_leader_ran_out_of_its_own(
    https_server: TestServer, fetcher: SafeFetcher, joined: list[threading.Thread]
) -> None:
    https_server.route("/did.json", {"v": 1}, headers={"Cache-Control": "max-age=60"}, delay=0.5)
    url = https_server.url("/did.json")
    cache = HttpCache()
    outcomes = Outcomes()
    fetch = lambda: cache.get_or_fetch(url, fetcher.fetch_json)  # noqa: E731

    joined.append(outcomes.run("leader", under_budget(0.25, fetch)))
    wait_for(lambda: https_server.hits("/did.json") == 1)  # the leader's fetch is in flight
    joined.append(outcomes.run("waiter", under_budget(5.0, fetch)))
    for thread in joined:
        thread.join(10)

    assert isinstance(outcomes.values["leader"], VerificationTimeoutError)
    assert outcomes.values["waiter"] == {"v": 1}
    assert https_server.hits("/did.json") == 2  # the waiter fetched again, in its own time
    assert cache.get(url) == {"v": 1}


def test_waiter_whose_own_budget_runs_out_gives_up_without_hurting_the_leader(
    https_server: TestServer, fetcher: SafeFetcher, joined: list[threading.Thread]
) -> None:
    https_server.route("/did.json", {"v": 1}, headers={"Cache-Control": "max-age=60"}, delay=0.6)
    url = https_server.url("/did.json")
    cache = HttpCache()
    outcomes = Outcomes()
    fetch = lambda: cache.get_or_fetch(url, fetcher.fetch_json)  # noqa: E731

    joined.append(outcomes.run("leader", under_budget(5.0, fetch)))
    wait_for(lambda: https_server.hits("/did.json") == 1)
    joined.append(outcomes.run("waiter", under_budget(0.15, fetch)))
    for thread in joined:
        thread.join(10)

    assert isinstance(outcomes.values["waiter"], VerificationTimeoutError)
    assert outcomes.elapsed["waiter"] < outcomes.elapsed["leader"]  # it did not wait it out
    assert outcomes.values["leader"] == {"v": 1}
    assert https_server.hits("/did.json") == 1


def test_a_leaders_real_failure_is_still_shared_with_waiters(
    https_server: TestServer, fetcher: SafeFetcher, joined: list[threading.Thread]
) -> None:
    # Only a leader's *time* must not decide for others; an answer such as HTTP 500 does.
    https_server.route("/status/1", {"error": "down"}, status=500, delay=0.3)
    url = https_server.url("/status/1")
    cache = HttpCache()
    outcomes = Outcomes()
    fetch = lambda: cache.get_or_fetch(url, fetcher.fetch_json)  # noqa: E731

    joined.append(outcomes.run("leader", under_budget(5.0, fetch)))
    wait_for(lambda: https_server.hits("/status/1") == 1)
    joined.append(outcomes.run("waiter", under_budget(5.0, fetch)))
    for thread in joined:
        thread.join(10)

    for name in ("leader", "waiter"):
        error = outcomes.values[name]
        assert isinstance(error, ResolutionError), error
        assert not isinstance(error, VerificationTimeoutError)
        assert "answered HTTP 500" in error.message
    assert https_server.hits("/status/1") == 1


def test_two_verifications_of_one_did_web_do_not_share_a_budget(
    issuer: WebIssuer, fetcher: SafeFetcher, joined: list[threading.Thread]
) -> None:
    """Two requests verify the same credential through one process-wide cache: the first
    with a tiny deadline, the second with plenty. The first failing on its own deadline
    must not make the second fail."""
    issuer.publish_did_document(delay=0.5)
    issuer.publish_status_list(1)
    issuer.publish_status_list(2, purpose="suspension")
    credential = issuer.credential()
    cache = HttpCache()  # shared, as in one app process
    hurried = build_verifier(fetcher=fetcher, cache=cache, clock=lambda: NOW, deadline=0.25)
    patient = build_verifier(fetcher=fetcher, cache=cache, clock=lambda: NOW, deadline=5.0)
    outcomes = Outcomes()

    joined.append(outcomes.run("hurried", lambda: hurried.verify(credential)))
    wait_for(lambda: issuer.server.hits(issuer.did_path) == 1)
    joined.append(outcomes.run("patient", lambda: patient.verify(credential)))
    for thread in joined:
        thread.join(10)

    hurried_result = outcomes.values["hurried"]
    patient_result = outcomes.values["patient"]
    assert isinstance(hurried_result, VerificationResult), hurried_result
    assert isinstance(patient_result, VerificationResult), patient_result
    assert [c.code for c in hurried_result.checks_named("proof")] == ["timeout"]
    assert patient_result.verdict is Verdict.VALID, patient_result.summary


# --- configuration: MICROCRED_VERIFY_DEADLINE --------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [(None, 10.0), ("", 10.0), ("  ", 10.0), ("2.5", 2.5), ("30", 30.0), ("3600", 3600.0)],
)
def test_deadline_from_the_environment(raw: str | None, seconds: float) -> None:
    environ = {} if raw is None else {"MICROCRED_VERIFY_DEADLINE": raw}

    assert load_config(environ)["MICROCRED_VERIFY_DEADLINE"] == seconds


@pytest.mark.parametrize("raw", ["soon", "10s", "0", "-1", "3601", "nan", "inf", "1e9"])
def test_bad_deadline_is_a_configuration_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_config({"MICROCRED_VERIFY_DEADLINE": raw})

    assert caught.value.field == "MICROCRED_VERIFY_DEADLINE"
    assert "MICROCRED_VERIFY_DEADLINE" in caught.value.message


def test_the_apps_verifier_uses_the_configured_deadline(
    make_app: Callable[..., Flask], http_server: TestServer
) -> None:
    foreign = ForeignIssuer(http_server)
    foreign.publish()
    credential = foreign.credential()
    for number in (1, 2):
        http_server.route(f"/status/{number}", delay=NEVER)
    client = make_app(
        MICROCRED_ALLOW_PRIVATE_FETCH=True, MICROCRED_VERIFY_DEADLINE=0.5
    ).test_client()

    started = time.monotonic()
    response = client.post("/api/v1/verify", json=credential)
    elapsed = time.monotonic() - started

    assert elapsed < WITHIN, elapsed
    assert response.status_code == 200
    body = response.get_json()
    assert (body["verified"], body["verdict"]) == (False, "invalid")
    assert [c["code"] for c in body["checks"] if c["check"] == "status"] == ["timeout", "timeout"]
    assert body["summary"].startswith("Not valid: ")
    assert body["summary"].endswith("Try again later.")

    # The page says it is about time, not about the credential.
    started = time.monotonic()
    page = client.post(
        "/verify",
        data={"credential": json.dumps(credential)},
        content_type="multipart/form-data",
    )
    assert time.monotonic() - started < WITHIN
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="invalid"' in html
    assert "could not be checked in time" in html
    assert "Try again later" in html


def test_development_http_fallback_reports_a_slow_did_document_as_a_timeout(
    http_server: TestServer,
) -> None:
    # The local demo serves did:web over plain http: https is tried first and fails at
    # once (this server speaks no TLS), then http stalls until the deadline. That is
    # "could not check in time", not the https attempt's TLS error.
    issuer = WebIssuer(http_server)
    issuer.publish_all()
    issuer.publish_did_document(delay=NEVER)
    development = build_verifier(
        allow_private=True, allow_http=True, clock=lambda: NOW, deadline=0.5
    )

    result, elapsed = timed(lambda: development.verify(issuer.credential()))

    assert elapsed < WITHIN
    [proof] = result.checks_named("proof")
    assert (proof.outcome, proof.code) == (Outcome.FAILED, "timeout"), proof.message
    assert result.summary.endswith("Try again later.")


def test_cli_verify_uses_the_configured_deadline(http_server: TestServer, tmp_path: Path) -> None:
    issuer = WebIssuer(http_server)  # the local demo serves over plain http, as this does
    issuer.publish_did_document()
    for number in (1, 2):
        http_server.route(issuer.status_path(number), delay=NEVER)
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(issuer.credential()))
    env = {"MICROCRED_ALLOW_PRIVATE_FETCH": "1", "MICROCRED_VERIFY_DEADLINE": "0.5"}

    started = time.monotonic()
    result = CliRunner().invoke(cli, ["verify", "--json", str(path)], env=env)
    elapsed = time.monotonic() - started

    assert elapsed < WITHIN, elapsed
    assert result.exit_code == 1, result.output
    [report] = json.loads(result.stdout)["results"]
    assert [c["code"] for c in report["checks"] if c["check"] == "status"] == ["timeout"] * 2
    assert report["summary"].endswith("Try again later.")


@pytest.mark.parametrize("raw", ["soon", "0"])
def test_cli_verify_refuses_a_bad_deadline_without_a_traceback(raw: str, tmp_path: Path) -> None:
    path = tmp_path / "badge.json"
    path.write_text(json.dumps(factories.signed()))

    result = CliRunner().invoke(
        cli,
        ["verify", str(path)],
        env={"MICROCRED_VERIFY_DEADLINE": raw, "MICROCRED_ALLOW_PRIVATE_FETCH": ""},
    )

    # One "error: …" line naming the variable, as for every other refusal (DESIGN §5).
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 0
    assert "MICROCRED_VERIFY_DEADLINE" in result.stderr
    assert "Traceback" not in result.output
