"""The store's tables; the Alembic revisions in migrations/ mirror them (a test compares the two)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import func
from sqlalchemy import true as sa_true
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

SHORT = 32  # plan, severity, scope, lang, status: rule-book ids and states
NAME = 64  # software and channel ids; conversation ids
ARTICLE_ID = 200
QUERY_KEY = 500  # the grouping key of a query is cut to this length
SUBJECT, CONTACT = 200, 200
ATTACHMENT_NAME = 120  # kb.attachments.NAME_MAX
FINGERPRINT = 64
PASSWORD_HASH = 200  # an argon2id hash in PHC form is about 100 characters
# A ticket's life: new (nobody answered yet), responded, waiting (for the customer), resolved.
STATUSES = ("new", "responded", "waiting", "resolved")
STATUS_NEW = STATUSES[0]

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
    """The declarative base of the store's tables."""

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
    subject: Mapped[str] = mapped_column(String(SUBJECT))
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(CONTACT))
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
    status: Mapped[str] = mapped_column(String(16), server_default=STATUS_NEW, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # When staff first answered (the SLA is measured from created_at to this against the deadline).
    first_response_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    # "My requests" by mail finds a contact's tickets whatever the case of the address.
    __table_args__ = (Index("ix_tickets_contact_lower", func.lower(contact)),)


class TicketLink(Base):
    """A further access token of a ticket, made when its link was mailed again to its contact ("my requests"): the
    ticket's own token is only stored as its hash, so a new link needs a new token; the first one keeps working."""

    __tablename__ = "ticket_links"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ID, ForeignKey("tickets.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TicketReply(Base):
    """A staff reply on a ticket: the customer reads it on the ticket's page."""

    __tablename__ = "ticket_replies"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ID, ForeignKey("tickets.id"), index=True)
    author: Mapped[str] = mapped_column(String(NAME))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TicketAttachment(Base):
    """A file the customer attached when filing (checked by kb.attachments): in the database, so every worker and
    host serves it."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ID, ForeignKey("tickets.id"), index=True)
    name: Mapped[str] = mapped_column(String(ATTACHMENT_NAME))
    media_type: Mapped[str] = mapped_column(String(NAME))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class IdempotentRequest(Base):
    """A ticket request sent with an Idempotency-Key: a retry with the same key and body gets the same ticket back
    (its token sealed with the site's secret, so it can be given again), another body with that key is refused."""

    __tablename__ = "idempotent_requests"

    key: Mapped[str] = mapped_column(String(NAME), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    ticket_number: Mapped[str] = mapped_column(String(20))
    sealed_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BrowserSession(Base):
    """A browser session kept on the server: the cookie holds only a random id, whose hash is the key here, so
    signing out or expiry ends the session everywhere (a saved cookie opens nothing afterwards)."""

    __tablename__ = "sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict] = mapped_column(JSON)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class StaffUser(Base):
    """A support engineer's account: a role (kb.accounts.ROLES), an argon2 password hash, and the count of failed
    sign-ins since the last good one; past the limit the account is locked until `locked_until`."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME), unique=True)
    role: Mapped[str] = mapped_column(String(SHORT))
    password_hash: Mapped[str] = mapped_column(String(PASSWORD_HASH))
    failed_sign_ins: Mapped[int] = mapped_column(Integer, server_default="0")
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AuditEntry(Base):
    """One change made by staff (or the command line): who, when, what (an action on a target), before and after."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    actor: Mapped[str] = mapped_column(String(NAME))
    action: Mapped[str] = mapped_column(String(NAME), index=True)
    target: Mapped[str] = mapped_column(String(ARTICLE_ID))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)


class ArticleRevision(Base):
    """One saved version of an article file (front matter and Markdown), with its author: the database is where
    every host reads the articles edited on the desk from (kb.content.revisions), and `kb content export/import`
    carry them to and from the files in git. `version` counts per file; a save names the version it started from,
    and the unique (path, version) makes two saves from the same start a conflict, never an overwrite."""

    __tablename__ = "article_revisions"
    __table_args__ = (UniqueConstraint("path", "version", name="uq_article_revisions_path_version"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    path: Mapped[str] = mapped_column(String(ARTICLE_ID), index=True)  # relative to the articles folder
    version: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(NAME))
    note: Mapped[str | None] = mapped_column(String(SUBJECT))  # "restored version 2", "imported from the files"
    # A draft is kept and can be edited on, but the site serves the newest published version.
    published: Mapped[bool] = mapped_column(Boolean, server_default=sa_true())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RuleRevision(Base):
    """One saved version of the rule set, with its author: the files it changed (path → text; None removes the
    file) and their text before it, so the rule set at any version can be rebuilt and restored
    (kb.store.rule_revisions). `version` counts the saves of the whole rule set; a save names the version it started
    from, and the unique version makes two saves from the same start a conflict, never an overwrite."""

    __tablename__ = "rule_revisions"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    files: Mapped[dict] = mapped_column(JSON)
    before: Mapped[dict] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(NAME))
    note: Mapped[str | None] = mapped_column(String(SUBJECT))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Vote(Base):
    """One reader's "was this article helpful" answer; a voter (a browser session) has one vote per article."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("article_id", "voter", name="uq_votes_article_id_voter"),)

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    article_id: Mapped[str] = mapped_column(String(ARTICLE_ID), index=True)
    voter: Mapped[str | None] = mapped_column(String(NAME))
    helpful: Mapped[bool] = mapped_column(Boolean)
    lang: Mapped[str] = mapped_column(String(SHORT))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class SearchLog(Base):
    """One search, its results, and the first result opened from it (for the unanswered-questions report)."""

    __tablename__ = "search_logs"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    conversation: Mapped[str | None] = mapped_column(String(NAME), index=True)
    query: Mapped[str] = mapped_column(Text)
    query_key: Mapped[str] = mapped_column(String(QUERY_KEY), index=True)  # normalised: the report groups by it
    lang: Mapped[str] = mapped_column(String(SHORT))
    results: Mapped[list] = mapped_column(JSON)
    result_count: Mapped[int] = mapped_column(Integer)
    clicked_article_id: Mapped[str | None] = mapped_column(String(ARTICLE_ID))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class AskLog(Base):
    """The decision log: one answer of the assistant with its whole input, the rule book it was decided with, the
    rules that fired and what they decided, so it can be replayed against other rules; and how it ended."""

    __tablename__ = "ask_logs"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    conversation: Mapped[str | None] = mapped_column(String(NAME), index=True)
    question: Mapped[str] = mapped_column(Text)
    query_key: Mapped[str] = mapped_column(String(QUERY_KEY), index=True)
    lang: Mapped[str] = mapped_column(String(SHORT))
    plan: Mapped[str | None] = mapped_column(String(SHORT))
    scope: Mapped[str] = mapped_column(String(SHORT))
    software: Mapped[str | None] = mapped_column(String(NAME))
    results: Mapped[list] = mapped_column(JSON)
    result_count: Mapped[int] = mapped_column(Integer)
    # The whole input: question, plan, severity, onsite contract, reported time, language (NULL on rows before 0004).
    input: Mapped[dict | None] = mapped_column(JSON)
    fingerprint: Mapped[str | None] = mapped_column(String(FINGERPRINT))
    fired: Mapped[list | None] = mapped_column(JSON)
    # What the rules decided: scope, software, activity, channels, response target and deadline, onsite deadlines.
    decided: Mapped[dict | None] = mapped_column(JSON)
    outcome: Mapped[str | None] = mapped_column(String(16))  # deflected | ticket
    ticket_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Event(Base):
    """What a customer did with an answer: an impression, a click, "this solved it", "still need help", a ticket."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(ID, primary_key=True)
    conversation: Mapped[str] = mapped_column(String(NAME), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    search_log_id: Mapped[int | None] = mapped_column(ID)
    ask_log_id: Mapped[int | None] = mapped_column(ID)
    article_id: Mapped[str | None] = mapped_column(String(ARTICLE_ID))
    ticket_number: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
