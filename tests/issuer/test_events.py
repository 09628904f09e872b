"""Domain events reach their subscribers after the commit that made them true, and never
after a rollback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from issuer.services import credentials, events, issuers
from issuer.services.events import Event
from microcred.platform.extensions import db
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import issue, ready


@pytest.fixture
def heard() -> Iterator[list[Event]]:
    seen: list[Event] = []

    def listen(event: Event) -> None:
        seen.append(event)

    events.subscribe(listen)
    yield seen
    events.unsubscribe(listen)


def test_issue_revoke_suspend_and_reinstate_are_told_in_order(
    app: Flask, make: Factory, heard: list[Event]
) -> None:
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    with make.transaction():
        provider = issuers.get_issuer(world.provider.slug)
        credentials.suspend(provider, issued.id, reason="checking a complaint", actor="t")
    with make.transaction():
        credentials.unsuspend(issuers.get_issuer(world.provider.slug), issued.id, actor="t")
    with make.transaction():
        credentials.revoke(
            issuers.get_issuer(world.provider.slug), issued.id, reason="plagiarism", actor="t"
        )
    assert [(e.type, e.subject_id) for e in heard] == [
        ("credential.issued", issued.id),
        ("credential.suspended", issued.id),
        ("credential.reinstated", issued.id),
        ("credential.revoked", issued.id),
    ]
    assert heard[-1].reason == "plagiarism"
    assert {e.issuer_id for e in heard} == {heard[0].issuer_id}


def test_nothing_is_told_before_the_commit_or_after_a_rollback(
    app: Flask, make: Factory, heard: list[Event]
) -> None:
    world = ready(make)
    issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    heard.clear()
    with app.app_context():
        db.session.commit()
        credentials.revoke(
            issuers.get_issuer(world.provider.slug), issued.id, reason="mistake", actor="t"
        )
        assert heard == []  # published, but not yet committed
        db.session.rollback()
        db.session.commit()  # a later, empty commit must not deliver the dropped event
    assert heard == []


def test_a_failing_handler_does_not_stop_the_others(
    app: Flask, make: Factory, heard: list[Event]
) -> None:
    def broken(_event: Event) -> None:
        raise RuntimeError("listener down")

    events.subscribe(broken, "credential.issued")
    try:
        world = ready(make)
        issued = issue(make, world.provider, world.freelancer_id, world.certification.id)
    finally:
        events.unsubscribe(broken)
    assert [e.subject_id for e in heard] == [issued.id]
