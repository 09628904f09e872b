"""How a training provider's identity is established, for the verifier's trust decision.

A valid signature proves who holds a key, not who the holder is. The public verify page
shows a registered provider's name as fact only once one of these is recorded:

* **operator** — this service's operator checked who the provider is (``confirm``),
  recorded with who confirmed and when;
* **domain** — the provider's own domain publishes, at
  ``https://<domain>/.well-known/did.json``, a DID document (``did:web:<domain>``) that
  lists the provider's current signing key under ``assertionMethod``
  (``domain_did_document`` writes it; ``verify_domain`` fetches and checks it).

Changing the provider's name withdraws either: a confirmed "Northwind Skills" must not
become "Harvard University" by a profile edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from credentials.did import build_did_web_document
from credentials.errors import InvalidInputError, MicrocredError
from credentials.resolvers import DidDocument
from issuer.models import Issuer
from issuer.services import audit
from issuer.services.signing_keys import list_signing_keys, published_keys
from microcred.platform.db import utcnow

__all__ = [
    "confirm",
    "domain_did_document",
    "identity_record",
    "validate_domain",
    "verify_domain",
    "withdraw",
]

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[a-z]{{2,63}}|(?:{_LABEL}\.)+xn--[a-z0-9-]{{1,59}}")

#: Fetches one JSON document over HTTPS (the composition root passes the SSRF-guarded one).
FetchJson = Callable[[str], Mapping[str, Any]]


def validate_domain(domain: object) -> str:
    """A public DNS name (lower-cased, IDNA): what ``did:web:<domain>`` names."""
    if not isinstance(domain, str):
        raise InvalidInputError("a domain must be text", field="domain")
    try:
        ascii_domain = domain.strip().rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidInputError(f"{domain!r} is not a valid domain name", field="domain") from None
    if len(ascii_domain) > 253 or not _DOMAIN.fullmatch(ascii_domain):
        raise InvalidInputError(
            f"{domain!r} is not a public domain name such as 'academy.example.org'",
            field="domain",
        )
    return ascii_domain


def confirm(issuer: Issuer, *, by: str, actor: str) -> Issuer:
    """The operator vouches for the provider's identity (who confirmed is recorded)."""
    by = by.strip() if isinstance(by, str) else ""
    if not by:
        raise InvalidInputError("say who confirms the identity (a person's name)", field="by")
    if len(by) > 200:
        raise InvalidInputError("the confirmer's name is longer than 200 characters", field="by")
    _record(issuer, method="operator", domain=None, by=by, actor=actor)
    return issuer


def domain_did_document(issuer: Issuer, domain: str) -> dict[str, Any]:
    """The DID document the provider publishes at https://<domain>/.well-known/did.json.

    It lists the provider's non-revoked keys (as its own did.json here does) and names
    the provider's DID here in ``alsoKnownAs``.
    """
    domain = validate_domain(domain)
    document = build_did_web_document(f"did:web:{domain}", published_keys(issuer))
    document["alsoKnownAs"] = [issuer.did]
    return document


def verify_domain(
    issuer: Issuer, domain: str, *, fetch_json: FetchJson, actor: str, ip: str | None = None
) -> Issuer:
    """Fetch the domain's did.json and record the domain when it lists the active key."""
    domain = validate_domain(domain)
    url = f"https://{domain}/.well-known/did.json"
    did = f"did:web:{domain}"
    try:
        document = DidDocument.from_json(fetch_json(url), expected_id=did)
    except MicrocredError as exc:
        raise InvalidInputError(
            f"cannot read {url}: {exc.message}", field="domain", details={"url": url}
        ) from None
    active = next((k for k in list_signing_keys(issuer) if k.is_active), None)
    listed = {
        m.public_key_multibase
        for method_id in document.assertion_method_ids
        if (m := document.methods.get(method_id)) is not None
    }
    if active is None or active.public_key_multibase not in listed:
        raise InvalidInputError(
            f"{url} does not list this provider's current signing key under assertionMethod; "
            "publish the document that 'microcred issuers domain-did' prints",
            field="domain",
            details={"url": url},
        )
    _record(issuer, method="domain", domain=domain, by=None, actor=actor, ip=ip)
    return issuer


def withdraw(issuer: Issuer, *, actor: str, reason: str = "withdrawn") -> Issuer:
    """Back to "not confirmed": the verify page shows the name as the provider's claim."""
    if issuer.identity_method is not None:
        issuer.identity_method = None
        issuer.identity_domain = None
        issuer.identity_confirmed_by = None
        issuer.identity_confirmed_at = None
        audit.record(
            issuer.id,
            actor=actor,
            action="issuer.identity.withdraw",
            target_type="issuer",
            target_id=issuer.slug,
            reason=reason,
        )
    return issuer


def identity_record(issuer: Issuer) -> dict[str, Any]:
    """What the verifier's "registered here" trust source needs about one provider."""
    return {
        "did": issuer.did,
        "name": issuer.name,
        "url": issuer.url,
        "established": issuer.identity_method,
        "domain": issuer.identity_domain,
        "confirmedBy": issuer.identity_confirmed_by,
        "confirmedAt": issuer.identity_confirmed_at,
    }


def _record(
    issuer: Issuer,
    *,
    method: str,
    domain: str | None,
    by: str | None,
    actor: str,
    ip: str | None = None,
) -> None:
    issuer.identity_method = method
    issuer.identity_domain = domain
    issuer.identity_confirmed_by = by
    issuer.identity_confirmed_at = utcnow()
    audit.record(
        issuer.id,
        actor=actor,
        action=f"issuer.identity.{method}",
        target_type="issuer",
        target_id=issuer.slug,
        ip=ip,
        **({"domain": domain} if domain else {"confirmed_by": by}),
    )
