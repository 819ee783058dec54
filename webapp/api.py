"""The JSON API (/api/v1) and its OpenAPI description. JSON in, JSON out; errors come from webapp.errors."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import g
from flask import jsonify
from flask import request
from flask import url_for

from kb.articles import CATEGORIES
from webapp import inputs
from webapp.assistant import answer
from webapp.i18n import get_lang
from webapp.knowledge import get_kb
from webapp.knowledge import get_store
from webapp.openapi import document
from webapp.tickets import open_ticket

bp = Blueprint("api", __name__, url_prefix="/api")
ASK_FIELDS = {"question", "plan", "severity", "onsite", "lang"}
TICKET_FIELDS = {"plan", "severity", "software", "subject", "description", "contact", "lang"}


@bp.before_request
def require_json():
    """Refuse request bodies that are not JSON."""
    if request.method == "POST" and not request.is_json:
        abort(415)


def _body(allowed: set[str]) -> dict:
    """The JSON object body; its `lang` also sets the language of error messages."""
    data = inputs.json_object(request.get_json(silent=True), allowed)
    if data.get("lang") in ("zh", "en"):
        g.lang = data["lang"]
    return data


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of /api/v1."""
    return jsonify(document())


@bp.get("/v1/search")
def search():
    """Ranked articles for a query, and the id of the search log entry."""
    kb = get_kb()
    args = request.args
    lang = inputs.lang(args.get("lang"))
    limit = inputs.integer(args.get("limit"), "limit", low=1, high=50, default=10)
    software = inputs.choice(args.get("software"), "software", sorted(kb.topics))
    category = inputs.choice(args.get("category"), "category", CATEGORIES)
    query = inputs.text(args.get("q"), "q")
    hits = kb.search(query, lang=lang, software=software, category=category, limit=limit)
    log_id = get_store().log_search(query, lang or get_lang(), [h.id for h in hits])
    return {"results": [h.to_dict() for h in hits], "log_id": log_id, "suggestion": hits.suggestion}


@bp.post("/v1/ask")
def ask():
    """Decide a question against a plan: scope, channels, deadline, trace; plus suggested articles."""
    data = _body(ASK_FIELDS)
    lang = inputs.lang(data.get("lang"))
    decision, hits, log_id = answer(inputs.ask_args(get_kb().book, data), lang)
    return dict(decision, articles=[h.to_dict() for h in hits], log_id=log_id)


@bp.get("/v1/articles/<article_id>")
def article(article_id):
    """One article with its sanitised HTML."""
    kb = get_kb()
    found = kb.article(article_id)
    translation = kb.library.translation(found)
    return dict(found.to_dict(html=True), translation_id=translation.id if translation else None)


@bp.post("/v1/tickets")
def create_ticket():
    """Open a ticket; the response holds the number and the token needed to read it back."""
    data = _body(TICKET_FIELDS)
    lang = inputs.lang(data.get("lang")) or get_lang()
    ticket = open_ticket(inputs.ticket_args(get_kb().book, data), lang)
    response = jsonify(ticket)
    response.status_code = 201
    response.headers["Location"] = url_for("api.ticket", number=ticket["number"])
    return response


@bp.get("/v1/tickets/<number>")
def ticket(number):
    """A ticket, for whoever has its token."""
    token = inputs.text(request.args.get("token"), "token", max_len=inputs.MAX_TOKEN)
    return jsonify(get_store().get_ticket(number, token))


@bp.get("/v1/plans")
def plans():
    """The support plans of the rule book, best first, with bilingual names."""
    return {"plans": list(get_kb().book.plans.values())}


@bp.get("/v1/catalog")
def catalog():
    """The third-party software catalog and its categories."""
    book = get_kb().book
    return {"categories": list(book.categories.values()), "software": list(book.catalog.values())}
