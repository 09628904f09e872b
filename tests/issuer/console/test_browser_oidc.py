"""Single sign-on and organisations in headless Chromium: an owner sets up the
organisation's OpenID Connect provider (a real one: Authlib's server over TLS on loopback,
``oidc_provider``); a colleague signs in through it and joins as viewer; the owner is
invited to a second organisation, joins it with her account and switches between the two;
that organisation's owner withdraws an invitation. axe-core on every page on the way;
the settings page, the organisation sign-in page and the team page with the switcher are
photographed at 360 px and 1280 px (``CONSOLE_SCREENSHOTS=docs/img/console``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from issuer.console.sso_views import SSO_FETCHER_KEY
from tests.issuer.console import oidc_provider
from tests.issuer.console.conftest import PASSWORD, SmtpServer, deliver
from tests.issuer.console.oidc_provider import CLIENT_ID, CLIENT_SECRET, IdP
from tests.issuer.console.test_browser import (  # noqa: F401 - fixtures
    DESKTOP,
    Journey,
    app,
    live_url,
    signed_up_owner,
)
from tests.verifier.servers import TlsMaterial, tls_fixture  # noqa: F401 - fixture
from verifier.http import SafeFetcher

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]


@pytest.fixture
def idp(tls: TlsMaterial, app: Flask, live_url: str) -> Iterator[IdP]:  # noqa: F811
    app.extensions[SSO_FETCHER_KEY] = SafeFetcher(allow_private=True, ca_certs=tls.ca_path)
    served = oidc_provider.serve(tls)
    provider = next(served)
    provider.register(live_url + "/console/signin/sso/callback")
    provider.person.email = "sam@harbour.example"
    yield provider
    next(served, None)


class TrustingJourney(Journey):
    """A person whose browser trusts the tests' CA (the provider's certificate)."""

    def __init__(self, browser: Any, base: str, shots: Path) -> None:
        super().__init__(browser, base, shots)
        self.context.close()
        self.context = browser.new_context(viewport=DESKTOP, ignore_https_errors=True)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", self._console)


def test_single_sign_on_and_two_organisations(  # noqa: PLR0917 - fixtures
    browser: Any,
    app: Flask,  # noqa: F811
    live_url: str,  # noqa: F811
    smtp_server: SmtpServer,
    idp: IdP,
    tmp_path: Path,
) -> None:
    owner = signed_up_owner(browser, live_url, tmp_path)
    page = owner.page
    # The provider sends the browser back to this server (the tests' base URL is not it).
    app.config["MICROCRED_BASE_URL"] = live_url

    # The owner sets up single sign-on.
    with page.expect_navigation():
        page.get_by_role("link", name="Sign-in settings").click()
    assert page.get_by_text("Single sign-on is off").is_visible()
    owner.check_accessibility()
    page.get_by_label("Issuer URL").fill("http://not-https.example")
    page.get_by_label("Client id").fill(CLIENT_ID)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    owner.submit("Save")
    assert page.get_by_text("enter an https address").is_visible()
    owner.check_accessibility()  # the form with its error
    page.get_by_label("Issuer URL").fill(idp.issuer)
    page.get_by_label("Client secret").fill(CLIENT_SECRET)
    page.get_by_label("E-mail domains that may join").fill("harbour.example")
    page.get_by_label("Role of new members").select_option("viewer")
    owner.submit("Save")
    assert page.get_by_text("Single sign-on saved").is_visible()
    assert CLIENT_SECRET not in page.content()
    owner.check_accessibility()
    owner.shoot("sign-in-settings")

    # A colleague signs in through the organisation's provider and joins as viewer.
    colleague = TrustingJourney(browser, live_url, owner.shots)
    mate = colleague.page
    colleague.goto("/console/signin")
    with mate.expect_navigation():
        mate.get_by_role("link", name="Sign in with your organisation").click()
    colleague.check_accessibility()
    colleague.shoot("sso-start")
    mate.get_by_label("Organisation short name or e-mail domain").fill("harbour.example")
    mate.get_by_role("button", name="Continue").click()
    mate.wait_for_url(f"{live_url}/console/")
    assert mate.get_by_text("sam@harbour.example (viewer)").is_visible()
    colleague.check_accessibility()

    # Another organisation invites the owner; she joins with her account.
    beta = Journey(browser, live_url, owner.shots)
    other = beta.page
    beta.goto("/console/signup")
    other.get_by_label("Organisation name").fill("Beta Bootcamp")
    other.get_by_label("Your name").fill("Bo Beta")
    other.get_by_label("Your e-mail address").fill("bo@beta.example")
    other.get_by_label("Password").fill(PASSWORD)
    beta.submit("Create the organisation")
    beta.goto("/console/team")
    for address in ("hana@harbour.example", "nobody@beta.example"):
        other.get_by_label("E-mail address").fill(address)
        other.get_by_label("Role", exact=True).select_option("issuer")
        beta.submit("Send the invitation")
    assert deliver(app) == 2
    mailbox = smtp_server.mailbox
    to_hana = next(i for i, m in enumerate(mailbox.messages) if "hana@" in str(m["To"]))
    hana = urlsplit(mailbox.link(to_hana)).path
    # Withdraw the second invitation.
    beta.submit("Withdraw the invitation to nobody@beta.example")
    assert other.get_by_text("its link no longer works").is_visible()
    beta.check_accessibility()
    assert beta.errors == []

    owner.goto(hana)
    assert page.get_by_role("button", name="Join Beta Bootcamp").is_visible()
    owner.check_accessibility()
    owner.submit("Join Beta Bootcamp")
    assert page.get_by_text("hana@harbour.example (issuer)").is_visible()
    owner.goto("/console/team")
    owner.check_accessibility()
    owner.shoot("team-switcher")
    page.get_by_label("Organisation", exact=True).select_option(label="Harbour Coding School")
    owner.submit("Switch")
    assert page.get_by_text("hana@harbour.example (owner)").is_visible()

    assert owner.errors == []
    assert colleague.errors == []
    for journey in (owner, colleague, beta):
        journey.context.close()
