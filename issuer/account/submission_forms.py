"""The forms of self-submitted evidence (issue 14, item 4): the freelancer's project and
the client's answer. CSRF is checked before every POST by the account blueprint."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from issuer.account.forms import AccountForm
from issuer.models import PLATFORMS


def _text(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubmissionForm(AccountForm):
    provider = SelectField(
        _l("Training provider"),
        validators=[DataRequired(_l("Choose the provider who should assess the project."))],
        description=_l("Only providers that know you as their freelancer are listed."),
    )
    title = StringField(
        _l("Title"),
        validators=[DataRequired(_l("A title is needed.")), Length(max=200)],
        description=_l("What the client asked for, in a line."),
    )
    platform = SelectField(
        _l("Platform"), choices=[SelectChoice(p, p) for p in PLATFORMS], default="Other"
    )
    url = StringField(
        _l("Link"),
        validators=[
            DataRequired(_l("A link is needed: an https:// address of the project or its result.")),
            Length(max=500),
            URL(
                require_tld=True,
                message=_l("An https:// address, such as https://example.com/work."),
            ),
        ],
        description=_l("An https:// address of the project or its result."),
    )
    client_name = StringField(
        _l("Client"), validators=[DataRequired(_l("Name the client.")), Length(max=200)]
    )
    started_on = DateField(_l("Started on"), validators=[Optional()])
    finished_on = DateField(_l("Finished on"), validators=[Optional()])
    deliverables = TextAreaField(
        _l("What you delivered"),
        validators=[DataRequired(_l("Say what you delivered.")), Length(max=10_000)],
    )
    competencies = CheckboxList(
        _l("Competencies it demonstrates"),
        validators=[DataRequired(_l("Choose at least one competency."))],
        description=_l("Of one certification of the provider you chose."),
    )
    client_email = EmailField(
        _l("Client's e-mail address (optional)"),
        validators=[
            Optional(),
            Regexp(
                r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$",
                message=_l("An e-mail address such as name@example.com."),
            ),
            Length(max=254),
        ],
        description=_l("The client gets a link to confirm the project and rate it."),
    )

    def validate_url(self, field: StringField) -> None:
        from wtforms import ValidationError

        if field.data and not field.data.strip().startswith("https://"):
            raise ValidationError(gettext("An https:// address (not http://)."))

    def validate_finished_on(self, field: DateField) -> None:
        from wtforms import ValidationError

        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(gettext("Must not be before the start."))

    def data_for_service(self) -> dict[str, Any]:
        return {
            "title": (self.title.data or "").strip(),
            "platform": self.platform.data,
            "url": _text(self.url.data),
            "client_name": _text(self.client_name.data),
            "started_on": self.started_on.data,
            "finished_on": self.finished_on.data,
            "deliverables": _text(self.deliverables.data),
            "client_email": _text(self.client_email.data),
        }


class ClientAnswerForm(AccountForm):
    rating = DecimalField(
        _l("Your rating of the work (0 to 5)"),
        places=1,
        validators=[Optional(), NumberRange(min=0, max=5, message=_l("From 0 to 5."))],
        description=_l("Such as 4.5. Needed to confirm."),
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])
