"""Pages for support engineers: questions the site could not answer, and problems in rules and articles."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template

from webapp.knowledge import get_kb
from webapp.knowledge import get_store

bp = Blueprint("engineer", __name__, url_prefix="/engineer")
UNANSWERED_LIMIT = 100


@bp.get("/unanswered")
def unanswered():
    """List searches and questions that found nothing useful."""
    return render_template("engineer/unanswered.html", rows=get_store().unanswered(UNANSWERED_LIMIT))


@bp.get("/problems")
def problems():
    """List every problem found in the rules and articles at the last load."""
    return render_template("engineer/problems.html", problems=get_kb().problems())
