"""The scope assistant: a question and a plan in, the decision card and suggested articles out."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.errors import InvalidInput
from kb.schemas import MAX_QUESTION
from kb.schemas import SUBJECT
from kb.schemas import AskRequest
from kb.schemas import EventRequest
from webapp import conversation
from webapp import inputs
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.services import get_kb
from webapp.services import get_service

bp = Blueprint("assistant", __name__, url_prefix="/assistant")
FIELDS = {"question", "plan", "severity", "onsite_mode", "onsite_staff", "onsite_city", "software", "os", "version"}


@bp.route("", methods=("GET", "POST"))
def ask():
    """Show the question form; with a question, also the decision, articles and next steps.

    The form posts: a question may carry thousands of characters of pasted log, more than a server takes in an
    address. A link with ?question= (from search, or bookmarked) still asks by GET."""
    book = get_kb().book
    answer, error = None, None
    values = request.form if request.method == "POST" else request.args
    if "question" in values:
        try:
            data = inputs.nested_onsite(inputs.fields(values, FIELDS, strict=False))
            question = inputs.validated(AskRequest, dict(data, conversation=conversation.current()))
            answer = get_service().ask(question, get_lang())
        except InvalidInput as exc:
            error = describe(exc)
    return render_template("assistant/ask.html", form=values, book=book, answer=answer,
                           decision=answer.view if answer else None, hits=answer.hits if answer else [],
                           error=error, max_question=MAX_QUESTION), 400 if error else 200


def ticket_form_url(form) -> str:
    """The ticket form, prefilled from the question; a question too long for a subject also fills the description."""
    question = form.get("question", "")
    software = form.get("software")
    return url_for("tickets.new", plan=form.get("plan") or None, severity=form.get("severity") or None,
                   subject=question[:SUBJECT[1]], description=question if len(question) > SUBJECT[1] else None,
                   software=software if software in get_kb().book.catalog else None)


@bp.post("/solved")
def solved():
    """Record that this visitor's latest answer solved the problem (a deflected ticket)."""
    _record("solved")
    return redirect(url_for("assistant.thanks"))


@bp.post("/need-help")
def need_help():
    """Record that the answer did not solve it, and go to the ticket form prefilled from the question."""
    _record("need_help")
    return redirect(ticket_form_url(request.form))


def _record(kind: str) -> None:
    current = conversation.existing()
    if current:
        get_service().record(EventRequest(conversation=current, kind=kind))


@bp.get("/thanks")
def thanks():
    """Thank the reader for telling us the answer helped."""
    return render_template("assistant/thanks.html")
