"""End-to-end flows in a real Chromium against the real app (CSRF on), served by werkzeug in a thread."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.webapp.conftest import CHROMIUM
from tests.webapp.conftest import serving
from webapp import create_app

ROOT = Path(__file__).resolve().parent.parent
OUT_OF_SCOPE = "how do I install MySQL on my server"
IN_SCOPE = "sshd fails to start after editing sshd_config"

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture(scope="module")
def base_url(knowledge, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    app = create_app({"KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
                      "KB_INSTANCE_DIR": str(folder), "SECRET_KEY": "browser-tests",
                      # These flows file more tickets a minute than a client may (5): the budgets are tested in
                      # test_limits.py, and a fast machine would see a 429 here.
                      "KB_RATE_LIMITS_ENABLED": False})
    with serving(app) as server:
        yield f"http://127.0.0.1:{server.server_port}"
    app.extensions["store"].close()


@pytest.fixture
def page(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="en-US", viewport={"width": 1100, "height": 900})
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def page_without_js(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="en-US", java_script_enabled=False)
    yield context.new_page()
    context.close()


def ask(page, question: str, plan: str) -> None:
    page.goto("/assistant")
    page.get_by_label("Your question").fill(question)
    page.get_by_label("Plan").select_option(plan)
    page.get_by_role("button", name="Check").click()


def test_search_open_an_article_and_vote_without_javascript(page_without_js):
    page = page_without_js
    page.goto("/")
    page.get_by_label("Describe the problem or paste the error message").fill("sshd fails to start")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("mark").first).to_be_visible()
    first = page.locator(".results h3 a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for your feedback!")
    expect(page.locator(".vote")).to_contain_text("1 found this helpful")


def test_out_of_scope_question_shows_the_alternatives(page):
    ask(page, OUT_OF_SCOPE, "S3")
    card = page.locator("#decision")
    expect(card.locator(".badge")).to_have_text("Out of scope")
    expect(card.locator(".alternatives")).to_contain_text("The software vendor")
    expect(card.locator(".alternatives")).to_contain_text("Cloud marketplace")


def test_in_scope_question_then_a_ticket_with_number_and_deadline(page):
    ask(page, IN_SCOPE, "S3")
    card = page.locator("#decision")
    expect(card.locator(".badge")).to_have_text("In scope")
    card.locator("details.trace summary").click()
    expect(card.locator("details.trace li").first).to_be_visible()
    if os.environ.get("KB_SCREENSHOT"):  # refresh the README's picture: KB_SCREENSHOT=1 pytest tests/test_browser.py
        card.screenshot(path=str(ROOT / "docs" / "assistant.png"))

    page.get_by_role("button", name="I still need help").click()
    expect(page.get_by_label("Subject")).to_have_value(IN_SCOPE)
    expect(page.get_by_label("Plan")).to_have_value("S3")
    page.get_by_label("Description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
    page.get_by_label("Contact").fill("ops@example.com")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Your ticket was created.")
    expect(page.locator(".ticket-number")).to_have_text(re.compile(r"^T\d{8}-[0-9A-Z]{6}$"))
    expect(page.locator(".ticket-token")).not_to_be_empty()
    expect(page.locator(".deadline time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))


def test_language_switch_shows_chinese_and_sticks(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("How can we help?")
    page.locator(".lang-switch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("我们能帮您什么？")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_role("link", name="支持范围助手").click()
    expect(page.get_by_label("您的问题")).to_be_visible()


def test_skip_link_is_first_and_visible_on_focus(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()


# --- audit fixes (2026-12-01) ------------------------------------------------------------------------------------


@pytest.fixture
def phone(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="en-US", viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("article", ["plans-overview-en", "plans-overview-zh", "plans-third-party-software-zh"])
def test_article_tables_do_not_make_a_phone_scroll_sideways(phone, article):
    phone.goto(f"/articles/{article}")
    expect(phone.locator(".article-body table").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_assistant_on_a_phone_lands_on_the_decision(phone):
    phone.goto("/assistant")
    phone.get_by_label("Your question").fill(IN_SCOPE)
    phone.get_by_label("Plan").select_option("S3")
    phone.get_by_role("button", name="Check").click()
    expect(phone.locator("#decision .badge")).to_be_in_viewport()
    assert phone.evaluate("location.hash") == "#decision"
    marker = phone.evaluate("getComputedStyle(document.querySelector('details.trace summary'), '::before').content")
    assert "\u25b8" in marker


def test_failed_ticket_submit_focuses_the_error_summary(page):
    page.goto("/tickets/new")
    page.get_by_label("Plan").select_option("S3")
    page.get_by_label("Subject").fill("sshd down")
    page.get_by_label("Description").fill("sshd is down since noon")
    page.get_by_label("Contact").fill("xyz")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator("#form-error")).to_be_focused()
    expect(page.locator("#form-error")).to_contain_text("email address")


def test_vote_thanks_is_visible_next_to_the_form(phone):
    phone.goto("/articles/ssh-host-keys-en")
    phone.get_by_role("button", name="No").click()
    status = phone.locator(".vote [role=status]")
    expect(status).to_contain_text("Thank you for your feedback!")
    expect(status).to_be_in_viewport()
    expect(phone.locator(".vote").get_by_role("link", name="Ask the assistant")).to_be_visible()


def test_no_favicon_404(page):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.goto("/")
    page.wait_for_load_state("networkidle")
    assert failed == []


def test_a_return_link_opens_the_ticket_in_a_new_browser_without_the_token_reaching_the_server(browser, base_url, page):
    ask(page, IN_SCOPE, "S3")
    page.get_by_role("button", name="I still need help").click()
    page.get_by_label("Description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
    page.get_by_label("Contact").fill("ops@example.com")
    page.get_by_role("button", name="Submit").click()
    number = page.locator(".ticket-number").inner_text()
    token = page.locator(".ticket-token").inner_text()
    seen = []
    other = browser.new_context(base_url=base_url, locale="en-US")
    try:
        fresh = other.new_page()
        fresh.on("request", lambda request: seen.append(request.url))
        fresh.goto(f"/tickets/{number}#t={token}")
        expect(fresh.locator(".ticket-number")).to_have_text(number)
        assert fresh.url.endswith(f"/tickets/{number}") and token not in fresh.url
        assert not any(token in url for url in seen)
    finally:
        other.close()


# --- help center: browsing, finish, accessibility (issue 17) ---------------------------------------------------------

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PAGES = ["/", "/search?q=sshd+fails+to+start", "/search?q=asdkjh+qwpoe", "/search?q=port&page=2",
         "/browse/software/ssh", "/browse/kind/plan", "/browse/kind/onsite", "/articles/ssh-host-keys-en",
         "/articles/ssh-host-keys-zh", "/articles/plans-overview-zh", "/assistant",
         f"/assistant?question={OUT_OF_SCOPE}&plan=S3", "/assistant?question=我们是企业版，sshd+起不来了",
         "/tickets/new", "/tickets/lookup", "/tickets/mine", "/engineer/login", "/no-such-page"]


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now, and any landmark without a name of its
    own (axe calls those moderate)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))""")
    return [v for v in found if v["impact"] in ("serious", "critical") or v["id"].startswith("landmark")]


@pytest.fixture(params=["en-US", "zh-CN"])
def audited(request, browser, base_url):
    """A page in each language, its CSP relaxed so that the test can add axe (the site serves no such script)."""
    context = browser.new_context(base_url=base_url, locale=request.param, bypass_csp=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_serious_violation(audited, path):
    audited.goto(path)
    assert serious_violations(audited) == []


def test_axe_on_a_filed_ticket_and_an_opened_trace_in_both_languages(audited):
    audited.goto(f"/assistant?question={IN_SCOPE}&plan=S3")
    audited.locator("details.trace summary").click()
    assert serious_violations(audited) == []
    audited.locator("form[action='/assistant/need-help'] button").click()
    audited.locator("#f-description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
    audited.locator("#f-contact").fill("ops@example.com")
    audited.locator(".ticket-form button[type=submit]").click()
    expect(audited.locator(".ticket-number")).to_be_visible()
    assert serious_violations(audited) == []


def test_browse_from_home_to_an_article_and_back_by_the_breadcrumb(page):
    page.goto("/")
    page.get_by_role("link", name=re.compile("^Onsite service")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onsite service")
    first = page.locator(".article-list a").first
    title = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Onsite service").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Onsite service")
    page.get_by_role("search", name="Search the help center").get_by_role("searchbox").fill("sshd fails to start")
    page.keyboard.press("Enter")
    expect(page.locator(".results h3 a").first).to_be_visible()


def test_a_wide_code_block_takes_the_keyboard_focus_and_scrolls_with_the_arrow_keys(phone):
    phone.goto("/articles/ssh-host-keys-en")
    wide = phone.locator(".article-body pre").evaluate_all(
        "blocks => blocks.findIndex(b => b.scrollWidth > b.clientWidth)")
    assert wide >= 0
    block = phone.get_by_role("region", name=f"Code example {wide + 1}")
    block.focus()
    expect(block).to_be_focused()
    phone.keyboard.press("ArrowRight")
    phone.wait_for_function("b => b.scrollLeft > 0", arg=block.element_handle())


def test_on_a_phone_the_filters_fold_and_the_plans_are_cards(phone):
    phone.goto("/search?q=port")
    expect(phone.get_by_label("Software")).to_be_hidden()
    phone.locator("details.filters-fold summary").click()
    expect(phone.get_by_label("Software")).to_be_visible()
    phone.goto("/")
    card = phone.locator("table.plans tbody tr").first
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_on_a_desktop_the_filters_are_open(page):
    page.goto("/search?q=port")
    expect(page.get_by_label("Software")).to_be_visible()


def test_the_ticket_form_suggests_articles_after_three_latin_letters_and_a_pause(page):
    asked = []
    page.on("request", lambda r: asked.append(r.url) if "/search/suggest" in r.url else None)
    page.goto("/tickets/new")
    subject = page.get_by_label("Subject")
    subject.press_sequentially("ss", delay=50)
    page.wait_for_timeout(800)
    assert asked == [] and page.locator("#subject-suggestions li").count() == 0
    subject.press_sequentially("hd fails to start", delay=30)
    expect(page.locator("#subject-suggestions li").first).to_be_visible()
    assert len(asked) == 1  # one request after the pause, not one a keystroke
    link = page.locator("#subject-suggestions a").first
    expect(link).to_have_attribute("target", "_blank")
    expect(page.locator("#subject-suggestions")).to_contain_text("These articles may already answer it")


def test_the_ticket_form_suggests_from_two_chinese_characters(browser, base_url):
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto("/tickets/new")
        subject = page.get_by_label("主题")
        subject.press_sequentially("防", delay=50)
        page.wait_for_timeout(800)
        assert page.locator("#subject-suggestions li").count() == 0
        subject.press_sequentially("火墙", delay=50)
        expect(page.locator("#subject-suggestions li").first).to_be_visible()
        expect(page.locator("#subject-suggestions a").first).to_have_attribute("hreflang", "zh")
    finally:
        context.close()


def test_the_ticket_form_files_without_javascript_as_before(page_without_js):
    page = page_without_js
    page.goto("/tickets/new")
    page.get_by_label("Plan").select_option("S3")
    page.get_by_label("Subject").fill("sshd fails to start")
    page.get_by_label("Description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
    page.get_by_label("Contact").fill("ops@example.com")
    page.get_by_role("button", name="Submit").click()
    expect(page.locator(".ticket-number")).to_have_text(re.compile(r"^T\d{8}-[0-9A-Z]{6}$"))


# --- coming back to a ticket: attachments, mail, a staff reply, mark as solved (issue 17) -----------------------------


@pytest.fixture
def mailing_site(knowledge, tmp_path, smtp_sink):
    """The site with CSRF on, mailing a real local SMTP sink, and one staff account: (base url, inbox)."""
    from tests.conftest import STAFF_PASSWORD

    url, inbox = smtp_sink
    app = create_app({"KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
                      "KB_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "browser-tests", "KB_RATE_LIMITS_ENABLED": False,
                      "KB_SMTP_URL": url})
    app.extensions["store"].users.add("li.wei", "editor", STAFF_PASSWORD, actor="tests")
    with serving(app) as server:
        yield f"http://127.0.0.1:{server.server_port}", inbox
    app.extensions["store"].close()


def test_file_with_an_attachment_come_back_by_the_mailed_link_read_the_reply_and_mark_it_solved(browser, mailing_site,
                                                                                                  tmp_path):
    from tests.conftest import STAFF_PASSWORD
    from tests.store.test_tickets import PNG

    base, inbox = mailing_site
    shot = tmp_path / "screen.png"
    shot.write_bytes(PNG)
    filing = browser.new_context(base_url=base, locale="en-US", java_script_enabled=False)  # files without it
    page = filing.new_page()
    page.goto("/tickets/new")
    page.get_by_label("Plan").select_option("S3")
    page.get_by_label("Subject").fill(IN_SCOPE)
    page.get_by_label("Description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
    page.get_by_label("Contact").fill("ops@example.com")
    page.get_by_label("Attachments (optional)").set_input_files(str(shot))
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("status")).to_contain_text("Your ticket was created.")
    number = page.locator(".ticket-number").inner_text()
    expect(page.locator(".attachments")).to_contain_text("screen.png")
    filing.close()
    [(_, mail)] = inbox.messages
    link = re.search(r"http://\S+#t=\S+", mail.get_content()).group(0)

    desk = browser.new_context(base_url=base, locale="en-US")
    staff = desk.new_page()
    staff.goto(f"/engineer/tickets/{number}")
    staff.get_by_label("Account name").fill("li.wei")
    staff.get_by_label("Password").fill(STAFF_PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"/engineer/tickets/{number}")
    expect(staff.locator(".attachments")).to_contain_text("screen.png")
    staff.get_by_label("Reply (the customer sees it on the ticket's page)").fill("Line 142 has a typo: PermitRootLogin.")
    staff.get_by_role("button", name="Send the reply").click()
    expect(staff.locator(".replies")).to_contain_text("Line 142 has a typo")
    assert len(inbox.messages) == 2 and number in inbox.messages[1][1]["Subject"]

    other = browser.new_context(base_url=base, locale="en-US")  # another browser, with only the mailed link
    try:
        page = other.new_page()
        page.goto(link)
        expect(page.locator(".ticket-number")).to_have_text(number)
        assert "#t=" not in page.url
        expect(page.locator(".replies")).to_contain_text("Line 142 has a typo: PermitRootLogin.")
        if os.environ.get("KB_SCREENSHOT"):  # the README's picture of a ticket come back to
            page.set_viewport_size({"width": 900, "height": 1400})
            page.screenshot(path=str(ROOT.parent / "docs" / "help-ticket.png"))
        with page.expect_download() as download:
            page.get_by_role("link", name="screen.png").click()
        assert Path(download.value.path()).read_bytes() == PNG
        page.get_by_role("link", name="My requests", exact=True).click()
        page.get_by_role("link", name=re.compile(number)).click()
        page.get_by_role("button", name="Mark as solved").click()
        expect(page.get_by_role("status")).to_contain_text("the ticket is marked as solved")
        expect(page.locator(".status")).to_have_text("Resolved")
        staff.reload()
        expect(staff.locator(".status")).to_have_text("Resolved")
    finally:
        other.close()
        desk.close()


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_my_requests_mails_the_links_and_a_mailed_link_opens_the_ticket(browser, knowledge, tmp_path, smtp_sink, locale):
    url, inbox = smtp_sink
    app = create_app({"KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
                      "KB_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "browser-tests", "KB_SMTP_URL": url,
                      "KB_RATE_LIMITS_ENABLED": False})
    with serving(app) as server:
        base = f"http://127.0.0.1:{server.server_port}"
        filer = browser.new_context(base_url=base, locale=locale, bypass_csp=True)
        page = filer.new_page()
        page.goto("/tickets/new?subject=sshd+refuses+my+key&plan=S3")
        page.locator("#f-description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
        page.locator("#f-contact").fill("ops@example.com")
        page.locator(".ticket-form button[type=submit]").click()
        number = page.locator(".ticket-number").inner_text()
        filer.close()
        other = browser.new_context(base_url=base, locale=locale, bypass_csp=True)  # another device: holds nothing
        page = other.new_page()
        page.goto("/tickets/mine")
        assert serious_violations(page) == []
        page.locator("#f-contact").fill("OPS@example.com")
        page.locator("form[action='/tickets/mine/links'] button").click()
        expect(page.locator("p.notice[role=status]")).to_be_visible()
        assert serious_violations(page) == []
        link = re.search(r"http://\S+#t=\S+", inbox.messages[-1][1].get_content()).group(0)
        assert inbox.messages[-1][0] == ["OPS@example.com"] and f"/tickets/{number}#t=" in link
        page.goto(link)
        expect(page.locator(".ticket-number")).to_have_text(number)
        assert "#t=" not in page.url
        page.goto("/tickets/mine")
        expect(page.locator(f".my-requests a[href='/tickets/{number}']")).to_be_visible()
        other.close()
    app.extensions["store"].close()
