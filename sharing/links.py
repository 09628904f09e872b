"""Public URLs of a credential's documents, the embeddable badge snippet, LinkedIn's link.

Every URL is absolute and built from ``MICROCRED_BASE_URL``: the snippet and the LinkedIn
entry are pasted on other sites, and the QR code is read by phones.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final
from urllib.parse import quote, urlencode

from markupsafe import Markup

from credentials.documents.text import clean_text

__all__ = [
    "LINKEDIN_ADD_URL",
    "CredentialLinks",
    "badge_snippet",
    "download_filename",
    "linkedin_add_url",
]

#: LinkedIn's "Add to profile" entry point for licences and certifications
#: (addtoprofile.linkedin.com): it opens the member's add-certification form prefilled.
LINKEDIN_ADD_URL: Final = "https://www.linkedin.com/profile/add"
#: How big the embedded badge is drawn; the PNG is 400 px, so it stays sharp on HiDPI.
SNIPPET_BADGE_PX: Final = 120
_FILENAME_PART: Final = 48
#: Names in the snippet are cut here: alt text and a caption, not a biography.
_SNIPPET_NAME_CHARS: Final = 120


@dataclass(frozen=True, slots=True)
class CredentialLinks:
    """The public URLs of one issued credential: absolute (for other sites, QR codes and
    LinkedIn) and ``*_path`` (for our own pages, which load them from their own origin)."""

    base_url: str
    credential_uuid: str
    short_code: str

    def _path(self, suffix: str) -> str:
        return f"/credentials/{self.credential_uuid}{suffix}"

    @property
    def verify(self) -> str:
        """What the QR code encodes and the snippet links to (the verifier's page)."""
        return f"{self.base_url}/v/{self.short_code}"

    @property
    def json_path(self) -> str:
        return self._path(".json")

    @property
    def pdf_path(self) -> str:
        return self._path(".pdf")

    @property
    def badge_png_path(self) -> str:
        return self._path("/badge.png")

    @property
    def badge_svg_path(self) -> str:
        return self._path("/badge.svg")

    @property
    def qr_png_path(self) -> str:
        return self._path("/qr.png")

    @property
    def qr_svg_path(self) -> str:
        return self._path("/qr.svg")

    @property
    def share_path(self) -> str:
        return self._path("/share")

    @property
    def json(self) -> str:
        return self.base_url + self.json_path

    @property
    def pdf(self) -> str:
        return self.base_url + self.pdf_path

    @property
    def badge_png(self) -> str:
        return self.base_url + self.badge_png_path

    @property
    def badge_svg(self) -> str:
        return self.base_url + self.badge_svg_path

    @property
    def share(self) -> str:
        return self.base_url + self.share_path


def badge_snippet(
    links: CredentialLinks, *, certification: str, issuer: str, recipient: str
) -> Markup:
    """HTML a freelancer pastes into a gig profile: the badge image linking to verification.

    No script and no inline style (sites strip both), every value escaped
    (``Markup.format`` escapes its arguments, quotes included).
    """
    certification, issuer, recipient = (
        _clip(clean_text(value), _SNIPPET_NAME_CHARS)
        for value in (certification, issuer, recipient)
    )
    alt = f"{certification} — issued by {issuer} to {recipient}. Select to verify."
    return Markup(
        '<a href="{verify}" title="Verify this credential">'
        '<img src="{image}" alt="{alt}" width="{px}" height="{px}"></a>\n'
        '<br><a href="{verify}">{certification}</a> · issued by {issuer}'
    ).format(
        verify=links.verify,
        image=links.badge_png,
        alt=alt,
        px=SNIPPET_BADGE_PX,
        certification=certification,
        issuer=issuer,
    )


def _clip(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def linkedin_add_url(
    *,
    name: str,
    organization: str,
    issued_on: date,
    expires_on: date | None,
    cert_url: str,
    cert_id: str,
) -> str:
    """LinkedIn's add-certification form, prefilled (every value percent-encoded)."""
    params: list[tuple[str, str]] = [
        ("startTask", "CERTIFICATION_NAME"),
        ("name", name),
        ("organizationName", organization),
        ("issueYear", str(issued_on.year)),
        ("issueMonth", str(issued_on.month)),
    ]
    if expires_on is not None:
        params += [
            ("expirationYear", str(expires_on.year)),
            ("expirationMonth", str(expires_on.month)),
        ]
    params += [("certUrl", cert_url), ("certId", cert_id)]
    # quote, not quote_plus: "%20" for spaces is read the same way everywhere.
    return f"{LINKEDIN_ADD_URL}?{urlencode(params, quote_via=quote, safe='')}"


def _ascii_slug(value: str) -> str:
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:_FILENAME_PART].rstrip("-")


def download_filename(*parts: str | None, fallback: str, ext: str) -> str:
    """``amara-okafor-freelance-python-api-developer.pdf``: ASCII only, so every browser
    and file system keeps it; ``fallback`` when nothing ASCII is left (all-Arabic names)."""
    slugs = [_ascii_slug(part) for part in parts if part]
    stem = "-".join(slug for slug in slugs if slug) or fallback
    return f"{stem}.{ext}"
