"""The console's account mail: password-reset links and invitations.

Links are built from MICROCRED_BASE_URL, never from the request's Host header, so that a
forged Host cannot make us mail a reset link pointing at someone else's server.
"""

from __future__ import annotations

from flask import current_app, render_template, url_for

from microcred.platform.mail import MailMessage, send_mail


def absolute(endpoint: str, token: str) -> str:
    base = str(current_app.config["MICROCRED_BASE_URL"]).rstrip("/")
    return base + url_for(endpoint, token=token)


def _send(to: str, subject: str, template: str, **context: str) -> None:
    text = render_template(f"console/mail/{template}.txt", **context)
    html = render_template(f"console/mail/{template}.html", **context)
    send_mail(MailMessage(to=(to,), subject=subject, text=text, html=html))


def send_reset(email: str, token: str, *, hours: int) -> None:
    link = absolute("console.reset_password", token)
    _send(email, "Reset your microcred password", "reset", link=link, hours=str(hours))


def send_invitation(email: str, token: str, *, organisation: str, role: str, inviter: str) -> None:
    link = absolute("console.accept_invitation", token)
    _send(
        email,
        f"{inviter} invites you to {organisation} on microcred",
        "invitation",
        link=link,
        organisation=organisation,
        role=role,
        inviter=inviter,
    )
