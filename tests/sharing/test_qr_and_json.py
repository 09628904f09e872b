"""QR codes (/credentials/<uuid>/qr.png|svg) and the public signed JSON (.json)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from credentials.results import Verdict
from tests.credentials.documents.documents_helpers import decode_qr, svg_to_image
from tests.sharing.conftest import Issued


@pytest.fixture
def issued(issue: Callable[..., Issued]) -> Issued:
    return issue()


def test_qr_png_decodes_to_exactly_the_verification_url(
    client: FlaskClient, issued: Issued
) -> None:
    response = client.get(issued.path("/qr.png"))
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    with Image.open(io.BytesIO(response.data)) as image:
        assert decode_qr(image.convert("RGB")) == [issued.verify_url]
        assert 300 < image.width <= 400  # whole pixels per module, within the default size
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_qr_svg_decodes_to_exactly_the_verification_url(
    client: FlaskClient, issued: Issued
) -> None:
    response = client.get(issued.path("/qr.svg?size=240"))
    assert response.mimetype == "image/svg+xml"
    svg = response.data.decode()
    assert 'width="240" height="240"' in svg
    assert decode_qr(svg_to_image(svg)) == [issued.verify_url]


@pytest.mark.parametrize("size", [64, 1000, 2048])
def test_qr_size_is_honoured(client: FlaskClient, issued: Issued, size: int) -> None:
    response = client.get(issued.path(f"/qr.png?size={size}"))
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.width <= size
        assert image.width > size * 0.75 or size < 100
        assert decode_qr(image.convert("RGB")) == [issued.verify_url]


@pytest.mark.parametrize("size", ["0", "63", "2049", "100000000", "-5", "abc", "1e3", ""])
def test_qr_size_out_of_bounds_is_a_clear_400(
    client: FlaskClient, issued: Issued, size: str
) -> None:
    response = client.get(issued.path(f"/qr.png?size={size}"))
    assert response.status_code == 400
    body = response.get_json()
    assert body["field"] == "size"
    assert "between 64 and 2048" in body["description"]


def test_qr_download_is_an_attachment(client: FlaskClient, issued: Issued) -> None:
    response = client.get(issued.path("/qr.svg?download=1"))
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="amara-okafor-freelance-python-api-developer-qr.svg"'
    )


def test_json_is_the_stored_document_byte_for_byte(
    client: FlaskClient, issued: Issued, verify: Callable[..., object]
) -> None:
    response = client.get(issued.path(".json"))
    assert response.status_code == 200
    assert response.data == issued.document.encode("utf-8")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="amara-okafor-freelance-python-api-developer.json"'
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Accept" in response.headers["Vary"]
    assert verify(response.data).verdict is Verdict.VALID  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/vc", "application/vc"),
        ("application/vc+ld+json", "application/vc+ld+json"),
        ("text/html,*/*;q=0.8", "application/json"),
        ("application/json", "application/json"),
    ],
)
def test_json_media_type_follows_accept(
    client: FlaskClient, issued: Issued, accept: str, expected: str
) -> None:
    response = client.get(issued.path(".json"), headers={"Accept": accept})
    assert response.mimetype == expected
    assert response.data == issued.document.encode("utf-8")


def test_json_is_conditional(client: FlaskClient, issued: Issued) -> None:
    etag = client.get(issued.path(".json")).headers["ETag"]
    assert client.get(issued.path(".json"), headers={"If-None-Match": etag}).status_code == 304


def test_unknown_credential_json_is_404(client: FlaskClient) -> None:
    response = client.get(f"/credentials/{uuid.uuid4()}.json")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert client.get(f"/credentials/{uuid.uuid4()}/qr.png").status_code == 404


def test_public_documents_are_rate_limited(
    make_app: Callable[..., Flask], tmp_path: Path, make_issued: Callable[[Flask], Issued]
) -> None:
    app = make_app(
        RATELIMIT_ENABLED=True,
        MICROCRED_PUBLIC_RATELIMIT="3 per minute",
        MICROCRED_DOCUMENT_CACHE_DIR=str(tmp_path / "documents"),
    )
    issued = make_issued(app)
    client = app.test_client()
    codes = [
        client.get(issued.path(suffix)).status_code for suffix in (".json", "/qr.svg", "/share")
    ]
    assert codes == [200, 200, 200]
    limited = client.get(issued.path(".pdf"))
    assert limited.status_code == 429
    assert "Retry-After" in limited.headers
