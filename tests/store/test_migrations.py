import hashlib
import json
import re
import subprocess
import sys
import time

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy import text

from kb.store import Store
from kb.store.db import alembic_config
from kb.store.tables import Base
from tests.conftest import ROOT
from tests.store.test_tickets import open_ticket

HEAD = "0012"
TABLES = {"tickets", "votes", "search_logs", "ask_logs", "events", "idempotent_requests", "sessions", "staff_users", "audit_log",
          "ticket_replies", "article_revisions", "rule_revisions",
          "ticket_attachments", "ticket_links", "alembic_version"}


def versions(engine) -> list[str]:
    with engine.connect() as connection:
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()


# Neither database's reflection reads an index on an expression; test_the_contact_index_is_on_its_lower_case checks it.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_upgrade_creates_every_table_and_matches_the_models(store):
    assert TABLES <= set(inspect(store.engine).get_table_names())
    with store.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert diffs == []
    assert store.db.revision() == (HEAD, HEAD)


def test_the_contact_index_is_on_its_lower_case(store):
    catalog = {"sqlite": "SELECT sql FROM sqlite_master WHERE name = 'ix_tickets_contact_lower'",
               "postgresql": "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_tickets_contact_lower'"}
    with store.engine.connect() as connection:
        definition = connection.execute(text(catalog[store.engine.dialect.name])).scalar_one()
    # SQLite keeps the expression as written; PostgreSQL writes it back as lower((contact)::text)
    assert re.search(r"lower\(\(?contact\)?(::text)?\)", definition.lower()), definition


def test_upgrade_twice_is_harmless(store):
    ticket = open_ticket(store)
    store.upgrade()
    assert store.tickets.get(ticket["number"], ticket["token"]) == {k: v for k, v in ticket.items() if k != "token"}
    assert versions(store.engine) == [HEAD]


def test_concurrent_upgrades_wait_for_each_other(database_url):
    # Separate processes, as in production; each waits for the same instant, then upgrades the empty database.
    start = time.time() + 3
    script = (f"import time; from kb.store import Store; time.sleep(max(0, {start} - time.time())); "
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
        assert versions(s.engine) == [HEAD]
    finally:
        s.close()


def test_upgrade_from_0001_keeps_old_tickets_and_votes(database_url):
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
        old = s.tickets.get("T20261101-AAAAAA", "tok", lang="en")
        assert (old["status"], old["response_kind"], old["rules"]) == ("new", None, [])  # 0008: an open ticket is new
        assert s.votes.counts("a-en") == {"helpful": 1, "not_helpful": 0}
    finally:
        s.close()


def test_upgrade_from_0002_folds_the_per_language_traces_into_one(database_url):
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
        assert s.tickets.get("T20261130-BBBBBB", "tok", lang="en")["rules"] == en
        assert s.tickets.get("T20261130-BBBBBB", "tok", lang="zh")["rules"] == zh
    finally:
        s.close()


def test_upgrade_from_0003_keeps_the_old_logs_readable(database_url):
    s = Store(database_url)
    try:
        with s.engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0003")
            connection.execute(text(
                "INSERT INTO ask_logs (question, query_key, lang, plan, scope, software, results, result_count, created_at)"
                " VALUES ('MySQL 安装', 'mysql 安装', 'zh', NULL, 'out', NULL, '[]', 0, '2026-12-01 01:00:00')"))
        s.upgrade()
        assert [r["key"] for r in s.logs.unanswered()] == ["mysql 安装"]
        assert s.logs.decisions() == []  # no input was logged then, so nothing to replay
    finally:
        s.close()
