"""Decide a case: fire the decision rules, then look up the response target, the channels, the onsite times and
the direct answers (`facts`) to questions about the services.

The decision is language-neutral: ids, real datetimes and wordings (kb.rules.text) that kb.rules.render shows in
either language. Every wording comes from the rule files.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace

from kb.rules.answers import Fact
from kb.rules.answers import answer_questions
from kb.rules.case import Case
from kb.rules.clock import HolidayCalendar
from kb.rules.clock import add_minutes
from kb.rules.clock import localize
from kb.rules.conditions import CONDITIONS
from kb.rules.model import Rule
from kb.rules.onsite import OnsiteAnswer
from kb.rules.onsite import onsite_answer
from kb.rules.text import Wording
from kb.rules.text import msg
from kb.rules.trace import Step


@dataclass(frozen=True)
class ChannelOffer:
    """A channel the case may use, for which purpose, and whether it must be bought first."""

    id: str
    purpose: str
    paid: bool


@dataclass(frozen=True)
class PlanVariant:
    """How the rules answer the same case on some of the plans (when the customer has not said theirs)."""

    plans: tuple[str, ...]
    scope: str
    support_level: str | None
    reason: Wording
    clause: str | None


@dataclass(frozen=True)
class Missing:
    """A fact the answer depends on that the question did not give; `choices` are ids, when the fact has a list."""

    fact: str  # plan | software | os | version
    choices: tuple[str, ...] = ()


@dataclass
class Decision:
    """The answer to a case, with every rule and fact that produced it in `trace`."""

    case: Case
    fingerprint: str
    scope: str = "unknown"
    reason: Wording = None
    clause: str | None = None
    support_level: str | None = None
    severity: str | None = None
    severity_assumed: bool = False
    response_minutes: int | None = None
    response_kind: str | None = None
    deadline: dt.datetime | None = None
    channels: list[ChannelOffer] = field(default_factory=list)
    alternatives: list[str] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    onsite: OnsiteAnswer | None = None
    notes: list[Wording] = field(default_factory=list)
    trace: list[Step] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    by_plan: list[PlanVariant] = field(default_factory=list)  # without a plan: the answer on each group of plans
    missing: list[Missing] = field(default_factory=list)  # what to ask for, most useful first

    @property
    def fired(self) -> list[str]:
        """The ids of the decision rules that fired, in file order."""
        return [step.id for step in self.trace if step.kind == "rule"]

    def scope_on(self, plan: str) -> str:
        """The scope on `plan`: the plan's group in `by_plan` when the question gave none, else the scope."""
        return next((v.scope for v in self.by_plan if plan in v.plans), self.scope)

    def summary(self) -> dict:
        """What was decided, as ids and ISO times: what the decision log keeps and a replay compares."""
        iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
        o, c = self.onsite, self.case
        return {"scope": self.scope, "support_level": self.support_level, "software": c.software,
                "software_status": c.software_status, "product": c.product, "activity": c.activity,
                "severity": self.severity, "channels": [ch.id for ch in self.channels],
                "response_target_minutes": self.response_minutes, "response_kind": self.response_kind,
                "deadline": iso(self.deadline), "alternatives": self.alternatives, "facts": [f.id for f in self.facts],
                "onsite": {"scope": o.scope, "fault_level": o.fault_level, "response_deadline": iso(o.response_deadline),
                           "arrival_deadline": iso(o.arrival_deadline)} if o else None}


def fired_rules(book, case: Case) -> list[Rule]:
    """The decision rules whose conditions all hold for `case`, in file order."""
    return [r for r in book.decisions if all(CONDITIONS[n](case, v, book) for n, v in r.when.items())]


def resolve(fired: list[Rule]) -> tuple[dict, dict, list]:
    """Pick each outcome from the highest-priority rule setting it; list equal-priority disagreements."""
    chosen: dict = {}
    by: dict[str, Rule] = {}
    conflicts = []
    for rule in fired:
        for name, value in rule.then.set().items():
            if name not in chosen or rule.priority > by[name].priority:
                chosen[name], by[name] = value, rule
            elif rule.priority == by[name].priority and value != chosen[name]:
                conflicts.append({"outcome": name, "rules": [by[name].id, rule.id], "values": [chosen[name], value]})
    return chosen, by, conflicts


def decide(book, case: Case, now: dt.datetime | None = None) -> Decision:
    """Decide `case` with `book`. A case without a reported time is stamped `now` (default: this instant).

    Without a plan, the case is decided on every plan: the answer most plans get leads (ties: the better plan's),
    `by_plan` says how each group of plans is answered, and the plan is asked for (`missing`)."""
    tz = HolidayCalendar(book.calendar).tz
    case.reported_at = localize(case.reported_at or now or dt.datetime.now(dt.UTC), tz)
    d = _decide(book, case)
    if case.plan is None and book.plans:
        _on_every_plan(book, case, d)
    d.missing = _missing(book, case, d)
    return d


def _decide(book, case: Case) -> Decision:
    d = Decision(case=case, fingerprint=book.fingerprint, notes=list(case.notes))
    fired = fired_rules(book, case)
    chosen, by, d.conflicts = resolve(fired)
    d.trace = [Step(r.id, "rule", r.source, r.reason, r.then.set(), r.priority) for r in fired]
    d.scope = chosen.get("scope", "unknown")
    if "scope" in by:
        d.reason, d.clause, d.articles = by["scope"].reason, by["scope"].clause, list(by["scope"].articles)
    else:
        d.reason = msg("scope_unknown")
    level = chosen.get("support_level")
    if level and d.scope in ("in", "partial"):  # work that is not covered gets no support level
        d.support_level = level
    d.alternatives = list(chosen.get("alternatives", []))
    d.prerequisites = list(chosen.get("prerequisites", []))
    _respond(book, case, d)
    d.channels = _channels(book, case, d)
    if case.onsite:
        d.onsite = onsite_answer(book, case, d, chosen.get("onsite_scope"))
    d.facts = answer_questions(book, case)
    d.trace += [Step(f.id, "fact", f.source, f.text, {"fact": f.id}) for f in d.facts]
    return d


def _on_every_plan(book, case: Case, d: Decision) -> None:
    """Take the scope the plans give (the most plans' answer leads) and keep each group's answer in `by_plan`."""
    groups: dict[tuple, list[str]] = {}
    decided: dict[str, Decision] = {}
    for plan_id in book.plans:  # best first: in a tie the group holding the better plan leads
        variant = _decide(book, replace(case, plan=plan_id, notes=[]))
        decided[plan_id] = variant
        groups.setdefault((variant.scope, variant.support_level, variant.clause, variant.reason), []).append(plan_id)
    lead = decided[max(groups.values(), key=len)[0]]
    d.scope, d.reason, d.clause, d.support_level = lead.scope, lead.reason, lead.clause, lead.support_level
    d.articles, d.alternatives, d.prerequisites = lead.articles, lead.alternatives, lead.prerequisites
    d.conflicts = lead.conflicts
    d.trace = [s for s in lead.trace if s.kind == "rule"] + [s for s in d.trace if s.kind != "rule"]
    if len(groups) > 1:
        d.by_plan = [PlanVariant(tuple(plans), decided[plans[0]].scope, decided[plans[0]].support_level,
                                 decided[plans[0]].reason, decided[plans[0]].clause) for plans in groups.values()]


def _missing(book, case: Case, d: Decision) -> list[Missing]:
    """The facts the answer depends on that the question left out: the plan, which software, its OS, its version."""
    missing = []
    if case.plan is None:
        missing.append(Missing("plan", tuple(book.plans)))
    if case.software_status == "none" and case.topic is None and case.activity in book.lexicon.software_activities:
        missing.append(Missing("software", tuple(book.catalog)))
    row = book.catalog.get(case.software) if case.software_status == "catalog" else None
    if row and len(row.platforms) > 1 and case.platform is None:
        missing.append(Missing("os", tuple(dict.fromkeys(p.os for p in row.platforms))))
    platform = row.platforms[case.platform] if row and case.platform is not None else None
    if platform and platform.versions and not case.version:
        missing.append(Missing("version"))
    return missing


def _respond(book, case: Case, d: Decision) -> None:
    """Set severity, response target and deadline from the plan's table."""
    d.severity = case.severity or book.severity_default
    d.severity_assumed = case.severity is None
    if d.severity_assumed and book.severity_default_note:
        d.notes.append(book.severity_default_note)
    plan = book.plans.get(case.plan)
    if not plan:
        return
    d.response_minutes = plan.response.minutes(d.severity)
    d.response_kind = plan.response.kind
    d.deadline = add_minutes(case.reported_at, d.response_minutes)
    minutes, name = d.response_minutes, plan.name
    reason = (msg("trace_response", plan=plan.id, name=name, severity=book.severities[d.severity].name, minutes=minutes)
              if d.response_kind == "response" else msg("trace_accepted", plan=plan.id, name=name, minutes=minutes))
    d.trace.append(Step(f"plan.{plan.id}.response.{d.severity}", "fact", plan.response.source, reason,
                        {"response_target_minutes": d.response_minutes, "response_kind": d.response_kind}))


def _purpose(book, case: Case) -> str:
    return next((row.purpose for row in book.purpose_by_activity if row.matches(case.activity)), book.fallback_purpose)


def _channels(book, case: Case, d: Decision) -> list[ChannelOffer]:
    """The channels this plan may use for this kind of case, best first.

    When the plan has no channel for the purpose (architecture support on S3, say), the fallback purpose's
    channels are offered instead. A paid channel is listed as paid."""
    purpose = _purpose(book, case)
    if not any(purpose in ch.purposes and book.channel_offer(ch, case.plan) for ch in book.channels):
        purpose = book.fallback_purpose
    offers = []
    for ch in book.channels:
        offer = book.channel_offer(ch, case.plan)
        if purpose not in ch.purposes or not offer:
            continue
        offers.append(ChannelOffer(ch.id, purpose, offer == "paid"))
        d.trace.append(Step(f"channel.{ch.id}", "fact", ch.source, msg("trace_channel", name=ch.name,
                                                                          why=book.purposes[purpose].why),
                            {"channel": ch.id, "paid": offer == "paid"}))
    return offers
