"""Article search with filters (each choice with its count) and pages; result links go through a click logger."""

from __future__ import annotations

import re
from collections import Counter

from flask import Blueprint
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.content.articles import CATEGORIES
from kb.errors import InvalidInput
from kb.schemas import MAX_LIMIT
from kb.schemas import EventRequest
from kb.schemas import SearchRequest
from webapp import conversation
from webapp import inputs
from webapp.i18n import category_name
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.i18n import software_name
from webapp.services import get_kb
from webapp.services import get_service

bp = Blueprint("search", __name__)
LIMIT = 10  # results a page
PAGES = MAX_LIMIT // LIMIT  # a search asks for at most MAX_LIMIT results, so this many pages
COUNTED = 200  # results counted for the filters' numbers
SUGGESTED = 5  # articles suggested while a ticket's subject is typed
FIELDS = {"q", "software", "category", "page"}


@bp.get("/search")
def results():
    """Search articles in the reader's language and log the search for the click-through report."""
    form = {name: request.args.get(name, "") for name in ("q", "software", "category")}
    found, error, page, counts = None, None, 1, None
    if form["q"].strip():
        try:
            data = inputs.fields(request.args, FIELDS, strict=False)
            page = _page(data.pop("page", "1"))
            query = inputs.validated(SearchRequest, dict(data, limit=page * LIMIT, conversation=conversation.current()))
            found = get_service().search(query, get_lang())
            counts = _counts(query)
        except InvalidInput as exc:
            error = describe(exc)
    hits = found.hits if found else None
    pages = min(PAGES, -(-hits.total // LIMIT)) if hits else 0
    return render_template("search/results.html", form=form, filters=_filters(counts), error=error, page=page,
                           pages=pages, hits=hits[(page - 1) * LIMIT:] if hits is not None else None,
                           first=(page - 1) * LIMIT + 1, total=hits.total if hits else 0, shown_max=PAGES * LIMIT,
                           suggestion=hits.suggestion if hits else None, kinds=CATEGORIES), 400 if error else 200


def _page(value: str) -> int:
    """The page asked for: 1 to PAGES."""
    if not re.fullmatch(r"[0-9]{1,3}", value.strip()):
        raise InvalidInput("page", "not_integer")
    if not 1 <= int(value) <= PAGES:
        raise InvalidInput("page", "out_of_range", min=1, max=PAGES)
    return int(value)


def _counts(query: SearchRequest) -> dict[str, Counter]:
    """How many results each filter choice would give, the other filter kept: the same search, unfiltered."""
    hits = get_kb().search(query.q, lang=get_lang(), limit=COUNTED, mode=query.mode)
    return {"software": Counter(h.software for h in hits if not query.category or h.category == query.category),
            "category": Counter(h.category for h in hits if not query.software or h.software == query.software)}


def _filters(counts: dict[str, Counter] | None) -> dict[str, list]:
    """The choices of the two filters, with their counts once there are results: the catalog by display name (the
    plans and onsite topics are categories, so the category filter covers them), and the categories."""
    def label(name: str, value: str, text: str) -> str:
        return f"{text} ({counts[name][value]})" if counts is not None else text

    software = sorted(((key, software_name(key)) for key in get_kb().book.catalog), key=lambda kv: kv[1].casefold())
    return {"software": [(key, label("software", key, name)) for key, name in software],
            "category": [(c, label("category", c, category_name(c))) for c in CATEGORIES]}


@bp.get("/search/suggest")
def suggest():
    """Articles that may answer what is being typed (the ticket form asks as its subject is typed, static/suggest.js).

    Not logged: a half-typed subject is not a search the customer made. Spends the search budget (webapp.limits)."""
    data = inputs.fields(request.args, {"q"})
    query = inputs.validated(SearchRequest, dict(data, limit=SUGGESTED))
    hits = get_kb().search(query.q, lang=get_lang(), limit=SUGGESTED)
    return jsonify({"results": [{"id": h.id, "title": h.title, "lang": h.lang, "url": url_for("articles.show", article_id=h.id),
                                 "about": f"{software_name(h.software)} · {category_name(h.category)}"} for h in hits]})


@bp.get("/go/<article_id>")
def go(article_id):
    """Record that a result this visitor was shown was opened (a HEAD request records nothing), then show it."""
    article = get_kb().article(article_id)  # 404 before logging a click on nothing
    current = conversation.existing()
    if current and request.method == "GET":
        get_service().record(EventRequest(conversation=current, kind="click", article_id=article.id))
    return redirect(url_for("articles.show", article_id=article.id))
