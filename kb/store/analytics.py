"""What customers miss, over a date range: the top searches and questions, those with no result or no click,
articles voted unhelpful, questions the rules could not decide, deflection, and tickets by kind with the share
whose first response met its deadline.

Deflection (each conversation that searched or asked is a visit, on the day of its first record):
- windowed, as ServiceNow defines it: a ticket from the visit within `window` hours is *not deflected*; none is a
  *potential* deflection; none and a "this solved it" is a *confirmed* one;
- explicit, as Zendesk records it: the "solved" and "still need help" events themselves.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections import defaultdict

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import select
from sqlalchemy import union_all

from kb.store.db import Database
from kb.store.tables import AskLog
from kb.store.tables import Event
from kb.store.tables import SearchLog
from kb.store.tables import Ticket
from kb.store.tables import Vote

UNDECIDED = "unknown"  # the scope of a question no rule decided


class Analytics:
    """Reports over [start, end) (timezone-aware instants)."""

    def __init__(self, db: Database):
        self.db = db

    def queries(self, start: dt.datetime, end: dt.datetime, limit: int = 20) -> list[dict]:
        """The most frequent searches and questions (by normalised text), with how many found nothing and how many
        searches with results nobody clicked."""
        one, zero = literal_column("1"), literal_column("0")
        searches = select(SearchLog.query_key.label("key"), one.label("search"), zero.label("ask"),
                          case((SearchLog.result_count == 0, 1), else_=0).label("empty"),
                          case(((SearchLog.result_count > 0) & SearchLog.clicked_article_id.is_(None), 1),
                               else_=0).label("unclicked")) \
            .where(SearchLog.created_at >= start, SearchLog.created_at < end)
        asks = select(AskLog.query_key, zero, one, case((AskLog.result_count == 0, 1), else_=0), zero) \
            .where(AskLog.created_at >= start, AskLog.created_at < end)
        rows = union_all(searches, asks).subquery()
        count = func.count().label("count")
        query = select(rows.c.key, count, func.sum(rows.c.search).label("searches"), func.sum(rows.c.ask).label("asks"),
                       func.sum(rows.c.empty).label("no_results"), func.sum(rows.c.unclicked).label("no_click")) \
            .group_by(rows.c.key).order_by(count.desc(), rows.c.key).limit(limit)
        with self.db.read.begin() as session:
            return [{k: (int(v) if k != "key" else v) for k, v in r.items()} for r in session.execute(query).mappings()]

    def unhelpful(self, start: dt.datetime, end: dt.datetime, limit: int = 20) -> list[dict]:
        """Articles with "not helpful" votes, most first, with their helpful votes beside."""
        no, query = _votes()
        query = query.where(Vote.created_at >= start, Vote.created_at < end).having(no > 0) \
            .order_by(no.desc(), Vote.article_id).limit(limit)
        with self.db.read.begin() as session:
            return [{"article_id": r.article_id, "not_helpful": int(r.not_helpful), "helpful": int(r.helpful)}
                    for r in session.execute(query)]

    def helpfulness(self) -> dict[str, dict]:
        """Every article's votes so far, by article id: {helpful, not_helpful}."""
        _no, query = _votes()
        with self.db.read.begin() as session:
            return {r.article_id: {"helpful": int(r.helpful), "not_helpful": int(r.not_helpful)}
                    for r in session.execute(query)}

    def undecided(self, start: dt.datetime, end: dt.datetime, limit: int = 20) -> list[dict]:
        """Questions the rules could not decide (scope unknown), most frequent first, with the latest wording."""
        count = func.count().label("count")
        query = select(AskLog.query_key, count, func.max(AskLog.question).label("question")) \
            .where(AskLog.scope == UNDECIDED, AskLog.created_at >= start, AskLog.created_at < end) \
            .group_by(AskLog.query_key).order_by(count.desc(), AskLog.query_key).limit(limit)
        with self.db.read.begin() as session:
            return [{"key": r.query_key, "question": r.question, "count": int(r.count)} for r in session.execute(query)]

    def deflection(self, start: dt.datetime, end: dt.datetime, window: dt.timedelta, zone: dt.tzinfo) -> list[dict]:
        """Per day (in `zone`): visits, tickets within `window` of the visit, potential and confirmed deflections,
        and the explicit solved / need-help events."""
        with self.db.read.begin() as session:
            firsts = union_all(
                select(SearchLog.conversation.label("c"), SearchLog.created_at.label("at")).where(
                    SearchLog.conversation.is_not(None), SearchLog.created_at >= start, SearchLog.created_at < end),
                select(AskLog.conversation, AskLog.created_at).where(
                    AskLog.conversation.is_not(None), AskLog.created_at >= start, AskLog.created_at < end)).subquery()
            visits = dict(session.execute(select(firsts.c.c, func.min(firsts.c.at)).group_by(firsts.c.c)).all())
            events = session.execute(select(Event.conversation, Event.kind, Event.created_at).where(
                Event.created_at >= start, Event.created_at < end + window)).all()
        by_conversation = defaultdict(list)
        for conversation, kind, at in events:
            by_conversation[conversation].append((kind, _utc(at)))
        days: dict[dt.date, Counter] = defaultdict(Counter)
        for conversation, first in visits.items():
            first = _utc(first)
            day = days[first.astimezone(zone).date()]
            seen = by_conversation.get(conversation, [])
            ticket = any(k == "ticket" and first <= at <= first + window for k, at in seen)
            day["visits"] += 1
            day["tickets"] += ticket
            day["potential"] += not ticket
            day["confirmed"] += not ticket and any(k == "solved" for k, _at in seen)
            day["solved"] += sum(k == "solved" for k, _at in seen)
            day["need_help"] += sum(k == "need_help" for k, _at in seen)
        keys = ("visits", "tickets", "potential", "confirmed", "solved", "need_help")
        return [{"day": day.isoformat(), **{k: days[day][k] for k in keys}} for day in sorted(days)]

    def tickets(self, start: dt.datetime, end: dt.datetime) -> dict:
        """Tickets by software, plan, severity and scope, and how many first responses met their deadline."""
        in_range = (Ticket.created_at >= start, Ticket.created_at < end)
        report = {}
        with self.db.read.begin() as session:
            for name, column in (("software", Ticket.software), ("plan", Ticket.plan), ("severity", Ticket.severity),
                                 ("scope", Ticket.scope)):
                count = func.count().label("count")
                rows = session.execute(select(column, count).where(*in_range).group_by(column)
                                       .order_by(count.desc(), column)).all()
                report[name] = [{"value": value, "count": int(n)} for value, n in rows]
            answered = session.execute(select(Ticket.first_response_at, Ticket.deadline).where(
                *in_range, Ticket.first_response_at.is_not(None), Ticket.deadline.is_not(None))).all()
        met = sum(_utc(first) <= _utc(deadline) for first, deadline in answered)
        report["first_response"] = {"answered": len(answered), "met": met}
        return report


def _votes():
    """The "not helpful" count and a query of both counts by article."""
    no = func.sum(case((Vote.helpful.is_(False), 1), else_=0)).label("not_helpful")
    yes = func.sum(case((Vote.helpful.is_(True), 1), else_=0)).label("helpful")
    return no, select(Vote.article_id, no, yes).group_by(Vote.article_id)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
