"""Decide a case: fire the decision rules, then look up channels, response targets, onsite times and the direct
answers (`facts`) to questions about the services. Every wording comes from the rule files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

from kb.rules.case import Case
from kb.rules.clock import HolidayCalendar
from kb.rules.clock import ServiceHours
from kb.rules.clock import add_minutes
from kb.rules.clock import localize
from kb.rules.conditions import CONDITIONS
from kb.rules.lexicon import normalize
from kb.rules.lexicon import term_pattern


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
    facts: list = field(default_factory=list)  # direct answers: {id, text, source}
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
        d.reason = book.message("scope_unknown", lang)
    level = chosen.get("support_level")
    if level and d.scope in ("in", "partial"):  # work that is not covered gets no support level
        d.support_level = {"id": level, "name": text(book.support_levels[level]["name"])}
    d.alternatives = [_alternative(book.alternatives[a], text) for a in chosen.get("alternatives", [])]
    prereqs = {p["id"]: p for p in book.prerequisites}
    d.prerequisites = [{"id": p, "text": text(prereqs[p]["text"]), "source": prereqs[p]["source"]}
                       for p in chosen.get("prerequisites", [])]
    _respond(book, case, d, text)
    d.channels = _channels(book, case, d, text)
    if case.onsite:
        d.onsite = _onsite(book, case, d, text, chosen.get("onsite_scope"))
    d.facts = _facts(book, case, lang)
    d.trace += [{"id": f["id"], "kind": "fact", "source": f["source"], "reason": f["text"], "outcome": {"fact": f["id"]}}
                for f in d.facts]
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
    for row in book.purpose_by_activity:
        if row["activities"] == "any" or case.activity in row["activities"]:
            return row["purpose"]
    return book.fallback_purpose


def _channels(book, case: Case, d: Decision, text) -> list[dict]:
    """The channels this plan may use for this kind of case, best first, each with why.

    When the plan has no channel for the purpose (architecture support on S3, say), the fallback purpose's
    channels are offered instead. A paid channel is listed as paid, with who may use it."""
    purpose = _purpose(book, case)
    if not any(purpose in ch["purposes"] and book.channel_offer(ch, case.plan) for ch in book.channels):
        purpose = book.fallback_purpose
    ranked = []
    for ch in book.channels:
        offer = book.channel_offer(ch, case.plan)
        if purpose not in ch["purposes"] or not offer:
            continue
        why = text(book.purposes[purpose]["why"])
        entry = {"id": ch["id"], "name": text(ch["name"]), "how": text(ch["how"]),
                 "hours": text(ch["hours"]) if isinstance(ch.get("hours"), dict) else ch.get("hours"),
                 "why": why, "paid": offer == "paid", "source": ch["source"]}
        notes = [ch.get("response_note"), ch.get("customers") if offer == "paid" else None, ch.get("note")]
        if any(notes):
            entry["note"] = book.message("clause_separator", d.lang).join(text(n) for n in notes if n)
        ranked.append(entry)
        d.trace.append({"id": f"channel.{ch['id']}", "kind": "fact", "source": ch["source"],
                        "reason": f"{text(ch['name'])}: {why}", "outcome": {"channel": ch["id"], "paid": offer == "paid"}})
    return ranked


def _onsite(book, case: Case, d: Decision, text, onsite_scope) -> dict:
    """Onsite response and arrival deadlines for the contract's mode, fault level, hours and city.

    Only for an incident (a fault level, a severity or a problem reported): a question about the service
    itself gets its facts, not deadlines for a fault nobody has."""
    doc = book.onsite
    mode = next((m for m in doc["modes"] if m["id"] == case.onsite.mode), None)
    if mode is None:
        return {"error": book.message("onsite_mode_unknown", d.lang, mode=case.onsite.mode)}
    calendar = HolidayCalendar(book.calendar)
    hours = ServiceHours(mode["service_hours"], calendar)
    at = case.reported_at
    inside = hours.contains(at)
    day = calendar.day(at.date())
    result = {"mode": mode["id"], "scope": onsite_scope or "in", "in_service_hours": inside, "fault_level": None,
              "fault_level_assumed": False, "response_minutes": None, "arrival_minutes": None, "response_deadline": None,
              "arrival_deadline": None, "fast_arrival": False, "reported_day": day.to_dict(), "next_service_window": None,
              "skipped_days": [], "service_hours": {k: mode["service_hours"][k] for k in ("days", "start", "end", "timezone")},
              "source": mode["service_hours"]["source"]}
    if case.fault_level is None and case.severity is None and case.activity != book.lexicon.get("problem_activity"):
        return result
    level = case.fault_level
    if level is None:
        level = doc["fault_level_by_severity"][d.severity["id"]]
        d.notes.append(book.message("fault_level_assumed", d.lang, level=level))
    rule = next(f for f in mode["fault_levels"] if f["level"] == level)
    times = rule["in_hours"] if inside or "out_of_hours" not in rule else rule["out_of_hours"]
    arrival = times["arrival_minutes"]
    fast = times.get("fast_arrival")
    fast_applies = bool(fast) and case.onsite.staff >= fast["min_staff"] and _city_in(case.onsite.city, fast)
    if fast_applies:
        arrival = fast["arrival_minutes"]
    window, skipped = (None, []) if inside else hours.next_window(at)
    result.update({
        "fault_level": level, "fault_level_assumed": case.fault_level is None,
        "response_minutes": times["response_minutes"], "arrival_minutes": arrival,
        "response_deadline": add_minutes(at, times["response_minutes"]).isoformat(),
        "arrival_deadline": add_minutes(at, arrival).isoformat(),
        "fast_arrival": fast_applies,
        "next_service_window": window.isoformat() if window else None,
        "skipped_days": [s.to_dict() for s in skipped],
        "source": rule["source"],
    })
    for year in sorted({x.date.year for x in [day, *skipped] if not x.known}):
        d.notes.append(book.message("calendar_unknown_year", d.lang, year=year))
    for year in sorted({x.date.year for x in [day, *skipped] if x.provisional}):
        d.notes.append(book.message("calendar_provisional_year", d.lang, year=year))
    when = "onsite_in_hours" if inside else "onsite_out_of_hours"
    d.trace.append({"id": f"onsite.{mode['id']}.level{level}.{'in_hours' if inside else 'out_of_hours'}", "kind": "fact",
                    "source": rule["source"], "reason": book.message(when, d.lang),
                    "outcome": {"response_minutes": times["response_minutes"], "arrival_minutes": arrival}})
    d.trace.append({"id": "calendar.day", "kind": "fact", "source": mode["service_hours"]["source"],
                    "reason": f"{day.date.isoformat()} {day.kind}" + (f" ({text(day.name)})" if day.name else ""),
                    "outcome": {"in_service_hours": inside}})
    return result


def _city_in(city: str | None, fast: dict) -> bool:
    """Whether the contract's city is one of the fast-arrival cities; a district counts (上海市浦东新区, Shanghai Pudong)."""
    if not city:
        return False
    city = normalize(city)
    names = [name for c in fast["cities"] for name in [c, *fast.get("city_aliases", {}).get(c, [])]]
    return any(term_pattern(normalize(name)).search(city) for name in names)


# ---- direct answers to questions about the services (lexicon service_questions → Decision.facts) ----

def _facts(book, case: Case, lang: str) -> list[dict]:
    questions = {q["id"]: q for q in book.lexicon.get("service_questions", [])}
    facts: dict[str, dict] = {}
    for asked in case.asks:
        question = questions[asked]
        for fact in ANSWERS[question["answer"]](book, case, question, lang):
            facts.setdefault(fact["id"], fact)
    return list(facts.values())


def _fact(fid: str, text: str, source: str) -> dict:
    return {"id": fid, "text": text, "source": source}


def _asked_plans(book, case: Case) -> list[dict]:
    """The plans a question is about: named in it, else the case's plan; none means every plan."""
    ids = case.named_plans or ([case.plan] if case.plan in book.plans else [])
    return [book.plans[p] for p in ids]


def _plan_label(book, plan: dict, lang: str) -> str:
    return book.message("plan_label", lang, id=plan["id"], name=plan["name"])


def _audience(book, offer, lang: str) -> str:
    """Who gets an offering, from the plans' offers: "all customers", or the plans (paid ones marked)."""
    offers = {pid: offer(pid) for pid in book.plans}
    if all(o is True for o in offers.values()):
        return book.message("all_customers", lang)
    paid = book.message("paid_marker", lang)
    return book.message("list_separator", lang).join(
        _plan_label(book, book.plans[pid], lang) + (paid if o == "paid" else "") for pid, o in offers.items() if o)


def _offering(book, case: Case, lang: str, fid: str, name: dict, detail: str, source: str, offer) -> list[dict]:
    """Yes/no answers for each plan asked about (offer(plan_id) → True, "paid" or False), or who gets it."""
    plans = _asked_plans(book, case)
    audience = _audience(book, offer, lang)
    if not plans:
        return [_fact(fid, book.message("fact_audience", lang, name=name, plans=audience, detail=detail), source)]
    keys = {True: "fact_offered", "paid": "fact_paid", False: "fact_not_offered"}
    return [_fact(f"plan.{p['id']}.{fid}", book.message(keys[offer(p["id"])], lang, plan=_plan_label(book, p, lang),
                                                           name=name, plans=audience, detail=detail), source)
            for p in plans]


def _answer_channel(book, case, question, lang) -> list[dict]:
    facts = []
    for cid in question["channels"]:
        ch = book.channel(cid)  # the rule book's cross-check guarantees the id
        detail = book.message("clause_separator", lang).join(
            book.text(ch[k], lang) for k in ("how", "scope") if ch.get(k))
        facts += _offering(book, case, lang, f"channel.{cid}", ch["name"], detail, ch["source"],
                           lambda pid, ch=ch: book.channel_offer(ch, pid))
    return facts


def _answer_plan_feature(book, case, question, lang) -> list[dict]:
    feature = question["feature"]
    rows = [p[feature] for p in book.plans.values()]
    row = next((r for r in rows if "text" in r), rows[0])  # the plan-table cell that says what the feature is
    return _offering(book, case, lang, f"feature.{feature}", book.features[feature],
                     book.text(row.get("text", book.features[feature]), lang), row["source"],
                     lambda pid: book.plans[pid][feature]["offered"])


def _answer_response_times(book, case, question, lang) -> list[dict]:
    facts = []
    for plan in _asked_plans(book, case) or list(book.plans.values()):
        response, label = plan["response"], _plan_label(book, plan, lang)
        if response.get("by_severity"):
            rows = [book.message("response_row", lang, severity=book.severities[s]["name"], minutes=response["by_severity"][s])
                    for s in book.severities if s in response["by_severity"]]
            text = book.message("fact_response_times", lang, plan=label, times=book.message("list_separator", lang).join(rows))
        else:
            text = book.message("fact_response_accepted", lang, plan=label, minutes=response["any_severity"])
        facts.append(_fact(f"plan.{plan['id']}.response", text, response["source"]))
    return facts


def _answer_third_party(book, case, question, lang) -> list[dict]:
    return [_fact(f"plan.{p['id']}.third_party_support", book.message(
        "fact_third_party", lang, plan=_plan_label(book, p, lang),
        level=book.third_party_levels[p["third_party_support"]["level"]]["name"]), p["third_party_support"]["source"])
        for p in _asked_plans(book, case) or list(book.plans.values())]


def _asked_modes(book, case: Case) -> list[dict]:
    """The onsite modes a question is about: the contract's, else those named, else every mode."""
    ids = [case.onsite.mode] if case.onsite else case.named_modes
    return [m for m in book.onsite["modes"] if not ids or m["id"] in ids]


def _answer_onsite_items(book, case, question, lang) -> list[dict]:
    sep = book.message("list_separator", lang)
    return [_fact(f"onsite.{m['id']}.items", book.message(
        "fact_onsite_items", lang, mode=m["name"], items=sep.join(
            book.message("item_frequency", lang, name=i["name"], frequency=i["frequency"]) for i in m["items"])),
        m["items_source"]) for m in _asked_modes(book, case)]


def _answer_onsite_overtime(book, case, question, lang) -> list[dict]:
    h = book.onsite["holidays"]
    text = book.message("fact_onsite_overtime", lang, schedule=h["schedule"], weekend=h["overtime"]["weekend"],
                        public_holiday=h["overtime"]["public_holiday"], on_call=h["on_call"])
    return [_fact("onsite.holidays", text, h["source"])]


def _answer_onsite_deliverables(book, case, question, lang) -> list[dict]:
    dl = book.onsite["deliverables"]
    reports = book.message("list_separator", lang).join(
        book.message("report_months", lang, months=r["months"], name=r["name"]) for r in dl["reports"])
    text = book.message("fact_onsite_deliverables", lang, reports=reports, due=dl["due"], emergency=dl["emergency"])
    return [_fact("onsite.deliverables", text, f"{dl['source']}; {dl['emergency_source']}")]


def _answer_onsite_advice(book, case, question, lang) -> list[dict]:
    return [_fact(f"onsite.{m['id']}.advice", book.text(m["advice"], lang), m["advice_source"])
            for m in _asked_modes(book, case) if m.get("advice")]


# How each kind of service question is answered (rule_schema.ANSWERS names them for the lexicon).
ANSWERS = {
    "channel": _answer_channel, "plan_feature": _answer_plan_feature, "response_times": _answer_response_times,
    "third_party_support": _answer_third_party, "onsite_items": _answer_onsite_items,
    "onsite_overtime": _answer_onsite_overtime, "onsite_deliverables": _answer_onsite_deliverables,
    "onsite_advice": _answer_onsite_advice,
}
