"""Staff accounts on the desk: nobody anonymous reaches a staff page or the staff API, roles are enforced, failed
sign-ins lock an account, and every change is in the audit log."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from kb.cli import cli
from tests.conftest import STAFF_PASSWORD
from tests.conftest import sign_in
from tests.conftest import staff_account
from tests.conftest import text_of

# Every staff address with its methods; the test below fails when a route is added to the desk but not here.
TICKET = "/engineer/tickets/T20261123-XXXXXX"
STAFF_PAGES = [("GET", "/engineer/unanswered"), ("GET", "/engineer/problems"), ("GET", "/engineer/users"),
               ("POST", "/engineer/users"), ("POST", "/engineer/users/role"), ("POST", "/engineer/users/unlock"),
               ("GET", "/engineer/audit"), ("GET", "/engineer/rules"), ("POST", "/engineer/rules/test"),
               ("GET", "/engineer/tickets"), ("GET", TICKET), ("POST", f"{TICKET}/reply"),
               ("POST", f"{TICKET}/status"), ("GET", "/engineer/password"), ("POST", "/engineer/password"),
               ("GET", f"{TICKET}/attachments/1")]
ARTICLE = "/engineer/articles/plans-overview-en"
STAFF_PAGES += [("GET", "/engineer/articles"), ("GET", f"{ARTICLE}/edit"), ("POST", f"{ARTICLE}/edit"),
                ("GET", f"{ARTICLE}/versions"), ("GET", f"{ARTICLE}/versions/1"), ("GET", f"{ARTICLE}/diff"),
                ("POST", f"{ARTICLE}/versions/1/restore"), ("GET", "/engineer/analytics"),
                ("GET", "/engineer/analytics/report.csv"), ("GET", "/engineer/articles/new"),
                ("POST", "/engineer/articles/new"), ("GET", f"{ARTICLE}/translate"), ("POST", f"{ARTICLE}/translate")]
STAFF_API = [("GET", "/api/staff/tickets"), ("GET", "/api/staff/tickets/T20261123-XXXXXX"),
             ("POST", "/api/staff/tickets/T20261123-XXXXXX/replies"),
             ("POST", "/api/staff/articles/plans-overview-en/preview"), ("POST", "/api/staff/articles/draft-preview")]
ADMIN_ONLY = [("GET", "/engineer/users"), ("POST", "/engineer/users"), ("POST", "/engineer/users/role"),
              ("POST", "/engineer/users/unlock"), ("GET", "/engineer/audit"), ("GET", "/engineer/rules"),
              ("POST", "/engineer/rules/test")]
STAFF_BLUEPRINTS = ("engineer", "desk_tickets", "desk_api", "desk_articles", "desk_articles_api",
                    "desk_analytics")
PUBLIC = {"engineer.login", "engineer.logout"}


def _example(rule) -> str:
    """A concrete address for a URL rule (its variables filled in)."""
    return (rule.rule.replace("<number>", "T20261123-XXXXXX").replace("<article_id>", "plans-overview-en")
            .replace("<int:version>", "1").replace("<int:attachment_id>", "1"))


def test_the_lists_name_every_staff_route(app):
    routes = {(method, _example(rule)) for rule in app.url_map.iter_rules()
              if rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS and rule.endpoint not in PUBLIC
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(STAFF_PAGES) | set(STAFF_API)


@pytest.mark.parametrize(("method", "path"), STAFF_PAGES)
def test_an_anonymous_visitor_reaches_no_staff_page(client, method, path):
    response = client.open(path, method=method, data={"name": "x", "role": "admin", "password": "x" * 20})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/engineer/login"


@pytest.mark.parametrize(("method", "path"), STAFF_API)
def test_an_anonymous_visitor_reaches_no_staff_api(client, method, path):
    response = client.open(path, method=method, json={})
    assert response.status_code == 401 and response.json["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_an_editor_is_refused_the_admin_pages(app, en, method, path):
    sign_in(app, en, "editor")
    response = en.open(path, method=method, data={"name": "test-editor", "role": "admin"})
    assert response.status_code == 403 and "Your role does not open this page." in text_of(response)
    assert app.extensions["store"].users.all()[0]["role"] == "editor"  # nothing changed


def test_the_nav_shows_an_editor_only_what_the_role_opens(app, en):
    sign_in(app, en, "editor")
    page = text_of(en.get("/engineer/unanswered"))
    assert "Signed in as test-editor (editor)" in page
    assert "/engineer/users" not in page and "/engineer/audit" not in page and 'href="/engineer/rules"' not in page
    assert 'href="/engineer/rules/try"' in page  # trying a case is an editor's, changing rules an admin's


def test_an_admin_sees_the_rules_in_force_and_runs_their_tests(app, en, knowledge):
    sign_in(app, en, "admin")
    page = text_of(en.get("/engineer/rules"))
    assert knowledge.book.fingerprint in page and "None: the rules in force are the files as they are." in page
    report = text_of(en.post("/engineer/rules/test"))
    assert re.search(r'<p class="rule-test-summary">\d+ passed, 0 failed</p>', report)


def test_an_admin_adds_an_account_that_can_sign_in_and_the_audit_log_says_so(app, en):
    sign_in(app, en, "admin")
    assert "Staff accounts" in text_of(en.get("/engineer/users"))
    response = en.post("/engineer/users", data={"name": "li.wei", "role": "editor", "password": "short"})
    assert response.status_code == 400 and "at least 12 characters" in text_of(response)
    assert en.post("/engineer/users", data={"name": "li.wei", "role": "editor", "password": STAFF_PASSWORD}).status_code == 302
    again = en.post("/engineer/users", data={"name": "li.wei", "role": "editor", "password": STAFF_PASSWORD})
    assert again.status_code == 409 and "There is already an account with that name." in text_of(again)
    assert en.post("/engineer/users/role", data={"name": "li.wei", "role": "admin"}).status_code == 302
    other = app.test_client()
    assert other.post("/engineer/login", data={"name": "li.wei", "password": STAFF_PASSWORD}).status_code == 302
    assert other.get("/engineer/users").status_code == 200
    entries = app.extensions["store"].audit.entries()
    assert [(e["actor"], e["action"], e["target"], e["before"], e["after"]) for e in entries[:2]] == [
        ("test-admin", "user.role", "user:li.wei", {"role": "editor"}, {"role": "admin"}),
        ("test-admin", "user.add", "user:li.wei", None, {"role": "editor"})]
    page = text_of(en.get("/engineer/audit"))
    assert "user.role" in page and "user:li.wei" in page and "test-admin" in page


def test_a_new_role_ends_the_sessions_of_that_account(app, en):
    sign_in(app, en, "editor")
    assert en.get("/engineer/unanswered").status_code == 200
    app.extensions["store"].users.set_role("test-editor", "admin", actor="tests")
    assert en.get("/engineer/unanswered").status_code == 302


def test_nobody_changes_their_own_role(app, en):
    sign_in(app, en, "admin")
    response = en.post("/engineer/users/role", data={"name": "test-admin", "role": "editor"})
    assert response.status_code == 400 and "You cannot change your own role." in text_of(response)


def test_repeated_failures_lock_the_account_even_for_the_right_password_until_an_admin_unlocks_it(app, en):
    name = staff_account(app, "editor")
    failures = app.config["KB_SETTINGS"].lockout_failures
    for _ in range(failures - 1):
        assert en.post("/engineer/login", data={"name": name, "password": "wrong-wrong-wrong"}).status_code == 401
    assert app.extensions["store"].users.all()[0]["locked_until"] is None
    locked = en.post("/engineer/login", data={"name": name, "password": "wrong-wrong-wrong"})
    assert locked.status_code == 401 and "This account is locked" in text_of(locked)
    elsewhere = app.test_client()  # another client (its own rate-limit budget): the lock is the account's
    elsewhere.environ_base.update(REMOTE_ADDR="127.0.0.2", HTTP_ACCEPT_LANGUAGE="en")
    refused = elsewhere.post("/engineer/login", data={"name": name, "password": STAFF_PASSWORD})
    assert refused.status_code == 401 and "This account is locked" in text_of(refused)
    admin = app.test_client()
    admin.environ_base.update(REMOTE_ADDR="127.0.0.3", HTTP_ACCEPT_LANGUAGE="en")
    sign_in(app, admin, "admin")
    assert "Unlock" in text_of(admin.get("/engineer/users"))
    assert admin.post("/engineer/users/unlock", data={"name": name}).status_code == 302
    assert elsewhere.post("/engineer/login", data={"name": name, "password": STAFF_PASSWORD}).status_code == 302
    actions = [e["action"] for e in app.extensions["store"].audit.entries()]
    assert actions[0] == "user.unlock" and actions.index("user.locked") > 0


def test_a_wrong_name_and_a_wrong_password_read_the_same(app, en):
    staff_account(app)
    by_name = en.post("/engineer/login", data={"name": "nobody", "password": STAFF_PASSWORD})
    by_password = en.post("/engineer/login", data={"name": "test-admin", "password": "wrong-wrong-wrong"})
    assert by_name.status_code == by_password.status_code == 401
    assert "That account name or password is not right." in text_of(by_name) and text_of(by_password)


def test_empty_sign_in_fields_are_bad_input_and_the_first_start_says_how_to_make_an_account(en):
    assert "kb users add NAME --role admin" in text_of(en.get("/engineer/login"))
    assert en.post("/engineer/login", data={"name": "", "password": ""}).status_code == 400


def test_staff_pages_are_never_cached(app, en):
    sign_in(app, en)
    assert en.get("/engineer/users").headers["Cache-Control"] == "no-store"


def test_kb_users_add_list_and_unlock(tmp_path):
    url = f"sqlite:///{tmp_path}/cli.db"
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "wang.fang", "--role", "editor", "--password-stdin", "--url", url],
                          input=STAFF_PASSWORD + "\n")
    assert added.exit_code == 0 and "added wang.fang (editor)" in added.output
    again = runner.invoke(cli, ["users", "add", "wang.fang", "--role", "admin", "--password-stdin", "--url", url],
                          input=STAFF_PASSWORD + "\n")
    assert again.exit_code == 1 and "already an account" in again.output
    short = runner.invoke(cli, ["users", "add", "zhao", "--role", "admin", "--password-stdin", "--url", url], input="short\n")
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    prompted = runner.invoke(cli, ["users", "add", "zhao", "--role", "admin", "--url", url],
                             input=f"{STAFF_PASSWORD}\n{STAFF_PASSWORD}\n")
    assert prompted.exit_code == 0, prompted.output
    listed = runner.invoke(cli, ["users", "list", "--url", url])
    assert listed.output.splitlines() == ["wang.fang\teditor", "zhao\tadmin"]
    assert runner.invoke(cli, ["users", "unlock", "nobody", "--url", url]).exit_code == 1
    assert runner.invoke(cli, ["users", "unlock", "zhao", "--url", url]).exit_code == 0


def _elsewhere(app, address: str):
    """Another browser of the same person (its own address, so its own sign-in budget)."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")
    return client


def test_a_staff_member_changes_their_own_password_and_their_other_sessions_end(app, en):
    name = sign_in(app, en, "editor")
    other = _elsewhere(app, "127.0.0.2")
    sign_in(app, other, "editor")
    new = "a much longer new passphrase"
    for client, form, field, words in (
            (en, {"current": "wrong-wrong-wrong", "password": new, "again": new}, "current",
             "That is not your current password."),
            (en, {"current": STAFF_PASSWORD, "password": new, "again": new + "!"}, "again",
             "must be the same as the new password"),
            (other, {"current": STAFF_PASSWORD, "password": STAFF_PASSWORD, "again": STAFF_PASSWORD}, "password",
             "must differ from the current password"),
            (other, {"current": STAFF_PASSWORD, "password": "too short", "again": "too short"}, "password",
             "must be at least 12 characters")):
        refused = client.post("/engineer/password", data=form)
        page = text_of(refused)
        assert refused.status_code in (400, 401) and words in page and f'id="f-{field}" name="{field}" aria-invalid' in page
    assert app.extensions["store"].users.sign_in(name, STAFF_PASSWORD, max_failures=99, lock_for=dt.timedelta(0))  # unchanged
    changed = en.post("/engineer/password", data={"current": STAFF_PASSWORD, "password": new, "again": new})
    assert changed.status_code == 302
    assert "Your other sessions are signed out." in text_of(en.get(changed.headers["Location"]))
    assert en.get("/engineer/unanswered").status_code == 200  # this session goes on
    assert other.get("/engineer/unanswered").status_code == 302  # the other one is signed out
    third = _elsewhere(app, "127.0.0.3")
    assert third.post("/engineer/login", data={"name": name, "password": STAFF_PASSWORD}).status_code == 401
    assert third.post("/engineer/login", data={"name": name, "password": new}).status_code == 302
    entry = app.extensions["store"].audit.entries()[0]
    assert (entry["actor"], entry["action"], entry["target"]) == (name, "user.password", f"user:{name}")


def test_the_password_page_is_in_chinese_too(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    sign_in(app, client, "editor")
    page = text_of(client.get("/engineer/password"))
    assert "修改您的密码" in page and "再次输入新密码" in page
