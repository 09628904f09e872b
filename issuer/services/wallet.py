"""Wallet delivery: offer an issued credential to a holder's wallet, and issue it to the
holder's DID once the wallet proves control of it.

One offer, two protocols (docs/RECIPIENTS.md, "Wallets"):

- **VC API exchange** (w3c/vcalm "Workflows and Exchanges", as the Learner Credential
  Wallet speaks it): ``POST {}`` to the exchange URL answers a
  ``verifiablePresentationRequest`` for ``DIDAuthentication`` with a ``challenge`` and a
  ``domain``; the wallet ``POST``s a presentation signed with its DID's key
  (``proofPurpose`` authentication, that challenge, that domain) and gets
  ``{"verifiablePresentation": {..., "verifiableCredential": [the new credential]}}``.
- **OpenID for Verifiable Credential Issuance 1.0**, pre-authorized code flow, format
  ``ldp_vc``: credential offer, token, nonce and credential endpoints
  (``issuer.services.wallet_oid4vci``).

Secrets: the offer's token (a 256-bit random value) is in every URL of the offer; only its
SHA-256 is stored. The DID Authentication challenge and the pre-authorized code are
HMACs of the token under the app's ``SECRET_KEY``: the offer page can show them again
(the deep links carry them) without storing them, and nobody can compute them without
the token. An offer expires (``OFFER_LIFETIME``) and is spent by the first credential it
delivers; a second delivery, a replayed presentation or code is refused (409) and issues
nothing.

The delivered credential is a *wallet copy*: a new credential for the same freelancer and
certification, with ``credentialSubject.id`` the holder's DID, the same ``validFrom`` /
``validUntil``, new status list entries, signed by the provider's active key now, and
``IssuedCredential.wallet_copy_of`` naming the original. It is not checked against the
"already holds one" rule (the holder does hold one: this is the same award, bound to a
key). Revoking the original revokes its copies (``issuer.services.credentials.revoke``).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from sqlalchemy import select

from credentials.did import DidKeyResolver
from credentials.errors import InvalidInputError, MicrocredError
from credentials.presentations import verify_presentation
from credentials.results import VerificationResult
from issuer.models import CredentialEvidence, IssuedCredential, WalletOffer
from issuer.services import audit
from issuer.services.credentials import credential_status
from issuer.services.issuance import record_event, sign_and_store
from issuer.services.issuance_rows import Row
from issuer.services.signers import active_signer
from issuer.services.status_lists import IndexAllocator, list_cache
from microcred.platform.context import app_config, running_app
from microcred.platform.extensions import db
from microcred.platform.refusals import ConflictError, NotFoundError
from microcred.platform.tokens import same_secret

__all__ = [
    "OFFER_LIFETIME",
    "ExpiredOfferError",
    "Offer",
    "WalletLinks",
    "complete_exchange",
    "create_offer",
    "exchange_domain",
    "issue_copy",
    "links_for",
    "offer_by_token",
    "presentation_request",
    "token_hash",
]

#: How long an offer can be taken up (a QR code shown to a freelancer, a link e-mailed).
OFFER_LIFETIME = timedelta(hours=24)
#: The VC API workflow of wallet delivery: exchanges live at
#: ``/workflows/wallet-delivery/exchanges/<token>`` (w3c/vcalm's URL shape).
WORKFLOW_ID = "wallet-delivery"
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: A presentation or proof JWT larger than this is refused before any parsing work.
MAX_PRESENTATION_CHARS = 64_000


class ExpiredOfferError(MicrocredError):
    """The offer's time ran out: ask the provider (or your account page) for a new one."""

    code = "offer_expired"
    http_status = 410


@dataclass(frozen=True, slots=True)
class WalletLinks:
    """Every address of one offer, built from its token (never stored)."""

    page: str
    exchange: str
    credential_offer_uri: str
    #: ``openid-credential-offer://?credential_offer_uri=…`` (by reference: a short QR).
    openid_offer: str
    #: ``openid-credential-offer://?credential_offer=…`` (by value).
    openid_offer_by_value: str
    #: The Learner Credential Wallet's deep link (``lcw.app/request.html``: issuer,
    #: auth_type, challenge, vc_request_url), as DCC's exchangers emit it.
    lcw: str
    #: The newer form: ``lcw.app/request?request={"credentialRequestOrigin", "protocols"}``.
    lcw_request: str
    challenge: str
    pre_authorized_code: str


@dataclass(frozen=True, slots=True)
class Offer:
    """A new offer: its id, its secret token (shown once, in ``links``) and expiry."""

    id: str
    token: str
    credential_id: str
    expires_at: datetime
    links: WalletLinks


# --- secrets ---------------------------------------------------------------------------------


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _derived(token: str, purpose: str) -> str:
    key = str(app_config()["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"microcred wallet {purpose}:{token}".encode(), hashlib.sha256)
    return digest.hexdigest()


def challenge_for(token: str) -> str:
    return _derived(token, "challenge")


def pre_authorized_code_for(token: str) -> str:
    return _derived(token, "pre-authorized_code")


# --- offers ----------------------------------------------------------------------------------


def create_offer(
    credential_id: str, *, actor: str = "system", lifetime: timedelta = OFFER_LIFETIME
) -> Offer:
    """A new single-use, expiring offer of the credential ``credential_id`` (its UUID).

    The caller has decided that ``actor`` may offer it (a console member of its provider,
    the signed-in freelancer who holds it) and owns the write transaction. Refused: an
    unknown credential (404), a revoked, suspended, expired or erased one, a wallet copy,
    and a credential written through the VC API (no freelancer or certification) (409).
    """
    original = db.session.get(IssuedCredential, str(credential_id).removeprefix("urn:uuid:"))
    if original is None:
        raise NotFoundError(f"no issued credential with id {credential_id!r}")
    _check_offerable(original)
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC).replace(microsecond=0)
    offer = WalletOffer(
        issuer_id=original.issuer_id,
        credential_id=original.id,
        token_hash=token_hash(token),
        code_hash=token_hash(pre_authorized_code_for(token)),
        expires_at=now + lifetime,
        created_at=now,
        created_by=actor,
    )
    db.session.add(offer)
    db.session.flush()
    audit.record(
        original.issuer_id,
        actor=actor,
        action="credential.wallet_offer",
        target_type="credential",
        target_id=original.id,
        offer=offer.id,
        expires=offer.expires_at.isoformat(),
    )
    return Offer(offer.id, token, original.id, offer.expires_at, links_for(token))


def _check_offerable(credential: IssuedCredential) -> None:
    if credential.wallet_copy_of is not None:
        raise ConflictError(
            f"credential {credential.id} is a wallet copy; offer the original "
            f"{credential.wallet_copy_of} instead",
            code="wallet_copy",
        )
    if credential.erased_at is not None:
        # Checked before the freelancer: erasure clears ``freelancer_id`` too, and an
        # offer made before the erasure must not sign the withdrawn (``null``) document.
        raise ConflictError(
            f"credential {credential.id} was withdrawn: its holder's data was erased, so "
            "this service holds no copy to send to a wallet",
            code="credential_erased",
        )
    if credential.freelancer_id is None or credential.certification_id is None:
        raise ConflictError(
            f"credential {credential.id} was written through the VC API; only credentials "
            "microcred built for a freelancer can be sent to a wallet",
            code="not_offerable",
        )
    state = credential_status(credential)
    if state != "valid":
        raise ConflictError(
            f"credential {credential.id} is {state}; only a valid credential can be sent "
            "to a wallet",
            code=f"credential_{state}",
        )


def links_for(token: str) -> WalletLinks:
    base: str = app_config()["MICROCRED_BASE_URL"]
    exchange = f"{base}/workflows/{WORKFLOW_ID}/exchanges/{token}"
    offer_uri = f"{base}/oid4vci/offers/{token}"
    challenge = challenge_for(token)
    code = pre_authorized_code_for(token)
    from issuer.services.wallet_oid4vci import credential_offer  # one module each protocol

    by_value = json.dumps(credential_offer(token), separators=(",", ":"))
    lcw = "https://lcw.app/request.html?" + urlencode(
        {
            "issuer": urlsplit(base).hostname or base,
            "auth_type": "bearer",
            "challenge": challenge,
            "vc_request_url": exchange,
        }
    )
    request = json.dumps(
        {"credentialRequestOrigin": base, "protocols": {"vcapi": exchange}},
        separators=(",", ":"),
    )
    return WalletLinks(
        page=f"{base}/wallet/offers/{token}",
        exchange=exchange,
        credential_offer_uri=offer_uri,
        openid_offer="openid-credential-offer://?" + urlencode({"credential_offer_uri": offer_uri}),
        openid_offer_by_value="openid-credential-offer://?"
        + urlencode({"credential_offer": by_value}),
        lcw=lcw,
        lcw_request="https://lcw.app/request?request=" + quote(request, safe=""),
        challenge=challenge,
        pre_authorized_code=code,
    )


def offer_by_token(token: str, *, lock: bool = False, usable: bool = True) -> WalletOffer:
    """The offer whose token is ``token``: 404 unknown; with ``usable``, 410 expired and
    409 already used."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise NotFoundError("no such wallet offer")
    statement = select(WalletOffer).where(WalletOffer.token_hash == token_hash(token))
    offer = db.session.scalar(statement.with_for_update() if lock else statement)
    if offer is None:
        raise NotFoundError("no such wallet offer")
    if usable:
        check_usable(offer)
    return offer


def check_usable(offer: WalletOffer, now: datetime | None = None) -> None:
    if offer.used_at is not None:
        raise ConflictError(
            "this wallet offer was used already: the credential was delivered to "
            f"{offer.holder_did} on {offer.used_at.isoformat()}; an offer delivers once",
            code="offer_used",
        )
    if offer.expires_at <= (now or datetime.now(UTC)):
        raise ExpiredOfferError(
            f"this wallet offer expired on {offer.expires_at.isoformat()}; ask for a new one"
        )


# --- (a) the VC API exchange -----------------------------------------------------------------


def exchange_domain() -> str:
    """The ``domain`` a DID Authentication must be bound to: this service's host."""
    base: str = app_config()["MICROCRED_BASE_URL"]
    return urlsplit(base).netloc


def presentation_request(token: str) -> dict[str, Any]:
    """The answer to ``POST {}`` on the exchange: a VerifiablePresentationRequest for
    DID Authentication (did:key, Ed25519) with the offer's challenge and our domain."""
    offer_by_token(token)
    links = links_for(token)
    return {
        "verifiablePresentationRequest": {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [{"cryptosuite": "eddsa-rdfc-2022"}],
                }
            ],
            "challenge": links.challenge,
            "domain": exchange_domain(),
            "interact": {
                "service": [
                    {
                        "type": "VerifiableCredentialApiExchangeService",
                        "serviceEndpoint": links.exchange,
                    },
                    {
                        "type": "UnmediatedPresentationService2021",
                        "serviceEndpoint": links.exchange,
                    },
                ]
            },
        }
    }


def complete_exchange(
    token: str, presentation: object, *, now: datetime | None = None
) -> dict[str, Any]:
    """Verify the wallet's DID Authentication and deliver the wallet copy (the caller owns
    the write transaction; a refusal writes nothing)."""
    moment = now or datetime.now(UTC)
    offer = offer_by_token(token, lock=True)
    holder = authenticated_holder(presentation, challenge=challenge_for(token), now=moment)
    issued = issue_copy(offer, holder, protocol="vcapi", now=moment)
    return {
        "verifiablePresentation": {
            "@context": [VC_V2_CONTEXT],
            "type": ["VerifiablePresentation"],
            "verifiableCredential": [json.loads(issued.document)],
        }
    }


def authenticated_holder(presentation: object, *, challenge: str, now: datetime) -> str:
    """The DID that signed ``presentation`` for this challenge and our domain, or a 400
    naming what is wrong (``credentials.presentations`` verifies the proof)."""
    if not isinstance(presentation, Mapping):
        raise InvalidInputError(
            'send {"verifiablePresentation": {...}}: a DID Authentication presentation',
            field="verifiablePresentation",
        )
    if len(json.dumps(presentation)) > MAX_PRESENTATION_CHARS:
        raise InvalidInputError(
            f"the presentation is larger than {MAX_PRESENTATION_CHARS} characters",
            field="verifiablePresentation",
        )
    if presentation.get("verifiableCredential"):
        raise InvalidInputError(
            "a DID Authentication presentation carries no credentials",
            field="verifiablePresentation.verifiableCredential",
        )
    _check_bound(presentation, challenge)
    result = verify_presentation(
        presentation, resolver=DidKeyResolver(), verify_credential=_no_credentials, now=now
    )
    if result.failures:
        first = result.failures[0]
        raise InvalidInputError(
            f"the DID Authentication does not verify ({first.name}): {first.message}",
            code="presentation_invalid",
            field="verifiablePresentation.proof"
            if first.name == "proof"
            else (f"verifiablePresentation.{first.name}"),
        )
    # The holder check (when ``holder`` is given) has passed: a proof was made with one of
    # the holder's keys. Without ``holder``, the signer is the one whose DID is written.
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, Mapping) else holder
    signer = _signer_of(presentation)
    did = holder_id if isinstance(holder_id, str) else signer
    if not isinstance(did, str) or not did.startswith("did:key:") or signer != did:
        raise InvalidInputError(
            "the presentation must be signed with a did:key key of its holder",
            code="presentation_invalid",
            field="verifiablePresentation.holder",
        )
    return did


def _signer_of(presentation: Mapping[str, Any]) -> str | None:
    proofs = presentation.get("proof")
    first = proofs[0] if isinstance(proofs, list) and proofs else proofs
    method = first.get("verificationMethod") if isinstance(first, Mapping) else None
    return method.split("#", 1)[0] if isinstance(method, str) else None


def _check_bound(presentation: Mapping[str, Any], challenge: str) -> None:
    """Every proof must answer this offer's challenge, for our domain (Data Integrity
    §4.4: the verifier compares them with what it asked; both are signed)."""
    proofs = presentation.get("proof")
    entries = proofs if isinstance(proofs, list) else [proofs] if proofs else []
    if not entries:
        raise InvalidInputError(
            "the presentation is not signed (no proof)", field="verifiablePresentation.proof"
        )
    domain = exchange_domain()
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise InvalidInputError(
                "a proof must be an object", field="verifiablePresentation.proof"
            )
        if not isinstance(entry.get("challenge"), str) or not same_secret(
            entry["challenge"], challenge
        ):
            raise InvalidInputError(
                "the proof does not answer this exchange's challenge",
                code="challenge_mismatch",
                field="verifiablePresentation.proof.challenge",
            )
        given = entry.get("domain")
        domains = given if isinstance(given, list) else [given]
        if domain not in domains:
            raise InvalidInputError(
                f"the proof is bound to the domain {given!r}, not {domain!r}",
                code="domain_mismatch",
                field="verifiablePresentation.proof.domain",
            )


def _no_credentials(_: Mapping[str, Any]) -> VerificationResult:
    raise AssertionError("authenticated_holder refuses embedded credentials first")


# --- the wallet copy -------------------------------------------------------------------------


def issue_copy(
    offer: WalletOffer, holder_did: str, *, protocol: str, now: datetime | None = None
) -> IssuedCredential:
    """Issue the offer's credential again to ``holder_did`` and spend the offer."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    check_usable(offer, moment)
    original = db.session.get(IssuedCredential, offer.credential_id)
    if original is None:  # the cascade removes the offer with it; belt and braces
        raise NotFoundError("the offered credential no longer exists")
    _check_offerable(original)
    issuer = original.issuer
    config = app_config()
    signer = active_signer(issuer.id, issuer.did, passphrase=config["MICROCRED_KEY_PASSPHRASE"])
    document: dict[str, Any] = json.loads(original.document)
    connection = db.session.connection()

    def build(credential_uuid: str, status: list[dict[str, Any]]) -> dict[str, Any]:
        return copy_document(
            document, f"urn:uuid:{credential_uuid}", holder_did, status, issuer.did
        )

    actor = f"wallet:{protocol}"
    issued = sign_and_store(
        build=build,
        values={
            "issuer_id": issuer.id,
            "freelancer_id": original.freelancer_id,
            "certification_id": original.certification_id,
            "certification_version": original.certification_version,
            "valid_from": original.valid_from,
            "valid_until": original.valid_until,
            "issued_at": moment,
            "issued_by": actor,
            "override_reason": original.override_reason,
            "override_by": original.override_by,
            "wallet_copy_of": original.id,
            "language": original.language,
        },
        extra_rows=lambda credential_uuid: [
            Row(CredentialEvidence, {"credential_id": credential_uuid, "project_id": e.project_id})
            for e in original.evidence
        ],
        signer=signer,
        suite=original.suite,
        allocator=IndexAllocator(
            issuer,
            base_url=config["MICROCRED_BASE_URL"],
            known_lists=list_cache(running_app()),
            connection=connection,
        ),
        created=moment,
        connection=connection,
    )
    offer.used_at = moment
    offer.protocol = protocol
    offer.holder_did = holder_did
    offer.copy_id = issued.id
    record_event(
        issuer.id,
        connection=connection,
        actor=actor,
        action="credential.wallet_issue",
        target_id=issued.id,
        original=original.id,
        offer=offer.id,
        holder=holder_did,
        protocol=protocol,
    )
    return issued


def copy_document(
    document: Mapping[str, Any],
    credential_id: str,
    holder_did: str,
    status: list[dict[str, Any]],
    issuer_did: str,
) -> dict[str, Any]:
    """The original's JSON as the copy's unsigned document: new id, new status entries,
    the holder's DID as ``credentialSubject.id``, the provider's current DID."""
    unsigned = copy.deepcopy(dict(document))
    unsigned.pop("proof", None)
    unsigned["id"] = credential_id
    unsigned.pop("credentialStatus", None)
    if status:
        unsigned["credentialStatus"] = status
    if isinstance(unsigned.get("issuer"), Mapping):
        unsigned["issuer"]["id"] = issuer_did
    elif "issuer" in unsigned:
        unsigned["issuer"] = issuer_did
    subject = unsigned.get("credentialSubject")
    if isinstance(subject, Mapping):
        unsigned["credentialSubject"] = {
            "id": holder_did,
            **{k: v for k, v in subject.items() if k != "id"},
        }
    return unsigned
