"""What a PDF certificate shows, built from the stored signed credential plus our records.

The credential as issued is the source of truth for everything it states (recipient,
achievement, competencies, evidence, dates), read with ``credentials.ob3.summarize``; the
database adds what the credential does not carry in a printable form (each gig project's
platform, client and dates) and how the provider presents itself (branding). The status
label comes from :mod:`sharing.status`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import unquote_to_bytes

from credentials.documents.certificate_model import (
    Branding,
    CertificateCompetency,
    CertificateData,
    CertificateProject,
)
from credentials.documents.certificate_words import DEFAULT_LANGUAGE
from credentials.documents.svg_sanitise import sanitise_data_uri
from credentials.errors import MicrocredError
from credentials.ob3 import CredentialSummary, summarize

if TYPE_CHECKING:
    from sharing.interfaces import ProjectView, ProviderView, StoredCredential

logger = logging.getLogger(__name__)

__all__ = [
    "branding_digest",
    "branding_for",
    "certificate_data",
    "certification_name",
    "recipient_name",
    "summary_of",
]

_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def summary_of(issued: StoredCredential) -> CredentialSummary:
    """The stored credential, summarised for display (never raises)."""
    try:
        document: object = json.loads(issued.document)
    except ValueError:
        document = {}
    return summarize(document)


def _first(*values: str | None, default: str) -> str:
    for value in values:
        if value and value.strip():
            return value
    return default


def recipient_name(issued: StoredCredential, summary: CredentialSummary) -> str:
    """The name as issued; our record of the freelancer, or the DID, when it has none
    (credentials issued through the VC API are written by the caller)."""
    freelancer = issued.freelancer.name if issued.freelancer is not None else None
    return _first(summary.recipient_name, freelancer, summary.recipient_did, default="Recipient")


def certification_name(issued: StoredCredential, summary: CredentialSummary) -> str:
    certification = issued.certification.name if issued.certification is not None else None
    return _first(summary.achievement.name, summary.name, certification, default="Credential")


def _logo_data_uri(value: str | None) -> str | None:
    """The logo (or the signature) as a base64 data: URI the renderer accepts; https URLs
    are never fetched while rendering (certificates render offline), so they are left out."""
    if not value or not value.startswith("data:image/"):
        return None
    if value.startswith("data:image/svg+xml"):
        # WeasyPrint draws an SVG logo itself: a row stored before the sanitiser (or by
        # another path) could hold a <use> bomb that keeps a render busy for minutes.
        try:
            return sanitise_data_uri(value)
        except MicrocredError as exc:
            logger.warning("provider logo left out of the certificate: %s", exc.message)
            return None
    header, _, payload = value.partition(",")
    if ";base64" in header:
        return value
    media = header.removeprefix("data:").split(";")[0]
    encoded = base64.b64encode(unquote_to_bytes(payload)).decode("ascii")
    return f"data:{media};base64,{encoded}"


def branding_for(issuer: ProviderView) -> Branding:
    """The provider's branding; anything the renderer refuses falls back to the default."""
    values: dict[str, Any] = {
        "logo_data_uri": _logo_data_uri(issuer.logo_image),
        "primary": issuer.primary_color or Branding.primary,
        "accent": issuer.accent_color or Branding.accent,
        "signatory_name": (issuer.signatory_name or "").strip() or None,
        "signatory_title": (issuer.signatory_title or "").strip() or None,
        "signature_data_uri": _logo_data_uri(issuer.signature_image),
        "layout": issuer.certificate_layout or "classic",
    }
    try:
        return Branding(**values)
    except MicrocredError:
        pass
    # One bad value (a logo in a format the PDF cannot embed) must not cost the rest.
    for field in ("logo_data_uri", "signature_data_uri", "primary", "accent", "layout"):
        values.pop(field)
        try:
            return Branding(**values)
        except MicrocredError:
            continue
    return Branding()


def branding_digest(branding: Branding) -> str:
    digest = hashlib.sha256()
    for value in (
        branding.logo_data_uri,
        branding.primary,
        branding.accent,
        branding.signatory_name,
        branding.signatory_title,
        branding.signature_data_uri,
        branding.layout,
    ):
        digest.update(b"\1" + value.encode("utf-8") if value is not None else b"\0")
        digest.update(b"\0")
    return digest.hexdigest()


def _month(value: date) -> str:
    return f"{_MONTHS[value.month - 1]} {value.year}"


def project_dates(started: date | None, finished: date | None) -> str | None:
    """``Feb – Mar 2025``, ``Dec 2024 – Jan 2025``, ``Mar 2025``."""
    if started and finished:
        if (started.year, started.month) == (finished.year, finished.month):
            return _month(finished)
        if started.year == finished.year:
            return f"{_MONTHS[started.month - 1]} – {_month(finished)}"
        return f"{_month(started)} – {_month(finished)}"
    if started or finished:
        return _month(started or finished)  # type: ignore[arg-type]
    return None


def _match(
    projects: Iterable[ProjectView], name: str | None, url: str | None
) -> ProjectView | None:
    candidates = list(projects)
    for project in candidates:
        if url and project.url == url:
            return project
    for project in candidates:
        if name and project.title == name:
            return project
    return None


def _projects(issued: StoredCredential, summary: CredentialSummary) -> list[CertificateProject]:
    backing = [link.project for link in issued.evidence]
    out = []
    for evidence in summary.evidence:
        title = (evidence.name or "").strip()
        if not title:
            continue
        url = (
            evidence.id if evidence.id and evidence.id.startswith(("https://", "http://")) else None
        )
        project = _match(backing, evidence.name, evidence.id)
        if project is not None:
            out.append(
                CertificateProject(
                    title=title,
                    platform=project.platform,
                    client=project.client_name or None,
                    url=url or project.url,
                    dates=project_dates(project.started_on, project.finished_on),
                )
            )
        else:
            # Not one of our records: what the credential says is all there is.
            out.append(CertificateProject(title=title, platform=evidence.description, url=url))
    return out


def _competencies(summary: CredentialSummary) -> list[CertificateCompetency]:
    """The demonstrated competencies; when none is (an override), the certification's
    competencies, marked as not demonstrated so the page does not claim them."""
    named = [c for c in summary.competencies if c.name and c.name.strip()]
    demonstrated = [c for c in named if c.demonstrated]
    return [
        CertificateCompetency(
            name=item.name or "",
            description=item.description or None,
            projects=[e.name for e in item.evidence if e.name and e.name.strip()],
            demonstrated=bool(demonstrated),
        )
        for item in (demonstrated or named)
    ]


def _award(summary: CredentialSummary) -> Literal["complete", "partial", "override"]:
    if summary.override_reason is not None:
        return "override"
    named = [c for c in summary.competencies if c.name and c.name.strip()]
    return "complete" if all(c.demonstrated for c in named) else "partial"


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def certificate_data(
    issued: StoredCredential,
    *,
    summary: CredentialSummary,
    verify_url: str,
    status_label: str,
    branding: Branding,
) -> CertificateData:
    achievement = summary.achievement
    issued_on = _day(summary.valid_from) or _day(issued.valid_from) or issued.issued_at.date()
    return CertificateData(
        recipient_name=recipient_name(issued, summary),
        certification_name=certification_name(issued, summary),
        description=achievement.description or "",
        criteria=achievement.criteria or "",
        competencies=_competencies(summary),
        projects=_projects(issued, summary),
        issuer_name=_first(summary.issuer_name, issued.issuer.name, default="Issuer"),
        issuer_id=_first(summary.issuer_id, issued.issuer.did, default="unknown"),
        issued_on=issued_on,
        expires_on=_day(summary.valid_until) or _day(issued.valid_until),
        credential_id=_first(summary.id, issued.credential_id, default=issued.id),
        verify_url=verify_url,
        status_label=status_label,
        branding=branding,
        award=_award(summary),
        override_reason=summary.override_reason,
        language=issued.language or DEFAULT_LANGUAGE,
    )
