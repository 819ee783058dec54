"""Articles on the desk: preview with the site's renderer, checks at the line, versions with their author, diff,
restore, a conflict instead of an overwrite, a flagged translation, and every worker serving the saved text."""

import html
import re
import shutil

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.knowledge import KnowledgeBase
from tests.conftest import DATA
from tests.conftest import sign_in
from tests.conftest import text_of
from webapp import create_app

ARTICLE = "widget-start-en"
EDIT = "/engineer/articles/widget-start-en/edit"


def _site(tmp_path, name: str, database: str):
    """A worker: its own copy of the test library, the shared database."""
    articles = tmp_path / name / "articles"
    shutil.copytree(DATA / "articles", articles)
    kb = KnowledgeBase(DATA / "rules", articles, tmp_path / name / "index", embedder=None)
    kb.build_index()
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": kb, "KB_DATABASE_URL": database, "WTF_CSRF_ENABLED": False,
                      "KB_INSTANCE_DIR": str(tmp_path / name), "KB_RELOAD_INTERVAL": 0, "SECRET_KEY": "t"})
    return app, articles


@pytest.fixture
def sites(tmp_path):
    database = f"sqlite:///{tmp_path}/desk.db"
    made = [_site(tmp_path, name, database) for name in ("one", "two")]
    yield made
    for app, _articles in made:
        app.extensions["desk_content"].wait()
        app.extensions["store"].close()


def _client(app, role="editor"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(app, client, role)
    return client


def _text(articles) -> str:
    return (articles / "widget" / "widget-start.en.md").read_text(encoding="utf-8")


def test_preview_renders_with_the_site_s_sanitiser_and_problems_come_with_their_line(sites):
    (app, articles), _ = sites
    editor = _client(app)
    page = text_of(editor.get(EDIT))
    assert "widgetd fails to start after an edit" in page and "No saved version yet" in page
    changed = _text(articles).replace("## Fix", "## Fix it\n\n<script>alert(1)</script>")
    preview = editor.post(EDIT, data={"text": changed, "action": "preview"})
    body = text_of(preview)
    assert preview.status_code == 200 and 'id="fix-it">Fix it</h2>' in body and "<script>alert(1)" not in body
    assert "Line 21" in body and "raw HTML" in body  # the same warning `kb articles check` gives, at its line
    broken = _text(articles).replace("category: troubleshooting", "category: gossip")
    refused = editor.post(EDIT, data={"text": broken, "action": "save"})
    assert refused.status_code == 400 and "Fix the problems below before saving." in text_of(refused)
    assert "Line 8" in text_of(refused) and _text(articles) == (DATA / "articles/widget/widget-start.en.md").read_text()


def test_a_save_is_served_by_every_worker_then_an_earlier_version_is_restored(sites):
    (one, articles_one), (two, articles_two) = sites
    editor = _client(one)
    original = _text(articles_one)
    edited = original.replace("Run `widgetd -t`", "Run `widgetd --check`")
    saved = editor.post(EDIT, data={"text": edited, "action": "save"})
    assert saved.status_code == 302 and "/engineer/articles/widget-start-en/versions" in saved.headers["Location"]
    versions = text_of(editor.get(saved.headers["Location"]))
    assert "Saved as version 2" in versions and "test-editor" in versions and "files" in versions
    assert "widgetd --check" in text_of(one.test_client().get(f"/articles/{ARTICLE}"))  # the saving worker, at once
    assert "widgetd --check" in text_of(two.test_client().get(f"/articles/{ARTICLE}"))  # the other, at its next look
    assert "widgetd --check" in _text(articles_two)
    diff = text_of(editor.get(f"/engineer/articles/{ARTICLE}/diff", query_string={"a": 1, "b": 2}))
    assert '<span class="del">-Run `widgetd -t`' in diff and '<span class="add">+Run `widgetd --check`' in diff
    assert "widgetd --check" in text_of(editor.get(f"/engineer/articles/{ARTICLE}/versions/2"))
    assert editor.post(f"/engineer/articles/{ARTICLE}/versions/1/restore").status_code == 302
    assert "widgetd -t" in text_of(two.test_client().get(f"/articles/{ARTICLE}"))
    history = one.extensions["store"].revisions.history("widget/widget-start.en.md")
    assert [(r["version"], r["author"], r["note"]) for r in history] == [
        (3, "test-editor", "restored version 1"), (2, "test-editor", None), (1, "files", "the file before the first edit")]
    assert history[0]["text"] == original


def test_search_finds_a_saved_article_s_new_words_within_seconds(sites):
    (app, articles), _ = sites
    editor = _client(app)
    assert "widget-start-en" not in text_of(app.test_client().get("/search", query_string={"q": "zebracorn"}))
    edited = _text(articles).replace("correct the line it names", "correct the zebracorn line it names")
    assert editor.post(EDIT, data={"text": edited, "action": "save"}).status_code == 302
    app.extensions["desk_content"].wait()
    assert "widget-start-en" in text_of(app.test_client().get("/search", query_string={"q": "zebracorn", "lang": "en"}))


def test_a_draft_is_kept_but_not_served_until_it_is_saved(sites):
    (app, articles), (other, _articles) = sites
    editor = _client(app)
    draft = _text(articles).replace("journal says", "draft says")
    kept = editor.post(EDIT, data={"text": draft, "action": "draft"})
    assert kept.status_code == 302 and "Kept as draft version 2" in text_of(editor.get(kept.headers["Location"]))
    assert "draft says" not in text_of(other.test_client().get(f"/articles/{ARTICLE}"))
    assert "draft says" in text_of(editor.get(EDIT))  # the editor goes on from the draft
    listed = text_of(editor.get("/engineer/articles", query_string={"lang": "en"}))
    assert "Draft version 2 by test-editor" in listed
    assert editor.post(EDIT, data={"text": draft, "base": "2", "action": "save"}).status_code == 302
    assert "draft says" in text_of(other.test_client().get(f"/articles/{ARTICLE}"))


def test_two_saves_from_the_same_version_conflict_with_a_diff(sites):
    (app, articles), _ = sites
    first, second = _client(app), _client(app, "admin")
    start = _text(articles)
    assert first.post(EDIT, data={"text": start.replace("journal says", "log says"), "action": "save"}).status_code == 302
    mine = start.replace("start the service again", "restart it")
    conflict = second.post(EDIT, data={"text": mine, "action": "save"})  # started from the file, like the first
    page = text_of(conflict)
    assert conflict.status_code == 409 and "test-editor saved this article (version 2) after you started editing" in page
    assert '<span class="del">-The service does not start and the journal says' in page  # their change alone
    assert '<span class="add">+The service does not start and the log says' in page
    assert '<span class="add">+## Symptoms' not in page
    assert "restart it" in page  # the editor keeps their text, now based on version 2
    assert 'name="base" value="2"' in page
    assert "log says" in _text(articles) and "restart it" not in _text(articles)


def test_changing_one_language_flags_its_translation_as_outdated(sites):
    (app, articles), _ = sites
    editor = _client(app)
    editor.post(EDIT, data={"text": _text(articles).replace("journal says", "log says"), "action": "save"})
    listed = text_of(editor.get("/engineer/articles", query_string={"translation": "outdated"}))
    assert "widget-start-zh" in listed and "widget-start-en" not in listed and "plans-overview" not in listed
    assert "widget-start-en" in text_of(editor.get("/engineer/articles", query_string={"lang": "en"}))
    assert editor.get("/engineer/articles", query_string={"lang": "fr"}).status_code == 400


def test_articles_are_filtered_by_helpfulness(sites):
    (app, _articles), _ = sites
    for answer in ("no", "no", "yes"):
        assert app.test_client().post(f"/articles/{ARTICLE}/vote", data={"helpful": answer}).status_code == 302
    editor = _client(app)
    unhelpful = text_of(editor.get("/engineer/articles", query_string={"helpfulness": "unhelpful"}))
    assert ARTICLE in unhelpful and "1 yes, 2 no" in unhelpful and "widget-start-zh" not in unhelpful
    unvoted = text_of(editor.get("/engineer/articles", query_string={"helpfulness": "unvoted"}))
    assert "widget-start-zh" in unvoted and f"<code>{ARTICLE}</code>" not in unvoted


def test_the_live_preview_api(sites):
    (app, articles), _ = sites
    editor = _client(app)
    script = "\n<img src=x onerror=alert(1)>\n"
    answer = editor.post(f"/api/staff/articles/{ARTICLE}/preview", json={"text": _text(articles) + script})
    assert answer.status_code == 200 and "onerror" not in answer.json["html"]
    assert any("raw HTML" in p["message"] and p["line"] for p in answer.json["problems"])
    assert app.test_client().post(f"/api/staff/articles/{ARTICLE}/preview", json={"text": "x"}).status_code == 401


def test_kb_content_export_and_import(sites, tmp_path):
    (app, articles), _ = sites
    editor = _client(app)
    editor.post(EDIT, data={"text": _text(articles).replace("journal says", "log says"), "action": "save"})
    url = app.config["KB_SETTINGS"].database
    checkout = tmp_path / "checkout"
    shutil.copytree(DATA / "articles", checkout)
    runner = CliRunner()
    options = ["--rules", str(DATA / "rules"), "--articles", str(checkout)]
    exported = runner.invoke(cli, [*options, "content", "export", "--url", url])
    assert exported.exit_code == 0 and "wrote widget/widget-start.en.md" in exported.output
    assert "log says" in (checkout / "widget/widget-start.en.md").read_text()
    file = checkout / "widget/widget-start.en.md"
    file.write_text(file.read_text().replace("log says", "system log says"), encoding="utf-8")  # edited in git
    imported = runner.invoke(cli, [*options, "content", "import", "--url", url])
    assert imported.exit_code == 0 and "widget/widget-start.en.md: version 3" in imported.output
    assert "system log says" in text_of(app.test_client().get(f"/articles/{ARTICLE}"))
    file.write_text(file.read_text().replace("category: troubleshooting", "category: gossip"), encoding="utf-8")
    broken = runner.invoke(cli, [*options, "content", "import", "--url", url])
    assert broken.exit_code == 1 and "nothing imported" in broken.output


def _listed(page: str) -> list[str]:
    """The article ids a list page shows, in its order."""
    return re.findall(r"<br><code>([a-z0-9-]+)</code>", page)


def test_articles_are_filtered_by_status_and_last_update_and_sorted_by_it(sites):
    (app, articles), _ = sites
    editor = _client(app)
    assert editor.post(EDIT, data={"text": _text(articles).replace("journal says", "log says"), "action": "draft"}
                       ).status_code == 302
    everything = ["plans-overview-en", "plans-overview-zh", "widget-start-en", "widget-start-zh"]
    assert _listed(text_of(editor.get("/engineer/articles"))) == everything
    assert _listed(text_of(editor.get("/engineer/articles", query_string={"status": "draft"}))) == [ARTICLE]
    published = _listed(text_of(editor.get("/engineer/articles", query_string={"status": "published"})))
    assert published == [a for a in everything if a != ARTICLE]
    assert _listed(text_of(editor.get("/engineer/articles", query_string={"within": "1"}))) == [ARTICLE]
    dated = {"since": "2026-12-01", "until": "2026-12-01"}  # the front matter's date; the draft is later
    assert _listed(text_of(editor.get("/engineer/articles", query_string=dated))) == published
    newest = _listed(text_of(editor.get("/engineer/articles", query_string={"sort": "newest"})))
    oldest = _listed(text_of(editor.get("/engineer/articles", query_string={"sort": "oldest"})))
    assert newest[0] == ARTICLE and oldest[-1] == ARTICLE and sorted(newest) == everything
    for bad in ({"status": "gone"}, {"within": "0"}, {"since": "2026-02-30"}, {"since": "2026-12-02", "until": "2026-12-01"},
                {"sort": "random"}):
        refused = editor.get("/engineer/articles", query_string=bad)
        assert refused.status_code == 400 and 'class="form-error"' in text_of(refused), bad


def test_the_editor_checks_the_draft_across_the_library_at_the_line(sites):
    (app, articles), _ = sites
    editor = _client(app)
    start = _text(articles)
    for change, line, words in (
            (("related: [plans-overview]", "related: [plans-overview, no-such-topic]"), 13,
             "related topic `no-such-topic` does not exist"),
            (("id: widget-start-en", "id: widget-start-zh"), 2, "duplicate id `widget-start-zh`"),
            (("translation_key: widget-start", "translation_key: plans-overview"), 4,
             "two `en` articles share translation_key `plans-overview`")):
        refused = editor.post(EDIT, data={"text": start.replace(*change), "action": "save"})
        page = text_of(refused)
        assert refused.status_code == 400 and f"Line {line}: error: {words}" in page, words
    assert _text(articles) == start
    moved = start.replace("category: troubleshooting", "category: configuration")  # the zh file changes next
    answer = editor.post(f"/api/staff/articles/{ARTICLE}/preview", json={"text": moved})
    assert {"line": 8, "severity": "warning", "message": "category differs from its `zh` translation "
            "(widget-start-zh: troubleshooting)"} in answer.json["problems"]
    renamed = start.replace("translation_key: widget-start", "translation_key: widget-begin")
    warned = [p["message"] for p in editor.post(f"/api/staff/articles/{ARTICLE}/preview", json={"text": renamed}
                                                ).json["problems"]]
    assert "no zh translation for `widget-begin`" in warned and any(
        "widget-start.zh.md: no en translation for `widget-start`" in m for m in warned)  # what it breaks elsewhere
    assert editor.post(EDIT, data={"text": moved, "action": "save"}).status_code == 302  # warnings do not block


def test_a_new_article_is_created_then_its_translation_added(sites):
    (app, articles), (other, articles_two) = sites
    editor = _client(app)
    start = text_of(editor.get("/engineer/articles/new", query_string={"software": "widget", "key": "widget-stop",
                                                                       "lang": "en"}))
    assert "translation_key: widget-stop" in start and "id: widget-stop-en" in start and "software: widget" in start
    text = _text(articles).replace("widget-start", "widget-stop").replace("fails to start", "fails to stop")
    new = {"software": "widget", "key": "widget-stop", "lang": "en", "text": text, "action": "save"}
    taken = editor.post("/engineer/articles/new", data={**new, "key": "widget-start"})
    assert taken.status_code == 409 and "There is already an article with this key in this language." in text_of(taken)
    misplaced = editor.post("/engineer/articles/new", data={**new, "text": text.replace("lang: en", "lang: zh")})
    assert misplaced.status_code == 400 and "Line 3: error: lang must be `en`" in text_of(misplaced)
    assert "widget-stop" in text_of(misplaced)  # the text is kept
    assert editor.post("/engineer/articles/new", data={**new, "lang": "fr"}).status_code == 400
    assert not (articles / "widget" / "widget-stop.en.md").exists()
    created = editor.post("/engineer/articles/new", data=new)
    assert created.status_code == 302 and "/engineer/articles/widget-stop-en/versions" in created.headers["Location"]
    assert "widgetd fails to stop" in text_of(other.test_client().get("/articles/widget-stop-en"))
    assert (articles_two / "widget" / "widget-stop.en.md").read_text(encoding="utf-8") == text.strip()
    assert editor.post("/engineer/articles/new", data=new).status_code == 409  # a second time
    other_language = editor.post("/engineer/articles/new", data={**new, "lang": "zh"})  # a new topic, not the translation
    assert other_language.status_code == 409 and "This key is already in use" in text_of(other_language)
    listed = text_of(editor.get("/engineer/articles", query_string={"translation": "missing"}))
    assert "/engineer/articles/widget-stop-en/translate" in listed
    form = text_of(editor.get("/engineer/articles/widget-stop-en/translate"))
    assert "id: widget-stop-zh" in form and "lang: zh" in form and "translation_key: widget-stop" in form
    translated = re.search(r"<textarea[^>]*>(.*?)</textarea>", form, re.S).group(1)
    translated = html.unescape(translated).replace("widgetd fails to stop", "widgetd 无法停止")
    saved = editor.post("/engineer/articles/widget-stop-en/translate",
                        data={"text": translated, "action": "save", "lang": "en"})  # the language is the missing one
    assert saved.status_code == 302 and "/engineer/articles/widget-stop-zh/versions" in saved.headers["Location"]
    assert "widgetd 无法停止" in text_of(other.test_client().get("/articles/widget-stop-zh"))
    again = editor.get("/engineer/articles/widget-stop-en/translate")
    assert again.status_code == 302 and again.headers["Location"].endswith("/engineer/articles/widget-stop-zh/edit")
    audit = [e for e in app.extensions["store"].audit.entries(10) if e["action"] == "article.save"]
    assert {e["target"] for e in audit} >= {"article:widget/widget-stop.en.md", "article:widget/widget-stop.zh.md"}


def test_the_live_preview_of_a_new_article(sites):
    (app, articles), _ = sites
    editor = _client(app)
    text = _text(articles).replace("widget-start", "widget-stop")
    answer = editor.post("/api/staff/articles/draft-preview",
                         json={"software": "widget", "key": "widget-halt", "lang": "en", "text": text})
    assert answer.status_code == 200 and "<h2" in answer.json["html"]
    assert {"line": 4, "severity": "error", "message": "translation_key must be `widget-halt` (the file is "
            "widget/widget-halt.en.md)"} in answer.json["problems"]
    assert editor.post("/api/staff/articles/draft-preview", json={"text": text}).status_code == 400
