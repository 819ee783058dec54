"""One article: its rendered body, translation, related topics and the helpfulness vote."""

from __future__ import annotations

import itertools
import re
import secrets

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup
from markupsafe import escape

from kb.errors import InvalidInput
from kb.schemas import VoteRequest
from webapp import inputs
from webapp.i18n import get_lang
from webapp.services import get_kb
from webapp.services import get_service
from webapp.services import get_store

bp = Blueprint("articles", __name__, url_prefix="/articles")
VOTER = "voter"
ANSWERS = {"yes": True, "no": False}
_PRE = re.compile(r"<pre>")


@bp.app_template_filter("focusable_code")
def focusable_code(html: str) -> Markup:
    """An article's sanitised HTML with each code block reachable by keyboard: a wide one scrolls sideways, so it
    gets tabindex=0 and, as a named region, a numbered label of its own (landmark names are unique on a page)."""
    count = itertools.count(1)

    def labelled(_match) -> str:
        label = _("Code example %(n)d", n=next(count))
        return f'<pre tabindex="0" role="region" aria-label="{escape(label)}">'

    return Markup(_PRE.sub(labelled, str(html)))


@bp.get("/<article_id>")
def show(article_id):
    """Show an article with its translation link, related articles and vote form (with this reader's vote)."""
    kb = get_kb()
    article = kb.article(article_id)
    votes = get_store().votes
    return render_template("articles/show.html", article=article, translation=kb.library.translation(article),
                           related=kb.library.related(article), votes=votes.counts(article.id),
                           my_vote=votes.of(article.id, session.get(VOTER)), catalog=kb.book.catalog)


@bp.post("/<article_id>/vote")
def vote(article_id):
    """Record this browser session's yes/no vote (a new vote replaces the old one) and thank the reader."""
    data = inputs.fields(request.form, {"helpful"}, strict=False)
    answer = data.get("helpful", "")
    if answer not in ANSWERS:
        raise InvalidInput("helpful", "required" if not answer.strip() else "not_one_of", choices=list(ANSWERS))
    voter = session.get(VOTER)
    if not isinstance(voter, str):
        voter = session[VOTER] = secrets.token_urlsafe(16)
    request_ = inputs.validated(VoteRequest, {"article_id": article_id, "helpful": ANSWERS[answer]})
    get_service().vote(request_, get_lang(), voter=voter)
    flash(_("Thank you for your feedback!"), "vote")
    return redirect(url_for("articles.show", article_id=request_.article_id) + "#vote")
