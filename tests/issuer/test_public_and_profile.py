"""The public DID document endpoint, and the provider's own profile (/api/v1/issuer)."""

from __future__ import annotations

from flask.testing import FlaskClient

from credentials.did import did_web_document_url
from credentials.resolvers import DidDocument
from tests.issuer.factories import Factory


def test_did_document_is_served_where_did_web_resolves(client: FlaskClient, make: Factory) -> None:
    provider = make.provider("northwind")
    assert provider.did == "did:web:microcred.example:issuers:northwind"
    url = did_web_document_url(provider.did)
    assert url == "https://microcred.example/issuers/northwind/did.json"
    response = client.get(url.removeprefix("https://microcred.example"))
    assert response.status_code == 200
    assert response.mimetype == "application/did+json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = DidDocument.from_json(response.get_json(), expected_id=provider.did)
    method = document.assertion_method(f"{provider.did}#key-1")
    assert method is not None
    assert method.type == "Multikey"
    assert method.controller == provider.did
    assert "privateKey" not in response.get_data(as_text=True)


def test_did_document_supports_conditional_requests(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    first = client.get(f"/issuers/{provider.slug}/did.json")
    etag = first.headers["ETag"]
    again = client.get(f"/issuers/{provider.slug}/did.json", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


def test_unknown_provider_is_a_json_404(client: FlaskClient) -> None:
    response = client.get("/issuers/nobody/did.json")
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"
    assert "nobody" in response.get_json()["description"]


def test_did_key_provider_has_no_served_document(client: FlaskClient, make: Factory) -> None:
    provider = make.provider("dev-only", did_method="key")
    response = client.get(f"/issuers/{provider.slug}/did.json")
    assert response.status_code == 404
    assert "did:key" in response.get_json()["description"]


def test_get_issuer_describes_the_caller(client: FlaskClient, make: Factory) -> None:
    provider = make.provider("acme")
    body = client.get("/api/v1/issuer", headers=provider.headers).get_json()
    assert body["slug"] == "acme"
    assert body["did"] == provider.did
    assert body["didMethod"] == "web"
    assert body["didDocumentUrl"] == "https://microcred.example/issuers/acme/did.json"
    assert body["verificationMethod"] == f"{provider.did}#key-1"
    assert "apiKeys" not in body
    assert "encryptedPrivateKey" not in str(body)


def test_patch_issuer_updates_profile_and_branding(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    response = client.patch(
        "/api/v1/issuer",
        json={
            "name": "Acme Academy",
            "url": "https://acme.example",
            "branding": {"primaryColor": "#123456", "signatoryName": "Dr. Lena Marsh"},
        },
        headers=provider.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Acme Academy"
    assert body["branding"]["primaryColor"] == "#123456"
    assert body["branding"]["signatoryName"] == "Dr. Lena Marsh"
    bad = client.patch(
        "/api/v1/issuer",
        json={"branding": {"primaryColor": "blue"}, "did": "did:web:evil"},
        headers=provider.headers,
    )
    assert bad.status_code == 422
    assert set(bad.get_json()["errors"]) == {"branding.primaryColor", "did"}


def test_audit_log_is_newest_first_and_filterable(client: FlaskClient, make: Factory) -> None:
    provider = make.provider()
    client.patch("/api/v1/issuer", json={"name": "Renamed"}, headers=provider.headers)
    events = client.get("/api/v1/audit-events", headers=provider.headers).get_json()
    actions = [e["action"] for e in events["items"]]
    assert actions[0] == "issuer.update"
    assert "issuer.create" in actions
    assert events["items"][0]["details"] == {"fields": ["name"]}
    only = client.get(
        "/api/v1/audit-events", query_string={"action": "issuer.create"}, headers=provider.headers
    ).get_json()
    assert [e["action"] for e in only["items"]] == ["issuer.create"]
