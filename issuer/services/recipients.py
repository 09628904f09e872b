"""The freelancer's side (issue 14, item 2): claim links, recipient accounts, sign-in by
e-mail link (or a password the freelancer added), and the visibility of each credential.

Every link is a random 256-bit token (``secrets.token_urlsafe(32)``: 43 characters) of which
only the SHA-256 is stored, used once (``used_at``) and only before ``expires_at``. A claim
link names one credential and the address it was sent to; using it proves that address,
so the account it signs in is the one keyed by that address. A sign-in link proves the
same for an address someone typed: it is only made (and mailed) for an address that has
an account or a credential here, and the page that asks for it answers the same either
way (no account enumeration).

The account sees every credential issued here to its address, by every provider (all
``Freelancer`` rows with that e-mail), and sets each one's visibility (``VISIBILITIES``).
A credential of another address is refused as unknown (404), whoever asks. Wallet copies
(``IssuedCredential.wallet_copy_of``: the same award re-issued to the holder's DID) are
not credentials of their own here: the account lists and chooses for the original, and
every copy follows its original's choice on the public pages (``hidden_clause``).

Services speak no HTTP (the ``services-speak-no-http`` contract): the views map refusals.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Exists, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from credentials.errors import InvalidInputError
from issuer.models import (
    VISIBILITIES,
    CredentialChoice,
    Freelancer,
    IssuedCredential,
    Issuer,
    MicroCertification,
    RecipientAccount,
    RecipientLink,
    RecipientSession,
)
from issuer.services import events, passwords
from issuer.services.privacy import Erasure
from microcred.platform.db import utcnow
from microcred.platform.extensions import db
from microcred.platform.refusals import NotFoundError

__all__ = [
    "CLAIM_LIFETIME",
    "SIGNIN_LIFETIME",
    "ClaimPreview",
    "Claimed",
    "Holding",
    "LinkGoneError",
    "certification_name",
    "check_signin_link",
    "claim",
    "claim_preview",
    "create_claim_link",
    "holdings",
    "is_hidden",
    "owned_credential",
    "profile_handles",
    "request_signin",
    "set_password",
    "set_visibility",
    "sign_in_with_link",
    "sign_in_with_password",
]

CLAIM_LIFETIME: Final = timedelta(days=30)
SIGNIN_LIFETIME: Final = timedelta(minutes=15)
#: What ``secrets.token_urlsafe(32)`` makes; anything else is refused before a look-up.
TOKEN_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{43}")
EMAIL_SHAPE: Final = re.compile(r"[^@\s]{1,64}@[^@\s]{1,253}")
_UNKNOWN: Final = "this link is not known: check that it was copied whole from the e-mail"


class LinkGoneError(NotFoundError):
    """A link that existed but can no longer be used (already used, or expired): 410."""

    http_status = 410
    code = "link_gone"


@dataclass(frozen=True, slots=True)
class ClaimPreview:
    """What a claim link's page shows before the holder presses the button."""

    certification: str
    provider: str
    recipient: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Claimed:
    account: RecipientAccount
    credential: IssuedCredential
    #: True the first time this credential was claimed (``credential.claimed`` published).
    first: bool


@dataclass(frozen=True, slots=True)
class Holding:
    """One credential of an account, as its page lists it."""

    credential: IssuedCredential
    certification: str
    provider: str
    recipient: str
    state: str  # active / revoked / suspended / expired
    visibility: str  # VISIBILITIES
    #: Wallet copies of this credential delivered to a wallet and not revoked (fl-wallet).
    wallet_copies: int = 0


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not EMAIL_SHAPE.fullmatch(value):
        raise InvalidInputError("enter an e-mail address such as name@example.com", field="email")
    return value


def _new_link(purpose: str, email: str, lifetime: timedelta, credential_id: str | None) -> str:
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        RecipientLink(
            token_hash=token_hash(token),
            purpose=purpose,
            email=email,
            credential_id=credential_id,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _live_link(token: str, purpose: str, *, now: datetime | None = None) -> RecipientLink:
    """The usable link; 400 malformed, 404 unknown, 410 used or expired."""
    if not isinstance(token, str) or not TOKEN_SHAPE.fullmatch(token):
        raise InvalidInputError(
            "this link is malformed: it was cut or changed on the way; open it again from "
            "the e-mail",
            field="token",
            code="malformed_link",
        )
    row: RecipientLink | None = db.session.scalar(
        select(RecipientLink).where(
            RecipientLink.token_hash == token_hash(token), RecipientLink.purpose == purpose
        )
    )
    if row is None:
        raise NotFoundError(_UNKNOWN, code="unknown_link")
    if row.used_at is not None:
        raise LinkGoneError("this link was used already: each link works once; sign in instead")
    if row.expires_at <= (now or utcnow()):
        raise LinkGoneError("this link has expired: sign in with your e-mail address for a new one")
    return row


# --- claim links ---


def create_claim_link(credential_id: str, *, base_url: str) -> str:
    """A new claim link for the credential's recipient, as an absolute URL. Adds a row to
    the current session; the caller commits (``app.extensions["microcred.claim_links"]``)."""
    row = db.session.execute(
        select(IssuedCredential.id, Freelancer.email)
        .join(Freelancer, IssuedCredential.freelancer_id == Freelancer.id)
        .where(IssuedCredential.id == credential_id)
    ).one_or_none()
    if row is None:
        # The VC API's credentials have no Freelancer row: nobody to claim them.
        raise NotFoundError(f"no credential {credential_id} with a recipient to claim it")
    token = _new_link("claim", row.email, CLAIM_LIFETIME, row.id)
    return f"{base_url.rstrip('/')}/claim/{token}"


def _load_credential(credential_id: str) -> IssuedCredential:
    issued: IssuedCredential | None = db.session.scalar(
        select(IssuedCredential)
        .where(IssuedCredential.id == credential_id)
        .options(
            joinedload(IssuedCredential.freelancer),
            joinedload(IssuedCredential.issuer).defer(Issuer.logo_image),
            joinedload(IssuedCredential.certification).defer(MicroCertification.image),
        )
    )
    if issued is None:
        raise NotFoundError(_UNKNOWN, code="unknown_link")
    return issued


def certification_name(issued: IssuedCredential) -> str:
    return issued.certification.name if issued.certification is not None else "Credential"


def claim_preview(token: str) -> ClaimPreview:
    """What the claim page shows (GET): nothing is changed, so a mail scanner's prefetch
    cannot use the link."""
    link = _live_link(token, "claim")
    issued = _load_credential(str(link.credential_id))
    return ClaimPreview(
        certification=certification_name(issued),
        provider=issued.issuer.name,
        recipient=issued.freelancer.name if issued.freelancer else "",
        issued_at=issued.issued_at,
        expires_at=link.expires_at,
    )


def _account_for(email: str) -> RecipientAccount:
    account = db.session.scalar(select(RecipientAccount).where(RecipientAccount.email == email))
    if account is None:
        account = RecipientAccount(email=email, created_at=utcnow())
        db.session.add(account)
        db.session.flush()
    return account


def claim(token: str) -> Claimed:
    """Use a claim link (POST): mark it used, find or open the account of the address it
    was sent to, and record the claim; ``credential.claimed`` is published the first time
    only (after the commit)."""
    link = _live_link(token, "claim")
    now = utcnow()
    link.used_at = now
    issued = _load_credential(str(link.credential_id))
    account = _account_for(link.email)
    account.signed_in_at = now
    choice = db.session.get(CredentialChoice, issued.id)
    if choice is None:
        choice = CredentialChoice(credential_id=issued.id, visibility="public")
        db.session.add(choice)
    first = choice.claimed_at is None
    if first:
        choice.claimed_at = now
        choice.account_id = account.id
        events.publish(
            events.Event(
                "credential.claimed",
                issued.issuer_id,
                issued.id,
                data={"freelancerId": issued.freelancer_id},
            )
        )
    return Claimed(account=account, credential=issued, first=first)


# --- signing in ---


def request_signin(email: str) -> tuple[str, str] | None:
    """(address, token) of a new sign-in link when the address has an account or a
    credential here, else None; the caller mails it and answers the same either way."""
    address = normalise_email(email)
    known = db.session.scalar(
        select(
            or_(
                exists().where(RecipientAccount.email == address),
                exists().where(Freelancer.email == address),
            )
        )
    )
    if not known:
        return None
    return address, _new_link("signin", address, SIGNIN_LIFETIME, None)


def check_signin_link(token: str) -> None:
    """Refuse (400/404/410) a sign-in link that cannot be used, without using it."""
    _live_link(token, "signin")


def sign_in_with_link(token: str) -> RecipientAccount:
    """Use a sign-in link once: the account of its address (opened now if new)."""
    link = _live_link(token, "signin")
    link.used_at = utcnow()
    account = _account_for(link.email)
    account.signed_in_at = link.used_at
    return account


def sign_in_with_password(email: str, password: str) -> RecipientAccount | None:
    """The account when the password matches; None otherwise, in the same time whether
    or not the address has an account or a password (a dummy hash is checked)."""
    try:
        address = normalise_email(email)
    except InvalidInputError:
        passwords.verify_password(None, password or "")
        return None
    account: RecipientAccount | None = db.session.scalar(
        select(RecipientAccount).where(RecipientAccount.email == address)
    )
    stored = account.password_hash if account is not None else None
    if not passwords.verify_password(stored, password or "") or account is None:
        return None
    account.signed_in_at = utcnow()
    return account


def set_password(account: RecipientAccount, password: str | None) -> None:
    """Add or change the optional password; None or "" removes it (links only)."""
    if not password:
        account.password_hash = None
        return
    account.password_hash = passwords.hash_password(passwords.check_new_password(password))


# --- the credentials of an account ---


def _state(issued: IssuedCredential, now: datetime) -> str:
    if issued.revoked_at is not None:
        return "revoked"
    if issued.suspended:
        return "suspended"
    if issued.valid_until is not None and issued.valid_until <= now:
        return "expired"
    return "active"


def _owned(account: RecipientAccount) -> Any:
    """The WHERE of the account's credentials: issued to its address, wallet copies
    excluded (a copy is its original's, chosen and listed through it)."""
    return and_(Freelancer.email == account.email, IssuedCredential.wallet_copy_of.is_(None))


def _live_copies() -> Any:
    """How many wallet copies of the outer row's credential are not revoked (a scalar
    subquery on ``ix_issued_credentials_wallet_copy_of``)."""
    copy = aliased(IssuedCredential)
    return (
        select(func.count())
        .where(copy.wallet_copy_of == IssuedCredential.id, copy.revoked_at.is_(None))
        .correlate(IssuedCredential)
        .scalar_subquery()
    )


def holdings(account: RecipientAccount) -> list[Holding]:
    """Every credential issued here to the account's address, by every provider, newest
    first, with its state, visibility and wallet copies (one query). Wallet copies are not
    listed: each is counted under its original."""
    rows = db.session.execute(
        select(IssuedCredential, CredentialChoice.visibility, _live_copies())
        .join(Freelancer, IssuedCredential.freelancer_id == Freelancer.id)
        .outerjoin(CredentialChoice, CredentialChoice.credential_id == IssuedCredential.id)
        .where(_owned(account))
        .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
        .options(
            joinedload(IssuedCredential.freelancer),
            joinedload(IssuedCredential.issuer).defer(Issuer.logo_image),
            joinedload(IssuedCredential.certification).defer(MicroCertification.image),
        )
    ).all()
    now = utcnow()
    return [
        Holding(
            credential=issued,
            certification=certification_name(issued),
            provider=issued.issuer.name,
            recipient=issued.freelancer.name if issued.freelancer else "",
            state=_state(issued, now),
            visibility=visibility or "public",
            wallet_copies=int(copies or 0),
        )
        for issued, visibility, copies in rows
    ]


def owned_credential(account: RecipientAccount, credential_id: str) -> IssuedCredential:
    """One of the account's credentials (not a wallet copy). A credential of another
    address, a copy, an erased or unknown one is answered alike (404): an account cannot
    even learn that it exists."""
    owned: IssuedCredential | None = db.session.scalar(
        select(IssuedCredential)
        .join(Freelancer, IssuedCredential.freelancer_id == Freelancer.id)
        .where(IssuedCredential.id == credential_id, _owned(account))
    )
    if owned is None:
        raise NotFoundError("none of your credentials has this id", field="credential")
    return owned


def set_visibility(account: RecipientAccount, credential_id: str, visibility: str) -> None:
    """Set one credential's visibility. A credential of another address is answered as an
    unknown one (404): an account cannot even learn that it exists."""
    if visibility not in VISIBILITIES:
        raise InvalidInputError(
            f"visibility is one of {', '.join(VISIBILITIES)}", field="visibility"
        )
    owned = owned_credential(account, credential_id).id
    choice = db.session.get(CredentialChoice, owned)
    if choice is None:
        choice = CredentialChoice(credential_id=owned, account_id=account.id)
        db.session.add(choice)
    choice.account_id = account.id
    choice.visibility = visibility


def profile_handles(account: RecipientAccount) -> list[str]:
    """The public profiles (/p/<handle>) the providers opened for this address."""
    return list(
        db.session.scalars(
            select(Freelancer.handle)
            .where(
                Freelancer.email == account.email,
                Freelancer.profile_public,
                Freelancer.handle.is_not(None),
            )
            .order_by(Freelancer.handle)
        )
    )


# --- what the public pages ask ---


def hidden_clause() -> Exists:
    """``IssuedCredential`` rows the holder hid (for the public look-ups' WHERE). A wallet
    copy follows its original's choice: the choice looked up is ``wallet_copy_of``'s when
    set (still one primary-key probe of ``credential_choices``)."""
    chosen_for = func.coalesce(IssuedCredential.wallet_copy_of, IssuedCredential.id)
    return exists().where(
        and_(
            CredentialChoice.credential_id == chosen_for,
            CredentialChoice.visibility == "hidden",
        )
    )


def is_hidden(credential_id: str) -> bool:
    """Whether the holder hid this credential (a copy: its original)."""
    statement = select(IssuedCredential.id).where(
        IssuedCredential.id == credential_id, hidden_clause()
    )
    return db.session.scalar(statement) is not None


# --- privacy: the account, its links and choices are personal data too -----------------------


def export_for(email: str, freelancer_ids: Sequence[str]) -> dict[str, Any] | None:
    """The account held for ``email`` (privacy export): when it was made and last used,
    whether it has a password (never the hash), and what was chosen per credential."""
    account = db.session.scalar(select(RecipientAccount).where(RecipientAccount.email == email))
    if account is None:
        return None
    choices = db.session.scalars(
        select(CredentialChoice).where(CredentialChoice.account_id == account.id)
    )
    return {
        "email": account.email,
        "createdAt": account.created_at.isoformat(),
        "signedInAt": account.signed_in_at.isoformat() if account.signed_in_at else None,
        "hasPassword": account.password_hash is not None,
        "language": account.language,
        "choices": [
            {
                "credential": c.credential_id,
                "visibility": c.visibility,
                "claimedAt": c.claimed_at.isoformat() if c.claimed_at else None,
            }
            for c in choices
        ],
    }


def erase_for(erasure: Erasure) -> None:
    """Drop the links sent to the address and the choices about the erased credentials;
    the account itself (and its sessions) once no provider holds the address any more."""
    db.session.execute(delete(RecipientLink).where(RecipientLink.email == erasure.email))
    if erasure.credential_ids:
        db.session.execute(
            delete(CredentialChoice).where(
                CredentialChoice.credential_id.in_(erasure.credential_ids)
            )
        )
    if not erasure.everywhere:
        return
    account_id = db.session.scalar(
        select(RecipientAccount.id).where(RecipientAccount.email == erasure.email)
    )
    if account_id is None:
        return
    db.session.execute(delete(RecipientSession).where(RecipientSession.account_id == account_id))
    db.session.execute(
        update(CredentialChoice)
        .where(CredentialChoice.account_id == account_id)
        .values(account_id=None)
    )
    db.session.execute(delete(RecipientAccount).where(RecipientAccount.id == account_id))


# --- i18n2: the account's language (issue 14, item 7) ---


def remember_language(account_id: int, language: str) -> None:
    """Record the language the account pages were read in at a claim or sign-in: mail to
    this address goes in it. The caller commits; an unchanged language writes nothing."""
    account = db.session.get(RecipientAccount, account_id)
    if account is not None and account.language != language:
        account.language = language


def language_of(email: str) -> str | None:
    """The language recorded for the account of ``email``, None without one."""
    found: str | None = db.session.scalar(
        select(RecipientAccount.language).where(RecipientAccount.email == email.strip().lower())
    )
    return found


# --- end i18n2 ---
