"""CSRF: every console POST needs the session's token; the bearer-key JSON API does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from tests.issuer.console.conftest import PASSWORD, Console, Provider


@pytest.mark.parametrize(
    "path",
    ["/console/signin", "/console/signup", "/console/signout", "/console/password/forgot"],
)
def test_a_public_form_without_its_token_is_refused(
    new_console: Callable[[], Console], path: str
) -> None:
    console = new_console()
    console.get("/console/signin")  # has a session, so only the token is missing
    response = console.post_raw(path, {"email": "a@b.example", "password": PASSWORD})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "This form could not be accepted" in page
    assert "token is missing" in page


def test_a_signed_in_action_with_a_wrong_token_is_refused(provider: Provider) -> None:
    response = provider.console.post_raw(
        "/console/team/invite",
        {"csrf_token": "forged", "email": "mallory@evil.example", "role": "owner"},
    )
    assert response.status_code == 400
    assert "This form could not be accepted" in response.get_data(as_text=True)
    team = provider.console.get("/console/team").get_data(as_text=True)
    assert "mallory@evil.example" not in team


def test_another_sessions_token_is_refused(
    provider: Provider, new_console: Callable[[], Console]
) -> None:
    stranger = new_console()
    token = stranger.fresh_token()
    response = provider.console.post_raw(
        "/console/team/invite", {"csrf_token": token, "email": "x@evil.example", "role": "owner"}
    )
    assert response.status_code == 400


def test_the_api_needs_no_csrf_token(app: Flask, provider: Provider) -> None:
    from issuer.models import Issuer
    from issuer.services.accounts import find_user
    from issuer.services.api_keys import create_api_key
    from microcred.platform.db import write_transaction
    from microcred.platform.extensions import db

    with app.app_context(), write_transaction(db.session):
        user = find_user(provider.owner)
        assert user is not None
        issuer = db.session.get(Issuer, user.memberships[0].issuer_id)
        assert issuer is not None
        token = create_api_key(issuer, name="ci", actor="test").token
    response = app.test_client().post(
        "/api/v1/freelancers",
        json={"name": "Ada", "email": "ada@example.org"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201, response.get_json()
    assert "Set-Cookie" not in response.headers
