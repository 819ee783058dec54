"""Decide a case: fire the decision rules, then look up channels, response targets and onsite times."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

from kb.case import Case
from kb.clock import HolidayCalendar
from kb.clock import ServiceHours
from kb.clock import add_minutes
from kb.clock import localize
from kb.conditions import CONDITIONS


@dataclass
class Decision:
    """The answer to a case, with every rule and fact that produced it in `trace`."""

    case: Case
    lang: str
    scope: str = "unknown"
    reason: str = ""
    clause: dict | None = None
    support_level: dict | None = None
    severity: dict | None = None
    response_target_minutes: int | None = None
    response_kind: str | None = None
    deadline: str | None = None
    channels: list = field(default_factory=list)
    alternatives: list = field(default_factory=list)
    prerequisites: list = field(default_factory=list)
    articles: list = field(default_factory=list)
    onsite: dict | None = None
    notes: list = field(default_factory=list)
    trace: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready view; `software` and `activity` are lifted from the case for convenience."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("case", "trace")}
        data.update(software=self.case.software, activity=self.case.activity, case=self.case.to_dict(),
                    rules=self.trace)
        return data


def fired_rules(book, case: Case) -> list[dict]:
    """The decision rules whose conditions all hold for `case`, in file order."""
    return [r for r in book.decisions if all(CONDITIONS[n](case, v, book) for n, v in r["when"].items())]


def resolve(fired: list[dict]) -> tuple[dict, dict, list]:
    """Pick each outcome from the highest-priority rule setting it; list equal-priority disagreements."""
    chosen: dict = {}
    by: dict = {}
    conflicts = []
    for rule in fired:
        for name, value in rule["then"].items():
            prio = rule.get("priority", 0)
            if name not in chosen or prio > by[name].get("priority", 0):
                chosen[name], by[name] = value, rule
            elif prio == by[name].get("priority", 0) and value != chosen[name]:
                conflicts.append({"outcome": name, "rules": [by[name]["id"], rule["id"]], "values": [chosen[name], value]})
    return chosen, by, conflicts


def decide(book, case: Case, lang: str | None = None, now: dt.datetime | None = None) -> Decision:
    """Decide `case` with `book`; texts come out in `lang` (default: the case's language)."""
    lang = lang or case.lang
    text = lambda obj: book.text(obj, lang) if isinstance(obj, dict) else obj  # noqa: E731
    tz = HolidayCalendar(book.calendar).tz
    case.reported_at = localize(case.reported_at or now or dt.datetime.now(tz), tz)
    d = Decision(case=case, lang=lang, notes=[text(n) for n in case.notes])

    fired = fired_rules(book, case)
    chosen, by, d.conflicts = resolve(fired)
    for rule in fired:
        d.trace.append({"id": rule["id"], "kind": "rule", "source": rule["source"], "reason": text(rule["reason"]),
                        "outcome": rule["then"], "priority": rule.get("priority", 0)})
    d.scope = chosen.get("scope", "unknown")
    if "scope" in by:
        d.reason = text(by["scope"]["reason"])
        d.articles = list(by["scope"].get("articles", []))
        clause = book.clauses.get(by["scope"].get("clause"))
        if clause:
            d.clause = {"id": clause["id"], "text": text(clause["text"]), "source": clause["source"]}
    else:
        d.reason = text({"zh": "规则无法判断该问题是否在服务范围内，需由工程师确认。",
                         "en": "The rules cannot tell whether this is covered; an engineer needs to look."})
    level = chosen.get("support_level")
    if level:
        name = book.third_party_levels[level]["name"] if level in book.third_party_levels else \
            {"zh": "腾讯云产品技术支持", "en": "Support for the provider's products"}
        d.support_level = {"id": level, "name": text(name)}
    d.alternatives = [_alternative(book.alternatives[a], text) for a in chosen.get("alternatives", [])]
    prereqs = {p["id"]: p for p in book.prerequisites}
    d.prerequisites = [{"id": p, "text": text(prereqs[p]["text"]), "source": prereqs[p]["source"]}
                       for p in chosen.get("prerequisites", [])]
    _respond(book, case, d, text)
    d.channels = _channels(book, case, d, text)
    if case.onsite:
        d.onsite = _onsite(book, case, d, text, chosen.get("onsite_scope"))
    return d


def _alternative(alt, text) -> dict:
    return {"id": alt["id"], "name": text(alt["name"]), "how": text(alt["how"]), "source": alt["source"]}


def _respond(book, case: Case, d: Decision, text) -> None:
    """Set severity, response target and deadline from the plan's table."""
    sev_id = case.severity or book.severity_default["id"]
    sev = book.severities[sev_id]
    d.severity = {"id": sev_id, "name": text(sev["name"]), "assumed": case.severity is None}
    if case.severity is None and book.severity_default.get("note"):
        d.notes.append(text(book.severity_default["note"]))
    plan = book.plans.get(case.plan)
    if not plan:
        return
    response = plan["response"]
    minutes = response.get("by_severity", {}).get(sev_id, response.get("any_severity"))
    d.response_target_minutes = minutes
    d.response_kind = response.get("kind", "response")
    d.deadline = add_minutes(case.reported_at, minutes).isoformat()
    d.trace.append({"id": f"plan.{plan['id']}.response.{sev_id}", "kind": "fact", "source": response["source"],
                    "reason": f"{plan['id']} {text(plan['name'])} · {text(sev['name'])}: {minutes} min",
                    "outcome": {"response_target_minutes": minutes, "response_kind": d.response_kind}})


def _purpose(book, case: Case) -> str:
    if case.topic and case.software_status == "none":
        return "consulting"
    for row in book.purpose_by_activity:
        if row["activities"] == "any" or case.activity in row["activities"]:
            return row["purpose"]
    return "consulting"


def _eligible(channel, plan) -> bool:
    if channel.get("plans") == "all":
        return True
    if plan is None:
        return False
    if channel.get("plans_feature"):
        return plan.get(channel["plans_feature"], {}).get("offered") in (True, "paid")
    return plan["id"] in channel.get("plans", [])


def _channels(book, case: Case, d: Decision, text) -> list[dict]:
    """The channels this plan may use for this kind of case, best first, each with why.

    When the plan has no channel for the purpose (architecture support on S3, say), the consulting
    channels every customer has are offered instead."""
    purpose = _purpose(book, case)
    plan = book.plans.get(case.plan)
    if not any(purpose in ch["purposes"] and _eligible(ch, plan) for ch in book.channels):
        purpose = "consulting"
    ranked = []
    for ch in book.channels:
        if purpose not in ch["purposes"] or not _eligible(ch, plan):
            continue
        why = {"zh": f"适用于{'技术排障' if purpose == 'troubleshooting' else '咨询'}类问题", "en": f"for {purpose} questions"}
        entry = {"id": ch["id"], "name": text(ch["name"]), "how": text(ch["how"]),
                 "hours": text(ch["hours"]) if isinstance(ch.get("hours"), dict) else ch.get("hours"),
                 "why": text(why), "source": ch["source"]}
        if ch.get("response_note"):
            entry["note"] = text(ch["response_note"])
        ranked.append(entry)
        d.trace.append({"id": f"channel.{ch['id']}", "kind": "fact", "source": ch["source"],
                        "reason": f"{text(ch['name'])}: {purpose}", "outcome": {"channel": ch["id"]}})
    return ranked


def _onsite(book, case: Case, d: Decision, text, onsite_scope) -> dict:
    """Onsite response and arrival deadlines for the contract's mode, fault level, hours and city."""
    doc = book.onsite
    mode = next((m for m in doc["modes"] if m["id"] == case.onsite.mode), None)
    if mode is None:
        return {"error": text({"zh": f"未知驻场模式 {case.onsite.mode}", "en": f"Unknown onsite mode {case.onsite.mode}"})}
    calendar = HolidayCalendar(book.calendar)
    hours = ServiceHours(mode["service_hours"], calendar)
    level = case.fault_level
    assumed = level is None
    if assumed:
        level = doc["fault_level_by_severity"][d.severity["id"]]
        d.notes.append(text({
            "zh": f"未说明故障级别，按严重性假设为{level}级（我们的约定，非原文）。",
            "en": f"No fault level given; assumed level {level} from the severity (our convention, not the source)."}))
    rule = next(f for f in mode["fault_levels"] if f["level"] == level)
    at = case.reported_at
    inside = hours.contains(at)
    times = rule["in_hours"] if inside or "out_of_hours" not in rule else rule["out_of_hours"]
    arrival = times["arrival_minutes"]
    fast = times.get("fast_arrival")
    fast_applies = bool(fast) and case.onsite.staff >= fast["min_staff"] and _city_in(case.onsite.city, fast)
    if fast_applies:
        arrival = fast["arrival_minutes"]
    day = calendar.day(at.date())
    window, skipped = (None, []) if inside else hours.next_window(at)
    result = {
        "mode": mode["id"], "fault_level": level, "fault_level_assumed": assumed,
        "scope": onsite_scope or "in",
        "in_service_hours": inside,
        "response_minutes": times["response_minutes"], "arrival_minutes": arrival,
        "response_deadline": add_minutes(at, times["response_minutes"]).isoformat(),
        "arrival_deadline": add_minutes(at, arrival).isoformat(),
        "fast_arrival": fast_applies,
        "reported_day": day.to_dict(),
        "next_service_window": window.isoformat() if window else None,
        "skipped_days": [s.to_dict() for s in skipped],
        "service_hours": {k: mode["service_hours"][k] for k in ("days", "start", "end", "timezone")},
        "source": rule["source"],
    }
    if not day.known:
        d.notes.append(text({"zh": f"节假日日历没有 {at.year} 年的数据，只按周末计算。",
                             "en": f"The holiday calendar has no data for {at.year}; only weekends were considered."}))
    when = {"zh": "现场服务时间内", "en": "inside onsite service hours"} if inside else \
        {"zh": "非现场服务时间或节假日", "en": "outside service hours or on a holiday"}
    d.trace.append({"id": f"onsite.{mode['id']}.level{level}.{'in_hours' if inside else 'out_of_hours'}", "kind": "fact",
                    "source": rule["source"], "reason": text(when),
                    "outcome": {"response_minutes": times["response_minutes"], "arrival_minutes": arrival}})
    d.trace.append({"id": "calendar.day", "kind": "fact", "source": mode["service_hours"]["source"],
                    "reason": f"{day.date.isoformat()} {day.kind}" + (f" ({text(day.name)})" if day.name else ""),
                    "outcome": {"in_service_hours": inside}})
    return result


def _city_in(city: str | None, fast: dict) -> bool:
    if not city:
        return False
    city = city.strip().lower().removesuffix("市")
    return any(city == c or city in fast.get("city_aliases", {}).get(c, []) for c in fast["cities"])
