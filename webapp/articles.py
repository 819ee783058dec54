"""One article: its rendered body, translation, related topics and the helpfulness vote."""

from __future__ import annotations

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from webapp import inputs
from webapp.i18n import get_lang
from webapp.i18n import t
from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("articles", __name__, url_prefix="/articles")


@bp.get("/<article_id>")
def show(article_id):
    """Show an article with its translation link, related articles and vote form."""
    kb = get_kb()
    article = kb.article(article_id)
    return render_template("articles/show.html", article=article, translation=kb.library.translation(article),
                           related=kb.library.related(article), votes=get_store().vote_counts(article.id))


@bp.post("/<article_id>/vote")
def vote(article_id):
    """Record a yes/no vote and thank the reader."""
    article = get_kb().article(article_id)
    helpful = inputs.choice(request.form.get("helpful"), "helpful", ("yes", "no"), required=True)
    get_store().record_vote(article.id, helpful == "yes", get_lang())
    flash(t("vote_thanks"))
    return redirect(url_for("articles.show", article_id=article.id) + "#vote")
