"""The store: tickets, article votes and the search/ask log, in SQLite or PostgreSQL, migrated with Alembic."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import unicodedata
from functools import partial
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Connection
from sqlalchemy import DateTime
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import case
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import literal_column
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import union_all
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import sessionmaker
from sqlalchemy.types import TypeDecorator

from kb.errors import InvalidInput
from kb.errors import NotFound

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LANGS = ("zh", "en")
OUTCOMES = ("deflected", "ticket")
SUBJECT, DESCRIPTION, CONTACT = (3, 200), (10, 5000), (3, 200)
SHORT = 32  # plan, severity, scope, lang: rule-book ids
NAME = 64  # software and channel ids
ARTICLE_ID = 200
QUERY_KEY = 500  # the longest query the core accepts (kb.knowledge.MAX_QUERY)
VOTER = 64
STATUS_OPEN = "open"
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
NUMBER_ATTEMPTS = 8
MIGRATION_LOCK = 0x6B625F6D6967  # pg_advisory_xact_lock key ("kb_mig") serialising concurrent upgrades
_NOT_FOUND = "no ticket with this number and token"
_DUMMY_HASH = hashlib.sha256(b"no such ticket").hexdigest()

# Named constraints and indexes, so migrations can refer to them on every database.
NAMING = {"ix": "ix_%(table_name)s_%(column_0_name)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s", "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}
# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
ID = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every database (SQLite keeps no offset, so it stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store only keeps timezone-aware times")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    """The declarative base of the store's tables; the Alembic revisions mirror it."""

    metadata = MetaData(naming_convention=NAMING)


class Ticket(Base):
    """A support ticket with the decision the rules made for it; readable only with its token."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    plan: Mapped[str] = mapped_column(String(SHORT))
    severity: Mapped[str | None] = mapped_column(String(SHORT))
    software: Mapped[str | None] = mapped_column(String(NAME))
    subject: Mapped[str] = mapped_column(String(SUBJECT[1]))
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(CONTACT[1]))
    lang: Mapped[str] = mapped_column(String(SHORT))
    scope: Mapped[str] = mapped_column(String(SHORT))
    channel: Mapped[str | None] = mapped_column(String(NAME))
    response_target_minutes: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The deadline's own UTC offset, so the ticket shows it in the zone the rules computed it in.
    deadline_utc_offset: Mapped[int | None] = mapped_column(Integer)
    # How the target is meant: "response" (an engineer responds) or "accepted" (the ticket is accepted).
    response_kind: Mapped[str | None] = mapped_column(String(SHORT))
    # The rule trace, decided once; each reason {zh, en} so every reader sees it in their own language (migration
    # 0003 folded the per-language copies of older tickets into this form).
    rules: Mapped[list] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), server_default=STATUS_OPEN)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Vote(Base):
    """One reader's "was this article helpful" answer; a voter (a browser session) has one vote per article."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("article_id", "voter", name="uq_votes_article_id_voter"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(ARTICLE_ID), index=True)
    voter: Mapped[str | None] = mapped_column(String(VOTER))
    helpful: Mapped[bool] = mapped_column(Boolean)
    lang: Mapped[str] = mapped_column(String(SHORT))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SearchLog(Base):
    """One search and the first result opened from it, for the unanswered-questions report."""

    __tablename__ = "search_logs"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    query_key: Mapped[str] = mapped_column(String(QUERY_KEY), index=True)  # normalised: the report groups by it
    lang: Mapped[str] = mapped_column(String(SHORT))
    results: Mapped[list] = mapped_column(JSON)
    result_count: Mapped[int] = mapped_column(Integer)
    clicked_article_id: Mapped[str | None] = mapped_column(String(ARTICLE_ID))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AskLog(Base):
    """One question to the assistant and how it ended (deflected, a ticket, or nothing known)."""

    __tablename__ = "ask_logs"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    question: Mapped[str] = mapped_column(Text)
    query_key: Mapped[str] = mapped_column(String(QUERY_KEY), index=True)
    lang: Mapped[str] = mapped_column(String(SHORT))
    plan: Mapped[str | None] = mapped_column(String(SHORT))
    scope: Mapped[str] = mapped_column(String(SHORT))
    software: Mapped[str | None] = mapped_column(String(NAME))
    results: Mapped[list] = mapped_column(JSON)
    result_count: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(16))
    ticket_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Store:
    """Tickets, votes and logs behind one object; every write is one transaction. Safe to share between threads."""

    def __init__(self, url: str):
        self.engine = create_engine(url, pool_pre_ping=True, json_serializer=partial(json.dumps, ensure_ascii=False))
        if self.engine.dialect.name == "sqlite":
            _real_sqlite_transactions(self.engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite a write transaction takes the write lock up front, so it waits instead of failing half-way.
        self._write = sessionmaker(self.engine.execution_options(kb_begin="IMMEDIATE"), expire_on_commit=False)

    def upgrade(self) -> None:
        """Migrate the database to the newest revision; concurrent callers wait for each other, then find nothing to do."""
        with self.engine.execution_options(kb_begin="IMMEDIATE").begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), "head")

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()

    # Tickets

    def create_ticket(self, *, plan: str, severity: str | None, software: str | None, subject: str, description: str,
                      contact: str, lang: str, decision: dict) -> dict:
        """Store a ticket with its decision; the plaintext token is returned here and never again.

        The decision's `rules` may give each reason in both languages ({zh, en}); the ticket is then shown in the
        reader's language (get_ticket's `lang`)."""
        fields = _ticket_fields(plan, severity, software, subject, description, contact, lang, decision)
        token = secrets.token_urlsafe(16)
        for attempt in range(NUMBER_ATTEMPTS):
            now = _now()
            ticket = Ticket(number=_new_number(now), token_hash=_hash(token), created_at=now, **fields)
            try:
                with self._write.begin() as session:
                    session.add(ticket)
            except IntegrityError as exc:  # a number drawn twice: draw again
                if "number" not in str(exc.orig) or attempt == NUMBER_ATTEMPTS - 1:
                    raise
            else:
                return _ticket_dict(ticket, token)
        raise AssertionError("unreachable")

    def get_ticket(self, number: str, token: str, lang: str | None = None) -> dict:
        """The ticket if `token` is its token; the same NotFound whether the number or the token is wrong.

        With `lang`, the rule trace is given in that language when the ticket has it (else in the ticket's own)."""
        if not isinstance(number, str) or not isinstance(token, str) or not _clean(number) or not _clean(token):
            raise NotFound(_NOT_FOUND)
        with self._read.begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
        # Compare even when there is no ticket, so timing does not tell which of the two was wrong.
        matches = hmac.compare_digest(ticket.token_hash if ticket else _DUMMY_HASH, _hash(token))
        if ticket is None or not matches:
            raise NotFound(_NOT_FOUND)
        return _ticket_dict(ticket, lang=lang)

    # Votes

    def record_vote(self, article_id: str, helpful: bool, lang: str, voter: str | None = None) -> None:
        """Count one helpful / not helpful answer for an article.

        With a `voter` (e.g. a browser session's id) the voter has one vote per article: voting again replaces it."""
        article_id, lang = _article_id(article_id), _lang(lang)
        voter = _short("voter", voter, VOTER, optional=True)
        for attempt in range(2):
            try:
                with self._write.begin() as session:
                    if voter is not None:
                        found = session.execute(update(Vote).where(Vote.article_id == article_id, Vote.voter == voter)
                                                .values(helpful=bool(helpful), lang=lang, created_at=_now())).rowcount
                        if found:
                            return
                    session.add(Vote(article_id=article_id, voter=voter, helpful=bool(helpful), lang=lang,
                                     created_at=_now()))
                return
            except IntegrityError:  # the same voter's vote inserted concurrently: update it instead
                if voter is None or attempt:
                    raise

    def vote_of(self, article_id: str, voter: str | None) -> bool | None:
        """The voter's vote on an article: True (helpful), False, or None when they have not voted."""
        if not voter:
            return None
        with self._read.begin() as session:
            return session.scalar(select(Vote.helpful).where(Vote.article_id == article_id, Vote.voter == voter))

    def vote_counts(self, article_id: str) -> dict:
        """{"helpful": n, "not_helpful": m} for an article (zeros when nobody voted)."""
        counts = {"helpful": 0, "not_helpful": 0}
        with self._read.begin() as session:
            rows = session.execute(select(Vote.helpful, func.count()).where(Vote.article_id == article_id)
                                   .group_by(Vote.helpful)).all()
        for helpful, n in rows:
            counts["helpful" if helpful else "not_helpful"] = n
        return counts

    # Search and ask logs

    def log_search(self, query: str, lang: str, result_ids: list[str]) -> int:
        """Log a search and its result ids; returns the log id a later click refers to."""
        entry = SearchLog(query=_text("query", query), query_key=normalise(query), lang=_lang(lang),
                          results=_ids(result_ids), result_count=len(result_ids), created_at=_now())
        return self._insert(entry)

    def log_click(self, log_id: int, article_id: str) -> None:
        """Record that a result of a search was opened; the first click is the one kept."""
        article_id = _article_id(article_id)
        with self._write.begin() as session:
            found = session.execute(update(SearchLog).where(SearchLog.id == log_id, SearchLog.clicked_article_id.is_(None))
                                    .values(clicked_article_id=article_id)).rowcount
            if not found and session.get(SearchLog, log_id) is None:
                raise NotFound(f"no search log {log_id}")

    def log_ask(self, question: str, lang: str, plan: str | None, scope: str, software: str | None,
                result_ids: list[str]) -> int:
        """Log a question to the assistant, its decision and suggested articles; returns the log id."""
        entry = AskLog(question=_text("question", question), query_key=normalise(question), lang=_lang(lang),
                       plan=_short("plan", plan, SHORT, optional=True), scope=_short("scope", scope, SHORT),
                       software=_short("software", software, NAME, optional=True), results=_ids(result_ids),
                       result_count=len(result_ids), created_at=_now())
        return self._insert(entry)

    def mark_outcome(self, log_id: int, outcome: str, *, ticket_number: str | None = None) -> None:
        """Record how an ask ended: "deflected" (the answer helped) or "ticket" (a ticket was opened); the last one wins."""
        if outcome not in OUTCOMES:
            raise InvalidInput("outcome", f"must be one of {', '.join(OUTCOMES)}")
        ticket_number = _short("ticket_number", ticket_number, 20, optional=True)
        with self._write.begin() as session:
            found = session.execute(update(AskLog).where(AskLog.id == log_id)
                                    .values(outcome=outcome, ticket_number=ticket_number)).rowcount
            if not found:
                raise NotFound(f"no ask log {log_id}")

    def unanswered(self, limit: int = 50) -> list[dict]:
        """Searches and questions that found nothing, or that nobody clicked or called solved, by normalised query.

        `key` is the normalised query the rows are grouped by; `query` is the latest wording as typed."""
        if limit < 1:
            raise InvalidInput("limit", "must be at least 1")
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
            .group_by(rows.c.key).order_by(count.desc(), last_seen.desc(), rows.c.key).limit(limit).subquery()
        # The latest wording of each group, as the customer typed it.
        latest = select(rows.c.key, rows.c.typed, func.row_number().over(
            partition_by=rows.c.key, order_by=(rows.c.at.desc(), rows.c.search.desc(), rows.c.id.desc())).label("n")) \
            .subquery()
        query = select(report, latest.c.typed).join(latest, (latest.c.key == report.c.key) & (latest.c.n == 1)) \
            .order_by(report.c.count.desc(), report.c.last_seen.desc(), report.c.key)
        with self._read.begin() as session:
            result = session.execute(query).mappings().all()
        return [{"query": " ".join(r["typed"].split())[:QUERY_KEY] or r["key"], "key": r["key"], "count": r["count"],
                 "searches": int(r["searches"]), "asks": int(r["asks"]), "no_results": int(r["no_results"]),
                 "tickets": int(r["tickets"]), "last_seen": _utc(r["last_seen"]).isoformat()} for r in result]

    def _insert(self, entry: Base) -> int:
        with self._write.begin() as session:
            session.add(entry)
            session.flush()
            return entry.id


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config without an ini file: the migrations next to this module, run on `connection` (or `url`)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    config.attributes["url"] = url
    return config


def normalise(query: str) -> str:
    """The grouping key of a query: width- and case-folded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", query).casefold().split())[:QUERY_KEY]


def _real_sqlite_transactions(engine) -> None:
    """Make pysqlite's transactions real (BEGIN on every transaction, DDL included), as SQLAlchemy's docs advise."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("kb_begin") else "BEGIN")


def _ticket_fields(plan, severity, software, subject, description, contact, lang, decision) -> dict[str, Any]:
    if not isinstance(decision, dict):
        raise InvalidInput("decision", "must be a decision dict")
    rules = list(decision.get("rules") or [])
    if not all(isinstance(step, dict) for step in rules):
        raise InvalidInput("rules", "must be a list of trace steps")
    channels = decision.get("channels") or []
    deadline = _deadline(decision.get("deadline"))
    decided_severity = (decision.get("severity") or {}).get("id")
    return {
        "plan": _short("plan", plan, SHORT),
        # The severity the deadline was computed with: the caller's, or the one the rules assumed.
        "severity": _short("severity", severity or decided_severity, SHORT, optional=True),
        "software": _short("software", software, NAME, optional=True),
        "subject": _sized("subject", subject, *SUBJECT),
        "description": _sized("description", description, *DESCRIPTION),
        "contact": _sized("contact", contact, *CONTACT),
        "lang": _lang(lang),
        "scope": _short("scope", decision.get("scope") or "unknown", SHORT),
        "channel": _short("channel", channels[0]["id"], NAME) if channels else None,
        "response_target_minutes": decision.get("response_target_minutes"),
        "deadline": deadline,
        "deadline_utc_offset": int(deadline.utcoffset().total_seconds() // 60) if deadline else None,
        "response_kind": _short("response_kind", decision.get("response_kind"), SHORT, optional=True),
        "rules": rules,
        "status": STATUS_OPEN,
    }


def _ticket_dict(t: Ticket, token: str | None = None, lang: str | None = None) -> dict:
    deadline = None
    if t.deadline is not None:
        zone = dt.timezone(dt.timedelta(minutes=t.deadline_utc_offset or 0))
        deadline = t.deadline.astimezone(zone).isoformat()
    secret = {"token": token} if token else {}
    return {"number": t.number, **secret, "plan": t.plan, "severity": t.severity, "software": t.software, "subject": t.subject,
            "description": t.description, "contact": t.contact, "lang": t.lang, "scope": t.scope, "channel": t.channel,
            "response_target_minutes": t.response_target_minutes, "response_kind": t.response_kind, "deadline": deadline,
            "status": t.status or STATUS_OPEN, "created_at": t.created_at.astimezone(dt.UTC).isoformat(),
            "rules": [_in_language(step, lang or t.lang) for step in t.rules]}


def _in_language(step: dict, lang: str) -> dict:
    """A stored trace step with its reason in `lang` (reasons stored in one language stay as they are)."""
    reason = step.get("reason")
    if isinstance(reason, dict):
        return dict(step, reason=reason.get(lang) or reason.get("en") or reason.get("zh") or "")
    return step


def _deadline(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("deadline", "must be an ISO date and time") from None
    if moment.tzinfo is None:
        raise InvalidInput("deadline", "must carry a UTC offset")
    return moment


def _clean(value: str) -> bool:
    """No NUL (PostgreSQL text refuses it) and no lone surrogate (not encodable as UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _sized(field: str, value, low: int, high: int) -> str:
    if not isinstance(value, str) or not _clean(value):
        raise InvalidInput(field, "must be text")
    value = value.strip()
    if not low <= len(value) <= high:
        raise InvalidInput(field, f"must be between {low} and {high} characters")
    return value


def _short(field: str, value, high: int, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    return _sized(field, value, 1, high)


def _text(field: str, value) -> str:
    if not isinstance(value, str) or not _clean(value):
        raise InvalidInput(field, "must be text")
    return value


def _utc(value) -> dt.datetime:
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _lang(value) -> str:
    if value not in LANGS:
        raise InvalidInput("lang", f"must be one of {', '.join(LANGS)}")
    return value


def _article_id(value) -> str:
    return _sized("article_id", value, 1, ARTICLE_ID)


def _ids(values) -> list[str]:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise InvalidInput("results", "must be a list of article ids")
    return list(values)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_number(now: dt.datetime) -> str:
    """T<UTC date>-<6 random base32 characters>, e.g. T20261122-7F3K9Q."""
    return f"T{now:%Y%m%d}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
