"""The smart-service widget: a loader (/widget.js) that host pages embed, the panel it frames (/widget), a demo.

The panel runs on the knowledge base's own origin inside an iframe, so its CSS and script are isolated from the host
in both directions and its requests are same-origin. Which pages may frame it is KB_WIDGET_ORIGINS, enforced by the
panel's CSP frame-ancestors; the loader also refuses to start elsewhere. Loader and panel talk by postMessage, each
checking the other's exact origin.

Browsers do not send cookies to a third-party iframe, so the conversation is not in the session: the panel keeps the
id in its sessionStorage and sends it with every question, and its one write of its own (/api/widget/answer) is
JSON-only and same-origin (checked by Origin and Sec-Fetch-Site), the API's CSRF defence; tickets and events go
through the JSON API itself.
"""

from __future__ import annotations

import json

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import make_response
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from kb.schemas import DESCRIPTION
from kb.schemas import SUBJECT
from kb.schemas import AskRequest
from webapp import inputs
from webapp.i18n import LANGS
from webapp.i18n import get_lang
from webapp.i18n import set_lang
from webapp.services import get_kb
from webapp.services import get_service

bp = Blueprint("widget", __name__)
api_bp = Blueprint("widget_api", __name__, url_prefix="/api/widget")
PANEL_CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
             "frame-ancestors 'self'{origins}")


def allowed_origins() -> list[str]:
    """The origins whose pages may embed the widget: the configured ones and the site's own (the demo page)."""
    return [request.host_url.rstrip("/"), *current_app.config["KB_SETTINGS"].widget_origins]


@bp.get("/widget.js")
def loader():
    """The loader: draws the launcher and the panel's iframe on an allowed page; its labels in both languages."""
    labels = {}
    for lang in LANGS:
        with force_locale(lang):
            labels[lang] = {"open": _("Ask support"), "title": _("Support assistant")}
    config = {"origins": allowed_origins(), "panel": url_for("widget.panel"), "labels": labels}
    response = make_response(render_template("widget/loader.js", config=json.dumps(config, ensure_ascii=False)))
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "public, max-age=300"  # a changed KB_WIDGET_ORIGINS applies within minutes
    return response


@bp.get("/widget")
def panel():
    """The panel: question box, conversation, ticket form. Framed only by the allowed origins (CSP)."""
    host = request.args.get("origin", "")
    origins = allowed_origins()
    if host not in origins:
        host = origins[0]  # opened by the site itself (or a link): it talks to no other page
    lang = request.args.get("lang")
    if lang in LANGS:
        set_lang(lang)
    plan = request.args.get("plan")
    response = make_response(render_template(
        "widget/panel.html", book=get_kb().book, host=host, plan=plan if plan in get_kb().book.plans else "",
        subject_max=SUBJECT[1], description_min=DESCRIPTION[0]))
    others = " ".join(o for o in origins[1:])
    response.headers["Content-Security-Policy"] = PANEL_CSP.format(origins=f" {others}" if others else "")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/widget/demo")
def demo():
    """A page styled like a cloud console with the widget embedded, the way a host page does it."""
    return render_template("widget/demo.html")


@api_bp.before_request
def same_origin_json():
    """Only the panel itself may post here: JSON (no cross-site form can send it) from this very origin."""
    if not request.is_json:
        abort(415)
    origin = request.headers.get("Origin")
    site = request.headers.get("Sec-Fetch-Site")
    if (origin is not None and origin != request.host_url.rstrip("/")) or site not in (None, "same-origin"):
        abort(403)


@api_bp.post("/answer")
def answer():
    """Answer one turn of the conversation: the decision card and articles as HTML (the site's own macros), and
    what the panel and the host page need of it."""
    data = inputs.json_body()
    if data.get("lang") in LANGS:
        set_lang(data["lang"])
    question = inputs.validated(AskRequest, data)
    result = get_service().ask(question, question.lang or get_lang())
    view = result.view
    html = render_template("widget/answer.html", decision=view, hits=result.hits, book=get_kb().book,
                           note=result.articles_note)
    case = view.case
    return {"html": html, "conversation": result.conversation, "question": case["text"],
            "summary": _("Answer: %(reason)s", reason=view.reason),
            "answer": {"scope": view.scope, "plan": case["plan"], "software": view.software,
                       "severity": view.severity.id if view.severity else None}}
