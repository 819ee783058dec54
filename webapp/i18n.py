"""The request's language, UI strings from gettext catalogues (Flask-Babel; webapp/translations), and bad input
worded for people: errors arrive as codes with parameters (kb.errors) and are translated here, never matched."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import Flask
from flask import g
from flask import request
from flask import url_for
from flask_babel import Babel
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from markupsafe import escape

from kb.errors import FieldError
from kb.rules.model import Text
from webapp.services import get_kb

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"
LOCALES = {"zh": "zh", "en": "en"}

CATEGORY_NAMES = {"troubleshooting": _l("Troubleshooting"), "configuration": _l("Configuration"),
                  "plan": _l("Support plans"), "onsite": _l("Onsite service")}
TOPIC_NAMES = {"plans": _l("Support plans"), "onsite": _l("Onsite service")}
SCOPE_LABELS = {"in": _l("In scope"), "out": _l("Out of scope"), "partial": _l("Partly in scope"),
                "unknown": _l("Needs an engineer")}
STATUS_LABELS = {"new": _l("New: waiting for an engineer"), "responded": _l("Responded: an engineer is on it"),
                 "waiting": _l("Waiting for you: the engineer needs an answer"), "resolved": _l("Resolved")}
FIELD_NAMES = {
    "q": _l("search text"), "question": _l("question"), "plan": _l("plan"), "severity": _l("severity"),
    "software": _l("software"), "category": _l("category"), "lang": _l("language"), "limit": _l("limit"),
    "mode": _l("mode"), "onsite": _l("onsite"), "onsite_mode": _l("onsite mode"), "onsite_staff": _l("onsite staff"),
    "onsite_city": _l("city"), "subject": _l("subject"), "description": _l("description"), "contact": _l("contact"),
    "number": _l("ticket number"), "token": _l("token"), "helpful": _l("vote"), "body": _l("request body"),
    "query": _l("query parameter"), "conversation": _l("conversation"), "article_id": _l("article"),
    "kind": _l("event"), "reported_at": _l("reported time"), "idempotency_key": _l("Idempotency-Key"),
    "os": _l("operating system"), "version": _l("version"), "name": _l("account name"), "password": _l("password"),
    "role": _l("role"), "status": _l("status"), "reply": _l("reply"), "attachments": _l("attachments"),
    "text": _l("article text"), "key": _l("translation key"), "sort": _l("order"), "within": _l("days since the last update"),
    "since": _l("first day"), "until": _l("last day"), "current": _l("current password"),
    "again": _l("new password, again"),
}
REASONS = {
    "required": _l("must not be empty"),
    "too_short": _l("must be at least %(min)s characters"),
    "too_long": _l("must be at most %(max)s characters"),
    "not_text": _l("must be text"),
    "control_characters": _l("must not contain control characters"),
    "lone_surrogate": _l("holds an invalid character (a lone surrogate)"),
    "invisible_characters": _l("must not contain invisible or direction-changing characters"),
    "not_one_of": _l("must be one of %(choices)s"),
    "not_integer": _l("must be a whole number written with the digits 0-9"),
    "out_of_range": _l("must be between %(min)s and %(max)s"),
    "not_boolean": _l("must be true or false"),
    "not_datetime": _l("must be an ISO 8601 date and time with its UTC offset"),
    "unknown_field": _l("is not a field of this request"),
    "repeated": _l("is given more than once"),
    "not_object": _l("must be a JSON object"),
    "not_list": _l("must be a list"),
    "not_json": _l("is not valid JSON"),
    "too_deep": _l("is nested too deeply"),
    "bad_contact": _l("must be an email address (like name@example.com) or a phone number"),
    "not_email": _l("must be an email address (like name@example.com)"),
    "too_many_files": _l("may hold at most %(max)s files"),
    "empty_file": _l("%(name)s is empty"),
    "file_too_large": _l("%(name)s is larger than %(max)s"),
    "file_type": _l("%(name)s is not a PNG, JPEG, GIF or WebP image, a PDF or a UTF-8 text file"),
    "stale": _l("refers to something this conversation did not create"),
    "invalid": _l("is not valid"),
    "mismatch": _l("must be the same as the new password"),
    "unchanged": _l("must differ from the current password"),
}
ERROR_PAGES = {
    "not_found": _l("We could not find what you asked for."),
    "not_ready": _l("Search is being set up; please try again in a minute."),
    "bad_request": _l("The request is not valid."),
    "csrf_failed": _l("The form expired; reload the page and try again."),
    "method_not_allowed": _l("This address does not accept that method."),
    "payload_too_large": _l("The request is too large (%(size)s at most)."),
    "unsupported_media_type": _l("The body must be JSON (Content-Type: application/json)."),
    "server_error": _l("Something broke on our side; please try again later."),
    "idempotency_mismatch": _l("This Idempotency-Key was already used with another request."),
    "too_many_requests": _l("Too many requests from your address; please wait a moment and try again."),
    "unauthorized": _l("Sign in to the engineers' desk first."),
    "forbidden": _l("Your role does not open this page."),
}
babel = Babel()


def get_lang() -> str:
    """The request's language: ?lang=, then the `lang` cookie, then Accept-Language, then Chinese."""
    if "lang" not in g:
        choice = request.args.get("lang")
        if choice not in LANGS:
            choice = request.cookies.get(COOKIE)
        if choice not in LANGS:
            choice = request.accept_languages.best_match(LANGS) or DEFAULT_LANG
        g.lang = choice
    return g.lang


def set_lang(lang: str) -> None:
    """Use `lang` for the rest of the request (a JSON body's `lang`), catalogue included."""
    from flask_babel import refresh

    g.lang = lang
    refresh()


def pick(obj, lang: str | None = None) -> str:
    """The `lang` wording of a bilingual value (a rule book Text or a {zh, en} dict); other values pass through."""
    lang = lang or get_lang()
    if isinstance(obj, Text):
        return obj.pick(lang)
    if not isinstance(obj, dict):
        return obj
    return obj.get(lang) or obj.get("en") or obj.get("zh") or ""


def field_message(error: FieldError) -> str:
    """One bad field, worded for people in the request's language, naming the field and the allowed choices."""
    label = FIELD_NAMES.get(error.field, error.field)
    params = dict(error.params)
    if error.code == "not_one_of":
        separator = "、" if get_lang() == "zh" else ", "
        params["choices"] = separator.join(choice_name(error.field, c) for c in params.get("choices", []))
    reason = REASONS.get(error.code, REASONS["invalid"])
    return _("Invalid %(label)s: %(reason)s", label=label, reason=str(reason) % params if params else str(reason))


def describe(exc) -> dict:
    """A form's view of bad input: the first field and message, and `items` / `fields` for every bad field."""
    items = [{"field": e.field, "message": field_message(e)} for e in exc.errors]
    return {"field": items[0]["field"], "message": items[0]["message"], "items": items,
            "fields": [i["field"] for i in items]}


def choice_name(field: str, value: str) -> str:
    """How people know a choice: a plan by id and name, a severity or mode by name, a software by its name."""
    book = get_kb().book
    if field == "plan":
        return plan_name(value)
    if field == "severity" and value in book.severities:
        return pick(book.severities[value].name)
    if field in ("onsite_mode", "onsite") and book.onsite_mode(value):
        return pick(book.onsite_mode(value).name)
    if field == "software":
        return software_name(value)
    if field == "category":
        return category_name(value)
    return str(value)


def plan_name(plan_id: str) -> str:
    """A plan as customers know it: its id and name (S1 旗舰版)."""
    plan = get_kb().book.plans.get(plan_id)
    return f"{plan_id} {pick(plan.name)}" if plan else plan_id


def category_name(category: str) -> str:
    """An article category's name in the request's language."""
    return str(CATEGORY_NAMES.get(category, category))


def software_name(key: str) -> str:
    """A catalog key's or topic's name in the request's language."""
    row = get_kb().book.catalog.get(key)
    return pick(row.name) if row else str(TOPIC_NAMES.get(key, key))


def scope_label(scope: str) -> str:
    return str(SCOPE_LABELS.get(scope, scope))


def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))


def switch_url() -> str:
    """The header link that switches to the other language and comes back to this page (an article's translation)."""
    other = "en" if get_lang() == "zh" else "zh"
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    path = request.path
    if request.endpoint == "articles.show" and request.view_args:
        path = _translation_path(request.view_args.get("article_id"), other) or path
    back = quote(path) + (f"?{urlencode(args)}" if args else "")
    return url_for("home.set_language", code=other, next=back)


def _translation_path(article_id, lang: str) -> str | None:
    """The path of the `lang` version of an article, when there is one."""
    kb = get_kb()
    article = kb.library.articles.get(article_id)
    if article is None or article.lang == lang:
        return None
    translation = kb.library.translation(article)
    return url_for("articles.show", article_id=translation.id) if translation and translation.lang == lang else None


def site_zone() -> ZoneInfo:
    """The zone the rules compute deadlines in (the holiday calendar's), used for every time the site shows."""
    return ZoneInfo(get_kb().book.calendar.timezone)


def format_time(value) -> Markup:
    """A <time> element for an ISO timestamp, in the site's time zone (the rules' own) with its UTC offset."""
    if not value:
        return Markup("")
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return escape(value)
    if when.tzinfo is not None:
        when = when.astimezone(site_zone())
    offset = when.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}" if offset else ""
    text = when.strftime("%Y-%m-%d %H:%M") + (f" ({zone})" if zone else "")
    return Markup('<time datetime="{}">{}</time>').format(when.isoformat(), text)


def init_app(app: Flask) -> None:
    """Flask-Babel with the request's language; t-helpers for templates; responses vary on the language."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANG)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    babel.init_app(app, locale_selector=lambda: LOCALES[get_lang()])
    app.jinja_env.add_extension("jinja2.ext.do")
    app.add_template_filter(format_time, "when")
    app.add_template_filter(plan_name, "plan_name")

    @app.context_processor
    def language_helpers():
        return {"pick": pick, "lang": get_lang(), "switch_url": switch_url, "category_name": category_name,
                "software_name": software_name, "scope_label": scope_label, "status_label": status_label}

    @app.after_request
    def vary_on_language(response):
        response.vary.update(("Accept-Language", "Cookie"))
        return response
