"""Tickets on the desk: the list with time left, replies the customer sees, statuses and the staff API."""

import pytest
from markupsafe import escape

from tests.conftest import open_web_ticket
from tests.conftest import sign_in
from tests.conftest import text_of
from tests.webapp.test_xss import PAYLOADS
from tests.webapp.test_xss import injected


def _number(location: str) -> str:
    return location.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def test_staff_list_tickets_with_the_time_left_to_each_deadline_and_filter_them(app, en):
    number = _number(open_web_ticket(en))
    other = _number(open_web_ticket(en, plan="S4", subject="ufw blocks port 22 after an update"))
    staff = app.test_client()
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(app, staff, "editor")
    page = text_of(staff.get("/engineer/tickets"))
    assert number in page and other in page and "New: waiting for an engineer" in page
    assert "left</span>" in page  # the site's clock stands before every deadline the rules computed
    only = text_of(staff.get("/engineer/tickets", query_string={"plan": "S4"}))
    assert other in only and number not in only
    bad = staff.get("/engineer/tickets", query_string={"status": "closed"})
    assert bad.status_code == 400 and "Invalid status" in text_of(bad)


def test_a_staff_reply_is_on_the_customer_s_page_and_the_first_response_is_recorded(app, en):
    location = open_web_ticket(en)
    number = _number(location)
    assert "No reply yet." in text_of(en.get(location))
    staff = app.test_client()
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    name = sign_in(app, staff, "editor")
    empty = staff.post(f"/engineer/tickets/{number}/reply", data={"reply": "  ", "status": "waiting"})
    assert empty.status_code == 400
    response = staff.post(f"/engineer/tickets/{number}/reply",
                          data={"reply": "Line 142 has a typo: PermitRootLogin.\nFix it and restart sshd.", "status": "waiting"})
    assert response.status_code == 302
    customer = text_of(en.get(location))
    assert "Line 142 has a typo: PermitRootLogin.\nFix it and restart sshd." in customer
    assert f"{name}, support engineer" in customer and "Waiting for you: the engineer needs an answer" in customer
    desk = text_of(staff.get(f"/engineer/tickets/{number}"))
    assert '<dd class="first-response"><time' in desk and "Deadline met" in desk
    assert staff.post(f"/engineer/tickets/{number}/status", data={"status": "resolved"}).status_code == 302
    assert "Resolved" in text_of(en.get(location))
    assert staff.post(f"/engineer/tickets/{number}/status", data={"status": "new"}).status_code == 400
    assert staff.get("/engineer/tickets/T20260101-NOSUCH").status_code == 404


def test_the_customer_reads_replies_in_chinese_too(app, client):
    location = open_web_ticket(client)
    staff = app.test_client()
    sign_in(app, staff)
    staff.post(f"/engineer/tickets/{_number(location)}/reply", data={"reply": "请检查第 142 行。", "status": "responded"})
    page = text_of(client.get(location))
    assert "请检查第 142 行。" in page and "支持工程师 test-admin" in page and "已响应" in page


def test_the_staff_api_lists_and_answers_tickets(app, en):
    number = _number(open_web_ticket(en))
    staff = app.test_client()
    sign_in(app, staff, "editor")
    listed = staff.get("/api/staff/tickets", query_string={"status": "new"}).json["tickets"]
    assert [t["number"] for t in listed] == [number] and listed[0]["due"]["kind"] == "left"
    assert "token" not in listed[0] and "token_hash" not in listed[0]
    error = staff.get("/api/staff/tickets", query_string={"colour": "red"})
    assert error.status_code == 400 and error.json["error"]["field"] == "colour"
    answered = staff.post(f"/api/staff/tickets/{number}/replies", json={"reply": "On it.", "status": "responded"})
    assert answered.status_code == 201 and answered.json["status"] == "responded"
    assert answered.json["replies"][0]["body"] == "On it." and answered.json["due"]["kind"] == "met"
    assert staff.post(f"/api/staff/tickets/{number}/replies", json={"reply": ""}).status_code == 400
    assert staff.get("/api/staff/tickets/T20260101-NOSUCH").status_code == 404


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_in_a_ticket_or_a_reply_comes_back_as_text_on_the_desk_and_the_customer_s_page(app, en, payload):
    location = open_web_ticket(en, subject=f"sshd fails {payload}", description=f"Bad configuration option {payload}")
    number = _number(location)
    staff = app.test_client()
    sign_in(app, staff)
    staff.post(f"/engineer/tickets/{number}/reply", data={"reply": f"Try this {payload}", "status": "responded"})
    for client, path in ((staff, "/engineer/tickets"), (staff, f"/engineer/tickets/{number}"), (en, location),
                         (staff, "/engineer/audit")):
        body = text_of(client.get(path))
        assert not injected(body), (path, injected(body))
    assert str(escape(f"Try this {payload}")) in text_of(en.get(location))


def test_a_refused_reply_is_shown_back_with_its_line_breaks(app):
    number = _number(open_web_ticket(app.test_client()))
    staff = app.test_client()
    sign_in(app, staff)
    response = staff.post(f"/engineer/tickets/{number}/reply", data={"reply": "first line\nsecond line", "status": "new"})
    assert response.status_code == 400 and ">first line\nsecond line</textarea>" in text_of(response)
