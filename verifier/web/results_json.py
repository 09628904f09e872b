"""The JSON answer of ``POST /api/v1/verify`` (and ``/v/<ref>`` asked for JSON).

``VerificationResult.as_dict()`` (verdict, summary, every check) plus what the
credential says, read with ``credentials.ob3.summarize``: the same facts the page shows,
for machines. Strings are returned exactly as issued.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from credentials.ob3 import (
    AlignmentSummary,
    CompetencySummary,
    CredentialSummary,
    EvidenceSummary,
    format_datetime,
    summarize,
)
from credentials.results import VerificationResult


def result_body(result: VerificationResult) -> dict[str, Any]:
    body = result.as_dict()
    body["credential"] = credential_json(summarize(result.credential), result.credential)
    return body


def _time(value: datetime | None, issued: object) -> str | None:
    """The timestamp as issued when it parsed (the common case: no re-formatting), else
    None for a missing or malformed one."""
    if value is None:
        return None
    return issued if isinstance(issued, str) else format_datetime(value)


def _evidence(item: EvidenceSummary) -> dict[str, Any]:
    return {"name": item.name, "description": item.description, "url": item.url}


def _alignment(item: AlignmentSummary) -> dict[str, Any]:
    return {"name": item.name, "url": item.url, "framework": item.framework, "code": item.code}


def _competency(item: CompetencySummary) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "description": item.description,
        "demonstrated": item.demonstrated,
        "alignments": [_alignment(a) for a in item.alignments],
        "evidence": [_evidence(e) for e in item.evidence],
    }


def credential_json(summary: CredentialSummary, credential: Mapping[str, Any]) -> dict[str, Any]:
    achievement = summary.achievement
    return {
        "id": summary.id,
        "name": summary.name,
        "recipientName": summary.recipient_name,
        "recipientId": summary.recipient_did,
        "achievement": {
            "id": achievement.id,
            "name": achievement.name,
            "description": achievement.description,
            "type": achievement.type,
            "criteria": achievement.criteria,
        },
        "competencies": [_competency(c) for c in summary.competencies],
        "evidence": [_evidence(e) for e in summary.evidence],
        "issuer": {"id": summary.issuer_id, "name": summary.issuer_name, "url": summary.issuer_url},
        "validFrom": _time(summary.valid_from, credential.get("validFrom")),
        "validUntil": _time(summary.valid_until, credential.get("validUntil")),
        "awardedDate": _time(summary.awarded_date, credential.get("awardedDate")),
        "overrideReason": summary.override_reason,
    }
