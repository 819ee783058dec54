"""Rule editing in a real Chromium (CSRF on): an admin's edit that breaks a rule test case is refused, with the case
named, and the rules in force stay as they were."""

from __future__ import annotations

import shutil

import pytest

from kb.knowledge import KnowledgeBase
from tests.conftest import DATA
from tests.conftest import STAFF_PASSWORD
from tests.webapp.conftest import CHROMIUM
from tests.webapp.conftest import serving
from tests.webapp.test_desk_browser import sign_in
from webapp import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("desk-rules")
    shutil.copytree(DATA / "rules", folder / "rules")
    kb = KnowledgeBase(folder / "rules", DATA / "articles", folder / "index", embedder=None)
    app = create_app({"KB_KNOWLEDGE": kb, "KB_DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
                      "KB_INSTANCE_DIR": str(folder), "SECRET_KEY": "desk-rules-browser-tests", "KB_RATE_LIMITS_ENABLED": False})
    app.extensions["store"].users.add("wang.fang", "admin", STAFF_PASSWORD, actor="tests")
    with serving(app) as server:
        yield f"http://127.0.0.1:{server.server_port}", folder / "rules"
    app.extensions["store"].close()


def test_an_admin_s_rule_edit_that_breaks_a_test_case_is_refused_with_the_case_named(browser, site):
    url, rules = site
    context = browser.new_context(base_url=url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    sign_in(page, "wang.fang")
    page.get_by_role("navigation").get_by_role("link", name="Rules", exact=True).click()
    page.get_by_role("link", name="decisions.yaml").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit decisions.yaml")
    original = (rules / "decisions.yaml").read_text(encoding="utf-8")
    editor = page.get_by_label("YAML")
    editor.fill(editor.input_value().replace("then: {scope: out, alternatives: [vendor]}",
                                             "then: {scope: in, alternatives: [vendor]}"))
    page.get_by_label("Note (why)").fill("code help is in scope now")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Not saved: fix the problems or the failing rule tests below.")
    failure = page.locator(".rule-test-failures li.broken")
    expect(failure).to_contain_text("code-is-out")
    expect(failure).to_contain_text("broken by this change")
    expect(failure).to_contain_text("scope: expected 'out', got 'in'")
    expect(page.get_by_label("YAML")).to_have_value(
        original.replace("then: {scope: out", "then: {scope: in"))  # nothing typed is lost
    assert (rules / "decisions.yaml").read_text(encoding="utf-8") == original
    page.goto("/engineer/rules/versions")
    expect(page.locator("main")).to_contain_text("No version saved on the desk yet")
    context.close()
