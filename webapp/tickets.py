"""Tickets: open one (the rules set its deadline and channel), see it again with its token."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.knowledge import MAX_QUERY
from kb.rules.render import trace_in_both
from webapp import inputs
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.i18n import t
from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


def open_ticket(fields: dict, lang: str) -> dict:
    """Decide the ticket's text with the rules, once, and store it with that decision; shared with the JSON API.

    The stored trace has every reason in both languages, so the ticket reads in its reader's language."""
    # The assistant reads at most MAX_QUERY characters; the subject and the start of the description are enough.
    question = f"{fields['subject']}\n{fields['description']}"[:MAX_QUERY]
    kb = get_kb()
    decision = kb.ask(question, plan=fields["plan"], severity=fields["severity"], reported_at=dt.datetime.now(dt.UTC))
    rendered = dict(kb.render(decision, lang), rules=trace_in_both(kb.book, decision))
    return get_store().create_ticket(**fields, lang=lang, decision=rendered)


@bp.route("/new", methods=("GET", "POST"))
def new():
    """Show the ticket form (prefilled from the assistant) and open the ticket on submit."""
    book = get_kb().book
    form = request.form if request.method == "POST" else request.args
    error = None
    if request.method == "POST":
        try:
            ticket = open_ticket(inputs.ticket_args(book, form), get_lang())
        except InvalidInput as exc:
            error = describe(exc)
        else:
            _mark_ask(form.get("ask"), ticket["number"])
            return redirect(url_for("tickets.show", number=ticket["number"], token=ticket["token"], created=1))
    return render_template("tickets/new.html", form=form, book=book, error=error,
                           min_description=inputs.DESCRIPTION[0]), 400 if error else 200


def _mark_ask(value, number: str) -> None:
    """Record that the assistant's answer ended in a ticket; a stale log id must not fail the ticket."""
    try:
        log_id = inputs.integer(value, "ask", low=1, high=2**63 - 1)
        if log_id:
            get_store().mark_outcome(log_id, "ticket", ticket_number=number)
    except (InvalidInput, NotFound):
        pass


@bp.get("/<number>")
def show(number):
    """Show a ticket to whoever has its token; without a token, the lookup form with the number filled in."""
    if not request.args.get("token", "").strip():
        return lookup_form(number if inputs.clean(number, inputs.MAX_NUMBER) == number else "")
    number, token = inputs.ticket_number(number), inputs.token(request.args.get("token"))
    try:
        ticket = get_store().get_ticket(number, token, lang=get_lang())
    except NotFound:
        return lookup_form(number, not_found=True)
    book = get_kb().book
    channel = book.channel(ticket["channel"])
    return render_template("tickets/show.html", ticket=ticket, token=token, channel=channel, book=book,
                           created=request.args.get("created") == "1")


@bp.get("/lookup")
def lookup():
    """Ask for a ticket number and token; with both, go to the ticket."""
    number, token = request.args.get("number", "").strip(), request.args.get("token", "").strip()
    if not (number and token):
        return lookup_form(inputs.clean(number, inputs.MAX_NUMBER))
    try:
        number, token = inputs.ticket_number(number), inputs.token(token)
        get_store().get_ticket(number, token)
    except InvalidInput as exc:
        return lookup_form(inputs.clean(number, inputs.MAX_NUMBER), error=describe(exc))
    except NotFound:
        return lookup_form(number, not_found=True)
    return redirect(url_for("tickets.show", number=number, token=token))


def lookup_form(number: str, *, error: dict | None = None, not_found: bool = False):
    """The lookup form; a wrong number or token says so plainly (the same words for both: no hint which)."""
    if not_found:
        error = {"field": "number", "fields": ["number", "token"], "message": t("ticket_not_found")}
    status = 404 if not_found else 400 if error else 200
    return render_template("tickets/lookup.html", number=number, error=error), status
