"""Customer mail on a ticket's events, when KB_SMTP_URL is set: on filing, the number and the return link (the
token in its fragment, as on the ticket's page); on a staff reply, the reply. Worded in the ticket's language from
templates/mail/, sent by kb.mail; a contact that is a phone number gets none."""

from __future__ import annotations

from flask import Flask
from flask import current_app
from flask import render_template
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from kb.mail import Mailer
from kb.mail import is_address
from kb.settings import Settings


def init_app(app: Flask, settings: Settings) -> None:
    url = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    app.extensions["mailer"] = Mailer(url, settings.mail_from, settings.smtp_timeout) if url else None


def filed(ticket: dict) -> None:
    """Mail the contact their new ticket's number and link back."""
    link = url_for("tickets.show", number=ticket["number"], _external=True) + "#t=" + ticket["token"]
    _send(ticket, "filed", lambda: _("Your ticket %(number)s", number=ticket["number"]), link=link)


def replied(ticket: dict, reply: str) -> None:
    """Mail the contact that support answered, with the answer."""
    link = url_for("tickets.show", number=ticket["number"], _external=True)
    _send(ticket, "replied", lambda: _("Support replied to your ticket %(number)s", number=ticket["number"]), link=link,
          reply=reply)


def _send(ticket: dict, kind: str, subject, **values) -> None:
    mailer = current_app.extensions.get("mailer")
    if mailer is None or not is_address(ticket["contact"]):
        return
    with force_locale(ticket["lang"]):
        title = subject()
        body = render_template(f"mail/{kind}.txt", ticket=ticket, **values)
    mailer.send(ticket["contact"], title, body, about=f"{kind} {ticket['number']}")
