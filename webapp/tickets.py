"""Tickets: open one (the rules set its deadline and channel), see it again with its token."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.schemas import DESCRIPTION
from kb.schemas import TicketLookup
from kb.schemas import TicketRequest
from webapp import conversation
from webapp import inputs
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.services import get_kb
from webapp.services import get_service

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
FIELDS = {"plan", "severity", "software", "subject", "description", "contact"}


@bp.route("/new", methods=("GET", "POST"))
def new():
    """Show the ticket form (prefilled from the assistant) and open the ticket on submit."""
    book = get_kb().book
    form = request.form if request.method == "POST" else request.args
    error = None
    if request.method == "POST":
        try:
            data = inputs.fields(request.form, FIELDS, strict=False)
            ticket = get_service().open_ticket(
                inputs.validated(TicketRequest, dict(data, conversation=conversation.existing())), get_lang())
        except InvalidInput as exc:
            error = describe(exc)
        else:
            return redirect(url_for("tickets.show", number=ticket["number"], token=ticket["token"], created=1))
    return render_template("tickets/new.html", form=form, book=book, error=error,
                           min_description=DESCRIPTION[0]), 400 if error else 200


@bp.get("/<number>")
def show(number):
    """Show a ticket to whoever has its token; without a token, the lookup form with the number filled in."""
    if not request.args.get("token", "").strip():
        return lookup_form(number if inputs.clean(number, 40) == number else "")
    try:
        lookup = inputs.validated(TicketLookup, {"number": number, "token": request.args.get("token")})
        ticket = get_service().ticket(lookup, get_lang())
    except NotFound:
        return lookup_form(number, not_found=True)
    book = get_kb().book
    return render_template("tickets/show.html", ticket=ticket, token=lookup.token, channel=book.channel(ticket["channel"]),
                           book=book, created=request.args.get("created") == "1")


@bp.get("/lookup")
def lookup():
    """Ask for a ticket number and token; with both, go to the ticket."""
    number, token = request.args.get("number", "").strip(), request.args.get("token", "").strip()
    if not (number and token):
        return lookup_form(inputs.clean(number, 40))
    try:
        found = inputs.validated(TicketLookup, {"number": number, "token": token})
        get_service().ticket(found, get_lang())
    except InvalidInput as exc:
        return lookup_form(inputs.clean(number, 40), error=describe(exc))
    except NotFound:
        return lookup_form(number, not_found=True)
    return redirect(url_for("tickets.show", number=found.number, token=found.token))


def lookup_form(number: str, *, error: dict | None = None, not_found: bool = False):
    """The lookup form; a wrong number or token says so plainly (the same words for both: no hint which)."""
    if not_found:
        from flask_babel import gettext as _

        error = {"field": "number", "fields": ["number", "token"],
                 "message": _("No ticket with that number and access token. Check both against what was shown when "
                              "the ticket was created.")}
    status = 404 if not_found else 400 if error else 200
    return render_template("tickets/lookup.html", number=number, error=error), status
