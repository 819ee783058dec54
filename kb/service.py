"""The use cases: answer a question, search, open and read a ticket, vote, record what a customer did.

The HTML views, the JSON API, the command line and the widget all call these, with requests validated by
kb.schemas; so the rules run once per question and every answer is logged the same way, under its conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from kb.attachments import Attachment
from kb.errors import NotReady
from kb.followup import merge
from kb.knowledge import KnowledgeBase
from kb.rules.case import Onsite
from kb.rules.engine import Decision
from kb.rules.render import trace_in_both
from kb.rules.views import DecisionView
from kb.schemas import MAX_QUERY
from kb.schemas import AskRequest
from kb.schemas import EventRequest
from kb.schemas import SearchRequest
from kb.schemas import TicketLookup
from kb.schemas import TicketRequest
from kb.schemas import VoteRequest
from kb.schemas import parse
from kb.schemas import ticket_question
from kb.sealing import Sealer
from kb.search.hybrid import Results
from kb.store import Store
from kb.store.tickets import Once

SUGGESTIONS = 3  # articles shown with an answer


def new_conversation() -> str:
    """An unguessable conversation id: events refer to records only through it."""
    return secrets.token_urlsafe(18)


@dataclass
class Answer:
    """The assistant's answer: the decision (neutral and shown in the reader's language), articles and why not."""

    decision: Decision
    view: DecisionView
    hits: Results
    conversation: str
    articles_note: str | None = None  # a message key: why no articles came with the answer


@dataclass
class Found:
    """Search results and the conversation they belong to."""

    hits: Results = field(default_factory=Results)
    conversation: str = ""


class Service:
    """The use cases over one knowledge base and one store."""

    def __init__(self, knowledge: KnowledgeBase, store: Store, sealer: Sealer,
                 clock: Callable[[], dt.datetime] | None = None):
        self.knowledge = knowledge
        self.store = store
        self.sealer = sealer  # seals a ticket's token for a retry of the same request
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))  # a test stops it at a chosen instant

    def ask(self, request: AskRequest, lang: str) -> Answer:
        """Decide a question once, find the articles for it, and log the whole answer under its conversation.

        A `follow_up` continues the conversation's latest case (kb.followup). Without a search index yet the
        decision is still given, with no articles and a note that says why."""
        kb = self.knowledge
        if request.follow_up and request.conversation:
            request = self._continued(request)
        decision = self._decide(kb, request)
        note = None
        try:
            hits = kb.search(request.question[:MAX_QUERY], lang=lang, limit=SUGGESTIONS, pinned=kb.explaining(decision))
        except NotReady:
            hits, note = Results(), "no_index"
        conversation = request.conversation or new_conversation()
        view = kb.render(decision, lang)
        self.store.logs.decision(
            question=request.question, lang=view.lang, plan=request.plan, scope=decision.scope,
            software=decision.case.software, result_ids=[h.id for h in hits], conversation=conversation,
            input=_input(request, decision, lang), fingerprint=decision.fingerprint, fired=decision.fired,
            decided=decision.summary())
        return Answer(decision, view, hits, conversation, note)

    def try_case(self, request: AskRequest, lang: str,
                 knowledge: KnowledgeBase | None = None) -> tuple[Decision, DecisionView]:
        """Decide a case an engineer tries on the desk as a customer's question is decided, with the rules in force
        or a draft's `knowledge` (kb.drafts.draft_knowledge); neither searched nor logged: a try is no customer's
        question, and a replay must not count it."""
        kb = knowledge or self.knowledge
        decision = self._decide(kb, request)
        return decision, kb.render(decision, lang)

    def _decide(self, kb: KnowledgeBase, request: AskRequest) -> Decision:
        onsite = request.onsite
        return kb.ask(request.question, plan=request.plan, severity=request.severity,
                      onsite=Onsite(onsite.mode, onsite.staff, onsite.city) if onsite else None,
                      reported_at=request.reported_at or self.clock(), software=request.software, os=request.os,
                      version=request.version)

    def _continued(self, request: AskRequest) -> AskRequest:
        """The request as its conversation's latest case refined by it: facts the request gives win."""
        given = request.model_dump(include={"plan", "severity", "software", "os", "version"})
        if request.onsite:
            given["onsite"] = request.onsite.model_dump()
        merged = merge(self.store.logs.latest_input(request.conversation), request.question, self.knowledge.book, given)
        return parse(AskRequest, dict(merged, lang=request.lang, reported_at=request.reported_at,
                                      conversation=request.conversation), self.knowledge.book)

    def search(self, request: SearchRequest, lang: str) -> Found:
        """Search the articles in `lang` and log the search (and its results) under its conversation."""
        hits = self.knowledge.search(request.q, lang=lang, software=request.software, category=request.category,
                                     limit=request.limit, mode=request.mode)
        conversation = request.conversation or new_conversation()
        self.store.logs.search(request.q, lang, [h.id for h in hits], conversation)
        return Found(hits, conversation)

    def open_ticket(self, request: TicketRequest, lang: str, idempotency_key: str | None = None,
                    attachments: Sequence[Attachment] = ()) -> dict:
        """Decide the ticket's text with the rules, once, and store it with that decision (the receipt has the token).

        The stored trace has every reason in both languages, so the ticket reads in its reader's language. With an
        `idempotency_key`, sending the same request again gives the first ticket back (`replayed`), not a second.
        The `attachments` (kb.attachments.checked) are stored with the ticket."""
        once = None
        if idempotency_key is not None:
            fields = request.model_dump(mode="json", exclude={"conversation"})
            if attachments:  # another file is another request; without files the hash is as before
                fields["files"] = [hashlib.sha256(a.data).hexdigest() for a in attachments]
            body = json.dumps(fields, sort_keys=True)
            once = Once(idempotency_key, hashlib.sha256(body.encode()).hexdigest(), self.sealer)
        kb = self.knowledge
        decision = kb.ask(ticket_question(request.subject, request.description), plan=request.plan,
                          severity=request.severity, reported_at=self.clock())
        ticket = self.store.tickets.create(
            plan=request.plan, severity=decision.severity, software=request.software, subject=request.subject,
            description=request.description, contact=request.contact, lang=lang, scope=decision.scope,
            channel=decision.channels[0].id if decision.channels else None,
            response_target_minutes=decision.response_minutes, response_kind=decision.response_kind,
            deadline=decision.deadline, rules=trace_in_both(kb.book, decision), once=once, attachments=attachments)
        if request.conversation and not ticket.get("replayed"):
            self.store.logs.event(request.conversation, "ticket", ticket_number=ticket["number"])
        return ticket

    def ticket(self, lookup: TicketLookup, lang: str) -> dict:
        """A ticket, for whoever has its token, with its trace in `lang`."""
        return self.store.tickets.get(lookup.number, lookup.token, lang=lang)

    def vote(self, request: VoteRequest, lang: str, voter: str | None = None) -> None:
        """Count a "was this helpful" answer on an existing article (one per voter)."""
        article = self.knowledge.article(request.article_id)
        self.store.votes.record(article.id, request.helpful, request.lang or lang, voter=voter)

    def record(self, event: EventRequest) -> bool:
        """Record what a customer did with an answer of their own conversation; others' records are left alone."""
        return self.store.logs.event(event.conversation, event.kind, article_id=event.article_id)


def _input(request: AskRequest, decision: Decision, lang: str) -> dict:
    """The whole input of an answer, as a replay needs it: the reported time the rules used, not the request's."""
    onsite = request.onsite
    return {"question": request.question, "plan": request.plan, "severity": request.severity,
            "onsite": onsite.model_dump() if onsite else None, "reported_at": decision.case.reported_at.isoformat(),
            "lang": lang, "software": request.software, "os": request.os, "version": request.version}
