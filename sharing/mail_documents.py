"""The documents a mail to a freelancer carries: the baked badge (PNG) and, when asked,
the PDF certificate, exactly as the public document URLs serve them (same renderers,
same cache, the status printed as the verify page says it).

The issuing side's mail task may not import ``sharing`` (docs/ARCHITECTURE.md): the
composition root lends it ``mail_documents(app)`` through ``app.extensions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


@dataclass(frozen=True, slots=True)
class MailDocuments:
    badge_png: bytes
    pdf: bytes | None  # None when not asked for
    filename_stem: str  # "python-api-developer-ada-lovelace"


def mail_documents(app: Flask) -> Callable[[str, bool], MailDocuments]:
    """``(credential uuid, with_pdf) -> MailDocuments``; NotFoundError for an unknown id.
    Called inside an app context of ``app`` (a queue task)."""
    from sharing.certificate import certification_name, recipient_name, summary_of
    from sharing.links import download_filename
    from sharing.state import EXTENSION_KEY, load_issued

    def render(credential_id: str, with_pdf: bool) -> MailDocuments:
        service = app.extensions[EXTENSION_KEY]
        issued = load_issued(credential_id)
        state = service.status.state(issued)
        badge = service.documents.badge(issued, "png", state).body
        pdf = service.documents.certificate(issued, state).body if with_pdf else None
        summary = summary_of(issued)
        stem = download_filename(
            recipient_name(issued, summary),
            certification_name(issued, summary),
            None,
            fallback=f"credential-{issued.short_code}",
            ext="pdf",
        ).removesuffix(".pdf")
        return MailDocuments(badge_png=badge, pdf=pdf, filename_stem=stem)

    return render
