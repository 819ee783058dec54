"""The home page (search box, software catalog, plan table) and the language switch."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from webapp.i18n import COOKIE
from webapp.i18n import LANGS
from webapp.i18n import pick
from webapp.services import get_kb

bp = Blueprint("home", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def index():
    """Show the search box, the catalog by category and the plan table."""
    book = get_kb().book
    categories = [(pick(cat.name), [row for row in book.catalog.values() if row.category == cat_id])
                  for cat_id, cat in book.categories.items()]
    return render_template("home/index.html", categories=categories, plans=plan_rows(book))


def local_path(target: str) -> str | None:
    """`target` if it is a path on this site, else None: no open redirect.

    Browsers drop tabs and line breaks inside URLs and read a backslash as a slash, so `/%09/evil.example` (a tab)
    would go to //evil.example: refuse every control character, space and backslash, then require a bare path."""
    if not target or any(c.isspace() or unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def plan_rows(book) -> list[dict]:
    """One row per plan for the plan table: channels, response times and third-party support, worded."""
    rows = []
    for plan in book.plans.values():
        response = plan.response
        times = [(pick(book.severities[sev].name), minutes) for sev, minutes in response.by_severity.items()]
        rows.append({
            "id": plan.id, "name": pick(plan.name),
            "channels": [pick(ch.name) + (_(" (paid)") if book.channel_offer(ch, plan.id) == "paid" else "")
                         for ch in book.plan_channels(plan.id)],
            "times": times, "accepted_within": response.any_severity,
            "third_party": pick(book.third_party_levels[plan.third_party_support.level].name),
        })
    return rows


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links; answer with the SVG icon."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/lang/<code>")
def set_language(code):
    """Remember the chosen language in a cookie and go back to the page the link was on."""
    target = local_path(request.args.get("next", "")) or url_for("home.index")
    response = redirect(target)
    if code in LANGS:
        response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
