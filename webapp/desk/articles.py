"""Articles on the desk: the list with filters, a new article or the missing translation of one, the editor (front
matter and Markdown beside a preview made by the site's own sanitising renderer, checked as `kb articles check`
checks, across the library too, at the line), and every saved version with its author: view one, compare two,
restore one.

A save names the version it started from: when someone saved since, it is refused with a diff of their change,
and the editor keeps the text. Saved versions are database revisions that every worker writes out and serves
(webapp.desk.content), and search finds the new text within seconds."""

from __future__ import annotations

from flask import Blueprint
from flask import abort
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import gettext as _

from kb.content.articles import CATEGORIES
from kb.content.articles import LANGS
from kb.content.revisions import MAX_TEXT
from kb.content.revisions import PATH
from kb.content.revisions import new_path
from kb.content.revisions import outdated_translations
from kb.content.revisions import placement_problems
from kb.content.revisions import preview
from kb.content.revisions import relative
from kb.content.revisions import starting_text
from kb.content.revisions import unified_texts
from kb.desk import ArticleEdit
from kb.desk import ArticleFilter
from kb.desk import NewArticle
from kb.desk import VersionPair
from kb.desk import last_update
from kb.desk import update_window
from kb.errors import InvalidInput
from kb.store.revisions import EditConflict
from webapp import inputs
from webapp.desk import staff
from webapp.desk.content import sync_now
from webapp.i18n import describe
from webapp.i18n import site_zone
from webapp.services import get_kb
from webapp.services import get_service
from webapp.services import get_store

bp = Blueprint("desk_articles", __name__, url_prefix="/engineer/articles")
api_bp = Blueprint("desk_articles_api", __name__, url_prefix="/api/staff")
staff.protect(bp)
staff.protect(api_bp, api=True)
FILTERS = {"software", "lang", "category", "translation", "helpfulness", "status", "within", "since", "until", "sort"}


def _article(article_id: str):
    """The served article and its file's path relative to the articles folder (404 when there is none)."""
    kb = get_kb()
    article = kb.library.articles.get(inputs.clean(article_id, 200))
    if article is None:
        abort(404)
    path = relative(kb.articles_dir, article)
    if not PATH.fullmatch(path):
        abort(404)
    return article, path


def _preview(text: str, path: str, extra: list | None = None) -> dict:
    """What the editor shows beside the text: the rendered body and every problem with its line."""
    kb = get_kb()
    html, problems = preview(text, path, kb.topics, kb.library, kb.articles_dir)
    return {"html": html, "problems": [
        {"line": p.line, "message": p.message, "severity": p.severity} for p in (extra or []) + problems]}


@bp.get("")
def index():
    """Every article, filtered by software, language, category, status, helpfulness, last update and missing or
    outdated translation; by software and topic, or by last update."""
    kb = get_kb()
    zone = site_zone()
    try:
        given = inputs.validated(ArticleFilter, inputs.fields(request.args, FILTERS, strict=False))
        window = update_window(given, get_service().clock().astimezone(zone).date())
        chosen, error = given.model_dump(), None
    except InvalidInput as exc:
        chosen, window, error = {}, (None, None), describe(exc)
    store = get_store()
    newest, latest, votes = store.revisions.newest(), store.revisions.newest(published=False), store.analytics.helpfulness()
    outdated = outdated_translations(kb.articles_dir, kb.library, newest)
    rows = []
    for article in kb.library.articles.values():
        translation = kb.library.translation(article)
        state = "outdated" if article.id in outdated else "missing" if translation is None else None
        voted = votes.get(article.id)
        helpfulness = "unvoted" if voted is None else "unhelpful" if voted["not_helpful"] > voted["helpful"] else None
        path = relative(kb.articles_dir, article)
        draft = latest.get(path) if latest.get(path) and not latest[path]["published"] else None
        updated = last_update(article.updated, latest.get(path), zone)
        if any(chosen.get(k) and chosen[k] != v for k, v in (("software", article.software), ("lang", article.lang),
                                                               ("category", article.category), ("translation", state),
                                                               ("helpfulness", helpfulness),
                                                               ("status", "draft" if draft else "published"))):
            continue
        if window[0] and updated < window[0] or window[1] and updated > window[1]:
            continue
        rows.append({"article": article, "translation": state, "revision": newest.get(path), "draft": draft,
                     "votes": voted, "updated": updated})
    rows.sort(key=lambda r: (r["article"].software, r["article"].translation_key, r["article"].lang))
    if chosen.get("sort") in ("newest", "oldest"):
        rows.sort(key=lambda r: r["updated"], reverse=chosen["sort"] == "newest")  # stable: ties keep the topic order
    return render_template("desk/articles.html", rows=rows, chosen=chosen, langs=LANGS, categories=CATEGORIES,
                           topics=sorted(kb.topics), error=error), 400 if error else 200


@bp.route("/<article_id>/edit", methods=("GET", "POST"))
def edit(article_id):
    """The editor: preview (also without JavaScript) or save; a save that is not valid or conflicts keeps the text."""
    article, path = _article(article_id)
    history = get_store().revisions.history(path)
    current = history[0]["text"] if history else (get_kb().articles_dir / path).read_text(encoding="utf-8")
    base = history[0]["version"] if history else None
    text, error, conflict, status = current, None, None, 200
    if request.method == "POST":
        form = inputs.fields(request.form, {"text", "base", "action"}, strict=False)
        text = form.get("text", "")[:MAX_TEXT]  # shown back as it was sent (escaped), line breaks and all
        try:
            given = inputs.validated(ArticleEdit, form)
        except InvalidInput as exc:
            error, status = describe(exc), 400
        else:
            text, base = given.text.replace("\r\n", "\n"), given.base
            preview = _preview(text, path)
            if given.action in ("draft", "save"):
                if any(p["severity"] == "error" for p in preview["problems"]):
                    error, status = {"field": "text", "message": _("Fix the problems below before saving.")}, 400
                else:
                    try:
                        saved = get_store().revisions.save(path, text, author=staff.actor(), base=base,
                                                           baseline=None if history else current,
                                                           published=given.action == "save")
                    except EditConflict as exc:
                        conflict, status = exc, 409
                        error = {"field": "text", "message": _(
                            "%(author)s saved this article (version %(version)s) after you started editing. "
                            "Their change is below; merge it into your text and save again.",
                            author=exc.current["author"], version=exc.current["version"])}
                    else:
                        sync_now()
                        return redirect(url_for("desk_articles.versions", article_id=article.id, saved=saved["version"],
                                                draft=None if saved["published"] else 1))
    return render_template("desk/edit.html", article=article, path=path, text=text, base=base, preview=_preview(text, path),
                           error=error, conflict=conflict), status


NEW_FIELDS = {"software", "key", "lang", "text", "action"}


@bp.route("/new", methods=("GET", "POST"))
def new():
    """A new topic: its software, translation key and language, and its text; a key already in use is refused."""
    chosen = inputs.fields(request.args, {"software", "key", "lang"}, strict=False)
    return _create({k: inputs.clean(v, 101) for k, v in chosen.items()})


@bp.route("/<article_id>/translate", methods=("GET", "POST"))
def translate(article_id):
    """The missing translation of an article, starting from its file (front matter and text to translate)."""
    article, path = _article(article_id)
    lang = next(lang for lang in LANGS if lang != article.lang)
    existing = get_kb().library.translation(article)
    if existing is not None:
        return redirect(url_for("desk_articles.edit", article_id=existing.id))
    other = (get_kb().articles_dir / path).read_text(encoding="utf-8")
    return _create({"software": article.software, "key": article.translation_key, "lang": lang}, fixed=True,
                   other=other, source=article)


def _create(chosen: dict, *, fixed: bool = False, other: str | None = None, source=None):
    """Show and save the new-article form; `fixed`: software, key and language are the translation's."""
    kb, status, error = get_kb(), 200, None
    today = get_service().clock().astimezone(site_zone()).date()
    form = dict(chosen)
    form["text"] = starting_text(form.get("software", ""), form.get("key", ""), form.get("lang", ""), today, other)
    shown = _preview(form["text"], new_path(**{k: form[k] for k in ("software", "key", "lang")})) if fixed else None
    if request.method == "POST":
        form = {**inputs.fields(request.form, NEW_FIELDS, strict=False), **(chosen if fixed else {})}
        form["text"] = form.get("text", "")[:MAX_TEXT]
        try:
            given = inputs.validated(NewArticle, form)
        except InvalidInput as exc:
            error, status = describe(exc), 400
        else:
            text, path = given.text.replace("\r\n", "\n"), new_path(given.software, given.key, given.lang)
            shown = _preview(text, path, placement_problems(text, given.software, given.key, given.lang))
            if given.action == "save":
                error, status, saved = _save_new(given, text, path, shown, fixed)
                if status == 302:
                    return redirect(url_for("desk_articles.versions", article_id=saved, saved=1) if saved
                                    else url_for("desk_articles.index"))
    return render_template("desk/new.html", form=form, fixed=fixed, source=source, topics=sorted(kb.topics),
                           preview=shown or {"html": "", "problems": []}, error=error), status


def _save_new(given: NewArticle, text: str, path: str, checked: dict, translation: bool) -> tuple:
    """Save a new article as version 1 and serve it: (error, status, its id once saved). A new topic's key must be
    new; a translation's may only be missing its language."""
    kb = get_kb()
    taken = kb.library.by_key(given.key)
    if given.lang in taken or (kb.articles_dir / path).exists() or get_store().revisions.history(path):
        return {"field": "key", "message": _("There is already an article with this key in this language.")}, 409, None
    if taken and not translation:
        return {"field": "key", "message": _(
            "This key is already in use: add the missing translation from the article list instead.")}, 409, None
    if any(p["severity"] == "error" for p in checked["problems"]):
        return {"field": "text", "message": _("Fix the problems below before saving.")}, 400, None
    try:
        get_store().revisions.save(path, text, author=staff.actor(), base=None, note="new article")
    except EditConflict:  # someone created the same file meanwhile
        return {"field": "key", "message": _("There is already an article with this key in this language.")}, 409, None
    sync_now()
    return None, 302, next((a.id for a in kb.library.articles.values() if relative(kb.articles_dir, a) == path), None)


@bp.get("/<article_id>/versions")
def versions(article_id):
    """Every saved version, newest first, with its author; links to view, compare and restore."""
    article, path = _article(article_id)
    return render_template("desk/versions.html", article=article, path=path,
                           history=get_store().revisions.history(path), saved=request.args.get("saved", type=int),
                           draft=request.args.get("draft") == "1")


@bp.get("/<article_id>/versions/<int:version>")
def version(article_id, version):
    """One version as it was saved, and rendered."""
    article, path = _article(article_id)
    found = get_store().revisions.get(path, version)
    return render_template("desk/version.html", article=article, revision=found, preview=_preview(found["text"], path))


@bp.get("/<article_id>/diff")
def diff(article_id):
    """What changed from version a to version b."""
    article, path = _article(article_id)
    pair = inputs.validated(VersionPair, inputs.fields(request.args, {"a", "b"}))
    a, b = (get_store().revisions.get(path, v) for v in (pair.a, pair.b))
    return render_template("desk/diff.html", article=article, a=a, b=b,
                           lines=unified_texts(a["text"], b["text"], f"version {a['version']}", f"version {b['version']}"))


@bp.post("/<article_id>/versions/<int:version>/restore")
def restore(article_id, version):
    """Save an earlier version again, as the newest (nothing is lost: the versions after it stay)."""
    article, path = _article(article_id)
    store = get_store()
    old = store.revisions.get(path, version)
    latest = store.revisions.history(path)[0]
    saved = store.revisions.save(path, old["text"], author=staff.actor(), base=latest["version"],
                                 note=f"restored version {version}")
    sync_now()
    return redirect(url_for("desk_articles.versions", article_id=article.id, saved=saved["version"]))


@api_bp.post("/articles/<article_id>/preview")
def api_preview(article_id):
    """The live preview: {"text": "..."} → {"html", "problems"}, rendered and checked as a save would be."""
    _article_, path = _article(article_id)
    given = inputs.validated(ArticleEdit, dict(inputs.json_body(), action="preview"))
    return jsonify(_preview(given.text.replace("\r\n", "\n"), path))


@api_bp.post("/articles/draft-preview")
def api_preview_new():
    """The live preview of a new article: {"software", "key", "lang", "text"} → {"html", "problems"}."""
    given = inputs.validated(NewArticle, dict(inputs.json_body(), action="preview"))
    text = given.text.replace("\r\n", "\n")
    return jsonify(_preview(text, new_path(given.software, given.key, given.lang),
                            placement_problems(text, given.software, given.key, given.lang)))
