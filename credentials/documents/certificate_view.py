"""The template context for a certificate: shortened, direction-tagged, display-ready values.

A certificate must stay on one page whatever the provider or the freelancer typed, so the
view caps how many competencies and projects are listed (with "and N more"), shortens
very long strings, and picks a font-size class for long names. Text direction is computed
per value (see :mod:`credentials.documents.text`) so Arabic and Hebrew names render right
to left, and bidi override characters are removed. The certificate's own words come out in
its language (``CertificateData.language``) through the catalogue the renderer hands in
(:mod:`credentials.documents.certificate_words`).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from typing import Any, Final, Literal

from markupsafe import Markup

from credentials.documents.certificate_model import (
    CertificateCompetency,
    CertificateData,
    CertificateProject,
)
from credentials.documents.certificate_words import N_, long_date
from credentials.documents.qr import qr_svg
from credentials.documents.text import clean_text, text_direction

__all__ = [
    "COMPACT_LIMITS",
    "LIMITS",
    "Limits",
    "Text",
    "certificate_context",
    "contrast_ratio",
    "ink_colour",
]


@dataclass(frozen=True, kw_only=True)
class Limits:
    """How much of each list and string the certificate shows."""

    competencies: int
    projects: int
    refs_per_competency: int
    name_chars: int
    title_chars: int
    description_chars: int
    criteria_chars: int
    item_chars: int


LIMITS: Final = Limits(
    competencies=5,
    projects=4,
    refs_per_competency=3,
    name_chars=120,
    title_chars=140,
    description_chars=360,
    criteria_chars=220,
    item_chars=110,
)
#: Used when a (custom) template overflows with the normal limits.
COMPACT_LIMITS: Final = Limits(
    competencies=4,
    projects=3,
    refs_per_competency=2,
    name_chars=70,
    title_chars=80,
    description_chars=160,
    criteria_chars=100,
    item_chars=60,
)


@dataclass(frozen=True, slots=True)
class Text:
    """A display string with its base direction, for ``dir="{{ t.dir }}"``."""

    value: str
    dir: Literal["ltr", "rtl"]

    def __str__(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)


def _clip(value: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary when one is near, with "…"."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—") + "…"


def _text(value: str | None, limit: int) -> Text:
    cleaned = _clip(clean_text(value), limit)
    return Text(cleaned, text_direction(cleaned))


def _size_class(value: str, steps: tuple[int, int, int]) -> str:
    """``xl`` for short values down to ``s`` for long ones; the CSS sets the font sizes."""
    length = len(value)
    for size, bound in zip(("xl", "l", "m"), steps, strict=True):
        if length <= bound:
            return size
    return "s"


_LEADS = {
    "complete": N_("has demonstrated every competency of"),
    "partial": N_("has demonstrated the required competencies of"),
    "override": N_("was awarded, by the issuer's decision, the micro-certification"),
}
#: What the status box may print (``sharing.status`` labels, the console's "Preview"), so
#: the catalogue carries them; any other label is printed as given.
_STATUS_WORDS: Final = (
    N_("Scan for status"),
    N_("Revoked"),
    N_("Suspended"),
    N_("Expired"),
    N_("Not yet valid"),
    N_("Invalid"),
    N_("Preview"),
)
_HEADINGS: Final = {
    True: N_("Competencies demonstrated"),
    False: N_("Competencies of this certification"),
}
#: Words are looked up in this when the caller hands no catalogue: English as written.
_ENGLISH: Final = gettext.NullTranslations()


def _status_kind(label: str) -> Literal["valid", "warning", "invalid"]:
    lowered = label.strip().lower()
    if lowered in ("valid", "active", "verified"):
        return "valid"
    if lowered in ("suspended", "pending", "expiring"):
        return "warning"
    return "invalid"


def _project(project: CertificateProject, limits: Limits) -> dict[str, Any]:
    meta = [clean_text(part) for part in (project.platform, project.client, project.dates) if part]
    url = clean_text(project.url)
    return {
        "title": _text(project.title, limits.item_chars),
        "meta": _text(" · ".join(part for part in meta if part), limits.item_chars),
        # Only web links become clickable: no javascript:, file: or data: targets.
        "url": url if url.startswith(("https://", "http://")) and len(url) < 2048 else None,
    }


def ink_colour(colour: str, *, contrast: float = 4.5) -> str:
    """``colour`` darkened until it reaches ``contrast`` against white (WCAG 2 formula).

    Brand accents are often light (gold, yellow); text in the accent colour stays legible.
    """
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(d * 2 for d in hex_digits)
    rgb = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    for _ in range(40):
        if 1.05 / (_luminance(rgb) + 0.05) >= contrast:
            break
        rgb = [channel * 0.92 for channel in rgb]
    return "#" + "".join(f"{round(channel * 255):02x}" for channel in rgb)


def _rgb(colour: str) -> list[float]:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(d * 2 for d in hex_digits)
    return [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]


def contrast_ratio(first: str, second: str = "#ffffff") -> float:
    """The WCAG 2 contrast ratio of two ``#rgb``/``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((_luminance(_rgb(first)), _luminance(_rgb(second))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _luminance(rgb: list[float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _more(total: int, shown: int) -> int:
    return max(total - shown, 0)


def _competency(
    item: CertificateCompetency, limits: Limits, words: gettext.NullTranslations
) -> dict[str, Text]:
    shown = [clean_text(p) for p in item.projects[: limits.refs_per_competency]]
    hidden = _more(len(item.projects), len(shown))
    projects = ", ".join(shown)
    if hidden:
        projects += " " + words.ngettext("and %(num)d more", "and %(num)d more", hidden) % {
            "num": hidden
        }
    return {
        "name": _text(item.name, limits.item_chars),
        "description": _text(item.description, limits.item_chars),
        "projects": _text(projects, limits.item_chars),
    }


def certificate_context(
    data: CertificateData,
    limits: Limits = LIMITS,
    words: gettext.NullTranslations = _ENGLISH,
) -> dict[str, Any]:
    """Everything ``certificate/default.html`` (or a provider's template) may use, its
    fixed words looked up in ``words`` (the catalogue of ``data.language``)."""
    branding = data.branding
    recipient = _text(data.recipient_name, limits.name_chars)
    certification = _text(data.certification_name, limits.title_chars)
    competencies = [
        _competency(item, limits, words) for item in data.competencies[: limits.competencies]
    ]
    status_kind = _status_kind(data.status_label)  # from the English label, before translating
    # Never print "Valid": it would outlive a revocation on every saved copy.
    status_label = "Scan for status" if status_kind == "valid" else data.status_label
    demonstrated = any(c.demonstrated for c in data.competencies)
    return {
        "lang": data.language,
        "recipient": recipient,
        "recipient_size": _size_class(recipient.value, (26, 38, 60)),
        "certification": certification,
        "certification_size": _size_class(certification.value, (34, 52, 80)),
        "description": _text(data.description, limits.description_chars),
        "criteria": _text(data.criteria, limits.criteria_chars),
        "competencies": competencies,
        "more_competencies": _more(len(data.competencies), len(competencies)),
        "projects": [_project(p, limits) for p in data.projects[: limits.projects]],
        "more_projects": _more(len(data.projects), limits.projects),
        "issuer_name": _text(data.issuer_name, limits.item_chars),
        "issuer_id": _clip(clean_text(data.issuer_id), 140),
        "issued_on": long_date(data.issued_on, data.language),
        "expires_on": long_date(data.expires_on, data.language) if data.expires_on else None,
        "credential_id": _clip(clean_text(data.credential_id), 160),
        "verify_url": _clip(clean_text(data.verify_url), 200),
        "status_label": _clip(clean_text(words.gettext(status_label)), 32),
        "status_kind": "current" if status_kind == "valid" else status_kind,
        "lead": words.gettext(_LEADS[data.award]),
        "competencies_heading": words.gettext(_HEADINGS[demonstrated]),
        "override_reason": _text(data.override_reason, limits.description_chars),
        "is_valid": status_kind == "valid",
        "qr_svg": Markup(qr_svg(data.verify_url, size_px=300, border=2, stroked=True)),  # noqa: S704 - our own SVG, numbers only
        "primary": branding.primary,
        "accent": branding.accent,
        "accent_ink": ink_colour(branding.accent),
        "logo": branding.logo_data_uri,
        "signatory_name": _text(branding.signatory_name, 80),
        "signatory_title": _text(branding.signatory_title, 80),
        "signature": branding.signature_data_uri,
        "layout": branding.layout,
    }
