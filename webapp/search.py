"""Article search with filters; result links go through a click logger."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.content.articles import CATEGORIES
from kb.errors import InvalidInput
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
LIMIT = 10
FIELDS = {"q", "software", "category"}


@bp.get("/search")
def results():
    """Search articles in the reader's language and log the search for the click-through report."""
    kb = get_kb()
    form = {"q": request.args.get("q", ""), "software": request.args.get("software", ""),
            "category": request.args.get("category", "")}
    # The catalog by display name; the plans and onsite topics are categories, so the category filter covers them.
    filters = {"software": sorted(((key, software_name(key)) for key in kb.book.catalog), key=lambda kv: kv[1].casefold()),
               "category": [(c, category_name(c)) for c in CATEGORIES]}
    found, error = None, None
    if form["q"].strip():
        try:
            data = inputs.fields(request.args, FIELDS, strict=False)
            query = inputs.validated(SearchRequest, dict(data, limit=LIMIT, conversation=conversation.current()))
            found = get_service().search(query, get_lang())
        except InvalidInput as exc:
            error = describe(exc)
    return render_template("search/results.html", form=form, filters=filters, hits=found.hits if found else None,
                           error=error, suggestion=found.hits.suggestion if found else None), 400 if error else 200


@bp.get("/go/<article_id>")
def go(article_id):
    """Record that a result this visitor was shown was opened (a HEAD request records nothing), then show it."""
    article = get_kb().article(article_id)  # 404 before logging a click on nothing
    current = conversation.existing()
    if current and request.method == "GET":
        get_service().record(EventRequest(conversation=current, kind="click", article_id=article.id))
    return redirect(url_for("articles.show", article_id=article.id))
