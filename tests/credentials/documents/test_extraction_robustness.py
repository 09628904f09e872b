"""Damaged uploads never escape as anything but a typed microcred error (no tracebacks)."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credentials.documents.badge_image import default_badge_png, default_badge_svg
from credentials.documents.baking import bake_png, bake_svg, extract_credential
from credentials.documents.pdf import CertificateData, render_certificate_pdf
from credentials.errors import MicrocredError

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"
TEXT = json.dumps({"id": "urn:uuid:1", "type": ["VerifiableCredential", "OpenBadgeCredential"]})


def _mutations(data: bytes, *, seed: int, count: int) -> list[bytes]:
    """Byte flips, truncations and splices of ``data``, reproducible from ``seed``."""
    rng = random.Random(seed)  # noqa: S311 - reproducible fuzzing, not cryptography
    out = []
    for _ in range(count):
        buf = bytearray(data)
        kind = rng.choice(("flip", "truncate", "splice"))
        if kind == "flip":
            for _ in range(rng.randint(1, 8)):
                buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif kind == "truncate":
            del buf[rng.randrange(8, len(buf)) :]
        else:
            at = rng.randrange(len(buf))
            buf[at:at] = rng.randbytes(rng.randint(1, 64))
        out.append(bytes(buf))
    return out


def _extract_or_typed_error(data: bytes) -> None:
    try:
        kind, text = extract_credential(data)
    except MicrocredError:
        return
    assert kind in ("png", "svg", "pdf", "json")
    assert isinstance(text, str)


@pytest.fixture(scope="module")
def samples() -> dict[str, bytes]:
    data = CertificateData(
        recipient_name="Amara Okafor",
        certification_name="Data Analysis",
        description="",
        criteria="",
        competencies=[],
        projects=[],
        issuer_name="Academy",
        issuer_id="did:web:academy.example.org",
        issued_on=date(2025, 1, 2),
        expires_on=None,
        credential_id="urn:uuid:1",
        verify_url="https://microcred.example.org/v/1",
    )
    return {
        "png": bake_png(default_badge_png("Data", size=64), TEXT),
        "svg": bake_svg(default_badge_svg("Data"), TEXT).encode(),
        "pdf": render_certificate_pdf(data, credential_json=TEXT.encode(), templates_dir=TEMPLATES),
    }


@pytest.mark.parametrize("kind", ["png", "svg", "pdf"])
def test_mutated_uploads_give_typed_errors(samples: dict[str, bytes], kind: str) -> None:
    assert extract_credential(samples[kind]) == (kind, TEXT)
    for mutated in _mutations(samples[kind], seed=20250512, count=150):
        _extract_or_typed_error(mutated)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    prefix=st.sampled_from(
        [b"", b"\x89PNG\r\n\x1a\n", b"%PDF-1.7\n", b"<svg", b"{", b"\xef\xbb\xbf<"]
    ),
    body=st.binary(max_size=300),
)
def test_arbitrary_bytes_give_typed_errors(prefix: bytes, body: bytes) -> None:
    _extract_or_typed_error(prefix + body)
