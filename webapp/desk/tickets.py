"""Tickets on the desk: a list with filters and the time left to each response deadline, one ticket with its
replies, a reply the customer sees on the ticket's page, and the status (new, responded, waiting, resolved).

The staff API (`/api/staff/...`, outside the public API and its OpenAPI document) gives the same as JSON, for
scripts and the desk's own pages; it answers 401 to anyone not signed in, and keeps CSRF: a staff session is a
cookie, so another site must not post with it."""

from __future__ import annotations

from flask import Blueprint
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.desk import REPLY
from kb.desk import STAFF_STATUSES
from kb.desk import TicketFilter
from kb.desk import TicketReply
from kb.desk import TicketStatus
from kb.desk import deadline_state
from kb.errors import InvalidInput
from kb.store.tables import STATUSES
from webapp import inputs
from webapp import notify
from webapp.desk import staff
from webapp.i18n import describe
from webapp.services import get_kb
from webapp.services import get_service
from webapp.services import get_store
from webapp.tickets import send_attachment

bp = Blueprint("desk_tickets", __name__, url_prefix="/engineer/tickets")
api_bp = Blueprint("desk_api", __name__, url_prefix="/api/staff")
staff.protect(bp)
staff.protect(api_bp, api=True)
LIST_LIMIT = 200
FILTERS = {"status", "plan", "severity", "software"}


def _with_deadlines(tickets: list[dict]) -> list[dict]:
    at = get_service().clock()
    return [dict(t, due=deadline_state(t, at)) for t in tickets]


def _found(values, strict: bool) -> tuple[list[dict], dict]:
    chosen = inputs.validated(TicketFilter, inputs.fields(values, FILTERS, strict=strict))
    return _with_deadlines(get_store().tickets.find(**chosen.model_dump(), limit=LIST_LIMIT)), chosen.model_dump()


@bp.get("")
def index():
    """Every ticket, filtered by status, plan, severity and software; the nearest deadline first."""
    try:
        tickets, chosen = _found(request.args, strict=False)
        error = None
    except InvalidInput as exc:
        tickets, chosen, error = [], {}, describe(exc)
    return render_template("desk/tickets.html", tickets=tickets, chosen=chosen, statuses=STATUSES, book=get_kb().book,
                           error=error), 400 if error else 200


@bp.get("/<number>")
def show(number):
    """One ticket as the customer filed it, its replies, and the reply form."""
    return _page(number)


def _page(number: str, error: dict | None = None, status: int = 200, reply: str = ""):
    ticket = get_store().tickets.for_staff(inputs.clean(number, 40))
    return render_template("desk/ticket.html", ticket=_with_deadlines([ticket])[0], book=get_kb().book,
                           channel=get_kb().book.channel(ticket["channel"]), statuses=STAFF_STATUSES, error=error,
                           reply=reply), status


@bp.get("/<number>/attachments/<int:attachment_id>")
def attachment(number, attachment_id):
    """A file the customer attached, served as the customer's own page serves it."""
    return send_attachment(get_store().tickets.attachment_for_staff(inputs.clean(number, 40), attachment_id))


@bp.post("/<number>/reply")
def reply(number):
    """Answer the customer (they see it on the ticket's page) and set the status; the first answer is the first
    response."""
    form = inputs.fields(request.form, {"reply", "status"}, strict=False)
    try:
        given = inputs.validated(TicketReply, form)
    except InvalidInput as exc:
        return _page(number, describe(exc), 400, form.get("reply", "")[:REPLY[1]])  # shown back with its line breaks
    ticket = get_store().tickets.reply(inputs.clean(number, 40), given.reply, given.status, author=staff.actor(),
                                       at=get_service().clock())
    notify.replied(ticket, given.reply)
    return redirect(url_for("desk_tickets.show", number=number))


@bp.post("/<number>/status")
def set_status(number):
    """Move the ticket on without a reply (waiting for the customer, resolved, or back to responded)."""
    try:
        given = inputs.validated(TicketStatus, inputs.fields(request.form, {"status"}, strict=False))
    except InvalidInput as exc:
        return _page(number, describe(exc), 400)
    get_store().tickets.set_status(inputs.clean(number, 40), given.status, actor=staff.actor())
    return redirect(url_for("desk_tickets.show", number=number))


@api_bp.get("/tickets")
def api_index():
    """The tickets as JSON, with the same filters; each with `due` (its deadline's state)."""
    tickets, _chosen = _found(request.args, strict=True)
    return jsonify(tickets=tickets)


@api_bp.get("/tickets/<number>")
def api_show(number):
    """One ticket with its replies."""
    return jsonify(_with_deadlines([get_store().tickets.for_staff(inputs.clean(number, 40))])[0])


@api_bp.post("/tickets/<number>/replies")
def api_reply(number):
    """Reply to a ticket: {"reply": "...", "status": "responded|waiting|resolved"}."""
    given = inputs.validated(TicketReply, inputs.json_body())
    ticket = get_store().tickets.reply(inputs.clean(number, 40), given.reply, given.status, author=staff.actor(),
                                       at=get_service().clock())
    notify.replied(ticket, given.reply)
    return jsonify(_with_deadlines([ticket])[0]), 201
