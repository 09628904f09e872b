"""Self-submitted evidence in the console (issue 14, item 4): the "Submitted by the
freelancer" marker and the claimed competencies on the project page, the list of
submissions waiting for an assessment, who may assess (an issuer, not a viewer), and
another provider that neither lists nor opens it. The accepted project meets the rule."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from issuer.services import issuers
from issuer.services.evidence import progress
from tests.issuer.account.test_submitted_evidence import ACME, account, setting, submit
from tests.issuer.console.conftest import PASSWORD, Console, Provider
from tests.issuer.factories import Factory


def _console(new_console: Callable[[], Console], email: str) -> Console:
    console = new_console()
    assert console.sign_in(email, PASSWORD).status_code == 302
    return console


def test_console_marks_lists_and_assesses_a_submission_by_role(
    app: Flask,
    make: Factory,
    provider: Provider,
    sign_up: Callable[..., Provider],
    new_console: Callable[[], Console],
) -> None:
    s = setting(make, ACME)
    account(app)
    project_id, _ = submit(app, s)
    viewer = _console(new_console, provider.members["viewer"])
    listed = viewer.get("/console/submissions")
    assert listed.status_code == 200
    assert "Checkout API for a bakery" in listed.get_data(as_text=True)
    page = viewer.get(f"/console/projects/{project_id}").get_data(as_text=True)
    assert "Submitted by the freelancer." in page
    first = s.certification.competency_ids[0]
    refused = viewer.post(
        f"/console/projects/{project_id}/assessments", {f"outcome-{first}": "accepted"}
    )
    assert refused.status_code == 403
    # Another provider neither lists nor opens it.
    beta = sign_up("beta", name="Beta Academy")
    assert "Checkout API" not in beta.console.get("/console/submissions").get_data(as_text=True)
    assert beta.console.get(f"/console/projects/{project_id}").status_code == 404
    issuer = _console(new_console, provider.members["issuer"])
    page = issuer.get(f"/console/projects/{project_id}").get_data(as_text=True)
    assert "(claimed by the freelancer)" in page
    outcomes = {f"outcome-{c}": "accepted" for c in s.certification.competency_ids}
    saved = issuer.post(f"/console/projects/{project_id}/assessments", outcomes)
    assert saved.status_code == 302
    assert "Checkout API" not in issuer.get("/console/submissions").get_data(as_text=True)
    with app.app_context():
        issuer_row = issuers.get_issuer("acme")
        assert progress(issuer_row, s.freelancer_id, s.certification.id).met
