"""Tickets: open one (the rules set its deadline and channel), see it again with its token."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.knowledge import MAX_QUERY
from webapp import inputs
from webapp.i18n import error_message
from webapp.i18n import get_lang
from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("tickets", __name__, url_prefix="/tickets")


def open_ticket(fields: dict, lang: str) -> dict:
    """Decide the ticket's text with the rules and store it with that decision; shared with the JSON API."""
    # The assistant reads at most MAX_QUERY characters; the subject and the start of the description are enough.
    question = f"{fields['subject']}\n{fields['description']}"[:MAX_QUERY]
    decision = get_kb().ask(question, plan=fields["plan"], severity=fields["severity"], lang=lang).to_dict()
    return get_store().create_ticket(**fields, lang=lang, decision=decision)


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
            error = {"field": exc.field, "message": error_message(exc.code, exc.field, str(exc))}
        else:
            _mark_ask(form.get("ask"), ticket["number"])
            return redirect(url_for("tickets.show", number=ticket["number"], token=ticket["token"], created=1))
    return render_template("tickets/new.html", form=form, book=book, error=error), 400 if error else 200


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
    """Show a ticket to whoever has its token."""
    token = inputs.text(request.args.get("token"), "token", max_len=inputs.MAX_TOKEN)
    ticket = get_store().get_ticket(number, token)
    channel = next((ch for ch in get_kb().book.channels if ch["id"] == ticket["channel"]), None)
    return render_template("tickets/show.html", ticket=ticket, token=token, channel=channel,
                           created=request.args.get("created") == "1")


@bp.get("/lookup")
def lookup():
    """Ask for a ticket number and token; with both, go to the ticket."""
    number, token = request.args.get("number", "").strip(), request.args.get("token", "").strip()
    if not (number and token):
        return render_template("tickets/lookup.html", number=number, error=None)
    try:
        get_store().get_ticket(number, inputs.text(token, "token", max_len=inputs.MAX_TOKEN))
    except (NotFound, InvalidInput) as exc:
        error = {"field": "number", "message": error_message(exc.code, getattr(exc, "field", None), str(exc))}
        return render_template("tickets/lookup.html", number=number, error=error), 404 if isinstance(exc, NotFound) else 400
    return redirect(url_for("tickets.show", number=number, token=token))
