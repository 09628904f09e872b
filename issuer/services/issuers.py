"""Training providers (issuers): creation with a first key, DID and API key; look-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from credentials.did import did_web_for
from credentials.documents.certificate_model import LAYOUTS, check_colour
from credentials.documents.certificate_view import contrast_ratio
from credentials.errors import InvalidInputError, MicrocredError
from credentials.keys import Ed25519SigningKey
from issuer.models import Issuer
from issuer.services import api_keys, audit, identity, images
from issuer.services.signing_keys import new_signing_key
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError, UnprocessableError

#: Lower-case letters, digits and inner hyphens; it becomes a did:web path segment and a URL.
SLUG_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")

#: Profile fields that may be changed after creation.
PROFILE_FIELDS = (
    "name",
    "url",
    "email",
    "description",
    "logo_image",
    "primary_color",
    "accent_color",
    "signatory_name",
    "signatory_title",
    "signature_image",
    "certificate_layout",
)
#: The certificate's design: what ``check_design`` checks (the console's design page and
#: the API's ``branding`` both save through it).
DESIGN_FIELDS = (
    "primary_color",
    "accent_color",
    "signatory_name",
    "signatory_title",
    "signature_image",
    "certificate_layout",
)
_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
#: WCAG 2 AA: normal text needs 4.5:1 (the primary colour carries text).
TEXT_CONTRAST = 4.5
#: The accent only decorates (rules, dots: WCAG asks nothing of decoration); below this
#: it barely shows on white, which is worth a word but no refusal (the default, a gold
#: #f2a900, has 2.0:1).
FAINT_ACCENT = 1.5


def validate_slug(slug: str, *, field: str = "slug") -> str:
    if not isinstance(slug, str) or not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInputError(
            f"invalid slug {slug!r}: use 1-63 lower-case letters, digits and hyphens, "
            "starting and ending with a letter or digit",
            field=field,
        )
    return slug


@dataclass(frozen=True, slots=True)
class NewIssuer:
    issuer: Issuer
    api_key_token: str


def create_issuer(
    slug: str,
    *,
    name: str,
    base_url: str,
    passphrase: bytes,
    did_method: str = "web",
    actor: str = audit.CLI_ACTOR,
    profile: Mapping[str, Any] | None = None,
    api_key_name: str = "default",
) -> NewIssuer:
    """A provider with its first signing key, its DID and a first API key."""
    validate_slug(slug)
    if not name.strip():
        raise InvalidInputError("a training provider needs a name", field="name")
    if did_method not in ("web", "key"):
        raise InvalidInputError(f"unknown DID method {did_method!r}", field="did_method")
    if db.session.scalar(select(Issuer.id).where(Issuer.slug == slug)) is not None:
        raise ConflictError(f"a training provider with slug {slug!r} already exists", field="slug")
    key = Ed25519SigningKey.generate()
    if did_method == "web":
        did, fragment = did_web_for(base_url, "issuers", slug), "key-1"
    else:
        did, fragment = key.did_key, key.public_key_multibase
    issuer = Issuer(slug=slug, name=name.strip(), did=did, did_method=did_method)
    for field, value in (profile or {}).items():
        if field in PROFILE_FIELDS:
            setattr(issuer, field, value)
    db.session.add(issuer)
    new_signing_key(issuer, key, fragment=fragment, passphrase=passphrase)
    db.session.flush()
    audit.record(
        issuer.id, actor=actor, action="issuer.create", target_type="issuer", target_id=slug
    )
    new_key = api_keys.create_api_key(issuer, name=api_key_name, actor=actor)
    return NewIssuer(issuer=issuer, api_key_token=new_key.token)


def get_issuer(slug: str) -> Issuer:
    issuer = db.session.scalar(select(Issuer).where(Issuer.slug == slug))
    if issuer is None:
        raise NotFoundError(f"no training provider with slug {slug!r}")
    return issuer


def list_issuers() -> list[Issuer]:
    return list(db.session.scalars(select(Issuer).order_by(Issuer.slug)))


#: An e-mail address as the console's accounts check it (issuer.services.accounts).
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
#: What an IRI may not hold (RFC 3987): credentials carry the website as the issuer's url.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\x7f]')
_PROFILE_LIMITS = {"name": 200, "url": 500, "email": 254, "description": 10_000}


def check_profile(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The profile fields of ``changes`` trimmed and checked; blank optional ones become None.

    The name is required; the website is an http(s) URL that a credential can carry as an
    IRI; the contact address looks like an e-mail address. 422 names the first bad field.
    """
    checked: dict[str, Any] = {}
    for field, value in changes.items():
        if field not in _PROFILE_LIMITS:
            checked[field] = value
            continue
        text = value.strip() if isinstance(value, str) else ""
        if len(text) > _PROFILE_LIMITS[field]:
            raise InvalidInputError(
                f"at most {_PROFILE_LIMITS[field]} characters, please", field=field
            )
        if field == "name" and not text:
            raise InvalidInputError("a training provider needs a name", field=field)
        if (
            field == "url"
            and text
            and (not text.startswith(("https://", "http://")) or _NOT_IN_IRI.search(text))
        ):
            raise InvalidInputError(
                "enter a web address such as https://academy.example.org", field=field
            )
        if field == "email" and text and not _EMAIL.fullmatch(text):
            raise InvalidInputError("enter an e-mail address such as name@example.org", field=field)
        checked[field] = text or (None if field != "name" else text)
    return checked


def check_design(changes: Mapping[str, Any]) -> dict[str, Any]:
    """The design fields of ``changes`` checked (others pass through); 422 names the field.

    - Colours are ``#rgb`` or ``#rrggbb`` (stored lower-case ``#rrggbb``). The primary colour
      carries text on white (the provider's name, the certification) and white text on it
      (the "modern" layout's band), so it must reach 4.5:1 against white (WCAG AA).
      The accent only draws rules and dots (text in the accent is darkened to 4.5:1 when
      rendered), so it is not refused: :func:`design_warnings` says when it barely shows.
    - The signatory's name and title: at most 200 characters; blank becomes None.
    - The signature: a PNG or SVG ``data:`` URI through ``issuer.services.images`` (an SVG
      stored sanitised); a web address is refused, since certificates render offline.
    - The layout: one of ``LAYOUTS``; "classic" is stored as None (the default).
    """
    checked = dict(changes)
    for field in ("primary_color", "accent_color"):
        if field in changes:
            checked[field] = _checked_colour(changes[field], field=field)
    for field in ("signatory_name", "signatory_title"):
        if field in changes:
            value = changes[field]
            text = value.strip() if isinstance(value, str) else ""
            if len(text) > 200:
                raise UnprocessableError("at most 200 characters, please", field=field)
            checked[field] = text or None
    if changes.get("signature_image") is not None:
        value = changes["signature_image"]
        if not isinstance(value, str) or not value.startswith("data:"):
            raise UnprocessableError(
                "Upload the signature as a PNG or SVG image: certificates are drawn offline,"
                " so a web address cannot be used.",
                field="signature_image",
            )
        checked["signature_image"] = images.checked_image(value, field="signature_image")
    if "certificate_layout" in changes:
        layout = changes["certificate_layout"] or "classic"
        if layout not in LAYOUTS:
            raise UnprocessableError(
                f"Choose one of the layouts: {', '.join(LAYOUTS)}.", field="certificate_layout"
            )
        checked["certificate_layout"] = None if layout == "classic" else layout
    return checked


def _checked_colour(value: object, *, field: str) -> str | None:
    """``#rrggbb`` (lower case), None for blank; the primary colour must carry text."""
    if value is None or value == "":
        return None
    try:
        colour = check_colour(value, field=field)  # type: ignore[arg-type]
    except MicrocredError:
        raise UnprocessableError(
            "Enter a colour as #rrggbb, such as #1f4e79.", field=field
        ) from None
    if len(colour) == 4:
        colour = "#" + "".join(d * 2 for d in colour[1:])
    if field == "primary_color" and contrast_ratio(colour) < TEXT_CONTRAST:
        raise UnprocessableError(
            f"Text in {colour} on white has a contrast of {contrast_ratio(colour):.1f}:1;"
            f" WCAG AA asks for {TEXT_CONTRAST:g}:1. Choose a darker colour.",
            field=field,
        )
    return colour


def design_warnings(design: Mapping[str, Any]) -> list[str]:
    """Advice that does not stop a save: an accent so light it barely shows on white."""
    accent = design.get("accent_color")
    if not isinstance(accent, str) or not _COLOUR.fullmatch(accent):
        return []  # no colour, or one check_design refuses
    if contrast_ratio(accent) < FAINT_ACCENT:
        return [
            f"The accent {accent} has a contrast of {contrast_ratio(accent):.1f}:1 on white:"
            " its rules and dots will barely show. Text in the accent is darkened to 4.5:1"
            " when the certificate is drawn."
        ]
    return []


def update_profile(
    issuer: Issuer, changes: Mapping[str, Any], *, actor: str, ip: str | None = None
) -> Issuer:
    """Save the profile and design fields of ``changes``; the design fields are checked here
    (:func:`check_design`), so the API's ``branding`` and the console keep one rule."""
    changes = check_design(changes)
    changed = {}
    for field, value in changes.items():
        if field in PROFILE_FIELDS and getattr(issuer, field) != value:
            setattr(issuer, field, value)
            changed[field] = value
    if "name" in changed:
        # A confirmed identity was confirmed for the old name (issuer.services.identity).
        identity.withdraw(issuer, actor=actor, reason="name changed")
    if changed:
        audit.record(
            issuer.id,
            actor=actor,
            action="issuer.update",
            target_type="issuer",
            target_id=issuer.slug,
            ip=ip,
            fields=sorted(changed),
        )
    return issuer
