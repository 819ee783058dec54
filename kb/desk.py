"""The inputs of the engineers' desk (tickets worked by staff, articles and rules edited), validated like every other request,
and where a ticket stands against its deadline."""

from __future__ import annotations

import datetime as dt

from kb.content.articles import CATEGORIES
from kb.content.articles import LANGS
from kb.content.revisions import MAX_TEXT
from kb.drafts import MAX_TEXT as RULE_TEXT
from kb.errors import InvalidInput
from kb.rules.conditions import SCOPES
from kb.schemas import BookChoice
from kb.schemas import Integer
from kb.schemas import OneOf
from kb.schemas import Optional
from kb.schemas import Request
from kb.schemas import Text
from kb.store.tables import STATUSES

REPLY = (1, 5000)
REPORTS = ("queries", "unhelpful", "undecided", "deflection", "tickets")
DEFAULT_DAYS = 30
MAX_DAYS = 366
IDS = r"^[A-Za-z0-9_.\-]+( *, *[A-Za-z0-9_.\-]+)*$"  # comma-separated rule-book ids
STAFF_STATUSES = STATUSES[1:]  # staff move a ticket on; only a new ticket is new
DATE = r"^\d{4}-\d{2}-\d{2}$"
SLUG = r"^[a-z0-9][a-z0-9-]{2,100}$"  # an article id or translation key (kb.content.articles.Slug)
ARTICLE_SORTS = ("software", "newest", "oldest")  # by software and topic, or by last update


class TicketFilter(Request):
    """Which tickets the desk lists."""

    status: Optional(OneOf(STATUSES)) = None
    plan: Optional(BookChoice("plans")) = None
    severity: Optional(BookChoice("severities")) = None
    software: Optional(BookChoice("catalog")) = None


class TicketReply(Request):
    """A reply the customer reads on the ticket's page, and the status it leaves the ticket in."""

    reply: Text(*REPLY, multiline=True)
    status: OneOf(STAFF_STATUSES) = "responded"


class TicketStatus(Request):
    """Another status without a reply."""

    status: OneOf(STAFF_STATUSES)


def deadline_state(ticket: dict, at: dt.datetime) -> dict:
    """Where a ticket stands against its response deadline at `at`: `left` or `overdue` (minutes) while nobody has
    answered, `met` or `missed` once the first response is recorded, `none` without a deadline or when it was
    resolved unanswered."""
    if not ticket.get("deadline"):
        return {"kind": "none", "minutes": None}
    deadline = dt.datetime.fromisoformat(ticket["deadline"])
    if ticket.get("first_response_at"):
        first = dt.datetime.fromisoformat(ticket["first_response_at"])
        return {"kind": "met" if first <= deadline else "missed", "minutes": _minutes(deadline - first)}
    if ticket.get("status") == STATUSES[-1]:
        return {"kind": "none", "minutes": None}
    left = _minutes(deadline - at)
    return {"kind": "left", "minutes": left} if left >= 0 else {"kind": "overdue", "minutes": -left}


def _minutes(delta: dt.timedelta) -> int:
    return int(delta.total_seconds() // 60)


class ArticleFilter(Request):
    """Which articles the desk lists."""

    software: Optional(BookChoice("topics")) = None
    lang: Optional(OneOf(LANGS)) = None
    category: Optional(OneOf(CATEGORIES)) = None
    translation: Optional(OneOf(("outdated", "missing"))) = None
    helpfulness: Optional(OneOf(("unhelpful", "unvoted"))) = None  # more "no" than "yes" votes; no vote at all
    status: Optional(OneOf(("draft", "published"))) = None  # a draft waits beside the served version, or none does
    within: Optional(Integer(1, MAX_DAYS)) = None  # last updated in the last N days
    since: Optional(Text(10, 10, pattern=DATE)) = None  # last updated on or after this day
    until: Optional(Text(10, 10, pattern=DATE)) = None  # ... and on or before this one
    sort: OneOf(ARTICLE_SORTS) = "software"


class ArticleEdit(Request):
    """An article file as the editor sends it: front matter and Markdown, the version it started from (none when
    the article has no saved version yet), and whether to preview, keep a draft or save and publish."""

    text: Text(1, MAX_TEXT, multiline=True)
    base: Optional(Integer(1, 1_000_000)) = None
    action: OneOf(("preview", "draft", "save")) = "preview"


class NewArticle(Request):
    """A new article file: its software (the folder it is kept in), translation key and language (its file name),
    its front matter and Markdown; preview it or save and publish it."""

    software: BookChoice("topics")
    key: Text(3, 101, pattern=SLUG)
    lang: OneOf(LANGS)
    text: Text(1, MAX_TEXT, multiline=True)
    action: OneOf(("preview", "save")) = "preview"


class RuleEdit(Request):
    """A rule file as the editor sends it, the rule-set version it started from (0: nothing saved yet), a note, and
    whether to check it, save it (a save is checked first) or try a case with it."""

    text: Text(1, RULE_TEXT, multiline=True)
    base: Integer(0, 1_000_000)
    action: OneOf(("check", "save", "try")) = "check"
    note: Optional(Text(1, 200)) = None


class ExpectedOutcome(Request):
    """A logged answer made a rule test case: its id and the outcome the engineer expects (at least one)."""

    id: Text(1, 80, pattern=r"^[a-z0-9][a-z0-9_\-.]*$")
    scope: Optional(OneOf(SCOPES)) = None
    software: Optional(BookChoice("catalog")) = None
    channels: Optional(Text(1, 400, pattern=IDS)) = None  # every channel, best first
    response_target_minutes: Optional(Integer(0, 100_000)) = None
    rules: Optional(Text(1, 1000, pattern=IDS)) = None  # rules that must fire
    base: Integer(0, 1_000_000)  # the rule-set version the engineer started from

    def expect(self) -> dict:
        """The `expect` of the test case (kb.rules.ruletests): lists for the comma-separated ids."""
        given = self.model_dump(exclude={"id", "base"}, exclude_none=True)
        for key in ("channels", "rules"):
            if key in given:
                given[key] = [part.strip() for part in given[key].split(",") if part.strip()]
        if not given:
            raise InvalidInput("scope", "required")
        return given


class DateRange(Request):
    """The days an analytics report covers, both included (default: the last 30 days)."""

    start: Optional(Text(10, 10, pattern=DATE)) = None
    end: Optional(Text(10, 10, pattern=DATE)) = None
    report: Optional(OneOf(REPORTS)) = None


class VersionPair(Request):
    """Two versions to compare."""

    a: Integer(1, 1_000_000)
    b: Integer(1, 1_000_000)


def days(given: DateRange, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a report: as given, else the DEFAULT_DAYS up to `today`; at most MAX_DAYS."""
    try:
        end = dt.date.fromisoformat(given.end) if given.end else today
        start = dt.date.fromisoformat(given.start) if given.start else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        raise InvalidInput("start" if given.start else "end", "invalid") from None
    if start > end:
        raise InvalidInput("start", "invalid")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput("start", "out_of_range", min=1, max=MAX_DAYS)
    return start, end


def update_window(given: ArticleFilter, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day (None: open) an article's last update may fall on: from `since` to `until`, and within
    the last `within` days up to `today` when that is given too."""
    try:
        start = dt.date.fromisoformat(given.since) if given.since else None
        end = dt.date.fromisoformat(given.until) if given.until else None
    except ValueError:
        raise InvalidInput("since" if given.since else "until", "invalid") from None
    if given.within:
        recent = today - dt.timedelta(days=given.within - 1)
        start = max(start, recent) if start else recent
    if start and end and start > end:
        raise InvalidInput("since", "invalid")
    return start, end


def last_update(updated: dt.date, revision: dict | None, zone: dt.tzinfo) -> dt.date:
    """The day (in `zone`) an article last changed: its newest saved version (draft or not), or the date its front
    matter gives when that is later (a file edited in git and not imported yet)."""
    saved = revision["created_at"].astimezone(zone).date() if revision else None
    return max(updated, saved) if saved else updated
