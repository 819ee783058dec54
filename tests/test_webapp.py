"""The HTML site: factory, language, every page, forms and error pages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from kb.conditions import SCOPES
from kb.search import Results
from webapp import create_app
from webapp.i18n import STRINGS

ROOT = Path(__file__).resolve().parent.parent
OUT_OF_SCOPE = "how do I install MySQL on my server"
IN_SCOPE = "sshd fails to start after editing sshd_config"


@pytest.fixture
def en(app):
    """A client whose browser prefers English."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    return client


def text_of(response) -> str:
    return response.get_data(as_text=True)


# --- factory and configuration ---------------------------------------------------------------------------------


def test_test_config_replaces_instance_config(app, knowledge):
    assert app.testing
    assert app.extensions["kb"] is knowledge
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    assert app.config["KB_INDEX_DIR"].endswith(str(Path("instance") / "index"))


def test_environment_overrides_defaults_but_not_the_test_config(knowledge, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_MODEL_PATH", "/models/mini")
    monkeypatch.setenv("KB_DATABASE_URL", "sqlite:////nowhere/never.db")
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"})
    try:
        assert app.config["KB_MODEL_PATH"] == "/models/mini"
        assert app.config["KB_DATABASE_URL"] == f"sqlite:///{tmp_path}/t.db"
        assert app.config["SECRET_KEY"]
    finally:
        app.extensions["store"].close()


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from webapp import _saved_secret_key

    first = _saved_secret_key(tmp_path / "instance")
    assert len(first) == 64
    assert _saved_secret_key(tmp_path / "instance") == first
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_core_never_imports_flask():
    offenders = [p.name for p in sorted((ROOT / "kb").glob("*.py"))
                 if re.search(r"^\s*(import flask|from flask\b)", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


def test_every_ui_string_used_in_templates_exists_in_both_languages():
    used = set()
    for path in (ROOT / "webapp" / "templates").rglob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+)["']\s*[,)]""", path.read_text(encoding="utf-8")))
    used |= {f"scope_{scope}" for scope in SCOPES}  # the decision card builds these keys
    assert used - set(STRINGS) == set()
    assert [k for k, v in STRINGS.items() if set(v) != {"zh", "en"} or not all(v.values())] == []


# --- language ----------------------------------------------------------------------------------------------------


def test_default_language_is_chinese(client):
    page = text_of(client.get("/"))
    assert '<html lang="zh-CN">' in page
    assert "我们能帮您什么？" in page


@pytest.mark.parametrize(("how", "expected"), [
    ({"headers": {"Accept-Language": "en-GB,en;q=0.8"}}, "How can we help?"),
    ({"headers": {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}}, "我们能帮您什么？"),
    ({"query_string": {"lang": "en"}}, "How can we help?"),
    ({"query_string": {"lang": "xx"}, "headers": {"Accept-Language": "en"}}, "How can we help?"),
])
def test_language_follows_query_then_accept_language(client, how, expected):
    assert expected in text_of(client.get("/", **how))


def test_query_language_beats_cookie_beats_accept_language(client):
    client.set_cookie("lang", "en")
    assert "How can we help?" in text_of(client.get("/", headers={"Accept-Language": "zh"}))
    assert "我们能帮您什么？" in text_of(client.get("/?lang=zh"))


def test_language_switch_sets_cookie_and_returns_to_the_page(client):
    page = text_of(client.get("/search?q=ssh&lang=zh"))
    href = re.search(r'class="lang-switch" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query)["next"] == ["/search?q=ssh"]
    response = client.get(href)
    assert response.status_code == 302
    assert response.headers["Location"] == "/search?q=ssh"
    assert "lang=en" in response.headers["Set-Cookie"]
    assert "How can we help?" in text_of(client.get("/"))


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "\\\\evil", ""])
def test_language_switch_only_redirects_to_local_pages(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_pages_forbid_foreign_scripts_and_framing(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_responses_vary_on_language(client):
    assert {"Accept-Language", "Cookie"} <= set(client.get("/").vary)


# --- pages -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/search", "/assistant", "/assistant/thanks", "/tickets/new", "/tickets/lookup",
                                  "/engineer/unanswered", "/engineer/problems"])
def test_every_page_has_the_shared_layout(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = text_of(response)
    for part in ('<a class="skip-link" href="#main">', '<main id="main"', "<nav", 'class="lang-switch"', "site.css"):
        assert part in page
    assert "cdn" not in page.lower()


def test_every_input_has_a_label(en):
    for path in ["/", "/search", "/assistant", "/tickets/new", "/tickets/lookup"]:
        page = text_of(en.get(path))
        ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', page)
        assert ids, path
        for field_id in ids:
            assert f'<label for="{field_id}"' in page, (path, field_id)


def test_home_lists_catalog_by_category_and_the_plan_table(en):
    page = text_of(en.get("/"))
    assert "Remote access and file copy tools" in page and "Security policy tools" in page
    assert "Windows Firewall" in page
    for plan in ("S1 Flagship", "S2 Enterprise", "S3 Business", "S4 Basic"):
        assert plan in page
    assert "accepted within 120 min" in page
    assert "Port-connectivity troubleshooting advice only" in page


def test_home_in_chinese_uses_chinese_names(client):
    page = text_of(client.get("/"))
    assert "远程接入、文件拷贝工具" in page and "旗舰版" in page


def test_search_shows_highlighted_results_linked_through_the_click_log(en):
    page = text_of(en.get("/search", query_string={"q": "sshd fails to start"}))
    assert "<mark" in page
    links = re.findall(r'href="(/go/\d+/[a-z0-9-]+)"', page)
    assert links and all(link.endswith("-en") for link in links)
    response = en.get(links[0])
    assert response.status_code == 302
    assert response.headers["Location"] == "/articles/" + links[0].rsplit("/", 1)[1]


def test_search_filters_are_selects_and_restrict_results(en):
    page = text_of(en.get("/search", query_string={"q": "port", "software": "rdp", "category": "troubleshooting"}))
    assert '<select id="f-software" name="software">' in page
    assert '<option value="rdp" selected>' in page
    assert "/go/" in page
    assert "SSH · " not in page


def test_search_escapes_the_query(en):
    page = text_of(en.get("/search", query_string={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_search_without_results_offers_the_assistant(en, knowledge, monkeypatch):
    monkeypatch.setattr(knowledge, "search", lambda *args, **kwargs: Results())
    page = text_of(en.get("/search", query_string={"q": "zzqqxxv"}))
    assert "No articles found" in page
    assert "/assistant?question=zzqqxxv" in page


def test_search_offers_the_spelling_correction_keeping_the_filters(en):
    page = text_of(en.get("/search", query_string={"q": "permision denid", "software": "ssh"}))
    assert "Did you mean:" in page
    assert 'href="/search?q=permission+denied&amp;software=ssh"' in page


@pytest.mark.parametrize(("lang", "message"), [("en", "Invalid software: must be one of"),
                                               ("zh", "输入有误（软件）：必须是以下之一")])
def test_search_with_a_bad_filter_reports_the_field(client, lang, message):
    response = client.get("/search", query_string={"q": "ssh", "software": "mysql", "lang": lang})
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert 'id="f-software" name="software" aria-invalid="true"' in page


def test_click_on_a_missing_article_is_a_404(client):
    assert client.get("/go/1/no-such-article").status_code == 404


def test_article_page_has_body_translation_related_and_vote_form(en):
    page = text_of(en.get("/articles/ssh-host-keys-en"))
    assert "<h1>sshd fails to start: missing, corrupted or unreadable host keys</h1>" in page
    assert '<article class="article" lang="en">' in page
    assert 'href="/articles/ssh-host-keys-zh"' in page and "阅读中文版" in page
    assert 'href="/articles/ssh-sshd-config-syntax-en"' in page
    assert 'action="/articles/ssh-host-keys-en/vote"' in page
    assert 'name="csrf_token"' in page
    assert "<script" not in page


def test_chinese_article_is_marked_as_chinese(en):
    page = text_of(en.get("/articles/ssh-host-keys-zh"))
    assert '<article class="article" lang="zh-CN">' in page
    assert "Read in English" in page


def test_vote_thanks_the_reader_and_is_counted(app, en):
    response = en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True)
    assert "Thank you for your feedback!" in text_of(response)
    assert app.extensions["store"].vote_counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 0}
    assert "1 found this helpful, 0 did not" in text_of(en.get("/articles/ssh-host-keys-en"))


def test_vote_needs_yes_or_no(en):
    response = en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "maybe"})
    assert response.status_code == 400
    assert "Invalid vote" in text_of(response)


def test_missing_article_is_an_html_404_in_the_reader_language(client, en):
    response = client.get("/articles/nope")
    assert response.status_code == 404
    assert "找不到您要的内容" in text_of(response)
    assert "We could not find what you asked for." in text_of(en.get("/articles/nope"))


# --- assistant ---------------------------------------------------------------------------------------------------


def test_out_of_scope_question_shows_where_to_go_instead(en):
    page = text_of(en.get("/assistant", query_string={"question": OUT_OF_SCOPE, "plan": "S3"}))
    assert '<span class="badge badge-out">Out of scope</span>' in page
    assert "The software vendor" in page and "Cloud marketplace" in page
    assert "<blockquote>" in page and "服务计划说明书" in page
    assert '<details class="trace">' in page and "scope.uncatalogued_install" in page


def test_in_scope_question_shows_channels_deadline_articles_and_next_steps(en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    assert '<span class="badge badge-in">In scope</span>' in page
    assert page.index("Ticket</strong>") < page.index("Online support</strong>")
    assert "120 min" in page and '<time datetime="' in page
    assert len(re.findall(r'<li class="result">', page)) == 3
    assert 'action="/assistant/solved"' in page
    href = re.search(r'href="(/tickets/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query)
    assert query["plan"] == ["S3"] and query["subject"] == [IN_SCOPE] and query["software"] == ["ssh"]
    assert query["ask"][0].isdigit()


def test_assistant_answers_in_chinese_for_chinese_readers(client):
    page = text_of(client.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S1", "severity": "business_down"}))
    assert "在支持范围内" in page and "15 分钟" in page and "工单支持" in page


def test_assistant_shows_onsite_deadlines(en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S1", "onsite_mode": "7x24",
                                                       "onsite_staff": "2", "onsite_city": "Beijing"}))
    assert "Onsite response" in page and "Arrive by" in page


@pytest.mark.parametrize(("params", "field"), [
    ({"question": "", "plan": "S3"}, "question"),
    ({"question": "x" * 501}, "question"),
    ({"question": IN_SCOPE, "plan": "S9"}, "plan"),
    ({"question": IN_SCOPE, "severity": "urgent"}, "severity"),
    ({"question": IN_SCOPE, "onsite_mode": "9x9"}, "onsite_mode"),
    ({"question": IN_SCOPE, "onsite_mode": "5x8", "onsite_staff": "lots"}, "onsite_staff"),
])
def test_assistant_reports_bad_input_on_the_field(en, params, field):
    response = en.get("/assistant", query_string=params)
    assert response.status_code == 400
    page = text_of(response)
    assert 'role="alert"' in page and f'href="#f-{field}"' in page
    assert f'id="f-{field}" name="{field}" aria-invalid="true"' in page


def test_this_solved_it_records_the_outcome_and_thanks(en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    log_id = re.search(r'name="log_id" value="(\d+)"', page).group(1)
    response = en.post("/assistant/solved", data={"log_id": log_id}, follow_redirects=True)
    assert response.request.path == "/assistant/thanks"
    assert "Glad it helped!" in text_of(response)


def test_this_solved_it_needs_a_log_id(en):
    assert en.post("/assistant/solved", data={"log_id": "x"}).status_code == 400


# --- tickets -----------------------------------------------------------------------------------------------------


def test_ticket_form_is_prefilled_from_the_assistant(en):
    page = text_of(en.get("/tickets/new", query_string={"plan": "S3", "software": "ssh", "subject": IN_SCOPE, "ask": "7"}))
    assert '<option value="S3" selected>' in page and '<option value="ssh" selected>' in page
    assert f'value="{IN_SCOPE}"' in page
    assert '<input type="hidden" name="ask" value="7">' in page


def test_opening_a_ticket_shows_number_token_channel_and_deadline(en):
    form = {"plan": "S3", "severity": "degraded", "software": "ssh", "subject": IN_SCOPE,
            "description": "It says: Bad configuration option.", "contact": "ops@example.com"}
    response = en.post("/tickets/new", data=form)
    assert response.status_code == 302
    page = text_of(en.get(response.headers["Location"]))
    assert "Your ticket was created." in page and "Keep the number and the token" in page
    assert 'class="ticket-number"' in page and 'class="ticket-token"' in page
    assert 'class="deadline"><time datetime=' in page
    assert '<details class="trace">' in page


def test_ticket_needs_its_token(en):
    form = {"plan": "S4", "subject": "ufw blocks ssh", "description": "locked out", "contact": "me@example.com"}
    location = en.post("/tickets/new", data=form).headers["Location"]
    number = urlsplit(location).path.rsplit("/", 1)[1]
    assert en.get(f"/tickets/{number}", query_string={"token": "wrong"}).status_code == 404
    assert en.get(f"/tickets/{number}").status_code == 400
    token = parse_qs(urlsplit(location).query)["token"][0]
    response = en.get("/tickets/lookup", query_string={"number": number, "token": token})
    assert response.status_code == 302 and f"/tickets/{number}?token=" in response.headers["Location"]
    response = en.get("/tickets/lookup", query_string={"number": number, "token": "nope"})
    assert response.status_code == 404 and 'role="alert"' in text_of(response)


@pytest.mark.parametrize(("missing", "zh"), [("contact", "联系方式"), ("plan", "服务计划"), ("description", "问题描述")])
def test_ticket_form_reports_the_missing_field_and_keeps_the_rest(client, missing, zh):
    form = {"plan": "S3", "subject": "sshd down", "description": "sshd is down since noon", "contact": "me@example.com"}
    form.pop(missing)
    response = client.post("/tickets/new", data=form)
    assert response.status_code == 400
    page = text_of(response)
    assert f"输入有误（{zh}）" in page and f'href="#f-{missing}"' in page
    assert 'value="sshd down"' in page


def test_ticket_form_says_how_long_a_description_must_be(en):
    form = {"plan": "S3", "subject": "sshd down", "description": "help", "contact": "me@example.com"}
    page = text_of(en.post("/tickets/new", data=form))
    assert "Invalid description: must be between 10 and 5000 characters" in page


def test_ticket_opened_from_the_assistant_records_the_outcome(app, en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    href = re.search(r'href="(/tickets/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    response = en.post("/tickets/new", data=dict(form, description="still broken", contact="me@example.com"))
    assert response.status_code == 302
    number = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    row = next(r for r in app.extensions["store"].unanswered(10) if r["query"] == IN_SCOPE.lower())
    assert row["tickets"] == 1 and number.startswith("T")


def test_long_question_goes_to_the_description_of_the_ticket_form(en):
    question = "sshd fails to start after editing sshd_config; " * 9
    page = text_of(en.get("/assistant", query_string={"question": question.strip(), "plan": "S2"}))
    href = re.search(r'href="(/tickets/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    query = parse_qs(urlsplit(href).query)
    assert len(query["subject"][0]) == 200 and query["description"] == [question.strip()]


def test_solved_question_leaves_the_unanswered_report(app, en):
    page = text_of(en.get("/assistant", query_string={"question": "rsync asks for a password every time", "plan": "S2"}))
    log_id = re.search(r'name="log_id" value="(\d+)"', page).group(1)
    assert any(r["query"] == "rsync asks for a password every time" for r in app.extensions["store"].unanswered(10))
    en.post("/assistant/solved", data={"log_id": log_id})
    assert not any(r["query"] == "rsync asks for a password every time" for r in app.extensions["store"].unanswered(10))


# --- engineers ---------------------------------------------------------------------------------------------------


def test_unanswered_lists_searches_nobody_clicked(en):
    en.get("/search", query_string={"q": "zzqqxxv"})
    page = text_of(en.get("/engineer/unanswered"))
    assert "This page is for support engineers." in page
    assert '<th scope="row">zzqqxxv</th>' in page
    assert '<meta name="robots" content="noindex">' in page


def test_problems_page_lists_rule_and_article_problems(en, knowledge):
    page = text_of(en.get("/engineer/problems"))
    assert "This page is for support engineers." in page
    for problem in knowledge.problems():
        assert problem.message in page


# --- errors ------------------------------------------------------------------------------------------------------


def test_wrong_method_is_a_405_page(en):
    response = en.post("/")
    assert response.status_code == 405
    assert "This address does not accept that method." in text_of(response)


def test_too_large_body_is_a_413_page(en):
    response = en.post("/tickets/new", data={"description": "x" * (70 * 1024)})
    assert response.status_code == 413
    assert "64 KiB" in text_of(response)


def test_unexpected_error_is_a_500_page(app, en):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = en.get("/boom")
    assert response.status_code == 500
    assert "Something broke on our side" in text_of(response)
    assert "RuntimeError" not in text_of(response)


def test_forms_need_a_csrf_token_when_protection_is_on(knowledge, tmp_path):
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"})
    try:
        client = app.test_client()
        response = client.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, headers={"Accept-Language": "en"})
        assert response.status_code == 400
        assert "The form expired" in text_of(response)
        page = text_of(client.get("/articles/ssh-host-keys-en"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes", "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.extensions["store"].close()


def test_pages_still_answer_when_the_rules_are_rechecked(client, knowledge, monkeypatch):
    monkeypatch.setattr(knowledge, "_checked", 0.0)  # force the before-request refresh to look at the files
    assert client.get("/").status_code == 200
