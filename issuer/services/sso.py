"""Signing in to the console with the organisation's own OpenID Connect provider.

An owner configures the provider (``save``): its issuer URL, whose discovery document
(``/.well-known/openid-configuration``) names the endpoints, the client id and secret
registered there, the e-mail domains that may join on first sign-in, the role they get
(viewer or issuer, never owner) and whether the organisation's members must use it
("require SSO": password sign-in is refused for them, owners excepted, so an owner can
never be locked out by a broken provider).

The flow (``begin`` / ``finish``) is the authorization code flow with PKCE (S256), a
random ``state`` and ``nonce`` kept in the console session. The ID token is checked with
the provider's JWKS (signature, RS256/ES256/PS256/EdDSA only), ``iss``, ``aud`` (and
``azp`` when several audiences), ``exp``, ``iat``, ``nonce``, and ``email_verified`` must
be true. No network here: the caller passes the fetcher (``Fetch`` / ``Post``), which is
the SSRF-guarded ``verifier.http.SafeFetcher``, and fetches before any transaction opens.

The client secret is stored encrypted (AES-256-GCM under a key derived with HKDF-SHA256
from MICROCRED_KEY_PASSPHRASE, bound to the provider's id), so a copy of the database
alone does not reveal it; it is never shown again once saved.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select

from credentials.errors import MicrocredError
from issuer.models import Issuer, Membership, OidcProvider, User
from issuer.services import accounts, audit, passwords
from microcred.platform.extensions import db
from microcred.platform.refusals import ForbiddenError, InvalidInputError, NotFoundError
from microcred.platform.tokens import same_secret

#: GET a URL, return its JSON object (raises ResolutionError naming the URL).
Fetch = Callable[[str], Mapping[str, Any]]
#: POST form fields to a URL, return its JSON object.
Post = Callable[[str, Mapping[str, str]], Mapping[str, Any]]

SSO_ROLES = ("viewer", "issuer")
ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
LEEWAY_SECONDS = 60
_SECRET_PREFIX = "v1."  # noqa: S105 - a format marker, not a secret


class SignInRefusedError(ForbiddenError):
    """The provider's answer was not a valid sign-in (400: nothing was created)."""

    http_status = 400


# --- settings ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    issuer_url: str
    client_id: str
    client_secret: str  # empty: keep the stored one
    allowed_domains: tuple[str, ...]
    default_role: str
    require_sso: bool


@dataclass(frozen=True, slots=True)
class Endpoints:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def settings_of(issuer: Issuer) -> OidcProvider | None:
    return db.session.scalar(select(OidcProvider).where(OidcProvider.issuer_id == issuer.id))


def _https(url: str, field: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.fragment:
        raise InvalidInputError(f"enter an https address ({url or 'empty'})", field=field)
    return url


def check_settings(
    *,
    issuer_url: str,
    client_id: str,
    client_secret: str,
    allowed_domains: str,
    default_role: str,
    require_sso: bool,
    existing: OidcProvider | None,
) -> Settings:
    """The form's values, checked and normalised (each refusal names its field)."""
    url = _https((issuer_url or "").strip().rstrip("/"), "issuer_url")
    if not (client_id or "").strip():
        raise InvalidInputError("enter the client id the provider gave you", field="client_id")
    if not client_secret and existing is None:
        raise InvalidInputError(
            "enter the client secret the provider gave you", field="client_secret"
        )
    domains = []
    for raw in (allowed_domains or "").replace(",", " ").split():
        domain = raw.strip().lower().lstrip("@")
        labels = domain.split(".")
        if len(labels) < 2 or not all(
            label and len(label) <= 63 and label.replace("-", "").isalnum() for label in labels
        ):
            raise InvalidInputError(
                f"{raw!r} is not a domain such as example.org", field="allowed_domains"
            )
        domains.append(domain)
    if default_role not in SSO_ROLES:
        raise InvalidInputError(
            "new members join as viewer or issuer (an owner is made by an owner)",
            field="default_role",
        )
    return Settings(
        issuer_url=url,
        client_id=client_id.strip(),
        client_secret=client_secret or "",
        allowed_domains=tuple(dict.fromkeys(domains)),
        default_role=default_role,
        require_sso=bool(require_sso),
    )


def discover(issuer_url: str, fetch: Fetch) -> Endpoints:
    """Read the provider's discovery document (OpenID Connect Discovery 1.0, section 4);
    its ``issuer`` must be the URL it was fetched for (section 4.3)."""
    url = f"{issuer_url}/.well-known/openid-configuration"
    try:
        document = fetch(url)
    except MicrocredError as exc:
        raise InvalidInputError(
            f"the discovery document could not be read: {exc.message}", field="issuer_url"
        ) from None
    if str(document.get("issuer", "")).rstrip("/") != issuer_url:
        raise InvalidInputError(
            f"the discovery document at {url} names another issuer ({document.get('issuer')!r})",
            field="issuer_url",
        )
    found = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str):
            raise InvalidInputError(f"the discovery document has no {name}", field="issuer_url")
        found[name] = _https(value, "issuer_url")
    methods = document.get("token_endpoint_auth_methods_supported")
    if isinstance(methods, list) and "client_secret_post" not in methods:
        raise InvalidInputError(
            "the provider does not accept client_secret_post at its token endpoint",
            field="issuer_url",
        )
    return Endpoints(issuer=str(document["issuer"]), **found)


def _key(passphrase: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"microcred oidc client secret"
    ).derive(passphrase)


def _aad(issuer_id: int) -> bytes:
    return f"oidc-client-secret:{issuer_id}".encode()


def seal_secret(secret: str, issuer_id: int, passphrase: bytes) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_key(passphrase)).encrypt(nonce, secret.encode(), _aad(issuer_id))
    return _SECRET_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def open_secret(stored: str, issuer_id: int, passphrase: bytes) -> str:
    raw = base64.urlsafe_b64decode(stored.removeprefix(_SECRET_PREFIX))
    try:
        return AESGCM(_key(passphrase)).decrypt(raw[:12], raw[12:], _aad(issuer_id)).decode()
    except InvalidTag:
        raise SignInRefusedError(
            "the stored client secret cannot be read (was MICROCRED_KEY_PASSPHRASE changed?); "
            "an owner must enter it again"
        ) from None


def save(
    issuer: Issuer,
    settings: Settings,
    endpoints: Endpoints,
    *,
    passphrase: bytes,
    by: User,
    ip: str | None = None,
) -> OidcProvider:
    row = settings_of(issuer)
    if row is None:
        row = OidcProvider(issuer_id=issuer.id)
        db.session.add(row)
    row.issuer_url = endpoints.issuer
    row.client_id = settings.client_id
    if settings.client_secret:
        row.client_secret = seal_secret(settings.client_secret, issuer.id, passphrase)
    row.authorization_endpoint = endpoints.authorization_endpoint
    row.token_endpoint = endpoints.token_endpoint
    row.jwks_uri = endpoints.jwks_uri
    row.allowed_domains = " ".join(settings.allowed_domains)
    row.default_role = settings.default_role
    row.require_sso = settings.require_sso
    audit.record(
        issuer.id,
        actor=accounts.actor_of(by),
        action="sso.configure",
        target_type="oidc_provider",
        target_id=endpoints.issuer,
        ip=ip,
        domains=row.allowed_domains,
        default_role=row.default_role,
        require_sso=row.require_sso,
        secret_changed=bool(settings.client_secret),
    )
    return row


def remove(issuer: Issuer, *, by: User, ip: str | None = None) -> None:
    row = settings_of(issuer)
    if row is None:
        raise NotFoundError("single sign-on is not configured")
    db.session.delete(row)
    audit.record(
        issuer.id,
        actor=accounts.actor_of(by),
        action="sso.remove",
        target_type="oidc_provider",
        target_id=row.issuer_url,
        ip=ip,
    )


def password_allowed(membership: Membership) -> bool:
    """May this membership be used after a password sign-in? Not when its organisation
    requires single sign-on, unless it is an owner's (owners are never locked out)."""
    if membership.role == "owner":
        return True
    row = db.session.scalar(
        select(OidcProvider.require_sso).where(OidcProvider.issuer_id == membership.issuer_id)
    )
    return not row


# --- the sign-in flow -----------------------------------------------------------------------


def find(organisation: str) -> tuple[Issuer, OidcProvider]:
    """The organisation named by its short name or one of its allowed e-mail domains."""
    value = (organisation or "").strip().lower().rsplit("@", 1)[-1]
    refused = NotFoundError(
        "no organisation with this short name or e-mail domain signs in with its own provider here",
        field="organisation",
    )
    if not value:
        raise refused
    issuer = db.session.scalar(select(Issuer).where(Issuer.slug == value))
    if issuer is not None:
        row = settings_of(issuer)
        if row is None:
            raise refused
        return issuer, row
    for row in db.session.scalars(
        select(OidcProvider).where(OidcProvider.allowed_domains.contains(value, autoescape=True))
    ):
        if value in row.domains:
            found = db.session.get(Issuer, row.issuer_id)
            if found is not None:
                return found, row
    raise refused


@dataclass(frozen=True, slots=True)
class Started:
    url: str
    #: What the console session keeps until the callback (never sent to the provider
    #: except ``state`` and ``nonce``; the verifier only to the token endpoint).
    pending: dict[str, Any]


def begin(issuer: Issuer, row: OidcProvider, redirect_uri: str) -> Started:
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": row.client_id,
            "redirect_uri": redirect_uri,
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
    )
    separator = "&" if "?" in row.authorization_endpoint else "?"
    return Started(
        url=f"{row.authorization_endpoint}{separator}{query}",
        pending={
            "state": state,
            "nonce": nonce,
            "verifier": verifier,
            "issuer_id": issuer.id,
            "provider": row.issuer_url,
        },
    )


def check_callback(pending: object, args: Mapping[str, str]) -> dict[str, Any]:
    """The callback's query against what ``begin`` kept: the provider's error, a missing
    or another state (a forged or replayed callback) are refused here."""
    if "error" in args:
        description = args.get("error_description") or args["error"]
        raise SignInRefusedError(f"your organisation's provider refused the sign-in: {description}")
    if not isinstance(pending, dict) or not isinstance(pending.get("state"), str):
        raise SignInRefusedError(
            "no sign-in with your organisation was in progress in this browser (it was "
            "finished already, or it was started elsewhere); start again"
        )
    if not same_secret(str(args.get("state", "")), str(pending["state"])):
        raise SignInRefusedError("the answer does not belong to this sign-in (state differs)")
    if not args.get("code"):
        raise SignInRefusedError("your organisation's provider sent no authorization code")
    return pending


def exchange(
    row: OidcProvider,
    code: str,
    pending: Mapping[str, Any],
    redirect_uri: str,
    *,
    passphrase: bytes,
    post: Post,
    fetch: Fetch,
) -> dict[str, Any]:
    """Trade the code for an ID token and return its verified claims (no database write;
    the caller calls this outside any transaction)."""
    if row.issuer_url != pending.get("provider"):
        raise SignInRefusedError(
            "the organisation's provider changed during the sign-in; start again"
        )
    try:
        answer = post(
            row.token_endpoint,
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": row.client_id,
                "client_secret": open_secret(row.client_secret, row.issuer_id, passphrase),
                "code_verifier": str(pending["verifier"]),
            },
        )
    except MicrocredError as exc:
        if isinstance(exc, SignInRefusedError):
            raise
        raise SignInRefusedError(
            f"your organisation's provider did not accept the code: {exc.message}"
        ) from None
    token = answer.get("id_token")
    if not isinstance(token, str):
        raise SignInRefusedError("your organisation's provider sent no ID token")
    try:
        keys = KeySet.import_key_set(dict(fetch(row.jwks_uri)))  # type: ignore[arg-type]
    except (MicrocredError, JoseError, ValueError, TypeError) as exc:
        raise SignInRefusedError(f"the provider's signing keys could not be read ({exc})") from None
    return verify_id_token(token, keys, row, str(pending["nonce"]))


def verify_id_token(token: str, keys: KeySet, row: OidcProvider, nonce: str) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, keys, algorithms=list(ALGORITHMS))
    except (JoseError, ValueError) as exc:
        raise SignInRefusedError(f"the ID token's signature does not verify ({exc})") from None
    claims = dict(decoded.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": row.issuer_url},
        aud={"essential": True, "value": row.client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        raise SignInRefusedError(f"the ID token is not valid for this sign-in ({exc})") from None
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != row.client_id:
        raise SignInRefusedError("the ID token was issued to another client (azp)")
    if claims.get("email_verified") is not True:
        raise SignInRefusedError(
            "your organisation's provider did not confirm your e-mail address "
            "(email_verified is not true)"
        )
    try:
        claims["email"] = accounts.normalize_email(str(claims.get("email") or ""))
    except InvalidInputError:
        raise SignInRefusedError("the ID token carries no usable e-mail address") from None
    return claims


def admit(
    issuer: Issuer, row: OidcProvider, claims: Mapping[str, Any], *, ip: str | None = None
) -> tuple[User, Membership]:
    """The member the verified claims name: their membership of ``issuer``, or a new one
    (and a new account) with the default role when the e-mail's domain is allowed."""
    email = str(claims["email"])
    user = accounts.find_user(email)
    member = accounts.membership(user.id, issuer.id) if user is not None else None
    if member is None:
        domain = email.rsplit("@", 1)[1]
        if domain not in row.domains:
            raise ForbiddenError(
                f"{email} is not a member of {issuer.name}, and addresses at {domain} may not "
                "join by signing in; ask an owner to invite you"
            )
        if user is None:
            name = str(claims.get("name") or email.split("@", maxsplit=1)[0])[:200]
            # No password: it is chosen later by "forgotten password", if ever.
            user = User(
                email=email,
                name=name.strip() or email,
                password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
            )
            db.session.add(user)
            db.session.flush()
        member = Membership(user_id=user.id, issuer_id=issuer.id, role=row.default_role)
        db.session.add(member)
        db.session.flush()
        audit.record(
            issuer.id,
            actor=accounts.actor_of(user),
            action="member.join_sso",
            target_type="user",
            target_id=user.id,
            ip=ip,
            role=row.default_role,
        )
    if user is None:  # pragma: no cover - found or made above
        raise NotFoundError("no such user")
    subject = hashlib.sha256(f"{row.issuer_url} {claims.get('sub')}".encode()).hexdigest()[:16]
    audit.record(
        issuer.id,
        actor=accounts.actor_of(user),
        action="user.sign_in_sso",
        target_type="user",
        target_id=user.id,
        ip=ip,
        subject=subject,
    )
    return user, member
