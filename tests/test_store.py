"""The store on SQLite, and on PostgreSQL when KB_TEST_DATABASE_URL is set (each test in a schema of its own)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import make_url
from sqlalchemy import text

from kb.errors import InvalidInput
from kb.errors import NotFound
from kb.store import store as store_module
from kb.store.store import Base
from kb.store.store import Store
from tests.conftest import ROOT

PG_URL = os.environ.get("KB_TEST_DATABASE_URL")
DATABASES = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres,
                                                         pytest.mark.skipif(not PG_URL, reason="KB_TEST_DATABASE_URL not set")])]
HEAD = "0003"
TABLES = {"tickets", "votes", "search_logs", "ask_logs", "alembic_version"}
DECISION = {
    "scope": "in",
    "severity": {"id": "consulting", "name": "使用咨询", "assumed": True},
    "channels": [{"id": "ticket", "name": "工单支持"}, {"id": "online", "name": "在线支持"}],
    "response_target_minutes": 120,
    "deadline": "2026-11-23T00:56:26.100994+08:00",
    "rules": [{"id": "scope.catalog_basic_port_issue", "kind": "rule", "reason": "这是端口连通性问题。",
               "outcome": {"scope": "in", "prerequisites": ["prereq.advice_only"]}, "priority": 20},
              {"id": "channel.ticket", "kind": "fact", "outcome": {"channel": "ticket"}}],
}
TICKET = {"plan": "S4", "severity": "degraded", "software": "vsftpd", "subject": "FTP 被动模式列表超时",
          "description": "vsftpd 3.0.5, LIST times out in passive mode after login.", "contact": "ops@example.cn", "lang": "zh"}


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        return
    schema = f"kb_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(database_url):
    """A migrated Store."""
    s = Store(database_url)
    s.upgrade()
    yield s
    s.close()


def open_ticket(store: Store, decision: dict = DECISION, **changes) -> dict:
    return store.create_ticket(**{**TICKET, **changes}, decision=decision)


# Migrations


def test_upgrade_creates_every_table_and_matches_the_models(store):
    assert TABLES <= set(inspect(store.engine).get_table_names())
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diffs == []


def test_upgrade_twice_is_harmless(store):
    ticket = open_ticket(store)
    store.upgrade()
    assert store.get_ticket(ticket["number"], ticket["token"]) == {k: v for k, v in ticket.items() if k != "token"}
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]


def test_concurrent_upgrades_wait_for_each_other(database_url):
    # Separate processes, as in production; each waits for the same instant, then upgrades the empty database.
    start = time.time() + 3
    script = (f"import time; from kb.store.store import Store; time.sleep(max(0, {start} - time.time())); "
              f"Store({database_url!r}).upgrade()")
    processes = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                 for _ in range(3)]
    try:
        errors = [p.communicate(timeout=60)[1] for p in processes]
    finally:
        for p in processes:
            p.kill()
    assert [p.returncode for p in processes] == [0, 0, 0], errors
    s = Store(database_url)
    try:
        assert TABLES <= set(inspect(s.engine).get_table_names())
        with s.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [HEAD]
    finally:
        s.close()


def test_upgrade_from_0001_keeps_old_tickets_and_votes(database_url):
    from alembic import command

    from kb.store.store import alembic_config

    s = Store(database_url)
    try:
        with s.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0001")
            connection.execute(text(
                "INSERT INTO tickets (number, token_hash, plan, subject, description, contact, lang, scope, rules, created_at)"
                " VALUES ('T20261101-AAAAAA', :hash, 'S4', 'old one', 'an old ticket text', 'a@b.cn', 'zh', 'in', '[]',"
                " '2026-11-01 01:00:00')"), {"hash": hashlib.sha256(b"tok").hexdigest()})
            connection.execute(text("INSERT INTO votes (article_id, helpful, lang, created_at)"
                                    " VALUES ('a-en', true, 'en', '2026-11-01 01:00:00')"))
        s.upgrade()
        old = s.get_ticket("T20261101-AAAAAA", "tok", lang="en")
        assert (old["status"], old["response_kind"], old["rules"]) == ("open", None, [])
        assert s.vote_counts("a-en") == {"helpful": 1, "not_helpful": 0}
    finally:
        s.close()


# Tickets


def test_ticket_round_trip(store):
    ticket = open_ticket(store)
    assert re.fullmatch(r"T\d{8}-[0-9A-HJKMNP-TV-Z]{6}", ticket["number"])
    assert len(ticket["token"]) >= 20
    assert {k: ticket[k] for k in TICKET} == TICKET
    assert ticket["scope"] == "in"
    assert ticket["channel"] == "ticket"
    assert ticket["response_target_minutes"] == 120
    assert ticket["deadline"] == DECISION["deadline"]
    assert ticket["rules"] == DECISION["rules"]
    created = dt.datetime.fromisoformat(ticket["created_at"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=1)
    assert ticket["number"][1:9] == created.strftime("%Y%m%d")

    found = store.get_ticket(ticket["number"], ticket["token"])
    assert "token" not in found
    assert found == {k: v for k, v in ticket.items() if k != "token"}
    assert store.get_ticket(f" {ticket['number'].lower()} ", ticket["token"]) == found


def test_token_is_stored_only_as_its_hash(store):
    ticket = open_ticket(store)
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM tickets")).mappings().one()
    assert ticket["token"] not in {str(v) for v in row.values()}
    assert row["token_hash"] == hashlib.sha256(ticket["token"].encode()).hexdigest()


def test_deadline_is_a_timezone_aware_instant(store):
    open_ticket(store)
    with store.engine.connect() as connection:
        row = connection.execute(text("SELECT deadline FROM tickets")).scalar_one()
    stored = row if isinstance(row, dt.datetime) else dt.datetime.fromisoformat(row).replace(tzinfo=dt.UTC)
    assert stored == dt.datetime.fromisoformat(DECISION["deadline"])


def test_ticket_without_channel_or_deadline_and_with_the_assumed_severity(store):
    decision = {"scope": "out", "severity": {"id": "consulting"}, "channels": [], "deadline": None, "rules": []}
    ticket = open_ticket(store, severity=None, software=None, decision=decision)
    assert (ticket["channel"], ticket["deadline"], ticket["response_target_minutes"]) == (None, None, None)
    assert ticket["severity"] == "consulting"
    assert store.get_ticket(ticket["number"], ticket["token"])["scope"] == "out"


def test_ticket_keeps_response_kind_status_and_one_trace_in_both_languages(store):
    step = DECISION["rules"][0]
    both = [dict(step, reason={"zh": step["reason"], "en": "This is a port-connectivity problem."})]
    ticket = open_ticket(store, decision=dict(DECISION, response_kind="accepted", rules=both))
    assert (ticket["response_kind"], ticket["status"]) == ("accepted", "open")
    assert ticket["rules"] == [step]  # the ticket's own language
    assert store.get_ticket(ticket["number"], ticket["token"], lang="en")["rules"][0]["reason"].startswith("This is")
    assert store.get_ticket(ticket["number"], ticket["token"], lang="zh")["rules"] == [step]
    with pytest.raises(InvalidInput) as exc:
        open_ticket(store, decision=dict(DECISION, rules=["not a step"]))
    assert exc.value.field == "rules"


def test_upgrade_from_0002_folds_the_per_language_traces_into_one(database_url):
    from alembic import command

    from kb.store.store import alembic_config

    zh = [{"id": "r1", "kind": "rule", "reason": "理由"}, {"id": "channel.ticket", "kind": "fact", "reason": "工单支持"}]
    en = [dict(zh[0], reason="why"), dict(zh[1], reason="Ticket")]
    s = Store(database_url)
    try:
        with s.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0002")
            connection.execute(text(
                "INSERT INTO tickets (number, token_hash, plan, subject, description, contact, lang, scope, rules, traces,"
                " created_at) VALUES ('T20261130-BBBBBB', :hash, 'S3', 'two', 'a ticket of 0002', 'a@b.cn', 'zh', 'in',"
                " :rules, :traces, '2026-11-30 01:00:00')"),
                {"hash": hashlib.sha256(b"tok").hexdigest(), "rules": json.dumps(zh), "traces": json.dumps({"zh": zh, "en": en})})
        s.upgrade()
        assert s.get_ticket("T20261130-BBBBBB", "tok", lang="en")["rules"] == en
        assert s.get_ticket("T20261130-BBBBBB", "tok", lang="zh")["rules"] == zh
    finally:
        s.close()


def test_wrong_token_or_number_is_not_found_alike(store):
    ticket = open_ticket(store)
    with pytest.raises(NotFound) as wrong_token:
        store.get_ticket(ticket["number"], ticket["token"] + "x")
    with pytest.raises(NotFound) as wrong_number:
        store.get_ticket("T20000101-AAAAAA", ticket["token"])
    with pytest.raises(NotFound):
        store.get_ticket(ticket["number"], "")
    assert str(wrong_token.value) == str(wrong_number.value)
    assert ticket["number"] not in str(wrong_token.value)


@pytest.mark.parametrize(("field", "value"), [
    ("subject", "ab"), ("subject", "x" * 201), ("subject", "   ab   "), ("subject", None),
    ("description", "too short"), ("description", "x" * 5001),
    ("contact", "ab"), ("contact", "x" * 201),
    ("lang", "fr"), ("lang", None),
    ("plan", ""), ("plan", "x" * 33),
])
def test_ticket_validation(store, field, value):
    with pytest.raises(InvalidInput) as exc:
        open_ticket(store, **{field: value})
    assert exc.value.field == field
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 0


@pytest.mark.parametrize(("field", "value"), [("subject", "sshd \ud800 fails"), ("contact", "a@b.c\udfff"),
                                              ("description", "NUL \x00 in the middle of it")])
def test_ticket_refuses_text_the_database_cannot_keep(store, field, value):
    with pytest.raises(InvalidInput) as exc:
        open_ticket(store, **{field: value})
    assert exc.value.field == field


def test_ticket_length_limits_are_inclusive(store):
    ticket = open_ticket(store, subject="abc", description="x" * 5000, contact="a" * 200, lang="en")
    assert (len(ticket["subject"]), len(ticket["description"]), len(ticket["contact"])) == (3, 5000, 200)


def test_ticket_number_collision_draws_again(store, monkeypatch):
    numbers = iter(["T20261122-AAAAAA", "T20261122-AAAAAA", "T20261122-BBBBBB"])
    monkeypatch.setattr(store_module, "_new_number", lambda now: next(numbers))
    first, second = open_ticket(store), open_ticket(store)
    assert (first["number"], second["number"]) == ("T20261122-AAAAAA", "T20261122-BBBBBB")
    assert store.get_ticket(second["number"], second["token"])["subject"] == TICKET["subject"]


# Votes


def test_votes_are_counted_per_article(store):
    assert store.vote_counts("ssh-publickey-denied-en") == {"helpful": 0, "not_helpful": 0}
    for helpful in (True, True, False):
        store.record_vote("ssh-publickey-denied-en", helpful, "en")
    store.record_vote("sftp-chroot-zh", False, "zh")
    assert store.vote_counts("ssh-publickey-denied-en") == {"helpful": 2, "not_helpful": 1}
    assert store.vote_counts("sftp-chroot-zh") == {"helpful": 0, "not_helpful": 1}


def test_one_vote_per_voter_and_article_the_last_one_counts(store):
    for helpful in (True, True, False):
        store.record_vote("ssh-timeout-en", helpful, "en", voter="session-a")
    store.record_vote("ssh-timeout-en", True, "en", voter="session-b")
    store.record_vote("ssh-timeout-zh", True, "zh", voter="session-a")
    assert store.vote_counts("ssh-timeout-en") == {"helpful": 1, "not_helpful": 1}
    assert store.vote_of("ssh-timeout-en", "session-a") is False
    assert store.vote_of("ssh-timeout-en", "session-c") is None
    assert store.vote_of("ssh-timeout-zh", "session-a") is True
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM votes WHERE voter = 'session-a'")).scalar_one() == 2


def test_vote_validation(store):
    with pytest.raises(InvalidInput) as exc:
        store.record_vote("ssh-publickey-denied-en", True, "de")
    assert exc.value.field == "lang"
    with pytest.raises(InvalidInput) as exc:
        store.record_vote("", True, "en")
    assert exc.value.field == "article_id"


# Search and ask logs


def test_search_log_and_click(store):
    first = store.log_search("ssh timeout", "en", ["ssh-timeout-en"])
    second = store.log_search("ssh timeout", "en", [])
    assert isinstance(first, int) and second != first
    store.log_click(first, "ssh-timeout-en")
    store.log_click(first, "another-article")  # the first click is the one kept
    with store.engine.connect() as connection:
        clicked = connection.execute(text("SELECT clicked_article_id FROM search_logs WHERE id = :id"), {"id": first})
        assert clicked.scalar_one() == "ssh-timeout-en"
    with pytest.raises(NotFound):
        store.log_click(second + 1000, "ssh-timeout-en")


def test_ask_log_and_outcome(store):
    log_id = store.log_ask("how do I install MySQL", "en", "S2", "out", None, ["scope-third-party-en"])
    store.mark_outcome(log_id, "ticket")
    store.mark_outcome(log_id, "deflected", ticket_number=None)
    with pytest.raises(InvalidInput) as exc:
        store.mark_outcome(log_id, "solved")
    assert exc.value.field == "outcome"
    with pytest.raises(NotFound):
        store.mark_outcome(log_id + 1000, "deflected")
    assert store.unanswered() == []


def test_unanswered_groups_normalised_queries_most_frequent_first(store):
    store.log_search("SSH  Timeout", "en", [])  # no results
    store.log_search(" ssh timeout", "en", ["ssh-timeout-en"])  # results, never clicked
    store.log_search("ＳＳＨ timeout", "en", [])  # full-width letters normalise to the same query
    clicked = store.log_search("sftp chroot", "en", ["sftp-chroot-en"])
    store.log_click(clicked, "sftp-chroot-en")  # answered
    deflected = store.log_ask("vsftpd 被动模式 列表超时", "zh", "S3", "in", "vsftpd", ["ftp-passive-zh"])
    store.mark_outcome(deflected, "deflected")  # answered
    ticket = store.log_ask("vsftpd 被动模式  列表超时", "zh", "S3", "in", "vsftpd", ["ftp-passive-zh"])
    store.mark_outcome(ticket, "ticket", ticket_number="T20261122-AAAAAA")
    store.log_ask("MySQL 安装", "zh", None, "out", None, [])

    rows = store.unanswered()
    assert [(r["key"], r["count"]) for r in rows] == [("ssh timeout", 3), ("mysql 安装", 1), ("vsftpd 被动模式 列表超时", 1)]
    # Shown as typed (the latest wording, whitespace collapsed), grouped by the normalised key.
    assert [r["query"] for r in rows] == ["ＳＳＨ timeout", "MySQL 安装", "vsftpd 被动模式 列表超时"]
    ssh, mysql, ftp = rows
    assert (ssh["searches"], ssh["asks"], ssh["no_results"], ssh["tickets"]) == (3, 0, 2, 0)
    assert (mysql["searches"], mysql["asks"], mysql["no_results"], mysql["tickets"]) == (0, 1, 1, 0)
    assert (ftp["searches"], ftp["asks"], ftp["no_results"], ftp["tickets"]) == (0, 1, 0, 1)
    assert all(dt.datetime.fromisoformat(r["last_seen"]).utcoffset() == dt.timedelta(0) for r in rows)
    assert store.unanswered(limit=1) == rows[:1]
    with pytest.raises(InvalidInput):
        store.unanswered(limit=0)


def test_log_validation(store):
    with pytest.raises(InvalidInput) as exc:
        store.log_search("ssh", "xx", [])
    assert exc.value.field == "lang"
    with pytest.raises(InvalidInput) as exc:
        store.log_ask("ssh", "en", None, "in", None, "ssh-timeout-en")
    assert exc.value.field == "results"


def test_logs_refuse_text_the_database_cannot_keep(store):
    for bad in ("ssh\x00", "ssh \ud800"):
        with pytest.raises(InvalidInput):
            store.log_search(bad, "en", [])
        with pytest.raises(InvalidInput):
            store.log_ask(bad, "en", None, "in", None, [])
    with pytest.raises(NotFound):
        store.get_ticket("T\x00", "tok")
