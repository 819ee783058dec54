"""Customer mail on a ticket's events, when KB_SMTP_URL is set: on filing, the number and the return link (the
token in its fragment, as on the ticket's page); on a staff reply, the reply; on request ("my requests"), the return
links to all the tickets of an address. Worded in the tickets' language from templates/mail/, sent by kb.mail; a
contact that is a phone number gets none."""

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


def enabled() -> bool:
    """Whether this site sends mail (KB_SMTP_URL is set)."""
    return current_app.extensions.get("mailer") is not None


def return_link(ticket: dict) -> str:
    """The address that opens the ticket again: its token in the fragment, which no server or log ever sees."""
    return url_for("tickets.show", number=ticket["number"], _external=True) + "#t=" + ticket["token"]


def filed(ticket: dict) -> None:
    """Mail the contact their new ticket's number and link back."""
    _send(ticket, "filed", lambda: _("Your ticket %(number)s", number=ticket["number"]), link=return_link(ticket))


def links(contact: str, tickets: list[dict], lang: str) -> None:
    """Mail a contact the return links to their tickets (each with a token of its own), in the tickets' language
    when they share one, else in `lang` (the request's); no tickets, no mail."""
    if not tickets:
        return
    langs = {t["lang"] for t in tickets}
    _mail(contact, langs.pop() if len(langs) == 1 else lang, "links", lambda: _("Links to your tickets"),
          about=f"links to {len(tickets)} tickets", tickets=[(t, return_link(t)) for t in tickets])


def replied(ticket: dict, reply: str) -> None:
    """Mail the contact that support answered, with the answer."""
    link = url_for("tickets.show", number=ticket["number"], _external=True)
    _send(ticket, "replied", lambda: _("Support replied to your ticket %(number)s", number=ticket["number"]), link=link,
          reply=reply)


def _send(ticket: dict, kind: str, subject, **values) -> None:
    _mail(ticket["contact"], ticket["lang"], kind, subject, about=f"{kind} {ticket['number']}", ticket=ticket, **values)


def _mail(to: str, lang: str, kind: str, subject, *, about: str, **values) -> None:
    """Render templates/mail/<kind>.txt and the subject (a callable: it is worded under `lang`) and send them."""
    mailer = current_app.extensions.get("mailer")
    if mailer is None or not is_address(to):
        return
    with force_locale(lang):
        title = subject()
        body = render_template(f"mail/{kind}.txt", **values)
    mailer.send(to, title, body, about=about)
