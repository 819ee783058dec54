"""Article search with filters; result links go through a click logger."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from kb.content.articles import CATEGORIES
from kb.errors import InvalidInput
from kb.errors import NotFound
from webapp import inputs
from webapp.i18n import CATEGORY_NAMES
from webapp.i18n import category_name
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.i18n import software_name
from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("search", __name__)
LIMIT = 10


@bp.get("/search")
def results():
    """Search articles in the reader's language and log the search for the click-through report."""
    kb = get_kb()
    args = request.args
    form = {"q": args.get("q", ""), "software": args.get("software", ""), "category": args.get("category", "")}
    # The catalog by display name; the plans and onsite topics are categories, so the category filter covers them.
    filters = {"software": sorted(((key, software_name(key)) for key in kb.book.catalog), key=lambda kv: kv[1].casefold()),
               "category": [(c, category_name(c)) for c in CATEGORIES]}
    hits, log_id, error, suggestion = None, None, None, None
    if form["q"].strip():
        try:
            software = inputs.software(kb.book, form["software"], keys=kb.topics)
            category = inputs.choice(form["category"], "category", CATEGORIES,
                                     names=[CATEGORY_NAMES[c] for c in CATEGORIES])
            query = inputs.text(form["q"], "q")
            hits = kb.search(query, lang=get_lang(), software=software, category=category, limit=LIMIT)
            log_id = get_store().log_search(query, get_lang(), [h.id for h in hits])
            suggestion = hits.suggestion
        except InvalidInput as exc:
            error = describe(exc)
    status = 400 if error else 200
    return render_template("search/results.html", form=form, filters=filters, hits=hits, log_id=log_id, error=error,
                           suggestion=suggestion), status


@bp.get("/go/<int:log_id>/<article_id>")
def go(log_id, article_id):
    """Record that a search result was opened, then show the article."""
    get_kb().article(article_id)  # 404 before logging a click on nothing
    try:
        get_store().log_click(log_id, article_id)
    except NotFound:
        pass  # a stale log id must not keep anyone from the article
    return redirect(url_for("articles.show", article_id=article_id))
