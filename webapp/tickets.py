"""Tickets: open one (the rules set its deadline and channel), see it again with its token.

The access token never travels in a URL the site makes: after filing, and after a lookup (a POST form), the
browser session holds it and the ticket's address is just its number. Ticket pages are never cached."""

from __future__ import annotations

import io
import secrets

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import send_file
from flask import session
from flask import url_for
from flask_babel import gettext as _

from kb import attachments
from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.mail import is_address
from kb.schemas import DESCRIPTION
from kb.schemas import ContactLinks
from kb.schemas import TicketLookup
from kb.schemas import TicketRequest
from webapp import conversation
from webapp import inputs
from webapp import notify
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.services import get_kb
from webapp.services import get_service
from webapp.services import get_store

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
FIELDS = {"plan", "severity", "software", "subject", "description", "contact"}
OPENED = "tickets"  # session key: {number: token} of the tickets this browser filed or looked up
KEEP = 10


@bp.after_request
def no_store(response):
    """A ticket page shows a customer's text and the way back to it: no cache may keep it."""
    response.headers["Cache-Control"] = "no-store"
    return response


def allow_attachments() -> None:
    """The ticket form may carry files: its multipart body may exceed the other requests' limit by the attachments'
    limits, each text field may not. Registered before CSRF's check, which reads the form."""
    if request.endpoint == "tickets.new" and request.mimetype == "multipart/form-data":
        settings = current_app.config["KB_SETTINGS"]
        request.max_content_length = settings.max_request_bytes + settings.attachments_max * settings.attachment_max_bytes
        request.max_form_memory_size = settings.max_request_bytes


@bp.route("/new", methods=("GET", "POST"))
def new():
    """Show the ticket form (prefilled from the assistant) and open the ticket on submit, with its attachments.

    The form carries a one-time key: a double click or a resubmit files one ticket, and shows it again."""
    book = get_kb().book
    settings = current_app.config["KB_SETTINGS"]
    form = request.form if request.method == "POST" else request.args
    error = None
    if request.method == "POST":
        try:
            ticket_request, files = _ticket_request(settings)
            once = inputs.fields(request.form, {"once"}, strict=False).get("once")
            ticket = get_service().open_ticket(ticket_request, get_lang(), idempotency_key=inputs.idempotency_key(once),
                                               attachments=files)
        except InvalidInput as exc:
            error = describe(exc)
        else:
            remember(ticket["number"], ticket["token"])
            if not ticket.get("replayed"):
                notify.filed(ticket)
            return redirect(url_for("tickets.show", number=ticket["number"], created=1))
    return render_template("tickets/new.html", form=form, book=book, error=error, once=secrets.token_urlsafe(16),
                           min_description=DESCRIPTION[0], settings=settings,
                           attachment_size=attachments.size_text(settings.attachment_max_bytes),
                           files_lost=bool(error) and any(f.filename for f in request.files.getlist(attachments.FIELD))), \
        400 if error else 200


def _ticket_request(settings) -> tuple[TicketRequest, list]:
    """The form's ticket and its checked files; every bad field and file reported at once."""
    errors, ticket_request, files = [], None, []
    try:
        data = inputs.fields(request.form, FIELDS, strict=False)
        ticket_request = inputs.validated(TicketRequest, dict(data, conversation=conversation.existing()))
    except InvalidInput as exc:
        errors += exc.errors
    try:
        files = attachments.checked(inputs.files(request.files, attachments.FIELD, settings.attachment_max_bytes),
                                    max_count=settings.attachments_max, max_bytes=settings.attachment_max_bytes)
    except InvalidInput as exc:
        errors += exc.errors
    if errors:
        raise InvalidInput(errors)
    return ticket_request, files


def remember(number: str, token: str) -> None:
    """Let this browser session open the ticket (the newest KEEP of them)."""
    opened = dict(session.get(OPENED) or {})
    opened.pop(number, None)
    opened[number] = token
    session[OPENED] = dict(list(opened.items())[-KEEP:])


def held_token(number: str) -> str | None:
    """The token of a ticket this browser session filed or opened, or None."""
    return (session.get(OPENED) or {}).get(number)


@bp.get("/mine")
def mine():
    """The tickets this browser session filed or looked up, each linked by its plain address (the session holds
    the token); when the site sends mail, a form to mail the links to all the tickets of an address."""
    return _mine(sent=request.args.get("sent") == "1")


@bp.post("/mine/links")
def send_links():
    """Mail the links to all the tickets filed with an address. The answer is the same whether there are any: the
    page never tells which addresses filed tickets (rate-limited with the ticket filing budget)."""
    if not notify.enabled():
        abort(404)
    try:
        found = inputs.validated(ContactLinks, inputs.fields(request.form, {"contact"}, strict=False))
    except InvalidInput as exc:
        return _mine(error=describe(exc), contact=inputs.clean(request.form.get("contact", ""), 200)), 400
    if is_address(found.contact):  # else no mail could go: no new tokens either
        notify.links(found.contact, get_store().tickets.links_for(found.contact), get_lang())
    return redirect(url_for("tickets.mine", sent=1))


def _mine(**values):
    return render_template("tickets/mine.html", tickets=get_store().tickets.held(session.get(OPENED) or {}),
                           mails=notify.enabled(), **values)


@bp.get("/<number>")
def show(number):
    """Show a ticket this session filed or looked up; otherwise the lookup form with the number filled in.

    An old link with ?token= still works once: the token moves into the session and the address loses it."""
    if request.args.get("token", "").strip():
        return _open(number, request.args["token"], back=url_for("tickets.show", number=number))
    token = held_token(number)
    if not token:
        return lookup_form(number if inputs.clean(number, 40) == number else "")
    try:
        ticket = get_service().ticket(inputs.validated(TicketLookup, {"number": number, "token": token}), get_lang())
    except NotFound:
        return lookup_form(number, not_found=True)
    book = get_kb().book
    return render_template("tickets/show.html", ticket=ticket, token=token, channel=book.channel(ticket["channel"]),
                           book=book, created=request.args.get("created") == "1",
                           solved=request.args.get("solved") == "1")


@bp.post("/<number>/solve")
def solve(number):
    """The customer marks the ticket solved: resolved, as staff would set it, with the session's token."""
    token = held_token(number)
    if not token:
        return lookup_form(number if inputs.clean(number, 40) == number else "")
    try:
        get_store().tickets.solve(number, token)
    except NotFound:
        return lookup_form(number, not_found=True)
    return redirect(url_for("tickets.show", number=number, solved=1))


@bp.get("/<number>/attachments/<int:attachment_id>")
def attachment(number, attachment_id):
    """A file attached to a ticket this session holds the token of."""
    token = held_token(number)
    if not token:
        return lookup_form(number if inputs.clean(number, 40) == number else "")
    try:
        return send_attachment(get_store().tickets.attachment(number, token, attachment_id))
    except NotFound:
        return lookup_form(inputs.clean(number, 40), not_found=True)


def send_attachment(found: dict):
    """A stored attachment as a download of the type its content was checked to be, never rendered in the page's
    origin: attachment disposition, nosniff, and a sandbox if a browser opens it anyway."""
    response = send_file(io.BytesIO(found["data"]), mimetype=found["media_type"], as_attachment=True,
                         download_name=found["name"], etag=False, max_age=0)
    response.content_type = found["media_type"]  # as checked, charset included (text is UTF-8)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/lookup", methods=("GET", "POST"))
def lookup():
    """Ask for a ticket number and token (sent in the form's body, not the address); with both, go to the ticket."""
    values = request.form if request.method == "POST" else request.args
    number, token = values.get("number", "").strip(), values.get("token", "").strip()
    if not (number and token):
        return lookup_form(inputs.clean(number, 40))
    return _open(number, token)


def _open(number: str, token: str, back: str | None = None):
    """Check a number and token, remember them in the session, and go to the ticket's plain address."""
    try:
        found = inputs.validated(TicketLookup, {"number": number, "token": token})
        get_service().ticket(found, get_lang())
    except InvalidInput as exc:
        return lookup_form(inputs.clean(number, 40), error=describe(exc))
    except NotFound:
        return lookup_form(inputs.clean(number, 40), not_found=True)
    remember(found.number.strip().upper(), found.token)
    return redirect(back or url_for("tickets.show", number=found.number.strip().upper()))


def lookup_form(number: str, *, error: dict | None = None, not_found: bool = False):
    """The lookup form; a wrong number or token says so plainly (the same words for both: no hint which)."""
    if not_found:
        error = {"field": "number", "fields": ["number", "token"],
                 "message": _("No ticket with that number and access token. Check both against what was shown when "
                              "the ticket was created.")}
    status = 404 if not_found else 400 if error else 200
    return render_template("tickets/lookup.html", number=number, error=error), status
