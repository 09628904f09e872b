"""W3C VC Data Model 2.0 rules (VC 1.1 dates too), for credentials and presentations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from credentials.errors import Problem
from credentials.related import digest_problem
from credentials.validation._values import MEDIA_TYPE_RE, is_url, types_of
from credentials.validation._walker import Walker, at, entries

VC2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
#: VC 1.1 credentials (Open Badges 3.0.0-3.0.2 era) are verified too; they date with
#: issuanceDate/expirationDate instead of validFrom/validUntil.
VC1_CONTEXT: Final = "https://www.w3.org/2018/credentials/v1"


def validity_keys(doc: Mapping[str, Any]) -> tuple[str, str]:
    """The (start, end) date properties of ``doc``'s data model version."""
    context = doc.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return (
        ("issuanceDate", "expirationDate") if first == VC1_CONTEXT else ("validFrom", "validUntil")
    )


class VcChecker(Walker):
    """The VC 2.0 checks of one credential or presentation."""

    def credential(self, doc: Mapping[str, Any]) -> None:
        self.context(doc)
        self.type_(doc, "", include="VerifiableCredential")
        self.url(doc, "id", "")
        self.issuer(doc)
        self.language_text(doc, "name", "")
        self.language_text(doc, "description", "")
        start_key, end_key = validity_keys(doc)
        if start_key == "issuanceDate" and start_key not in doc:
            self.add(start_key, "is required (VC 1.1)")
        start = self.timestamp(doc, start_key, "")
        end = self.timestamp(doc, end_key, "")
        if start is not None and end is not None and end < start:
            self.add(end_key, f"must not be earlier than {start_key}")
        self.subjects(doc)
        # VC 2.0 §4.10-4.12 and §5.5-5.6: these are objects that MUST carry a type.
        for key in ("credentialStatus", "evidence", "credentialSchema", "refreshService"):
            for path, entry in self.objects(doc, key, ""):
                self.type_(entry, path)
                self.url(entry, "id", path, required=key == "credentialSchema")
        for key in ("termsOfUse", "proof"):
            for path, entry in self.objects(doc, key, ""):
                self.type_(entry, path)
        self.related_resources(doc)
        for path, entry in self.objects(doc, "credentialStatus", ""):
            if "BitstringStatusListEntry" in (types_of(entry.get("type")) or ()):
                self.status_entry(entry, path)

    def status_entry(self, entry: Mapping[str, Any], path: str) -> None:
        """Bitstring Status List §2.1: purpose, a decimal index and the list's URL."""
        self.text(entry, "statusPurpose", path, required=True)
        index = entry.get("statusListIndex")
        if not (isinstance(index, str) and index.isascii() and index.isdigit()):
            self.add(at(path, "statusListIndex"), "is required: a non-negative integer as a string")
        self.url(entry, "statusListCredential", path, required=True)

    def related_resources(self, doc: Mapping[str, Any]) -> None:
        """VC 2.0 §5.3: objects with a unique URL ``id`` and a well-formed digest."""
        seen: set[str] = set()
        for path, entry in self.objects(doc, "relatedResource", ""):
            self.url(entry, "id", path, required=True)
            identifier = entry.get("id")
            if isinstance(identifier, str):
                if identifier in seen:
                    self.add(at(path, "id"), "repeats another relatedResource's id")
                seen.add(identifier)
            problem = digest_problem(entry)
            if problem is not None:
                self.add(at(path, problem[0]) if problem[0] else path, problem[1])
            media_type = entry.get("mediaType")
            if "mediaType" in entry and not (
                isinstance(media_type, str) and MEDIA_TYPE_RE.fullmatch(media_type)
            ):
                self.add(at(path, "mediaType"), "must be a media type such as 'image/png'")

    def context(self, doc: Mapping[str, Any]) -> None:
        if "@context" not in doc:
            self.add("@context", "is required")
            return
        value = doc["@context"]
        items = value if isinstance(value, list) else [value]
        if not items or items[0] not in (VC2_CONTEXT, VC1_CONTEXT):
            self.add("@context", f"the first item must be {VC2_CONTEXT!r} (or VC 1.1's)")
        for index, item in enumerate(items[1:], start=1):
            if not (is_url(item) or isinstance(item, Mapping)):
                self.add(f"@context[{index}]", "must be a URL or a context object")

    def issuer(self, doc: Mapping[str, Any]) -> None:
        if "issuer" not in doc:
            self.add("issuer", "is required")
            return
        issuer = doc["issuer"]
        if isinstance(issuer, Mapping):
            self.url(issuer, "id", "issuer", required=True)
            self.language_text(issuer, "name", "issuer")
            self.language_text(issuer, "description", "issuer")
        elif not is_url(issuer):
            self.add("issuer", "must be a URL or an object whose id is a URL")

    def subjects(self, doc: Mapping[str, Any]) -> None:
        if "credentialSubject" not in doc:
            self.add("credentialSubject", "is required")
            return
        value = doc["credentialSubject"]
        if value == []:
            self.add("credentialSubject", "must be an object or a non-empty list of objects")
        for path, subject in entries(value, "credentialSubject"):
            if not isinstance(subject, Mapping):
                self.add(path, "must be an object")
            elif not subject:
                self.add(path, "must make at least one claim about the subject")
            else:
                self.url(subject, "id", path)


def validate_presentation(doc: object) -> list[Problem]:
    """Every structural problem of a verifiable presentation (VC Data Model 2.0 §4.13):
    contexts as for credentials, a ``type`` including ``VerifiablePresentation``, an
    optional URL ``id``, a ``holder`` that is a URL or an object with a URL ``id``, and
    ``verifiableCredential`` values that are objects (never strings, numbers or URLs)."""
    if not isinstance(doc, Mapping):
        return [Problem("", "a presentation must be a JSON object")]
    checker = VcChecker()
    checker.context(doc)
    checker.type_(doc, "", include="VerifiablePresentation")
    checker.url(doc, "id", "")
    holder = doc.get("holder")
    if isinstance(holder, Mapping):
        checker.url(holder, "id", "holder", required=True)
    elif "holder" in doc and not is_url(holder):
        checker.add("holder", "must be a URL or an object whose id is a URL")
    checker.objects(doc, "verifiableCredential", "")
    for path, entry in checker.objects(doc, "proof", ""):
        checker.type_(entry, path)
    return checker.problems
