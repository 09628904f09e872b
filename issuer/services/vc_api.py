"""Issuing a caller-written credential: the service behind W3C VC API ``/credentials/issue``.

The caller (an authenticated training provider) sends a VC 2.0 or Open Badges 3.0
credential and options (w3c/vcalm ``IssueCredentialRequest``). microcred:

1. refuses an ``issuer`` other than the provider's DID (it fills it in when absent) and a
   credential that carries a proof already;
2. adds ``id`` (``urn:uuid:<record id>``) when absent and, when
   ``options.credentialStatus`` asks for it, Bitstring Status List entries in the
   provider's lists (so the credential can be revoked / suspended like any other);
3. validates the structure (``credentials.validation``), the ``relatedResource``
   digests (VC 2.0 §5.3: each must be the digest of the resource, bundled or retrieved as
   a verifier would; ``credentials.relatedcheck``) and the JSON-LD terms (every
   property and type must be defined by a bundled context: signing refuses undefined
   terms, which would otherwise go unsigned);
4. signs with the provider's active key (``options.cryptosuite``, default
   ``eddsa-rdfc-2022``) and stores the signed JSON byte for byte, listed and revocable
   like the credentials microcred builds itself.

Options (unknown ones are refused): ``cryptosuite``; ``credentialStatus``:
``{"type": "BitstringStatusListEntry", "statusPurpose": "revocation" | "suspension" |
[both]}`` (purpose defaults to revocation); ``credentialId`` (recorded in the audit log);
``mandatoryPointers`` (selective disclosure: only an empty list is accepted).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from credentials import canonical
from credentials.budget import budget
from credentials.dates import parse_datetime
from credentials.errors import (
    CredentialValidationError,
    InvalidInputError,
    MalformedCredentialError,
)
from credentials.proofs import JCS, RDFC, get_suite
from credentials.relatedcheck import RelatedResourceChecker
from credentials.statuscheck import issuer_id as issuer_of
from credentials.statuslist import ENTRY_TYPE
from credentials.validation import validate_credential, validity_keys
from issuer.models import STATUS_PURPOSES, IssuedCredential, Issuer
from issuer.services import events
from issuer.services.issuance import record_event, sign_and_store
from issuer.services.signers import active_signer
from issuer.services.status_lists import IndexAllocator, list_cache
from microcred.platform.context import app_config, running_app

OPTIONS = frozenset({"cryptosuite", "credentialStatus", "credentialId", "mandatoryPointers"})
#: ``app.extensions`` key of the ``RelatedResourceChecker`` the composition root wires in
#: (the verifier's, so issuance retrieves resources as verification will).
RELATED_RESOURCES_KEY = "microcred.related_resources"
#: Seconds the relatedResource retrievals of one issuance may take in all.
RELATED_RESOURCES_BUDGET = 10.0


def issue_vc(
    issuer: Issuer, credential: Mapping[str, Any], options: Mapping[str, Any], *, actor: str
) -> IssuedCredential:
    """Sign and store ``credential`` for ``issuer`` (see the module docs)."""
    suite, purposes = _options(options)
    document = copy.deepcopy(dict(credential))
    _claim_issuer(document, issuer)
    if "proof" in document:
        raise MalformedCredentialError(
            "the credential already has a proof; send it unsigned", field="credential.proof"
        )
    if purposes and "credentialStatus" in document:
        raise InvalidInputError(
            "options.credentialStatus asks for status entries but the credential has "
            "credentialStatus already",
            field="options.credentialStatus",
        )
    config = app_config()
    signer = active_signer(issuer.id, issuer.did, passphrase=config["MICROCRED_KEY_PASSPHRASE"])
    now = datetime.now(UTC).replace(microsecond=0)

    # The structure is checked before anything is drawn or signed (with a placeholder id
    # when the caller sent none); the status entries added later are ours.
    problems = validate_credential(_ordered(document, str(uuid.UUID(int=0))))
    status = [p for p in problems if p.field.startswith("credentialStatus")]
    if status:
        # A malformed status entry is a bad request (400) naming the entry's field.
        raise InvalidInputError(f"{status[0].field}: {status[0].message}", field=status[0].field)
    if problems:
        raise CredentialValidationError(problems)
    _check_related_resources(document)
    start, end = _window(document)

    def build(credential_uuid: str, status: list[dict[str, Any]]) -> dict[str, Any]:
        unsigned = _ordered(document, credential_uuid)
        if status:
            unsigned["credentialStatus"] = status if len(status) > 1 else status[0]
        if suite == JCS:
            # eddsa-rdfc-2022 refuses undefined terms while canonicalising; JCS never
            # looks at JSON-LD, so run the same strict expansion before signing.
            canonical.canonical_nquads(unsigned)
        return unsigned

    values: dict[str, Any] = {
        "issuer_id": issuer.id,
        "freelancer_id": None,
        "certification_id": None,
        "valid_from": start or now,
        "valid_until": end,
        "issued_at": now,
        "issued_by": actor,
    }
    if "id" in document:
        values["credential_id"] = document["id"]

    allocator = (
        IndexAllocator(
            issuer,
            base_url=config["MICROCRED_BASE_URL"],
            purposes=purposes,
            known_lists=list_cache(running_app()),
        )
        if purposes
        else None
    )
    issued = sign_and_store(
        build=build, values=values, signer=signer, suite=suite, allocator=allocator, created=now
    )
    record_event(
        issuer.id,
        actor=actor,
        action="credential.issue",
        target_id=issued.id,
        via="vc-api",
        suite=suite,
        credential_id=options.get("credentialId"),
        status=list(purposes) or None,
    )
    events.publish(events.Event("credential.issued", issuer.id, issued.id, data={"via": "vc-api"}))
    return issued


def _check_related_resources(document: Mapping[str, Any]) -> None:
    """A digest that does not match its resource (or a resource that cannot be retrieved
    to compare it) is refused with 422 naming the field, e.g.
    ``relatedResource[0].digestMultibase``; nothing is signed that a verifier would fail."""
    if "relatedResource" not in document:
        return
    checker = running_app().extensions.get(RELATED_RESOURCES_KEY)
    if not isinstance(checker, RelatedResourceChecker):
        checker = RelatedResourceChecker()  # bundled resources only; others are refused
    seconds = app_config().get("MICROCRED_VERIFY_DEADLINE", RELATED_RESOURCES_BUDGET)
    with budget(seconds):
        problems = checker.problems(document)
    if problems:
        raise CredentialValidationError(problems)


def _options(options: Mapping[str, Any]) -> tuple[str, tuple[str, ...]]:
    unknown = sorted(set(options) - OPTIONS)
    if unknown:
        raise InvalidInputError(
            f"unknown option {unknown[0]!r}; supported: {', '.join(sorted(OPTIONS))}",
            field=f"options.{unknown[0]}",
        )
    suite = options.get("cryptosuite", RDFC)
    get_suite(suite)
    pointers = options.get("mandatoryPointers")
    if pointers not in (None, []):
        raise InvalidInputError(
            "mandatoryPointers is for selective disclosure, which the EdDSA suites do not do",
            field="options.mandatoryPointers",
        )
    credential_id = options.get("credentialId")
    if credential_id is not None and not isinstance(credential_id, str):
        raise InvalidInputError("credentialId must be a string", field="options.credentialId")
    return suite, _status_purposes(options.get("credentialStatus"))


def _status_purposes(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    field = "options.credentialStatus"
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{field} must be an object", field=field)
    extra = set(value) - {"type", "statusPurpose"}
    if extra:
        raise InvalidInputError(f"{field} has an unknown member {sorted(extra)[0]!r}", field=field)
    if value.get("type") not in (ENTRY_TYPE, "BitstringStatusList"):
        raise InvalidInputError(f"{field}.type must be {ENTRY_TYPE!r}", field=f"{field}.type")
    raw = value.get("statusPurpose", "revocation")
    purposes = [raw] if isinstance(raw, str) else raw
    if (
        not isinstance(purposes, list)
        or not purposes
        or any(p not in STATUS_PURPOSES for p in purposes)
        or len(set(purposes)) != len(purposes)
    ):
        raise InvalidInputError(
            f"{field}.statusPurpose must be revocation, suspension or a list of them",
            field=f"{field}.statusPurpose",
        )
    return tuple(purposes)


def _ordered(document: Mapping[str, Any], credential_uuid: str) -> dict[str, Any]:
    """The document with ``id`` (added when absent) and ``issuer`` where readers expect
    them: right after ``@context`` and ``type``."""
    head = {"@context": document.get("@context")} if "@context" in document else {}
    head["id"] = document.get("id", f"urn:uuid:{credential_uuid}")
    for key in ("type", "issuer"):
        if key in document:
            head[key] = document[key]
    return {**head, **{k: v for k, v in document.items() if k not in head}}


def _claim_issuer(document: dict[str, Any], issuer: Issuer) -> None:
    if "issuer" not in document:
        document["issuer"] = issuer.did
        return
    named = issuer_of(document)
    if named != issuer.did:
        raise InvalidInputError(
            f"credential.issuer must be this provider's DID {issuer.did!r} (or left out), "
            f"not {named or document['issuer']!r}",
            field="credential.issuer",
        )


def _window(document: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    start_key, end_key = validity_keys(document)
    start = document.get(start_key)
    end = document.get(end_key)
    return (
        parse_datetime(start, field=start_key, require_timezone=False) if start else None,
        parse_datetime(end, field=end_key, require_timezone=False) if end else None,
    )


def stored_response(issued: IssuedCredential) -> str:
    """``{"verifiableCredential": <the stored credential, byte for byte>}``."""
    return '{"verifiableCredential":' + issued.document + "}"


__all__ = ["OPTIONS", "RELATED_RESOURCES_KEY", "issue_vc", "stored_response"]
