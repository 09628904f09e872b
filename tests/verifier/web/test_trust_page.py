"""Who issued it, on every public surface: the verify page (``/v/<ref>`` for our own
credentials, ``POST /verify`` for anyone's), ``POST /api/v1/verify`` and
``POST /credentials/verify``.

The attack: anyone can make a did:key, call it "Harvard University" and sign a perfectly
valid credential. Such a credential is intact and current (the checks pass), but its
issuer is *unknown*: the name may appear only in quotes, marked self-asserted, never as
the issuer's name, and never in a sentence saying that Harvard University signed it. A
name is shown as fact only when this service (a registered provider whose identity was
confirmed) or a configured trust registry vouches for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.services import identity, issuers
from tests.verifier.web.conftest import Clock, ForeignIssuer
from tests.verifier.web.issuing import Issued, IssuingWorld

HARVARD = "Harvard University"
DOMAIN = "academy.example.org"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.classes = set((attrs.get("class") or "").split())
        self.parent = parent
        self.chunks: list[str] = []

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())


class Page(HTMLParser):
    """The rendered page as elements with their classes, parents and text."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = markup
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self._open[-1] if self._open else None)
        self.elements.append(element)
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i].tag == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.chunks.append(data)

    def all(self, css_class: str) -> list[Element]:
        return [e for e in self.elements if css_class in e.classes]

    def one(self, css_class: str) -> Element:
        found = self.all(css_class)
        assert len(found) == 1, (css_class, [e.text for e in found])
        return found[0]

    def trust(self) -> Element:
        [section] = [e for e in self.elements if "data-trust" in e.attrs]
        return section

    def issuer_badges(self) -> list[str]:
        """The badges beside the issuer's name in "Issued by"."""
        dd = self.one("issuer-name").parent
        return [e.text for e in self.elements if e.parent is dd and "badge" in e.classes]

    def verdict(self) -> str:
        [word] = [e for e in self.elements if "data-verdict" in e.attrs]
        return str(word.attrs["data-verdict"])

    def visible_text(self) -> str:
        body = [e for e in self.elements if e.tag == "body"]
        return body[0].text if body else ""


def page_of(client: FlaskClient, issued: Issued) -> Page:
    response = client.get(issued.page)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return Page(response.get_data(as_text=True))


def uploaded(client: FlaskClient, credential: dict[str, Any]) -> Page:
    response = client.post(
        "/verify",
        data={"credential": json.dumps(credential)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return Page(response.get_data(as_text=True))


def confirm(world: IssuingWorld, slug: str, by: str = "Ada Obi") -> None:
    with world.make.transaction():
        identity.confirm(issuers.get_issuer(slug), by=by, actor="cli")


def harvard(foreign: ForeignIssuer, **issuer: Any) -> dict[str, Any]:
    """A stranger's did:key credential naming its issuer "Harvard University"."""
    profile = {"id": foreign.did, "type": ["Profile"], "name": HARVARD, **issuer}
    return foreign.credential(issuer=profile)


def assert_only_quoted(page: Page, name: str) -> None:
    """``name`` appears in the visible text only as a quotation (“name”), never as fact."""
    text = page.visible_text()
    assert name in text
    for match in re.finditer(re.escape(name), text):
        before = text[max(match.start() - 1, 0) : match.start()]
        after = text[match.end() : match.end() + 1]
        assert (before, after) == ("“", "”"), text[max(match.start() - 80, 0) : match.end() + 80]


# --- /v/<ref>: our own providers ---------------------------------------------------------------


def test_registered_provider_not_yet_confirmed_is_named_only_as_its_claim(
    client: FlaskClient, world: IssuingWorld
) -> None:
    issued = world.issue()
    name = f"Provider {issued.provider.slug}"

    page = page_of(client, issued)

    assert page.verdict() == "valid"  # intact and current: the checks are unaffected
    section = page.trust()
    assert section.attrs["data-trust"] == "registered"
    assert "trust-warn" in section.classes
    assert "Who issued it" in section.text
    assert "identity not confirmed" in section.text
    issuer = page.one("issuer-name")
    assert "claimed" in issuer.classes
    assert issuer.text == f"“{name}”"
    assert page.issuer_badges() == ["self-asserted, not confirmed"]
    assert page.all("trust-advice")
    assert f"{name} signed it" not in page.visible_text()


def test_operator_confirmed_provider_is_named_as_fact(
    client: FlaskClient, world: IssuingWorld
) -> None:
    provider = world.provider
    confirm(world, provider.slug)
    issued = world.issue()
    name = f"Provider {provider.slug}"

    page = page_of(client, issued)

    assert page.verdict() == "valid"
    section = page.trust()
    assert section.attrs["data-trust"] == "registered"
    assert "trust-ok" in section.classes
    assert "Issuer registered with this service" in section.text
    text = page.one("trust-text").text
    assert re.search(r"identity confirmed by Ada Obi on \d{4}-\d{2}-\d{2}", text), text
    issuer = page.one("issuer-name")
    assert "claimed" not in issuer.classes
    assert issuer.text == name
    assert page.issuer_badges() == ["confirmed"]
    assert page.all("trust-advice") == []
    assert f"{name} signed it" in page.one("verdict-text").text


def test_domain_verified_provider_says_which_domain(
    client: FlaskClient, world: IssuingWorld
) -> None:
    provider = world.provider
    with world.make.transaction():
        issuer = issuers.get_issuer(provider.slug)
        document = identity.domain_did_document(issuer, DOMAIN)
        identity.verify_domain(issuer, DOMAIN, fetch_json=lambda url: document, actor="cli")
    issued = world.issue()

    page = page_of(client, issued)

    assert page.trust().attrs["data-trust"] == "registered"
    assert f"controls the domain {DOMAIN}" in page.one("trust-text").text
    # The domain is the established fact; the provider's chosen name stays its own words.
    assert page.issuer_badges() == ["domain verified"]


def test_renaming_a_confirmed_provider_withdraws_the_confirmation_on_the_page(
    client: FlaskClient,
    world: IssuingWorld,
    make_app: Callable[..., Flask],
    clock: Clock,
) -> None:
    provider = world.provider
    confirm(world, provider.slug)
    issued = world.issue()
    assert page_of(client, issued).issuer_badges() == ["confirmed"]

    response = client.patch("/api/v1/issuer", json={"name": HARVARD}, headers=provider.headers)
    assert response.status_code == 200

    # Each process keeps what it read about a provider for 30 s (docs/VERIFYING.md): a
    # process started now sees the withdrawal at once.
    fresh = make_app(MICROCRED_VERIFIER_CLOCK=clock).test_client()
    page = page_of(fresh, issued)
    assert page.trust().attrs["data-trust"] == "registered"
    assert "confirmed" not in page.issuer_badges()
    issuer = page.one("issuer-name")
    assert "claimed" in issuer.classes
    assert HARVARD not in issuer.text  # the new name is a claim too, and not this credential's
    assert f"{HARVARD} signed it" not in page.visible_text()


def test_trust_from_registered_providers_can_be_switched_off(
    world: IssuingWorld, make_app: Callable[..., Flask], clock: Clock
) -> None:
    confirm(world, world.provider.slug)
    issued = world.issue()
    app = make_app(MICROCRED_VERIFIER_CLOCK=clock, MICROCRED_TRUST_REGISTERED=False)

    page = page_of(app.test_client(), issued)

    assert page.trust().attrs["data-trust"] == "unknown"
    assert page.issuer_badges() == ["self-asserted, not confirmed"]


def test_page_json_carries_the_trust_decision(client: FlaskClient, world: IssuingWorld) -> None:
    confirm(world, world.provider.slug)
    issued = world.issue()

    body = client.get(issued.page, headers={"Accept": "application/json"}).get_json()

    trust = body["trust"]
    assert (trust["outcome"], trust["trusted"]) == ("registered", True)
    assert trust["name"] == f"Provider {issued.provider.slug}"
    assert trust["identity"]["established"] == "operator"
    assert trust["identity"]["confirmedBy"] == "Ada Obi"


# --- POST /verify: anyone's credential ----------------------------------------------------------


def test_stranger_calling_itself_harvard_is_an_unknown_issuer(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    page = uploaded(dev_client, harvard(foreign))

    assert page.verdict() == "valid"  # the signature is fine; the name is not vouched for
    section = page.trust()
    assert section.attrs["data-trust"] == "unknown"
    assert "Unknown issuer" in section.text
    assert "its own claim" in page.one("trust-text").text
    assert page.all("trust-advice")
    issuer = page.one("issuer-name")
    assert "claimed" in issuer.classes
    assert issuer.text == f"“{HARVARD}”"
    assert page.issuer_badges() == ["self-asserted, not confirmed"]
    assert_only_quoted(page, HARVARD)
    verdict_text = page.one("verdict-text").text
    assert f"{HARVARD} signed it" not in verdict_text
    assert "has not been confirmed" in verdict_text
    assert foreign.did in page.visible_text()  # the DID is shown: it is what was checked


def test_claimed_name_with_markup_is_escaped_in_every_place(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    hostile = '<img src=x onerror=alert(1)>Harvard "University"'

    page = uploaded(dev_client, harvard(foreign, name=hostile))

    assert "<img" not in page.markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.markup
    assert page.one("issuer-name").text == f"“{hostile}”"


def test_tampered_stranger_credential_is_unconfirmed(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = harvard(foreign)
    credential["name"] = "Doctor of Medicine"

    page = uploaded(dev_client, credential)

    assert page.verdict() == "invalid"
    assert page.trust().attrs["data-trust"] == "unconfirmed"
    assert "confirmed" not in page.issuer_badges()
    assert_only_quoted(page, HARVARD)


def test_impersonating_a_confirmed_provider_gets_no_confirmation(
    dev_client: FlaskClient, world: IssuingWorld, foreign: ForeignIssuer
) -> None:
    # The credential names our confirmed provider's DID and name as its issuer, but is
    # signed with a stranger's key: the name must not be lent to it.
    provider = world.provider
    confirm(world, provider.slug)
    name = f"Provider {provider.slug}"
    unsigned = foreign.unsigned(issuer={"id": provider.did, "type": ["Profile"], "name": name})
    del unsigned["credentialStatus"]

    page = uploaded(dev_client, foreign.sign(unsigned))

    assert page.verdict() == "invalid"
    assert page.trust().attrs["data-trust"] == "unconfirmed"
    assert "confirmed" not in page.issuer_badges()
    assert "claimed" in page.one("issuer-name").classes
    assert_only_quoted(page, name)


@pytest.fixture
def registry_file(tmp_path: Path, foreign: ForeignIssuer) -> Path:
    path = tmp_path / "partners.json"
    path.write_text(
        json.dumps(
            {
                "meta": {"created": "2026-01-01T00:00:00Z"},
                "registry": {
                    foreign.did: {
                        "name": "Elsewhere Bootcamp Ltd",
                        "url": "https://elsewhere.example",
                    }
                },
            }
        )
    )
    return path


@pytest.fixture
def registry_client(
    make_app: Callable[..., Flask], clock: Clock, registry_file: Path
) -> FlaskClient:
    config = json.dumps([{"name": "Partner Registry", "file": str(registry_file)}])
    app = make_app(
        MICROCRED_ALLOW_PRIVATE_FETCH=True,
        MICROCRED_VERIFIER_CLOCK=clock,
        MICROCRED_TRUST_REGISTRIES=config,
    )
    return app.test_client()


def test_issuer_listed_in_a_registry_is_named_by_the_registry(
    registry_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    page = uploaded(registry_client, harvard(foreign))

    assert page.verdict() == "valid"
    section = page.trust()
    assert section.attrs["data-trust"] == "listed"
    assert "Issuer listed in a trust registry" in section.text
    assert "Partner Registry" in page.one("trust-text").text
    issuer = page.one("issuer-name")
    assert issuer.text == "Elsewhere Bootcamp Ltd"
    assert "claimed" not in issuer.classes
    assert page.issuer_badges() == ["listed"]
    assert f"{HARVARD} signed it" not in page.visible_text()


def test_malformed_registry_configuration_stops_the_app_at_start_up(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    from credentials.errors import ConfigurationError

    for config in (
        '[{"name": "Partners"}]',
        json.dumps([{"name": "Partners", "file": str(tmp_path / "missing.json")}]),
        "[not json",
    ):
        with pytest.raises(ConfigurationError, match=r"registr|REGISTRIES"):
            make_app(MICROCRED_TRUST_REGISTRIES=config)


# --- the JSON APIs -----------------------------------------------------------------------------


def test_api_verify_reports_an_unknown_issuer_beside_valid_checks(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    body = dev_client.post("/api/v1/verify", json=harvard(foreign)).get_json()

    assert (body["verified"], body["verdict"]) == (True, "valid")
    trust = body["trust"]
    assert trust["outcome"] == "unknown"
    assert trust["trusted"] is False
    assert trust["issuer"] == foreign.did
    assert trust["name"] is None
    assert trust["claimedName"] == HARVARD
    assert "its own claim" in trust["message"]
    assert "identity" not in trust


def test_api_verify_reports_a_confirmed_provider(client: FlaskClient, world: IssuingWorld) -> None:
    confirm(world, world.provider.slug)
    issued = world.issue()

    body = client.post("/api/v1/verify", json=world.document(issued)).get_json()

    trust = body["trust"]
    assert (trust["outcome"], trust["trusted"]) == ("registered", True)
    assert trust["issuer"] == issued.provider.did
    assert trust["name"] == f"Provider {issued.provider.slug}"
    assert trust["identity"]["source"] == "this service"
    assert trust["identity"]["established"] == "operator"
    assert trust["identity"]["confirmedBy"] == "Ada Obi"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T.*", trust["identity"]["confirmedAt"])


def test_api_verify_of_a_tampered_credential_is_unconfirmed(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    credential = harvard(foreign)
    credential["validUntil"] = "2099-01-01T00:00:00Z"

    trust = dev_client.post("/api/v1/verify", json=credential).get_json()["trust"]

    assert (trust["outcome"], trust["trusted"], trust["name"]) == ("unconfirmed", False, None)


def test_api_verify_reports_a_listed_issuer(
    registry_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    trust = registry_client.post("/api/v1/verify", json=harvard(foreign)).get_json()["trust"]

    assert (trust["outcome"], trust["name"]) == ("listed", "Elsewhere Bootcamp Ltd")
    assert trust["claimedName"] == HARVARD
    assert trust["identity"]["source"] == "Partner Registry"
    assert trust["identity"]["url"] == "https://elsewhere.example"


@pytest.mark.parametrize("options", [None, {"returnResults": True}])
def test_vc_api_verify_returns_trust_with_the_results(
    dev_client: FlaskClient, foreign: ForeignIssuer, options: dict[str, Any] | None
) -> None:
    body: dict[str, Any] = {"verifiableCredential": harvard(foreign)}
    if options is not None:
        body["options"] = options

    response = dev_client.post("/credentials/verify", json=body)

    assert response.status_code == 200  # verified: trust does not decide "verified"
    answer = response.get_json()
    assert answer["verified"] is True
    assert answer["trust"]["outcome"] == "unknown"
    assert answer["trust"]["claimedName"] == HARVARD
    assert answer["trust"]["name"] is None


def test_vc_api_verify_leaves_trust_out_without_results(
    dev_client: FlaskClient, foreign: ForeignIssuer
) -> None:
    body = {"verifiableCredential": harvard(foreign), "options": {"returnResults": False}}

    answer = dev_client.post("/credentials/verify", json=body).get_json()

    assert "trust" not in answer
    assert "results" not in answer


def test_vc_api_verify_reports_a_confirmed_provider(
    client: FlaskClient, world: IssuingWorld
) -> None:
    confirm(world, world.provider.slug)
    issued = world.issue()

    answer = client.post(
        "/credentials/verify", json={"verifiableCredential": world.document(issued)}
    ).get_json()

    assert answer["trust"]["outcome"] == "registered"
    assert answer["trust"]["trusted"] is True


def test_openapi_documents_the_trust_decision(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()

    schemas = spec["components"]["schemas"]
    assert {"outcome", "trusted", "issuer", "name", "claimedName", "message"} <= set(
        schemas["TrustDecision"]["properties"]
    )
    assert "trust" in schemas["VerificationResult"]["properties"]
