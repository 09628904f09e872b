"""Micro-certifications in the console: create with framework presets, "add another",
refusals shown next to their field, edit keeping competency ids, the evidence rule and
expiry, archive, who sees the controls, and provider B against A's ids."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from issuer.models import AuditEvent, MicroCertification
from microcred.platform.extensions import db
from tests.issuer.console.conftest import PASSWORD, Console, Provider
from tests.issuer.factories import Factory
from tests.issuer.factories import Provider as FactoryProvider
from tests.issuer.issuance_helpers import issue

NEW = "/console/certifications/new"
ESCO_CODE = "ccd0a1d9-afda-43d9-b901-96344886e14d"


def _form(**overrides: str) -> dict[str, str]:
    form = {
        "name": "Freelance Python API Developer",
        "description": "Builds and tests HTTP APIs in Python for freelance clients.",
        "criteria_narrative": "Two accepted client projects per competency.",
        "expiry": "months",
        "validity_months": "12",
        "validity_days": "",
        "min_projects_per_competency": "2",
        "min_competencies": "",
        "min_client_rating": "4.5",
        "competencies-0-name": "Python programming",
        "competencies-0-description": "Writes idiomatic, tested Python.",
        "competencies-0-preset": "esco",
        "competencies-0-code": ESCO_CODE.upper(),
        "competencies-1-name": "Software developer duties",
        "competencies-1-preset": "onet",
        "competencies-1-code": "15-1252.00",
        "competencies-2-name": "",
        "competencies-3-name": "Code review",
        "competencies-3-preset": "",
        "competencies-3-url": "https://skills.example/review",
        "competencies-3-framework": "Our own skills list",
    }
    form.update(overrides)
    return form


def _stored(app: Flask, slug: str = "freelance-python-api-developer") -> MicroCertification:
    with app.app_context():
        found = db.session.scalar(select(MicroCertification).where(MicroCertification.slug == slug))
        assert found is not None
        _ = found.competencies  # loaded while the session is open
        db.session.expunge_all()
        return found


def _signed_in(new_console: Callable[[], Console], email: str) -> Console:
    console = new_console()
    assert console.sign_in(email, PASSWORD).status_code == 302
    return console


@pytest.fixture
def issuer_console(provider: Provider, new_console: Callable[[], Console]) -> Console:
    return _signed_in(new_console, provider.members["issuer"])


def test_an_issuer_creates_one_with_framework_presets(app: Flask, issuer_console: Console) -> None:
    page = issuer_console.get(NEW).get_data(as_text=True)
    assert "O*NET-SOC occupation" in page
    assert "ESCO skill" in page
    response = issuer_console.post(NEW, _form())
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = _stored(app)
    assert response.headers["Location"] == f"/console/certifications/{stored.id}"
    assert (stored.validity_months, stored.validity_days) == (12, None)
    assert stored.min_projects_per_competency == 2
    assert stored.min_client_rating == Decimal("4.5")
    python, duties, review = stored.competencies  # the blank row is left out
    assert (python.target_framework, python.target_code) == ("ESCO", ESCO_CODE)
    assert python.target_url == f"http://data.europa.eu/esco/skill/{ESCO_CODE}"
    assert python.target_name == "Python programming"
    assert duties.target_url == "https://www.onetonline.org/link/summary/15-1252.00"
    assert duties.target_framework == "O*NET-SOC"
    assert (review.target_url, review.target_framework) == (
        "https://skills.example/review",
        "Our own skills list",
    )
    detail = issuer_console.get(response.headers["Location"]).get_data(as_text=True)
    assert "each rated at least 4.5/5 by its client" in detail
    assert "12 months after issue" in detail
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "certification.create")
        )
        assert event is not None
        assert event.ip == "127.0.0.1"
        assert event.actor.startswith("user:")


def test_add_another_brings_a_row_and_saves_nothing(app: Flask, issuer_console: Console) -> None:
    response = issuer_console.post(NEW, {**_form(), "add_row": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="competencies-4-name"' in page
    assert 'value="Python programming"' in page  # what was typed stays
    with app.app_context():
        assert db.session.scalar(select(MicroCertification.id)) is None


@pytest.mark.parametrize(
    ("overrides", "status", "message"),
    [
        ({"competencies-0-code": "not-a-uuid"}, 422, "a ESCO code looks like"),
        ({"competencies-1-code": "15-1252"}, 422, "a O*NET-SOC code looks like 15-1252.00"),
        ({"competencies-3-url": "ftp://x"}, 422, "web address (http or https)"),
        ({"competencies-3-name": "python programming"}, 422, "two competencies are named"),
        ({"min_client_rating": "7"}, 422, "between 0 and 5"),
        ({"expiry": "months", "validity_months": ""}, 422, "Give the number of months"),
        ({"min_competencies": "9"}, 422, "asks for 9 competencies"),
        (
            {f"competencies-{i}-name": "" for i in range(4)},
            422,
            "Name at least one competency.",
        ),
    ],
)
def test_a_refusal_is_shown_and_nothing_is_saved(
    app: Flask, issuer_console: Console, overrides: dict[str, str], status: int, message: str
) -> None:
    response = issuer_console.post(NEW, _form(**overrides))
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert message in page.replace("&#39;", "'")
    assert 'aria-invalid="true"' in page or 'role="alert"' in page
    with app.app_context():
        assert db.session.scalar(select(MicroCertification.id)) is None


def test_a_taken_short_name_is_a_409_on_the_form(issuer_console: Console) -> None:
    assert issuer_console.post(NEW, _form()).status_code == 302
    again = issuer_console.post(NEW, _form(name="Another", slug="freelance-python-api-developer"))
    assert again.status_code == 409
    assert "already exists" in again.get_data(as_text=True)


def test_editing_keeps_the_competency_ids(app: Flask, issuer_console: Console) -> None:
    issuer_console.post(NEW, _form())
    before = _stored(app)
    edit = f"/console/certifications/{before.id}/edit"
    page = issuer_console.get(edit).get_data(as_text=True)
    assert f'value="{before.competencies[0].id}"' in page
    assert 'value="15-1252.00"' in page
    fields = {
        **_form(name="Python API Developer", expiry="never", min_client_rating=""),
        "competencies-0-id": before.competencies[0].id,
        "competencies-1-id": before.competencies[1].id,
        "competencies-2-id": before.competencies[2].id,
        "competencies-2-name": "Code review",
        "competencies-2-url": "https://skills.example/review",
        "competencies-3-name": "",
    }
    response = issuer_console.post(edit, fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = _stored(app)
    assert after.name == "Python API Developer"
    assert [c.id for c in after.competencies] == [c.id for c in before.competencies]
    assert (after.validity_months, after.validity_days, after.min_client_rating) == (
        None,
        None,
        None,
    )


def test_an_expiry_in_days_made_through_the_api_survives_an_edit(
    app: Flask, issuer_console: Console
) -> None:
    issuer_console.post(NEW, _form(expiry="days", validity_days="730", validity_months=""))
    stored = _stored(app)
    assert (stored.validity_days, stored.validity_months) == (730, None)
    page = issuer_console.get(f"/console/certifications/{stored.id}/edit").get_data(as_text=True)
    assert '<option selected value="days">' in page
    assert 'value="730"' in page


def test_viewers_read_and_see_no_controls(
    provider: Provider, issuer_console: Console, new_console: Callable[[], Console], app: Flask
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    viewer = _signed_in(new_console, provider.members["viewer"])
    listing = viewer.get("/console/certifications").get_data(as_text=True)
    assert "Freelance Python API Developer" in listing
    assert "Create a micro-certification" not in listing
    detail = viewer.get(f"/console/certifications/{cert.id}").get_data(as_text=True)
    assert ESCO_CODE in detail
    assert "Archive" not in detail
    assert "/edit" not in detail


def test_archiving_stops_changes_and_moves_it_to_archived(
    app: Flask, issuer_console: Console
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    response = issuer_console.post(f"/console/certifications/{cert.id}/archive")
    assert response.status_code == 302
    assert _stored(app).retired_at is not None
    edit = issuer_console.get(f"/console/certifications/{cert.id}/edit")
    assert edit.status_code == 302  # back to the page, which says why
    assert "archived" in issuer_console.get(edit.headers["Location"]).get_data(as_text=True)
    refused = issuer_console.post(f"/console/certifications/{cert.id}/edit", _form())
    assert refused.status_code == 302
    listing = issuer_console.get("/console/certifications").get_data(as_text=True)
    assert "Archived" in listing
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "certification.retire" in actions


def test_provider_b_reaches_none_of_providers_a_certifications(
    app: Flask, issuer_console: Console, sign_up: Callable[..., Provider]
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    beta = sign_up("beta", name="Beta Academy")
    paths: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"/console/certifications/{cert.id}", {}),
        ("GET", f"/console/certifications/{cert.id}/edit", {}),
        ("POST", f"/console/certifications/{cert.id}/edit", _form(name="Stolen")),
        ("POST", f"/console/certifications/{cert.id}/archive", {}),
        ("POST", f"/console/certifications/{cert.id}/image", {}),
    ]
    for method, path, data in paths:
        response = beta.console.get(path) if method == "GET" else beta.console.post(path, data)
        assert response.status_code == 404, (method, path)
        assert "Freelance Python API Developer" not in response.get_data(as_text=True)
    listing = beta.console.get("/console/certifications").get_data(as_text=True)
    assert "Freelance Python API Developer" not in listing
    after = _stored(app)
    assert (after.name, after.retired_at) == ("Freelance Python API Developer", None)


def test_removing_an_assessed_competency_is_refused_on_the_form(
    app: Flask, make: Factory, issuer_console: Console
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    acme = FactoryProvider(0, "acme", "", "")
    project = make.project(acme, make.freelancer(acme))
    make.assess(acme, project, {cert.competencies[2].id: "accepted"})
    fields = {
        **_form(),
        "competencies-0-id": cert.competencies[0].id,
        "competencies-1-id": cert.competencies[1].id,
        "competencies-3-name": "",  # the assessed "Code review" left out
    }
    response = issuer_console.post(f"/console/certifications/{cert.id}/edit", fields)
    assert response.status_code == 409
    page = response.get_data(as_text=True).replace("&#39;", "'")
    assert "cannot remove competencies that gig projects were assessed against" in page
    assert [c.id for c in _stored(app).competencies] == [c.id for c in cert.competencies]


def test_an_edit_after_issuing_says_and_makes_the_next_version(
    app: Flask, make: Factory, issuer_console: Console
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    acme = FactoryProvider(0, "acme", "", "")
    issue(make, acme, make.freelancer(acme), cert.id, override_reason="Assessed in person")
    edit = f"/console/certifications/{cert.id}/edit"
    page = issuer_console.get(edit).get_data(as_text=True)
    assert "1 credential was issued under version 1. Saving a change makes version 2" in page
    fields = {
        **_form(name="Python API Developer 2027"),
        **{f"competencies-{i}-id": c.id for i, c in enumerate(cert.competencies)},
        "competencies-2-name": "Code review",
        "competencies-2-url": "https://skills.example/review",
        "competencies-3-name": "",
    }
    assert issuer_console.post(edit, fields).status_code == 302
    assert _stored(app).version == 2
    detail = issuer_console.get(f"/console/certifications/{cert.id}").get_data(as_text=True)
    assert "<dt>Version</dt><dd>2</dd>" in detail


def test_saving_an_edit_unchanged_after_issuing_keeps_the_version(
    app: Flask, make: Factory, issuer_console: Console
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    acme = FactoryProvider(0, "acme", "", "")
    issue(make, acme, make.freelancer(acme), cert.id, override_reason="Assessed in person")
    edit = f"/console/certifications/{cert.id}/edit"
    fields = {
        **_form(),
        **{f"competencies-{i}-id": c.id for i, c in enumerate(cert.competencies)},
        "competencies-2-name": "Code review",
        "competencies-2-url": "https://skills.example/review",
        "competencies-2-framework": "Our own skills list",
        "competencies-3-name": "",
    }
    assert issuer_console.post(edit, fields).status_code == 302
    assert _stored(app).version == 1  # nothing a credential states has changed
    assert issuer_console.post(edit, {**fields, "min_client_rating": "4.0"}).status_code == 302
    assert _stored(app).version == 2  # the terms it is issued under have


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00"
    b"\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
SVG_WITH_SCRIPT = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(1)</script><rect width="10" height="10" fill="#123456"/></svg>'
)


def _upload(console: Console, cert_id: str, name: str, data: bytes) -> Any:
    return console.post(
        f"/console/certifications/{cert_id}/image",
        {"artwork": (io.BytesIO(data), name)},  # type: ignore[dict-item]
        content_type="multipart/form-data",
    )


def test_artwork_upload_is_stored_and_previewed_through_the_badge_route(
    app: Flask, make: Factory, issuer_console: Console
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    acme = FactoryProvider(0, "acme", "", "")
    issue(make, acme, make.freelancer(acme), cert.id, override_reason="Assessed in person")
    response = _upload(issuer_console, cert.id, "badge.png", PNG)
    assert response.status_code == 302, response.get_data(as_text=True)
    stored = _stored(app)
    assert stored.image == "data:image/png;base64," + base64.b64encode(PNG).decode()
    assert stored.version == 1  # the artwork is not in the signed credential
    detail = issuer_console.get(f"/console/certifications/{cert.id}").get_data(as_text=True)
    preview = re.search(r'<img src="([^"]+)" alt="The badge of', detail)
    assert preview is not None
    url = preview.group(1).replace("&amp;", "&")
    assert url.startswith(f"/issuers/acme/certifications/{cert.id}/image.png?v=")
    badge = issuer_console.client.get(url)
    assert badge.status_code == 200
    assert badge.mimetype == "image/png"


def test_an_uploaded_svg_is_stored_sanitised(app: Flask, issuer_console: Console) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    assert _upload(issuer_console, cert.id, "badge.svg", SVG_WITH_SCRIPT).status_code == 302
    image = _stored(app).image or ""
    assert image.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(image.split(",", 1)[1])
    assert b"<script" not in svg
    assert b"#123456" in svg


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.txt", b"just text", "Upload a PNG or an SVG image."),
        ("empty.png", b"", "Upload a PNG or an SVG image."),
    ],
)
def test_a_file_that_is_not_an_image_is_refused(
    app: Flask, issuer_console: Console, name: str, data: bytes, message: str
) -> None:
    issuer_console.post(NEW, _form())
    cert = _stored(app)
    response = _upload(issuer_console, cert.id, name, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _stored(app).image is None
