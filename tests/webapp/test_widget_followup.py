"""Follow-ups through the service: the conversation's latest answer in the decision log is the case they refine."""

from __future__ import annotations

from tests.conftest import IN_SCOPE


def ask(client, **body) -> dict:
    response = client.post("/api/v1/ask", json=dict({"lang": "en"}, **body))
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def test_a_follow_up_changes_the_plan_of_the_same_case(app, client):
    first = ask(client, question=IN_SCOPE, plan="S4")
    second = ask(client, question="我是企业版呢?", conversation=first["conversation"], follow_up=True)
    assert second["conversation"] == first["conversation"]
    assert second["case"]["plan"] == "S2" and second["case"]["text"] == IN_SCOPE
    assert second["software"] == first["software"] == "ssh"
    logged = [d["input"] for d in app.extensions["store"].logs.decisions() if d["conversation"] == first["conversation"]]
    assert [(i["question"], i["plan"]) for i in logged] == [(IN_SCOPE, "S4"), (IN_SCOPE, "S2")]


def test_a_chosen_fact_and_a_severity_follow_up_keep_the_earlier_facts(client):
    first = ask(client, question=IN_SCOPE)
    assert any(m["fact"] == "plan" for m in first["missing"])
    second = ask(client, question=IN_SCOPE, plan="S3", conversation=first["conversation"], follow_up=True)
    third = ask(client, question="what if it's urgent?", conversation=first["conversation"], follow_up=True)
    assert second["case"]["plan"] == third["case"]["plan"] == "S3"
    assert third["severity"]["id"] == "business_down" and not third["severity"]["assumed"]
    assert third["response_target_minutes"] < second["response_target_minutes"]


def test_without_follow_up_or_a_previous_answer_a_question_stands_alone(client):
    first = ask(client, question=IN_SCOPE, plan="S3")
    alone = ask(client, question="我是企业版呢?", conversation=first["conversation"])
    assert alone["case"]["text"] == "我是企业版呢?"
    fresh = ask(client, question="我是企业版呢?", conversation="n" * 24, follow_up=True)
    assert fresh["case"]["text"] == "我是企业版呢?"
