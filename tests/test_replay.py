"""Replaying the decision log and the tickets against a draft rule book (kb.replay, `kb rules replay`, `kb db
export-log`): a known change alters exactly the decisions it should, named by the rule or file that causes it, a
ticket's by its number; the CLI's output and exit codes. On the tiny fixture book, so the figures do not move when
the shipped rules do."""

import datetime as dt
import json
import re
import shutil

import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.knowledge import KnowledgeBase
from kb.replay import replay
from kb.replay import replayable
from kb.schemas import AskRequest
from kb.schemas import TicketRequest
from kb.schemas import parse
from kb.sealing import Sealer
from kb.service import Service
from kb.store import Store
from tests.conftest import DATA
from tests.conftest import NOW

TINY = DATA / "rules"
ARTICLES = DATA / "articles"
QUESTIONS = [("please write code for me", "GOLD"), ("widgetd fails to start", "GOLD"),
             ("widgetd fails to start", "TIN"), ("widgetd outage, fails", "GOLD")]


def tiny_kb(rules, tmp_path):
    return KnowledgeBase(rules, ARTICLES, tmp_path / f"index-{rules.name}", embedder=None)


@pytest.fixture
def logged(tmp_path):
    """A database whose decision log holds the QUESTIONS, answered through the service as the site does."""
    url = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    store = Store(url)
    store.upgrade()
    knowledge = tiny_kb(TINY, tmp_path)
    service = Service(knowledge, store, Sealer("test"), clock=lambda: NOW)
    for question, plan in QUESTIONS:
        service.ask(parse(AskRequest, {"question": question, "plan": plan}, knowledge.book), "en")
    yield url, store.logs.decisions()
    store.close()


CODE_TICKET = {"plan": "GOLD", "subject": "please write code for me", "description": "a script for our nightly backups",
               "contact": "ops@example.com"}


@pytest.fixture
def filed(logged, tmp_path):
    """The logged database with one ticket filed through the service: a code request the tiny book puts out of scope."""
    url, _entries = logged
    store = Store(url)
    knowledge = tiny_kb(TINY, tmp_path)
    ticket = Service(knowledge, store, Sealer("test"), clock=lambda: NOW).open_ticket(
        parse(TicketRequest, CODE_TICKET, knowledge.book), "en")
    yield url, store, ticket
    store.close()


def draft(tmp_path, file: str, old: str, new: str):
    """A copy of the tiny book with one edit."""
    folder = tmp_path / "draft"
    shutil.copytree(TINY, folder, symlinks=False)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def test_an_unchanged_book_changes_nothing(logged, tmp_path):
    report = replay(logged[1], tiny_kb(TINY, tmp_path), tiny_kb(draft(tmp_path, "plans.yaml", "", ""), tmp_path))
    assert (report.replayed, report.changes, report.failed) == (4, [], [])


def test_a_rule_outcome_change_alters_exactly_the_decisions_it_fires_on(logged, tmp_path):
    changed = draft(tmp_path, "decisions.yaml", "then: {scope: out, alternatives: [vendor]}",
                    "then: {scope: partial, alternatives: [vendor]}")
    report = replay(logged[1], tiny_kb(TINY, tmp_path), tiny_kb(changed, tmp_path))
    assert report.replayed == 4
    assert [(c.question, c.fields, c.causes) for c in report.changes] == [
        ("please write code for me", {"scope": ("out", "partial")}, ["scope.code"])]
    assert report.by_cause == {"scope.code": 1} and report.by_field == {"scope": 1}


def test_a_response_target_change_is_traced_to_its_file(logged, tmp_path):
    changed = draft(tmp_path, "plans.yaml", "by_severity: {down: 15, question: 60}", "by_severity: {down: 30, question: 60}")
    report = replay(logged[1], tiny_kb(TINY, tmp_path), tiny_kb(changed, tmp_path))
    [change] = report.changes
    assert change.question == "widgetd outage, fails"
    assert change.fields["response_target_minutes"] == (15, 30) and set(change.fields) == {"response_target_minutes",
                                                                                           "deadline"}
    assert change.causes == ["file:plans.yaml"]


def test_a_rule_that_starts_firing_is_the_cause(logged, tmp_path):
    # The port-only rule now also holds on GOLD (its level condition widened): GOLD's catalogued questions turn partial.
    changed = draft(tmp_path, "decisions.yaml", "plan_third_party_level: [ports]", "plan_third_party_level: [ports, advice]")
    report = replay(logged[1], tiny_kb(TINY, tmp_path), tiny_kb(changed, tmp_path))
    assert [(c.question, c.fields["scope"], c.causes) for c in report.changes] == [
        ("widgetd fails to start", ("in", "partial"), ["scope.tool_on_tin"]),
        ("widgetd outage, fails", ("in", "partial"), ["scope.tool_on_tin"])]


def test_a_ticket_is_replayed_from_what_its_filing_decided(filed):
    _url, store, ticket = filed
    [entry] = store.tickets.decisions()
    assert (entry["source"], entry["ref"]) == ("ticket", ticket["number"])
    given = entry["input"]
    assert given["question"] == "please write code for me\na script for our nightly backups"
    assert (given["plan"], given["severity"], given["software"]) == ("GOLD", ticket["severity"], None)
    assert given["reported_at"] == entry["created_at"] == ticket["created_at"] and given["reported_at"].endswith("+00:00")
    assert store.tickets.decisions(since=dt.datetime(2100, 1, 1, tzinfo=dt.UTC)) == []
    both = replayable(store)
    assert len(both) == 5 and both[-1] == entry  # filed after the questions were logged: oldest first


def test_a_change_that_alters_a_tickets_decision_reports_it_as_a_ticket_with_its_number(filed, tmp_path):
    _url, store, ticket = filed
    changed = draft(tmp_path, "decisions.yaml", "then: {scope: out, alternatives: [vendor]}",
                    "then: {scope: partial, alternatives: [vendor]}")
    report = replay(replayable(store), tiny_kb(TINY, tmp_path), tiny_kb(changed, tmp_path))
    assert report.replayed == 5 and report.by_cause == {"scope.code": 2}
    assert [(c.source, c.ref, c.label, c.fields, c.causes) for c in report.changes] == [
        ("log", 1, "#1", {"scope": ("out", "partial")}, ["scope.code"]),
        ("ticket", ticket["number"], f"ticket {ticket['number']}", {"scope": ("out", "partial")}, ["scope.code"])]


def run(*args):
    return CliRunner().invoke(cli, ["--rules", str(TINY), "--articles", str(ARTICLES), *args], catch_exceptions=False)


def test_the_cli_exports_the_log_and_replays_it_as_text_and_json(logged, tmp_path):
    url, _entries = logged
    exported = run("db", "export-log", "--url", url)
    assert exported.exit_code == 0 and len(exported.output.splitlines()) == 4
    log = tmp_path / "log.jsonl"
    log.write_text(exported.output, encoding="utf-8")
    changed = draft(tmp_path, "decisions.yaml", "then: {scope: out, alternatives: [vendor]}",
                    "then: {scope: partial, alternatives: [vendor]}")
    text = run("rules", "replay", "--rules", str(changed), "--log", str(log))
    assert text.exit_code == 0
    assert "4 decisions replayed, 1 would change, 0 could not be replayed" in text.output
    assert "scope.code: 1 changed" in text.output and "scope out -> partial" in text.output
    from_db = run("rules", "replay", "--rules", str(changed), "--url", url, "--json")
    data = json.loads(from_db.output)
    assert (data["replayed"], data["changed"], data["by_cause"]) == (4, 1, {"scope.code": 1})
    later = run("rules", "replay", "--rules", str(changed), "--log", str(log), "--since", "2100-01-01")
    assert "0 decisions replayed" in later.output


def test_the_cli_replays_tickets_from_the_database_and_from_an_exported_log(filed, tmp_path):
    url, _store, ticket = filed
    changed = draft(tmp_path, "decisions.yaml", "then: {scope: out, alternatives: [vendor]}",
                    "then: {scope: partial, alternatives: [vendor]}")
    text = run("rules", "replay", "--rules", str(changed), "--url", url)
    assert "5 decisions replayed, 2 would change, 0 could not be replayed" in text.output
    assert f"    ticket {ticket['number']} 'please write code for me\\na script" in text.output
    data = json.loads(run("rules", "replay", "--rules", str(changed), "--url", url, "--json").output)
    assert [(c["source"], c["ref"]) for c in data["changes"]] == [("log", 1), ("ticket", ticket["number"])]
    exported = run("db", "export-log", "--url", url)
    lines = [json.loads(line) for line in exported.output.splitlines()]
    assert len(lines) == 5 and lines[-1]["ref"] == ticket["number"] and "contact" not in lines[-1]
    log = tmp_path / "log.jsonl"
    log.write_text(exported.output, encoding="utf-8")
    from_log = json.loads(run("rules", "replay", "--rules", str(changed), "--log", str(log), "--json").output)
    assert from_log == data


def test_a_broken_draft_is_refused_with_file_and_line(logged, tmp_path):
    broken = draft(tmp_path, "decisions.yaml", "priority: 50", "priority: [fifty")
    result = run("rules", "replay", "--rules", str(broken), "--url", logged[0])
    assert result.exit_code == 1
    assert re.search(r"draft/decisions\.yaml:\d+: error", result.output)


def test_a_wrong_answer_becomes_a_rule_test_case_that_fails_until_the_rules_are_fixed(logged, tmp_path):
    url, entries = logged
    rules = tmp_path / "rules"
    shutil.copytree(TINY, rules)
    code = next(e for e in entries if e["input"]["question"] == "please write code for me")
    args = ["--rules", str(rules), "--articles", str(ARTICLES), "rules", "case-from-log", str(code["id"]),
            "--expect", "scope=partial", "--expect", "rules=[scope.code]", "--url", url]
    added = CliRunner().invoke(cli, args)
    assert added.exit_code == 0, added.output
    assert "the live rules fail it: scope: expected 'partial', got 'out'" in added.output
    tests = rules / "tests" / "from-log.yaml"
    assert f"id: log-{code['id']}" in tests.read_text(encoding="utf-8")
    failing = CliRunner().invoke(cli, ["--rules", str(rules), "--articles", str(ARTICLES), "rules", "test"])
    assert failing.exit_code == 1 and f"log-{code['id']}" in failing.output
    # The fix: the rule's outcome changed. The new case passes; the old case that wanted `out` now fails, as it should
    # until the engineer updates it.
    decisions = rules / "decisions.yaml"
    decisions.write_text(decisions.read_text(encoding="utf-8").replace(
        "then: {scope: out, alternatives: [vendor]}", "then: {scope: partial, alternatives: [vendor]}"), encoding="utf-8")
    fixed = CliRunner().invoke(cli, ["--rules", str(rules), "--articles", str(ARTICLES), "rules", "test"])
    assert f"log-{code['id']}" not in fixed.output and "FAIL" in fixed.output and "code-is-out" in fixed.output
    # The same id again is refused and the file is left as it was.
    before = tests.read_bytes()
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 1 and "already has a case" in again.output and tests.read_bytes() == before
    assert not list((rules / "tests").glob(".*draft"))
