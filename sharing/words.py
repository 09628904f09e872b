"""Translation at the sharing pages' edge (issue 14, item 7): the state sentences of
``sharing.status`` stay English there (certificates and badges print them); the share and
profile pages translate them here, by their English text, with Flask-Babel. Outside a
request ``_`` returns the English unchanged.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from credentials.documents.certificate_words import long_date
from microcred.platform.i18n import current_language

__all__ = ["N_", "STATE_REASONS", "_", "page_date"]


def N_(text: str) -> str:  # noqa: N802  # the gettext convention for "mark only"
    return text


#: sharing.status's fixed sentences, marked for extraction (a failed check's own message
#: is not among them: it stays English, as on the verify page).
STATE_REASONS = (
    N_("The key that signed it was revoked by the training provider."),
    N_("The training provider revoked it."),
    N_("The training provider suspended it."),
    N_("Its validity period has ended."),
    N_("Its validity period has not started."),
    N_("Every check passed."),
)


def page_date(value: date) -> str:
    """``12 May 2025`` in English (as the certificates), ``12 de mayo de 2025`` in Spanish:
    the certificate's own date words, in the request's language."""
    return long_date(value, current_language())
