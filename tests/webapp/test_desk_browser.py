"""The desk in a real Chromium (CSRF on): sign in and out, an editor refused the admin pages, a ticket answered by
staff and read by its customer, and an article edited with the live preview, saved, then an earlier version
restored; two conflicting saves; the analytics page's charts and tables drawn from searches and a question logged
by a customer's browser."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from kb.knowledge import KnowledgeBase
from tests.conftest import DATA
from tests.conftest import ROOT
from tests.conftest import STAFF_PASSWORD
from tests.webapp.conftest import CHROMIUM
from tests.webapp.conftest import serving
from webapp import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("desk")
    shutil.copytree(DATA / "articles", folder / "articles")
    kb = KnowledgeBase(DATA / "rules", folder / "articles", folder / "index", embedder=None)
    kb.build_index()
    app = create_app({"KB_KNOWLEDGE": kb, "KB_DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
                      "KB_INSTANCE_DIR": str(folder), "SECRET_KEY": "desk-browser-tests", "KB_RATE_LIMITS_ENABLED": False})
    users = app.extensions["store"].users
    users.add("li.wei", "editor", STAFF_PASSWORD, actor="tests")
    users.add("wang.fang", "admin", STAFF_PASSWORD, actor="tests")
    with serving(app) as server:
        yield f"http://127.0.0.1:{server.server_port}", folder / "articles"
    app.extensions["desk_content"].wait()
    app.extensions["store"].close()


@pytest.fixture
def context(browser, site):
    context = browser.new_context(base_url=site[0], locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)
    yield context
    context.close()


def sign_in(page, name: str) -> None:
    page.goto("/engineer/tickets")
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Password").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tickets")


def test_sign_in_and_out_and_an_editor_is_refused_the_rules_and_users_pages(context):
    page = context.new_page()
    page.goto("/engineer/users")
    expect(page).to_have_url(re.compile(r"/engineer/login\?next=/engineer/users$"))
    page.get_by_label("Account name").fill("li.wei")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("That account name or password is not right.")
    sign_in(page, "li.wei")
    expect(page.locator(".signed-in")).to_have_text("Signed in as li.wei (editor)")
    for admin_page in ("/engineer/users", "/engineer/rules"):
        response = page.goto(admin_page)
        assert response.status == 403
        expect(page.locator("main")).to_contain_text("Your role does not open this page.")
    page.goto("/engineer/tickets")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/engineer/tickets")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engineer sign-in")


def test_a_ticket_answered_by_staff_is_seen_by_the_customer(context, browser, site):
    customer = context.new_page()
    customer.goto("/tickets/new")
    customer.get_by_label("Plan").select_option("GOLD")
    customer.get_by_label("Subject").fill("widgetd fails to start")
    customer.get_by_label("Description").fill("widgetd: bad option in widget.conf after an edit this morning.")
    customer.get_by_label("Contact").fill("ops@example.com")
    customer.get_by_role("button", name="Submit").click()
    number = customer.locator(".ticket-number").inner_text()
    expect(customer.locator(".replies")).to_contain_text("No reply yet.")
    staff_context = browser.new_context(base_url=site[0], locale="en-US")
    try:
        staff = staff_context.new_page()
        sign_in(staff, "li.wei")
        staff.get_by_role("link", name=number).click()
        staff.get_by_label("Reply (the customer sees it on the ticket's page)").fill("Run widgetd -t and send us its output.")
        staff.get_by_label("Then the ticket is").select_option("waiting")
        staff.get_by_role("button", name="Send the reply").click()
        expect(staff.locator(".first-response time")).to_be_visible()
    finally:
        staff_context.close()
    customer.reload()
    expect(customer.locator(".replies")).to_contain_text("Run widgetd -t and send us its output.")
    expect(customer.locator(".status")).to_have_text("Waiting for you: the engineer needs an answer")


def test_an_editor_edits_with_the_live_preview_saves_and_restores_the_earlier_version(context, site):
    page = context.new_page()
    sign_in(page, "li.wei")
    page.goto("/engineer/articles/widget-start-en/edit")
    text = page.get_by_label("Front matter and Markdown")
    original = text.input_value()
    text.fill(original.replace("## Fix", "## Fix the typo"))
    expect(page.locator("#preview h2", has_text="Fix the typo")).to_be_visible()  # live, before any save
    if os.environ.get("KB_SCREENSHOT"):  # refresh the README's picture: KB_SCREENSHOT=1 pytest tests/webapp/test_desk_browser.py
        page.screenshot(path=str(ROOT / "docs" / "desk-editor.png"))
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version 2")
    page.goto("/articles/widget-start-en")
    expect(page.get_by_role("heading", name="Fix the typo")).to_be_visible()
    page.goto("/engineer/articles/widget-start-en/versions")
    page.get_by_role("button", name="Restore version 1").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version 3")
    page.goto("/articles/widget-start-en")
    expect(page.get_by_role("heading", name="Fix", exact=True)).to_be_visible()
    assert (site[1] / "widget" / "widget-start.en.md").read_text(encoding="utf-8") == original


def test_two_editors_saving_from_the_same_version_get_a_conflict(context, browser, site):
    first = context.new_page()
    sign_in(first, "li.wei")
    other_context = browser.new_context(base_url=site[0], locale="en-US")
    try:
        second = other_context.new_page()
        sign_in(second, "wang.fang")
        for page in (first, second):
            page.goto("/engineer/articles/widget-start-zh/edit")
        box = first.get_by_label("Front matter and Markdown")
        box.fill(box.input_value() + "\nFirst editor's line.\n")
        first.get_by_role("button", name="Save", exact=True).click()
        expect(first.get_by_role("status")).to_contain_text("Saved as version")
        box = second.get_by_label("Front matter and Markdown")
        box.fill(box.input_value() + "\nSecond editor's line.\n")
        second.get_by_role("button", name="Save", exact=True).click()
        expect(second.get_by_role("alert")).to_contain_text("li.wei saved this article")
        expect(second.locator(".conflict .diff")).to_contain_text("+First editor's line.")
        expect(second.get_by_label("Front matter and Markdown")).to_have_value(re.compile("Second editor's line."))
    finally:
        other_context.close()


def _chart_and_table(page, title_id: str) -> tuple[dict, dict, dict]:
    """One report's bars (label → value, from each bar's title), their widths, and its table (first two columns)."""
    section = page.locator(f"section:has(#{title_id})")
    bars, widths = {}, {}
    for rect in section.locator("svg.chart rect").all():
        label, value = rect.locator("title").text_content().rsplit(": ", 1)
        bars[label], widths[label] = int(value), float(rect.get_attribute("width"))
    table = {row.locator("th").inner_text(): int(row.locator("td").first.inner_text())
             for row in section.locator("tbody tr").all()}
    return bars, widths, table


def test_the_analytics_page_draws_its_charts_from_logged_data(context, browser, site):
    customer_context = browser.new_context(base_url=site[0], locale="en-US")
    try:
        customer = customer_context.new_page()
        for query in ("qqzebra", "qqzebra", "qqzebra", "qqwombat"):  # searches that find nothing
            customer.goto(f"/search?q={query}")
            expect(customer.locator("main")).to_contain_text(query)
        customer.goto("/assistant?question=zzqx+blorp")  # a question no rule decides
        expect(customer.locator("main")).to_contain_text("zzqx blorp")
    finally:
        customer_context.close()
    page = context.new_page()
    sign_in(page, "li.wei")
    page.get_by_role("link", name="What customers miss").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What customers miss")
    bars, widths, table = _chart_and_table(page, "queries-title")
    assert bars == table  # the chart and the table beside it say the same
    assert bars["qqzebra"] == 3 and bars["qqwombat"] == 1 and bars["zzqx blorp"] == 1
    top = max(bars.values())
    assert all(widths[label] == round(200 * value / top, 1) for label, value in bars.items())  # scaled to the largest
    assert widths["qqzebra"] == 200 and widths["qqwombat"] == 66.7  # a third of the longest bar
    row = page.locator("section:has(#queries-title) tbody tr", has=page.locator("th", has_text="qqzebra"))
    expect(row.locator("td")).to_have_text(["3", "3", "0", "3", "0"])  # 3 searches, no question, none found anything
    bars, widths, table = _chart_and_table(page, "undecided-title")
    assert bars == table == {"zzqx blorp": 1} and widths["zzqx blorp"] == 200
