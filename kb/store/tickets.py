"""Tickets: stored once with the decision the rules made for them, readable by the customer only with their access
token; staff list them, reply (the first reply records the first response time) and move them through STATUSES."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import nulls_last
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kb.attachments import Attachment
from kb.errors import Conflict
from kb.errors import NotFound
from kb.schemas import ticket_question
from kb.sealing import Sealer
from kb.store.audit import record
from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import STATUS_NEW
from kb.store.tables import STATUSES
from kb.store.tables import IdempotentRequest
from kb.store.tables import Ticket
from kb.store.tables import TicketAttachment
from kb.store.tables import TicketLink
from kb.store.tables import TicketReply

NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread
NUMBER_ATTEMPTS = 8
KEEP_KEYS = dt.timedelta(hours=24)  # how long an Idempotency-Key gets its first ticket back
_NOT_FOUND = "no ticket with this number and token"
_DUMMY_HASH = hashlib.sha256(b"no such ticket").hexdigest()
KEEP_LINKS = 3  # the further access tokens a ticket keeps (the newest), one per "my requests" mail
MAX_LINKED = 50  # the newest tickets of one contact a "my requests" mail lists
CUSTOMER = "(customer)"  # the audit log's actor for the ticket holder's change: no staff name has brackets


@dataclass(frozen=True)
class Once:
    """An Idempotency-Key with the hash of the request it came with, and how to seal the token for a retry."""

    key: str
    request_hash: str
    sealer: Sealer


class Tickets:
    """Create tickets and read them back by number and token."""

    def __init__(self, db: Database):
        self.db = db

    def create(self, *, plan: str, severity: str | None, software: str | None, subject: str, description: str,
               contact: str, lang: str, scope: str, channel: str | None, response_target_minutes: int | None,
               response_kind: str | None, deadline: dt.datetime | None, rules: list[dict], once: Once | None = None,
               attachments: Sequence[Attachment] = ()) -> dict:
        """Store a validated ticket (kb.schemas.TicketRequest) with its decision; the plaintext token is returned here
        and never again. Each trace step's reason may be {zh, en}: the ticket then reads in its reader's language.

        With `once`, a request already made with that key gets its first ticket back (`replayed`), also when both
        arrive at the same time; the same key with another request raises Conflict. The `attachments` (checked by
        kb.attachments) are stored with the ticket, in the same transaction."""
        if once is not None:
            replay = self._replay(once)
            if replay is not None:
                return replay
        if deadline is not None and deadline.tzinfo is None:
            raise ValueError("the deadline must carry its UTC offset")
        fields = dict(plan=plan, severity=severity, software=software, subject=subject, description=description,
                      contact=contact, lang=lang, scope=scope, channel=channel,
                      response_target_minutes=response_target_minutes, response_kind=response_kind, deadline=deadline,
                      deadline_utc_offset=int(deadline.utcoffset().total_seconds() // 60) if deadline else None,
                      rules=list(rules), status=STATUS_NEW)
        token = secrets.token_urlsafe(16)
        for attempt in range(NUMBER_ATTEMPTS):
            created = now()
            ticket = Ticket(number=new_number(created), token_hash=_hash(token), created_at=created, **fields)
            try:
                with self.db.write.begin() as session:
                    if once is not None:  # an expired record of this key gives way to the new request
                        session.execute(delete(IdempotentRequest).where(IdempotentRequest.key == once.key,
                                                                        IdempotentRequest.created_at < created - KEEP_KEYS))
                    session.add(ticket)
                    session.flush()
                    files = [TicketAttachment(ticket_id=ticket.id, name=a.name, media_type=a.media_type, size=len(a.data),
                                              data=a.data, created_at=created) for a in attachments]
                    session.add_all(files)
                    session.flush()
                    if once is not None:
                        session.add(IdempotentRequest(key=once.key, request_hash=once.request_hash, ticket_number=ticket.number,
                                                      sealed_token=once.sealer.seal(token), created_at=created))
            except IntegrityError as exc:
                if once is not None and (replay := self._replay(once)) is not None:
                    return replay  # the same request, made at the same time: the one stored first wins
                if "number" not in str(exc.orig) or attempt == NUMBER_ATTEMPTS - 1:
                    raise  # a number drawn twice: draw again
            else:
                return dict(_ticket_dict(ticket, token), attachments=[_attachment_dict(f) for f in files])
        raise AssertionError("unreachable")

    def _replay(self, once: Once) -> dict | None:
        """The ticket a request with this key made within KEEP_KEYS, or None; another request's key is a Conflict."""
        with self.db.read.begin() as session:
            record = session.get(IdempotentRequest, once.key)
            if record is None or record.created_at < now() - KEEP_KEYS:
                return None
            if not hmac.compare_digest(record.request_hash, once.request_hash):
                raise Conflict("this Idempotency-Key was used with another request")
            ticket = session.scalar(select(Ticket).where(Ticket.number == record.ticket_number))
        return dict(_ticket_dict(ticket, once.sealer.open(record.sealed_token)), replayed=True)

    def get(self, number: str, token: str, lang: str | None = None) -> dict:
        """The ticket if `token` is its token; the same NotFound whether the number or the token is wrong.

        With `lang`, the rule trace is given in that language when the ticket has it (else in the ticket's own)."""
        with self.db.read.begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
            matches = _holds(session, ticket, token)
        if not matches:
            raise NotFound(_NOT_FOUND)
        return dict(_ticket_dict(ticket, lang=lang), replies=self._replies(ticket.id),
                    attachments=self._attachments(ticket.id))

    def attachment(self, number: str, token: str, attachment_id: int) -> dict:
        """One attachment of the ticket, with its bytes, for the holder of the ticket's token."""
        self.get(number, token)
        return self._attachment(number, attachment_id)

    def held(self, tokens: dict[str, str]) -> list[dict]:
        """The tickets of these {number: token} whose token matches (a browser's "my requests"), newest first."""
        numbers = [n.strip().upper() for n in tokens]
        with self.db.read.begin() as session:
            rows = session.scalars(select(Ticket).where(Ticket.number.in_(numbers))
                                   .order_by(Ticket.created_at.desc(), Ticket.id.desc())).all()
            given = {n.strip().upper(): t for n, t in tokens.items()}
            return [_ticket_dict(t) for t in rows if _holds(session, t, given[t.number])]

    def links_for(self, contact: str) -> list[dict]:
        """The newest MAX_LINKED tickets filed with this contact (in any case), newest first, each with a new access
        token for a link to mail them; the tickets' earlier tokens keep working, each ticket keeps KEEP_LINKS new
        ones. No ticket, no token: an empty list."""
        created = now()
        with self.db.write.begin() as session:
            rows = session.scalars(select(Ticket).where(func.lower(Ticket.contact) == contact.strip().lower())
                                   .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(MAX_LINKED)).all()
            found = []
            for ticket in rows:
                token = secrets.token_urlsafe(16)
                session.add(TicketLink(ticket_id=ticket.id, token_hash=_hash(token), created_at=created))
                session.flush()
                kept = select(TicketLink.id).where(TicketLink.ticket_id == ticket.id) \
                    .order_by(TicketLink.id.desc()).limit(KEEP_LINKS)
                session.execute(delete(TicketLink).where(TicketLink.ticket_id == ticket.id, TicketLink.id.not_in(kept)))
                found.append(_ticket_dict(ticket, token))
        return found

    # Staff: the desk reads every ticket by number, without its token.

    def find(self, *, status: str | None = None, plan: str | None = None, severity: str | None = None,
             software: str | None = None, limit: int = 200) -> list[dict]:
        """Tickets for the desk, filtered; the nearest deadline first (those without one last), newest first among
        equals."""
        query = select(Ticket).order_by(nulls_last(Ticket.deadline.asc()), Ticket.created_at.desc()).limit(limit)
        for column, value in ((Ticket.status, status), (Ticket.plan, plan), (Ticket.severity, severity),
                              (Ticket.software, software)):
            if value is not None:
                query = query.where(column == value)
        with self.db.read.begin() as session:
            return [_ticket_dict(t) for t in session.scalars(query)]

    def decisions(self, since: dt.datetime | None = None) -> list[dict]:
        """The tickets filed since `since` (oldest first) as a replay reads them, in the shape of the decision log's
        rows (kb.store.logs.Logs.decisions): the input Service.open_ticket decided, at the time it was filed."""
        query = select(Ticket).order_by(Ticket.created_at, Ticket.id)
        if since is not None:
            query = query.where(Ticket.created_at >= since)
        with self.db.read.begin() as session:
            rows = session.scalars(query).all()
        entries = []
        for t in rows:
            filed = t.created_at.astimezone(dt.UTC).isoformat()
            given = {"question": ticket_question(t.subject, t.description), "plan": t.plan, "severity": t.severity,
                     "onsite": None, "software": None, "os": None, "version": None, "reported_at": filed}
            entries.append({"id": None, "source": "ticket", "ref": t.number, "input": given, "created_at": filed})
        return entries

    def for_staff(self, number: str) -> dict:
        """One ticket with its replies, for the desk."""
        with self.db.read.begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()))
        if ticket is None:
            raise NotFound(_NOT_FOUND)
        return dict(_ticket_dict(ticket), replies=self._replies(ticket.id), attachments=self._attachments(ticket.id))

    def attachment_for_staff(self, number: str, attachment_id: int) -> dict:
        """One attachment of the ticket, with its bytes, for the desk."""
        return self._attachment(number, attachment_id)

    def _attachment(self, number: str, attachment_id: int) -> dict:
        with self.db.read.begin() as session:
            row = session.scalar(select(TicketAttachment).join(Ticket, Ticket.id == TicketAttachment.ticket_id)
                                 .where(Ticket.number == number.strip().upper(), TicketAttachment.id == attachment_id))
        if row is None:
            raise NotFound("no such attachment on this ticket")
        return dict(_attachment_dict(row), data=row.data)

    def _attachments(self, ticket_id: int) -> list[dict]:
        """The ticket's attachments without their bytes: what a page lists."""
        columns = (TicketAttachment.id, TicketAttachment.name, TicketAttachment.media_type, TicketAttachment.size)
        with self.db.read.begin() as session:
            rows = session.execute(select(*columns).where(TicketAttachment.ticket_id == ticket_id)
                                   .order_by(TicketAttachment.id)).all()
        return [_attachment_dict(r) for r in rows]

    def reply(self, number: str, body: str, status: str, *, author: str, at: dt.datetime | None = None) -> dict:
        """Add a staff reply the customer sees and set the status (responded, waiting or resolved); the first reply
        records the first response time, `at` (now; the site passes the clock its deadlines were computed with).
        The change is in the audit log."""
        return self._work(number, author, status, body, at or now())

    def set_status(self, number: str, status: str, *, actor: str) -> dict:
        """Move a ticket to another status without a reply (a reopened ticket is responded, not new)."""
        return self._work(number, actor, status, None, now())

    def solve(self, number: str, token: str) -> dict:
        """The customer marks their ticket solved (resolved), with its token; in the audit log as CUSTOMER."""
        return self._work(number, CUSTOMER, STATUSES[-1], None, now(), token=token)

    def _work(self, number: str, actor: str, status: str, body: str | None, at: dt.datetime,
              token: str | None = None) -> dict:
        if status not in STATUSES[1:]:
            raise ValueError(f"staff cannot set the status {status!r}")
        with self.db.write.begin() as session:
            ticket = session.scalar(select(Ticket).where(Ticket.number == number.strip().upper()).with_for_update())
            if token is not None and not _holds(session, ticket, token):  # the customer's: one NotFound for both
                ticket = None
            if ticket is None:
                raise NotFound(_NOT_FOUND)
            before = {"status": ticket.status}
            if body is not None:
                session.add(TicketReply(ticket_id=ticket.id, author=actor, body=body, created_at=at))
                if ticket.first_response_at is None:
                    ticket.first_response_at = at
            ticket.status = status
            after = {"status": status, **({"reply": body} if body is not None else {})}
            record(session, actor, "ticket.reply" if body is not None else "ticket.status", f"ticket:{ticket.number}",
                   before, after)
            ticket_id = ticket.id
        return dict(_ticket_dict(ticket), replies=self._replies(ticket_id), attachments=self._attachments(ticket_id))

    def _replies(self, ticket_id: int) -> list[dict]:
        with self.db.read.begin() as session:
            rows = session.scalars(select(TicketReply).where(TicketReply.ticket_id == ticket_id)
                                   .order_by(TicketReply.created_at, TicketReply.id))
            return [{"author": r.author, "body": r.body, "created_at": r.created_at.isoformat()} for r in rows]


def _ticket_dict(t: Ticket, token: str | None = None, lang: str | None = None) -> dict:
    deadline = None
    if t.deadline is not None:
        zone = dt.timezone(dt.timedelta(minutes=t.deadline_utc_offset or 0))
        deadline = t.deadline.astimezone(zone).isoformat()
    secret = {"token": token} if token else {}
    return {"number": t.number, **secret, "plan": t.plan, "severity": t.severity, "software": t.software, "subject": t.subject,
            "description": t.description, "contact": t.contact, "lang": t.lang, "scope": t.scope, "channel": t.channel,
            "response_target_minutes": t.response_target_minutes, "response_kind": t.response_kind, "deadline": deadline,
            "status": t.status or STATUS_NEW, "created_at": t.created_at.astimezone(dt.UTC).isoformat(),
            "first_response_at": t.first_response_at.isoformat() if t.first_response_at else None, "replies": [],
            "attachments": [],
            "rules": [_in_language(step, lang or t.lang) for step in t.rules]}


def _attachment_dict(a) -> dict:
    return {"id": a.id, "name": a.name, "media_type": a.media_type, "size": a.size}


def _in_language(step: dict, lang: str) -> dict:
    """A stored trace step with its reason in `lang` (reasons stored in one language stay as they are)."""
    reason = step.get("reason")
    if isinstance(reason, dict):
        return dict(step, reason=reason.get(lang) or reason.get("en") or reason.get("zh") or "")
    return step


def _holds(session, ticket: Ticket | None, token: str) -> bool:
    """Whether `token` opens `ticket`: its own token, or one a "my requests" mail carried. Compared even when there
    is no ticket, so timing does not tell whether the number or the token was wrong."""
    hashed = _hash(token)
    if hmac.compare_digest(ticket.token_hash if ticket else _DUMMY_HASH, hashed):
        return ticket is not None
    if ticket is None:
        return False
    return session.scalar(select(TicketLink.id).where(TicketLink.ticket_id == ticket.id,
                                                      TicketLink.token_hash == hashed).limit(1)) is not None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_number(created: dt.datetime) -> str:
    """T<UTC date>-<6 random base32 characters>, e.g. T20261122-7F3K9Q."""
    return f"T{created:%Y%m%d}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(6))
