"""Training providers (issuers): creation with a first key, DID and API key; look-up."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from credentials.did import did_web_for
from credentials.errors import InvalidInputError
from credentials.keys import Ed25519SigningKey
from issuer.models import Issuer
from issuer.services import api_keys, audit, identity
from issuer.services.signing_keys import new_signing_key
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError

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
)


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


def update_profile(
    issuer: Issuer, changes: Mapping[str, Any], *, actor: str, ip: str | None = None
) -> Issuer:
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
