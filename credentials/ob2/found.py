"""An Open Badges 2.0 / 1.x input found where a W3C credential was expected.

The input layer (``credentials.formats``, baked-image extraction) meets OB 2.0 in many
shapes: assertion JSON, a compact JWS (a signed assertion), a URL (a hosted assertion),
or an image baked with any of those. Rather than threading a second return type through
every reader, it raises :class:`Ob2Found`, which carries what was found. The verifier's
page, ``/api/v1/verify`` and the CLI catch it and verify the badge
(``credentials.ob2.verify``); anything that does not catch it (the VC API,
``/credentials/verify``) answers exactly as before: ``format.unsupported`` (422), with a
message saying where such a badge can be verified.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from credentials.errors import InvalidInputError, UnsupportedFormatError

__all__ = ["Ob2Found", "baked_found", "is_ob2_jws", "ob2_found"]

_JWS: Final = re.compile(r"[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+")
_URL: Final = re.compile(r"https?://\S+", re.IGNORECASE)
#: ``credentials.formats.Kind`` values this package verifies (strings: no import cycle).
KINDS: Final = frozenset({"ob2", "ob1", "link", "jwt"})


class Ob2Found(UnsupportedFormatError):  # noqa: N818 - a find, handed on, not a failure
    """An Open Badges 2.0/1.x assertion (JSON object, JWS or URL) to verify as such.

    Uncaught, it is the ``format.unsupported`` refusal of a place that verifies W3C
    credentials only."""

    def __init__(
        self,
        source: Mapping[str, Any] | str,
        *,
        description: str,
        field: str | None = None,
        kind: str = "ob2",
    ) -> None:
        super().__init__(
            f"this format is not supported yet here ({description}): Open Badges 2.0 and "
            "1.x badges are verified by the verification page (/verify) and /api/v1/verify",
            field=field,
            details={"format": kind, "description": description},
        )
        self.source = source
        self.description = description


def _payload(text: str) -> Mapping[str, Any] | None:
    match = _JWS.fullmatch(text)
    if match is None:
        return None
    segment = match.group(1)
    try:
        value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        return None
    return value if isinstance(value, Mapping) else None


def is_ob2_jws(text: str) -> bool:
    """A compact JWS whose payload is an Open Badges assertion (not a VC)."""
    payload = _payload(text.strip())
    return (
        payload is not None
        and "vc" not in payload
        and "badge" in payload
        and ("recipient" in payload or "verify" in payload or "verification" in payload)
    )


def ob2_found(  # noqa: PLR0911 - one answer per shape
    kind: str, description: str, source: object, field: str | None = None
) -> Ob2Found | None:
    """The :class:`Ob2Found` for an identified input, or None when it is not a badge.

    ``source``: the parsed object or the text (JSON, JWS, URL) as given."""
    if isinstance(source, bytes | bytearray):
        try:
            source = bytes(source).decode("utf-8-sig")
        except UnicodeDecodeError:
            return None
    if kind in ("ob2", "ob1"):
        if isinstance(source, str):
            try:
                source = json.loads(source)
            except (ValueError, RecursionError):
                return None
        if isinstance(source, Mapping):
            return Ob2Found(source, description=description, field=field, kind=kind)
        return None
    if not isinstance(source, str):
        return None
    text = source.strip()
    if text.startswith('"'):  # a JSON string: the URL or JWS inside it
        try:
            inner = json.loads(text)
        except (ValueError, RecursionError):
            return None
        if not isinstance(inner, str):
            return None
        text = inner.strip()
    if kind == "link" and _URL.fullmatch(text):
        return Ob2Found(
            text, description="a link to a hosted badge assertion", field=field, kind=kind
        )
    if kind == "jwt" and is_ob2_jws(text):
        return Ob2Found(text, description="a signed Open Badges 2.0 assertion (JWS)", field=field)
    return None


def baked_found(text: str, description: str) -> Ob2Found:
    """What an Open Badges 2.0 baked image holds (``credentials.documents.ob2_baked``):
    the assertion JSON, a signed assertion (JWS) or the hosted assertion's URL."""
    text = text.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, Mapping):
            return Ob2Found(value, description=description, field="image")
        raise InvalidInputError(
            f"{description} holds broken JSON, so there is no badge to check", field="image"
        )
    if _URL.fullmatch(text) or is_ob2_jws(text):
        return Ob2Found(text, description=description, field="image")
    raise InvalidInputError(
        f"{description} holds neither an assertion (JSON), a signed assertion (JWS) nor "
        "the URL of a hosted assertion",
        field="image",
    )
