"""Follow-ups merged into the previous turn's case (kb.followup), in both languages, on the shipped rules."""

from __future__ import annotations

import pytest

from kb.followup import has_own_subject
from kb.followup import merge
from kb.rules.intake import intake_for

SSH = {"question": "sshd fails to start after editing sshd_config", "plan": "S3", "severity": None, "onsite": None,
       "software": None, "os": None, "version": None, "lang": "en", "reported_at": "2026-11-23T22:00:00+08:00"}
FTP = dict(SSH, question="vsftpd 被动模式连不上", plan=None, lang="zh")


@pytest.mark.parametrize("text, changed", [
    ("我是企业版呢?", {"plan": "S2"}),
    ("What about the Enterprise plan?", {"plan": "S2"}),
    ("换成 S4 呢", {"plan": "S4"}),
    ("what if it's urgent?", {"severity": "business_down"}),
    ("很紧急", {"severity": "business_down"}),
    ("it's on Windows", {"os": "windows"}),
])
def test_a_follow_up_changes_one_fact_and_keeps_the_question(book, text, changed):
    merged = merge(SSH, text, book)
    assert merged == {"question": SSH["question"], "plan": "S3", **changed}


@pytest.mark.parametrize("text, version", [("版本是 2.3.4", "2.3.4"), ("version is 3.0.5", "3.0.5")])
def test_a_version_is_read_next_to_the_previous_question_software(book, text, version):
    merged = merge(FTP, text, book)
    assert merged == {"question": FTP["question"], "version": version}


def test_facts_of_earlier_turns_are_kept_and_the_newest_wins(book):
    second = merge(SSH, "what if it's urgent?", book)
    third = merge(dict(SSH, **second), "我是企业版呢?", book)
    assert third == {"question": SSH["question"], "plan": "S2", "severity": "business_down"}
    fourth = merge(dict(SSH, **dict(third, os="windows")), "it's on Linux", book)
    assert fourth["os"] == "linux"


def test_a_new_question_keeps_only_the_plan_and_onsite_contract(book):
    previous = dict(SSH, severity="business_down", os="windows", onsite={"mode": "5x8", "staff": 1, "city": None})
    merged = merge(previous, "how do I install MySQL on my server", book)
    assert merged == {"question": "how do I install MySQL on my server", "plan": "S3", "onsite": previous["onsite"]}


def test_a_new_question_keeps_the_plan_the_previous_question_named(book):
    previous = dict(SSH, question="我们是基础版，sshd 起不来", plan=None)
    assert merge(previous, "MySQL 主从复制报错怎么办", book)["plan"] == intake_for(book).read("基础版").plan


def test_a_text_that_adds_nothing_is_a_new_question(book):
    assert merge(SSH, "ok", book) == {"question": "ok", "plan": "S3"}
    assert merge(FTP, "谢谢", book) == {"question": "谢谢"}


def test_chosen_facts_win_and_the_same_question_keeps_its_case(book):
    previous = dict(SSH, plan=None, severity="degraded")
    merged = merge(previous, SSH["question"], book, given={"plan": "S1", "os": None})
    assert merged == {"question": SSH["question"], "plan": "S1", "severity": "degraded"}
    assert merge(SSH, "我是企业版呢?", book, given={"plan": "S4"})["plan"] == "S4"


def test_without_a_previous_turn_the_text_is_the_question(book):
    assert merge(None, "我是企业版呢?", book, given={"os": "linux"}) == {"question": "我是企业版呢?", "os": "linux"}


@pytest.mark.parametrize("text, own", [("我是企业版呢?", False), ("it's on Windows", False), ("版本是 2.3.4", False),
                                       ("Nginx 502", True), ("那旗舰版多少钱", True), ("MySQL 主从复制报错怎么办", True)])
def test_what_has_a_subject_of_its_own(book, text, own):
    assert has_own_subject(intake_for(book).read(text), book) is own
