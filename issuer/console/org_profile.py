"""Organisation and trust, part 2 (issue 13, item 2): the provider's profile (owners edit,
everyone reads) and its own domain (owners): the did.json to publish at
``https://<domain>/.well-known/did.json`` and "Check now", which fetches it and records
the domain as verified (``issuer.services.identity``, as ``microcred issuers
verify-domain`` does).

The fetch goes through the SSRF-guarded fetcher that the composition root puts in
``app.extensions[DOMAIN_FETCH_KEY]`` (the console may not import the verifier)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length

from credentials.errors import MicrocredError
from issuer.console.blueprint import attempt, blp
from issuer.console.forms import ConsoleForm
from issuer.console.policy import client_ip, requires, signed_in
from issuer.services import accounts, identity, images, issuers
from microcred.platform.refusals import ForbiddenError

Page = Response | str | tuple[str, int]
#: ``app.extensions`` key of the function that fetches one JSON document over HTTPS.
DOMAIN_FETCH_KEY = "microcred.console.domain_fetch"


class ProfileForm(ConsoleForm):
    name = StringField(
        "Organisation name",
        validators=[DataRequired(), Length(max=200)],
        description="Changing it withdraws a verified domain or a confirmed identity: "
        "verifiers then show the new name as your claim until it is checked again.",
    )
    url = URLField("Website", validators=[Length(max=500)], description="https://…")
    email = EmailField("Contact e-mail", validators=[Length(max=254)])
    description = TextAreaField("About", validators=[Length(max=10_000)])
    logo = FileField(
        "Logo (PNG or SVG)",
        description="Shown on certificates and badge pages. An SVG is cleaned of scripts "
        "and outside references before it is stored; at most 384 KiB.",
    )
    remove_logo = BooleanField("Remove the current logo")


class DomainForm(ConsoleForm):
    domain = StringField(
        "Your domain",
        validators=[DataRequired(), Length(max=253)],
        description="A name you control, such as academy.example.org (no https://, no path).",
    )


def _profile_page(form: ProfileForm | None, status: int = 200) -> tuple[str, int]:
    me = signed_in()
    if form is None:
        form = ProfileForm(formdata=None, obj=me.issuer)
    return render_template("console/org_profile.html", form=form, issuer=me.issuer), status


@blp.route("/organisation")
@requires("viewer")
def profile() -> tuple[str, int]:
    return _profile_page(None)


@blp.route("/organisation", methods=["POST"])
@requires("owner")
def update_profile() -> Page:
    me = signed_in()
    form = ProfileForm()
    if not form.validate_on_submit():
        return _profile_page(form, 422)
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        changes = issuers.check_profile(
            {
                "name": form.name.data,
                "url": form.url.data,
                "email": form.email.data,
                "description": form.description.data,
            }
        )
        upload = form.logo.data
        if isinstance(upload, FileStorage) and upload.filename:
            # One byte over the limit is enough to refuse; a bigger body is not read.
            data = upload.stream.read(images.MAX_IMAGE_CHARS * 3 // 4 + 1)
            changes["logo_image"] = images.uploaded_image(data, field="logo")
        elif form.remove_logo.data:
            changes["logo_image"] = None
        issuers.update_profile(me.issuer, changes, actor=accounts.actor_of(me.user), ip=client_ip())
    if refusals:
        return _profile_page(form, refusals[0].http_status)
    flash("Profile saved.")
    return redirect(url_for("console.profile"))


# --- domain ----------------------------------------------------------------------------


def _document_for(domain: str | None) -> tuple[str | None, str | None]:
    """The did.json text to publish for ``domain`` and the URL it goes to (or Nones)."""
    me = signed_in()
    if not domain:
        return None, None
    document = identity.domain_did_document(me.issuer, domain)
    url = f"https://{identity.validate_domain(domain)}/.well-known/did.json"
    return json.dumps(document, indent=2) + "\n", url


def _domain_page(form: DomainForm, status: int = 200) -> tuple[str, int]:
    me = signed_in()
    document = url = None
    if form.domain.data:
        try:
            document, url = _document_for(form.domain.data)
        except MicrocredError as exc:
            if not form.domain.errors:  # a failed check has said why already
                form.show_refusal(exc)
            status = exc.http_status if status == 200 else status
    page = render_template(
        "console/org_domain.html", form=form, issuer=me.issuer, document=document, url=url
    )
    return page, status


@blp.route("/domain")
@requires("owner")
def domain() -> tuple[str, int]:
    me = signed_in()
    if me.issuer.did_method != "web":
        raise ForbiddenError("a did:key provider cannot publish its keys under a domain")
    form = DomainForm(formdata=request.args if "domain" in request.args else None)
    if form.domain.data is None:
        form.domain.data = me.issuer.identity_domain or ""
    return _domain_page(form)


def _fetch_before_writing(
    fetch: Callable[[str], Mapping[str, Any]], domain: str
) -> Callable[[str], Mapping[str, Any]]:
    """Fetch the domain's did.json now, outside the write transaction (a slow server must
    not hold it open), and answer verify_domain's fetch with that outcome."""
    outcome: Mapping[str, Any] | MicrocredError
    try:
        outcome = fetch(f"https://{identity.validate_domain(domain)}/.well-known/did.json")
    except MicrocredError as exc:
        outcome = exc  # verify_domain validates the domain again and says what failed

    def answer(url: str) -> Mapping[str, Any]:
        if isinstance(outcome, MicrocredError):
            raise outcome
        return outcome

    return answer


@blp.route("/domain/check", methods=["POST"])
@requires("owner")
def check_domain() -> Page:
    me = signed_in()
    form = DomainForm()
    if not form.validate_on_submit():
        return _domain_page(form, 422)
    fetch: Callable[[str], Mapping[str, Any]] = current_app.extensions[DOMAIN_FETCH_KEY]
    fetched = _fetch_before_writing(fetch, form.domain.data or "")
    refusals: list[MicrocredError] = []
    with attempt(form, refusals):
        identity.verify_domain(
            me.issuer,
            form.domain.data or "",
            fetch_json=fetched,
            actor=accounts.actor_of(me.user),
            ip=client_ip(),
        )
        verified = me.issuer.identity_domain
    if refusals:
        return _domain_page(form, refusals[0].http_status)
    flash(
        f"{verified} is verified: it publishes your current signing key. The verify page "
        f"now names your organisation as the owner of {verified}."
    )
    return redirect(url_for("console.domain"))
