"""One article: its rendered body, translation, related topics and the helpfulness vote."""

from __future__ import annotations

import secrets

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for

from webapp import inputs
from webapp.i18n import get_lang
from webapp.i18n import t
from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("articles", __name__, url_prefix="/articles")
VOTER = "voter"


@bp.get("/<article_id>")
def show(article_id):
    """Show an article with its translation link, related articles and vote form (with this reader's vote)."""
    kb = get_kb()
    article = kb.article(article_id)
    store = get_store()
    return render_template("articles/show.html", article=article, translation=kb.library.translation(article),
                           related=kb.library.related(article), votes=store.vote_counts(article.id),
                           my_vote=store.vote_of(article.id, session.get(VOTER)), catalog=kb.book.catalog)


@bp.post("/<article_id>/vote")
def vote(article_id):
    """Record this browser session's yes/no vote (a new vote replaces the old one) and thank the reader."""
    article = get_kb().article(article_id)
    helpful = inputs.choice(request.form.get("helpful"), "helpful", ("yes", "no"), required=True,
                            names=[t("yes"), t("no")])
    voter = session.get(VOTER)
    if not isinstance(voter, str):
        voter = session[VOTER] = secrets.token_urlsafe(16)
    get_store().record_vote(article.id, helpful == "yes", get_lang(), voter=voter)
    flash(t("vote_thanks"), "vote")
    return redirect(url_for("articles.show", article_id=article.id) + "#vote")
