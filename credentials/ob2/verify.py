"""Verifying Open Badges 2.0 assertions (hosted and signed) and OB 1.x hosted assertions.

OB 2.0 §"Verification" (ob_v2p0), in the same result shape as a W3C credential
(``credentials.results``): checks ``structure``, ``proof``, ``issuer``, ``validity``,
``status`` and ``recipient``, the trust decision of ``credentials.trust``, warnings for
vocabulary rules that do not bear on authenticity (``credentials.findings``).

Hosted (``verification.type: hosted``; OB 1.x ``verify.type: hosted``):

1. the assertion's ``id`` (1.x: ``verify.url``) is fetched; it must answer the same
   assertion (the copy given, when there is one, must be that copy: the hosted copy is
   the truth, ``ob2.hosted_mismatch``); HTTP 410 Gone is a revocation (spec);
2. the BadgeClass and the issuer Profile are fetched when given by URL, types checked;
3. the assertion URL must be allowed by the issuer: ``verification.allowedOrigins``
   (host names), else ``verification.startsWith`` (URL prefixes), else the origin of the
   issuer's ``id`` (``ob2.origin_not_allowed``). 1.x: the origin of the issuer's ``url``.

The "proof" of a hosted badge is that the issuer's web server answers it: a hosted badge
is only as authentic as that server (the check says so in plain words).

Signed (``verification.type: signed``): the compact JWS is verified with the
``verification.creator`` CryptographicKey (``publicKeyPem``), which must be owned by the
issuer (``owner`` equal to the issuer's ``id``; where the issuer lists ``publicKey``, it
must list this key: ``ob2.key_not_owned``); the issuer's ``revocationList`` is checked.

Every fetch goes through the caller's ``fetch`` (the verifier's SSRF-guarded
``SafeFetcher`` within the verification's time budget); a fetch that fails fails its check
(fail closed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urlsplit

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from credentials.budget import budget
from credentials.dates import parse_datetime, utcnow
from credentials.errors import InvalidInputError, MicrocredError
from credentials.findings import Finding
from credentials.ob2.found import is_ob2_jws
from credentials.ob2.recipient import recipient_check
from credentials.results import Check, Outcome, VerificationResult
from credentials.trust import TrustPolicy

__all__ = ["Ob2Fetch", "Ob2Verifier"]

#: GET a URL, answer its JSON object; raise a ``MicrocredError`` (``details["status"]``
#: the HTTP status, when there was one) for anything else.
Ob2Fetch = Callable[[str], Mapping[str, Any]]

_V2: Final = "https://w3id.org/openbadges/v2"
_ALGORITHMS: Final = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
_SIGNED: Final = ("signed", "SignedBadge")
_COMPACT: Final = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_HOSTED: Final = ("hosted", "HostedBadge")


class _Fail(Exception):  # noqa: N818 - control flow within this module
    """One check's failure, raised where it is found and turned into a ``Check``."""

    def __init__(self, name: str, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.check = Check(name, Outcome.FAILED, message, code=code, details=details)


@dataclass
class _Graph:
    """What verification gathered: the assertion as the issuer stands behind it, its
    badge class and issuer profile, and the checks so far."""

    assertion: Mapping[str, Any]
    version: str  # "2.0" | "1.x"
    mode: str  # hosted | signed
    badge: Mapping[str, Any] = field(default_factory=dict)
    issuer: Mapping[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def _types(value: Mapping[str, Any]) -> list[object]:
    kind = value.get("type", value.get("@type"))
    return kind if isinstance(kind, list) else [kind]


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}"


def _list(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [item for item in items if isinstance(item, str) and item]


class Ob2Verifier:
    """Verifies OB 2.0 / 1.x badges; ``fetch`` retrieves the issuer's hosted documents."""

    def __init__(
        self,
        *,
        fetch: Ob2Fetch,
        trust: TrustPolicy | None = None,
        clock: Callable[[], datetime] = utcnow,
        deadline: float | None = 10.0,
    ) -> None:
        self._fetch = fetch
        self._trust = trust if trust is not None else TrustPolicy()
        self._clock = clock
        self._deadline = deadline

    def verify(
        self, source: Mapping[str, Any] | str, *, recipient: str | None = None
    ) -> VerificationResult:
        """Verify an assertion given as JSON (object), a compact JWS or its URL.

        ``recipient``: the e-mail address / URL / telephone number the client typed."""
        now = self._clock()
        with budget(self._deadline):
            try:
                graph = self._gather(source)
            except _Fail as failed:
                given = source if isinstance(source, Mapping) else {}
                # The same answer as a W3C credential that failed: the issuer is unconfirmed.
                unconfirmed = self._trust.decide({}, None, intact=False)
                return self._result(_Graph(given, "?", "?", checks=[failed.check]), unconfirmed)
            graph.checks.append(_validity(graph, now))
            graph.checks.append(recipient_check(graph.assertion, recipient))
            intact = not any(c.failed for c in graph.checks if c.name in _INTEGRITY)
            issuer_id = _str(graph.issuer.get("id")) or _str(graph.issuer.get("url"))
            trust = self._trust.decide({"issuer": graph.issuer}, issuer_id, intact=intact)
        return self._result(graph, trust)

    # --- gathering ------------------------------------------------------------------------

    def _gather(self, source: Mapping[str, Any] | str) -> _Graph:
        if isinstance(source, str):
            text = source.strip()
            if is_ob2_jws(text) or _COMPACT.fullmatch(text):
                return self._signed(text)
            return self._hosted(None, text)
        if not isinstance(source, Mapping):
            raise _Fail("structure", "ob2.malformed", "The badge is not a JSON object.")
        mode = _mode(source)
        if mode == "signed":
            raise _Fail(
                "proof",
                "ob2.signature_missing",
                "This assertion says it is signed, but it was given as plain JSON: a signed "
                "badge must be verified from its signature (the JWS baked in the image).",
            )
        url = _hosted_url(source)
        if url is None:
            raise _Fail(
                "structure",
                "ob2.malformed",
                "The assertion has no URL where it is hosted (id / verify.url), so it "
                "cannot be checked with its issuer.",
            )
        return self._hosted(source, url)

    def _get(self, name: str, what: str, url: str) -> Mapping[str, Any]:
        try:
            return self._fetch(url)
        except MicrocredError as exc:
            code = "timeout" if exc.code == "timeout" else "ob2.unreachable"
            raise _Fail(
                name, code, f"The {what} could not be fetched: {exc.message}", url=url
            ) from None

    def _hosted(self, given: Mapping[str, Any] | None, url: str) -> _Graph:
        try:
            hosted = self._fetch(url)
        except MicrocredError as exc:
            if exc.details.get("status") == 410:  # OB 2.0: 410 Gone is a revocation
                graph = _Graph(given or {"id": url}, "2.0", "hosted")
                graph.checks.append(
                    Check(
                        "status",
                        Outcome.FAILED,
                        f"Revoked: the issuer's server answers 410 Gone for {url}.",
                        code="revoked",
                        details={"url": url},
                    )
                )
                return graph
            code = "timeout" if exc.code == "timeout" else "ob2.unreachable"
            raise _Fail(
                "proof",
                code,
                f"The hosted assertion could not be fetched from the issuer: {exc.message}",
                url=url,
            ) from None
        graph = _Graph(hosted, _version(hosted), "hosted")
        if _hosted_url(hosted) != url:
            raise _Fail(
                "proof",
                "ob2.hosted_mismatch",
                f"{url} answers an assertion whose own URL is {_hosted_url(hosted)!r}, "
                "not this one.",
                url=url,
            )
        if given is not None and dict(given) != dict(hosted):
            raise _Fail(
                "proof",
                "ob2.hosted_mismatch",
                f"This copy differs from the one the issuer hosts at {url}: it was "
                "changed after it was issued (the hosted copy is the one that counts).",
                url=url,
            )
        if _mode(hosted) not in ("hosted", None):
            raise _Fail("proof", "ob2.malformed", "The hosted assertion does not say it is hosted.")
        self._structure(graph)
        self._badge_and_issuer(graph)
        graph.checks.append(_well_formed(graph))
        graph.checks.append(
            Check(
                "proof",
                Outcome.PASSED,
                f"Hosted at the issuer's web address: {url} answers this very assertion. A "
                "hosted badge carries no signature: it is only as authentic as the "
                "issuer's web server.",
                code="hosted",
                details={"url": url},
            )
        )
        graph.checks.append(_origin_check(graph, url))
        if hosted.get("revoked") is True:
            graph.checks.append(_revoked(hosted.get("revocationReason"), "the assertion"))
        else:
            graph.checks.append(
                Check(
                    "status",
                    Outcome.PASSED,
                    "Not revoked: the issuer still hosts it and does not mark it revoked.",
                )
            )
        return graph

    def _signed(self, token: str) -> _Graph:
        try:
            unverified = jws.extract_compact(token.encode("ascii"))
            payload = json.loads(unverified.payload)
        except (JoseError, ValueError, UnicodeError) as exc:
            raise _Fail(
                "structure", "ob2.malformed", f"The signed badge is malformed: {exc}"
            ) from None
        if not isinstance(payload, dict):
            raise _Fail("structure", "ob2.malformed", "The signed badge's payload is no object.")
        graph = _Graph(payload, _version(payload), "signed")
        alg = unverified.protected.get("alg")
        verification = payload.get("verification") or payload.get("verify")
        creator = _str(verification.get("creator")) if isinstance(verification, Mapping) else None
        if _mode(payload) != "signed" or creator is None:
            raise _Fail(
                "proof",
                "ob2.malformed",
                "The signed assertion names no verification.creator key to check it with.",
            )
        self._structure(graph)
        self._badge_and_issuer(graph)
        graph.checks.append(_well_formed(graph))
        key = self._get("proof", "signing key", creator)
        graph.checks.append(_signature_check(token, alg, key, creator))
        graph.checks.append(_owner_check(graph, key, creator))
        graph.checks.append(self._revocation_check(graph))
        return graph

    def _badge_and_issuer(self, graph: _Graph) -> None:
        badge = graph.assertion.get("badge")
        if isinstance(badge, str):
            badge = self._get("issuer", "badge class", badge)
        if not isinstance(badge, Mapping):
            raise _Fail("structure", "ob2.malformed", "The assertion names no badge class.")
        graph.badge = badge
        issuer = badge.get("issuer")
        if isinstance(issuer, str):
            issuer = self._get("issuer", "issuer profile", issuer)
        if not isinstance(issuer, Mapping):
            raise _Fail("structure", "ob2.malformed", "The badge class names no issuer.")
        graph.issuer = issuer
        _check_types(graph)

    def _structure(self, graph: _Graph) -> None:
        missing = [
            key for key in _REQUIRED[graph.version] if graph.assertion.get(key) in (None, "", [])
        ]
        if missing:
            raise _Fail(
                "structure",
                "ob2.malformed",
                f"The assertion lacks required properties: {', '.join(missing)}.",
                missing=missing,
            )
        if graph.version == "1.x":
            graph.warnings.append(
                Finding.of(
                    "ob2.legacy",
                    "Open Badges 1.x assertion: checked as a hosted badge (its hosted copy, "
                    "badge class, issuer and origin, dates and recipient).",
                )
            )

    def _revocation_check(self, graph: _Graph) -> Check:
        url = _str(graph.issuer.get("revocationList"))
        if url is None:
            return Check(
                "status",
                Outcome.PASSED,
                "The issuer publishes no revocation list, so it cannot have revoked it.",
                code="no_list",
            )
        try:
            listing = self._fetch(url)
        except MicrocredError as exc:
            code = "timeout" if exc.code == "timeout" else "ob2.revocation_list_unreachable"
            return Check(
                "status",
                Outcome.FAILED,
                f"The issuer's revocation list could not be fetched: {exc.message}",
                code=code,
                details={"url": url},
            )
        entries = listing.get("revokedAssertions")
        if "RevocationList" not in _types(listing) or not isinstance(entries, list):
            return Check(
                "status",
                Outcome.FAILED,
                f"{url} is not a RevocationList with revokedAssertions.",
                code="ob2.revocation_list_malformed",
                details={"url": url},
            )
        ids = {_str(graph.assertion.get("id")), _str(graph.assertion.get("uid"))} - {None}
        for entry in entries:
            entry_id = entry if isinstance(entry, str) else None
            reason = None
            if isinstance(entry, Mapping):
                entry_id = _str(entry.get("id")) or _str(entry.get("uid"))
                reason = entry.get("revocationReason")
            if entry_id in ids:
                return _revoked(reason, "the issuer's revocation list")
        return Check(
            "status",
            Outcome.PASSED,
            "Not revoked: it is not on the issuer's revocation list.",
            details={"url": url},
        )

    # --- the result -----------------------------------------------------------------------

    def _result(self, graph: _Graph, trust: Any) -> VerificationResult:
        checks = _complete(graph.checks)
        return VerificationResult(
            credential=_view(graph),
            checks=tuple(checks),
            trust=trust,
            warnings=tuple(graph.warnings),
        )


_INTEGRITY: Final = ("structure", "proof", "issuer")
_ORDER: Final = ("structure", "proof", "issuer", "validity", "status", "recipient")
_REQUIRED: Final = {
    "2.0": ("id", "recipient", "badge", "verification", "issuedOn"),
    "1.x": ("recipient", "badge", "issuedOn"),
    "?": (),
}
_BADGE_QUALITY: Final = ("name", "description", "image", "criteria")


def _version(assertion: Mapping[str, Any]) -> str:
    context = assertion.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if _V2 in contexts or (context is None and "verification" in assertion):
        return "2.0"
    return "1.x"  # the v1 context (1.1), or none with ``verify`` (1.0)


def _mode(assertion: Mapping[str, Any]) -> str | None:
    verification = assertion.get("verification", assertion.get("verify"))
    kind = verification.get("type") if isinstance(verification, Mapping) else None
    if kind in _SIGNED:
        return "signed"
    if kind in _HOSTED:
        return "hosted"
    return None


def _hosted_url(assertion: Mapping[str, Any]) -> str | None:
    """Where the assertion is hosted: 2.0 ``id``; 1.x ``verify.url`` (1.1 also ``id``)."""
    verify = assertion.get("verify")
    if isinstance(verify, Mapping) and _str(verify.get("url")):
        return _str(verify.get("url"))
    found = _str(assertion.get("id"))
    return found if found is not None and found.startswith(("https://", "http://")) else None


def _check_types(graph: _Graph) -> None:
    if graph.version != "2.0":
        return  # 1.0 documents are untyped
    if "Assertion" not in _types(graph.assertion):
        raise _Fail("structure", "ob2.wrong_type", "The assertion is not of type Assertion.")
    if "BadgeClass" not in _types(graph.badge):
        raise _Fail("structure", "ob2.wrong_type", "The badge class is not of type BadgeClass.")
    if not {"Issuer", "Profile"} & set(map(str, _types(graph.issuer))):
        raise _Fail("structure", "ob2.wrong_type", "The issuer is not of type Issuer/Profile.")
    missing = [key for key in _BADGE_QUALITY if graph.badge.get(key) in (None, "", [])]
    if missing:
        graph.warnings.append(
            Finding.of(
                "ob2.badge_incomplete",
                f"The badge class lacks {', '.join(missing)}.",
                "badge",
            )
        )


def _well_formed(graph: _Graph) -> Check:
    warned = len(graph.warnings)
    extra = f", with {warned} warning{'s' if warned > 1 else ''} (see warnings)" if warned else ""
    return Check(
        "structure",
        Outcome.PASSED,
        f"Well-formed Open Badges {graph.version} assertion, badge class and issuer{extra}.",
        code="warnings" if warned else "ok",
        details={"version": graph.version, "verification": graph.mode},
    )


def _origin_check(graph: _Graph, url: str) -> Check:
    issuer = graph.issuer
    issuer_ref = _str(issuer.get("id")) or _str(issuer.get("url")) or "?"
    policy = issuer.get("verification")
    policy = policy if isinstance(policy, Mapping) else {}
    allowed = _list(policy.get("allowedOrigins"))
    starts = _list(policy.get("startsWith"))
    details: dict[str, Any] = {"issuer": issuer_ref, "url": url}
    if graph.version == "1.x":
        base = _str(issuer.get("url")) or issuer_ref
        ok, rule = _origin(url) == _origin(base), f"the origin of the issuer's url {base}"
    elif allowed:
        host = (urlsplit(url).hostname or "").lower()
        ok, rule = host in {a.lower() for a in allowed}, "the issuer's allowedOrigins"
    elif starts:
        ok, rule = any(url.startswith(s) for s in starts), "the issuer's startsWith"
    else:
        ok, rule = _origin(url) == _origin(issuer_ref), f"the origin of the issuer {issuer_ref}"
    if not ok:
        return Check(
            "issuer",
            Outcome.FAILED,
            f"The assertion is hosted at {url}, outside {rule}: the issuer does not vouch for it.",
            code="ob2.origin_not_allowed",
            details=details,
        )
    return Check(
        "issuer",
        Outcome.PASSED,
        f"Hosted where the issuer {issuer_ref} allows ({rule}).",
        details=details,
    )


def _signature_check(token: str, alg: object, key: Mapping[str, Any], creator: str) -> Check:
    details = {"verificationMethod": creator, "alg": alg if isinstance(alg, str) else None}
    pem = _str(key.get("publicKeyPem"))
    if alg not in _ALGORITHMS:
        return Check(
            "proof",
            Outcome.FAILED,
            f"The badge is signed with {alg!r}, which this service does not accept.",
            code="unsupported_proof_type",
            details=details,
        )
    if pem is None:
        return Check(
            "proof",
            Outcome.FAILED,
            f"The signing key {creator} has no publicKeyPem.",
            code="resolution_failed",
            details=details,
        )
    try:
        public: RSAKey | ECKey = (
            ECKey.import_key(pem) if str(alg).startswith("ES") else RSAKey.import_key(pem)
        )
        jws.deserialize_compact(token, public, algorithms=[str(alg)])
    except (JoseError, ValueError, TypeError) as exc:
        bad_key = not isinstance(exc, JoseError)
        return Check(
            "proof",
            Outcome.FAILED,
            f"The signing key {creator} is not a usable public key."
            if bad_key
            else "The signature does not match the badge: it was changed after it was "
            "signed, or it is forged.",
            code="resolution_failed" if bad_key else "bad_signature",
            details=details,
        )
    return Check(
        "proof", Outcome.PASSED, f"Signed ({alg}) with the key {creator}.", details=details
    )


def _owner_check(graph: _Graph, key: Mapping[str, Any], creator: str) -> Check:
    issuer_id = _str(graph.issuer.get("id"))
    owner = _str(key.get("owner"))
    listed = _list(graph.issuer.get("publicKey"))
    details = {"issuer": issuer_id, "owner": owner, "key": creator}
    if issuer_id is None or owner != issuer_id or (listed and creator not in listed):
        return Check(
            "issuer",
            Outcome.FAILED,
            f"The signing key {creator} belongs to {owner or 'nobody named'}, not to the "
            f"issuer {issuer_id}.",
            code="ob2.key_not_owned",
            details=details,
        )
    return Check(
        "issuer", Outcome.PASSED, f"Signed with a key of the issuer {issuer_id}.", details=details
    )


def _revoked(reason: object, where: str) -> Check:
    why = f" ({reason[:200]})" if isinstance(reason, str) and reason else ""
    return Check(
        "status", Outcome.FAILED, f"Revoked by the issuer{why}: {where} says so.", "revoked"
    )


def _validity(graph: _Graph, now: datetime) -> Check:
    assertion = graph.assertion
    issued_key = "issuedOn" if "issuedOn" in assertion else "issued_on"
    details = {k: assertion[k] for k in (issued_key, "expires") if k in assertion}
    try:
        issued = _date(assertion, issued_key)
        expires = _date(assertion, "expires")
    except InvalidInputError as exc:
        return Check("validity", Outcome.FAILED, exc.message, code="malformed", details=details)
    if issued is not None and now < issued:
        return Check(
            "validity",
            Outcome.FAILED,
            f"Not valid yet: issued on {assertion[issued_key]}, which is in the future.",
            code="not_yet_valid",
            details=details,
        )
    if expires is not None and now > expires:
        return Check(
            "validity",
            Outcome.FAILED,
            f"Expired on {assertion['expires']}.",
            code="expired",
            details=details,
        )
    until = f" until {assertion['expires']}" if expires is not None else ""
    return Check("validity", Outcome.PASSED, f"Within its validity period{until}.", details=details)


def _date(assertion: Mapping[str, Any], key: str) -> datetime | None:
    value = assertion.get(key)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):  # OB 1.0 allows a Unix time
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidInputError(f"{key} is not a usable Unix time", field=key) from None
    if isinstance(value, str) and len(value) == 10:  # OB 1.0 allows a date (YYYY-MM-DD)
        value = f"{value}T00:00:00Z"
    return parse_datetime(value, field=key, require_timezone=False)


def _complete(checks: list[Check]) -> list[Check]:
    """Every check named, in order: the ones not reached are skipped, saying why."""
    seen = {c.name for c in checks}
    failed = next((c for c in checks if c.failed), None)
    for name in _ORDER:
        if name not in seen:
            reason = f"not checked: {failed.name} failed first" if failed else "not checked"
            checks.append(Check(name, Outcome.SKIPPED, reason.capitalize() + ".", "not_checked"))
    return sorted(checks, key=lambda c: _ORDER.index(c.name) if c.name in _ORDER else 99)


def _view(graph: _Graph) -> dict[str, Any]:
    """The result's ``credential``: the badge in the terms the page and the API show for
    every credential (issuer, achievement, dates), with the OB 2.0 documents as verified
    under ``openBadges2``."""
    assertion, badge, issuer = graph.assertion, graph.badge, graph.issuer
    criteria = badge.get("criteria")
    image = badge.get("image")
    achievement: dict[str, Any] = {
        "type": ["Achievement"],
        "name": badge.get("name"),
        "description": badge.get("description"),
    }
    if _str(badge.get("id")):
        achievement["id"] = badge["id"]
    if isinstance(criteria, str):
        achievement["criteria"] = {"id": criteria}
    elif isinstance(criteria, Mapping):
        achievement["criteria"] = dict(criteria)
    if isinstance(image, str):
        achievement["image"] = {"id": image, "type": "Image"}
    view: dict[str, Any] = {
        "id": _hosted_url(assertion) or _str(assertion.get("id")),
        "type": ["OpenBadges2Assertion"],
        "name": badge.get("name"),
        "issuer": {
            key: issuer[key] for key in ("id", "name", "url", "email") if _str(issuer.get(key))
        }
        or None,
        "credentialSubject": {"achievement": achievement},
        "openBadges2": {
            "version": graph.version,
            "verification": graph.mode,
            "assertion": dict(assertion),
            "badge": dict(badge),
            "issuer": dict(issuer),
        },
    }
    issued = assertion.get("issuedOn", assertion.get("issued_on"))
    if isinstance(issued, str):
        view["awardedDate"] = issued
    if isinstance(assertion.get("expires"), str):
        view["validUntil"] = assertion["expires"]
    if view["issuer"] is not None and "id" not in view["issuer"] and "url" in view["issuer"]:
        view["issuer"]["id"] = view["issuer"]["url"]
    return view
