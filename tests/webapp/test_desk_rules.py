"""The rules on the desk: try a case, a logged answer made a test case, rule edits checked against the loader, the
rule tests and the logged decisions before they are saved, versions and rollback, and the decision-rules table."""

from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import sign_in
from tests.conftest import text_of

TRY = "/engineer/rules/try"


def _staff(app, role="editor"):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(app, client, role)
    return client


def test_an_editor_tries_a_case_and_sees_the_decision_its_trace_and_the_fired_rules(app):
    editor = _staff(app)
    page = text_of(editor.get(TRY))
    assert "Try a case" in page and 'name="reported_at"' in page
    tried = editor.post(TRY, data={"question": OUT_OF_SCOPE, "plan": "S3", "severity": "degraded",
                                   "reported_at": "2026-10-03T22:00+08:00"})
    page = text_of(tried)
    assert tried.status_code == 200 and "badge-out" in page and "How this was decided" in page
    fired = page.split('class="fired-rules"')[1].split("</ul>")[0]
    assert "<code>scope.uncatalogued_software</code>" in fired and "<code>scope.uncatalogued_install</code>" in fired
    assert app.extensions["store"].logs.decisions() == []  # a try is no customer's question
    onsite = text_of(editor.post(TRY, data={"question": "平台瘫痪", "plan": "S2", "onsite_mode": "5x8", "onsite_staff": "2",
                                            "onsite_city": "上海", "reported_at": "2026-10-03T22:00+08:00"}))
    assert "Onsite response" in onsite


def test_a_try_with_bad_input_says_which_field_and_keeps_the_form(app):
    editor = _staff(app)
    refused = editor.post(TRY, data={"question": IN_SCOPE, "plan": "S9", "reported_at": "yesterday"})
    page = text_of(refused)
    assert refused.status_code == 400 and IN_SCOPE in page  # the question is kept
    assert 'id="f-plan" name="plan" aria-invalid="true"' in page
    assert app.test_client().get(TRY).status_code == 302  # signed out: the sign-in form
