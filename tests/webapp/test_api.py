"""The JSON API under /api/v1 and its OpenAPI description."""

from __future__ import annotations

import json
import re

import pytest

from kb.schemas import MAX_QUESTION
from tests.conftest import CJK
from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import ROOT
from tests.conftest import TICKET
from tests.conftest import error_of
from webapp import create_app


def post_raw(client, path: str, body: dict, **kwargs):
    """JSON with \\u escapes kept as written (a lone surrogate cannot be sent any other way)."""
    return client.post(path, data=json.dumps(body), content_type="application/json", **kwargs)


# --- search ------------------------------------------------------------------------------------------------------


def test_search_returns_hits_and_its_conversation(client):
    data = client.get("/api/v1/search", query_string={"q": "sshd fails to start", "lang": "en", "limit": 3}).json
    assert len(data["conversation"]) >= 16 and "log_id" not in data
    assert 1 <= len(data["results"]) <= 3
    hit = data["results"][0]
    assert set(hit) == {"id", "key", "title", "lang", "software", "category", "score", "snippet"}
    assert all(h["lang"] == "en" for h in data["results"])


def test_search_says_how_many_matched_and_when_nothing_is_related(client):
    """A client pages with the total, and tells "no results" from ten weak ones by `unrelated`."""
    few = client.get("/api/v1/search", query_string={"q": "ssh", "lang": "en", "limit": 2}).json
    assert len(few["results"]) == 2 and few["total"] > 2 and few["unrelated"] is False
    nonsense = client.get("/api/v1/search", query_string={"q": "asdkjh qwpoe zzxv", "lang": "en"}).json
    assert nonsense["unrelated"] is True and nonsense["total"] == len(nonsense["results"]) == 0


def test_search_corrects_english_typos_and_says_so(client):
    data = client.get("/api/v1/search", query_string={"q": "remot dekstop conection refused", "lang": "en"}).json
    assert data["suggestion"] == "remote desktop connection refused"
    assert data["results"][0]["software"] == "rdp"
    assert client.get("/api/v1/search", query_string={"q": "remote desktop"}).json["suggestion"] is None


def test_search_filters_by_software(client):
    data = client.get("/api/v1/search", query_string={"q": "port", "software": "rdp"}).json
    assert data["results"] and {h["software"] for h in data["results"]} == {"rdp"}


def test_search_speaks_chinese(client):
    data = client.get("/api/v1/search", query_string={"q": "防火墙 开放端口", "lang": "zh"}).json
    assert data["results"] and data["results"][0]["lang"] == "zh"


@pytest.mark.parametrize(("params", "field"), [
    ({}, "q"),
    ({"q": "  "}, "q"),
    ({"q": "x" * 501}, "q"),
    ({"q": "ssh", "limit": "0"}, "limit"),
    ({"q": "ssh", "limit": "51"}, "limit"),
    ({"q": "ssh", "limit": "ten"}, "limit"),
    ({"q": "ssh", "lang": "fr"}, "lang"),
    ({"q": "ssh", "software": "mysql"}, "software"),
    ({"q": "ssh", "category": "gossip"}, "category"),
])
def test_search_rejects_bad_parameters_naming_the_field(client, params, field):
    error = error_of(client.get("/api/v1/search", query_string=params), 400)
    assert error["code"] == "invalid_input"
    assert error["field"] == field


@pytest.mark.parametrize(("accept", "message"), [("en", "Invalid search text: must not be empty"),
                                                 ("zh-CN", "输入有误（搜索词）：不能为空")])
def test_error_messages_follow_the_request_language(client, accept, message):
    error = error_of(client.get("/api/v1/search", headers={"Accept-Language": accept}), 400)
    assert error["message"] == message


def test_too_long_query_message_says_the_limit_in_chinese(client):
    error = error_of(client.get("/api/v1/search", query_string={"q": "x" * 501, "lang": "zh"}), 400)
    assert error["message"] == "输入有误（搜索词）：最多 500 个字符"


@pytest.mark.parametrize(("how", "lang"), [({"headers": {"Accept-Language": "zh-CN"}}, "zh"),
                                           ({"headers": {"Accept-Language": "en-US"}}, "en")])
def test_api_search_without_lang_uses_the_request_language(client, how, lang):
    data = client.get("/api/v1/search", query_string={"q": "ssh"}, **how).json
    assert data["results"] and {h["lang"] for h in data["results"]} == {lang}


def test_api_search_without_lang_follows_the_cookie_first(client):
    client.set_cookie("lang", "en")
    data = client.get("/api/v1/search", query_string={"q": "防火墙"}, headers={"Accept-Language": "zh-CN"}).json
    assert {h["lang"] for h in data["results"]} == {"en"}


def test_api_refuses_unknown_query_parameters(client):
    error = error_of(client.get("/api/v1/search", query_string={"q": "ssh", "lnag": "en"}), 400)
    assert (error["field"], error["code"]) == ("lnag", "invalid_input")
    assert error_of(client.get("/api/v1/plans", query_string={"x": "1"}), 400)["field"] == "x"
    assert client.get("/api/v1/plans", query_string={"lang": "en"}).status_code == 200


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/api/v1/search", {"q": "ssh\x00"}, "q"),
    ("/api/v1/search", {"q": "ssh", "software": "ssh\x00"}, "software"),
    ("/api/v1/tickets/T20261201-AAAAAA", {"token": "abc\x00"}, "token"),
    ("/api/v1/tickets/T2026\x00", {"token": "abc"}, "number"),
])
def test_get_parameters_refuse_control_characters(client, path, params, field):
    assert error_of(client.get(path, query_string=params), 400)["field"] == field


# --- ask ---------------------------------------------------------------------------------------------------------


def test_ask_out_of_scope_lists_alternatives(client):
    data = client.post("/api/v1/ask", json={"question": OUT_OF_SCOPE, "plan": "S3", "lang": "en"}).json
    assert data["scope"] == "out"
    assert [a["id"] for a in data["alternatives"]] == ["software_vendor", "cloud_marketplace"]
    assert data["clause"]["source"]
    assert len(data["conversation"]) >= 16 and "log_id" not in data


def test_ask_in_scope_gives_channels_deadline_trace_and_articles(client):
    data = client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3", "severity": "degraded"}).json
    assert data["scope"] == "in" and data["software"] == "ssh"
    assert data["response_target_minutes"] == 60 and data["deadline"]
    assert [c["id"] for c in data["channels"]][:2] == ["ticket", "online"]
    assert any(r["id"] == "scope.catalog_advice" for r in data["rules"])
    assert len(data["articles"]) == 3


def test_ask_with_onsite_contract_gives_onsite_deadlines(client):
    body = {"question": IN_SCOPE, "plan": "S1", "onsite": {"mode": "5x8", "staff": 2, "city": "Shanghai"}}
    onsite = client.post("/api/v1/ask", json=body).json["onsite"]
    assert onsite["mode"] == "5x8"
    assert onsite["arrival_deadline"] and onsite["response_deadline"]


def test_ask_answers_in_the_language_asked_for(client):
    data = client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3", "lang": "zh"}).json
    assert data["lang"] == "zh" and data["channels"][0]["name"] == "工单支持"


def test_api_ask_answers_in_the_request_language(client):
    data = client.post("/api/v1/ask", json={"question": "sshd 启动失败", "plan": "S3"},
                       headers={"Accept-Language": "en"}).json
    assert data["lang"] == "en" and data["channels"][0]["name"] == "Ticket"
    assert {h["lang"] for h in data["articles"]} == {"en"}
    data = client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3"}, headers={"Accept-Language": "zh"}).json
    assert data["lang"] == "zh"
    data = client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3", "lang": "en"},
                       headers={"Accept-Language": "zh"}).json
    assert data["lang"] == "en"


@pytest.mark.parametrize(("body", "field"), [
    ({}, "question"),
    ({"question": ""}, "question"),
    ({"question": 42}, "question"),
    ({"question": "x" * (MAX_QUESTION + 1)}, "question"),
    ({"question": IN_SCOPE, "plan": "S5"}, "plan"),
    ({"question": IN_SCOPE, "plan": ["S1"]}, "plan"),
    ({"question": IN_SCOPE, "severity": "panic"}, "severity"),
    ({"question": IN_SCOPE, "lang": "de"}, "lang"),
    ({"question": IN_SCOPE, "onsite": "5x8"}, "onsite"),
    ({"question": IN_SCOPE, "onsite": {"mode": "9x5"}}, "onsite_mode"),
    ({"question": IN_SCOPE, "onsite": {"mode": "5x8", "staff": 0}}, "onsite_staff"),
    ({"question": IN_SCOPE, "onsite": {"mode": "5x8", "staff": True}}, "onsite_staff"),
    ({"question": IN_SCOPE, "onsite": {"mode": "5x8", "city": "x" * 101}}, "onsite_city"),
    ({"question": IN_SCOPE, "onsite": {"mode": "5x8", "floor": 3}}, "floor"),
    ({"question": IN_SCOPE, "urgent": True}, "urgent"),
    ([IN_SCOPE], "body"),
])
def test_ask_rejects_bad_bodies_naming_the_field(client, body, field):
    error = error_of(client.post("/api/v1/ask", json=body), 400)
    assert (error["code"], error["field"]) == ("invalid_input", field)


def test_ask_reads_all_of_a_pasted_log(client):
    """Issue 11 item 9: a question with a few thousand characters of pasted output is accepted and read whole: the
    only line that shows the case (sshd inside a container) comes after the first MAX_QUERY characters."""
    log = "\n".join(f"Nov 23 10:{i % 60:02d}:00 host kernel: audit: type=1400 apparmor=STATUS id={i}" for i in range(45))
    question = f"my server keeps refusing connections\n```\n{log}\n```\nsshd runs inside a Docker container on port 2222"
    assert 2500 < len(question) <= MAX_QUESTION
    data = client.post("/api/v1/ask", json={"question": question, "plan": "S3", "lang": "en"}).json
    assert data["scope"] == "out" and data["software"] == "ssh"
    assert "scope.outside_provider_images" in [r["id"] for r in data["rules"]]


@pytest.mark.parametrize(("body", "field"), [
    ({"question": "ssh \ud800 fails", "plan": "S3"}, "question"),
    ({"question": "ssh \x00 fails", "plan": "S3"}, "question"),
    ({"question": "ssh \x1b[31m fails"}, "question"),
    ({"question": IN_SCOPE, "onsite": {"mode": "5x8", "city": "Shang\x00hai"}}, "onsite_city"),
    ({"question": IN_SCOPE, "onsite": {"mode": "5x8", "city": "\udfff"}}, "onsite_city"),
    ({"question": IN_SCOPE, "\ud800": 1}, "body"),
])
def test_ask_refuses_surrogates_and_control_characters(client, body, field):
    error = error_of(post_raw(client, "/api/v1/ask", body, headers={"Accept-Language": "en"}), 400)
    assert (error["code"], error["field"]) == ("invalid_input", field)
    assert error["message"].startswith("Invalid ")


def test_ask_error_language_follows_the_body(client):
    error = error_of(client.post("/api/v1/ask", json={"question": "", "lang": "zh"}, headers={"Accept-Language": "en"}), 400)
    assert error["message"] == "输入有误（问题）：不能为空"
    error = error_of(client.post("/api/v1/ask", json={"question": "", "lang": "en"}), 400)
    assert error["message"] == "Invalid question: must not be empty"


@pytest.mark.parametrize(("lang", "message"), [("en", "Invalid question: must not contain control characters"),
                                               ("zh", "输入有误（问题）：不能包含控制字符")])
def test_control_character_message_names_the_field_in_both_languages(client, lang, message):
    error = error_of(post_raw(client, "/api/v1/ask", {"question": "a\x00b", "lang": lang}), 400)
    assert error["message"] == message


def test_surrogate_message_in_chinese(client):
    error = error_of(post_raw(client, "/api/v1/ask", {"question": "a\ud800b", "lang": "zh"}), 400)
    assert error["message"] == "输入有误（问题）：包含无效字符（孤立的代理码位）"


def test_ask_needs_json(client):
    error = error_of(client.post("/api/v1/ask", data={"question": IN_SCOPE}), 415)
    assert error["code"] == "unsupported_media_type"


def test_ask_with_broken_json_is_a_400(client):
    response = client.post("/api/v1/ask", data="{not json", content_type="application/json")
    assert error_of(response, 400)["field"] == "body"


@pytest.mark.parametrize("raw", ["{not json", '{"question": "x"', "\xff\xfe", ""])
def test_malformed_json_says_invalid_json(client, raw):
    response = client.post("/api/v1/ask", data=raw, content_type="application/json", headers={"Accept-Language": "en"})
    error = error_of(response, 400)
    assert error["field"] == "body"
    assert error["message"] == "Invalid request body: is not valid JSON"


def test_deeply_nested_json_is_a_400(client):
    response = client.post("/api/v1/ask", data="[" * 5000 + "]" * 5000, content_type="application/json")
    assert error_of(response, 400)["field"] == "body"


def test_ask_with_a_huge_body_is_a_413(client):
    response = client.post("/api/v1/ask", data='{"question": "' + "x" * (65 * 1024) + '"}', content_type="application/json")
    assert error_of(response, 413)["code"] == "payload_too_large"


def test_ask_needs_post(client):
    response = client.get("/api/v1/ask")
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]


def test_api_needs_no_csrf_token(knowledge, tmp_path):
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/c.db"})
    try:
        assert app.config.get("WTF_CSRF_ENABLED", True)
        response = app.test_client().post("/api/v1/ask", json={"question": IN_SCOPE})
        assert response.status_code == 200
    finally:
        app.extensions["store"].close()


# --- articles ----------------------------------------------------------------------------------------------------


def test_article_has_html_and_translation(client):
    data = client.get("/api/v1/articles/ssh-host-keys-en").json
    assert data["id"] == "ssh-host-keys-en" and data["translation_id"] == "ssh-host-keys-zh"
    assert "<h2" in data["html"] and "<script" not in data["html"]


def test_missing_article_is_a_json_404(client):
    error = error_of(client.get("/api/v1/articles/nope", headers={"Accept-Language": "en"}), 404)
    assert error["code"] == "not_found" and "field" not in error


def test_errors_never_echo_long_input(client):
    response = client.get("/api/v1/articles/" + "x" * 10_000)
    error_of(response, 404)
    assert len(response.get_data()) < 1000


def test_unknown_api_path_is_a_json_404(client):
    assert error_of(client.get("/api/v1/nothing-here"), 404)["code"] == "not_found"


# --- tickets -----------------------------------------------------------------------------------------------------


def test_ticket_is_created_and_read_back_with_its_token(client):
    response = client.post("/api/v1/tickets", json=TICKET)
    assert response.status_code == 201
    ticket = response.json
    assert {"number", "token", "deadline", "channel"} <= set(ticket)
    assert response.headers["Location"].endswith(f"/api/v1/tickets/{ticket['number']}")
    again = client.get(f"/api/v1/tickets/{ticket['number']}", query_string={"token": ticket["token"]})
    assert again.status_code == 200
    assert again.json["number"] == ticket["number"]


def test_ticket_with_the_wrong_token_is_not_found(client):
    ticket = client.post("/api/v1/tickets", json=TICKET).json
    error_of(client.get(f"/api/v1/tickets/{ticket['number']}", query_string={"token": "guess"}), 404)
    assert error_of(client.get(f"/api/v1/tickets/{ticket['number']}"), 400)["field"] == "token"


def test_api_ticket_trace_follows_the_request_language(client):
    ticket = client.post("/api/v1/tickets", json=dict(TICKET, lang="zh")).json
    assert ticket["response_kind"] == "response" and ticket["status"] == "new"
    again = client.get(f"/api/v1/tickets/{ticket['number']}", query_string={"token": ticket["token"], "lang": "en"}).json
    assert not any(CJK.search(r["reason"]) for r in again["rules"] if r["kind"] == "rule")


def test_ticket_without_optional_fields_is_created(client):
    body = {k: TICKET[k] for k in ("plan", "subject", "description", "contact")}
    assert client.post("/api/v1/tickets", json=body).status_code == 201


def test_description_may_have_line_breaks_and_tabs(client):
    response = post_raw(client, "/api/v1/tickets", dict(TICKET, description="line one\n\tline two\r\nline three"))
    assert response.status_code == 201


@pytest.mark.parametrize(("change", "field"), [
    ({"plan": None}, "plan"),
    ({"plan": "gold"}, "plan"),
    ({"severity": "meh"}, "severity"),
    ({"software": "mysql"}, "software"),
    ({"subject": ""}, "subject"),
    ({"subject": "ab"}, "subject"),
    ({"subject": "s" * 201}, "subject"),
    ({"description": "too short"}, "description"),
    ({"description": "d" * 5001}, "description"),
    ({"contact": None}, "contact"),
    ({"contact": 12345}, "contact"),
    ({"lang": "jp"}, "lang"),
    ({"priority": "high"}, "priority"),
])
def test_ticket_rejects_bad_fields(client, change, field):
    error = error_of(client.post("/api/v1/tickets", json=dict(TICKET, **change)), 400)
    assert (error["code"], error["field"]) == ("invalid_input", field)


@pytest.mark.parametrize(("change", "field"), [
    ({"subject": "sshd \ud800 fails"}, "subject"),
    ({"contact": "a@b.c\udfff"}, "contact"),
    ({"description": "NUL \x00 in the description text"}, "description"),
    ({"subject": "two\nlines"}, "subject"),
    ({"contact": "ops@example.com\x07"}, "contact"),
])
def test_ticket_refuses_surrogates_and_control_characters(client, change, field):
    error = error_of(post_raw(client, "/api/v1/tickets", dict(TICKET, **change)), 400)
    assert error["field"] == field


def test_api_ticket_lists_every_bad_field(client):
    error = error_of(client.post("/api/v1/tickets", json=dict(TICKET, subject="ab", contact="xyz")), 400)
    assert error["field"] == "subject"
    assert [e["field"] for e in error["errors"]] == ["subject", "contact"]


def test_ticket_needs_json(client):
    assert error_of(client.post("/api/v1/tickets", data=TICKET), 415)["code"] == "unsupported_media_type"


# --- rule book ---------------------------------------------------------------------------------------------------


def test_plans_come_from_the_rule_book_best_first(client):
    plans = client.get("/api/v1/plans").json["plans"]
    assert [p["id"] for p in plans] == ["S1", "S2", "S3", "S4"]
    assert plans[0]["name"] == {"zh": "旗舰版", "en": "Flagship"}


def test_catalog_lists_every_row_with_categories(client, knowledge):
    data = client.get("/api/v1/catalog").json
    assert [row["key"] for row in data["software"]] == list(knowledge.book.catalog)
    assert {c["id"] for c in data["categories"]} == {row["category"] for row in data["software"]}


def test_json_keeps_chinese_readable(client):
    assert "旗舰版" in client.get("/api/v1/plans").get_data(as_text=True)


# --- OpenAPI -----------------------------------------------------------------------------------------------------


def test_openapi_describes_every_api_route(app, client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == routes


def test_openapi_operations_have_parameters_bodies_responses_and_errors(client):
    doc = client.get("/api/openapi.json").json
    for path, item in doc["paths"].items():
        for method, op in item.items():
            assert op["responses"], (path, method)
            assert {p["name"] for p in op.get("parameters", []) if p["in"] == "path"} == set(re.findall(r"{(\w+)}", path))
            if method == "post":
                assert op["requestBody"]["content"]["application/json"]["schema"]
                assert "400" in op["responses"] and "415" in op["responses"]
    error = doc["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message"} and {"field", "errors"} <= set(error["properties"])
    refs = set(re.findall(r'"#/components/(\w+)/(\w+)"', client.get("/api/openapi.json").get_data(as_text=True)))
    assert all(name in doc["components"][kind] for kind, name in refs)


def test_openapi_says_unknown_parameters_are_refused(client):
    assert "unknown query parameters are refused" in client.get("/api/openapi.json").json["info"]["description"].lower()


def test_openapi_enums_come_from_the_rule_book(client, knowledge):
    schemas = client.get("/api/openapi.json").json["components"]["schemas"]
    book = knowledge.book

    def enum(schema):
        return schema.get("enum") or next(s["enum"] for s in schema["anyOf"] if "enum" in s)

    assert enum(schemas["AskRequest"]["properties"]["plan"]) == list(book.plans)
    assert enum(schemas["TicketRequest"]["properties"]["plan"]) == list(book.plans)
    assert enum(schemas["TicketRequest"]["properties"]["severity"]) == list(book.severities)
    assert enum(schemas["OnsiteRequest"]["properties"]["mode"]) == [m.id for m in book.onsite.modes]
    assert "x-kb-enum" not in client.get("/api/openapi.json").get_data(as_text=True)
    source = (ROOT / "webapp" / "openapi.py").read_text(encoding="utf-8")
    for plan_id in book.plans:
        assert f'"{plan_id}"' not in source
    for severity in book.severities:
        assert f'"{severity}"' not in source


def test_real_responses_match_the_description(client):
    """Each operation's real answers, good and bad, validate against the OpenAPI document's schemas."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing import Resource
    from referencing.jsonschema import DRAFT202012

    doc = client.get("/api/openapi.json").json
    registry = Registry().with_resource("urn:kb", Resource.from_contents(doc, default_specification=DRAFT202012))

    def check(response, path, method):
        spec = doc["paths"][path][method]["responses"][str(response.status_code)]
        schema = spec["content"]["application/json"]["schema"]
        Draft202012Validator({"$ref": "urn:kb" + schema["$ref"]}, registry=registry).validate(response.json)

    ticket = client.post("/api/v1/tickets", json=TICKET)
    calls = [
        (client.get("/api/v1/search", query_string={"q": "sshd fails to start"}), "/api/v1/search", "get"),
        (client.get("/api/v1/search", query_string={"q": ""}), "/api/v1/search", "get"),
        (client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3"}), "/api/v1/ask", "post"),
        (client.post("/api/v1/ask", json={"question": "平台瘫痪", "plan": "S2", "onsite": {"mode": "5x8", "staff": 2}}),
         "/api/v1/ask", "post"),
        (client.post("/api/v1/ask", json={"question": 5}), "/api/v1/ask", "post"),
        (ticket, "/api/v1/tickets", "post"),
        (client.get(f"/api/v1/tickets/{ticket.json['number']}", query_string={"token": ticket.json["token"]}),
         "/api/v1/tickets/{number}", "get"),
        (client.get("/api/v1/articles/ssh-host-keys-en"), "/api/v1/articles/{article_id}", "get"),
        (client.get("/api/v1/articles/nope"), "/api/v1/articles/{article_id}", "get"),
        (client.post("/api/v1/events", json={"conversation": "c" * 24, "kind": "solved"}), "/api/v1/events", "post"),
        (client.get("/api/v1/plans"), "/api/v1/plans", "get"),
        (client.get("/api/v1/catalog"), "/api/v1/catalog", "get"),
    ]
    for response, path, method in calls:
        check(response, path, method)


def test_an_event_counts_only_for_the_conversation_that_made_the_record(app, client):
    answer = client.post("/api/v1/ask", json={"question": IN_SCOPE, "plan": "S3"}).json
    assert client.post("/api/v1/events", json={"conversation": "x" * 24, "kind": "solved"}).json == {"recorded": False}
    assert client.post("/api/v1/events", json={"conversation": answer["conversation"], "kind": "solved"}).json == \
        {"recorded": True}
    hit = answer["articles"][0]["id"]
    assert client.post("/api/v1/events", json={"conversation": answer["conversation"], "kind": "click",
                                               "article_id": hit}).json == {"recorded": True}
    assert error_of(client.post("/api/v1/events", json={"conversation": "short", "kind": "solved"}), 400)["field"] == \
        "conversation"


@pytest.mark.parametrize(("query", "field", "code"), [("q=ssh&q=ftp", "q", "repeated"), ("q=ssh&limit=%D9%A1", "limit",
                                                                                               "not_integer")])
def test_loose_query_strings_are_refused(client, query, field, code):
    error = error_of(client.get("/api/v1/search?" + query), 400)
    assert (error["field"], error["errors"][0]["code"]) == (field, code)


def test_duplicate_json_keys_are_refused(client):
    response = client.post("/api/v1/ask", data='{"question": "ssh", "question": "ftp"}', content_type="application/json")
    error = error_of(response, 400)
    assert (error["field"], error["errors"][0]["code"]) == ("question", "repeated")


def test_a_retry_with_the_same_idempotency_key_gets_the_first_ticket(app, client):
    headers = {"Idempotency-Key": "order-7f3c2a9e-retry"}
    first = client.post("/api/v1/tickets", json=TICKET, headers=headers)
    again = client.post("/api/v1/tickets", json=TICKET, headers=headers)
    assert first.status_code == again.status_code == 201
    assert (again.json["number"], again.json["token"]) == (first.json["number"], first.json["token"])
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    error = error_of(client.post("/api/v1/tickets", json=dict(TICKET, subject="another subject"), headers=headers), 422)
    assert error["code"] == "idempotency_mismatch"
    assert error_of(client.post("/api/v1/tickets", json=TICKET, headers={"Idempotency-Key": "x"}), 400)["field"] == \
        "idempotency_key"
    with app.extensions["store"].engine.connect() as connection:
        from sqlalchemy import text as sql

        assert connection.execute(sql("SELECT count(*) FROM tickets")).scalar_one() == 1


def test_concurrent_retries_with_one_key_store_one_ticket(knowledge, tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/i.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "KB_RATE_LIMITS_ENABLED": False})

    def post(_):
        return app.test_client().post("/api/v1/tickets", json=TICKET, headers={"Idempotency-Key": "same-key-12345"}).json

    try:
        with ThreadPoolExecutor(8) as pool:
            numbers = {t["number"] for t in pool.map(post, range(16))}
        assert len(numbers) == 1
    finally:
        app.extensions["store"].close()


def test_ticket_answers_are_not_cached(client):
    ticket = client.post("/api/v1/tickets", json=TICKET)
    assert ticket.headers["Cache-Control"] == "no-store"
    again = client.get(f"/api/v1/tickets/{ticket.json['number']}", query_string={"token": ticket.json["token"]})
    assert again.headers["Cache-Control"] == "no-store"
