"""The loader and the engine on a tiny rule book of their own (tests/data/rules): behaviour that must not depend on
what the shipped rules happen to say."""

import datetime as dt
import shutil

import pytest

from kb.errors import RuleError
from kb.rules.book import load_rulebook
from kb.rules.case import Onsite
from kb.rules.engine import decide
from kb.rules.intake import Intake
from kb.rules.render import render_decision
from kb.rules.ruletests import run_rule_tests
from tests.conftest import DATA

TINY = DATA / "rules"


@pytest.fixture(scope="module")
def tiny():
    return load_rulebook(TINY)


def answer(book, text, lang="en", **given):
    given.setdefault("reported_at", dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    return render_decision(book, decide(book, Intake(book).read(text, **given)), lang)


def test_the_tiny_book_passes_its_own_rule_tests(tiny):
    report = run_rule_tests(tiny, TINY / "tests")
    assert (report.total, report.failures, report.unfired, report.conflicts) == (3, [], [], [])


def test_the_higher_priority_rule_sets_the_outcome_and_both_are_traced(tiny):
    d = answer(tiny, "widgetd fails to start", plan="TIN")
    assert d.scope == "partial" and d.support_level.id == "ports"
    assert [s.id for s in d.rules if s.kind == "rule"] == ["scope.tool", "scope.tool_on_tin"]


def test_response_targets_per_severity_or_for_every_case(tiny):
    gold = answer(tiny, "widgetd outage, fails", plan="GOLD")
    assert (gold.severity.id, gold.response_target_minutes, gold.response_kind) == ("down", 15, "response")
    tin = answer(tiny, "widgetd outage, fails", plan="TIN", lang="zh")
    assert (tin.response_target_minutes, tin.response_kind) == (120, "accepted")
    assert any("120 分钟内受理" in s.reason for s in tin.rules)


def test_a_plan_without_the_purpose_falls_back_and_a_paid_channel_says_so(tiny):
    d = answer(tiny, "how does the escort work", plan="GOLD")
    assert [(c.id, c.paid) for c in d.channels] == [("phone", False), ("escort", True)]
    assert [c.id for c in answer(tiny, "how does the escort work", plan="TIN").channels] == ["phone"]


def test_onsite_outside_service_hours_on_a_holiday_with_fast_arrival(tiny):
    d = answer(tiny, "宕机了，服务失败", plan="GOLD", onsite=Onsite("5x8", 2, "上海市浦东新区"),
               reported_at=dt.datetime(2026, 10, 3, 22, 0))
    assert (d.onsite.in_service_hours, d.onsite.fast_arrival, d.onsite.arrival_minutes) == (False, True, 120)
    assert d.onsite.next_service_window == "2026-10-08T09:00:00+08:00"
    assert d.onsite.reported_day.kind == "holiday"


def test_a_version_outside_the_range_takes_the_tool_out_of_the_catalog(tiny):
    assert answer(tiny, "widgetd 2.1 fails", plan="GOLD").case["software_status"] == "out_of_range"
    assert answer(tiny, "widgetd 1.4 fails", plan="GOLD").scope == "in"


def test_every_broken_file_is_reported_at_its_line(tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(TINY, rules)
    for broken in (DATA / "bad_rules").glob("*.yaml"):
        shutil.copy(broken, rules / broken.name)
    with pytest.raises(RuleError) as exc:
        load_rulebook(rules)
    found = {(p.path.rsplit("/", 1)[1], p.line) for p in exc.value.problems}
    assert {("plans.yaml", 15), ("catalog.yaml", 12)} <= found
    # A rule with an unknown condition is a cross-check: it is found once the files themselves are valid.
    shutil.copy(TINY / "plans.yaml", rules / "plans.yaml")
    shutil.copy(TINY / "catalog.yaml", rules / "catalog.yaml")
    with pytest.raises(RuleError) as exc:
        load_rulebook(rules)
    assert [(p.path.rsplit("/", 1)[1], p.line) for p in exc.value.problems] == [("decisions.yaml", 3)]
    assert "unknown condition `colour`" in exc.value.problems[0].message
