"""The micro-certification form: the fields, and the mapping it hands to
``issuer.services.certifications`` (the same mapping the API's schema produces).

Competencies are a fixed number of rows; "Add another competency" sends the form back
with one more blank row and saves nothing, so the page needs no JavaScript.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from credentials.errors import MicrocredError
from issuer.console.forms import ConsoleForm
from issuer.models import MicroCertification
from issuer.services import frameworks

BLANK_ROWS = 2  # blank competency rows offered below the filled ones
MAX_ROWS = 50  # the API's MAX_COMPETENCIES

FRAMEWORK_CHOICES = [
    SelectChoice("", "None, or another framework (give its address below)"),
    SelectChoice("esco", "ESCO skill (code: the skill's UUID)"),
    SelectChoice("onet", "O*NET-SOC occupation (code such as 15-1252.00)"),
]
EXPIRY_CHOICES = [
    SelectChoice("never", "Never expires"),
    SelectChoice("months", "Expires some months after issue"),
    SelectChoice("days", "Expires some days after issue"),
]


class ArtworkForm(ConsoleForm):
    artwork = FileField(
        "Badge artwork (PNG or SVG)",
        validators=[FileRequired("Choose a PNG or SVG file.")],
        description="Square works best; at most 384 KiB. An SVG is stored cleaned of "
        "scripts and outside references.",
    )


class CompetencyRow(Form):  # type: ignore[misc]  # WTForms ships no type hints
    """One competency; a row whose name is empty is left out."""

    id = HiddenField()
    name = StringField("Competency", validators=[Optional(), Length(max=200)])
    description = TextAreaField("What it means", validators=[Optional(), Length(max=5000)])
    preset = SelectField("Skill framework", choices=FRAMEWORK_CHOICES, default="")
    code = StringField(
        "Framework code",
        validators=[Optional(), Length(max=100)],
        description="With ESCO or O*NET chosen, the code alone: the address is made from it.",
    )
    url = StringField(
        "Framework entry address",
        validators=[Optional(), Length(max=500)],
        description="Only for another framework: the entry's web address.",
    )
    framework = StringField(
        "Framework name",
        validators=[Optional(), Length(max=200)],
        description="Only for another framework.",
    )


class CertificationForm(ConsoleForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Short name in addresses (optional)",
        validators=[Optional(), Length(max=63)],
        description="Lower-case letters, digits and hyphens. Left empty, it is made from the name.",
    )
    description = TextAreaField("Description", validators=[DataRequired(), Length(max=10_000)])
    criteria_narrative = TextAreaField(
        "Criteria",
        validators=[DataRequired(), Length(max=10_000)],
        description="How the certification is earned; it is shown on every credential.",
    )
    expiry = SelectField("Expiry", choices=EXPIRY_CHOICES, default="never")
    validity_months = IntegerField(
        "Months after issue",
        validators=[Optional(), NumberRange(min=1, max=1200)],
        description="Only when the credential expires.",
    )
    validity_days = IntegerField(
        "Days after issue",
        validators=[Optional(), NumberRange(min=1, max=36_500)],
        description="Only when the credential expires after some days.",
    )
    min_projects_per_competency = IntegerField(
        "Accepted gig projects needed per competency",
        default=1,
        validators=[DataRequired(), NumberRange(min=1, max=100)],
    )
    min_competencies = IntegerField(
        "Competencies that must be met (optional)",
        validators=[Optional(), NumberRange(min=1, max=MAX_ROWS)],
        description="Left empty, all of them.",
    )
    min_client_rating = DecimalField(
        "Minimum client rating (optional)",
        places=1,
        validators=[Optional(), NumberRange(min=0, max=5)],
        description="From 0 to 5. A project then counts only when its client rated it at "
        "least this; an unrated project does not count.",
    )
    competencies = FieldList(FormField(CompetencyRow), min_entries=1, max_entries=MAX_ROWS)

    def validate(self, extra_validators: Any = None) -> bool:
        """The fields, then the expiry's number: a per-field check would be skipped,
        since ``Optional`` ends the chain on an empty field."""
        valid: bool = super().validate(extra_validators)
        chosen = {"months": self.validity_months, "days": self.validity_days}.get(
            self.expiry.data or ""
        )
        if chosen is not None and chosen.data is None and not chosen.errors:
            chosen.errors = [f"Give the number of {self.expiry.data}, or choose 'Never expires'."]
            valid = False
        return valid

    def show_refusal(self, exc: MicrocredError) -> None:
        """A refusal about competency row N ("competencies[N]...") goes next to that row."""
        match = re.fullmatch(r"competencies\[(\d+)\](?:\.alignment\.?(\w*))?", exc.field or "")
        rows = getattr(self, "_rows", [])
        if match is None or int(match.group(1)) >= len(rows):
            if (exc.field or "").startswith("competencies"):
                self.form_errors.append(exc.message)  # the list as a whole: above the form
            else:
                super().show_refusal(exc)
            return
        row = self.competencies[rows[int(match.group(1))]].form
        target = {"targetCode": row.code, "targetUrl": row.url}.get(match.group(2) or "", row.name)
        target.errors = [*target.errors, exc.message]

    def add_blank_rows(self, count: int = BLANK_ROWS) -> None:
        for _ in range(min(count, MAX_ROWS - len(self.competencies))):
            self.competencies.append_entry()

    def fill(self, certification: MicroCertification) -> None:
        """Load a stored certification into the (unsubmitted) form."""
        self.name.data = certification.name
        self.slug.data = certification.slug
        self.description.data = certification.description
        self.criteria_narrative.data = certification.criteria_narrative
        self.expiry.data = (
            "months"
            if certification.validity_months
            else "days"
            if certification.validity_days
            else "never"
        )
        self.validity_months.data = certification.validity_months
        self.validity_days.data = certification.validity_days
        self.min_projects_per_competency.data = certification.min_projects_per_competency
        self.min_competencies.data = certification.min_competencies
        self.min_client_rating.data = certification.min_client_rating
        while len(self.competencies):
            self.competencies.pop_entry()
        for competency in certification.competencies:
            self.competencies.append_entry(
                {
                    "id": competency.id,
                    "name": competency.name,
                    "description": competency.description,
                    "preset": frameworks.preset_of(
                        competency.target_framework, competency.target_url
                    ),
                    "code": competency.target_code,
                    "url": competency.target_url,
                    "framework": competency.target_framework,
                }
            )

    def data_for_service(self) -> dict[str, Any]:
        """The mapping ``create_certification``/``update_certification`` take."""
        rating = self.min_client_rating.data
        data: dict[str, Any] = {
            "name": self.name.data.strip(),
            "description": self.description.data,
            "criteria_narrative": self.criteria_narrative.data,
            "validity_months": self.validity_months.data if self.expiry.data == "months" else None,
            "validity_days": self.validity_days.data if self.expiry.data == "days" else None,
            "evidence_rule": {
                "min_projects_per_competency": self.min_projects_per_competency.data,
                "min_competencies": self.min_competencies.data,
                "min_client_rating": None if rating is None else Decimal(rating),
            },
            "competencies": self.competency_items(),
        }
        if (self.slug.data or "").strip():
            data["slug"] = self.slug.data.strip()
        return data

    def competency_items(self) -> list[dict[str, Any]]:
        """The named rows, in order; ``_rows`` remembers which form row each item came
        from, since a refusal names the item's position in the list the service saw."""
        items: list[dict[str, Any]] = []
        self._rows: list[int] = []
        for row_index, row in enumerate(self.competencies):
            name = (row.form.name.data or "").strip()
            if not name:
                continue
            self._rows.append(row_index)
            item: dict[str, Any] = {
                "name": name,
                "description": (row.form.description.data or "").strip() or None,
                "alignment": _alignment(row.form, name, len(items)),
            }
            if row.form.id.data:
                item["id"] = row.form.id.data
            items.append(item)
        return items


def _alignment(row: CompetencyRow, name: str, position: int) -> dict[str, str | None] | None:
    has_any = row.preset.data or (row.code.data or "").strip() or (row.url.data or "").strip()
    if not has_any:
        return None
    return frameworks.alignment(
        row.preset.data or "",
        target_name=name,
        code=row.code.data,
        url=row.url.data,
        framework=row.framework.data,
        field=f"competencies[{position}].alignment",
    )
