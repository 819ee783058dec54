"""The rules on the desk: try a case, a logged answer made a test case, rule edits checked against the loader, the
rule tests and the logged decisions before they are saved, versions and rollback, and the decision-rules table."""

import shutil

import pytest

from kb.knowledge import KnowledgeBase
from tests.conftest import DATA
from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import open_web_ticket
from tests.conftest import sign_in
from tests.conftest import text_of
from webapp import create_app
from webapp.desk import rules as desk_rules

TRY = "/engineer/rules/try"
EDIT = "/engineer/rules/files/decisions.yaml"


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
    unplanned = text_of(editor.post(TRY, data={"question": IN_SCOPE}))
    assert 'action="/engineer/rules/try#decision"' in unplanned and 'name="plan" value="S3"' in unplanned
    assert "/assistant#decision" not in unplanned  # a missing fact is added by trying again, not asking the assistant
    planned = text_of(editor.post(TRY, data={"question": IN_SCOPE, "plan": "S3", "software": "ssh"}))
    assert "badge-in" in planned and app.extensions["store"].logs.decisions() == []
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


def _site(tmp_path, name: str, database: str):
    """A worker: its own copy of the test rules, the shared database."""
    rules = tmp_path / name / "rules"
    shutil.copytree(DATA / "rules", rules)
    kb = KnowledgeBase(rules, DATA / "articles", tmp_path / name / "index", embedder=None)
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": kb, "KB_DATABASE_URL": database, "WTF_CSRF_ENABLED": False,
                      "KB_INSTANCE_DIR": str(tmp_path / name), "KB_RELOAD_INTERVAL": 0, "SECRET_KEY": "t"})
    return app, rules


@pytest.fixture
def sites(tmp_path):
    database = f"sqlite:///{tmp_path}/rules.db"
    made = [_site(tmp_path, name, database) for name in ("one", "two")]
    yield made
    for app, _rules in made:
        app.extensions["store"].close()


def _decisions(rules) -> str:
    return (rules / "decisions.yaml").read_text(encoding="utf-8")


def _ask(app, question: str, plan: str = "GOLD") -> str:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return text_of(client.post("/assistant", data={"question": question, "plan": plan}))


def test_an_edit_that_breaks_a_rule_test_is_refused_with_the_failing_case_named(sites):
    (app, rules), _ = sites
    admin = _staff(app, "admin")
    original = _decisions(rules)
    broken = original.replace("then: {scope: out, alternatives: [vendor]}", "then: {scope: in, alternatives: [vendor]}")
    refused = admin.post(EDIT, data={"text": broken, "base": "0", "action": "save"})
    page = text_of(refused)
    assert refused.status_code == 422 and "Not saved: fix the problems or the failing rule tests below." in page
    failures = page.split('class="rule-test-failures"')[1].split("</ul></li></ul>")[0]
    assert "tests/basic.yaml:" in failures and "code-is-out" in failures and "broken by this change" in failures
    assert "scope: expected &#39;out&#39;, got &#39;in&#39;" in failures
    assert "then: {scope: in, alternatives: [vendor]}" in page  # the editor keeps the text
    assert _decisions(rules) == original and app.extensions["store"].rule_revisions.history() == []


def test_a_file_that_does_not_load_is_shown_at_its_line(sites):
    (app, rules), _ = sites
    admin = _staff(app, "admin")
    assert "kind: decisions" in text_of(admin.get(EDIT))
    unknown = _decisions(rules).replace("    priority: 50\n", "    priority: 50\n    weight: 3\n")
    checked = text_of(admin.post(EDIT, data={"text": unknown, "base": "0", "action": "check"}))
    assert "<code>decisions.yaml:7</code> rules/0/weight: unknown key `weight`" in checked
    bad_yaml = text_of(admin.post(EDIT, data={"text": "kind: decisions\nrules: [\n", "base": "0", "action": "check"}))
    assert "<code>decisions.yaml:" in bad_yaml and "Rule tests" not in bad_yaml.split("draft-check-title")[1]


def test_a_valid_edit_is_saved_with_its_author_served_by_every_worker_and_rolled_back(sites):
    (one, rules_one), (two, rules_two) = sites
    admin = _staff(one, "admin")
    original = _decisions(rules_one)
    assert "Code development is not covered." in _ask(two, "please write code for me")
    edited = original.replace("en: Code development is not covered.", "en: Writing code is not covered.")
    saved = admin.post(EDIT, data={"text": edited, "base": "0", "action": "save", "note": "clearer"})
    assert saved.status_code == 302 and "/engineer/rules/versions?saved=1" in saved.headers["Location"]
    versions = text_of(admin.get(saved.headers["Location"]))
    assert "Saved as version 1 of the rules" in versions and "test-admin" in versions and "clearer" in versions
    assert "Writing code is not covered." in _ask(one, "please write code for me")  # the saving worker, at once
    assert "Writing code is not covered." in _ask(two, "please write code for me")  # the other, at its next look
    assert _decisions(rules_two) == edited
    audit = one.extensions["store"].audit.entries(target="rules")
    assert audit[0]["actor"] == "test-admin" and audit[0]["after"]["files"] == ["decisions.yaml"]
    diff = text_of(admin.get("/engineer/rules/versions/1"))
    assert '<span class="add">+    reason: {zh: 代码开发不在范围内。, en: Writing code is not covered.}' in diff
    stale = admin.post(EDIT, data={"text": edited.replace("Writing", "Coding"), "base": "0", "action": "save"})
    page = text_of(stale)
    assert stale.status_code == 409 and "test-admin saved the rules (version 1) after you started editing" in page
    assert '<span class="add">+    reason: {zh: 代码开发不在范围内。, en: Writing code is not covered.}' in page
    assert 'name="base" value="1"' in page and _decisions(rules_one) == edited
    assert admin.post("/engineer/rules/versions/0/rollback").status_code == 302
    assert _decisions(rules_one) == original and _decisions(rules_two) != original  # two looks at its next request
    assert "Code development is not covered." in _ask(two, "please write code for me")
    history = one.extensions["store"].rule_revisions.history()
    assert [(r["version"], r["author"], r["note"]) for r in history] == [
        (2, "test-admin", "rolled back to version 0"), (1, "test-admin", "clearer")]


def test_an_editor_may_try_cases_but_not_change_rules(sites):
    (app, rules), _ = sites
    editor = _staff(app, "editor")
    assert editor.get(EDIT).status_code == 403
    assert editor.post(EDIT, data={"text": _decisions(rules), "base": "0", "action": "save"}).status_code == 403
    assert editor.post("/engineer/rules/versions/0/rollback").status_code == 403
    assert editor.get("/engineer/rules/versions").status_code == 403
    _ask(app, "please write code for me")
    assert editor.get("/engineer/rules/log").status_code == 200
    assert editor.post("/engineer/rules/log/1", data={"id": "x", "scope": "in", "base": "0"}).status_code == 403
    assert editor.get(TRY).status_code == 200
    assert _staff(app, "admin").get("/engineer/rules/files/../plans.yaml").status_code == 404


def test_the_what_if_replay_counts_the_logged_decisions_a_change_alters_by_rule(sites):
    (app, rules), _ = sites
    for question in ("please write code for me", "please write code for me", "widgetd fails to start"):
        _ask(app, question)
    draft = _decisions(rules).replace("then: {scope: out, alternatives: [vendor]}",
                                      "then: {scope: partial, alternatives: [vendor]}")
    page = text_of(_staff(app, "admin").post(EDIT, data={"text": draft, "base": "0", "action": "check"}))
    assert "3 decisions replayed, 2 would change, 0 could not be replayed" in page
    fields = page.split('class="replay-fields"')[1].split("</table>")[0]
    assert "<code>scope</code></th><td>2</td>" in fields and "<code>software</code>" not in fields
    causes = page.split('class="replay-causes"')[1].split("</ul>\n</section>")[0]
    assert "<code>scope.code</code>: 2 changed" in causes and causes.count("please write code for me") == 2
    assert "widgetd" not in causes and 'href="/engineer/rules/log/1"' in causes


def test_the_what_if_replay_counts_a_ticket_the_change_alters_and_links_to_its_page(sites, monkeypatch):
    (app, rules), _ = sites
    _ask(app, "widgetd fails to start")
    _ask(app, "please write code for me")
    customer = app.test_client()
    customer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    number = open_web_ticket(customer, plan="GOLD", severity=None, software=None, subject="please write code for me",
                             description="a script for our nightly backups").split("?")[0].rsplit("/", 1)[-1]
    monkeypatch.setattr(desk_rules, "REPLAY_LIMIT", 2)  # the newest two of the logged answers and tickets together
    draft = _decisions(rules).replace("then: {scope: out, alternatives: [vendor]}",
                                      "then: {scope: partial, alternatives: [vendor]}")
    page = text_of(_staff(app, "admin").post(EDIT, data={"text": draft, "base": "0", "action": "check"}))
    assert "What-if replay of the logged decisions and tickets" in page
    assert "2 decisions replayed, 2 would change, 0 could not be replayed" in page
    causes = page.split('class="replay-causes"')[1].split("</ul>\n</section>")[0]
    assert "<code>scope.code</code>: 2 changed" in causes and "widgetd" not in causes
    assert f'class="replay-ticket" href="/engineer/tickets/{number}">Ticket {number}</a> please write code for me' in causes
    assert 'href="/engineer/rules/log/2"' in causes


def test_a_wrong_logged_answer_becomes_a_rule_test_case(sites):
    (app, rules), (other, rules_two) = sites
    _ask(app, "widgetd fails to start")
    admin = _staff(app, "admin")
    listed = text_of(admin.get("/engineer/rules/log"))
    assert "widgetd fails to start" in listed and "Make a test case" in listed
    form = text_of(admin.get("/engineer/rules/log/1"))
    assert 'value="log-1"' in form and '<option value="in" selected>' in form and 'value="scope.tool"' in form
    refused = admin.post("/engineer/rules/log/1", data={"id": "log-1", "base": "0"})
    assert refused.status_code == 400 and not (rules / "tests/from-log.yaml").exists()
    saved = admin.post("/engineer/rules/log/1", data={"id": "widget-start-is-partial", "scope": "partial",
                                                      "rules": "scope.tool", "base": "0"})
    assert saved.status_code == 302  # it fails until the rules give that outcome, and breaks no other case
    written = (rules / "tests/from-log.yaml").read_text(encoding="utf-8")
    assert "id: widget-start-is-partial" in written and "question: widgetd fails to start" in written
    assert "scope: partial" in written and "plan: GOLD" in written
    _ask(other, "anything")
    assert (rules_two / "tests/from-log.yaml").read_text(encoding="utf-8") == written
    again = admin.post("/engineer/rules/log/1", data={"id": "widget-start-is-partial", "scope": "partial", "base": "1"})
    assert again.status_code == 409 and "There is already a test case with that id." in text_of(again)
    report = text_of(admin.post("/engineer/rules/test"))
    assert "widget-start-is-partial" in report and "3 passed, 1 failed" in report
    assert admin.post("/engineer/rules/versions/0/rollback").status_code == 302  # the file did not exist before
    _ask(other, "anything")
    assert not (rules / "tests/from-log.yaml").exists() and not (rules_two / "tests/from-log.yaml").exists()


def test_the_rules_page_lists_the_files_and_each_decision_rule_with_its_firing_and_last_change(sites):
    (app, rules), _ = sites
    for question in ("please write code for me", "please write code for me", "widgetd fails to start"):
        _ask(app, question)
    admin = _staff(app, "admin")
    edited = _decisions(rules).replace("priority: 20", "priority: 25")
    assert admin.post(EDIT, data={"text": edited, "base": "0", "action": "save"}).status_code == 302
    page = text_of(admin.get("/engineer/rules"))
    assert 'href="/engineer/rules/files/tests/basic.yaml"' in page and 'href="/engineer/rules/files/lexicon/intake.yaml"' in page

    def row(rule_id: str) -> str:
        return page.split(f'<tr id="rule-{rule_id}">')[1].split("</tr>")[0]

    code = row("scope.code")
    assert "<code>activity</code>: develop" in code and "<code>scope</code>: out" in code
    assert "<code>alternatives</code>: vendor" in code
    assert "<td>50</td>" in code and "<code>exclude.code</code>" in code and "fixture / excludes" in code
    assert '<td class="fired">2</td>' in code and '<td class="changed">the files</td>' in code
    assert '<td class="fired">1</td>' in row("scope.tool")
    tin = row("scope.tool_on_tin")
    assert "<td>25</td>" in tin and '<td class="fired">0</td>' in tin
    assert '<a href="/engineer/rules/versions/1">test-admin</a>' in tin


def test_kb_content_export_and_import_carry_saved_rules_to_and_from_the_files(sites, tmp_path):
    """A rule saved on the desk is written into a checkout to commit; a later change in git is saved as a new
    version, so the hosts serve it instead of the desk's older text; a change that breaks a rule test is refused."""
    from click.testing import CliRunner

    from kb.cli import cli

    (app, rules), _ = sites
    admin = _staff(app, "admin")
    edited = _decisions(rules).replace("en: Code development is not covered.", "en: Writing code is not covered.")
    assert admin.post(EDIT, data={"text": edited, "base": "0", "action": "save"}).status_code == 302
    url = app.config["KB_SETTINGS"].database
    checkout = tmp_path / "checkout"
    shutil.copytree(DATA / "rules", checkout)
    runner = CliRunner()
    options = ["--rules", str(checkout), "--articles", str(DATA / "articles")]
    exported = runner.invoke(cli, [*options, "content", "export", "--url", url])
    assert exported.exit_code == 0 and "wrote rules/decisions.yaml" in exported.output
    assert (checkout / "decisions.yaml").read_text(encoding="utf-8") == edited
    (checkout / "decisions.yaml").write_text(edited.replace("Writing code", "Coding"), encoding="utf-8")  # in git
    imported = runner.invoke(cli, [*options, "content", "import", "--url", url])
    assert imported.exit_code == 0 and "rules (decisions.yaml): version 2" in imported.output, imported.output
    assert "Coding is not covered." in _ask(app, "please write code for me")
    broken = edited.replace("then: {scope: out, alternatives: [vendor]}", "then: {scope: in, alternatives: [vendor]}")
    (checkout / "decisions.yaml").write_text(broken, encoding="utf-8")
    refused = runner.invoke(cli, [*options, "content", "import", "--url", url])
    assert refused.exit_code == 1 and "nothing imported" in refused.output
    assert app.extensions["store"].rule_revisions.latest() == 2


def test_a_case_tried_with_a_draft_is_shown_beside_the_rules_in_force_and_nothing_is_kept(sites):
    (app, rules), _ = sites
    admin, original = _staff(app, "admin"), _decisions(rules)
    form = admin.get(EDIT)
    assert 'value="try"' in text_of(form) and 'name="onsite_mode"' in text_of(form)
    draft = original.replace("then: {scope: out, alternatives: [vendor]}", "then: {scope: partial, alternatives: [vendor]}")
    tried = admin.post(EDIT, data={"text": draft, "base": "0", "action": "try", "question": "please write code for me",
                                   "plan": "GOLD", "reported_at": "2026-10-03T22:00+08:00"})
    page = text_of(tried)
    assert tried.status_code == 200 and "The draft decides this case differently" in page
    table = page.split('class="draft-try-table"')[1].split("</table>")[0]
    assert '<tr class="differs"><th scope="row">≠ <code>scope</code></th><td>out</td><td>partial</td></tr>' in table
    assert '<tr><th scope="row"><code>software</code></th>' in table  # unchanged: not marked
    assert "scope.code" in table.split("<code>fired</code>")[1]
    assert "then: {scope: partial, alternatives: [vendor]}" in page and "please write code for me" in page  # kept
    assert _decisions(rules) == original and app.extensions["store"].rule_revisions.history() == []
    assert app.extensions["store"].logs.decisions() == []  # a try is no customer's question
    same = text_of(admin.post(EDIT, data={"text": original, "base": "0", "action": "try",
                                          "question": "please write code for me", "plan": "GOLD"}))
    assert "The draft decides this case as the rules in force do." in same and 'class="differs"' not in same
    refused = admin.post(EDIT, data={"text": draft, "base": "0", "action": "try", "question": "code", "plan": "S9"})
    assert refused.status_code == 400 and 'id="f-plan" name="plan" aria-invalid="true"' in text_of(refused)
    assert "scope: partial" in text_of(refused)  # the draft is kept
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    assert "用此草稿试一个案例" in text_of(admin.get(EDIT))


def test_a_case_tried_with_a_draft_that_does_not_load_shows_its_problems_at_their_line(sites):
    (app, rules), _ = sites
    unknown = _decisions(rules).replace("    priority: 50\n", "    priority: 50\n    weight: 3\n")
    page = text_of(_staff(app, "admin").post(EDIT, data={"text": unknown, "base": "0", "action": "try",
                                                         "question": "please write code for me", "plan": "GOLD"}))
    assert "<code>decisions.yaml:7</code> rules/0/weight: unknown key `weight`" in page
    assert 'class="draft-try"' not in page


def test_an_editor_may_not_try_a_case_with_a_draft(sites):
    (app, rules), _ = sites
    refused = _staff(app, "editor").post(EDIT, data={"text": _decisions(rules), "base": "0", "action": "try",
                                                     "question": "please write code for me", "plan": "GOLD"})
    assert refused.status_code == 403 and 'class="draft-try"' not in text_of(refused)
