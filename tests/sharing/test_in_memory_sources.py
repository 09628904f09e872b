"""sharing/ runs on its interface alone (``sharing.interfaces``): an app with the platform
and ``sharing`` only, fed by an in-memory implementation of the Protocols below (plain
dataclasses, no database, no ``issuer``, no ``verifier``), serves every document and page.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

import sharing
from credentials.documents.png_chunks import PNG_SIGNATURE
from microcred.platform import i18n, security
from microcred.platform.errors import register_error_handlers
from sharing.interfaces import SharingSources
from tests.credentials import factories

ROOT = Path(__file__).resolve().parents[2]
BASE_URL = "https://sharing.example"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
CREDENTIAL_UUID = "0b7e1c9a-3f4d-4e2b-9a61-5c8d7e6f1a20"


@dataclass(frozen=True)
class Provider:
    id: int
    name: str
    did: str
    updated_at: datetime = NOW
    logo_image: str | None = None
    primary_color: str | None = "#0b5cad"
    accent_color: str | None = "#f2a900"
    signatory_name: str | None = "Grace Hopper"
    signatory_title: str | None = "Director of Studies"
    signature_image: str | None = None
    certificate_layout: str | None = None
    slug: str = "northwind"


@dataclass(frozen=True)
class Certification:
    id: str
    name: str
    updated_at: datetime = NOW
    image: str | None = None


@dataclass(frozen=True)
class Freelancer:
    name: str


@dataclass(frozen=True)
class Key:
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class Project:
    title: str
    platform: str
    url: str | None = None
    client_name: str | None = None
    started_on: date | None = None
    finished_on: date | None = None


@dataclass(frozen=True)
class Evidence:
    project: Project


@dataclass(frozen=True)
class Credential:
    id: str
    credential_id: str
    short_code: str
    document: str
    issuer: Provider
    issued_at: datetime = NOW
    valid_from: datetime = datetime(2026, 1, 15, 9, tzinfo=UTC)
    valid_until: datetime | None = datetime(2028, 1, 15, 9, tzinfo=UTC)
    revoked_at: datetime | None = None
    suspended: bool = False
    signing_key: Key | None = field(default_factory=Key)
    freelancer: Freelancer | None = None
    certification: Certification | None = None
    evidence: Sequence[Evidence] = ()
    language: str | None = None  # of the PDF certificate; None: English


@dataclass(frozen=True)
class Profile:
    name: str
    credentials: Sequence[Credential]


@dataclass(frozen=True)
class Image:
    certification: Certification
    provider: Provider


@dataclass
class InMemorySources:
    """A real implementation of ``sharing.interfaces``: what a test or a read-only
    deployment could hand to ``sharing.init_app`` instead of the database."""

    credentials: dict[str, Credential] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    lookups: list[tuple[str, str]] = field(default_factory=list)

    def credential(self, credential_id: str, /) -> Credential | None:
        self.lookups.append(("credential", credential_id))
        return self.credentials.get(credential_id)

    def profile(self, handle: str, /) -> Profile | None:
        self.lookups.append(("profile", handle))
        return self.profiles.get(handle)

    def certification_image(self, slug: str, certification_id: str, /) -> Image | None:
        for credential in self.credentials.values():
            cert = credential.certification
            if credential.issuer.slug == slug and cert is not None and cert.id == certification_id:
                return Image(certification=cert, provider=credential.issuer)
        return None

    def as_sources(self) -> SharingSources:
        return SharingSources(
            credentials=self.credential,
            profiles=self.profile,
            certification_images=self.certification_image,
        )


def make_credential(**changes: Any) -> Credential:
    provider = Provider(id=7, name="Northwind Skills Academy", did=factories.ISSUER_DID)
    credential = Credential(
        id=CREDENTIAL_UUID,
        credential_id="urn:uuid:6a1c3e2e-6a0f-4d0c-8a57-2f1e9b6a4c11",
        short_code="AB12CD34",
        document=json.dumps(factories.credential()),
        issuer=provider,
        freelancer=Freelancer("Ada Okafor"),
        certification=Certification(id="cert_python", name="Freelance Python API Developer"),
        evidence=(
            Evidence(
                Project(
                    title="Payments API for a bakery chain",
                    platform="Upwork",
                    client_name="Crumb & Co",
                    started_on=date(2025, 2, 1),
                    finished_on=date(2025, 3, 20),
                )
            ),
        ),
    )
    return replace(credential, **changes)


def build_app(tmp_path: Path, sources: SharingSources | None) -> Flask:
    """The platform's error handlers and headers, and sharing: no issuer, no verifier."""
    app = Flask(
        "sharing_only",
        template_folder=str(ROOT / "templates"),
        static_folder=None,
        instance_path=str(tmp_path / "instance"),
    )
    app.config.update(
        TESTING=True,
        MICROCRED_BASE_URL=BASE_URL,
        MICROCRED_DOCUMENT_CACHE_DIR=str(tmp_path / "documents"),
        MICROCRED_TEMPLATE_CHECK_SECONDS=0,
    )
    register_error_handlers(app)
    security.init_app(app)
    i18n.init_app(app)  # the platform's languages: the pages speak English or Spanish
    sharing.init_app(app, sources=sources)
    return app


@pytest.fixture
def store() -> InMemorySources:
    store = InMemorySources()
    credential = make_credential()
    store.credentials[credential.id] = credential
    store.profiles["ada"] = Profile(name="Ada Okafor", credentials=[credential])
    return store


@pytest.fixture
def client(tmp_path: Path, store: InMemorySources) -> FlaskClient:
    return build_app(tmp_path, store.as_sources()).test_client()


def test_credential_json_comes_from_the_source(client: FlaskClient, store: InMemorySources) -> None:
    response = client.get(f"/credentials/{CREDENTIAL_UUID}.json")

    assert response.status_code == 200
    assert response.data == store.credentials[CREDENTIAL_UUID].document.encode()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert store.lookups == [("credential", CREDENTIAL_UUID)]


def test_unknown_credential_is_a_404_naming_it(client: FlaskClient) -> None:
    other = "11111111-2222-4333-8444-555555555555"

    response = client.get(f"/credentials/{other}.json")

    assert response.status_code == 404
    assert other in response.get_json()["description"]


def test_pdf_certificate_prints_the_records_of_the_source(client: FlaskClient) -> None:
    response = client.get(f"/credentials/{CREDENTIAL_UUID}.pdf")

    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_badge_is_baked_with_the_document(client: FlaskClient, store: InMemorySources) -> None:
    response = client.get(f"/credentials/{CREDENTIAL_UUID}/badge.svg")

    assert response.status_code == 200
    svg = response.get_data(as_text=True)
    assert "Freelance Python API Developer" in svg
    assert "urn:uuid:6a1c3e2e-6a0f-4d0c-8a57-2f1e9b6a4c11" in svg  # the baked credential
    assert client.get(f"/credentials/{CREDENTIAL_UUID}/badge.png").data.startswith(PNG_SIGNATURE)


def test_share_page_and_status_from_the_source(client: FlaskClient, store: InMemorySources) -> None:
    valid = client.get(f"/credentials/{CREDENTIAL_UUID}/share")
    store.credentials[CREDENTIAL_UUID] = make_credential(revoked_at=NOW)
    revoked = client.get(f"/credentials/{CREDENTIAL_UUID}/share")

    assert valid.status_code == 200
    html = valid.get_data(as_text=True)
    assert "Ada Okafor" in html
    assert f"{BASE_URL}/v/AB12CD34" in html
    assert valid.headers["Content-Security-Policy"] == security.CONTENT_SECURITY_POLICY
    assert "Revoked" not in html
    assert "Revoked" in revoked.get_data(as_text=True)


def test_profile_lists_the_credentials_of_the_source(client: FlaskClient) -> None:
    found = client.get("/p/ada")
    missing = client.get("/p/nobody", headers={"Accept": "text/html"})

    assert found.status_code == 200
    assert "Ada Okafor" in found.get_data(as_text=True)
    assert "Freelance Python API Developer" in found.get_data(as_text=True)
    assert missing.status_code == 404
    assert "/p/nobody" in missing.get_data(as_text=True)


def test_certification_image_from_the_source(client: FlaskClient) -> None:
    found = client.get("/issuers/northwind/certifications/cert_python/image.svg")
    other_provider = client.get("/issuers/elsewhere/certifications/cert_python/image.svg")

    assert found.status_code == 200
    assert "Freelance Python API Developer" in found.get_data(as_text=True)
    assert other_provider.status_code == 404
    assert "cert_python" in other_provider.get_data(as_text=True)


def test_without_sources_there_is_nothing_to_show(tmp_path: Path) -> None:
    client = build_app(tmp_path, None).test_client()

    for path in (
        f"/credentials/{CREDENTIAL_UUID}.json",
        f"/credentials/{CREDENTIAL_UUID}.pdf",
        "/p/ada",
        "/issuers/northwind/certifications/cert_python/image.png",
    ):
        assert client.get(path).status_code == 404, path


def test_sharing_imports_neither_issuer_nor_verifier(tmp_path: Path) -> None:
    """In a fresh interpreter: every sharing module, and an app built and used with them,
    load no module of the issuing side or of the verifier (import-linter checks the
    source; this checks what really runs)."""
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from tests.sharing.test_in_memory_sources import build_app, InMemorySources
        import sharing.assets, sharing.pages, sharing.views, sharing.documents
        app = build_app(Path({str(tmp_path)!r}), InMemorySources().as_sources())
        assert app.test_client().get("/p/ada").status_code == 404
        loaded = sorted(
            name for name in sys.modules
            if name.split(".")[0] in ("issuer", "verifier") or name == "microcred.app"
        )
        print(loaded)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=False
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
