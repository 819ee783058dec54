"""The search log, the decision log and the events of a conversation, and what they add up to: the questions
customers ask and do not get answered.

Events are bound to the conversation that created the records they refer to: a conversation id is unguessable and
never shown to anyone else, so nobody can mark another customer's answer as solved or click through their search.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter

from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union_all

from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import QUERY_KEY
from kb.store.tables import AskLog
from kb.store.tables import Base
from kb.store.tables import Event
from kb.store.tables import SearchLog

EVENT_KINDS = ("click", "solved", "need_help", "ticket")
RECENT = 50  # how many of a conversation's latest records an event may refer to


class Logs:
    """Write the logs and events; report what went unanswered."""

    def __init__(self, db: Database):
        self.db = db

    def search(self, query: str, lang: str, result_ids: list[str], conversation: str | None = None) -> int:
        """Log a search and the ids of the results shown."""
        return self._insert(SearchLog(conversation=conversation, query=query, query_key=normalise(query), lang=lang,
                                      results=list(result_ids), result_count=len(result_ids), created_at=now()))

    def decision(self, *, question: str, lang: str, plan: str | None, scope: str, software: str | None,
                 result_ids: list[str], conversation: str | None = None, input: dict | None = None,
                 fingerprint: str | None = None, fired: list[str] | None = None, decided: dict | None = None) -> int:
        """Log an answer of the assistant: its whole input, the rule book's fingerprint, the rules that fired, what
        they decided, and the articles suggested (see kb.service for what goes in)."""
        return self._insert(AskLog(conversation=conversation, question=question, query_key=normalise(question), lang=lang,
                                   plan=plan, scope=scope, software=software, results=list(result_ids),
                                   result_count=len(result_ids), input=input, fingerprint=fingerprint, fired=fired,
                                   decided=decided, created_at=now()))

    def event(self, conversation: str, kind: str, *, article_id: str | None = None,
              ticket_number: str | None = None) -> bool:
        """Record what a customer did; False (and nothing written) when the conversation has no record it refers to.

        A click must open an article the conversation was shown; "solved", "need_help" and "ticket" refer to the
        conversation's latest answer, and "solved" and "ticket" also say how that answer ended."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        with self.db.write.begin() as session:
            entry = Event(conversation=conversation, kind=kind, article_id=article_id, ticket_number=ticket_number,
                          created_at=now())
            if kind == "click":
                search = _latest(session, SearchLog, conversation, lambda row: article_id in row.results)
                ask = None if search else _latest(session, AskLog, conversation, lambda row: article_id in row.results)
                if search is None and ask is None:
                    return False
                if search is not None:
                    entry.search_log_id = search.id
                    search.clicked_article_id = search.clicked_article_id or article_id  # the first click is kept
                else:
                    entry.ask_log_id = ask.id
            else:
                ask = _latest(session, AskLog, conversation)
                if ask is None:
                    return False
                entry.ask_log_id = ask.id
                if kind == "solved":
                    ask.outcome = "deflected"
                elif kind == "ticket":
                    ask.outcome, ask.ticket_number = "ticket", ticket_number
            session.add(entry)
        return True

    def events(self, conversation: str) -> list[dict]:
        """A conversation's events, oldest first."""
        with self.db.read.begin() as session:
            rows = session.scalars(select(Event).where(Event.conversation == conversation).order_by(Event.id)).all()
        return [{"kind": e.kind, "article_id": e.article_id, "ticket_number": e.ticket_number, "search_log_id": e.search_log_id,
                 "ask_log_id": e.ask_log_id, "created_at": e.created_at.isoformat()} for e in rows]

    def most_opened(self, limit: int = 10) -> list[tuple[str, int]]:
        """(article id, times opened from a result) of the most opened articles, most first: the popular articles."""
        count = func.count().label("n")
        query = select(Event.article_id, count).where(Event.kind == "click", Event.article_id.is_not(None)) \
            .group_by(Event.article_id).order_by(count.desc(), Event.article_id).limit(max(1, limit))
        with self.db.read.begin() as session:
            return [(article_id, n) for article_id, n in session.execute(query).all()]

    def decisions(self, since: dt.datetime | None = None, log_id: int | None = None) -> list[dict]:
        """The decision log (oldest first), as a replay reads it; or the one answer `log_id`."""
        query = select(AskLog).where(AskLog.input.is_not(None)).order_by(AskLog.id)
        if since is not None:
            query = query.where(AskLog.created_at >= since)
        if log_id is not None:
            query = query.where(AskLog.id == log_id)
        with self.db.read.begin() as session:
            rows = session.scalars(query).all()
        return [{"id": r.id, "conversation": r.conversation, "input": r.input, "fingerprint": r.fingerprint,
                 "fired": r.fired, "decided": r.decided, "created_at": r.created_at.isoformat()} for r in rows]

    def fired_counts(self, since: dt.datetime) -> Counter:
        """How many logged answers since `since` each decision rule fired in."""
        query = select(AskLog.fired).where(AskLog.created_at >= since, AskLog.fired.is_not(None))
        with self.db.read.begin() as session:
            return Counter(rule for fired in session.scalars(query) for rule in set(fired or []))

    def recent(self, limit: int = 100) -> list[dict]:
        """The newest logged answers first: what the desk lists to make a wrong one a rule test case."""
        query = select(AskLog).where(AskLog.input.is_not(None)).order_by(AskLog.id.desc()).limit(max(1, limit))
        with self.db.read.begin() as session:
            return [{"id": r.id, "question": r.question, "plan": r.plan, "scope": r.scope, "software": r.software,
                     "fired": r.fired or [], "created_at": r.created_at.isoformat()} for r in session.scalars(query)]

    def latest_input(self, conversation: str) -> dict | None:
        """The input of the conversation's latest answer (what a follow-up continues), or None."""
        with self.db.read.begin() as session:
            return session.scalars(select(AskLog.input).where(AskLog.conversation == conversation,
                                                              AskLog.input.is_not(None))
                                   .order_by(AskLog.id.desc()).limit(1)).first()

    def unanswered(self, limit: int = 50) -> list[dict]:
        """Searches and questions that found nothing, or that nobody clicked or called solved, by normalised query.

        `key` is the normalised query the rows are grouped by; `query` is the latest wording as typed."""
        one, zero = literal_column("1"), literal_column("0")
        searches = select(SearchLog.query_key.label("key"), SearchLog.query.label("typed"), one.label("search"),
                          zero.label("ask"), case((SearchLog.result_count == 0, 1), else_=0).label("empty"),
                          zero.label("ticket"), SearchLog.created_at.label("at"), SearchLog.id.label("id")) \
            .where(or_(SearchLog.result_count == 0, SearchLog.clicked_article_id.is_(None)))
        asks = select(AskLog.query_key, AskLog.question, zero, one, case((AskLog.result_count == 0, 1), else_=0),
                      case((AskLog.outcome == "ticket", 1), else_=0), AskLog.created_at, AskLog.id) \
            .where(or_(AskLog.result_count == 0, AskLog.outcome.is_(None), AskLog.outcome != "deflected"))
        rows = union_all(searches, asks).subquery()
        count = func.count().label("count")
        last_seen = func.max(rows.c.at).label("last_seen")
        report = select(rows.c.key, count, func.sum(rows.c.search).label("searches"), func.sum(rows.c.ask).label("asks"),
                        func.sum(rows.c.empty).label("no_results"), func.sum(rows.c.ticket).label("tickets"), last_seen) \
            .group_by(rows.c.key).order_by(count.desc(), last_seen.desc(), rows.c.key).limit(max(1, limit)).subquery()
        # The latest wording of each group, as the customer typed it.
        latest = select(rows.c.key, rows.c.typed, func.row_number().over(
            partition_by=rows.c.key, order_by=(rows.c.at.desc(), rows.c.search.desc(), rows.c.id.desc())).label("n")) \
            .subquery()
        query = select(report, latest.c.typed).join(latest, (latest.c.key == report.c.key) & (latest.c.n == 1)) \
            .order_by(report.c.count.desc(), report.c.last_seen.desc(), report.c.key)
        with self.db.read.begin() as session:
            result = session.execute(query).mappings().all()
        return [{"query": " ".join(r["typed"].split())[:QUERY_KEY] or r["key"], "key": r["key"], "count": r["count"],
                 "searches": int(r["searches"]), "asks": int(r["asks"]), "no_results": int(r["no_results"]),
                 "tickets": int(r["tickets"]), "last_seen": _utc(r["last_seen"]).isoformat()} for r in result]

    def _insert(self, entry: Base) -> int:
        with self.db.write.begin() as session:
            session.add(entry)
            session.flush()
            return entry.id


def _latest(session, table, conversation: str, accept=lambda row: True):
    """The conversation's newest record of `table` that `accept`s, among its RECENT latest."""
    rows = session.scalars(select(table).where(table.conversation == conversation).order_by(table.id.desc())
                           .limit(RECENT).with_for_update()).all()
    return next((row for row in rows if accept(row)), None)


def normalise(query: str) -> str:
    """The grouping key of a query: width- and case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())[:QUERY_KEY]


def _utc(value) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
