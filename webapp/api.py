"""The JSON API (/api/v1) and its OpenAPI description. JSON in, JSON out; errors come from webapp.errors."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from flask import url_for

from kb.content.articles import CATEGORIES
from webapp import inputs
from webapp.assistant import answer
from webapp.i18n import CATEGORY_NAMES
from webapp.i18n import get_lang
from webapp.knowledge import get_kb
from webapp.knowledge import get_store
from webapp.openapi import document
from webapp.tickets import open_ticket

bp = Blueprint("api", __name__, url_prefix="/api")
ASK_FIELDS = {"question", "plan", "severity", "onsite", "lang"}
TICKET_FIELDS = {"plan", "severity", "software", "subject", "description", "contact", "lang"}
SEARCH_PARAMS = {"q", "lang", "software", "category", "limit"}


@bp.before_request
def known_parameters():
    """Unknown query parameters are refused, as unknown JSON fields are (a typo must not go unnoticed)."""
    if request.url_rule is None or not request.path.startswith("/api/v1/"):
        return
    allowed = getattr(current_app.view_functions.get(request.endpoint), "query_params", set())
    inputs.query_params(request.args, allowed | {"lang"})  # ?lang= sets the language everywhere


def params(*names: str):
    """Declare the query parameters a GET endpoint takes."""
    def mark(view):
        view.query_params = set(names)
        return view
    return mark


@bp.before_request
def require_json():
    """Refuse request bodies that are not JSON."""
    if request.method == "POST" and not request.is_json:
        abort(415)


def _body(allowed: set[str]) -> dict:
    """The JSON object body; its `lang` sets the language of the answer and of error messages."""
    raw = inputs.parse_json(request.get_data(cache=True))
    if isinstance(raw, dict) and raw.get("lang") in ("zh", "en"):
        g.lang = raw["lang"]
    return inputs.json_object(raw, allowed)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.0 description of /api/v1, its enums from the loaded rule book."""
    return jsonify(document(get_kb().book))


@bp.get("/v1/search")
@params(*SEARCH_PARAMS)
def search():
    """Ranked articles for a query in the request's language (lang, then cookie, then Accept-Language)."""
    kb = get_kb()
    args = request.args
    lang = inputs.lang(args.get("lang")) or get_lang()
    limit = inputs.integer(args.get("limit"), "limit", low=1, high=50, default=10)
    software = inputs.software(kb.book, args.get("software"), keys=kb.topics)
    category = inputs.choice(args.get("category"), "category", CATEGORIES, names=[CATEGORY_NAMES[c] for c in CATEGORIES])
    query = inputs.text(args.get("q"), "q")
    hits = kb.search(query, lang=lang, software=software, category=category, limit=limit)
    log_id = get_store().log_search(query, lang, [h.id for h in hits])
    return {"results": [h.to_dict() for h in hits], "log_id": log_id, "suggestion": hits.suggestion}


@bp.post("/v1/ask")
def ask():
    """Decide a question against a plan: scope, channels, deadline, trace; plus suggested articles."""
    data = _body(ASK_FIELDS)
    lang = inputs.lang(data.get("lang")) or get_lang()
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
@params("token", "lang")
def ticket(number):
    """A ticket, for whoever has its token; its rule trace in the request's language."""
    lang = inputs.lang(request.args.get("lang")) or get_lang()
    number, token = inputs.ticket_number(number), inputs.token(request.args.get("token"))
    return jsonify(get_store().get_ticket(number, token, lang=lang))


@bp.get("/v1/plans")
def plans():
    """The support plans of the rule book, best first, with bilingual names."""
    return {"plans": [plan.model_dump(mode="json") for plan in get_kb().book.plans.values()]}


@bp.get("/v1/catalog")
def catalog():
    """The third-party software catalog and its categories."""
    book = get_kb().book
    return {"categories": [c.model_dump(mode="json") for c in book.categories.values()],
            "software": [row.model_dump(mode="json") for row in book.catalog.values()]}
