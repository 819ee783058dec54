"""Check request input (forms and JSON alike) and turn it into core arguments; bad input raises InvalidInput."""

from __future__ import annotations

import json
import re
import unicodedata

from kb.errors import InvalidInput
from kb.knowledge import MAX_QUERY
from kb.rules.case import Onsite

# Ticket field lengths, as the store keeps them (kb.store); checked here so forms can point at the field.
SUBJECT = (3, 200)
DESCRIPTION = (10, 5000)
CONTACT = (3, 200)
MAX_CITY = 100
MAX_TOKEN = 200
MAX_NUMBER = 40
MAX_STAFF = 100
# Fields that may hold several lines (a pasted error message); every other text field is one line.
MULTILINE = {"question", "description", "q"}
LINE_BREAKS = "\n\r\t"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
PHONE = re.compile(r"\+?[\d\s().\-]+(?:\s*(?:ext\.?|x|转|分机)\s*\d+)?", re.I)
PHONE_DIGITS = (5, 20)


class InvalidChoice(InvalidInput):
    """A value outside a fixed list; `names` are the choices' display names ({zh, en} or plain) for people."""

    def __init__(self, field: str, choices, names=None):
        self.names = list(names) if names is not None else list(choices)
        super().__init__(field, f"must be one of {', '.join(choices)}")


class InvalidFields(InvalidInput):
    """Several bad fields at once (a form reports them all); `errors` holds one InvalidInput per field."""

    def __init__(self, errors: list[InvalidInput]):
        self.errors = errors
        first = errors[0]
        super().__init__(first.field, str(first).removeprefix(f"{first.field}: "))


def text(value, field: str, *, required: bool = True, max_len: int = MAX_QUERY, min_len: int = 1) -> str | None:
    """A stripped string of `min_len` to `max_len` characters; None when optional and blank.

    Lone surrogates and control characters are refused here, before any text reaches the tokenizer or the database
    (PostgreSQL refuses NUL); tabs and line breaks only in the multi-line fields."""
    if value is None or isinstance(value, str) and not value.strip():
        if required:
            raise InvalidInput(field, "must not be empty")
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    _check_characters(value, field)
    value = value.strip()
    if min_len > 1 and not min_len <= len(value) <= max_len:
        raise InvalidInput(field, f"must be between {min_len} and {max_len} characters")
    if len(value) > max_len:
        raise InvalidInput(field, f"must be at most {max_len} characters")
    return value


def _check_characters(value: str, field: str) -> None:
    allowed = LINE_BREAKS if field in MULTILINE else ""
    for char in value:
        kind = unicodedata.category(char)
        if kind == "Cs":
            raise InvalidInput(field, "must be valid Unicode text (it holds a lone surrogate)")
        if kind == "Cc" and char not in allowed:
            raise InvalidInput(field, "must not contain control characters")


def clean(value, limit: int = 100) -> str:
    """`value` made safe to echo back in a message: no control characters or surrogates, at most `limit` characters."""
    value = "".join(c for c in str(value)[:limit] if unicodedata.category(c) not in ("Cc", "Cs"))
    return value


def choice(value, field: str, choices, *, required: bool = False, names=None) -> str | None:
    """One of `choices` (ids); None when optional and blank. `names` (same order) are shown to people on error."""
    value = text(value, field, required=required, max_len=100)
    if value is not None and value not in choices:
        raise InvalidChoice(field, list(choices), names)
    return value


def integer(value, field: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """An integer in [low, high]; form strings are parsed, JSON booleans are refused."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidInput(field, "must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput(field, "must be an integer") from None
    if not low <= number <= high:
        raise InvalidInput(field, f"must be between {low} and {high}")
    return number


def parse_json(raw: bytes):
    """The decoded JSON body; broken JSON and absurd nesting are bad input, not server errors."""
    try:
        return json.loads(raw)
    except RecursionError:
        raise InvalidInput("body", "is nested too deeply") from None
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        raise InvalidInput("body", "is not valid JSON") from None


def json_object(data, allowed: set[str]) -> dict:
    """A JSON body that is an object with no fields beyond `allowed`."""
    if not isinstance(data, dict):
        raise InvalidInput("body", "must be a JSON object")
    for key in data:
        if key not in allowed:
            shown = clean(key, 40)
            raise InvalidInput(shown if shown == key and key else "body", f"unknown field `{shown}`")
    return data


def query_params(args, allowed: set[str]) -> None:
    """Refuse query parameters beyond `allowed`, as JSON bodies refuse unknown fields."""
    for key in args:
        if key not in allowed:
            shown = clean(key, 40)
            raise InvalidInput(shown if shown == key and key else "query", f"unknown parameter `{shown}`")


def onsite(book, mode, staff, city) -> Onsite | None:
    """An onsite contract, or None when no mode is chosen."""
    modes = book.onsite.modes
    mode = choice(mode, "onsite_mode", [m.id for m in modes], names=[m.name for m in modes])
    staff = integer(staff, "onsite_staff", low=1, high=MAX_STAFF, default=1)
    city = text(city, "onsite_city", required=False, max_len=MAX_CITY)
    return Onsite(mode, staff, city) if mode else None


def plan(book, value, *, required: bool = False) -> str | None:
    """A plan id of the rule book."""
    return choice(value, "plan", list(book.plans), required=required,
                  names=[{"zh": f"{p.id} {p.name.zh}", "en": f"{p.id} {p.name.en}"} for p in book.plans.values()])


def severity(book, value) -> str | None:
    """A severity id of the rule book."""
    return choice(value, "severity", list(book.severities), names=[s.name for s in book.severities.values()])


def software(book, value, keys=None) -> str | None:
    """A catalog key (or one of `keys`, e.g. the article topics), named by its display name on error."""
    keys = sorted(keys if keys is not None else book.catalog)
    return choice(value, "software", keys, names=[book.catalog[k].name if k in book.catalog else k for k in keys])


def ask_args(book, data: dict) -> dict:
    """Keyword arguments for KnowledgeBase.ask from a form or a JSON body (onsite nested or flat)."""
    nested = data.get("onsite")
    if nested is not None and not isinstance(nested, dict):
        raise InvalidInput("onsite", "must be a JSON object")
    if isinstance(nested, dict):
        json_object(nested, {"mode", "staff", "city"})
        contract = onsite(book, nested.get("mode"), nested.get("staff"), nested.get("city"))
    else:
        contract = onsite(book, data.get("onsite_mode"), data.get("onsite_staff"), data.get("onsite_city"))
    return {
        "question": text(data.get("question"), "question"),
        "plan": plan(book, data.get("plan")),
        "severity": severity(book, data.get("severity")),
        "onsite": contract,
    }


def contact(value) -> str:
    """An email address or a phone number."""
    value = text(value, "contact", min_len=CONTACT[0], max_len=CONTACT[1])
    if EMAIL.fullmatch(value):
        return value
    digits = sum(c.isdigit() for c in value)
    if PHONE.fullmatch(value) and PHONE_DIGITS[0] <= digits <= PHONE_DIGITS[1]:
        return value
    raise InvalidInput("contact", "must be an email address or a phone number")


def ticket_args(book, data: dict) -> dict:
    """The fields of a new ticket from a form or a JSON body; every bad field is reported (InvalidFields)."""
    checks = {
        "plan": lambda: plan(book, data.get("plan"), required=True),
        "severity": lambda: severity(book, data.get("severity")),
        "software": lambda: software(book, data.get("software")),
        "subject": lambda: text(data.get("subject"), "subject", min_len=SUBJECT[0], max_len=SUBJECT[1]),
        "description": lambda: text(data.get("description"), "description", min_len=DESCRIPTION[0],
                                    max_len=DESCRIPTION[1]),
        "contact": lambda: contact(data.get("contact")),
    }
    fields, errors = {}, []
    for name, check in checks.items():
        try:
            fields[name] = check()
        except InvalidInput as exc:
            errors.append(exc)
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFields(errors)
    return fields


def ticket_number(value) -> str:
    """A ticket number as typed (the store normalises case and spaces)."""
    return text(value, "number", max_len=MAX_NUMBER)


def token(value) -> str:
    """A ticket's access token."""
    return text(value, "token", max_len=MAX_TOKEN)


def lang(value, field: str = "lang") -> str | None:
    """zh, en or None."""
    return choice(value, field, ("zh", "en"))
