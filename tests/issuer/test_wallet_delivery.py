"""Wallet delivery end to end, over real HTTP, with a holder built from other libraries
(scripts/holder: Digital Bazaar's vc + eddsa-rdfc-2022, jose): (a) the VC API exchange
with DID Authentication, (b) OpenID4VCI 1.0 pre-authorized code flow, ``ldp_vc``.

Each protocol: the holder gets a credential issued to its DID that verifies with the
project's verifier and with the reference libraries; replayed challenges, codes and
nonces, a wrong domain, a foreign signature, a tampered presentation and an expired
offer get a clear 4xx and issue nothing. An offer the freelancer made on their own
account page (fl-wallet-account) is taken up from the addresses its page shows."""

from __future__ import annotations

import base64
import html
import json
import re
import urllib.request
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from credentials.did import did_web_document_url
from issuer.models import AuditEvent, IssuedCredential, WalletOffer
from issuer.services import credentials
from microcred.platform.db import write_transaction
from microcred.platform.extensions import db
from tests.conftest import TEST_BASE_URL
from tests.issuer.account.conftest import Browser, claim_link, held_credential
from tests.issuer.factories import Factory
from tests.issuer.issuance_helpers import Issued, issue, local_verifier, ready
from tests.issuer.wallet_holder import (
    SEED_A,
    SEED_B,
    expired_offer,
    holder,
    needs_holder,
    new_offer,
    served,
)

pytestmark = [needs_holder, pytest.mark.slow]


def copies(app: Flask) -> list[IssuedCredential]:
    with app.app_context():
        found = db.session.scalars(
            select(IssuedCredential).where(IssuedCredential.wallet_copy_of.is_not(None))
        ).all()
        db.session.expunge_all()
        return list(found)


def original(make: Factory) -> Issued:
    r = ready(make)
    # In Spanish: a copy's PDF certificate keeps the original's language.
    return issue(make, r.provider, r.freelancer_id, r.certification.id, language="es")


def verifies_here(app: Flask, document: dict[str, Any]) -> None:
    with app.app_context():
        result = local_verifier(app).verify(json.dumps(document))
    assert result.verified, [(c.name, c.message) for c in result.checks if c.failed]


def verifies_with_reference(document: dict[str, Any], hosts: dict[str, str]) -> None:
    """The reference libraries verify the copy's proof (the issuer's did:web document is
    fetched by the test from the served app and handed to the offline holder)."""
    issuer_did = document["issuer"]["id"]
    url = did_web_document_url(issuer_did).replace(TEST_BASE_URL, hosts[TEST_BASE_URL], 1)
    loopback = url.replace("https://", "http://")
    with urllib.request.urlopen(loopback, timeout=10) as response:  # noqa: S310 - loopback
        did_document = json.load(response)
    answer = holder({"op": "verify", "vc": document, "didDocuments": {issuer_did: did_document}})
    assert answer["verified"], answer


def post(hosts: dict[str, str], url: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - the served app on loopback
        url.replace(TEST_BASE_URL, hosts[TEST_BASE_URL], 1), data=body, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        answer = json.loads(error.read() or b"null")
        return error.code, {"_headers": dict(error.headers), **(answer or {})}


def post_json(hosts: dict[str, str], url: str, body: object, **headers: str) -> tuple[int, Any]:
    return post(
        hosts, url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )


# --- (a) VC API exchange ---------------------------------------------------------------------


def test_vc_api_exchange_delivers_a_copy_to_the_holders_did(app: Flask, make: Factory) -> None:
    issued = original(make)
    offer = new_offer(make, issued.id)
    with served(app) as hosts:
        answer = holder(
            {"op": "vcapi", "url": offer.links.exchange, "seed": SEED_A, "hostMap": hosts}
        )
        assert answer["status"] == 200, answer["body"]
        vpr = answer["vpr"]
        assert vpr["query"][0]["type"] == "DIDAuthentication"
        assert vpr["challenge"] == offer.links.challenge
        assert vpr["domain"] == "microcred.example"
        presentation = answer["body"]["verifiablePresentation"]
        assert presentation["type"] == ["VerifiablePresentation"]
        [vc] = presentation["verifiableCredential"]
        verifies_with_reference(vc, hosts)

        # The same presentation again: the offer is spent, nothing more is issued.
        again = post_json(hosts, offer.links.exchange, {"verifiablePresentation": answer["vp"]})
        assert again[0] == 409, again
        assert again[1]["error"] == "offer_used", again

    assert vc["credentialSubject"]["id"] == answer["did"]
    first = json.loads(issued.document)
    assert vc["id"] != first["id"]
    assert vc["validFrom"] == first["validFrom"]
    assert vc["validUntil"] == first["validUntil"]
    assert vc["credentialSubject"]["achievement"] == first["credentialSubject"]["achievement"]
    assert {s["statusListIndex"] for s in vc["credentialStatus"]}.isdisjoint(
        {s["statusListIndex"] for s in first["credentialStatus"]}
    )
    verifies_here(app, vc)
    [copy] = copies(app)
    assert copy.wallet_copy_of == issued.id
    assert copy.credential_id == vc["id"]
    assert copy.language == "es"
    with app.app_context():
        stored = db.session.scalar(select(WalletOffer))
        assert stored is not None
        assert stored.protocol == "vcapi"
        assert stored.copy_id == copy.id
        actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"credential.wallet_offer", "credential.wallet_issue"} <= actions


def test_suspending_and_revoking_the_original_do_the_same_to_its_copies(
    app: Flask, make: Factory
) -> None:
    issued = original(make)
    offer = new_offer(make, issued.id)
    with served(app) as hosts:
        answer = holder(
            {"op": "vcapi", "url": offer.links.exchange, "seed": SEED_A, "hostMap": hosts}
        )
    assert answer["status"] == 200, answer["body"]
    [vc] = answer["body"]["verifiablePresentation"]["verifiableCredential"]
    with app.app_context(), write_transaction(db.session):
        provider = db.session.get(IssuedCredential, issued.id).issuer  # type: ignore[union-attr]
        credentials.suspend(provider, issued.id, reason="Under review", actor="test")
    assert copies(app)[0].suspended
    with app.app_context(), write_transaction(db.session):
        provider = db.session.get(IssuedCredential, issued.id).issuer  # type: ignore[union-attr]
        credentials.unsuspend(provider, issued.id, reason="Cleared", actor="test")
    assert not copies(app)[0].suspended
    with app.app_context(), write_transaction(db.session):
        provider = db.session.get(IssuedCredential, issued.id).issuer  # type: ignore[union-attr]
        credentials.revoke(provider, issued.id, reason="Issued in error", actor="test")
    [copy] = copies(app)
    assert copy.revoked_at is not None
    assert copy.revocation_reason == "Issued in error"
    with app.app_context():
        result = local_verifier(app).verify(json.dumps(vc))
    assert not result.verified
    assert any(c.name == "status" and c.failed for c in result.checks), result.checks
    # A revoked credential is offered no more.
    with pytest.raises(Exception, match="revoked"):
        new_offer(make, issued.id)


def test_exchange_refuses_wrong_domain_foreign_challenge_and_foreign_did(
    app: Flask, make: Factory
) -> None:
    issued = original(make)
    offer = new_offer(make, issued.id)
    other = new_offer(make, issued.id)
    url = offer.links.exchange
    with served(app) as hosts:
        wrong_domain = holder(
            {"op": "vcapi", "url": url, "seed": SEED_A, "hostMap": hosts, "domain": "evil.example"}
        )
        assert wrong_domain["status"] == 400
        assert wrong_domain["body"]["error"] == "domain_mismatch", wrong_domain["body"]

        # A presentation made for another offer's challenge.
        foreign_challenge = holder(
            {
                "op": "vcapi",
                "url": url,
                "seed": SEED_A,
                "hostMap": hosts,
                "challenge": other.links.challenge,
            }
        )
        assert foreign_challenge["status"] == 400
        assert foreign_challenge["body"]["error"] == "challenge_mismatch"

        # Signed by key A, claiming to be holder B.
        b = holder({"op": "didauth", "seed": SEED_B, "challenge": "x", "domain": "x"})["did"]
        foreign = holder(
            {
                "op": "didauth",
                "seed": SEED_A,
                "holder": b,
                "challenge": offer.links.challenge,
                "domain": "microcred.example",
            }
        )
        status, body = post_json(hosts, url, {"verifiablePresentation": foreign["vp"]})
        assert status == 400, body
        assert "holder" in body["description"], body

        # A valid presentation, then tampered with after signing.
        signed = holder(
            {
                "op": "didauth",
                "seed": SEED_A,
                "challenge": offer.links.challenge,
                "domain": "microcred.example",
            }
        )["vp"]
        tampered = {**signed, "id": "urn:uuid:0f3b5a9e-4a1c-4c7e-9d2b-7f0e6a5c3b21"}
        status, body = post_json(hosts, url, {"verifiablePresentation": tampered})
        assert status == 400, body
        assert body["error"] == "presentation_invalid", body

        unsigned = {k: v for k, v in signed.items() if k != "proof"}
        status, body = post_json(hosts, url, {"verifiablePresentation": unsigned})
        assert status == 400, body
        assert "not signed" in body["description"], body

        status, body = post_json(hosts, url, {"verifiablePresentation": signed, "extra": 1})
        assert status == 400, body
        assert body["field"] == "extra", body
    assert copies(app) == []


def test_expired_and_unknown_offers_are_refused(app: Flask, make: Factory, client: Any) -> None:
    issued = original(make)
    offer = expired_offer(make, issued.id)
    with served(app) as hosts:
        status, body = post_json(hosts, offer.links.exchange, {})
        assert status == 410, body
        assert body["error"] == "offer_expired", body
        status, body = post_json(hosts, offer.links.exchange.replace(offer.token, "x" * 43), {})
        assert status == 404, body
        status, body = post(
            hosts,
            f"{TEST_BASE_URL}/oid4vci/token",
            b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code"
            b"&pre-authorized_code=" + offer.links.pre_authorized_code.encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 400, body
        assert body["error"] == "invalid_grant", body
        assert "expired" in body["error_description"]
    page = client.get(f"/wallet/offers/{offer.token}")
    assert page.status_code == 410
    assert "expired" in page.get_data(as_text=True)
    assert copies(app) == []


# --- (b) OpenID4VCI --------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["did:key", "did:jwk", "jwk"])
def test_openid4vci_pre_authorized_flow_delivers_an_ldp_vc(
    app: Flask, make: Factory, form: str
) -> None:
    issued = original(make)
    offer = new_offer(make, issued.id)
    with served(app) as hosts:
        answer = holder(
            {
                "op": "oid4vci",
                "offer": offer.links.openid_offer,
                "form": form,
                "seed": SEED_A,
                "hostMap": hosts,
            }
        )
        assert [s["status"] for s in answer["steps"]] == [200, 200, 200, 200], answer
        vc = answer["credential"]
        if form == "did:key":
            verifies_with_reference(vc, hosts)
        # Every secret of the flow is single use.
        status, body = post(
            hosts,
            f"{TEST_BASE_URL}/oid4vci/token",
            b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code"
            b"&pre-authorized_code=" + answer["code"].encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert status == 400, body
        assert body["error"] == "invalid_grant", body
        status, body = post_json(
            hosts,
            f"{TEST_BASE_URL}/oid4vci/credential",
            {
                "credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                "proofs": {"jwt": [answer["jwt"]]},
            },
            Authorization=f"Bearer {answer['accessToken']}",
        )
        assert status == 401, body
        assert body["error"] == "invalid_token", body
        assert body["_headers"]["WWW-Authenticate"].startswith("Bearer error=")
    subject = vc["credentialSubject"]["id"]
    if form == "jwk":
        assert subject.startswith("did:jwk:")
    else:
        assert subject == answer["did"]
    verifies_here(app, vc)
    [copy] = copies(app)
    assert copy.wallet_copy_of == issued.id


def _token(hosts: dict[str, str], code: str) -> str:
    status, body = post(
        hosts,
        f"{TEST_BASE_URL}/oid4vci/token",
        b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code"
        b"&pre-authorized_code=" + code.encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 200, body
    assert body["token_type"] == "Bearer"
    return str(body["access_token"])


def _nonce(hosts: dict[str, str]) -> str:
    status, body = post(hosts, f"{TEST_BASE_URL}/oid4vci/nonce", b"", {})
    assert status == 200, body
    return str(body["c_nonce"])


def _request(hosts: dict[str, str], token: str, jwt: str) -> tuple[int, Any]:
    return post_json(
        hosts,
        f"{TEST_BASE_URL}/oid4vci/credential",
        {"credential_configuration_id": "OpenBadgeCredential_ldp_vc", "proofs": {"jwt": [jwt]}},
        Authorization=f"Bearer {token}",
    )


def test_openid4vci_refuses_bad_proofs_and_replayed_nonces(app: Flask, make: Factory) -> None:
    issued = original(make)
    first = new_offer(make, issued.id)
    second = new_offer(make, issued.id)
    with served(app) as hosts:
        done = holder(
            {
                "op": "oid4vci",
                "offer": first.links.openid_offer,
                "form": "did:key",
                "seed": SEED_A,
                "hostMap": hosts,
            }
        )
        assert done["steps"][-1]["status"] == 200, done
        token = _token(hosts, second.links.pre_authorized_code)

        def proof(**claims: Any) -> str:
            request = {
                "op": "proof",
                "form": "did:key",
                "seed": SEED_A,
                "aud": TEST_BASE_URL,
                **claims,
            }
            return str(holder(request)["jwt"])

        # The nonce spent by the first delivery cannot serve a second one.
        status, body = _request(hosts, token, proof(nonce=done["nonce"]))
        assert (status, body["error"]) == (400, "invalid_nonce"), body
        status, body = _request(hosts, token, proof())
        assert (status, body["error"]) == (400, "invalid_nonce"), body
        status, body = _request(
            hosts, token, proof(nonce=_nonce(hosts), aud="https://evil.example")
        )
        assert (status, body["error"]) == (400, "invalid_proof")
        assert "aud" in body["error_description"]
        status, body = _request(hosts, token, proof(nonce=_nonce(hosts), typ="JWT"))
        assert (status, body["error"]) == (400, "invalid_proof")
        assert "typ" in body["error_description"]
        status, body = _request(hosts, token, proof(nonce=_nonce(hosts), iat=1_000_000_000))
        assert (status, body["error"]) == (400, "invalid_proof")
        assert "iat" in body["error_description"]

        # Key A's signature under key B's kid: a foreign signature.
        signed_by_a = proof(nonce=_nonce(hosts))
        b = holder({"op": "proof", "form": "did:key", "seed": SEED_B, "aud": TEST_BASE_URL})["jwt"]
        forged = ".".join([b.split(".")[0], *signed_by_a.split(".")[1:]])
        status, body = _request(hosts, token, forged)
        assert (status, body["error"]) == (400, "invalid_proof")
        assert "signature" in body["error_description"]

        status, body = post_json(
            hosts,
            f"{TEST_BASE_URL}/oid4vci/credential",
            {"credential_configuration_id": "Other", "proofs": {"jwt": [signed_by_a]}},
            Authorization=f"Bearer {token}",
        )
        assert (status, body["error"]) == (400, "unknown_credential_configuration"), body
        status, body = _request(hosts, "not-a-token", signed_by_a)
        assert (status, body["error"]) == (401, "invalid_token"), body
        status, body = post_json(hosts, f"{TEST_BASE_URL}/oid4vci/credential", {})
        assert (status, body["error"]) == (401, "invalid_token"), body
        status, body = post(
            hosts,
            f"{TEST_BASE_URL}/oid4vci/token",
            b"grant_type=authorization_code&code=x",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert (status, body["error"]) == (400, "unsupported_grant_type"), body
        status, body = post(
            hosts,
            f"{TEST_BASE_URL}/oid4vci/token",
            b"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code"
            b"&pre-authorized_code=guessed",
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert (status, body["error"]) == (400, "invalid_grant"), body

        # After all that, the second offer still delivers (nothing was spent by refusals).
        status, body = _request(hosts, token, proof(nonce=_nonce(hosts)))
        assert status == 200, body
    assert len(copies(app)) == 2


def test_metadata_and_offer_follow_the_spec(app: Flask, make: Factory, client: Any) -> None:
    issued = original(make)
    offer = new_offer(make, issued.id)
    metadata = client.get("/.well-known/openid-credential-issuer").get_json()
    assert metadata["credential_issuer"] == TEST_BASE_URL
    assert metadata["nonce_endpoint"] == f"{TEST_BASE_URL}/oid4vci/nonce"
    configuration = metadata["credential_configurations_supported"]["OpenBadgeCredential_ldp_vc"]
    assert configuration["format"] == "ldp_vc"
    assert "jwt" in configuration["proof_types_supported"]
    assert "OpenBadgeCredential" in configuration["credential_definition"]["type"]
    server = client.get("/.well-known/oauth-authorization-server").get_json()
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
    by_reference = client.get(f"/oid4vci/offers/{offer.token}")
    assert by_reference.headers["Cache-Control"] == "no-store"
    document = by_reference.get_json()
    assert document["credential_configuration_ids"] == ["OpenBadgeCredential_ldp_vc"]
    grant = document["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    assert grant == {"pre-authorized_code": offer.links.pre_authorized_code}
    assert offer.links.openid_offer.startswith("openid-credential-offer://?credential_offer_uri=")
    assert offer.links.lcw.startswith("https://lcw.app/request.html?issuer=microcred.example")
    assert "auth_type=bearer" in offer.links.lcw
    assert "vc_request_url=" in offer.links.lcw
    page = client.get(f"/wallet/offers/{offer.token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Send to wallet" in text
    assert "lcw.app/request.html" in text
    qr = client.get(f"/wallet/offers/{offer.token}/qr/openid.svg")
    assert qr.status_code == 200
    assert qr.mimetype == "image/svg+xml"
    assert client.get(f"/wallet/offers/{offer.token}/qr/other.svg").status_code == 400
    # Nothing secret is stored in the clear.
    with app.app_context():
        row = db.session.scalar(select(WalletOffer))
        assert row is not None
        assert offer.token not in (row.token_hash, row.code_hash)
        assert base64.b64encode(offer.token.encode()).decode() not in row.token_hash
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IssuedCredential)) == 1


def test_web_wallets_may_call_the_endpoints_from_their_own_origin(client: Any) -> None:
    preflight = client.options(
        "/oid4vci/credential",
        headers={
            "Origin": "https://wallet.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    metadata = client.get("/.well-known/openid-credential-issuer")
    assert metadata.headers["Access-Control-Allow-Origin"] == "*"


# --- fl-wallet-account: the offer the freelancer makes on their account page -----------------


def _shown(page: str, pattern: str) -> str:
    found = re.search(pattern, page)
    assert found, pattern
    return html.unescape(found.group(1))


@pytest.mark.parametrize("protocol", ["oid4vci", "vcapi"])
def test_an_offer_made_on_the_account_page_delivers_a_credential_that_verifies(
    app: Flask, make: Factory, protocol: str
) -> None:
    held = held_credential(app, make)
    owner = Browser(app.test_client())
    claim = claim_link(app, held.issued.id).removeprefix(TEST_BASE_URL)
    assert owner.post(claim).status_code == 302
    sent = owner.post(f"/account/credentials/{held.issued.id}/wallet-offer")
    assert sent.status_code == 302, sent.get_data(as_text=True)
    page = owner.get(sent.headers["Location"]).get_data(as_text=True)
    with served(app) as hosts:
        if protocol == "oid4vci":
            deep_link = _shown(page, r'id="openid-link" href="([^"]+)"')
            assert deep_link.startswith("openid-credential-offer://?credential_offer_uri=")
            request = {"op": "oid4vci", "offer": deep_link, "form": "did:key"}
        else:
            exchange = _shown(page, r'<code class="mono" id="exchange-url">([^<]+)</code>')
            request = {"op": "vcapi", "url": exchange}
        answer = holder({**request, "seed": SEED_A, "hostMap": hosts})
        if protocol == "oid4vci":
            assert [s["status"] for s in answer["steps"]] == [200, 200, 200, 200], answer
            vc = answer["credential"]
        else:
            assert answer["status"] == 200, answer["body"]
            [vc] = answer["body"]["verifiablePresentation"]["verifiableCredential"]
        verifies_with_reference(vc, hosts)
    assert vc["credentialSubject"]["id"] == answer["did"]
    verifies_here(app, vc)
    [copy] = copies(app)
    assert copy.wallet_copy_of == held.issued.id
    # The account lists the credential once, with its copy under it.
    overview = owner.get("/account").get_data(as_text=True)
    assert overview.count('class="card holding"') == 1
    assert "Also in your wallet (1 copy)" in overview
