"""The home page (search box, software catalog, plan table, popular and recent articles), the browse pages (every
article of one software or one kind) and the language switch."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint
from flask import abort
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from kb.content.articles import CATEGORIES
from webapp.i18n import COOKIE
from webapp.i18n import LANGS
from webapp.i18n import get_lang
from webapp.i18n import pick
from webapp.i18n import software_name
from webapp.services import get_kb
from webapp.services import get_store

bp = Blueprint("home", __name__)
ONE_YEAR = 365 * 24 * 3600
SHOWN = 5  # popular and recently updated articles on the home page


@bp.get("/")
def index():
    """Show the search box, the catalog by category, the kinds of article, popular and recent articles, the plans."""
    kb = get_kb()
    book, lang = kb.book, get_lang()
    categories = [(pick(cat.name), [row for row in book.catalog.values() if row.category == cat_id])
                  for cat_id, cat in book.categories.items()]
    kinds = [(kind, len(kb.library.topics(lang, category=kind))) for kind in CATEGORIES]
    return render_template("home/index.html", categories=categories, plans=plan_rows(book), kinds=kinds,
                           popular=popular(lang), recent=kb.library.recent(lang, SHOWN))


def popular(lang: str) -> list:
    """The topics customers open most from results, in `lang` where written (a topic's two languages count once)."""
    library = get_kb().library
    shown: dict[str, object] = {}
    for article_id, _n in get_store().logs.most_opened(4 * SHOWN):
        article = library.articles.get(article_id)
        if article is None or article.translation_key in shown:
            continue
        versions = library.by_key(article.translation_key)
        shown[article.translation_key] = versions.get(lang) or article
    return list(shown.values())[:SHOWN]


@bp.get("/browse/software/<key>")
def software(key):
    """Every article about one software (or service topic: plans, onsite), by kind."""
    kb = get_kb()
    if key not in kb.topics:
        abort(404)
    lang = get_lang()
    groups = [(kind, kb.library.topics(lang, software=key, category=kind)) for kind in CATEGORIES]
    return render_template("home/browse.html", title=software_name(key), groups=[g for g in groups if g[1]],
                           group_kind="category", total=sum(len(g[1]) for g in groups))


@bp.get("/browse/kind/<kind>")
def kind(kind):
    """Every article of one kind (troubleshooting, configuration, plans, onsite), by software."""
    if kind not in CATEGORIES:
        abort(404)
    kb, lang = get_kb(), get_lang()
    keys = sorted({a.software for a in kb.library.articles.values() if a.category == kind},
                  key=lambda key: software_name(key).casefold())
    groups = [(key, kb.library.topics(lang, software=key, category=kind)) for key in keys]
    return render_template("home/browse.html", kind=kind, groups=groups, group_kind="software",
                           total=sum(len(g[1]) for g in groups))


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
