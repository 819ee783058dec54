"""The widget in a real Chromium: embedded by a host page of another origin with a strict CSP, as a customer's
console would; the knowledge base on 127.0.0.1, the hosts on localhost (other origins, same machine)."""

from __future__ import annotations

import os
import re

import pytest
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import ROOT
from tests.webapp.conftest import CHROMIUM
from tests.webapp.conftest import serving
from webapp import create_app

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

HOST_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Host console</title>
<script src="/host.js" defer></script>
<script src="{kb}/widget.js" data-plan="S3" data-lang="en" async></script></head>
<body><h1>Host console</h1><button id="before" type="button">Host button</button><p id="events"></p></body></html>"""
# The host's own script: it listens to the widget's events, as a console would (the async loader may run first).
HOST_JS = """function wire() {
  var out = document.getElementById("events");
  KBWidget.on("answer", function (a) { out.textContent += " answer:" + a.scope + ":" + a.plan; });
  KBWidget.on("ticket", function (t) { out.textContent += " ticket:" + t.number; });
}
if (window.KBWidget) wire(); else document.addEventListener("kbwidget:ready", wire);"""
FRAME_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Framing</title></head>
<body><iframe id="direct" src="{kb}/widget" title="direct"></iframe></body></html>"""


def host_app(kb_url: str):
    """A host site: nothing inline allowed, scripts and frames only from itself and the knowledge base."""
    csp = (f"default-src 'none'; script-src 'self' {kb_url}; frame-src {kb_url}; connect-src 'self'; "
           "style-src 'self'; img-src 'self'")

    @Request.application
    def app(request):
        body, kind = {"/": (HOST_PAGE, "text/html"), "/host.js": (HOST_JS, "text/javascript"),
                      "/frame.html": (FRAME_PAGE, "text/html")}.get(request.path, ("", "text/plain"))
        return Response(body.format(kb=kb_url) if kind == "text/html" else body, 200 if body else 404,
                        content_type=f"{kind}; charset=utf-8", headers={"Content-Security-Policy": csp})

    return app


@pytest.fixture(scope="module")
def sites(knowledge, tmp_path_factory):
    """The knowledge base, an allowed host and a host that is not allowed, each on its own origin."""
    folder = tmp_path_factory.mktemp("widget")
    with serving(None, "localhost") as allowed, serving(None, "localhost") as other:
        kb = create_app({"KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{folder / 'kb.sqlite3'}",
                         "KB_INSTANCE_DIR": str(folder), "SECRET_KEY": "widget-tests", "KB_RATE_LIMITS_ENABLED": False,
                         "KB_WIDGET_ORIGINS": f"http://localhost:{allowed.server_port}"})
        with serving(kb) as kb_server:
            kb_url = f"http://127.0.0.1:{kb_server.server_port}"
            allowed.app = other.app = host_app(kb_url)
            yield {"kb": kb_url, "host": f"http://localhost:{allowed.server_port}",
                   "other": f"http://localhost:{other.server_port}"}
        kb.extensions["store"].close()


@pytest.fixture
def context(browser):
    context = browser.new_context(locale="en-US", viewport={"width": 1100, "height": 800})
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture
def host(context, sites):
    """The allowed host page, with every CSP violation and page error it reports collected."""
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: page.problems.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(sites["host"] + "/")
    return page


def panel(page):
    return page.frame_locator("#kbwidget-frame")


def ask(page, question: str) -> None:
    box = panel(page).get_by_label("Your question")
    box.fill(question)
    box.press("Enter")


def latest(page):
    return panel(page).locator(".kbw-answer:not(.kbw-folded) .decision")


def test_in_and_out_of_scope_and_a_follow_up_that_changes_the_plan(host):
    host.get_by_role("button", name="Ask support").click()
    ask(host, IN_SCOPE)
    expect(latest(host).locator(".badge").first).to_have_text("In scope")
    expect(host.locator("#events")).to_have_text(" answer:in:S3")
    ask(host, "What about the Basic plan?")
    # The same case on the basic plan, which gives port-connectivity advice only.
    expect(host.locator("#events")).to_have_text(" answer:in:S3 answer:partial:S4")
    expect(latest(host).locator(".badge").first).to_have_text("Partly in scope")
    expect(panel(host).locator(".kbw-folded")).to_have_count(1)
    expect(panel(host).get_by_role("status")).to_contain_text("Answer: ")
    panel(host).get_by_role("button", name="Start over").click()
    ask(host, OUT_OF_SCOPE)
    card = latest(host)
    expect(card.locator(".badge").first).to_have_text("Out of scope")
    expect(card.locator(".alternatives")).to_contain_text("The software vendor")
    expect(host.locator("#events")).to_contain_text("answer:out:S3")
    assert host.problems == []
    if os.environ.get("KB_SCREENSHOT"):  # the README picture: KB_SCREENSHOT=1 pytest tests/webapp/test_widget_browser.py
        host.screenshot(path=str(ROOT / "docs" / "widget.png"))


def test_a_missing_plan_is_asked_for_with_choices_and_the_choice_decides(context, sites):
    page = context.new_page()
    page.goto(sites["kb"] + "/widget?lang=en")  # the panel on its own: no host, no plan given
    box = page.get_by_label("Your question")
    box.fill(IN_SCOPE)
    box.press("Enter")
    card = page.locator(".kbw-answer:not(.kbw-folded) .decision")
    expect(card.locator(".by-plan")).to_be_visible()
    choice = card.locator(".missing .choice[data-fact=plan]").first
    name = choice.inner_text()
    choice.click()
    expect(page.locator(".kbw-you").last).to_have_text(re.compile(re.escape(name) + "$"))
    expect(page.locator(".kbw-answer:not(.kbw-folded) .decision .by-plan")).to_have_count(0)
    expect(page.locator(".kbw-folded")).to_have_count(1)
    assert len(context.pages) == 1  # the choice asked in the panel; it did not open the site


def test_a_ticket_filed_from_the_widget_is_found_on_the_site(host, context, sites):
    host.get_by_role("button", name="Ask support").click()
    panel(host).get_by_role("button", name="Start over").click()
    ask(host, IN_SCOPE)
    frame = panel(host)
    frame.get_by_role("button", name="I still need help").click()
    expect(frame.get_by_label("Subject")).to_have_value(IN_SCOPE)
    expect(frame.get_by_label("Plan", exact=True)).to_have_value("S3")
    frame.get_by_label("Contact (email or phone)").fill("nobody")
    frame.get_by_label("Description").fill("After adding a Match block, sshd -t says: Bad configuration option.")
    frame.get_by_role("button", name="Submit").click()
    expect(frame.get_by_label("Contact (email or phone)")).to_be_focused()  # the field's error, announced and focused
    frame.get_by_label("Contact (email or phone)").fill("ops@example.com")
    frame.get_by_role("button", name="Submit").click()
    number = frame.locator(".kbw-receipt .ticket-number")
    expect(number).to_have_text(re.compile(r"^T\d{8}-[0-9A-Z]{6}$"))
    expect(host.locator("#events")).to_contain_text("ticket:" + number.inner_text())
    link = frame.get_by_role("link", name="Open the ticket on the help site").get_attribute("href")
    site = context.new_page()
    site.goto(sites["kb"] + link)
    expect(site.locator(".ticket-number")).to_have_text(number.inner_text())
    expect(site.locator("body")).to_contain_text("Bad configuration option")


def test_a_page_of_another_origin_cannot_frame_the_panel(context, sites):
    page = context.new_page()
    page.goto(sites["other"] + "/")
    expect(page.locator("h1")).to_have_text("Host console")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("button", name="Ask support").count() == 0  # the loader did not start
    page.goto(sites["other"] + "/frame.html")
    page.wait_for_load_state("networkidle")
    assert page.frame_locator("#direct").locator("#kbw-question").count() == 0  # frame-ancestors blocked it
    allowed = context.new_page()
    allowed.goto(sites["host"] + "/frame.html")
    expect(allowed.frame_locator("#direct").locator("#kbw-question")).to_be_attached()


def test_the_whole_flow_by_keyboard(host):
    host.locator("#before").focus()
    host.keyboard.press("Tab")
    launcher = host.get_by_role("button", name="Ask support")
    expect(launcher).to_be_focused()
    host.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box = panel(host).get_by_label("Your question")
    expect(box).to_be_focused()
    host.keyboard.type(IN_SCOPE)
    host.keyboard.press("Enter")
    expect(latest(host).locator(".badge").first).to_have_text("In scope")
    expect(box).to_be_focused()
    host.keyboard.press("Escape")
    expect(host.locator("#kbwidget-frame")).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")


def test_on_a_phone_the_panel_is_full_screen(browser, sites):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True)
    try:
        page = context.new_page()
        page.goto(sites["kb"] + "/widget/demo?lang=zh")
        page.get_by_role("button", name="智能客服").click()
        box = page.locator("#kbwidget-frame").bounding_box()
        assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
        expect(panel(page).get_by_label("您的问题")).to_be_visible()
        panel(page).get_by_role("button", name="关闭助手").click()
        expect(page.locator("#kbwidget-frame")).to_be_hidden()
    finally:
        context.close()
