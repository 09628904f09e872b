"""PDF certificates: Jinja2 HTML → WeasyPrint → PDF/A-3b with the credential attached.

The signed credential JSON travels inside the PDF as an associated file
(``credential.json``, AFRelationship ``Source``), so an uploaded certificate can be verified
offline from its attachment; the QR code on the page leads to the online verification page.

Rendering is offline: the URL fetcher refuses everything except ``data:`` URIs and files
under the templates directory. Parsed templates, the stylesheet and WeasyPrint's font
configuration are cached per templates directory and per thread (WeasyPrint's Pango objects
are not documented as thread-safe), which is what brings a render to well under 150 ms.
What we do around WeasyPrint's own behaviour lives in
:mod:`~credentials.documents.weasyprint_workarounds`.
"""

from __future__ import annotations

import gettext
import hashlib
import threading
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final
from urllib.parse import urlsplit
from urllib.request import url2pathname

import jinja2
import weasyprint
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from credentials.documents.certificate_model import (
    LAYOUTS,
    Branding,
    CertificateCompetency,
    CertificateData,
    CertificateProject,
)
from credentials.documents.certificate_view import COMPACT_LIMITS, LIMITS, certificate_context
from credentials.documents.certificate_words import catalogue
from credentials.documents.pdf_extract import ATTACHMENT_NAME, extract_pdf_credential
from credentials.documents.weasyprint_workarounds import (
    OUTPUT_INTENT,
    color_profiles,
    finish_pdf,
)
from credentials.errors import ConfigurationError, InvalidInputError

__all__ = [
    "Branding",
    "CertificateCompetency",
    "CertificateData",
    "CertificateProject",
    "extract_pdf_credential",
    "layout_template",
    "render_certificate_pdf",
    "template_fingerprint",
]

DEFAULT_TEMPLATE: Final = "certificate/default.html"
PDF_VARIANT: Final = "pdf/a-3b"
#: Bumped when the renderer changes what a template produces, so caches keyed by
#: :func:`template_fingerprint` are invalidated by code changes too.
_RENDERER_VERSION: Final = "4"  # 4: the certificate in its language
_MAX_CREDENTIAL_BYTES: Final = 4 * 1024 * 1024
#: URL scheme of the aliases that stand for branding images in the HTML.
_ALIAS_SCHEME: Final = "microcred-image"
#: Template context entries holding branding images as data: URIs.
_IMAGE_FIELDS: Final = ("logo", "signature")


class _OfflineFetcher(URLFetcher):  # type: ignore[misc]  # weasyprint ships no types
    """Lets WeasyPrint read ``data:`` URIs and files under one directory, nothing else.

    Branding images reach the HTML as short aliases (see :meth:`alias`) that this fetcher
    resolves to their ``data:`` URIs.
    """

    def __init__(self, root: Path) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
        self._root = root
        self._aliases: dict[str, str] = {}

    def alias(self, data_uri: str) -> str:
        """A short URL for ``data_uri``, valid until :meth:`forget_aliases`.

        A logo upload is a data: URI of 100 KB or more; written into the HTML, it cost
        ≈ 7 ms of every render in the HTML parser alone. The alias names the content (a
        digest), so WeasyPrint's image cache, keyed by URL, can never mix up two images.
        """
        url = f"{_ALIAS_SCHEME}:{hashlib.sha256(data_uri.encode()).hexdigest()}"
        self._aliases[url] = data_uri
        return url

    def forget_aliases(self) -> None:
        self._aliases.clear()

    def fetch(self, url: str, headers: Any = None) -> Any:
        if url.startswith(_ALIAS_SCHEME + ":"):
            if url not in self._aliases:
                raise ValueError(f"refusing to fetch {url}: not an image of this certificate")
            url = self._aliases[url]
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self._root) or not path.is_file():
                raise ValueError(f"refusing to read {url}: outside the templates directory")
        elif not url.startswith("data:"):
            raise ValueError(f"refusing to fetch {url}: certificates render offline")
        return super().fetch(url, headers)


class _Renderer:
    """The reusable parts of a render for one templates directory (one per thread)."""

    def __init__(self, templates_dir: Path) -> None:
        self.root = templates_dir
        self.base_url = templates_dir.as_uri() + "/"
        self.fetcher = _OfflineFetcher(templates_dir)
        self.fonts = FontConfiguration()
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(templates_dir),
            autoescape=True,  # every user-supplied string is escaped (DESIGN §5)
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            # The certificate's own words are marked for gettext ({% trans %}, _()); each
            # render installs its language's catalogue (this environment is one thread's).
            extensions=["jinja2.ext.i18n"],
        )
        self.env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
        self._stylesheets: dict[str, tuple[int, Any]] = {}
        self._images: dict[Any, Any] = {}

    def image_cache(self) -> dict[Any, Any]:
        """WeasyPrint's decoded-image cache, shared by this thread's renders.

        A provider's logo and a certification's badge image appear on every certificate;
        decoding and re-compressing them was ≈ 15 % of a render. WeasyPrint keeps lazily
        read entries in the same dict during a render, so it is only ever emptied between
        renders, once it holds more than ``_IMAGE_CACHE_ENTRIES`` entries (memory stays
        bounded by a few providers' images).
        """
        if len(self._images) > _IMAGE_CACHE_ENTRIES:
            self._images.clear()
        return self._images

    def stylesheet(self, template: str) -> list[Any]:
        """The template's ``.css`` sibling, parsed once (re-parsed when the file changes)."""
        path = (self.root / template).with_suffix(".css")
        if not path.is_file():
            return []
        mtime = path.stat().st_mtime_ns
        cached = self._stylesheets.get(template)
        if cached is None or cached[0] != mtime:
            # Relative URLs in it (an @import of default.css) are the stylesheet's siblings.
            css = weasyprint.CSS(
                filename=str(path),
                url_fetcher=self.fetcher,
                font_config=self.fonts,
                base_url=path.as_uri(),
            )
            cached = (mtime, css)
            self._stylesheets[template] = cached
        return [cached[1]]

    def render(
        self, template: str, context: dict[str, Any], words: gettext.NullTranslations
    ) -> Any:
        self.fetcher.forget_aliases()
        self.env.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
        context = {
            key: self.fetcher.alias(value)
            if key in _IMAGE_FIELDS and isinstance(value, str) and value.startswith("data:")
            else value
            for key, value in context.items()
        }
        try:
            html = self.env.get_template(template).render(**context)
        except jinja2.TemplateNotFound as exc:
            raise ConfigurationError(
                f"certificate template {template!r} not found in {self.root}", field="template"
            ) from exc
        return weasyprint.HTML(
            string=html, base_url=self.base_url, url_fetcher=self.fetcher
        ).render(
            font_config=self.fonts,
            cache=self.image_cache(),
            stylesheets=self.stylesheet(template),
            color_profiles=color_profiles(),
            pdf_variant=PDF_VARIANT,
            output_intent=OUTPUT_INTENT,
        )


#: Decoded images (and their PDF streams) kept per thread between renders.
_IMAGE_CACHE_ENTRIES = 32

_local = threading.local()


def _renderer(templates_dir: Path) -> _Renderer:
    root = Path(templates_dir).resolve()
    cache: dict[Path, _Renderer] = _local.__dict__.setdefault("renderers", {})
    renderer = cache.get(root)
    if renderer is None:
        if not root.is_dir():
            raise ConfigurationError(
                f"templates directory {root} does not exist", field="templates_dir"
            )
        renderer = cache[root] = _Renderer(root)
    return renderer


def layout_template(templates_dir: Path, template: str, layout: str) -> str:
    """The template of ``layout``: "classic" is ``template`` itself; another layout is the
    sibling ``<layout>.html`` in the template's folder, or ``template`` when a custom
    templates folder has none."""
    if layout == "classic" or layout not in LAYOUTS:
        return template
    sibling = str(PurePosixPath(template).with_name(f"{layout}.html"))
    return sibling if (Path(templates_dir) / sibling).is_file() else template


def render_certificate_pdf(
    data: CertificateData,
    *,
    credential_json: bytes,
    templates_dir: Path,
    template: str = DEFAULT_TEMPLATE,
    translations_dir: Path | None = None,
) -> bytes:
    """A one-page A4 PDF/A-3b certificate with ``credential_json`` attached, in the
    branding's layout (:func:`layout_template`), its own words and dates in
    ``data.language`` from the gettext catalogues under ``translations_dir`` (English
    without them).

    Long or numerous values are shortened to keep one page; if a template still overflows,
    it is rendered again with tighter limits, and the result must fit one page.
    """
    if not isinstance(data, CertificateData):
        raise InvalidInputError("data must be a CertificateData", field="data")
    if not isinstance(credential_json, bytes) or not credential_json:
        raise InvalidInputError("credential_json must be non-empty bytes", field="credential_json")
    if len(credential_json) > _MAX_CREDENTIAL_BYTES:
        raise InvalidInputError("credential_json is too large", field="credential_json")
    renderer = _renderer(templates_dir)
    template = layout_template(renderer.root, template, data.branding.layout)
    words = catalogue(translations_dir, data.language)
    document = renderer.render(template, certificate_context(data, LIMITS, words), words)
    if len(document.pages) > 1:
        document = renderer.render(
            template, certificate_context(data, COMPACT_LIMITS, words), words
        )
    if len(document.pages) > 1:
        # A certificate is one page; whatever a template pushes past it is overflow.
        document.pages[1:] = []
    # Fixed timestamps derived from the credential keep the output reproducible.
    stamp = datetime(data.issued_on.year, data.issued_on.month, data.issued_on.day, tzinfo=UTC)
    attachment = weasyprint.Attachment(
        string=credential_json,
        name=ATTACHMENT_NAME,
        description="Signed Open Badges 3.0 credential",
        created=stamp,
        modified=stamp,
        relationship="Source",
    )
    pdf: bytes = document.write_pdf(
        attachments=[attachment],
        pdf_variant=PDF_VARIANT,
        output_intent=OUTPUT_INTENT,
        finisher=finish_pdf,
    )
    return pdf


def template_fingerprint(templates_dir: Path, template: str = DEFAULT_TEMPLATE) -> str:
    """SHA-256 over every file in the template's directory (names and contents).

    Includes stylesheets, images and partials next to the template, plus a renderer version,
    so a cache keyed by it re-renders whenever anything that shapes the PDF changes.
    """
    root = Path(templates_dir).resolve()
    folder = (root / template).parent.resolve()
    if not folder.is_relative_to(root) or not (root / template).is_file():
        raise ConfigurationError(
            f"certificate template {template!r} not found in {root}", field="template"
        )
    digest = hashlib.sha256(f"microcred-certificate/{_RENDERER_VERSION}\0{template}\0".encode())
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()
