"""Rendering and caching a credential's documents: the PDF certificate and baked badges.

Cache keys are content addresses: SHA-256 over the renderer version, the kind of
document and every input that shapes it —

- PDF: the stored credential bytes, the status label, the template fingerprint
  (``credentials.documents.pdf.template_fingerprint``: every file of the template's
  folder), the provider's branding, the verification URL (the QR code) and the
  certificate's language with its catalogue's content;
- badge: the stored credential bytes, the status label, the badge image source and
  the format.

So a revocation, a template edit or a new logo changes the key, and the next request
renders anew; the ETag is the key, so a client's copy is revalidated with one cheap
request. Identical inputs give identical bytes (the renderer is deterministic), so two
processes racing on one key store the same file.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final, Literal, TypeVar

from credentials.caching import Cache
from credentials.documents.baking import bake_png, bake_svg
from credentials.documents.certificate_model import Branding, CertificateData
from credentials.documents.certificate_words import DEFAULT_LANGUAGE
from credentials.documents.pdf import render_certificate_pdf, template_fingerprint
from credentials.documents.pdf_preview import render_preview
from credentials.documents.render_pool import RenderPool
from credentials.errors import RenderOverloadError
from microcred.platform.i18n import TRANSLATIONS_DIR
from sharing.badges import (
    BAD_IMAGE_ERRORS,
    BadgeImages,
    BadgeSource,
    badge_source,
    mark_png,
    mark_svg,
)
from sharing.cache import DocumentCache
from sharing.certificate import (
    branding_digest,
    branding_for,
    certificate_data,
    certification_name,
    summary_of,
)
from sharing.status import CredentialState

if TYPE_CHECKING:
    from sharing.interfaces import CertificationView, ProviderView, StoredCredential

__all__ = ["RENDERER_VERSION", "DocumentService", "Rendered", "TemplateFingerprint"]

logger = logging.getLogger(__name__)

#: Bump when this package changes what it renders for the same inputs.
RENDERER_VERSION: Final = "1"

BadgeFormat = Literal["png", "svg"]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Rendered:
    key: str
    body: bytes
    from_cache: bool


def cache_key(kind: str, *parts: str | bytes) -> str:
    """SHA-256 over length-prefixed parts, so no two part lists collide."""
    digest = hashlib.sha256(f"microcred-sharing/{RENDERER_VERSION}/{kind}".encode())
    for part in parts:
        raw = part if isinstance(part, bytes) else part.encode("utf-8")
        digest.update(len(raw).to_bytes(8, "big"))
        digest.update(raw)
    return digest.hexdigest()


class TemplateFingerprint:
    """``template_fingerprint`` memoised: re-hashed only when a file's size or mtime changed,
    and the folder is looked at no more than once per ``check_seconds``."""

    def __init__(self, templates_dir: Path, template: str, *, check_seconds: float) -> None:
        self.templates_dir = Path(templates_dir).resolve()
        self.template = template
        self._folder = (self.templates_dir / template).parent
        self._check_seconds = check_seconds
        self._lock = threading.Lock()
        self._checked_at = float("-inf")
        self._snapshot: tuple[tuple[str, int, int], ...] | None = None
        self._value = ""

    def _stat_snapshot(self) -> tuple[tuple[str, int, int], ...]:
        found = []
        for path in sorted(self._folder.rglob("*")):
            if path.is_file():
                stat = path.stat()
                found.append((str(path), stat.st_mtime_ns, stat.st_size))
        return tuple(found)

    def current(self) -> str:
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < self._check_seconds and self._value:
                return self._value
            snapshot = self._stat_snapshot()
            if snapshot != self._snapshot or not self._value:
                self._value = template_fingerprint(self.templates_dir, self.template)
                self._snapshot = snapshot
            self._checked_at = now
            return self._value


class _KeyLocks:
    """One lock per key being rendered, so concurrent requests render a document once."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, tuple[threading.Lock, int]] = {}

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)


class _Memo:
    """A small LRU of values derived from rows, keyed by the row's id and ``updated_at``.

    Logos and badge images are up to half a megabyte of base64; decoding, validating and
    hashing them on every request would cost more than the whole cached-PDF budget. Every
    change through the services bumps ``updated_at`` (``onupdate``), which changes the key.
    """

    def __init__(self, size: int = 512) -> None:
        self._values: Cache[tuple[object, ...], object] = Cache(size, name="sharing.branding")

    def get(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        return self._values.get_or_compute(key, make)  # type: ignore[return-value]


@functools.lru_cache(maxsize=16)
def catalogue_digest(language: str | None) -> str:
    """The language of a certificate and its catalogue's content, for cache keys: a PDF
    cached before a translation changed is rendered again. Read once per process (the
    catalogues are package data, replaced only by a new release)."""
    if not language or language == DEFAULT_LANGUAGE:
        return DEFAULT_LANGUAGE
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.mo"
    content = path.read_bytes() if path.is_file() else b""
    return f"{language}:{hashlib.sha256(content).hexdigest()}"


def badge_source_for(certification: CertificationView, issuer: ProviderView) -> BadgeSource:
    return badge_source(
        image=certification.image,
        title=certification.name,
        subtitle=issuer.name,
        primary=issuer.primary_color,
        accent=issuer.accent_color,
    )


def credential_badge_source(issued: StoredCredential) -> BadgeSource:
    """The certification's badge; for a credential issued through the VC API (no
    certification of ours), the default badge titled with the achievement it names."""
    if issued.certification is not None:
        return badge_source_for(issued.certification, issued.issuer)
    return badge_source(
        image=None,
        title=certification_name(issued, summary_of(issued)),
        subtitle=issued.issuer.name,
        primary=issued.issuer.primary_color,
        accent=issued.issuer.accent_color,
    )


def _default_of(source: BadgeSource) -> BadgeSource:
    """The generated badge for the same certification and provider."""
    return badge_source(
        image=None,
        title=source.title,
        subtitle=source.subtitle,
        primary=source.primary,
        accent=source.accent,
    )


class DocumentService:
    """Renders on a cache miss, counts renders per kind (``renders["pdf"]``)."""

    def __init__(
        self,
        *,
        cache: DocumentCache,
        badges: BadgeImages,
        fingerprint: TemplateFingerprint,
        base_url: str,
        pool: RenderPool,
    ) -> None:
        self.cache = cache
        self.pool = pool
        self.badges = badges
        self.fingerprint = fingerprint
        self.base_url = base_url
        self.renders: Counter[str] = Counter()
        self._locks = _KeyLocks()
        self._memo = _Memo()

    def branding(self, issuer: ProviderView) -> tuple[Branding, str]:
        """The provider's branding and its digest (memoised per profile version)."""

        def make() -> tuple[Branding, str]:
            branding = branding_for(issuer)
            return branding, branding_digest(branding)

        return self._memo.get(("branding", issuer.id, issuer.updated_at), make)

    def badge_source(self, issued: StoredCredential) -> BadgeSource:
        """The credential's badge source (memoised per certification and profile version)."""
        certification = issued.certification
        key: tuple[object, ...] = (
            ("badge", certification.id, certification.updated_at)
            if certification is not None
            else ("badge", issued.id)  # named by its own (immutable) document
        )
        issuer = issued.issuer
        return self._memo.get(
            (*key, issuer.id, issuer.updated_at), lambda: credential_badge_source(issued)
        )

    def verify_url(self, issued: StoredCredential) -> str:
        return f"{self.base_url}/v/{issued.short_code}"

    def _cached(
        self, key: str, ext: str, render: Callable[[], bytes], *, owner: str | None = None
    ) -> Rendered:
        """The entry ``key.ext``, rendered on a miss. ``owner``: the credential whose
        document it is, so that ``forget`` finds it once its key cannot be recomputed."""
        body = self.cache.get(key, ext)
        if body is not None:
            if owner is not None:
                self.cache.tag(owner, key, ext)  # entries cached before tags existed
            return Rendered(key, body, from_cache=True)
        with self._locks.hold(key):
            body = self.cache.get(key, ext)  # rendered by another thread meanwhile?
            if body is not None:
                return Rendered(key, body, from_cache=True)
            body = render()
            self.cache.put(key, ext, body, owner=owner)
            return Rendered(key, body, from_cache=False)

    def forget(self, credential_ids: Iterable[str]) -> int:
        """Delete the cached PDFs and badges of these credentials (an erasure: they carry
        the person's name); how many files went."""
        return self.cache.forget(credential_ids)

    # --- PDF ------------------------------------------------------------------------------

    def certificate(self, issued: StoredCredential, state: CredentialState) -> Rendered:
        branding, branding_key = self.branding(issued.issuer)
        document = issued.document.encode("utf-8")
        verify_url = self.verify_url(issued)
        key = cache_key(
            "pdf",
            document,
            state.label,
            self.fingerprint.current(),
            branding_key,
            verify_url,
            catalogue_digest(issued.language),
        )

        def render() -> bytes:
            data = certificate_data(
                issued,
                summary=summary_of(issued),
                verify_url=verify_url,
                status_label=state.label,
                branding=branding,
            )
            # In a renderer process, under the time and memory budget (render_pool).
            pdf = self.pool.run(
                render_certificate_pdf,
                data,
                credential_json=document,
                templates_dir=self.fingerprint.templates_dir,
                template=self.fingerprint.template,
                translations_dir=TRANSLATIONS_DIR,
            )
            self.renders["pdf"] += 1
            return pdf

        return self._cached(key, "pdf", render, owner=issued.id)

    # --- previews -------------------------------------------------------------------------

    #: What a preview PDF carries as its attachment: it is no credential.
    PREVIEW_ATTACHMENT: Final = b'{"preview": "a sample certificate, not a credential"}'

    def sample_preview(self, data: CertificateData, fmt: Literal["pdf", "png"]) -> Rendered:
        """A sample certificate (the console's design page) as a PDF or a PNG of its page.

        Rendered in the pool, under its budget, and cached by content: the key covers the
        template fingerprint and every value of ``data`` (its branding and layout
        included), so the same unsaved design asked again costs a file read.
        """
        key = cache_key("preview-" + fmt, self.fingerprint.current(), repr(data))
        args = (data,)
        kwargs = {
            "credential_json": self.PREVIEW_ATTACHMENT,
            "templates_dir": self.fingerprint.templates_dir,
            "template": self.fingerprint.template,
            "translations_dir": TRANSLATIONS_DIR,
        }

        def render() -> bytes:
            if fmt == "png":
                body = self.pool.run(render_preview, render_certificate_pdf, *args, **kwargs)
            else:
                body = self.pool.run(render_certificate_pdf, *args, **kwargs)
            self.renders["preview-" + fmt] += 1
            return body

        return self._cached(key, fmt, render)

    # --- badges ---------------------------------------------------------------------------

    def badge(self, issued: StoredCredential, fmt: BadgeFormat, state: CredentialState) -> Rendered:
        source = self.badge_source(issued)
        mark = "" if state.is_valid else f"{state.kind}:{state.label}"
        key = cache_key("badge-" + fmt, issued.document, mark, source.digest)

        def render() -> bytes:
            try:
                body = self._bake(issued, fmt, source, state)
            except RenderOverloadError:
                raise  # busy, not broken: never cache the default in its place
            except BAD_IMAGE_ERRORS as exc:
                # The uploaded image is not a PNG/SVG we can bake into: use the default.
                logger.warning("badge image of %s unusable (%s); default used", issued.id, exc)
                body = self._bake(issued, fmt, _default_of(source), state)
            self.renders["badge-" + fmt] += 1
            return body

        return self._cached(key, fmt, render, owner=issued.id)

    def _bake(
        self,
        issued: StoredCredential,
        fmt: BadgeFormat,
        source: BadgeSource,
        state: CredentialState,
    ) -> bytes:
        if fmt == "png":
            png = self.badges.png(source)
            if not state.is_valid:
                png = mark_png(png, state.label, state.kind)
            return bake_png(png, issued.document)
        svg = self.badges.svg(source)
        if not state.is_valid:
            svg = mark_svg(svg, state.label, state.kind)
        return bake_svg(svg, issued.document).encode("utf-8")

    # --- previews -------------------------------------------------------------------------

    def draft_preview(self, draft: StoredCredential, kind: Literal["pdf", "png"]) -> bytes:
        """The PDF or the PNG badge of a credential not issued yet (the console's preview
        of an unsigned draft): rendered now through the render pool, never cached (a draft
        has no address to cache under), the PDF's status printed as "Preview"."""
        label = "Preview"
        if kind == "pdf":
            branding, _ = self.branding(draft.issuer)
            data = certificate_data(
                draft,
                summary=summary_of(draft),
                verify_url=self.verify_url(draft),
                status_label=label,
                branding=branding,
            )
            return self.pool.run(
                render_certificate_pdf,
                data,
                credential_json=draft.document.encode("utf-8"),
                templates_dir=self.fingerprint.templates_dir,
                template=self.fingerprint.template,
                translations_dir=TRANSLATIONS_DIR,
            )
        source = credential_badge_source(draft)
        try:
            png = self.badges.png(source)
        except RenderOverloadError:
            raise
        except BAD_IMAGE_ERRORS:
            png = self.badges.png(_default_of(source))
        # As it will look (not greyed out): the baked JSON is unsigned, so it verifies as
        # nothing.
        return bake_png(png, draft.document)

    def achievement_image(
        self, certification: CertificationView, issuer: ProviderView, fmt: BadgeFormat
    ) -> bytes:
        source = self._memo.get(
            ("image", certification.id, certification.updated_at, issuer.id, issuer.updated_at),
            lambda: badge_source_for(certification, issuer),
        )
        try:
            return self._image(source, fmt)
        except RenderOverloadError:
            raise
        except BAD_IMAGE_ERRORS as exc:
            logger.warning("image of %s unusable (%s); default used", certification.id, exc)
            return self._image(_default_of(source), fmt)

    def _image(self, source: BadgeSource, fmt: BadgeFormat) -> bytes:
        if fmt == "png":
            return self.badges.png(source)
        return self.badges.svg(source).encode("utf-8")
