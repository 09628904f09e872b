"""Documents a credential travels in: QR codes, baked PNG/SVG badges, PDF certificates.

- :mod:`~credentials.documents.qr` — ``qr_png``, ``qr_svg`` (level M).
- :mod:`~credentials.documents.baking` — Open Badges 3.0 baking: ``bake_png``,
  ``extract_png``, ``bake_svg``, ``extract_svg``, and ``extract_credential`` for uploads of
  any type (PNG, SVG, PDF, JSON, sniffed by their bytes).
- :mod:`~credentials.documents.badge_image` — ``default_badge_svg``, ``default_badge_png``.
- :mod:`~credentials.documents.pdf` — ``CertificateData`` and friends,
  ``render_certificate_pdf`` (PDF/A-3b, credential attached), ``extract_pdf_credential``,
  ``template_fingerprint``. Import it from its module: it loads WeasyPrint, which the
  verifier side does not need (it reads PDFs through
  :mod:`~credentials.documents.pdf_extract`). What it does around WeasyPrint's own
  behaviour is in :mod:`~credentials.documents.weasyprint_workarounds`, and nowhere else.
- :mod:`~credentials.documents.svg_raster` — ``rasterise_svg`` (SVG → PNG with resvg,
  in-process, bounded work, a time budget) and ``check_svg``, its preflight. Import it
  from its module too: it loads resvg.
"""

from __future__ import annotations

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import (
    bake_png,
    bake_svg,
    extract_credential,
    extract_png,
    extract_svg,
)
from credentials.documents.pdf_extract import extract_pdf_credential
from credentials.documents.qr import qr_png, qr_svg

__all__ = [
    "bake_png",
    "bake_svg",
    "default_badge_png",
    "default_badge_svg",
    "extract_credential",
    "extract_pdf_credential",
    "extract_png",
    "extract_svg",
    "qr_png",
    "qr_svg",
]
