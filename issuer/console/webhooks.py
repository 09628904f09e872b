"""Organisation settings: webhooks. An owner registers HTTPS endpoints, chooses their
events, sees the signing secret once (and rotates it), reads the delivery log and sends a
logged message again (replay: a POST with CSRF, in the audit log).

The rules are in ``issuer.services.webhooks``. The URL check resolves the host name
through the SSRF guard, so it runs before the write transaction opens.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.models import WebhookEndpoint
from issuer.services import accounts, webhooks
from issuer.services.events import EVENT_TYPES

Page = Response | str | tuple[str, int]

#: What each event means, as the page explains it.
EVENT_HINTS = {
    "credential.issued": "a credential was issued",
    "credential.claimed": "the freelancer claimed a credential",
    "credential.revoked": "a credential was revoked",
    "credential.suspended": "a credential was suspended",
    "credential.reinstated": "a suspended credential was reinstated",
    "credential.expiring": "a credential expires soon",
    "evidence.submitted": "a freelancer submitted a gig project as evidence",
}


class WebhookForm(ConsoleForm):
    url = StringField(
        "Endpoint URL",
        validators=[DataRequired(), Length(max=500)],
        description="An https address of your system that is reachable from the internet "
        "(private and loopback addresses are refused).",
    )
    description = StringField("Description (optional)", validators=[Optional(), Length(max=200)])
    events = SelectMultipleField(
        "Events", choices=[SelectChoice(t, t) for t in EVENT_TYPES], default=["credential.issued"]
    )


class WebhookEditForm(WebhookForm):
    enabled = BooleanField("On", description="Off: no message is sent to this endpoint.")


def _actor() -> str:
    return accounts.actor_of(signed_in().user)


def _checked_url(form: WebhookForm) -> str | None:
    try:
        return webhooks.checked_url(form.url.data or "")
    except MicrocredError as exc:
        form.show_refusal(exc)
        return None


def _list_page(
    form: WebhookForm | None = None, new: webhooks.NewSecret | None = None, status: int = 200
) -> tuple[str, int]:
    me = signed_in()
    page = render_template(
        "console/webhooks.html",
        form=form or WebhookForm(formdata=None),
        endpoints=webhooks.list_endpoints(me.issuer),
        hints=EVENT_HINTS,
        new=new,
    )
    return page, status


def _detail_page(
    endpoint: WebhookEndpoint,
    form: WebhookEditForm | None = None,
    new: webhooks.NewSecret | None = None,
    status: int = 200,
) -> tuple[str, int]:
    if form is None:
        form = WebhookEditForm(formdata=None, obj=endpoint)
        form.events.data = endpoint.event_types
    page = render_template(
        "console/webhook_detail.html",
        endpoint=endpoint,
        form=form,
        hints=EVENT_HINTS,
        messages=webhooks.messages_of(endpoint),
        new=new,
    )
    return page, status


@blp.route("/webhooks")
@requires("owner")
def webhooks_page() -> tuple[str, int]:
    return _list_page()


@blp.route("/webhooks", methods=["POST"])
@requires("owner")
def create_webhook() -> Page:
    me = signed_in()
    form = WebhookForm()
    if not form.validate_on_submit() or (url := _checked_url(form)) is None:
        return _list_page(form, status=422)
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        new = webhooks.create_endpoint(
            me.issuer,
            url=url,
            event_types=form.events.data or [],
            description=form.description.data or "",
            actor=_actor(),
            ip=client_ip(),
        )
    if refusals:
        return _list_page(form, status=refusals[0].http_status)
    return _list_page(new=new, status=201)  # the secret, shown once (no-store)


@blp.route("/webhooks/<webhook_id>")
@requires("owner")
def webhook_detail(webhook_id: str) -> tuple[str, int]:
    return _detail_page(webhooks.get_endpoint(signed_in().issuer, webhook_id))


@blp.route("/webhooks/<webhook_id>", methods=["POST"])
@requires("owner")
def update_webhook(webhook_id: str) -> Page:
    me = signed_in()
    endpoint = webhooks.get_endpoint(me.issuer, webhook_id)
    form = WebhookEditForm()
    if not form.validate_on_submit() or (url := _checked_url(form)) is None:
        return _detail_page(endpoint, form, status=422)
    refusals: list[MicrocredError] = []
    changes = {
        "url": url,
        "events": form.events.data or [],
        "description": form.description.data or "",
        "enabled": bool(form.enabled.data),
    }
    with attempt(form, refusals):
        webhooks.update_endpoint(me.issuer, webhook_id, changes, actor=_actor(), ip=client_ip())
    if refusals:
        endpoint = webhooks.get_endpoint(me.issuer, webhook_id)
        return _detail_page(endpoint, form, status=refusals[0].http_status)
    flash("Webhook endpoint saved.")
    return redirect(url_for("console.webhook_detail", webhook_id=webhook_id))


@blp.route("/webhooks/<webhook_id>/rotate", methods=["POST"])
@requires("owner")
def rotate_webhook_secret(webhook_id: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        new = webhooks.rotate_secret(me.issuer, webhook_id, actor=_actor(), ip=client_ip())
    if refusals:
        raise refusals[0]
    return _detail_page(webhooks.get_endpoint(me.issuer, webhook_id), new=new, status=201)


@blp.route("/webhooks/<webhook_id>/delete", methods=["POST"])
@requires("owner")
def delete_webhook(webhook_id: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        webhooks.delete_endpoint(me.issuer, webhook_id, actor=_actor(), ip=client_ip())
    if refusals:
        raise refusals[0]
    flash("Webhook endpoint deleted, with its delivery log.")
    return redirect(url_for("console.webhooks_page"))


@blp.route("/webhooks/<webhook_id>/deliveries/<message_id>/replay", methods=["POST"])
@requires("owner")
def replay_webhook(webhook_id: str, message_id: str) -> Page:
    me = signed_in()
    refusals: list[MicrocredError] = []
    with attempt(ConsoleForm(formdata=None), refusals):
        webhooks.replay(me.issuer, webhook_id, message_id, actor=_actor(), ip=client_ip())
    if refusals:
        raise refusals[0]
    webhooks.queue_replay(message_id)
    flash(f"Message {message_id} will be sent again; the attempt appears in the log below.")
    return redirect(url_for("console.webhook_detail", webhook_id=webhook_id))
