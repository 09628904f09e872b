"""Every console page in headless Chromium, found by itself: the walk takes every GET route
under /console from ``app.url_map`` (so a page added later is walked without changing this
file), fills its path arguments from one provider seeded with data for every page, and on
each page, at 1280 px and at 360 px, checks the issue's quality bar:

- axe-core: no serious or critical violation;
- the layout fits: no sideways scrolling (``scrollWidth <= innerWidth``);
- keyboard: every visible, enabled interactive element is reached by pressing Tab from the
  top of the page, and the first few show where the focus is (outline or box-shadow).

Routes answering files (PDF, PNG, CSV, JSON) are skipped by their content type and named in
``SKIPPED``, which the test asserts on: a new route answering HTML cannot slip through, and
a new file route has to be named. A route whose path argument has no seeded value fails
the test with its name (seed it in ``_seed``). The public pages (sign-in, sign-up, forgot,
the reset and invitation links, SSO) are walked signed out. Every failure of every page is
collected and reported at once.

``CONSOLE_SCREENSHOTS=dir`` keeps the screenshots (``<endpoint>-{360,1280}.png``).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask

from bench.console_pages import Samples
from issuer.console.policy import PUBLIC, declared_access
from issuer.models import Issuer
from issuer.services import accounts, bulk, certifications, issuers, teams, verification_counts
from issuer.services import credentials as credential_service
from microcred.platform.extensions import db
from tests.issuer.console import test_browser as journeys
from tests.issuer.console.test_browser import DESKTOP, PHONE, Journey
from tests.issuer.factories import FACTORY_ACTOR, Factory, Provider
from tests.issuer.issuance_helpers import issue, ready

app = journeys.app
live_url = journeys.live_url

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database", ["sqlite"], indirect=True),
]

OWNER = "hana@harbour.example"
#: GET routes not walked, and why. Asserted on: a route answering a file is named here.
SKIPPED = {
    "/console/bulk/<job_id>/progress": "answers application/json",
    "/console/bulk/<job_id>/report.csv": "answers text/csv",
    "/console/design/preview.pdf": "answers application/pdf",
    "/console/design/preview.png": "answers image/png",
    "/console/freelancers/import/template.csv": "answers text/csv",
    "/console/freelancers/<freelancer_id>/export": "answers application/json",  # fl-privacy
    "/console/issue/preview.pdf": "answers application/pdf",
    "/console/issue/preview.png": "answers image/png",
    "/console/signin/sso/callback": "the identity provider's redirect back (400 without it)",
}
#: HTML routes that are not pages of their own.
NOT_PAGES = {
    "/console/signin/sso/callback": SKIPPED["/console/signin/sso/callback"],
}
#: Query strings a route needs to answer (filled from the seeded ids by argument name).
PREVIEW = "?freelancer={freelancer_id}&certification={certification_id}"
QUERIES = {"/console/issue/preview.pdf": PREVIEW, "/console/issue/preview.png": PREVIEW}
#: A page's other views, walked beside the bare page.
VARIANTS = {"/console/issue": [PREVIEW], "/console/": ["?days=90"]}
#: How many of the first focused elements must show their focus.
FOCUS_SHOWN = 5

_INTERACTIVE = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary,'
    + ' [tabindex]:not([tabindex^="-"])';
  const shown = (el) => el.getClientRects().length > 0
    && getComputedStyle(el).visibility !== 'hidden'
    && (!el.checkVisibility || el.checkVisibility({visibilityProperty: true}));
  for (const old of document.querySelectorAll('[data-walk-key]')) delete old.dataset.walkKey;
  const found = [];
  let n = 0;
  let stops = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.closest('[inert]') || el.getAttribute('tabindex') === '-1') continue;
    if (!shown(el)) continue;
    // A radio group is one Tab stop: reached when any of its buttons is.
    const key = el.type === 'radio'
      ? 'radio:' + (el.form ? el.form.action : '') + ':' + el.name
      : 'el:' + (n++);
    el.dataset.walkKey = key;
    // Chromium stops on each part of a date or time field (day, month, year): 3 Tabs.
    stops += ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type) ? 3 : 1;
    const label = (el.getAttribute('aria-label') || el.innerText || el.value || el.name
      || el.id || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    found.push([key, el.tagName.toLowerCase() + ' "' + label + '"']);
  }
  window.__walked = [];
  window.__focusStyles = [];
  if (!window.__walkListening) {
    window.__walkListening = true;
    document.addEventListener('focusin', (event) => {
      const el = event.target;
      const key = el.dataset ? el.dataset.walkKey : undefined;
      if (!key) return;
      window.__walked.push(key);
      const style = getComputedStyle(el);
      const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
      window.__focusStyles.push([outline || style.boxShadow !== 'none',
        el.tagName.toLowerCase() + ' ' + key]);
    });
  }
  // Tab from the top: focus a mark before everything (blur alone leaves Chromium's
  // starting point where the focus was).
  let start = document.getElementById('walk-start');
  if (!start) {
    start = document.createElement('span');
    start.id = 'walk-start';
    start.tabIndex = -1;
  }
  document.body.prepend(start);
  start.focus();
  window.scrollTo(0, 0);
  return [found, stops];
}"""


def _seed(app: Flask, make: Factory) -> Samples:
    """Data for every page of the signed-up provider: three certifications (one archived),
    freelancers with assessed projects, credentials (one revoked, one suspended), an API
    key, verification counts, a pending invitation, a bulk job, a reset link; and the ids
    that fill path arguments (by argument name, or by the collection the path names)."""
    with app.app_context():
        user = accounts.find_user(OWNER)
        assert user is not None
        issuer = db.session.get(Issuer, user.memberships[0].issuer_id)
        assert issuer is not None
        provider = Provider(issuer.id, issuer.slug, issuer.did, "")
    base = ready(make, provider, name="Freelance Python API Developer")
    issued = [issue(make, provider, base.freelancer_id, base.certification.id)]
    for n in range(2):
        more = ready(make, provider, name=f"Walked skill {n}")
        issued.append(issue(make, provider, more.freelancer_id, more.certification.id))
    archived = make.certification(provider, name="Retired skill")
    make.api_key(provider, name="LMS sync")
    today = datetime.now(UTC).date()
    with make.transaction():
        issuer = issuers.get_issuer(provider.slug)
        user = accounts.find_user(OWNER)
        assert user is not None
        certifications.retire_certification(issuer, archived.id, actor=FACTORY_ACTOR)
        credential_service.revoke(
            issuer, issued[0].id, reason="issued in error", actor=FACTORY_ACTOR
        )
        credential_service.suspend(issuer, issued[1].id, actor=FACTORY_ACTOR)
        verification_counts.add(
            {
                (one.json["issuer"]["id"], one.json["id"], today - timedelta(days=back)): back + 1
                for one in issued
                for back in range(0, 30, 3)
            }
        )
        invitation = teams.invite(issuer, "vik@harbour.example", "viewer", by=user)
    with app.app_context():
        issuer = issuers.get_issuer(provider.slug)
        rows = [{"freelancerId": base.freelancer_id, "certificationId": base.certification.id}]
        job = bulk.open_job(issuer, rows, source_format="csv", actor=FACTORY_ACTOR)
    with make.transaction():
        reset = accounts.request_reset(OWNER)
        assert reset is not None
    # --- fl-webhooks: an endpoint with a delivered message and a failed try ---
    webhook_id = _seed_webhook(make, provider)
    # --- end fl-webhooks ---
    return Samples(
        by_collection={"bulk": job.job_id, "reset": reset[1], "invitations": invitation},
        by_arg={
            "certification_id": base.certification.id,
            "credential_id": issued[2].id,
            "freelancer_id": base.freelancer_id,
            "project_id": base.project_ids[0],
            "webhook_id": webhook_id,  # fl-webhooks
        },
    )


# --- fl-webhooks: the webhook pages' sample ---
def _seed_webhook(make: Factory, provider: Provider) -> str:
    from issuer.models import WebhookAttempt, WebhookMessage
    from issuer.services import webhooks

    with make.transaction():
        issuer = issuers.get_issuer(provider.slug)
        endpoint = webhooks.create_endpoint(
            issuer,
            url="https://lms.harbour.example/hooks/microcred",
            event_types=["credential.issued", "credential.revoked"],
            description="LMS sync",
            actor=FACTORY_ACTOR,
        ).endpoint
        message = WebhookMessage(
            id="msg_walked000000000",
            endpoint_id=endpoint.id,
            event_type="credential.issued",
            payload='{"type":"credential.issued"}',
            state="delivered",
            attempt_count=2,
        )
        message.attempts = [
            WebhookAttempt(status_code=503, response="try later", duration_ms=41),
            WebhookAttempt(status_code=200, response='{"ok":true}', duration_ms=12),
        ]
        db.session.add(message)
        return endpoint.id


# --- end fl-webhooks ---


def _routes(app: Flask) -> list[Any]:
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.rule.startswith("/console")
            and "GET" in (rule.methods or ())
            and rule.endpoint != "console.static"
        ),
        key=lambda rule: rule.rule,
    )


def _shot_name(rule: Any, path: str) -> str:
    name = rule.endpoint.removeprefix("console.").replace("_", "-")
    if "days=" in path:
        return name + "-90"
    return name + ("-preview" if "?" in path else "")


class Walk:
    """Every check of every page, collected: (page, width, what)."""

    def __init__(self, journey: Journey, shots: Path) -> None:
        self.journey = journey
        self.page = journey.page
        self.shots = shots
        self.failures: list[str] = []
        self.walked: list[str] = []
        self.reached = 0  # interactive elements reached by Tab, all pages and widths

    def fail(self, where: str, width: str, what: str) -> None:
        self.failures.append(f"{where} at {width} px: {what}")

    def visit(self, name: str, path: str) -> None:
        page = self.page
        response = page.goto(self.journey.base + path)
        status = response.status if response else 0
        if status != 200:
            self.fail(path, "-", f"answers {status}")
            return
        if urlsplit(page.url).path != urlsplit(path).path:  # the page walked is another
            self.fail(path, "-", f"redirects to {urlsplit(page.url).path}")
            return
        self.walked.append(path)
        for width, size in (("1280", DESKTOP), ("360", PHONE)):
            page.set_viewport_size(size)
            self._axe(path, width)
            if not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
                wide = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                      .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
                      .slice(-3).map(el => el.tagName.toLowerCase()
                        + (el.className ? '.' + String(el.className).split(' ')[0] : ''))"""
                )
                self.fail(path, width, f"scrolls sideways (too wide: {wide})")
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.screenshot(path=str(self.shots / f"{name}-{width}.png"), full_page=True)
            self._keyboard(path, width)
        page.set_viewport_size(DESKTOP)

    def _axe(self, path: str, width: str) -> None:
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        for violation in results.response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"]][:5]
                self.fail(path, width, f"axe {violation['id']} ({violation['impact']}): {targets}")

    def _keyboard(self, path: str, width: str) -> None:
        page = self.page
        elements, stops = page.evaluate(_INTERACTIVE)
        found = dict(elements)
        for _ in range(stops + 5):
            page.keyboard.press("Tab")
        reached = set(page.evaluate("window.__walked"))
        self.reached += len(reached & found.keys())
        for key, label in found.items():
            if key not in reached:
                self.fail(path, width, f"not reached by Tab: {label}")
        for shown, element in page.evaluate("window.__focusStyles")[:FOCUS_SHOWN]:
            if not shown:
                self.fail(path, width, f"focus not visible on {element}")
        # The Tab presses scrolled the page; start the next check clean.
        page.evaluate("document.getElementById('walk-start').remove(); window.scrollTo(0, 0)")


def test_every_console_page_is_accessible_fits_and_is_keyboard_reachable(
    browser: Any, app: Flask, live_url: str, make: Factory, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("CONSOLE_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    owner = journeys.signed_up_owner(browser, live_url, tmp_path)
    samples = _seed(app, make)
    walk = Walk(owner, shots)

    skipped: dict[str, str] = {}
    unfilled: list[str] = []
    members, public = [], []
    for rule in _routes(app):
        if rule.rule in NOT_PAGES:
            skipped[rule.rule] = NOT_PAGES[rule.rule]
            continue
        path, missing = samples.fill(rule.rule, sorted(rule.arguments - set(rule.defaults or {})))
        if path is None:
            unfilled.append(f"{rule.rule} ({rule.endpoint}): no seeded value for <{missing}>")
            continue
        with app.test_request_context():
            access = declared_access(rule.endpoint)
        views = [QUERIES.get(rule.rule, ""), *VARIANTS.get(rule.rule, [])]
        for query in views:
            (public if access == PUBLIC else members).append(
                (rule, path + query.format(**samples.by_arg))
            )
    assert unfilled == [], "seed a value for these path arguments in _seed: " + str(unfilled)

    def probe(rule: Any, path: str) -> bool:
        """Whether the route answers a page (HTML); a file route is noted as skipped."""
        answer = owner.page.request.get(live_url + path, max_redirects=0)
        kind = (answer.headers.get("content-type") or "").split(";")[0].strip()
        if kind and kind != "text/html":
            skipped[rule.rule] = f"answers {kind}"
            return False
        return True

    for rule, path in members:
        if probe(rule, path):
            walk.visit(_shot_name(rule, path), path)
    owner.submit("Sign out")
    for rule, path in public:
        if probe(rule, path):
            walk.visit(_shot_name(rule, path), path)

    assert walk.failures == [], f"{len(walk.failures)} failures:\n" + "\n".join(walk.failures)
    assert skipped == SKIPPED
    assert len(walk.walked) >= 30, walk.walked
    assert walk.reached >= 20 * len(walk.walked), walk.reached  # the keyboard check ran
    assert owner.errors == []
    owner.context.close()
