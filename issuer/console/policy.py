"""Who may open which console page: one decorator per view, one check for all, default deny.

Every view of the console blueprint declares its access with ``@requires(role)`` (a
signed-in member with at least that role: owner > issuer > viewer) or ``@public``
(anyone: sign-in, sign-up, password reset, invitations). ``enforce`` runs before every
console view: a view that declares nothing is refused (403), so a forgotten decorator
fails closed; tests/issuer/console/test_policy.py walks ``app.url_map`` to prove every
/console route declares one. ``enforce`` also checks the CSRF token of every POST
(Flask-WTF), before anything else runs.

The signed-in principal (user, membership, provider) is loaded once per request into
``g`` and read with ``principal()``; a session whose user or membership is gone is
cleared, so a removed member is signed out at their next request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar
from urllib.parse import quote

from flask import current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response

from issuer.models import ROLES, Issuer, Membership, User
from issuer.services import accounts, sso
from microcred.platform.extensions import db
from microcred.platform.refusals import ForbiddenError

F = TypeVar("F", bound=Callable[..., object])

PUBLIC: Final = "public"
ACCESS_ATTRIBUTE: Final = "console_access"
#: A role may do what every role after it in ``ROLES`` may do.
RANK: Final = {role: len(ROLES) - position for position, role in enumerate(ROLES)}
#: Endpoints outside the rule (Flask's own static route of the blueprint: a stylesheet).
EXEMPT_ENDPOINTS: Final = frozenset({"console.static"})

csrf = CSRFProtect()


def allow(access: str) -> Callable[[F], F]:
    if access != PUBLIC and access not in ROLES:
        raise ValueError(f"unknown console access {access!r}")

    def mark(view: F) -> F:
        setattr(view, ACCESS_ATTRIBUTE, access)
        return view

    return mark


public = allow(PUBLIC)


def requires(role: str) -> Callable[[F], F]:
    """The view needs a signed-in member of at least ``role``."""
    return allow(role)


@dataclass(frozen=True, slots=True)
class Principal:
    user: User
    membership: Membership
    issuer: Issuer

    @property
    def role(self) -> str:
        return self.membership.role

    def can(self, role: str) -> bool:
        return RANK[self.membership.role] >= RANK[role]


def declared_access(endpoint: str | None) -> str | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, ACCESS_ATTRIBUTE, None)


def _load_principal() -> Principal | None:
    user_id, issuer_id = session.get("user_id"), session.get("issuer_id")
    if not isinstance(user_id, int) or not isinstance(issuer_id, int):
        return None
    user = accounts.get_user(user_id)
    member = accounts.membership(user_id, issuer_id) if user is not None else None
    issuer = db.session.get(Issuer, issuer_id) if member is not None else None
    if user is None or member is None or issuer is None:
        session.clear()
        return None
    # --- single sign-on: a session the organisation's provider opened is bound to it.
    bound = session.get("sso_issuer_id")
    if bound is not None and bound != issuer_id:
        session.clear()
        return None
    # A session opened with a password ends as soon as its organisation requires single
    # sign-on (owners excepted, so that no organisation locks itself out), not at the
    # member's next sign-in.
    if bound is None and not sso.password_allowed(member):
        session.clear()
        return None
    return Principal(user=user, membership=member, issuer=issuer)


def principal() -> Principal | None:
    """The signed-in member of this request, or None."""
    found: Principal | None = g.get("console_principal")
    return found


def signed_in() -> Principal:
    """The signed-in member (for views that declared a role: enforce guaranteed one)."""
    found = principal()
    if found is None:
        raise ForbiddenError("sign in first")
    return found


def client_ip() -> str | None:
    """The client address as ProxyFix reports it, for the audit log."""
    return request.remote_addr


def enforce() -> Response | None:
    """``before_request`` of the console blueprint (see the module docs)."""
    if request.endpoint in EXEMPT_ENDPOINTS:
        return None
    access = declared_access(request.endpoint)
    if access is None:
        raise ForbiddenError(
            "this console page declares no role, so it is refused to everyone", code="no_policy"
        )
    g.console_principal = _load_principal()  # first: the refusal pages show who is in
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if access == PUBLIC:
        return None
    found = principal()
    if found is None:
        target = request.full_path if request.method == "GET" else url_for("console.dashboard")
        return redirect(url_for("console.sign_in") + "?next=" + quote(target.rstrip("?")))
    if not found.can(access):
        raise ForbiddenError(
            f"your role ({found.role}) may not do this: it needs {access}",
            code="role_refused",
        )
    return None
