import datetime as dt
from types import SimpleNamespace

import pytest

from kb.rules.case import Onsite
from kb.rules.engine import decide
from kb.rules.engine import resolve
from kb.rules.intake import intake_for
from kb.rules.model import Rule
from kb.rules.render import render_decision

MONDAY_10 = dt.datetime(2026, 11, 23, 10, 0)


def ask(book, text, lang=None, **given):
    """The decision as its readers get it: rendered in `lang` (the question's by default)."""
    given.setdefault("reported_at", MONDAY_10)
    case = intake_for(book).read(text, **given)
    data = render_decision(book, decide(book, case), lang or case.lang).model_dump(mode="json")
    return SimpleNamespace(**data, trace=data["rules"], data=data)


@pytest.mark.parametrize(("plan", "severity", "minutes"), [
    ("S1", "business_down", 15), ("S2", "degraded", 30), ("S3", "business_down", 30),
    ("S3", "consulting", 120), ("S4", "business_down", 120),
])
def test_response_targets_follow_the_plan_table(book, plan, severity, minutes):
    d = ask(book, "sshd fails to start", plan=plan, severity=severity)
    assert d.response_target_minutes == minutes
    assert d.deadline == (MONDAY_10 + dt.timedelta(minutes=minutes)).isoformat() + "+08:00"


def test_every_decision_cites_its_rules_with_sources(book):
    d = ask(book, "帮我调试一下 Python 代码", plan="S2")
    assert d.scope == "out"
    fired = [t for t in d.trace if t["kind"] == "rule"]
    assert fired[0]["id"] == "scope.code_development"
    assert all(t["source"] for t in d.trace)
    assert d.clause["id"] == "exclude.code_development"


def test_uncatalogued_software_goes_to_the_vendor_or_marketplace(book):
    d = ask(book, "how do I install MySQL on my server", plan="S3")
    assert d.scope == "out"
    assert [a["id"] for a in d.alternatives] == ["software_vendor", "cloud_marketplace"]


def test_basic_plan_gets_only_port_connectivity_advice(book):
    assert ask(book, "sftp chroot 怎么配置", plan="S4").scope == "partial"
    assert ask(book, "ssh port 22 connection timed out", plan="S4").scope == "in"


def test_version_range_is_checked(book):
    assert ask(book, "vsftpd 2.3.4 login fails", plan="S3").scope == "out"
    assert ask(book, "vsftpd 3.0.2 login fails", plan="S3").scope == "in"
    assert ask(book, "FileZilla Server 1.8.0 无法启动", plan="S3").scope == "out"
    assert ask(book, "FileZilla Server 0.9.60.2 无法启动", plan="S3").scope == "in"


def test_flagship_plan_ranks_its_extra_channels(book):
    d = ask(book, "sshd fails to start", plan="S1")
    assert [c["id"] for c in d.channels] == ["ticket", "online", "im_group", "tam"]


def test_unknown_question_says_a_person_must_look(book):
    d = ask(book, "hello there", plan="S3")
    assert d.scope == "unknown"
    assert any("software" in n or "软件" in n for n in d.notes)


def test_equal_priority_disagreement_is_a_conflict():
    common = {"when": {"activity": ["x"]}, "priority": 1, "reason": {"zh": "理由", "en": "why"}, "source": "test"}
    rules = [Rule(id="a", then={"scope": "in"}, **common), Rule(id="b", then={"scope": "out"}, **common)]
    chosen, _by, conflicts = resolve(rules)
    assert chosen["scope"] == "in"
    assert conflicts == [{"outcome": "scope", "rules": ["a", "b"], "values": ["in", "out"]}]


def test_onsite_five_city_fast_arrival_on_a_holiday_night(book):
    d = ask(book, "平台瘫痪", plan="S2", onsite=Onsite("5x8", 2, "上海"), reported_at=dt.datetime(2026, 10, 3, 22, 0))
    o = d.onsite
    assert o["in_service_hours"] is False
    assert o["response_deadline"] == "2026-10-03T22:30:00+08:00"
    assert o["arrival_deadline"] == "2026-10-04T00:00:00+08:00"
    assert o["next_service_window"] == "2026-10-08T09:00:00+08:00"
    assert [s["date"] for s in o["skipped_days"]][:2] == ["2026-10-03", "2026-10-04"]


def test_onsite_adjusted_working_day_is_service_time(book):
    d = ask(book, "平台瘫痪", plan="S2", onsite=Onsite("5x8", 1, "杭州"), reported_at=dt.datetime(2026, 10, 10, 10, 0))
    assert d.onsite["in_service_hours"] is True
    assert d.onsite["response_minutes"] == 0


def test_plan_feature_questions_get_direct_answers_in_the_json(book):
    data = ask(book, "S4 可以用 IM 企业群吗").data
    assert data["scope"] == "in"
    assert data["facts"] == [{"id": "plan.S4.channel.im_group", "source": "服务计划说明书 / 腾讯云支持内容说明 / IM 企业群支持",
                              "text": "S4 基础版不提供IM 企业群支持；IM 企业群支持面向S1 旗舰版、S2 企业版。"}]
    assert any(t["kind"] == "fact" and t["id"] == "plan.S4.channel.im_group" for t in data["rules"])


def test_facts_follow_the_decision_language(book):
    d = ask(book, "旗舰版响应时间是多久", lang="en")
    assert d.facts[0]["text"] == ("S1 (Flagship) response times: Business unavailable within 15 min, "
                                  "Business/system abnormal within 30 min, Usage consultation within 60 min.")


def test_every_answer_kind_is_implemented():
    from typing import get_args

    from kb.rules.answers import ANSWERS
    from kb.rules.model import ServiceQuestion

    assert set(ANSWERS) == set(get_args(ServiceQuestion.model_fields["answer"].annotation))


def test_out_of_scope_work_has_no_support_level(book):
    d = ask(book, "我们是旗舰版，MySQL 主从同步失败", plan="S1")
    assert d.scope == "out" and d.support_level is None


def test_escort_is_offered_as_paid_never_for_performance_work(book):
    escort = ask(book, "双十一大促期间需要护航保障", plan="S1").channels
    assert [(c["id"], c["paid"]) for c in escort] == [("expert_escort", True)]
    assert "已购买" in ask(book, "双十一大促期间需要护航保障", plan="S1", lang="zh").channels[0]["note"]
    assert "expert_escort" not in [c["id"] for c in ask(book, "我们想做一次全链路压测", plan="S1").channels]


@pytest.mark.parametrize(("city", "fast"), [("上海市浦东新区", True), ("Shanghai Pudong", True), ("pudong, shanghai", True),
                                            ("成都市高新区", True), ("南京市", False), ("杭州", False)])
def test_onsite_fast_arrival_accepts_districts(book, city, fast):
    d = ask(book, "一级故障", onsite=Onsite("5x8", 2, city), reported_at=dt.datetime(2026, 11, 24, 22, 0))
    assert d.onsite["fast_arrival"] is fast


def test_onsite_question_without_an_incident_has_no_deadlines(book):
    d = ask(book, "驻场服务的交付报告有哪些", onsite=Onsite("5x8", 1, None))
    assert d.onsite["response_deadline"] is None and d.onsite["fault_level"] is None
    assert [f["id"] for f in d.facts] == ["onsite.deliverables"]


def test_channel_trace_says_why_in_words_not_the_purpose_id(book):
    decision = ask(book, "sshd 启动失败", plan="S3", lang="zh")
    reasons = [r["reason"] for r in decision.trace if r["id"] == "channel.ticket"]
    assert reasons == ["工单支持：适用于技术排障类问题"]
