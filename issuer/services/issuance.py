"""Issuing a micro-certification to a freelancer: check, build, sign, store — one transaction.

``issue_credential`` is the one way microcred creates an Open Badges 3.0 credential from
its records (the API, bulk issuance, the CLI and the demo all call it):

1. refuse a retired certification (409), a freelancer who already holds a valid
   credential for it (409), and — unless ``override_reason`` is given — a freelancer who
   does not meet the evidence rule (422, naming what is missing per competency);
2. build the credential (``credentials.ob3.build_credential``) from the provider, the
   certification, the freelancer and the accepted gig projects, with one revocation and
   one suspension ``BitstringStatusListEntry`` at random free indices;
3. sign it with the provider's active key and store the signed JSON byte for byte, with
   its evidence rows, status allocations and an audit event.

The caller owns the transaction (``microcred.platform.db.write_transaction``). On PostgreSQL the
insert runs in a SAVEPOINT: when a concurrent issuance took one of the drawn status
indices first (UNIQUE (status_list_id, index)), the savepoint is rolled back and the
credential is drawn, built and signed again — uniqueness never depends on timing. SQLite
admits one writer at a time, so there the checked indices cannot be taken meanwhile and
the savepoint is left out (``_needs_savepoint``).

Reads and writes on this path are Core statements (reads in ``issuance_records``, writes in
``issuance_rows``): at hundreds of issuances per second per core, ORM bookkeeping was most
of the cost.
"""

from __future__ import annotations

import calendar
import json
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from credentials.ob3 import build_credential
from credentials.proofs import RDFC, add_proof, get_suite
from issuer.ids import new_uuid
from issuer.models import CredentialEvidence, IssuedCredential, Issuer
from issuer.services import events
from issuer.services import issuance_records as records
from issuer.services.evidence import EvidenceEvaluation, counting, evaluate
from issuer.services.issuance_records import IssuerRecord, evidence_summary
from issuer.services.issuance_rows import UNSET, Row, insert, persistent, record_event
from issuer.services.signers import ActiveSigner, no_active_key, signer_for
from issuer.services.status_lists import IndexAllocator, Pick, list_cache
from microcred.platform.context import app_config, running_app
from microcred.platform.extensions import db
from microcred.platform.i18n import LANGUAGES
from microcred.platform.refusals import ConflictError, InvalidInputError, UnprocessableError

__all__ = [
    "achievement_url",
    "certificate_language",
    "dump_document",
    "evidence_summary",
    "held_credential",
    "issue_credential",
    "new_short_code",
    "preview_credential",
    "record_event",
    "sign_and_store",
    "verification_url",
]

#: Attempts at inserting a credential before giving up (each lost race draws again).
MAX_ATTEMPTS = 8
_SHORT_CODE_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
#: 12 base58 characters: about 70 bits, so verification URLs cannot be enumerated.
SHORT_CODE_LENGTH = 12
MAX_OVERRIDE_REASON = 2000


#: Builds the unsigned credential for (credential uuid, status entries).
Builder = Callable[[str, list[dict[str, Any]]], dict[str, Any]]


def new_short_code() -> str:
    return "".join(secrets.choice(_SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))


def dump_document(document: Any) -> str:
    """The stored (and served) form of a signed credential: compact UTF-8 JSON."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def verification_url(base_url: str, short_code: str) -> str:
    return f"{base_url}/v/{short_code}"


def expires_at(issued: datetime, days: int | None, months: int | None) -> datetime | None:
    """The expiry policy: ``days`` after issue, or ``months`` calendar months after (a day
    the month lacks, such as 31 February, becomes the month's last day), or never."""
    if days:
        return issued + timedelta(days=days)
    if not months:
        return None
    year, month = divmod(issued.month - 1 + months, 12)
    year += issued.year
    last_day = calendar.monthrange(year, month + 1)[1]
    return issued.replace(year=year, month=month + 1, day=min(issued.day, last_day))


def achievement_url(base_url: str, issuer_slug: str, certification_id: str) -> str:
    return f"{base_url}/issuers/{issuer_slug}/certifications/{certification_id}"


# --- the service -----------------------------------------------------------------------------


def issue_credential(
    issuer: Issuer | IssuerRecord,
    *,
    freelancer_id: str,
    certification_id: str,
    suite: str = RDFC,
    override_reason: str | None = None,
    language: str | None = None,
    actor: str,
    ip: str | None = None,
) -> IssuedCredential:
    """Issue ``certification_id`` to ``freelancer_id`` (see the module docs for refusals);
    ``language``: of its PDF certificate (None: English); ``ip``: the client address of a
    console action, for the audit log."""
    get_suite(suite)  # an unknown suite is refused before any work
    language = certificate_language(language)
    reason = _override_reason(override_reason)
    # One connection for every statement: asking the session for it costs ~25 µs a time.
    connection = db.session.connection()
    now = datetime.now(UTC).replace(microsecond=0)
    draft = _draft(connection, issuer, freelancer_id, certification_id, reason=reason, now=now)
    freelancer, certification, evaluation = draft.freelancer, draft.certification, draft.evaluation
    if certification.retired:
        raise ConflictError(
            f"micro-certification {certification.id!r} is retired and can no longer be issued",
            code="certification_retired",
            field="certificationId",
        )
    if draft.held_id is not None:
        raise ConflictError(
            f"freelancer {freelancer.id!r} already holds credential {draft.held_id} for "
            f"micro-certification {certification.id!r} (valid, not revoked); revoke it or "
            "let it expire before issuing again",
            code="already_issued",
            field="freelancerId",
        )
    if not evaluation.met and reason is None:
        raise _evidence_refusal(freelancer.id, certification.id, evaluation)
    if draft.active_key is None:
        raise no_active_key()
    config = app_config()
    base_url: str = config["MICROCRED_BASE_URL"]
    key = draft.active_key
    signer = signer_for(
        key.id,
        key.fragment,
        key.public_key_multibase,
        issuer.did,
        passphrase=config["MICROCRED_KEY_PASSPHRASE"],
    )
    backing, build, valid_until = draft.backing, draft.build, draft.valid_until
    values = {
        "issuer_id": issuer.id,
        "freelancer_id": freelancer.id,
        "certification_id": certification.id,
        "certification_version": certification.version,
        "valid_from": now,
        "valid_until": valid_until,
        "issued_at": now,
        "issued_by": actor,
        "override_reason": reason,
        "override_by": actor if reason is not None else None,
        "language": language,
    }
    issued = sign_and_store(
        build=build,
        values=values,
        extra_rows=lambda credential_uuid: [
            Row(CredentialEvidence, {"credential_id": credential_uuid, "project_id": p.id})
            for p in backing
        ],
        signer=signer,
        suite=suite,
        allocator=IndexAllocator(
            issuer,
            base_url=base_url,
            rng=_index_rng(),
            known_lists=list_cache(running_app()),
            connection=connection,
        ),
        created=now,
        connection=connection,
    )
    record_event(
        issuer.id,
        connection=connection,
        actor=actor,
        action="credential.issue",
        target_id=issued.id,
        ip=ip,
        freelancer=freelancer.id,
        certification=certification.id,
        suite=suite,
        override=reason,
        language=language,
        evidence=[p.id for p in backing],
    )
    events.publish(events.Event("credential.issued", issuer.id, issued.id))
    return issued


@dataclass(frozen=True, slots=True)
class Draft:
    """What issuing would sign, before any status entry is drawn or anything is stored:
    the records read, the evidence rule's evaluation, and a builder of the unsigned JSON."""

    freelancer: records.FreelancerRecord
    certification: records.CertificationRecord
    held_id: str | None
    active_key: records.ActiveKeyRecord | None
    evaluation: EvidenceEvaluation
    projects: Mapping[str, records.ProjectRecord]
    backing: Sequence[records.ProjectRecord]
    valid_until: datetime | None
    override_reason: str | None
    build: Builder


def _draft(
    connection: Connection,
    issuer: Issuer | IssuerRecord,
    freelancer_id: str,
    certification_id: str,
    *,
    reason: str | None,
    now: datetime,
    lock: bool = True,
) -> Draft:
    freelancer = records.locked_freelancer(connection, issuer, freelancer_id, lock=lock)
    context = records.issuance_context(
        connection, issuer, certification_id, freelancer_id=freelancer.id, now=now
    )
    certification = context.certification
    accepted, projects = records.accepted_work(
        connection, freelancer.id, [c.id for c in certification.competencies]
    )
    accepted = counting(accepted, projects, certification.min_client_rating)
    evaluation = evaluate(certification, freelancer.id, accepted)  # type: ignore[arg-type]
    base_url: str = app_config()["MICROCRED_BASE_URL"]
    backing = records.backing_projects(evaluation, projects)
    demonstrated, evidence = records.evidence(evaluation, backing)
    profile = records.profile(issuer)
    achievement = records.achievement(
        certification, achievement_url(base_url, issuer.slug, certification.id)
    )
    recipient = records.recipient(freelancer, email_hashed=issuer.recipient_email != "plain")
    valid_until = expires_at(now, certification.validity_days, certification.validity_months)

    def build(credential_uuid: str, status: list[dict[str, Any]]) -> dict[str, Any]:
        return build_credential(
            id=f"urn:uuid:{credential_uuid}",
            issuer=profile,
            achievement=achievement,
            recipient=recipient,
            evidence=evidence,
            demonstrated=demonstrated,
            valid_from=now,
            valid_until=valid_until,
            awarded_date=now,
            credential_status=status or None,
            override_reason=reason,
        )

    return Draft(
        freelancer=freelancer,
        certification=certification,
        held_id=context.held_id,
        active_key=context.active_key,
        evaluation=evaluation,
        projects=projects,
        backing=backing,
        valid_until=valid_until,
        override_reason=reason,
        build=build,
    )


@dataclass(frozen=True, slots=True)
class Preview:
    """A credential as ``issue_credential`` would sign it now, and whether it would issue.

    ``document`` is the unsigned JSON: no proof, no ``credentialStatus`` (the status list
    indices are drawn when it is issued) and an ``id`` that issuing replaces."""

    draft: Draft
    document: dict[str, Any]
    issued_at: datetime

    @property
    def refusal(self) -> str | None:
        """Why issuing would be refused as things stand (None: it would issue)."""
        draft = self.draft
        if draft.certification.retired:
            return "The micro-certification is archived: it issues no more."
        if draft.held_id is not None:
            return (
                "The freelancer already holds a valid credential for this micro-certification; "
                "revoke it or let it expire before issuing again."
            )
        if draft.active_key is None:
            return "Your organisation has no current signing key."
        if not draft.evaluation.met and draft.override_reason is None:
            return "The evidence rule is not met: issuing needs an override with a reason."
        return None


def preview_credential(
    issuer: Issuer | IssuerRecord,
    *,
    freelancer_id: str,
    certification_id: str,
    override_reason: str | None = None,
) -> Preview:
    """What ``issue_credential`` would sign, read-only: nothing is stored, no status list
    index is drawn, nothing is signed. A retired certification, a credential held already
    or an unmet rule are reported (``Preview.refusal``), not raised."""
    reason = _override_reason(override_reason) if override_reason else None
    connection = db.session.connection()
    now = datetime.now(UTC).replace(microsecond=0)
    draft = _draft(
        connection, issuer, freelancer_id, certification_id, reason=reason, now=now, lock=False
    )
    return Preview(draft=draft, document=draft.build(new_uuid(), []), issued_at=now)


def held_credential(
    freelancer_id: str, certification_id: str, now: datetime
) -> IssuedCredential | None:
    """The freelancer's newest credential for the certification that is neither revoked nor
    expired (a suspended one still counts: it is unsuspended, not issued again)."""
    credential_id = _held_id(freelancer_id, certification_id, now)
    return db.session.get(IssuedCredential, credential_id) if credential_id else None


def _held_id(freelancer_id: str, certification_id: str, now: datetime) -> str | None:
    found: str | None = (
        db.session.connection()
        .execute(
            records.HELD,
            {"freelancer_id": freelancer_id, "certification_id": certification_id, "now": now},
        )
        .scalar()
    )
    return found


def sign_and_store(
    *,
    build: Builder,
    values: Mapping[str, Any],
    signer: ActiveSigner,
    suite: str,
    allocator: IndexAllocator | None,
    created: datetime,
    extra_rows: Callable[[str], Sequence[Any]] = lambda _: (),
    connection: Connection | None = None,
) -> IssuedCredential:
    """Draw status entries, build, sign and insert until the insert holds.

    ``values`` are the ``IssuedCredential`` columns besides those set here (id, document,
    suite, short code, key, and ``credential_id`` unless given). Where writers run
    concurrently, a lost race on a status index (or, astronomically rarely, on a short
    code) rolls the savepoint back and the next attempt draws again and signs the new
    document; on SQLite a taken value ends the request in a 409 (nothing is written).
    """
    credential_uuid = new_uuid()
    connection = connection if connection is not None else db.session.connection()
    savepoint = _needs_savepoint(connection)
    for _attempt in range(MAX_ATTEMPTS):
        picks: list[Pick] = allocator.picks() if allocator is not None else []
        unsigned = build(credential_uuid, [pick.entry() for pick in picks])
        signed = add_proof(
            unsigned,
            signer.signer,
            verification_method=signer.verification_method,
            cryptosuite=suite,
            created=created,
        )
        row = {
            **UNSET,
            "credential_id": f"urn:uuid:{credential_uuid}",
            **values,
            "id": credential_uuid,
            "document": dump_document(signed),
            "suite": suite,
            "short_code": new_short_code(),
            "signing_key_id": signer.key_id,
        }
        try:
            if savepoint:
                with connection.begin_nested():
                    insert(connection, row, picks, extra_rows(credential_uuid))
            else:
                insert(connection, row, picks, extra_rows(credential_uuid))
        except IntegrityError:
            if allocator is not None and not allocator.collided(picks):
                allocator.forget()  # a list that vanished, or a short code taken
            if not savepoint:
                # Nothing to roll back to: the caller's transaction is rolled back whole.
                raise ConflictError(
                    "the credential could not be stored (a unique value was taken); retry "
                    "the request"
                ) from None
            continue
        issued = persistent(row)
        # Read-only convenience for callers that want the JSON (not a mapped column).
        issued.signed_json = signed
        return issued
    raise ConflictError(
        f"could not store the credential after {MAX_ATTEMPTS} attempts (concurrent issuance "
        "kept taking the same status list entries); retry the request"
    )


def _needs_savepoint(connection: Connection) -> bool:
    """Whether a lost race must be survivable inside the transaction.

    SQLite runs one writer at a time for a whole transaction (``BEGIN IMMEDIATE``), so
    nobody can take the indices ``IndexAllocator`` just checked before this insert runs,
    and a savepoint (two statements, ~0.15 ms) would buy nothing. Where writers run
    concurrently (PostgreSQL), the UNIQUE index decides, and the loser draws again.
    """
    return bool(connection.dialect.name != "sqlite")


# --- helpers ---------------------------------------------------------------------------------


def certificate_language(value: str | None) -> str | None:
    """The language a credential's PDF certificate is printed in, one of the service's
    languages (``microcred.platform.i18n.LANGUAGES``); None stays None (English)."""
    if value is None or value == "":
        return None
    if value not in LANGUAGES:
        raise InvalidInputError(
            f"unknown language {value!r}; use one of {', '.join(LANGUAGES)}", field="language"
        )
    return value


def _override_reason(reason: str | None) -> str | None:
    if reason is None:
        return None
    text = reason.strip()
    if not text or len(text) > MAX_OVERRIDE_REASON:
        raise UnprocessableError(
            f"an override needs a reason of 1-{MAX_OVERRIDE_REASON} characters",
            field="override.reason",
        )
    return text


def _evidence_refusal(
    freelancer_id: str, certification_id: str, evaluation: EvidenceEvaluation
) -> UnprocessableError:
    errors = {
        f"competencies.{c.competency_id}": [c.shortfall]
        for c in evaluation.competencies
        if not c.met
    }
    if evaluation.required_competencies < len(evaluation.competencies):
        errors = {"evidenceRule": [evaluation.missing[0]], **errors}
    return UnprocessableError(
        f"freelancer {freelancer_id!r} does not meet the evidence rule of "
        f"{certification_id!r}: " + "; ".join(evaluation.missing) + ". Record and assess more "
        "gig projects, or issue with an override and a reason.",
        code="evidence_rule_not_met",
        field="freelancerId",
        errors=errors,
    )


def _index_rng() -> Random | None:
    """Tests may pin the index source (MICROCRED_STATUS_INDEX_RNG) to force collisions."""
    rng: Random | None = app_config().get("MICROCRED_STATUS_INDEX_RNG")
    return rng
