"""The scope assistant's page, and where it leads."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from markupsafe import escape

from kb.schemas import MAX_QUESTION
from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import text_of
from webapp import create_app


def test_out_of_scope_question_shows_where_to_go_instead(en):
    page = text_of(en.get("/assistant", query_string={"question": OUT_OF_SCOPE, "plan": "S3"}))
    assert '<span class="badge badge-out">Out of scope</span>' in page
    assert "The software vendor" in page and "Cloud marketplace" in page
    assert "<blockquote>" in page and "服务计划说明书" in page
    assert '<details class="trace">' in page and "scope.uncatalogued_install" in page


def test_assistant_answers_in_chinese_for_chinese_readers(client):
    page = text_of(client.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S1", "severity": "business_down"}))
    assert "在支持范围内" in page and "15 分钟" in page and "工单支持" in page


def test_assistant_shows_onsite_deadlines(en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S1", "onsite_mode": "7x24",
                                                       "onsite_staff": "2", "onsite_city": "Beijing"}))
    assert "Onsite response" in page and "Onsite engineers" in page
    assert "already on site" in page and "Arrive by" not in page  # 7×24: always inside service hours


def test_assistant_shows_onsite_deadlines_outside_service_hours(en):
    page = text_of(en.get("/assistant", query_string={"question": "平台瘫痪", "plan": "S1", "onsite_mode": "5x8",
                                                       "onsite_staff": "2", "onsite_city": "Beijing"}))
    onsite = page[page.index("Onsite response"):]
    assert "Arrive by" in onsite and "already on site" not in onsite
    assert '<time datetime="2026-11-24T00:00:00+08:00">' in onsite  # 22:00 + 2 hours: two engineers in Beijing


def test_decision_facts_lead_the_card(en, knowledge, monkeypatch):
    real = knowledge.render
    fact = {"id": "plan.S4.im_group", "text": "S4 has no IM group.", "source": "服务计划说明书 / 支持渠道"}
    monkeypatch.setattr(knowledge, "render", lambda decision, lang: real(decision, lang).model_copy(update={"facts": [fact]}))
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


def test_assistant_form_lands_on_the_decision(en):
    page = text_of(en.get("/assistant"))
    assert 'action="/assistant#decision"' in page


@pytest.mark.parametrize(("params", "field"), [
    ({"question": "", "plan": "S3"}, "question"),
    ({"question": "x" * (MAX_QUESTION + 1)}, "question"),
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


def need_help(client, page) -> str:
    """Press "I still need help" on an answer page: where it leads (the prefilled ticket form)."""
    form = page[page.index('action="/assistant/need-help"'):].split("</form>")[0]
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', form))
    response = client.post("/assistant/need-help", data={k: v.replace("&amp;", "&").replace("&#39;", "'")
                                                         for k, v in fields.items()})
    assert response.status_code == 302
    return response.headers["Location"]


def test_this_solved_it_records_the_outcome_and_thanks(app, en):
    en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"})
    response = en.post("/assistant/solved", follow_redirects=True)
    assert response.request.path == "/assistant/thanks"
    assert "Glad it helped!" in text_of(response)
    (logged,) = app.extensions["store"].logs.decisions()
    assert [e["kind"] for e in app.extensions["store"].logs.events(logged["conversation"])] == ["solved"]


def test_solved_from_another_browser_changes_nothing(app, en):
    en.get("/assistant", query_string={"question": "rsync asks for a password every time", "plan": "S2"})
    stranger = app.test_client()
    assert stranger.post("/assistant/solved").status_code == 302  # thanked, but it refers to nothing of theirs
    assert any(r["query"] == "rsync asks for a password every time" for r in app.extensions["store"].logs.unanswered(10))


def test_a_head_request_writes_nothing(app, en):
    page = text_of(en.get("/search", query_string={"q": "sshd fails to start"}))
    link = re.findall(r'href="(/go/[a-z0-9-]+)"', page)[0]
    assert en.head(link).status_code == 302
    (logged,) = app.extensions["store"].logs.unanswered(10)
    assert logged["searches"] == 1  # still unclicked
    en.get(link)
    assert app.extensions["store"].logs.unanswered(10) == []


def test_ticket_form_is_prefilled_from_the_assistant(en):
    page = text_of(en.get("/tickets/new", query_string={"plan": "S3", "software": "ssh", "subject": IN_SCOPE}))
    assert '<option value="S3" selected>' in page and '<option value="ssh" selected>' in page
    assert f'value="{IN_SCOPE}"' in page


def test_ticket_opened_from_the_assistant_records_the_outcome(app, en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    href = need_help(en, page)
    form = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    response = en.post("/tickets/new", data=dict(form, description="still broken", contact="me@example.com"))
    assert response.status_code == 302
    number = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    row = next(r for r in app.extensions["store"].logs.unanswered(10) if r["query"] == IN_SCOPE)
    assert row["tickets"] == 1 and number.startswith("T")
    kinds = [e["kind"] for e in app.extensions["store"].logs.events(app.extensions["store"].logs.decisions()[0]["conversation"])]
    assert kinds == ["need_help", "ticket"]


def test_long_question_goes_to_the_description_of_the_ticket_form(en):
    question = "sshd fails to start after editing sshd_config; " * 9
    page = text_of(en.get("/assistant", query_string={"question": question.strip(), "plan": "S2"}))
    query = parse_qs(urlsplit(need_help(en, page)).query)
    assert len(query["subject"][0]) == 200 and query["description"] == [question.strip()]


def test_solved_question_leaves_the_unanswered_report(app, en):
    en.get("/assistant", query_string={"question": "rsync asks for a password every time", "plan": "S2"})
    assert any(r["query"] == "rsync asks for a password every time" for r in app.extensions["store"].logs.unanswered(10))
    en.post("/assistant/solved")
    assert not any(r["query"] == "rsync asks for a password every time" for r in app.extensions["store"].logs.unanswered(10))


def test_in_scope_question_shows_channels_deadline_articles_and_next_steps(en):
    page = text_of(en.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"}))
    assert '<span class="badge badge-in">In scope</span>' in page
    assert page.index("Ticket</strong>") < page.index("Online support</strong>")
    assert "120 min" in page and '<time datetime="' in page
    assert len(re.findall(r'<li class="result">', page)) == 3
    assert 'action="/assistant/solved"' in page
    query = parse_qs(urlsplit(need_help(en, page)).query)
    assert query["plan"] == ["S3"] and query["subject"] == [IN_SCOPE] and query["software"] == ["ssh"]


def test_the_decision_is_logged_with_everything_a_replay_needs(app, en):
    en.get("/assistant", query_string={"question": "平台瘫痪", "plan": "S2", "onsite_mode": "5x8", "onsite_staff": "2",
                                       "onsite_city": "上海"})
    (logged,) = app.extensions["store"].logs.decisions()
    assert logged["input"]["onsite"] == {"mode": "5x8", "staff": 2, "city": "上海"}
    assert logged["input"]["plan"] == "S2" and logged["input"]["reported_at"].endswith("+08:00")
    assert logged["fingerprint"] == app.extensions["kb"].book.fingerprint
    assert logged["fired"] and logged["decided"]["onsite"]["arrival_deadline"]


def test_without_a_search_index_the_assistant_still_decides_and_says_why(knowledge, tmp_path):
    from kb.knowledge import KnowledgeBase
    from tests.conftest import ARTICLES
    from tests.conftest import RULES

    bare = KnowledgeBase(RULES, ARTICLES, tmp_path / "no-index", embedder=knowledge.embedder)
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": bare, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/n.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False})
    try:
        client = app.test_client()
        page = client.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3", "lang": "en"})
        assert page.status_code == 200 and "In scope" in text_of(page) and "index is not built yet" in text_of(page)
        data = client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3"}).json
        assert data["scope"] == "in" and data["articles"] == [] and data["articles_note"] == "no_index"
        response = client.get("/api/v1/search", query_string={"q": "ssh"})
        assert response.status_code == 503 and response.headers["Retry-After"]
    finally:
        app.extensions["store"].close()


def test_the_form_posts_so_a_long_pasted_log_is_answered_and_its_choices_carry_it(en):
    # Thousands of characters of pasted output do not fit in an address (gunicorn takes 4 KB a request line).
    page = text_of(en.get("/assistant"))
    assert re.search(r'<form class="ask-form" action="/assistant#decision" method="post">', page)
    question = "sftp 连接失败：Received message too long 1416128\n" + "debug1: 日志行 " * 300
    answered = en.post("/assistant", data={"question": question})
    body = text_of(answered)
    assert answered.status_code == 200 and 'class="badge' in body
    # Without a plan the answer asks for it: each choice posts the question as it was asked, with the plan added.
    choices = re.search(r'<form class="inline choices" method="post" action="/assistant#decision">(.*?)</form>', body, re.S)
    assert choices and 'name="question"' in choices.group(1) and 'name="plan" value="S1"' in choices.group(1)
    assert f'value="{escape(question)}"' in choices.group(1)
