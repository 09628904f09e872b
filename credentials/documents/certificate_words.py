"""The words a certificate prints, in the language it was issued in (issue 14, item 7).

A certificate's fixed words ("This certifies that", "Issued", the status it shows) and
its dates are printed in the credential's language, chosen when it was issued; what the
provider and the freelancer typed is printed as typed. The catalogues are gettext ``.mo``
files kept by the service that renders (``microcred/translations``); this core module
only reads a directory it is handed, so it knows nothing of Flask or of where that is.

A catalogue is read once per process and language (a render-pool worker reads it on its
first certificate in that language), then kept: a render costs a dictionary look-up per
word.
"""

from __future__ import annotations

import functools
import gettext
import re
from datetime import date
from pathlib import Path
from typing import Final

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.support import Translations

from credentials.dates import format_long_date
from credentials.errors import InvalidInputError

__all__ = [
    "DEFAULT_LANGUAGE",
    "N_",
    "catalogue",
    "check_language",
    "long_date",
]

DEFAULT_LANGUAGE: Final = "en"
#: A primary language subtag (BCP 47 §2.2.1): what the catalogues and Babel's locales are
#: named by. Regions ("es-MX") are not offered: one Spanish catalogue serves them all.
_LANGUAGE: Final = re.compile(r"[a-z]{2,3}")


def N_(text: str) -> str:  # noqa: N802  # the gettext convention for "mark only"
    """Marks ``text`` for extraction (babel.cfg); translated where it is printed."""
    return text


def check_language(value: object, *, field: str = "language") -> str:
    """``value`` if it names a language Babel knows (``en``, ``es``), else a clear error."""
    if not isinstance(value, str) or not _LANGUAGE.fullmatch(value):
        raise InvalidInputError(
            f"{field} must be a lower-case ISO 639 language code such as 'en' or 'es'",
            field=field,
        )
    try:
        Locale.parse(value)
    except (UnknownLocaleError, ValueError) as exc:
        raise InvalidInputError(f"unknown language {value!r}", field=field) from exc
    return value


@functools.lru_cache(maxsize=32)
def catalogue(translations_dir: Path | None, language: str) -> gettext.NullTranslations:
    """The ``messages`` catalogue of ``language`` under ``translations_dir``; English (the
    words as written) when there is no directory, the language is English, or it has no
    catalogue there."""
    if translations_dir is None or language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    return Translations.load(str(translations_dir), [language], domain="messages")


def long_date(value: date, language: str) -> str:
    """``12 May 2025`` in English (unambiguous wherever the reader lives), ``12 de mayo de
    2025`` in Spanish: Babel's long date format of the language."""
    if language == DEFAULT_LANGUAGE:
        return format_long_date(value)
    return format_date(value, format="long", locale=language)
