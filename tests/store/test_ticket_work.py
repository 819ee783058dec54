"""Tickets worked by staff in the store: filters, replies the customer reads, the first response time, statuses."""

import datetime as dt

import pytest

from kb.desk import deadline_state
from kb.errors import NotFound
from tests.store.test_tickets import open_ticket


def test_the_first_reply_records_the_first_response_and_the_customer_reads_every_reply(store):
    ticket = open_ticket(store)
    assert ticket["status"] == "new" and ticket["first_response_at"] is None
    first = store.tickets.reply(ticket["number"], "Please send /var/log/vsftpd.log.", "waiting", author="li.wei")
    assert first["status"] == "waiting" and first["first_response_at"]
    later = store.tickets.reply(ticket["number"], "Fixed: pasv_address was wrong.", "resolved", author="wang.fang")
    assert later["first_response_at"] == first["first_response_at"]  # the first one stays
    seen = store.tickets.get(ticket["number"], ticket["token"])
    assert [(r["author"], r["body"]) for r in seen["replies"]] == [
        ("li.wei", "Please send /var/log/vsftpd.log."), ("wang.fang", "Fixed: pasv_address was wrong.")]
    assert seen["status"] == "resolved"
    entries = store.audit.entries(target=f"ticket:{ticket['number']}")
    assert [(e["actor"], e["before"], e["after"]["status"]) for e in entries] == [
        ("wang.fang", {"status": "waiting"}, "resolved"), ("li.wei", {"status": "new"}, "waiting")]


def test_a_status_alone_is_no_response(store):
    ticket = open_ticket(store)
    moved = store.tickets.set_status(ticket["number"], "waiting", actor="li.wei")
    assert moved["status"] == "waiting" and moved["first_response_at"] is None and moved["replies"] == []
    with pytest.raises(ValueError):
        store.tickets.set_status(ticket["number"], "new", actor="li.wei")
    with pytest.raises(NotFound):
        store.tickets.reply("T20260101-NOSUCH", "hello", "responded", author="li.wei")


def test_find_filters_and_puts_the_nearest_deadline_first(store):
    late = open_ticket(store, deadline=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC))
    soon = open_ticket(store, deadline=dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), plan="S3")
    none = open_ticket(store, deadline=None, response_target_minutes=None)
    assert [t["number"] for t in store.tickets.find()] == [soon["number"], late["number"], none["number"]]
    assert [t["number"] for t in store.tickets.find(plan="S3")] == [soon["number"]]
    store.tickets.reply(late["number"], "on it", "responded", author="li.wei")
    assert [t["number"] for t in store.tickets.find(status="responded")] == [late["number"]]
    assert [t["number"] for t in store.tickets.find(status="new", software="ftp", severity="degraded")] == [
        soon["number"], none["number"]]


def test_deadline_state_counts_down_then_says_whether_the_first_response_met_it():
    deadline = "2026-11-23T12:00:00+00:00"
    at = dt.datetime(2026, 11, 23, 10, 30, tzinfo=dt.UTC)
    assert deadline_state({"deadline": deadline, "status": "new"}, at) == {"kind": "left", "minutes": 90}
    later = at + dt.timedelta(hours=2)
    assert deadline_state({"deadline": deadline, "status": "new"}, later) == {"kind": "overdue", "minutes": 30}
    assert deadline_state({"deadline": deadline, "first_response_at": "2026-11-23T11:00:00+00:00"}, at) == {
        "kind": "met", "minutes": 60}
    assert deadline_state({"deadline": deadline, "first_response_at": "2026-11-23T12:10:00+00:00"}, at) == {
        "kind": "missed", "minutes": -10}
    assert deadline_state({"deadline": deadline, "status": "resolved"}, at)["kind"] == "none"
    assert deadline_state({"deadline": None}, at)["kind"] == "none"


def test_the_customer_marks_the_ticket_solved_with_its_token_only(store):
    ticket = open_ticket(store)
    with pytest.raises(NotFound):
        store.tickets.solve(ticket["number"], "not-the-token")
    assert store.tickets.for_staff(ticket["number"])["status"] == "new"
    solved = store.tickets.solve(ticket["number"], ticket["token"])
    assert solved["status"] == "resolved" and solved["first_response_at"] is None  # no response by staff
    [entry] = store.audit.entries(target=f"ticket:{ticket['number']}")
    assert (entry["actor"], entry["action"], entry["before"], entry["after"]) == (
        "(customer)", "ticket.status", {"status": "new"}, {"status": "resolved"})
