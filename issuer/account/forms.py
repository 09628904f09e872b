"""The account pages' forms (WTForms through Flask-WTF). CSRF is checked once for every
POST before the view (``issuer.account.views._enforce``); templates render the token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length, Optional

from issuer.models import VISIBILITIES

VISIBILITY_CHOICES = [
    ("public", _l("Public: listed on your profile")),
    ("link", _l("Link only: opens from its link, not listed")),
    ("hidden", _l("Hidden: not listed, its pages answer “not found”")),
]
assert [value for value, _ in VISIBILITY_CHOICES] == list(VISIBILITIES)  # noqa: S101


class AccountForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    class Meta:
        csrf = False  # checked before every view, for every POST


class LinkRequestForm(AccountForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])


class PasswordSignInForm(AccountForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class SetPasswordForm(AccountForm):
    password = PasswordField(
        _l("New password"),
        validators=[Optional(), Length(min=10, max=256)],
        description=_l(
            "At least 10 characters. Leave empty to remove your password and sign "
            "in by e-mail link only."
        ),
    )


# --- fl-privacy-self ---
class EraseForm(AccountForm):
    """Erasing the account: the address typed out, a deliberate act no stray click makes."""

    email = EmailField(
        _l("Type your e-mail address to confirm"),
        validators=[DataRequired(), Length(max=254)],
        description=_l("The address you are signed in with, as shown above."),
    )


# --- end fl-privacy-self ---
