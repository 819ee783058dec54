"""Direct answers to questions about the services themselves (lexicon `service_questions` → Decision.facts).

Each kind of question (its `answer`) has one function here; the wording is messages.yaml's, filled with the
facts of plans.yaml, channels.yaml and onsite.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.rules.case import Case
from kb.rules.text import Joined
from kb.rules.text import Wording
from kb.rules.text import msg


@dataclass(frozen=True)
class Fact:
    """A direct answer, with the clause it comes from."""

    id: str
    text: Wording
    source: str


def answer_questions(book, case: Case) -> list[Fact]:
    """The facts that answer the service questions the case asks, each once."""
    questions = {q.id: q for q in book.lexicon.service_questions}
    facts: dict[str, Fact] = {}
    for asked in case.asks:
        question = questions[asked]
        for fact in ANSWERS[question.answer](book, case, question):
            facts.setdefault(fact.id, fact)
    return list(facts.values())


def _asked_plans(book, case: Case) -> list:
    """The plans a question is about: named in it, else the case's plan; none means every plan."""
    ids = case.named_plans or ([case.plan] if case.plan in book.plans else [])
    return [book.plans[p] for p in ids]


def _plan_label(plan) -> Wording:
    return msg("plan_label", id=plan.id, name=plan.name)


def _audience(book, offer) -> Wording:
    """Who gets an offering, from the plans' offers: "all customers", or the plans (paid ones marked)."""
    offers = {pid: offer(pid) for pid in book.plans}
    if all(o is True for o in offers.values()):
        return msg("all_customers")
    return Joined(tuple(Joined((_plan_label(book.plans[pid]), msg("paid_marker")), None) if o == "paid"
                        else _plan_label(book.plans[pid]) for pid, o in offers.items() if o))


def _offering(book, case: Case, fid: str, name, detail: Wording, source: str, offer) -> list[Fact]:
    """Yes/no answers for each plan asked about (offer(plan_id) → True, "paid" or False), or who gets it."""
    plans = _asked_plans(book, case)
    audience = _audience(book, offer)
    if not plans:
        return [Fact(fid, msg("fact_audience", name=name, plans=audience, detail=detail), source)]
    keys = {True: "fact_offered", "paid": "fact_paid", False: "fact_not_offered"}
    return [Fact(f"plan.{p.id}.{fid}", msg(keys[offer(p.id)], plan=_plan_label(p), name=name, plans=audience,
                                             detail=detail), source) for p in plans]


def _answer_channel(book, case, question) -> list[Fact]:
    facts = []
    for cid in question.channels:
        ch = book.channel(cid)  # the rule book's cross-check guarantees the id
        detail = Joined(tuple(part for part in (ch.how, ch.scope) if part), "clause_separator")
        facts += _offering(book, case, f"channel.{cid}", ch.name, detail, ch.source,
                           lambda pid, ch=ch: book.channel_offer(ch, pid))
    return facts


def _answer_plan_feature(book, case, question) -> list[Fact]:
    feature = question.feature
    rows = [p.feature(feature) for p in book.plans.values()]
    row = next((r for r in rows if r.text), rows[0])  # the plan-table cell that says what the feature is
    return _offering(book, case, f"feature.{feature}", book.features[feature], row.text or book.features[feature],
                     row.source, lambda pid: book.plans[pid].feature(feature).offered)


def _answer_response_times(book, case, question) -> list[Fact]:
    facts = []
    for plan in _asked_plans(book, case) or list(book.plans.values()):
        response, label = plan.response, _plan_label(plan)
        if response.by_severity:
            rows = Joined(tuple(msg("response_row", severity=book.severities[s].name, minutes=response.by_severity[s])
                                for s in book.severities if s in response.by_severity))
            text = msg("fact_response_times", plan=label, times=rows)
        else:
            text = msg("fact_response_accepted", plan=label, minutes=response.any_severity)
        facts.append(Fact(f"plan.{plan.id}.response", text, response.source))
    return facts


def _answer_third_party(book, case, question) -> list[Fact]:
    return [Fact(f"plan.{p.id}.third_party_support", msg(
        "fact_third_party", plan=_plan_label(p), level=book.third_party_levels[p.third_party_support.level].name),
        p.third_party_support.source) for p in _asked_plans(book, case) or list(book.plans.values())]


def _asked_modes(book, case: Case) -> list:
    """The onsite modes a question is about: the contract's, else those named, else every mode."""
    ids = [case.onsite.mode] if case.onsite else case.named_modes
    return [m for m in book.onsite.modes if not ids or m.id in ids]


def _answer_onsite_items(book, case, question) -> list[Fact]:
    return [Fact(f"onsite.{m.id}.items", msg("fact_onsite_items", mode=m.name, items=Joined(tuple(
        msg("item_frequency", name=i.name, frequency=i.frequency) for i in m.items))), m.items_source)
        for m in _asked_modes(book, case)]


def _answer_onsite_overtime(book, case, question) -> list[Fact]:
    h = book.onsite.holidays
    text = msg("fact_onsite_overtime", schedule=h.schedule, weekend=h.overtime.weekend,
               public_holiday=h.overtime.public_holiday, on_call=h.on_call)
    return [Fact("onsite.holidays", text, h.source)]


def _answer_onsite_deliverables(book, case, question) -> list[Fact]:
    dl = book.onsite.deliverables
    reports = Joined(tuple(msg("report_months", months=r.months, name=r.name) for r in dl.reports))
    text = msg("fact_onsite_deliverables", reports=reports, due=dl.due, emergency=dl.emergency)
    return [Fact("onsite.deliverables", text, f"{dl.source}; {dl.emergency_source}")]


def _answer_onsite_advice(book, case, question) -> list[Fact]:
    return [Fact(f"onsite.{m.id}.advice", m.advice, m.advice_source) for m in _asked_modes(book, case) if m.advice]


# How each kind of service question is answered (model.ServiceQuestion.answer names them).
ANSWERS = {
    "channel": _answer_channel, "plan_feature": _answer_plan_feature, "response_times": _answer_response_times,
    "third_party_support": _answer_third_party, "onsite_items": _answer_onsite_items,
    "onsite_overtime": _answer_onsite_overtime, "onsite_deliverables": _answer_onsite_deliverables,
    "onsite_advice": _answer_onsite_advice,
}
