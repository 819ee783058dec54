"""Show a language-neutral decision in one language (kb.rules.views: `kb ask --json` and `POST /api/v1/ask`)."""

from __future__ import annotations

from kb.rules import views as v
from kb.rules.engine import ChannelOffer
from kb.rules.engine import Decision
from kb.rules.onsite import OnsiteAnswer
from kb.rules.text import Joined
from kb.rules.text import both
from kb.rules.text import msg
from kb.rules.text import render
from kb.rules.trace import Step


class Renderer:
    """Renders decisions and their parts in `lang` with one rule book's wording."""

    def __init__(self, book, lang: str):
        self.book, self.lang = book, lang

    def text(self, value) -> str:
        return render(self.book.messages, value, self.lang)

    def cite(self, source: str) -> dict:
        return self.book.sources.cite(source, self.lang)

    def decision(self, d: Decision) -> v.DecisionView:
        """The whole decision in this language, every text rendered and every time in ISO 8601 with its offset."""
        book = self.book
        clause = book.clauses.get(d.clause) if d.clause else None
        case = d.case.to_dict()
        case["notes"] = [{"code": n.key, **both(book.messages, n)} for n in d.case.notes]
        return v.DecisionView(
            lang=self.lang, scope=d.scope, reason=self.text(d.reason),
            clause=self.quoted(clause) if clause else None,
            support_level=self.level(d.support_level),
            severity=v.SeverityView(id=d.severity, name=self.text(book.severities[d.severity].name), assumed=d.severity_assumed),
            response_target_minutes=d.response_minutes, response_kind=d.response_kind,
            deadline=d.deadline.isoformat() if d.deadline else None,
            channels=[self.channel(offer) for offer in d.channels],
            alternatives=[self.alternative(a) for a in d.alternatives],
            prerequisites=[self.quoted(book.prerequisites[p]) for p in d.prerequisites],
            facts=[v.FactView(id=f.id, text=self.text(f.text), **self.cite(f.source)) for f in d.facts],
            articles=list(d.articles), onsite=self.onsite(d.onsite) if d.onsite else None,
            notes=[self.text(n) for n in d.notes], conflicts=d.conflicts, software=d.case.software,
            activity=d.case.activity, case=case, rules=[self.step(s) for s in d.trace],
            by_plan=[self.variant(v) for v in d.by_plan], missing=[self.missing(m) for m in d.missing])

    def level(self, level_id: str | None) -> v.NamedView | None:
        level = self.book.support_levels.get(level_id) if level_id else None
        return v.NamedView(id=level.id, name=self.text(level.name)) if level else None

    def variant(self, variant) -> v.PlanVariantView:
        clause = self.book.clauses.get(variant.clause) if variant.clause else None
        return v.PlanVariantView(plans=list(variant.plans), scope=variant.scope, support_level=self.level(variant.support_level),
                                 reason=self.text(variant.reason), clause=self.quoted(clause) if clause else None)

    def missing(self, missing) -> v.MissingView:
        """What to ask for, with each choice named as the customer knows it."""
        book = self.book
        names = {"plan": lambda c: msg("plan_label", id=c, name=book.plans[c].name),
                 "software": lambda c: book.catalog[c].name,
                 "os": lambda c: next((o.name for o in book.lexicon.os if o.id == c and o.name), c)}.get(missing.fact)
        return v.MissingView(fact=missing.fact, question=self.text(msg(f"ask_{missing.fact}")),
                             choices=[v.NamedView(id=c, name=self.text(names(c))) for c in missing.choices])

    def quoted(self, clause) -> v.ClauseView:
        return v.ClauseView(id=clause.id, text=self.text(clause.text), **self.cite(clause.source))

    def step(self, step: Step) -> v.StepView:
        return v.StepView(id=step.id, kind=step.kind, **self.cite(step.source), reason=self.text(step.reason),
                          outcome=step.outcome, priority=step.priority)

    def channel(self, offer: ChannelOffer) -> v.ChannelView:
        """A channel offer with how to reach it, its hours, why it was offered and its notes."""
        ch = self.book.channel(offer.id)
        notes = [n for n in (ch.response_note, ch.customers if offer.paid else None, ch.note) if n]
        return v.ChannelView(id=ch.id, name=self.text(ch.name), how=self.text(ch.how),
                             hours=self.text(ch.hours) if ch.hours is not None else None,
                             why=self.text(self.book.purposes[offer.purpose].why), paid=offer.paid, **self.cite(ch.source),
                             note=self.text(Joined(tuple(notes), "clause_separator")) if notes else None)

    def alternative(self, alt_id: str) -> v.AlternativeView:
        alt = self.book.alternatives[alt_id]
        return v.AlternativeView(id=alt.id, name=self.text(alt.name), how=self.text(alt.how), **self.cite(alt.source))

    def onsite(self, o: OnsiteAnswer) -> v.OnsiteView:
        iso = lambda moment: moment.isoformat() if moment else None  # noqa: E731
        hours = o.service_hours
        return v.OnsiteView(
            mode=o.mode, scope=o.scope, in_service_hours=o.in_service_hours, fault_level=o.fault_level,
            fault_level_assumed=o.fault_level_assumed, response_minutes=o.response_minutes,
            arrival_minutes=o.arrival_minutes, response_deadline=iso(o.response_deadline),
            arrival_deadline=iso(o.arrival_deadline), fast_arrival=o.fast_arrival,
            reported_day=o.reported_day.to_dict(), next_service_window=iso(o.next_service_window),
            skipped_days=[day.to_dict() for day in o.skipped_days],
            service_hours=v.ServiceHoursView(days=hours.days, start=hours.start, end=hours.end, timezone=hours.timezone),
            **self.cite(o.source))


def render_decision(book, decision: Decision, lang: str) -> v.DecisionView:
    """The decision in `lang` (see Renderer.decision)."""
    return Renderer(book, lang).decision(decision)


def trace_in_both(book, decision: Decision) -> list[dict]:
    """The trace with each reason in every language ({zh, en}): what a ticket stores, decided once."""
    return [dict(Renderer(book, "en").step(s).model_dump(mode="json"), reason=both(book.messages, s.reason))
            for s in decision.trace]
