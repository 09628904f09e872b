"""The console's forms (WTForms through Flask-WTF): fields, labels and the shape checks
that need no database. The rules (e-mail format, password length, a free slug, the last
owner) are the services'; a refusal of theirs is shown next to the field it names
(``show_refusal``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from credentials.errors import MicrocredError
from issuer.models import ROLES

ROLE_CHOICES = [
    SelectChoice("owner", "Owner: everything, members and keys included"),
    SelectChoice("issuer", "Issuer: issue, revoke, record evidence"),
    SelectChoice("viewer", "Viewer: read only"),
]
assert [choice.value for choice in ROLE_CHOICES] == list(ROLES)  # noqa: S101 - one list of roles


class ConsoleForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    class Meta:
        # Every console POST is checked once, before the view (issuer.console.policy);
        # the token field is rendered by the templates' form macro.
        csrf = False

    def show_refusal(self, exc: MicrocredError) -> None:
        """Attach a service's refusal to the field it names (or to the form)."""
        field = getattr(self, exc.field, None) if exc.field else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, exc.message]
        else:
            self.form_errors.append(exc.message)


class SignUpForm(ConsoleForm):
    organisation = StringField("Organisation name", validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        "Short name in addresses (optional)",
        validators=[Optional(), Length(max=63)],
        description="Lower-case letters, digits and hyphens; it becomes part of your "
        "organisation's public identifier (did:web) and cannot change later. Left empty, "
        "it is made from the organisation name.",
    )
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Your e-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=10, max=256)],
        description="At least 10 characters.",
    )


class SignInForm(ConsoleForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=256)])


class ForgotForm(ConsoleForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])


class NewPasswordForm(ConsoleForm):
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=10, max=256)],
        description="At least 10 characters.",
    )


class AcceptInvitationForm(ConsoleForm):
    name = StringField("Your name", validators=[DataRequired(), Length(max=200)])
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(min=10, max=256)],
        description="At least 10 characters.",
    )


class InviteForm(ConsoleForm):
    email = EmailField("E-mail address", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")


class RoleForm(ConsoleForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class ChangePasswordForm(ConsoleForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=256)]
    )
    password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=10, max=256)],
        description="At least 10 characters. Every session of your account ends.",
    )
