"""The Open Badges 2.0 parts of a verification request: a badge's URL and a recipient.

- ``url`` (form field of the page and of a multipart ``/api/v1/verify``; ``?url=`` on the
  API): the URL of a hosted assertion, verified by fetching it. Used only when no file
  and no pasted text were given.
- ``recipient`` (form field; ``?recipient=`` on the API): the e-mail address, URL or
  telephone number the client expects the badge to be awarded to. Checked against the
  badge's recipient identity (hashed or not); never echoed back for a hashed one.
"""

from __future__ import annotations

from typing import Final

from flask import Request

from credentials.errors import InvalidInputError
from credentials.ob2.found import Ob2Found

__all__ = ["MAX_FIELD", "recipient_of", "refuse_url_field"]

#: An assertion URL or an identity longer than this is a mistake.
MAX_FIELD: Final = 2048
_FORMS: Final = ("multipart/form-data", "application/x-www-form-urlencoded")


def _field(request: Request, name: str) -> str:
    value = request.form.get(name) or request.args.get(name) or ""
    value = value.strip()
    if len(value) > MAX_FIELD:
        raise InvalidInputError(f"{name} is longer than {MAX_FIELD} characters", field=name)
    return value


def recipient_of(request: Request) -> str | None:
    """The recipient identity the client typed, if any."""
    return _field(request, "recipient") or None


def refuse_url_field(request: Request) -> None:
    """Raise ``Ob2Found`` for a hosted badge's URL when it is all that was given."""
    if "url" not in request.args and request.mimetype not in _FORMS:
        return  # the common case (a JSON body) costs one lookup
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        return
    if request.form.get("credential", "").strip():
        return
    url = _field(request, "url")
    if not url:
        return
    if not url.lower().startswith(("https://", "http://")):
        raise InvalidInputError("url must be an https:// address of a hosted badge", field="url")
    raise Ob2Found(url, description="a link to a hosted badge assertion", field="url")
