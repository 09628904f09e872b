"""Translation at the verifier's edge (issue 14, item 7): the core (``credentials/``) has
no Flask and keeps its English; the pages translate here, by code, with Flask-Babel.

``N_`` marks a string for extraction (babel.cfg, ``make translations``) where it is
defined, in a module-level table; ``_`` translates it when a page is rendered, in the
request's language (``microcred.platform.i18n``). Outside a request both return the
English unchanged, so the page model stays usable from tests and the CLI.
"""

from __future__ import annotations

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from credentials.findings import meaning_of

__all__ = ["N_", "_", "english", "finding_meaning", "ngettext"]


def N_(text: str) -> str:  # noqa: N802  # the gettext convention for "mark only"
    return text


def english() -> bool:
    """Whether the request reads English (or there is no request): the core's own words
    are then shown as they are, without a look-up."""
    locale = get_locale()
    return locale is None or locale.language == "en"


def finding_meaning(code: str) -> str:
    """What ``code`` means for a client, in the request's language: the core's English is
    the message id, marked for extraction in verifier/web/finding_words.py."""
    return _(meaning_of(code))
