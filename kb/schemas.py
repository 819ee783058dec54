"""Request and response models of the use cases (kb.service): one definition of every field and its limits, used
by the command line, the HTML forms and the JSON API alike, and the source of the API's OpenAPI description.

Choices that the rule book defines (plans, severities, onsite modes, software) are checked against the book passed
as validation context; `x-kb-enum` marks them in the JSON Schema so the description lists the loaded book's ids.
Every error becomes an InvalidInput with codes and parameters (kb.errors.REASONS), never sentences.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import AfterValidator
from pydantic import AwareDatetime
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import ValidationInfo
from pydantic import WithJsonSchema
from pydantic_core import PydanticCustomError

from kb.content.articles import CATEGORIES
from kb.content.articles import LANGS
from kb.errors import REASONS
from kb.errors import FieldError
from kb.errors import InvalidInput
from kb.rules.views import DecisionView
from kb.search.hybrid import MODES

MAX_QUERY = 500
MAX_QUESTION = 4000  # a question may carry pasted logs or command output; search reads only MAX_QUERY of it
SUBJECT = (3, 200)
DESCRIPTION = (10, 5000)
CONTACT = (3, 200)
MAX_CITY = 100
MAX_STAFF = 100
MAX_LIMIT = 50
MAX_ID = 200
LINE_BREAKS = "\n\r\t"
# Characters that reorder or hide text: a subject could show staff something other than what it says.
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u061c\u200e\u200f]")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PHONE = re.compile(r"\+?[\d\s().\-]+(?:\s*(?:ext\.?|x|转|分机)\s*\d+)?", re.I)
PHONE_DIGITS = (5, 20)


def _error(code: str, **params) -> PydanticCustomError:
    values = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in params.items()}
    return PydanticCustomError(code, REASONS[code].format(**values), params)


def _text(low: int, high: int, multiline: bool):
    def check(value):
        if value is None:
            raise _error("required")
        if not isinstance(value, str):
            raise _error("not_text")
        for char in value:
            kind = unicodedata.category(char)
            if kind == "Cs":
                raise _error("lone_surrogate")
            if kind == "Cc" and not (multiline and char in LINE_BREAKS):
                raise _error("control_characters")
        if _BIDI.search(value):
            raise _error("invisible_characters")
        value = _ZERO_WIDTH.sub("", value).strip()
        if not value:
            raise _error("required")
        if len(value) > high:
            raise _error("too_long", max=high)
        if len(value) < low:
            raise _error("too_short", min=low)
        return value

    return check


def _described(multiline: bool) -> str:
    """The JSON Schema pattern of what `_text` accepts once stripped: no control, invisible or direction-changing
    characters (line breaks only if multiline), and no white space at either end (the server removes it)."""
    controls = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f" if multiline else "\x00-\x1f\x7f-\x9f"
    hidden = "\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    inner, edge = f"[^{controls}{hidden}]", f"[^\\s{controls}{hidden}]"
    return f"^{edge}(?:{inner}*{edge})?$"


def Text(low: int = 1, high: int = MAX_QUERY, *, multiline: bool = False, pattern: str | None = None):  # noqa: N802
    """A stripped string of `low` to `high` characters (matching `pattern` if given); no control characters (line
    breaks only if `multiline`), no lone surrogates, no direction-changing characters; zero-width ones are dropped.
    The OpenAPI description says the same with a pattern (or the given one, which must be at least as strict)."""
    described = WithJsonSchema({"type": "string", "minLength": low, "maxLength": high,
                                "pattern": pattern or _described(multiline)})
    return Annotated[str, Field(min_length=low, max_length=high, pattern=pattern), BeforeValidator(_text(low, high, multiline)),
                     described]


def Optional(kind):  # noqa: N802 - a type factory
    """`kind` or None (a form's empty field is left out before validation: webapp.inputs.fields)."""
    return kind | None


def _integer(low: int, high: int):
    def check(value):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # JSON Schema counts 2.0 as an integer, and so does the description
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _error("not_integer")
        if isinstance(value, str):
            if not re.fullmatch(r"[0-9]{1,18}", value.strip()):  # ASCII digits only: "١" is not 1 here
                raise _error("not_integer")
            value = int(value)
        if not low <= value <= high:
            raise _error("out_of_range", min=low, max=high)
        return value

    return check


def Integer(low: int, high: int):  # noqa: N802 - a type factory
    """A whole number in [low, high]; a form's string of ASCII digits is read, JSON booleans are refused."""
    return Annotated[int, Field(ge=low, le=high), BeforeValidator(_integer(low, high))]


def _moment(value):
    # pydantic reads a number as a Unix timestamp; the description promises an ISO 8601 string, so only that is read
    if value is not None and not isinstance(value, str | dt.datetime):
        raise _error("not_datetime")
    return value


# A date and time with its UTC offset: an ISO 8601 string (or, from Python callers, an aware datetime).
Moment = Annotated[AwareDatetime, BeforeValidator(_moment)]


def _one_of(choices):
    def check(value):
        if value is None or isinstance(value, str) and not value.strip():
            raise _error("required")
        if value not in choices:
            raise _error("not_one_of", choices=list(choices))
        return value

    return check


def OneOf(choices: tuple[str, ...]):  # noqa: N802 - a type factory
    """One of a fixed list of ids."""
    return Annotated[Literal[choices], BeforeValidator(_one_of(choices))]


def _in_book(kind: str):
    def check(value: str, info: ValidationInfo) -> str:
        book = (info.context or {}).get("book")
        if book is None:
            raise ValueError("validation needs the rule book as context")
        choices = book_choices(book, kind)
        if not value.strip():
            raise _error("required")
        if value not in choices:
            raise _error("not_one_of", choices=choices)
        return value

    return check


def book_choices(book, kind: str) -> list[str]:
    """The ids a rule-book choice may take: plans, severities, onsite modes, catalog keys or article topics."""
    return {"plans": lambda: list(book.plans), "severities": lambda: list(book.severities),
            "onsite_modes": lambda: [m.id for m in book.onsite.modes], "catalog": lambda: list(book.catalog),
            "os": lambda: list(dict.fromkeys(o.id for o in book.lexicon.os)),
            "topics": lambda: sorted(book.topics())}[kind]()


def BookChoice(kind: str):  # noqa: N802 - a type factory
    """An id the loaded rule book defines (`kind`: plans, severities, onsite_modes, catalog, topics)."""
    return Annotated[str, Field(json_schema_extra={"x-kb-enum": kind}), AfterValidator(_in_book(kind))]


def _contact(value: str) -> str:
    if EMAIL.fullmatch(value):
        return value
    digits = sum(c.isdigit() for c in value)
    if PHONE.fullmatch(value) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return value
    raise _error("bad_contact")


def _email(value: str) -> str:
    if EMAIL.fullmatch(value):
        return value
    raise _error("not_email")


# What the description promises of a contact: an email address, or a phone number of 5 to 20 digits (the server also
# takes spaces, brackets, dashes and an extension in a phone number).
CONTACT_SCHEMA = {"type": "string", "minLength": CONTACT[0], "maxLength": CONTACT[1],
                  "anyOf": [{"format": "email"}, {"pattern": "^\\+?[0-9]{5,20}$"}],
                  "description": "An email address or a phone number."}
Lang = OneOf(LANGS)
Conversation = Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]{16,64}$", description="The conversation id an answer gave.")]


class Request(BaseModel):
    """A use case's input: unknown fields are refused, like any other bad input."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LanguageChoice(Request):
    """The language of a request's answers and messages (`?lang=` on any API operation)."""

    lang: Lang


class SearchRequest(Request):
    """Search the articles."""

    q: Text(1, MAX_QUERY)
    lang: Optional(Lang) = None
    software: Optional(BookChoice("topics")) = None
    category: Optional(OneOf(CATEGORIES)) = None
    limit: Integer(1, MAX_LIMIT) = 10
    mode: OneOf(MODES) = "hybrid"
    conversation: Optional(Conversation) = None


class OnsiteRequest(Request):
    """An onsite (OTSS) contract: its mode, how many engineers it has, and the city."""

    mode: BookChoice("onsite_modes")
    staff: Integer(1, MAX_STAFF) = 1
    city: Optional(Text(1, MAX_CITY)) = None


class AskRequest(Request):
    """A question to the scope assistant, with what the customer knows of their contract."""

    question: Text(1, MAX_QUESTION, multiline=True)
    plan: Optional(BookChoice("plans")) = None
    severity: Optional(BookChoice("severities")) = None
    onsite: OnsiteRequest | None = None
    lang: Optional(Lang) = None
    reported_at: Moment | None = None
    conversation: Optional(Conversation) = None
    # What the customer adds when the answer asks for it (DecisionView.missing): these win over what the text says.
    software: Optional(BookChoice("catalog")) = None
    os: Optional(BookChoice("os")) = None
    version: Optional(Text(1, 40, pattern=r"^[0-9][0-9A-Za-z.\-]*$")) = None
    follow_up: bool = Field(False, description="Continue the conversation's last case: a question that only adds a "
                            "fact (\"我是企业版呢?\", \"what if it's urgent?\") keeps the earlier question and facts.")


def ticket_question(subject: str, description: str) -> str:
    """The text the rules decide a ticket by: the subject and the start of the description, enough to decide the
    case (Service.open_ticket files by it, a replay decides the stored ticket by it again)."""
    return f"{subject}\n{description}"[:MAX_QUESTION]


class TicketRequest(Request):
    """A new ticket; the rules decide its channel and deadline."""

    plan: BookChoice("plans")
    severity: Optional(BookChoice("severities")) = None
    software: Optional(BookChoice("catalog")) = None
    subject: Text(*SUBJECT)
    description: Text(*DESCRIPTION, multiline=True)
    contact: Annotated[Text(*CONTACT), AfterValidator(_contact), WithJsonSchema(CONTACT_SCHEMA)]
    lang: Optional(Lang) = None
    conversation: Optional(Conversation) = None


class TicketLookup(Request):
    """A ticket's number and the access token given when it was opened."""

    number: Text(1, 40, pattern=r"^[A-Za-z0-9\-]{1,40}$")
    token: Text(1, MAX_ID, pattern=r"^[A-Za-z0-9_\-]{1,200}$")


class ContactLinks(Request):
    """An email address to mail the links to every ticket filed with it ("my requests")."""

    contact: Annotated[Text(*CONTACT), AfterValidator(_email)]


class VoteRequest(Request):
    """Whether an article helped."""

    article_id: Text(1, MAX_ID)
    helpful: bool
    lang: Optional(Lang) = None


class EventRequest(Request):
    """What a customer did with an answer: opened a result, said it solved the problem, or that they still need help."""

    conversation: Conversation
    kind: OneOf(("click", "solved", "need_help"))
    article_id: Optional(Text(1, MAX_ID)) = None


# ---- responses ----

class Response(BaseModel):
    model_config = ConfigDict(frozen=True)


class HitView(Response):
    """One search result."""

    id: str
    key: str = Field(description="Translation key of the topic.")
    title: str
    lang: Literal[LANGS]
    software: str
    category: Literal[CATEGORIES]
    score: float
    snippet: str = Field(description="Safe HTML: escaped text with <mark> highlights.")


class SearchResponse(Response):
    results: list[HitView]
    total: int = Field(ge=0, description="How many articles matched before `limit` cut the list (for paging).")
    unrelated: bool = Field(description="The query matched nothing well enough (below the relevance floor): "
                            "`results` is empty, or only the articles the rules pin; show \"no results\".")
    suggestion: str | None = Field(description="The query with English typos corrected, also searched; null if none.")
    conversation: str = Field(description="Send it with later events (a click) and questions of the same visit.")


class AskResponse(DecisionView):
    """The decision in the request's language, and the articles most likely to help (the rules' explaining
    articles first when the request is out of scope)."""

    articles: list[HitView]
    conversation: str = Field(description="Send it with events and follow-up questions of the same visit.")
    articles_note: str | None = Field(None, description="Why no articles came with the answer: `no_index`.")


class TicketView(Response):
    number: str
    plan: str
    severity: str | None
    software: str | None
    subject: str
    description: str
    contact: str
    lang: str
    scope: str
    channel: str | None
    response_target_minutes: int | None
    response_kind: str | None
    deadline: str | None
    status: str
    created_at: str
    rules: list[dict[str, Any]]
    first_response_at: str | None = Field(None, description="When support first replied.")
    replies: list[dict[str, Any]] = Field([], description="Support's replies, oldest first: author, body, created_at.")
    attachments: list[dict[str, Any]] = Field([], description="Files attached on the site's ticket form: id, name, "
                                              "media_type (checked on the content), size in bytes.")


class TicketReceipt(TicketView):
    token: str = Field(description="Needed to read the ticket again; shown once (and to a retry of the same request).")
    replayed: bool = Field(False, description="True when this answers a retry with the same Idempotency-Key.")


def parse(model: type[Request], data: Any, book=None) -> Request:
    """Validate `data` (a dict from a form, a JSON body or the command line) into `model`, or raise InvalidInput
    naming every bad field."""
    try:
        return model.model_validate(data, context={"book": book})
    except ValidationError as exc:
        raise InvalidInput([_field_error(err) for err in exc.errors()]) from None


_CODES = {"missing": "required", "extra_forbidden": "unknown_field", "string_type": "not_text",
          "model_type": "not_object", "model_attributes_type": "not_object", "dict_type": "not_object",
          "list_type": "not_list", "bool_parsing": "not_boolean", "bool_type": "not_boolean",
          "int_parsing": "not_integer", "int_type": "not_integer", "string_too_long": "too_long",
          "string_too_short": "too_short", "string_pattern_mismatch": "invalid", "literal_error": "not_one_of"}


def _field_error(err: dict) -> FieldError:
    steps = [str(step) for step in err["loc"] if not isinstance(step, int)]
    if err["type"] == "extra_forbidden":
        steps = steps[-1:]  # an unknown key is named by itself
    name = "_".join(steps) or "body"  # a nested field is named flat: onsite.mode is onsite_mode, as the forms name it
    code = err["type"] if err["type"] in REASONS else _CODES.get(err["type"], "invalid")
    if err["type"].startswith(("datetime", "timezone")):
        code = "not_datetime"
    params = dict(err.get("ctx") or {}) if err["type"] in REASONS else {}
    return FieldError(name, code, {k: v for k, v in params.items() if k != "error"})
