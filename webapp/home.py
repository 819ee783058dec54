"""The home page (search box, software catalog, plan table) and the language switch."""

from __future__ import annotations

from flask import Blueprint
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from webapp.i18n import COOKIE
from webapp.i18n import LANGS
from webapp.i18n import pick
from webapp.knowledge import get_kb

bp = Blueprint("home", __name__)
ONE_YEAR = 365 * 24 * 3600


@bp.get("/")
def index():
    """Show the search box, the catalog by category and the plan table."""
    book = get_kb().book
    categories = [(pick(cat["name"]), [row for row in book.catalog.values() if row["category"] == cat_id])
                  for cat_id, cat in book.categories.items()]
    return render_template("home/index.html", categories=categories, plans=plan_rows(book))


def plan_rows(book) -> list[dict]:
    """One row per plan for the plan table: channels, response times and third-party support, worded."""
    channel_names = {ch["id"]: pick(ch["name"]) for ch in book.channels}
    rows = []
    for plan in book.plans.values():
        response = plan["response"]
        times = [(pick(book.severities[sev]["name"]), minutes) for sev, minutes in response.get("by_severity", {}).items()]
        rows.append({
            "id": plan["id"], "name": pick(plan["name"]),
            "channels": [channel_names[c] for c in plan["channels"]["ids"]],
            "times": times, "accepted_within": response.get("any_severity"),
            "third_party": pick(book.third_party_levels[plan["third_party_support"]["level"]]["name"]),
        })
    return rows


@bp.get("/lang/<code>")
def set_language(code):
    """Remember the chosen language in a cookie and go back to the page the link was on."""
    target = request.args.get("next", "")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("home.index")  # only local paths: no open redirect
    response = redirect(target)
    if code in LANGS:
        response.set_cookie(COOKIE, code, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response
