"""Check request input (forms and JSON alike) and turn it into core arguments; bad input raises InvalidInput."""

from __future__ import annotations

from kb.case import Onsite
from kb.errors import InvalidInput
from kb.knowledge import MAX_QUERY

# Ticket field lengths, as the store keeps them (kb.store); checked here so forms can point at the field.
SUBJECT = (3, 200)
DESCRIPTION = (10, 5000)
CONTACT = (3, 200)
MAX_CITY = 100
MAX_TOKEN = 200
MAX_STAFF = 100


def text(value, field: str, *, required: bool = True, max_len: int = MAX_QUERY, min_len: int = 1) -> str | None:
    """A stripped string of `min_len` to `max_len` characters; None when optional and blank."""
    if value is None or isinstance(value, str) and not value.strip():
        if required:
            raise InvalidInput(field, "must not be empty")
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, "must be a string")
    value = value.strip()
    if min_len > 1 and not min_len <= len(value) <= max_len:
        raise InvalidInput(field, f"must be between {min_len} and {max_len} characters")
    if len(value) > max_len:
        raise InvalidInput(field, f"must be at most {max_len} characters")
    return value


def choice(value, field: str, choices, *, required: bool = False) -> str | None:
    """One of `choices`; None when optional and blank."""
    value = text(value, field, required=required, max_len=100)
    if value is not None and value not in choices:
        raise InvalidInput(field, f"must be one of {', '.join(choices)}")
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


def json_object(data, allowed: set[str]) -> dict:
    """A JSON body that is an object with no fields beyond `allowed`."""
    if not isinstance(data, dict):
        raise InvalidInput("body", "must be a JSON object")
    for key in data:
        if key not in allowed:
            raise InvalidInput(key if len(key) <= 40 else "body", f"unknown field `{key[:40]}`")
    return data


def onsite(book, mode, staff, city) -> Onsite | None:
    """An onsite contract, or None when no mode is chosen."""
    modes = [m["id"] for m in book.onsite["modes"]]
    mode = choice(mode, "onsite_mode", modes)
    staff = integer(staff, "onsite_staff", low=1, high=MAX_STAFF, default=1)
    city = text(city, "onsite_city", required=False, max_len=MAX_CITY)
    return Onsite(mode, staff, city) if mode else None


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
        "plan": choice(data.get("plan"), "plan", list(book.plans)),
        "severity": choice(data.get("severity"), "severity", list(book.severities)),
        "onsite": contract,
    }


def ticket_args(book, data: dict) -> dict:
    """The fields of a new ticket from a form or a JSON body."""
    return {
        "plan": choice(data.get("plan"), "plan", list(book.plans), required=True),
        "severity": choice(data.get("severity"), "severity", list(book.severities)),
        "software": choice(data.get("software"), "software", list(book.catalog)),
        "subject": text(data.get("subject"), "subject", min_len=SUBJECT[0], max_len=SUBJECT[1]),
        "description": text(data.get("description"), "description", min_len=DESCRIPTION[0], max_len=DESCRIPTION[1]),
        "contact": text(data.get("contact"), "contact", min_len=CONTACT[0], max_len=CONTACT[1]),
    }


def lang(value, field: str = "lang") -> str | None:
    """zh, en or None."""
    return choice(value, field, ("zh", "en"))
