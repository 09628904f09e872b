"""The forms of the freelancers-and-evidence pages: a freelancer, a gig project, a CSV
upload. Shapes only; the rules are ``issuer.services.freelancers.field_problems`` and
``issuer.services.projects.field_problems``, whose findings land next to their fields."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, EmailField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from issuer.console.forms import ConsoleForm
from issuer.models import Freelancer, GigProject
from issuer.models.evidence import PLATFORMS


def show_problems(form: ConsoleForm, problems: Mapping[str, str]) -> bool:
    """Attach each problem to its field; whether there were none."""
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
    return not problems


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


class FreelancerForm(ConsoleForm):
    name = StringField("Name")
    email = EmailField(
        "E-mail address",
        description="For contact. Credentials carry only a salted hash of it.",
    )
    did = StringField(
        "DID (optional)",
        description="Credentials name the freelancer by this DID when it is set, "
        "such as did:key:z6Mk…",
    )

    def fill(self, freelancer: Freelancer) -> None:
        self.name.data = freelancer.name
        self.email.data = freelancer.email
        self.did.data = freelancer.did or ""

    def data_for_service(self) -> dict[str, Any]:
        return {
            "name": (self.name.data or "").strip(),
            "email": (self.email.data or "").strip(),
            "did": _text(self.did.data),
        }


class ProjectForm(ConsoleForm):
    title = StringField("Title", description="What the client asked for, in a line.")
    platform = SelectField(
        "Platform", choices=[SelectChoice(p, p) for p in PLATFORMS], default="Upwork"
    )
    url = StringField("Link to the gig (optional)", description="An http(s) address.")
    client_name = StringField("Client (optional)")
    client_rating = DecimalField(
        "Client rating (optional)",
        places=1,
        validators=[Optional()],
        description="From 0 to 5, as the platform shows it, such as 4.8.",
    )
    started_on = DateField("Started on (optional)", validators=[Optional()])
    finished_on = DateField("Finished on (optional)", validators=[Optional()])
    deliverables = TextAreaField("Deliverables (optional)")
    client_feedback = TextAreaField("Client feedback (optional)")

    def fill(self, project: GigProject) -> None:
        for name in (
            "title",
            "platform",
            "url",
            "client_name",
            "client_rating",
            "started_on",
            "finished_on",
            "deliverables",
            "client_feedback",
        ):
            getattr(self, name).data = getattr(project, name)

    def data_for_service(self) -> dict[str, Any]:
        rating = self.client_rating.data
        return {
            "title": (self.title.data or "").strip(),
            "platform": self.platform.data,
            "url": _text(self.url.data),
            "client_name": _text(self.client_name.data),
            "client_rating": Decimal(rating) if rating is not None else None,
            "started_on": self.started_on.data,
            "finished_on": self.finished_on.data,
            "deliverables": _text(self.deliverables.data),
            "client_feedback": _text(self.client_feedback.data),
        }


class ImportForm(ConsoleForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file.")],
        description="UTF-8, a header row with the columns name and email (did optional); "
        "at most 2,000 rows and 512 KiB.",
    )
