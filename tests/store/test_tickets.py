import datetime as dt
import re

import pytest
from sqlalchemy import text

from kb.errors import NotFound
from kb.store import tickets as tickets_module

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"  # a 1x1 image
                    "0000000d4944415478da636460f85f0f0002870180eb47ba920000000049454e44ae426082")
DEADLINE = dt.datetime.fromisoformat("2026-11-23T00:56:26.100994+08:00")
RULES = [{"id": "scope.catalog_basic_port_issue", "kind": "rule", "reason": "这是端口连通性问题。",
          "outcome": {"scope": "in", "prerequisites": ["prereq.advice_only"]}, "priority": 20},
         {"id": "channel.ticket", "kind": "fact", "outcome": {"channel": "ticket"}}]
TICKET = {"plan": "S4", "severity": "degraded", "software": "ftp", "subject": "FTP 被动模式列表超时",
          "description": "vsftpd 3.0.5, LIST times out in passive mode after login.", "contact": "ops@example.cn", "lang": "zh"}
DECIDED = {"scope": "in", "channel": "ticket", "response_target_minutes": 120, "response_kind": "accepted",
           "deadline": DEADLINE, "rules": RULES}


def open_ticket(store, **changes) -> dict:
    return store.tickets.create(**{**TICKET, **DECIDED, **changes})


def test_ticket_round_trip(store):
    ticket = open_ticket(store)
    assert re.fullmatch(r"T\d{8}-[0-9A-HJKMNP-TV-Z]{6}", ticket["number"])
    assert len(ticket["token"]) >= 20
    assert {k: ticket[k] for k in TICKET} == TICKET
    assert (ticket["scope"], ticket["channel"], ticket["response_target_minutes"]) == ("in", "ticket", 120)
    assert ticket["deadline"] == DEADLINE.isoformat()
    assert ticket["rules"] == RULES
    created = dt.datetime.fromisoformat(ticket["created_at"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=1)
    assert ticket["number"][1:9] == created.strftime("%Y%m%d")


def test_token_is_stored_only_as_its_hash(store):
    ticket = open_ticket(store)
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM tickets")).mappings().one()
    assert ticket["token"] not in " ".join(str(v) for v in row.values())


def test_deadline_is_a_timezone_aware_instant(store):
    open_ticket(store)
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT deadline FROM tickets")).scalar_one()
    if isinstance(stored, str):
        stored = dt.datetime.fromisoformat(stored).replace(tzinfo=dt.UTC)
    assert stored == DEADLINE


def test_ticket_without_channel_or_deadline(store):
    ticket = open_ticket(store, software=None, scope="out", channel=None, deadline=None, response_target_minutes=None,
                         rules=[])
    assert (ticket["channel"], ticket["deadline"], ticket["response_target_minutes"]) == (None, None, None)
    assert store.tickets.get(ticket["number"], ticket["token"])["scope"] == "out"


def test_one_trace_reads_in_each_language(store):
    step = RULES[0]
    both = [dict(step, reason={"zh": step["reason"], "en": "This is a port-connectivity problem."})]
    ticket = open_ticket(store, rules=both)
    assert (ticket["response_kind"], ticket["status"]) == ("accepted", "new")
    assert ticket["rules"] == [step]  # the ticket's own language
    assert store.tickets.get(ticket["number"], ticket["token"], lang="en")["rules"][0]["reason"].startswith("This is")
    assert store.tickets.get(ticket["number"], ticket["token"], lang="zh")["rules"] == [step]


def test_a_naive_deadline_is_refused(store):
    with pytest.raises(ValueError):
        open_ticket(store, deadline=dt.datetime(2026, 11, 23, 9, 0))


def test_wrong_token_or_number_is_not_found_alike(store):
    ticket = open_ticket(store)
    with pytest.raises(NotFound) as wrong_token:
        store.tickets.get(ticket["number"], ticket["token"] + "x")
    with pytest.raises(NotFound) as wrong_number:
        store.tickets.get("T20000101-AAAAAA", ticket["token"])
    with pytest.raises(NotFound):
        store.tickets.get(ticket["number"], "")
    assert str(wrong_token.value) == str(wrong_number.value)
    assert ticket["number"] not in str(wrong_token.value)


def test_ticket_length_limits_are_kept_whole(store):
    ticket = open_ticket(store, subject="abc", description="x" * 5000, contact="a" * 200, lang="en")
    assert (len(ticket["subject"]), len(ticket["description"]), len(ticket["contact"])) == (3, 5000, 200)


def test_ticket_number_collision_draws_again(store, monkeypatch):
    numbers = iter(["T20261122-AAAAAA", "T20261122-AAAAAA", "T20261122-BBBBBB"])
    monkeypatch.setattr(tickets_module, "new_number", lambda now: next(numbers))
    first, second = open_ticket(store), open_ticket(store)
    assert (first["number"], second["number"]) == ("T20261122-AAAAAA", "T20261122-BBBBBB")
    assert store.tickets.get(second["number"], second["token"])["subject"] == TICKET["subject"]


def test_held_reads_only_the_tickets_whose_token_matches_newest_first(store):
    first, second, other = open_ticket(store), open_ticket(store), open_ticket(store)
    held = store.tickets.held({first["number"]: first["token"], second["number"].lower(): second["token"],
                               other["number"]: "not-its-token", "T20260101-NOSUCH": "x"})
    assert [t["number"] for t in held] == [second["number"], first["number"]]
    assert all("token" not in t for t in held)
    assert store.tickets.held({}) == []


def test_attachments_are_stored_with_the_ticket_and_read_only_with_its_token(store):
    from kb.attachments import Attachment

    files = [Attachment("shot.png", "image/png", PNG), Attachment("sshd.log", "text/plain; charset=utf-8", b"sshd: ok\n")]
    ticket = open_ticket(store, attachments=files)
    listed = store.tickets.get(ticket["number"], ticket["token"])["attachments"]
    assert listed == ticket["attachments"]
    assert [(a["name"], a["media_type"], a["size"]) for a in listed] == [
        ("shot.png", "image/png", len(PNG)), ("sshd.log", "text/plain; charset=utf-8", 9)]
    first = store.tickets.attachment(ticket["number"], ticket["token"], listed[0]["id"])
    assert first["data"] == PNG
    assert store.tickets.attachment_for_staff(ticket["number"], listed[1]["id"])["data"] == b"sshd: ok\n"
    assert store.tickets.for_staff(ticket["number"])["attachments"] == listed
    other = open_ticket(store)
    with pytest.raises(NotFound):
        store.tickets.attachment(ticket["number"], "wrong", listed[0]["id"])
    with pytest.raises(NotFound):  # another ticket's token opens none of this ticket's files
        store.tickets.attachment(other["number"], other["token"], listed[0]["id"])


def test_links_for_a_contact_give_new_tokens_and_the_first_ones_keep_working(store, monkeypatch):
    first = open_ticket(store, contact="Ops@Example.com")
    second = open_ticket(store, contact="ops@example.com")
    open_ticket(store, contact="other@example.com")
    linked = store.tickets.links_for(" OPS@example.COM ")
    assert [t["number"] for t in linked] == [second["number"], first["number"]]  # any case, newest first
    for old, new in zip((second, first), linked, strict=True):
        assert new["token"] != old["token"]
        assert store.tickets.get(new["number"], new["token"])["number"] == old["number"]
        assert store.tickets.get(old["number"], old["token"])["number"] == old["number"]
        assert store.tickets.held({new["number"]: new["token"]})[0]["number"] == old["number"]
    with pytest.raises(NotFound):  # a link's token opens its own ticket only
        store.tickets.get(first["number"], linked[0]["token"])
    assert store.tickets.links_for("nobody@example.com") == []
    monkeypatch.setattr(tickets_module, "KEEP_LINKS", 2)
    oldest = store.tickets.links_for("ops@example.com")[1]["token"]
    for _ in range(2):
        store.tickets.links_for("ops@example.com")
    with pytest.raises(NotFound):  # each ticket keeps only its newest links
        store.tickets.get(first["number"], oldest)
    assert store.tickets.get(first["number"], first["token"])["number"] == first["number"]
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket_links")).scalar_one() == 4
