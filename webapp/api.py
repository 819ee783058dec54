"""The JSON API (/api/v1) and its OpenAPI description. JSON in, JSON out; errors come from webapp.errors."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import jsonify
from flask import request
from flask import url_for

from kb.schemas import AskRequest
from kb.schemas import AskResponse
from kb.schemas import EventRequest
from kb.schemas import HitView
from kb.schemas import LanguageChoice
from kb.schemas import SearchRequest
from kb.schemas import SearchResponse
from kb.schemas import TicketLookup
from kb.schemas import TicketReceipt
from kb.schemas import TicketRequest
from kb.schemas import TicketView
from webapp import inputs
from webapp import notify
from webapp.i18n import get_lang
from webapp.i18n import set_lang
from webapp.openapi import document
from webapp.services import get_kb
from webapp.services import get_service

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def known_parameters():
    """Unknown and repeated query parameters are refused, as unknown JSON fields are (a typo must not go unnoticed)."""
    if request.url_rule is None or not request.path.startswith("/api/v1/"):
        return
    allowed = getattr(current_app.view_functions.get(request.endpoint), "query_params", set())
    given = inputs.fields(request.args, allowed | {"lang"})  # ?lang= sets the language everywhere
    if "lang" in given:
        inputs.validated(LanguageChoice, {"lang": given["lang"]})


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


def _body() -> dict:
    """The JSON object body; a valid `lang` in it sets the language of the answer and of error messages."""
    data = inputs.json_body()
    if data.get("lang") in ("zh", "en"):
        set_lang(data["lang"])
    return data


def _lang(requested: str | None) -> str:
    return requested or get_lang()


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 description of /api/v1, generated from kb.schemas, its enums from the loaded rule book."""
    return jsonify(document(get_kb().book))


@bp.get("/v1/search")
@params("q", "software", "category", "limit", "mode", "conversation")
def search():
    """Ranked articles for a query in the request's language (lang, then cookie, then Accept-Language)."""
    query = inputs.validated(SearchRequest, inputs.fields(request.args))
    found = get_service().search(query, _lang(query.lang))
    hits = found.hits
    return SearchResponse(results=[HitView(**h.to_dict()) for h in hits], total=hits.total, unrelated=hits.unrelated,
                          suggestion=hits.suggestion, conversation=found.conversation).model_dump(mode="json")


@bp.post("/v1/ask")
def ask():
    """Decide a question against a plan: scope, channels, deadline, trace; plus the articles most likely to help."""
    question = inputs.validated(AskRequest, _body())
    answer = get_service().ask(question, _lang(question.lang))
    view = answer.view.model_dump()
    view["articles"] = [HitView(**h.to_dict()) for h in answer.hits]
    return AskResponse(**view, conversation=answer.conversation, articles_note=answer.articles_note).model_dump(mode="json")


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
    ticket_request = inputs.validated(TicketRequest, _body())
    key = inputs.idempotency_key(request.headers.get("Idempotency-Key"))
    ticket = get_service().open_ticket(ticket_request, _lang(ticket_request.lang), idempotency_key=key)
    response = jsonify(TicketReceipt(**ticket).model_dump(mode="json"))
    response.status_code = 201
    response.headers["Location"] = url_for("api.ticket", number=ticket["number"])
    if ticket.get("replayed"):
        response.headers["Idempotent-Replayed"] = "true"
    else:
        notify.filed(ticket)
    return response


@bp.after_request
def no_store_tickets(response):
    """Ticket answers carry a customer's text and token: no cache may keep them."""
    if request.path.startswith("/api/v1/tickets"):
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/v1/tickets/<number>")
@params("token")
def ticket(number):
    """A ticket, for whoever has its token; its rule trace in the request's language."""
    lookup = inputs.validated(TicketLookup, {"number": number, "token": request.args.get("token")})
    return TicketView(**get_service().ticket(lookup, get_lang())).model_dump(mode="json")


@bp.post("/v1/events")
def event():
    """Record what a customer did with an answer of their own conversation (a click, solved, still need help)."""
    recorded = get_service().record(inputs.validated(EventRequest, _body()))
    return {"recorded": recorded}, 202


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
