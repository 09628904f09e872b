"""The freelancer's pages: claiming (/claim/<token>), signing in by e-mail link or
password (/account/signin…), and the account (/account).

Every GET only shows: a link (claim or sign-in) is used by the POST of the page's button,
so a mail scanner that prefetches links uses nothing. Every POST carries the CSRF token,
checked in ``_enforce`` before any view runs. Sign-in is rate-limited per client address
(MICROCRED_ACCOUNT_SIGNIN_RATELIMIT) and sign-in links per e-mail address
(MICROCRED_ACCOUNT_LINK_RATELIMIT); the page that sends a link answers the same whether or
not the address has an account. "Send to wallet" (a wallet offer of one of the account's
credentials) is limited per account (MICROCRED_ACCOUNT_WALLET_RATELIMIT).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import validate_csrf
from markupsafe import escape
from werkzeug.wrappers import Response
from wtforms import ValidationError

from credentials.errors import InvalidInputError, MicrocredError
from issuer.account import sessions
from issuer.account.forms import (
    VISIBILITY_CHOICES,
    EraseForm,
    LinkRequestForm,
    PasswordSignInForm,
    SetPasswordForm,
)
from issuer.account.interfaces import SHARE_LINKS_KEY, ShareLinks, ShareLinksFor
from issuer.models import RecipientAccount
from issuer.services import privacy, recipients, wallet
from issuer.services.credentials import credential_status
from microcred.platform.db import utcnow, write_transaction
from microcred.platform.errors import handle_microcred_error
from microcred.platform.extensions import db, limit_public, limiter, remote_address
from microcred.platform.i18n import current_language
from microcred.platform.mail import MailMessage, send_mail
from microcred.platform.security import protect_pages

Page = Response | str | tuple[str, int]
STATIC_DIR = Path(__file__).resolve().parent / "static"

blp = Blueprint(
    "account",
    __name__,
    static_folder=str(STATIC_DIR),
    static_url_path="/account/static",
)
protect_pages(blp)  # page CSP and Cache-Control: no-store
limit_public(blp)  # the public budget per client address, as every public page


def _signin_limit() -> str:
    return str(current_app.config["MICROCRED_ACCOUNT_SIGNIN_RATELIMIT"])


def _link_limit() -> str:
    return str(current_app.config["MICROCRED_ACCOUNT_LINK_RATELIMIT"])


def _address_key() -> str:
    """The rate-limit key of the e-mail address asked for (hashed: no address in the
    limiter's storage)."""
    typed = (request.form.get("email") or "").strip().lower()
    return "account-address:" + hashlib.sha256(typed.encode()).hexdigest()


#: Per client address, POSTs only: sign-in attempts of both kinds and link requests.
per_client = limiter.shared_limit(
    _signin_limit, scope="account-signin", key_func=remote_address, methods=["POST"]
)
#: Per e-mail address: how many links one address can be sent (an inbox is not a target).
per_address = limiter.limit(
    _link_limit, key_func=_address_key, methods=["POST"], scope="account-link"
)


def _wallet_limit() -> str:
    return str(current_app.config["MICROCRED_ACCOUNT_WALLET_RATELIMIT"])


def _account_key() -> str:
    """The key of a limit per account (the limiter may ask before ``_enforce`` has run:
    the session is read directly; signed out, the client's address stands in)."""
    account_id = session.get("account_id")
    if isinstance(account_id, int):
        return f"account:{account_id}"
    return f"account-ip:{remote_address()}"


#: Per account: wallet offers made (each is a row, an audit event, and one signature to
#: come), however many devices the account is signed in on.
per_account_offers = limiter.limit(
    _wallet_limit, key_func=_account_key, methods=["POST"], scope="account-wallet"
)


@blp.before_request
def _enforce() -> Page | None:
    """CSRF on every POST, then who is signed in (``g.recipient``)."""
    if request.endpoint == "account.static":
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            message = _(
                "The form's security token was missing, wrong or too old (%(reason)s). "
                "Go back, reload the page and send the form again.",
                reason=str(exc),
            )
            return _error_page(_("This form could not be accepted"), message, 400)
    g.recipient = _load_account()
    return None


@blp.after_request
def _vary_on_cookie(response: Response) -> Response:
    response.vary.add("Cookie")
    return response


def _load_account() -> RecipientAccount | None:
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        return None
    account = db.session.get(RecipientAccount, account_id)
    if account is None:
        session.clear()
    return account


def signed_in() -> RecipientAccount | None:
    found: RecipientAccount | None = g.get("recipient")
    return found


def _error_page(title: str, message: str, status: int) -> tuple[str, int]:
    return render_template("account/error.html", title=title, message=message), status


REFUSAL_TITLES = {
    400: _l("This link or request could not be accepted"),
    404: _l("Not found"),
    410: _l("This link can no longer be used"),
    422: _l("Please check the form"),
}


@blp.errorhandler(MicrocredError)
def _refused(exc: MicrocredError) -> Response | tuple[str, int]:
    if exc.http_status >= 500:
        return handle_microcred_error(exc)
    title = REFUSAL_TITLES.get(exc.http_status) or _l("This request could not be accepted")
    return _error_page(str(title), exc.message, exc.http_status)


@blp.context_processor
def _page_context() -> dict[str, Any]:
    return {"recipient": signed_in()}


def start_session(account_id: int) -> None:
    """Sign in: a new session id (no fixation), then who is signed in."""
    session.clear()
    sessions.rotate(session)
    session["account_id"] = account_id
    # The page's language becomes the account's: mail to it goes in that language.
    with write_transaction(db.session):
        recipients.remember_language(account_id, current_language())


# --- claiming ---


@blp.route("/claim/<token>", methods=["GET", "POST"])
def claim(token: str) -> Page:
    if request.method == "GET":
        preview = recipients.claim_preview(token)
        return render_template("account/claim.html", preview=preview, token=token)
    with write_transaction(db.session):
        claimed = recipients.claim(token)
        account_id = claimed.account.id
        credential_id = claimed.credential.id
        name = recipients.certification_name(claimed.credential)
        offerable = credential_status(claimed.credential) == "valid"
    start_session(account_id)
    flash(_("“%(name)s” is now in your account. Choose who can see it below.", name=name))
    if offerable:  # fl-wallet: the button is right under it (the page opens at its card)
        flash(_("To keep it in a wallet app on your phone, press “Send to wallet” under it."))
    return redirect(url_for("account.overview") + f"#credential-{credential_id}")


# --- signing in ---


def _signin_page(status: int = 200, **forms: Any) -> tuple[str, int]:
    context = {"link_form": LinkRequestForm(), "password_form": PasswordSignInForm(), **forms}
    return render_template("account/signin.html", **context), status


@blp.get("/account/signin")
def signin() -> Page:
    if signed_in() is not None:
        return redirect(url_for("account.overview"))
    return _signin_page()


@blp.post("/account/signin")
@per_client
@per_address
def request_link() -> Page:
    form = LinkRequestForm()
    if not form.validate():
        return _signin_page(422, link_form=form)
    try:
        with write_transaction(db.session):
            made = recipients.request_signin(form.email.data or "")
    except InvalidInputError as exc:
        form.email.errors = [*form.email.errors, exc.message]
        return _signin_page(422, link_form=form)
    if made is not None:
        _mail_signin_link(*made)
    # The same answer whether or not the address has an account.
    return render_template("account/link_sent.html", email=form.email.data)


def _mail_signin_link(address: str, token: str) -> None:
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    link = f"{base}{url_for('account.use_link', token=token)}"
    minutes = int(recipients.SIGNIN_LIFETIME.total_seconds() // 60)
    # In the language of the page that asked for it (the request's locale).
    asked = _("Someone (we hope you) asked to sign in to your microcred account with this address.")
    once = _(
        "The link works once, within %(minutes)d minutes. If you did not ask for it, "
        "ignore this mail: nothing happens.",
        minutes=minutes,
    )
    text = f"{asked}\n\n{_('Sign in: %(link)s', link=link)}\n\n{once}\n"
    html = (
        f"<p>{escape(asked)}</p>"
        f'<p><a href="{escape(link)}">{escape(_("Sign in to microcred"))}</a></p>'
        f"<p>{escape(once)}</p>"
    )
    subject = _("Your microcred sign-in link")
    send_mail(MailMessage(to=(address,), subject=subject, text=text, html=html))


@blp.route("/account/signin/<token>", methods=["GET", "POST"])
def use_link(token: str) -> Page:
    if request.method == "GET":
        recipients.check_signin_link(token)  # 400/404/410 before showing the button
        return render_template("account/use_link.html", token=token)
    with write_transaction(db.session):
        account_id = recipients.sign_in_with_link(token).id
    start_session(account_id)
    return redirect(url_for("account.overview"))


@blp.post("/account/signin/password")
@per_client
def password_signin() -> Page:
    form = PasswordSignInForm()
    if not form.validate():
        return _signin_page(422, password_form=form)
    with write_transaction(db.session):
        account = recipients.sign_in_with_password(form.email.data or "", form.password.data or "")
        account_id = account.id if account is not None else None
    if account_id is None:
        form.form_errors.append(
            _(
                "Sign-in failed: the e-mail address or the password is wrong, or no password "
                "was set for this address. Ask for a sign-in link instead."
            )
        )
        return _signin_page(401, password_form=form)
    start_session(account_id)
    return redirect(url_for("account.overview"))


@blp.post("/account/signout")
def signout() -> Response:
    sessions.destroy(session)
    return redirect(url_for("account.signin"))


# --- the account ---


def _require() -> RecipientAccount | Response:
    account = signed_in()
    if account is None:
        return redirect(url_for("account.signin"))
    return account


def _share_links(credential_id: str, short_code: str) -> ShareLinks:
    found: ShareLinksFor | None = current_app.extensions.get(SHARE_LINKS_KEY)
    links = found(credential_id) if found is not None else None
    if links is not None:
        return links
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    return ShareLinks(
        verify=f"{base}/v/{short_code}",
        share=f"{base}/credentials/{credential_id}/share",
        linkedin=None,
        embed="",
    )


@blp.get("/account")
def overview() -> Page:
    account = _require()
    if isinstance(account, Response):
        return account
    held = recipients.holdings(account)
    items = [
        {
            "holding": holding,
            "links": _share_links(holding.credential.id, holding.credential.short_code),
        }
        for holding in held
    ]
    profiles = recipients.profile_handles(account)
    return render_template(
        "account/overview.html",
        account=account,
        items=items,
        profiles=profiles,
        password_form=SetPasswordForm(formdata=None),
        visibility_choices=VISIBILITY_CHOICES,
    )


@blp.post("/account/credentials/<credential_id>/visibility")
def set_visibility(credential_id: str) -> Page:
    account = _require()
    if isinstance(account, Response):
        return account
    visibility = request.form.get("visibility", "")
    with write_transaction(db.session):
        recipients.set_visibility(account, credential_id, visibility)
    flash(_("Saved: who can see this credential."))
    return redirect(url_for("account.overview") + f"#credential-{credential_id}")


# --- fl-wallet: "Send to wallet" for one of the account's credentials ---

#: What the freelancer reads when a credential cannot be offered (the service's refusal
#: codes, ``issuer.services.wallet``); the service's English sentence otherwise.
WALLET_REFUSALS = {
    "credential_revoked": _l(
        "This credential was revoked by its training provider: a revoked credential cannot "
        "be sent to a wallet."
    ),
    "credential_suspended": _l(
        "This credential is suspended while its training provider checks it: it can be "
        "sent to a wallet once it is active again."
    ),
    "credential_expired": _l(
        "This credential has expired: an expired credential cannot be sent to a wallet."
    ),
}


@blp.post("/account/credentials/<credential_id>/wallet-offer")
@per_account_offers
def wallet_offer(credential_id: str) -> Page:
    """A new single-use wallet offer of one of the account's credentials, then its page
    (QR codes and deep links). Another address's credential, a wallet copy or an unknown
    id: 404; revoked, suspended or expired: 409, saying so; nothing is written."""
    account = _require()
    if isinstance(account, Response):
        return account
    try:
        with write_transaction(db.session):
            owned = recipients.owned_credential(account, credential_id)
            offer = wallet.create_offer(owned.id, actor=f"account:{account.id}")
    except MicrocredError as exc:
        reason = WALLET_REFUSALS.get(exc.code)
        if reason is None:
            raise
        return _error_page(_("This credential cannot be sent to a wallet"), str(reason), 409)
    return redirect(url_for("wallet.offer_page", token=offer.token))


# --- end fl-wallet ---


@blp.post("/account/password")
def set_password() -> Page:
    account = _require()
    if isinstance(account, Response):
        return account
    form = SetPasswordForm()
    if not form.validate():
        flash(_("Not saved: %(errors)s", errors=" ".join(map(str, form.password.errors))))
        return redirect(url_for("account.overview") + "#password")
    with write_transaction(db.session):
        recipients.set_password(account, form.password.data or None)
    flash(
        _("Password saved.")
        if form.password.data
        else _("Password removed: sign in by e-mail link.")
    )
    return redirect(url_for("account.overview") + "#password")


# --- fl-privacy-self: "Export my data" and "Erase my account" (issue 14, item 5) ---

#: Erasing needs a sign-in within MICROCRED_ACCOUNT_REAUTH_MINUTES [15]: a session left
#: open on a shared computer must not be enough to erase someone's account. As GitHub's
#: "sudo mode" and Google's account deletion do, the person proves again that they hold
#: the address (a fresh sign-in link), besides typing it out. Exports and erasure POSTs
#: are limited per client address (MICROCRED_ACCOUNT_PRIVACY_RATELIMIT): each export
#: reads every provider's records.


def _privacy_limit() -> str:
    return str(current_app.config["MICROCRED_ACCOUNT_PRIVACY_RATELIMIT"])


def _reauth_window() -> timedelta:
    return timedelta(minutes=int(current_app.config["MICROCRED_ACCOUNT_REAUTH_MINUTES"]))


export_limit = limiter.limit(_privacy_limit, key_func=remote_address, scope="account-export")
erase_limit = limiter.limit(
    _privacy_limit, key_func=remote_address, scope="account-erase", methods=["POST"]
)


def _signed_in_recently() -> bool:
    """Whether this session began (a sign-in: ``start_session`` rotates it) recently."""
    started = getattr(session, "created_at", None)
    return started is not None and utcnow() - started <= _reauth_window()


@blp.get("/account/export")
@export_limit
def export_data() -> Response:
    """Everything held about the signed-in address, at every provider, as a JSON file."""
    account = _require()
    if isinstance(account, Response):
        return account
    data = privacy.export_person(account.email)
    day = utcnow().date().isoformat()
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2) + "\n",
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="microcred-personal-data-{day}.json"',
            "Cache-Control": "no-store",
        },
    )


def _erase_page(account: RecipientAccount, form: EraseForm, status: int = 200) -> tuple[str, int]:
    held = recipients.holdings(account)
    return render_template(
        "account/erase.html",
        account=account,
        form=form,
        credentials=len(held),
        fresh=_signed_in_recently(),
        reauth_minutes=int(_reauth_window().total_seconds() // 60),
    ), status


@blp.route("/account/erase", methods=["GET", "POST"])
@erase_limit
def erase() -> Page:
    """The confirmation page, then the erasure: every provider's records of the address,
    the account, its sessions; the providers are told by mail (``privacy.erase_person``)."""
    account = _require()
    if isinstance(account, Response):
        return account
    if request.method == "GET":
        return _erase_page(account, EraseForm(formdata=None))
    form = EraseForm()
    if not _signed_in_recently():
        return _erase_page(account, form, 403)  # asks for a fresh sign-in; nothing changed
    if not form.validate():
        return _erase_page(account, form, 422)
    if (form.email.data or "").strip().lower() != account.email:
        form.email.errors = [
            *form.email.errors,
            _("This is not the address you are signed in with. Nothing was erased."),
        ]
        return _erase_page(account, form, 422)
    email, actor = account.email, f"account:{account.id}"
    # Its own transaction (the request's read is finished first); the providers' mail
    # is queued after the commit only.
    privacy.erase_person(email, actor=actor)
    sessions.destroy(session)  # the session row went with the account; now the cookie
    return redirect(url_for("account.erased"))


@blp.get("/account/erased")
def erased() -> str:
    """What happened, for someone no longer signed in (the page names nobody)."""
    return render_template("account/erased.html")


# --- end fl-privacy-self ---
