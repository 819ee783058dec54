"""The scope assistant: a question and a plan in, the decision card and suggested articles out."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.errors import InvalidInput
from webapp import inputs
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("assistant", __name__, url_prefix="/assistant")
SUGGESTIONS = 3


def answer(args: dict, lang: str) -> tuple[dict, list, int]:
    """Decide a question in `lang` (the reader's), find articles for it and log the ask; shared with the JSON API."""
    kb = get_kb()
    decision = kb.render(kb.ask(**args), lang)
    hits = kb.search(args["question"], lang=lang, limit=SUGGESTIONS)
    log_id = get_store().log_ask(args["question"], decision["lang"], args["plan"], decision["scope"], decision["software"],
                                 [h.id for h in hits])
    return decision, hits, log_id


@bp.get("")
def ask():
    """Show the question form; with a question, also the decision, articles and next steps."""
    book = get_kb().book
    decision, hits, log_id, error, help_url = None, [], None, None, None
    if "question" in request.args:  # asking is a read, so a GET form: the answer page can be bookmarked
        try:
            args = inputs.ask_args(book, request.args)
            decision, hits, log_id = answer(args, get_lang())
            help_url = ticket_form_url(book, args, decision, log_id)
        except InvalidInput as exc:
            error = describe(exc)
    return render_template("assistant/ask.html", form=request.args, book=book, decision=decision, hits=hits,
                           log_id=log_id, error=error, help_url=help_url), 400 if error else 200


def ticket_form_url(book, args: dict, decision: dict, log_id: int) -> str:
    """The ticket form, prefilled from the question; a question too long for a subject also fills the description."""
    question = args["question"]
    subject_max = inputs.SUBJECT[1]
    return url_for("tickets.new", plan=args["plan"], severity=args["severity"], subject=question[:subject_max],
                   description=question if len(question) > subject_max else None,
                   software=decision["software"] if decision["software"] in book.catalog else None, ask=log_id)


@bp.post("/solved")
def solved():
    """Record that the answer solved the problem (a deflected ticket)."""
    log_id = inputs.integer(request.form.get("log_id"), "log_id", low=1, high=2**63 - 1)
    if log_id is None:
        raise InvalidInput("log_id", "must not be empty")
    get_store().mark_outcome(log_id, "deflected")
    return redirect(url_for("assistant.thanks"))


@bp.get("/thanks")
def thanks():
    """Thank the reader for telling us the answer helped."""
    return render_template("assistant/thanks.html")
