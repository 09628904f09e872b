"""Public pages: a freelancer's profile (``/p/<handle>``) and a credential's share page.

The profile exists only when the freelancer opted in (``profile_public``); otherwise the
answer is the same 404 as for a handle nobody has, so the page reveals nothing. Neither
page shows an email address or a recipient hash, and every status is computed (revoked,
suspended, expired and invalid credentials are marked, never shown as valid).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from flask import Blueprint, current_app, render_template
from markupsafe import Markup
from werkzeug.wrappers import Response

from microcred.platform.errors import problem_body
from microcred.platform.extensions import limit_public
from microcred.platform.refusals import NotFoundError
from microcred.platform.security import protect_pages
from sharing.certificate import certification_name, recipient_name, summary_of
from sharing.interfaces import StoredCredential
from sharing.links import CredentialLinks, badge_snippet, linkedin_add_url
from sharing.state import credential_links, load_issued, sharing
from sharing.status import CredentialState
from sharing.words import page_date  # i18n

blp = Blueprint("sharing_pages", __name__)
limit_public(blp)
# The site-wide page headers: a CSP that runs no script and loads only same-origin styles
# and images, no-store caching (a status can change), no framing, same-origin referrers.
protect_pages(blp)


@dataclass(frozen=True, slots=True)
class BadgeView:
    """One credential as a page shows it (strings as issued; the template escapes)."""

    certification: str
    issuer: str
    recipient: str
    issued_on: date | None
    expires_on: date | None
    credential_id: str
    state: CredentialState
    links: CredentialLinks


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def badge_view(issued: StoredCredential) -> BadgeView:
    summary = summary_of(issued)
    return BadgeView(
        certification=certification_name(issued, summary),
        issuer=summary.issuer_name or issued.issuer.name,
        recipient=recipient_name(issued, summary),
        issued_on=_day(summary.valid_from) or _day(issued.valid_from),
        expires_on=_day(summary.valid_until) or _day(issued.valid_until),
        credential_id=summary.id or issued.credential_id,
        state=sharing().status.state(issued),
        links=credential_links(issued),
    )


def _page(template: str, status: int = 200, **context: object) -> Response:
    html = render_template(template, format_date=page_date, **context)  # i18n: page_date
    return current_app.response_class(html, status=status, mimetype="text/html")


def _html_not_found(exc: NotFoundError) -> Response:
    # /credentials/... errors are JSON app-wide (documents are fetched by programs);
    # the share page is for people, so it answers with the HTML error page.
    body = problem_body(404, exc.message, error=exc.code)
    return _page("error.html", status=404, error=body)


@blp.get("/p/<handle>")
def profile(handle: str) -> Response:
    found = sharing().sources.profiles(handle)
    if found is None:
        raise NotFoundError(f"no public profile at /p/{handle}")
    badges = [badge_view(issued) for issued in found.credentials]
    return _page("sharing/profile.html", name=found.name, handle=handle, badges=badges)


@blp.get("/credentials/<uuid:credential_id>/share")
def share(credential_id: uuid.UUID) -> Response:
    try:
        issued = load_issued(credential_id)
    except NotFoundError as exc:
        return _html_not_found(exc)
    badge = badge_view(issued)
    snippet: Markup = badge_snippet(
        badge.links,
        certification=badge.certification,
        issuer=badge.issuer,
        recipient=badge.recipient,
    )
    linkedin = None
    if badge.issued_on is not None:
        linkedin = linkedin_add_url(
            name=badge.certification,
            organization=badge.issuer,
            issued_on=badge.issued_on,
            expires_on=badge.expires_on,
            cert_url=badge.links.verify,
            cert_id=badge.credential_id,
        )
    return _page(
        "sharing/share.html",
        badge=badge,
        snippet=snippet,
        # The same HTML as text (escaped by the template) for the copyable textarea.
        snippet_text=str(snippet),
        linkedin=linkedin,
    )
