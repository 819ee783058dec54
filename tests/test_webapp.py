"""The HTML site: factory, language, every page, forms and error pages."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from kb.rules.conditions import SCOPES
from kb.search.hybrid import Results
from tests.conftest import CJK
from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import ROOT
from tests.conftest import TICKET
from tests.conftest import error_of
from tests.conftest import sign_in
from tests.conftest import text_of
from webapp import create_app
from webapp.i18n import STRINGS


def open_web_ticket(client, **changes) -> str:
    form = {k: v for k, v in dict(TICKET, **changes).items() if k != "lang" and v is not None}
    response = client.post("/tickets/new", data=form)
    assert response.status_code == 302, text_of(response)[:2000]
    return response.headers["Location"]


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


def test_engineer_token_comes_from_the_environment(knowledge, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_ENGINEER_TOKEN", "s3cret-engineer")
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/e.db",
                      "WTF_CSRF_ENABLED": False})
    try:
        client = app.test_client()
        assert client.post("/engineer/login", data={"token": "s3cret-engineer"}).status_code == 302
        assert client.get("/engineer/unanswered").status_code == 200
    finally:
        app.extensions["store"].close()


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from webapp import _saved_secret_key

    first = _saved_secret_key(tmp_path / "instance")
    assert len(first) == 64
    assert _saved_secret_key(tmp_path / "instance") == first
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_engineer_token_is_generated_once_and_logged(tmp_path, caplog):
    from webapp import _saved_engineer_token

    with caplog.at_level("WARNING"):
        first = _saved_engineer_token(tmp_path / "instance")
    assert len(first) >= 24 and first in caplog.text
    assert _saved_engineer_token(tmp_path / "instance") == first
    assert (tmp_path / "instance" / "engineer_token").stat().st_mode & 0o777 == 0o600


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


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", "/\\evil.example",
                                    " //evil.example", "/\x00/evil.example", "http:/evil.example", "/ /evil.example",
                                    "\t//evil.example", "//evil.example", "https://evil.example/"])
def test_language_switch_refuses_anything_but_a_local_path(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_keeps_local_paths_with_their_query(client):
    response = client.get("/lang/en", query_string={"next": "/search?q=ssh%20timeout&software=ssh"})
    assert response.headers["Location"] == "/search?q=ssh%20timeout&software=ssh"


def test_language_switch_on_an_article_goes_to_its_translation(client, en):
    page = text_of(en.get("/articles/ssh-host-keys-en"))
    href = re.search(r'class="lang-switch" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(href).query)["next"] == ["/articles/ssh-host-keys-zh"]
    assert en.get(href).headers["Location"] == "/articles/ssh-host-keys-zh"


def test_pages_forbid_foreign_scripts_and_framing(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_responses_vary_on_language(client):
    assert {"Accept-Language", "Cookie"} <= set(client.get("/").vary)


# --- pages -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/search", "/assistant", "/assistant/thanks", "/tickets/new", "/tickets/lookup",
                                  "/engineer/login", "/engineer/unanswered", "/engineer/problems"])
def test_every_page_has_the_shared_layout(app, client, path):
    sign_in(app, client)
    response = client.get(path)
    assert response.status_code == 200
    page = text_of(response)
    for part in ('<a class="skip-link" href="#main">', '<main id="main"', "<nav", 'class="lang-switch"', "site.css"):
        assert part in page
    assert "cdn" not in page.lower()


def test_footer_has_no_engineer_link(client):
    assert "/engineer/" not in text_of(client.get("/"))


def test_favicon_is_linked_and_served(client):
    assert 'rel="icon" href="/static/favicon.svg"' in text_of(client.get("/"))
    response = client.get("/static/favicon.svg")
    response.close()
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")


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


def test_software_filter_is_the_catalog_by_display_name(en, knowledge):
    page = text_of(en.get("/search", query_string={"q": "port"}))
    select = page[page.index('<select id="f-software"'):].split("</select>")[0]
    values = re.findall(r'<option value="([^"]+)"', select)
    assert set(values) == set(knowledge.book.catalog)
    names = re.findall(r'<option value="[^"]+">([^<]+)<', select)
    assert names == sorted(names, key=str.casefold)


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


def test_software_choice_error_lists_names_in_search_and_api(client):
    page = text_of(client.get("/search", query_string={"q": "ssh", "software": "mysql", "lang": "en"}))
    summary = page[page.index('id="form-error"'):].split("</div>")[0]
    assert "Windows Firewall" in summary and "firewall_windows" not in summary
    error = error_of(client.get("/api/v1/search", query_string={"q": "ssh", "software": "mysql", "lang": "en"}), 400)
    assert "firewall_windows" not in error["message"] and "Windows Firewall" in error["message"]


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/search", {"q": "ssh\x00timeout"}, "q"),
    ("/assistant", {"question": "ssh\x00timeout"}, "question"),
    ("/assistant", {"question": IN_SCOPE, "onsite_mode": "5x8", "onsite_city": "a\x00"}, "onsite_city"),
])
def test_pages_refuse_control_characters_on_the_field(en, path, params, field):
    response = en.get(path, query_string=params)
    assert response.status_code == 400
    assert f'id="f-{field}" name="{field}" aria-invalid="true"' in text_of(response)


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


def test_topic_articles_link_to_their_category(en):
    page = text_of(en.get("/articles/plans-overview-en"))
    assert re.search(r'href="/search\?q=[^"]*category=plan"', page)


def test_snippets_keep_no_line_breaks_and_article_tables_scroll_in_their_box():
    css = (ROOT / "webapp" / "static" / "site.css").read_text(encoding="utf-8")
    snippet = re.search(r"\.snippet \{([^}]*)\}", css).group(1)
    assert "pre-line" not in snippet
    table = re.search(r"\.article-body table \{([^}]*)\}", css).group(1)
    assert "overflow-x: auto" in table and "display: block" in table


def test_vote_thanks_the_reader_and_is_counted(app, en):
    response = en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True)
    assert "Thank you for your feedback!" in text_of(response)
    assert app.extensions["store"].vote_counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 0}
    assert "1 found this helpful, 0 did not" in text_of(en.get("/articles/ssh-host-keys-en"))


def test_vote_needs_yes_or_no(en):
    response = en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "maybe"})
    assert response.status_code == 400
    assert "Invalid vote" in text_of(response)


def test_one_vote_per_article_and_session_changing_replaces_it(app, en):
    store = app.extensions["store"]
    for _ in range(3):
        en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"})
    assert store.vote_counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 0}
    en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "no"})
    assert store.vote_counts("ssh-host-keys-en") == {"helpful": 0, "not_helpful": 1}
    other = app.test_client()
    other.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"})
    assert store.vote_counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 1}


def test_vote_thanks_sits_next_to_the_vote_form(en):
    page = text_of(en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True))
    vote = page[page.index('<section class="vote"'):]
    vote = vote[:vote.index("</section>")]
    assert "Thank you for your feedback!" in vote and 'role="status"' in vote
    assert page.count("Thank you for your feedback!") == 1
    assert 'value="yes" aria-pressed="true"' in vote


def test_no_vote_offers_the_assistant_and_the_ticket_form(en):
    page = text_of(en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "no"}, follow_redirects=True))
    vote = page[page.index('<section class="vote"'):]
    vote = vote[:vote.index("</section>")]
    assert 'href="/assistant?question=' in vote and 'href="/tickets/new?' in vote
    page = text_of(en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True))
    assert 'href="/tickets/new?' not in page[page.index('<section class="vote"'):].split("</section>")[0]


def test_missing_article_is_an_html_404_in_the_reader_language(client, en):
    response = client.get("/articles/nope")
    assert response.status_code == 404
    assert "找不到您要的内容" in text_of(response)
    assert "We could not find what you asked for." in text_of(en.get("/articles/nope"))


def test_missing_article_page_offers_a_search_box(en):
    page = text_of(en.get("/articles/nope"))
    assert 'role="search"' in page and 'action="/search"' in page


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
    assert "Onsite response" in page and "Onsite engineers" in page
    assert "Arrive by" in page or "already on site" in page


def test_decision_facts_lead_the_card(en, knowledge, monkeypatch):
    real = knowledge.render
    fact = {"id": "plan.S4.im_group", "text": "S4 has no IM group.", "source": "服务计划说明书 / 支持渠道"}
    monkeypatch.setattr(knowledge, "render", lambda decision, lang: dict(real(decision, lang), facts=[fact]))
    page = text_of(en.get("/assistant", query_string={"question": "Can I use the IM group on S4?", "plan": "S4"}))
    assert '<div class="answer-facts">' in page and "S4 has no IM group." in page
    assert page.index("S4 has no IM group.") < page.index('class="badge')


def test_decision_without_facts_has_no_answer_block(en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    assert "answer-facts" not in page


def test_out_of_scope_card_says_what_response_target_and_channels_mean(en):
    page = text_of(en.get("/assistant", query_string={"question": OUT_OF_SCOPE, "plan": "S2"}))
    assert "If you still contact support" in page and "the request itself is not covered" in page
    assert page.index("Where to go instead") < page.index("If you still contact support") < page.index("Response target")
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S2"}))
    assert "If you still contact support" not in page


def test_onsite_block_uses_names_and_says_immediately_inside_service_hours(en):
    page = text_of(en.get("/assistant", query_string={"question": "平台瘫痪", "plan": "S1",
                                                       "onsite_mode": "7x24", "onsite_staff": "2"}))
    onsite = page[page.index("Onsite response"):]
    assert "7×24 mode" in onsite and re.search(r"Level \d fault", onsite)
    assert "the onsite engineer is already on site and responds immediately" in onsite
    assert "Arrive by" not in onsite


def test_onsite_block_without_a_fault_level_shows_no_empty_deadlines(en):
    page = text_of(en.get("/assistant", query_string={"question": "what does onsite support include", "plan": "S1",
                                                       "onsite_mode": "5x8"}))
    onsite = page[page.index("Onsite response"):].split("</dl>")[0]
    assert "<dd></dd>" not in onsite and "None" not in onsite


def test_trace_has_a_visible_disclosure_marker():
    css = (ROOT / "webapp" / "static" / "site.css").read_text(encoding="utf-8")
    assert re.search(r"\.trace summary::before \{[^}]*content: \"\\25B8\"", css)


def test_assistant_form_lands_on_the_decision(en):
    page = text_of(en.get("/assistant"))
    assert 'action="/assistant#decision"' in page


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


@pytest.mark.parametrize(("params", "lang", "shown", "hidden"), [
    ({"question": IN_SCOPE, "plan": "S9"}, "en", "S1 Flagship", "S1, S2"),
    ({"question": IN_SCOPE, "severity": "urgent"}, "en", "Business unavailable", "business_down"),
    ({"question": IN_SCOPE, "severity": "urgent"}, "zh", "业务不可用", "business_down"),
    ({"question": IN_SCOPE, "onsite_mode": "9x9"}, "en", "5×8 mode", "5x8, 7x24"),
])
def test_choice_errors_list_display_names(client, params, lang, shown, hidden):
    page = text_of(client.get("/assistant", query_string=dict(params, lang=lang)))
    summary = page[page.index('id="form-error"'):].split("</div>")[0]
    assert shown in summary and hidden not in summary


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


def test_s4_ticket_says_accepted_within(en):
    page = text_of(en.get(open_web_ticket(en, plan="S4")))
    assert "accepted within 120 min" in page


def test_ticket_page_shows_plan_severity_software_description_created_and_status(en):
    page = text_of(en.get(open_web_ticket(en)))
    assert "S3 Business" in page
    assert "Business/system abnormal" in page
    assert '<dd class="software">SSH' in page
    assert "Bad configuration option: PermitRootLogn" in page
    created = re.search(r'<dd class="created"><time datetime="([^"]+)">', page).group(1)
    assert created.endswith("+08:00")
    assert "Open: waiting for an engineer" in page


def test_ticket_trace_follows_the_reader_language(app, client, en, knowledge):
    location = open_web_ticket(client)  # created with the Chinese UI
    zh_page = text_of(client.get(location))
    en_page = text_of(en.get(location))
    zh_trace = zh_page[zh_page.index('<details class="trace">'):]
    en_trace = en_page[en_page.index('<details class="trace">'):]
    assert CJK.search(zh_trace.split("<cite")[0])
    english = knowledge.render(knowledge.ask(f"{TICKET['subject']}\n{TICKET['description']}", plan="S3", severity="degraded"),
                               "en")["rules"]
    assert english and all(str(r["reason"]) in en_trace.replace("&#39;", "'") for r in english if r["kind"] == "rule")
    reasons = re.findall(r"</code> (.*?) <cite", en_trace)
    assert reasons and not any(CJK.search(r) for r in reasons)


def test_ticket_needs_its_token(en):
    form = {"plan": "S4", "subject": "ufw blocks ssh", "description": "locked out", "contact": "me@example.com"}
    location = en.post("/tickets/new", data=form).headers["Location"]
    number = urlsplit(location).path.rsplit("/", 1)[1]
    assert en.get(f"/tickets/{number}", query_string={"token": "wrong"}).status_code == 404
    assert 'action="/tickets/lookup"' in text_of(en.get(f"/tickets/{number}"))  # no token: the lookup form
    token = parse_qs(urlsplit(location).query)["token"][0]
    response = en.get("/tickets/lookup", query_string={"number": number, "token": token})
    assert response.status_code == 302 and f"/tickets/{number}?token=" in response.headers["Location"]
    response = en.get("/tickets/lookup", query_string={"number": number, "token": "nope"})
    assert response.status_code == 404 and 'role="alert"' in text_of(response)


def test_lookup_with_a_wrong_token_says_so_on_the_form(en):
    number = urlsplit(open_web_ticket(en)).path.rsplit("/", 1)[1]
    response = en.get("/tickets/lookup", query_string={"number": number, "token": "nope"})
    assert response.status_code == 404
    page = text_of(response)
    assert "No ticket with that number and access token." in page
    assert f'value="{number}"' in page and 'action="/tickets/lookup"' in page


def test_ticket_without_token_shows_the_lookup_form_with_the_number(en):
    number = urlsplit(open_web_ticket(en)).path.rsplit("/", 1)[1]
    response = en.get(f"/tickets/{number}")
    assert response.status_code == 200
    page = text_of(response)
    assert 'action="/tickets/lookup"' in page and f'value="{number}"' in page
    response = en.get(f"/tickets/{number}", query_string={"token": "wrong"})
    assert response.status_code == 404 and "No ticket with that number and access token." in text_of(response)


def test_ticket_form_and_lookup_refuse_nul(en):
    form = dict(TICKET, description="NUL \x00 in the description text")
    response = en.post("/tickets/new", data=form)
    assert response.status_code == 400 and "Invalid description: must not contain control characters" in text_of(response)
    response = en.get("/tickets/lookup", query_string={"number": "T1\x00", "token": "x"})
    assert response.status_code == 400 and 'role="alert"' in text_of(response)


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


def test_description_hint_states_the_minimum(en, client):
    assert "At least 10 characters" in text_of(en.get("/tickets/new"))
    assert "至少 10 个字" in text_of(client.get("/tickets/new"))


def test_ticket_form_reports_every_bad_field_at_once_and_focuses_the_summary(en):
    form = {"plan": "S3", "subject": "ab", "description": "short", "contact": "!!!"}
    response = en.post("/tickets/new", data=form)
    assert response.status_code == 400
    page = text_of(response)
    summary = page[page.index('id="form-error"'):].split("</div>")[0]
    assert "Please fix these 3 problems:" in summary
    for field in ("subject", "description", "contact"):
        assert f'href="#f-{field}"' in summary
        assert re.search(rf'id="f-{field}" name="{field}" aria-invalid="true" aria-describedby="[^"]*error-{field}', page)
    assert re.search(r'<div class="form-error" role="alert" id="form-error" tabindex="-1" autofocus>', page)


@pytest.mark.parametrize("contact", ["!!!", "xyz", "ops@", "123", "call me maybe"])
def test_contact_must_be_an_email_or_a_phone(en, contact):
    page = text_of(en.post("/tickets/new", data=dict(TICKET, contact=contact)))
    assert "Invalid contact: must be an email address (like name@example.com) or a phone number" in page


@pytest.mark.parametrize("contact", ["ops@example.com", "+86 138 0013 8000", "010-12345678", "(021) 6123 4567 ext 89",
                                     "13800138000"])
def test_contact_accepts_emails_and_phone_numbers(en, contact):
    assert en.post("/tickets/new", data=dict(TICKET, contact=contact)).status_code == 302


def test_ticket_opened_from_the_assistant_records_the_outcome(app, en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    href = re.search(r'href="(/tickets/new\?[^"]+)"', page).group(1).replace("&amp;", "&")
    form = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    response = en.post("/tickets/new", data=dict(form, description="still broken", contact="me@example.com"))
    assert response.status_code == 302
    number = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    row = next(r for r in app.extensions["store"].unanswered(10) if r["query"] == IN_SCOPE)
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


@pytest.mark.parametrize("path", ["/engineer/unanswered", "/engineer/problems"])
def test_engineer_pages_need_the_engineer_token(app, en, path):
    response = en.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/engineer/login"
    response = en.post("/engineer/login", data={"token": "guess"})
    assert response.status_code == 401 and "That token is not right." in text_of(response)
    assert en.get(path).status_code == 302
    sign_in(app, en)
    assert en.get(path).status_code == 200
    en.post("/engineer/logout")
    assert en.get(path).status_code == 302


def test_engineer_login_goes_back_to_the_page_asked_for(app, en):
    login = en.get("/engineer/problems").headers["Location"]
    assert parse_qs(urlsplit(login).query)["next"] == ["/engineer/problems"]
    response = en.post("/engineer/login", data={"token": app.config["KB_ENGINEER_TOKEN"], "next": "//evil.example"})
    assert response.headers["Location"] == "/engineer/unanswered"


def test_unanswered_lists_searches_nobody_clicked(app, en):
    en.get("/search", query_string={"q": "zzqqxxv"})
    sign_in(app, en)
    page = text_of(en.get("/engineer/unanswered"))
    assert "This page is for support engineers." in page
    assert '<th scope="row"><a href="/search?q=zzqqxxv">zzqqxxv</a></th>' in page
    assert '<meta name="robots" content="noindex">' in page


def test_unanswered_shows_queries_as_typed_in_the_site_time_zone(app, en):
    en.get("/search", query_string={"q": "CredSSP  Oracle"})
    sign_in(app, en)
    page = text_of(en.get("/engineer/unanswered"))
    assert ">CredSSP Oracle</a></th>" in page
    assert 'href="/search?q=CredSSP+Oracle"' in page
    assert re.search(r'<time datetime="[^"]+\+08:00">[^<]+\(UTC\+08:00\)</time>', page)


def test_problems_page_lists_rule_and_article_problems(app, en, knowledge):
    sign_in(app, en)
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
