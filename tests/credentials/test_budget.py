"""``credentials.budget``: one time budget per verification, shared by everything it waits
for. Nested budgets never extend an outer one, a spent budget raises "could not check in
time", and two verifications (threads, contexts) never see each other's budget.

The last section checks the ``Verifier`` wiring with small resolvers that behave as a
budget-aware fetch does (they ask ``remaining()`` and fail when it runs out), so no
network is involved; ``tests/verifier/test_deadline.py`` does the same over real sockets.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest

from credentials.budget import Budget, budget, current, remaining
from credentials.did import DidKeyResolver
from credentials.errors import ResolutionError, VerificationTimeoutError
from credentials.resolvers import CompositeDidResolver, DidDocument, StaticStatusLists
from credentials.results import Outcome, Verdict
from credentials.verify import DEFAULT_DEADLINE, Verifier
from tests.credentials import factories as f

# --- one budget ------------------------------------------------------------------------------


def test_no_budget_outside_a_verification() -> None:
    assert current() is None
    assert remaining(7.5) == 7.5  # the caller's own cap, untouched


def test_budget_none_opens_nothing() -> None:
    with budget(None) as active:
        assert active is None
        assert current() is None
        assert remaining(3.0) == 3.0


def test_budget_is_current_inside_the_block_and_gone_after() -> None:
    with budget(60) as active:
        assert active is not None
        assert current() is active
        assert active.seconds == 60
        assert 59 < active.left() <= 60
        assert not active.spent
    assert current() is None


def test_remaining_is_the_cap_cut_to_what_is_left() -> None:
    with budget(2.0):
        assert remaining(0.5) == 0.5  # the cap is smaller: the cap
        left = remaining(100.0)  # the budget is smaller: what is left of it
    assert 1.5 < left <= 2.0


def test_spent_budget_raises_a_timeout_naming_the_budget() -> None:
    with budget(0.05) as active:
        time.sleep(0.08)
        assert active is not None
        assert active.spent
        assert active.left() < 0  # left() itself never raises
        with pytest.raises(VerificationTimeoutError) as caught:
            remaining(5.0)

    error = caught.value
    assert isinstance(error, ResolutionError)  # every resolver already handles these
    assert error.code == "timeout"
    assert error.http_status == 504
    assert error.message.startswith("could not check in time")
    assert "0.05 s" in error.message
    assert error.details == {"budget_seconds": 0.05}


def test_zero_budget_is_spent_at_once() -> None:
    with budget(0), pytest.raises(VerificationTimeoutError):
        remaining(1.0)


def test_budget_is_reset_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), budget(60):
        raise RuntimeError("a check blew up")

    assert current() is None


def test_start_measures_from_now_on_the_monotonic_clock() -> None:
    before = time.monotonic()
    started = Budget.start(1.5)
    after = time.monotonic()

    assert before + 1.5 <= started.ends <= after + 1.5


# --- nesting: the earlier end wins ---------------------------------------------------------------


def test_nested_longer_budget_never_extends_the_outer_one() -> None:
    with budget(0.5) as outer:
        with budget(60) as inner:
            assert inner is outer  # the status list's own check spends the credential's time
            assert remaining(100.0) <= 0.5
        assert current() is outer


def test_nested_shorter_budget_applies_inside_and_the_outer_one_returns() -> None:
    with budget(60) as outer:
        with budget(0.05) as inner:
            assert inner is not outer
            assert current() is inner
            time.sleep(0.08)
            with pytest.raises(VerificationTimeoutError):
                remaining(1.0)
        # The outer verification still has its own time.
        assert current() is outer
        assert remaining(1.0) == 1.0


def test_nested_budget_none_keeps_the_outer_one() -> None:
    with budget(0.5) as outer, budget(None) as inner:
        assert inner is outer
        assert current() is outer


def test_spent_outer_budget_stays_spent_inside_a_new_nested_one() -> None:
    with budget(0.05):
        time.sleep(0.08)
        with budget(30), pytest.raises(VerificationTimeoutError):
            remaining(1.0)


# --- separate verifications never share a budget -------------------------------------------------


def test_a_thread_does_not_inherit_the_starting_threads_budget() -> None:
    seen: list[object] = []

    with budget(0.01):
        time.sleep(0.03)  # spent here...
        thread = threading.Thread(target=lambda: seen.append((current(), remaining(2.0))))
        thread.start()
        thread.join(5)

    assert seen == [(None, 2.0)]  # ...but the other thread runs with no budget at all


def test_two_threads_with_their_own_budgets_do_not_see_each_other() -> None:
    both_inside = threading.Barrier(2, timeout=5)
    outcomes: dict[str, object] = {}

    def verification(name: str, seconds: float, work: float) -> None:
        try:
            with budget(seconds) as active:
                both_inside.wait()  # both budgets are open at the same time
                time.sleep(work)
                outcomes[name] = (active is current(), remaining(1.0))
        except Exception as exc:  # recorded, asserted below (never lost in the thread)
            outcomes[name] = exc

    short = threading.Thread(target=verification, args=("short", 0.05, 0.1))
    long = threading.Thread(target=verification, args=("long", 30.0, 0.1))
    for thread in (short, long):
        thread.start()
    for thread in (short, long):
        thread.join(5)

    assert isinstance(outcomes["short"], VerificationTimeoutError)
    assert outcomes["long"] == (True, 1.0)


def test_a_copied_context_sees_the_budget_but_cannot_replace_it() -> None:
    with budget(30) as outer:
        copied = contextvars.copy_context()
        assert copied.run(current) is outer

        def open_a_shorter_one() -> Budget | None:
            with budget(0.01) as inner:
                return inner

        inner = copied.run(open_a_shorter_one)
        assert inner is not None
        assert inner is not outer
        assert current() is outer
        assert copied.run(current) is outer


# --- the verifier opens one budget per verification ----------------------------------------------


class RecordingResolver:
    """did:key, recording the budget each resolution ran under."""

    def __init__(self) -> None:
        self.seen: list[Budget | None] = []
        self._inner = DidKeyResolver()

    def resolve(self, did: str) -> DidDocument:
        self.seen.append(current())
        return self._inner.resolve(did)


class BudgetedResolver:
    """did:key behind a "fetch" that takes ``delay`` seconds and honours the budget, as
    ``SafeFetcher.fetch_json`` does: it waits no longer than what is left, then fails."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.calls = 0
        self._inner = DidKeyResolver()

    def resolve(self, did: str) -> DidDocument:
        self.calls += 1
        wait = remaining(self.delay)
        time.sleep(wait)
        if wait < self.delay:
            active = current()
            assert active is not None
            raise active.error()
        return self._inner.resolve(did)


class BudgetedLists:
    """Status lists behind a "fetch" of ``delay`` seconds that honours the budget (only
    the ``slow`` URLs, when given; the others answer at once)."""

    def __init__(
        self, lists: StaticStatusLists, delay: float, slow: frozenset[str] | None = None
    ) -> None:
        self.lists = lists
        self.delay = delay
        self.slow = slow
        self.fetched: list[str] = []

    def fetch(self, url: str) -> Mapping[str, Any]:
        if self.slow is not None and url not in self.slow:
            self.fetched.append(url)
            return self.lists.fetch(url)
        wait = remaining(self.delay)
        self.fetched.append(url)
        time.sleep(wait)
        if wait < self.delay:
            active = current()
            assert active is not None
            raise active.error()
        return self.lists.fetch(url)


def healthy_lists() -> StaticStatusLists:
    return StaticStatusLists(
        {
            f.STATUS_URL: f.status_list(),
            f.SUSPENSION_URL: f.status_list(f.SUSPENSION_URL, purpose="suspension"),
        }
    )


def test_each_verification_runs_under_its_own_budget_of_deadline_seconds() -> None:
    resolver = RecordingResolver()
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": resolver}),
        status_fetcher=healthy_lists(),
        clock=lambda: f.NOW,
        deadline=2.5,
    )

    assert verifier.verify(f.signed()).verdict is Verdict.VALID
    assert verifier.verify(f.signed()).verdict is Verdict.VALID

    budgets = {id(b): b for b in resolver.seen}
    assert all(b is not None and b.seconds == 2.5 for b in resolver.seen)
    assert len(budgets) == 2  # a fresh budget per verification, shared within one
    assert current() is None  # nothing leaks out of verify()


def test_default_deadline_is_ten_seconds_and_none_means_no_budget() -> None:
    assert DEFAULT_DEADLINE == 10.0
    default, unbounded = RecordingResolver(), RecordingResolver()
    for resolver, kwargs in ((default, {}), (unbounded, {"deadline": None})):
        Verifier(
            did_resolver=CompositeDidResolver({"key": resolver}),
            clock=lambda: f.NOW,
            **kwargs,  # type: ignore[arg-type]
        ).verify(f.signed())

    assert {b.seconds for b in default.seen if b is not None} == {10.0}
    assert unbounded.seen
    assert all(b is None for b in unbounded.seen)


def test_slow_status_lists_fail_closed_with_timeout_within_the_deadline() -> None:
    lists = BudgetedLists(healthy_lists(), delay=5.0)
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=lists,
        clock=lambda: f.NOW,
        deadline=0.3,
    )

    started = time.monotonic()
    result = verifier.verify(f.signed())
    elapsed = time.monotonic() - started

    assert elapsed < 2.0  # one 0.3 s budget, not 2 × 5 s
    assert not result.verified
    assert result.verdict is Verdict.INVALID
    statuses = result.checks_named("status")
    assert [(c.outcome, c.code) for c in statuses] == [(Outcome.FAILED, "timeout")] * 2
    assert all("could not check in time" in c.message for c in statuses)
    assert lists.fetched == [f.STATUS_URL]  # the second entry found the budget spent
    # The checks that did not wait are unaffected.
    assert [c.outcome for c in result.checks_named("proof")] == [Outcome.PASSED]
    summary = result.summary
    assert summary.startswith("Not valid: ")
    assert "could not check in time" in summary
    assert summary.endswith("Try again later.")


def test_slow_did_resolution_fails_the_proof_with_timeout() -> None:
    resolver = BudgetedResolver(delay=5.0)
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": resolver}),
        status_fetcher=healthy_lists(),
        clock=lambda: f.NOW,
        deadline=0.3,
    )

    started = time.monotonic()
    result = verifier.verify(f.signed())

    assert time.monotonic() - started < 2.0
    [proof] = result.checks_named("proof")
    assert (proof.outcome, proof.code) == (Outcome.FAILED, "timeout")
    assert proof.message.startswith(f"cannot resolve {f.ISSUER_DID}: could not check in time")
    assert result.verdict is Verdict.INVALID
    assert result.as_dict()["summary"].endswith("Try again later.")
    # No identity can be decided for a credential whose signature was not checked.
    assert result.trust is not None
    assert result.trust.level.value == "unconfirmed"


def test_a_fresh_verification_gets_a_fresh_budget_and_passes() -> None:
    resolver = BudgetedResolver(delay=0.15)
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": resolver}), clock=lambda: f.NOW, deadline=0.3
    )
    unsigned = f.credential()
    del unsigned["credentialStatus"]  # one resolution per verification
    credential = f.signed(unsigned)

    # 3 × 0.15 s is more than one 0.3 s budget: each verification must get its own.
    for _ in range(3):
        result = verifier.verify(credential)
        assert result.verdict is Verdict.VALID, result.summary
    assert resolver.calls == 3


def test_a_verification_that_ends_does_not_leave_its_budget_behind() -> None:
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        clock=lambda: f.NOW,
        deadline=0.01,
    )
    verifier.verify(f.signed())

    assert current() is None
    assert remaining(1.0) == 1.0


@pytest.mark.parametrize(
    ("now", "revoked", "verdict", "label"),
    [
        (f.NOW, True, Verdict.REVOKED, "Revoked: "),
        (f.NOW.replace(year=2029), False, Verdict.EXPIRED, "Expired: "),
    ],
    ids=["revoked", "expired"],
)
def test_a_definite_verdict_is_not_summarised_as_try_again_later(
    now: Any, revoked: bool, verdict: Verdict, label: str
) -> None:
    # The revocation list answered "revoked" (or the credential has expired) and only the
    # suspension list ran out of time: retrying cannot make it valid, so the summary
    # must give the verdict's reason, not "could not check in time. Try again later."
    lists = StaticStatusLists(
        {
            f.STATUS_URL: f.status_list(set_bits=(94567,) if revoked else ()),
            f.SUSPENSION_URL: f.status_list(f.SUSPENSION_URL, purpose="suspension"),
        }
    )
    verifier = Verifier(
        did_resolver=CompositeDidResolver({"key": DidKeyResolver()}),
        status_fetcher=BudgetedLists(lists, delay=5.0, slow=frozenset({f.SUSPENSION_URL})),
        clock=lambda: now,
        deadline=0.3,
    )

    result = verifier.verify(f.signed())

    assert result.verdict is verdict
    assert [c.code for c in result.checks_named("status")][1] == "timeout"
    assert result.summary.startswith(label), result.summary
    assert "Try again later" not in result.summary
