"""Pages for support engineers: questions the site could not answer, and problems in rules and articles.

They show what customers typed (hosts, addresses, error output), so they need the engineer token: KB_ENGINEER_TOKEN,
or the one generated into instance/engineer_token. Signing in keeps a digest of it in the session."""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext as _

from webapp.home import local_path
from webapp.services import get_kb
from webapp.services import get_store

bp = Blueprint("engineer", __name__, url_prefix="/engineer")
UNANSWERED_LIMIT = 100
SESSION_KEY = "engineer"
PUBLIC = {"engineer.login", "engineer.logout"}


def _digest(token: str) -> str:
    """What the session keeps: changing the token signs everybody out."""
    return hashlib.sha256(("kb-engineer:" + token).encode("utf-8", "surrogatepass")).hexdigest()


def signed_in() -> bool:
    """Whether this session signed in with the current engineer token."""
    kept = session.get(SESSION_KEY)
    return isinstance(kept, str) and hmac.compare_digest(kept, _digest(current_app.config["KB_ENGINEER_TOKEN"]))


@bp.before_request
def require_engineer():
    """Send anyone not signed in to the sign-in form, and back here afterwards."""
    if request.endpoint not in PUBLIC and not signed_in():
        return redirect(url_for("engineer.login", next=request.full_path.rstrip("?")))
    return None


@bp.route("/login", methods=("GET", "POST"))
def login():
    """A one-field form: the engineer token, compared in constant time."""
    target = local_path(request.values.get("next", "")) or url_for("engineer.unanswered")
    error = None
    if request.method == "POST":
        given = request.form.get("token", "")
        expected = current_app.config["KB_ENGINEER_TOKEN"]
        if hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8")):
            session.renew()  # a new session id on sign-in: one planted before it opens nothing
            session[SESSION_KEY] = _digest(expected)
            return redirect(target)
        error = {"field": "token", "message": _("That token is not right.")}
    return render_template("engineer/login.html", error=error, next=target), 401 if error else 200


@bp.post("/logout")
def logout():
    """End the session on the server: a cookie saved before opens nothing afterwards."""
    session.end()
    return redirect(url_for("home.index"))


@bp.get("/unanswered")
def unanswered():
    """List searches and questions that found nothing useful."""
    return render_template("engineer/unanswered.html", rows=get_store().logs.unanswered(UNANSWERED_LIMIT))


@bp.get("/problems")
def problems():
    """List every problem found in the rules and articles at the last load."""
    kb = get_kb()
    return render_template("engineer/problems.html", problems=kb.problems(), kb=kb, index=kb.index_status())
