"""The console blueprint (/console) and what every console page shares: the access check
and CSRF (``policy.enforce``), the page headers (CSP, ``no-store``), the CSRF error page,
the template context, and turning a service's refusal into a re-rendered form."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.wrappers import Response

from credentials.errors import MicrocredError
from issuer.console import policy
from issuer.console.forms import ROLE_CHOICES, ConsoleForm
from microcred.platform.db import write_transaction
from microcred.platform.errors import handle_microcred_error
from microcred.platform.extensions import db, limit_public
from microcred.platform.security import protect_pages

STATIC_DIR = Path(__file__).resolve().parent / "static"

blp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    static_folder=str(STATIC_DIR),
    static_url_path="/static",
)
blp.before_request(policy.enforce)
protect_pages(blp)  # page CSP and Cache-Control: no-store on every console answer
# The public budget per client address (MICROCRED_PUBLIC_RATELIMIT) for every console
# request too: showing a form opens a stored session, so a flood must not fill the table.
limit_public(blp)


@blp.after_request
def _vary_on_cookie(response: Response) -> Response:
    response.vary.add("Cookie")  # every console page depends on who is signed in
    return response


@blp.errorhandler(CSRFError)
def _csrf_refused(exc: CSRFError) -> tuple[str, int]:
    return (
        render_template(
            "console/error.html",
            title="This form could not be accepted",
            message="The form's security token was missing, wrong or too old "
            f"({exc.description}). Go back, reload the page and send the form again.",
        ),
        400,
    )


#: Titles of the console's refusal pages, by status.
REFUSAL_TITLES = {
    400: "This request could not be accepted",
    403: "Not allowed",
    404: "Not found",
    409: "That clashes with the current state",
    422: "Please check the form",
}


@blp.errorhandler(MicrocredError)
def _refused(exc: MicrocredError) -> Response | tuple[str, int]:
    """A service's refusal inside the console: the console's page (with its navigation,
    so a refused member can still sign out), never a JSON body."""
    if exc.http_status >= 500:
        return handle_microcred_error(exc)  # logged, generic: the platform's answer
    title = REFUSAL_TITLES.get(exc.http_status, "This request could not be accepted")
    page = render_template("console/error.html", title=title, message=exc.message)
    return page, exc.http_status


@blp.context_processor
def _page_context() -> dict[str, Any]:
    """What every console template may use: ``me`` (the signed-in Principal or None) and
    the role choices of the forms."""
    return {"me": policy.principal(), "role_choices": ROLE_CHOICES}


@contextmanager
def attempt(form: ConsoleForm, refusals: list[MicrocredError]) -> Iterator[None]:
    """One write transaction for a form's action; a refusal (an error of the request, a
    4xx) rolls it back and is attached to the form instead of becoming an error page."""
    try:
        with write_transaction(db.session):
            yield
    except MicrocredError as exc:
        if exc.http_status >= 500:
            raise
        form.show_refusal(exc)
        refusals.append(exc)


def form_page(
    template: str, form: ConsoleForm, refusals: list[MicrocredError], **context: Any
) -> tuple[str, int]:
    """Render a form again with its errors: 422 for shape errors, else the refusal's status."""
    status = refusals[0].http_status if refusals else 422
    return render_template(template, form=form, **context), status
