"""The WeasyPrint workarounds: written for pinned versions, each still needed, each harmless.

When a pin changes, the first test fails on purpose: read the module docstring of
``credentials.documents.weasyprint_workarounds``, run the "still needed" tests against the
new version, drop what upstream has fixed, then move the pins.
"""

from __future__ import annotations

import gc
import io
import warnings
import zlib
from importlib.metadata import version
from importlib.resources import files

import pydyf  # type: ignore[import-untyped]
import pytest
import weasyprint
from pypdf import PdfReader

from credentials.documents import weasyprint_workarounds as workarounds

ATTACHED = b'{"credential": true}'


def _pdf(**options: object) -> bytes:
    document = weasyprint.HTML(string="<p>certificate</p>").render(
        color_profiles=workarounds.color_profiles(),
        output_intent=workarounds.OUTPUT_INTENT,
        pdf_variant="pdf/a-3b",
    )
    attachment = weasyprint.Attachment(
        string=ATTACHED, name="credential.json", relationship="Source"
    )
    pdf: bytes = document.write_pdf(
        attachments=[attachment],
        pdf_variant="pdf/a-3b",
        output_intent=workarounds.OUTPUT_INTENT,
        **options,
    )
    return pdf


def _af(pdf: bytes) -> list[object]:
    return list(PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/AF"])  # type: ignore[index]


def test_written_for_the_pinned_versions() -> None:
    assert version("weasyprint") == weasyprint.__version__ == workarounds.PINNED_WEASYPRINT, (
        "WeasyPrint changed: re-check credentials/documents/weasyprint_workarounds.py"
    )
    assert version("pydyf") == workarounds.PINNED_PYDYF, (
        "pydyf changed: re-check credentials/documents/weasyprint_workarounds.py"
    )


def test_upstream_still_lists_each_attachment_twice() -> None:
    """Kozea/WeasyPrint#2917: when this fails, upstream fixed it; drop the /AF dedupe."""
    references = _af(_pdf())
    assert len(references) == 2
    assert references[0] == references[1]


def test_finisher_keeps_one_reference_per_attachment() -> None:
    [spec] = _af(_pdf(finisher=workarounds.finish_pdf))
    assert spec.get_object()["/UF"] == "credential.json"  # type: ignore[attr-defined]


def test_upstream_srgb_intent_still_leaks_its_profile_file() -> None:
    """When this fails, the built-in ``output_intent="srgb"`` closes its file: use it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        weasyprint.HTML(string="<p>x</p>").write_pdf(pdf_variant="pdf/a-3b")
        gc.collect()
    assert any(issubclass(w.category, ResourceWarning) for w in caught)


def test_our_srgb_intent_is_the_same_profile_without_the_leak() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdf = _pdf(finisher=workarounds.finish_pdf)
    [intent] = PdfReader(io.BytesIO(pdf)).trailer["/Root"]["/OutputIntents"]  # type: ignore[index]
    profile = intent.get_object()["/DestOutputProfile"].get_object()  # type: ignore[attr-defined]
    assert profile.get_data() == (files("weasyprint.pdf") / "sRGB2014.icc").read_bytes()


def test_upstream_still_compresses_each_stream_for_the_identifier_and_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """When this fails, pydyf serialises once: drop the compress-once step of the finisher."""
    calls = {"upstream": 0, "finished": 0}
    real = zlib.compressobj
    counting = "upstream"

    def compressobj(*args: object, **kwargs: object) -> object:
        calls[counting] += 1
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(zlib, "compressobj", compressobj)
    _pdf(finisher=lambda _doc, pdf: None)
    counting = "finished"
    _pdf(finisher=workarounds.finish_pdf)

    assert calls["finished"] < calls["upstream"]
    # Once per stream, plus the object and cross-reference streams pydyf makes while writing.
    assert calls["upstream"] >= 2 * (calls["finished"] - 2)


def test_compressing_once_writes_the_same_stream_bytes() -> None:
    items = [b"q", "1 0 0 1 0 0 cm", 1.5, 2.0, 7, pydyf.Dictionary({"A": 1})]
    upstream = pydyf.Stream(list(items), {"Type": "/XObject"}, compress=True)
    ours = pydyf.Stream(list(items), {"Type": "/XObject"}, compress=True)

    workarounds._compress_once(ours)

    assert ours.data == upstream.data
    assert ours.compress is False
