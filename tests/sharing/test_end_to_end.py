"""Issue 5's "done when", end to end through the app: download the PDF and the badges,
follow the QR code printed on the certificate to the verification page, upload every file
to the verifier; after revocation, every one of them says revoked."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from flask.testing import FlaskClient

from tests.credentials.documents.documents_helpers import decode_qr, pdf_page_images
from tests.sharing.conftest import Issued


def verdict_word(page: str) -> str:
    found = re.search(r'data-verdict="([a-z_]+)"', page)
    assert found, page[:500]
    return found.group(1)


def uploaded_verdict(client: FlaskClient, data: bytes, name: str) -> str:
    response = client.post(
        "/api/v1/verify",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    verdict: str = response.get_json()["verdict"]
    return verdict


def test_every_document_leads_back_to_verification(
    client: FlaskClient, issue: Callable[..., Issued], revoke: Callable[[Issued], None]
) -> None:
    issued = issue()
    files = {
        "certificate.pdf": client.get(issued.path(".pdf")).data,
        "badge.png": client.get(issued.path("/badge.png")).data,
        "badge.svg": client.get(issued.path("/badge.svg")).data,
        "credential.json": client.get(issued.path(".json")).data,
    }
    [page_image] = pdf_page_images(files["certificate.pdf"], dpi=150)
    [scanned] = decode_qr(page_image)
    verification_path = urlsplit(scanned).path
    assert verdict_word(client.get(verification_path).data.decode()) == "valid"
    for name, data in files.items():
        assert uploaded_verdict(client, data, name) == "valid", name

    revoke(issued)

    assert verdict_word(client.get(verification_path).data.decode()) == "revoked"
    for name, data in files.items():  # the files downloaded before revocation
        assert uploaded_verdict(client, data, name) == "revoked", name
    fresh_pdf = client.get(issued.path(".pdf")).data
    assert uploaded_verdict(client, fresh_pdf, "certificate.pdf") == "revoked"
    assert "REVOKED" in client.get(issued.path("/badge.svg")).data.decode()
