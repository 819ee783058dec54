"""Read a request's input into plain data for kb.schemas, strictly: a parameter given twice, a duplicate JSON key,
broken or deeply nested JSON are bad input (400 naming the field), never silently resolved."""

from __future__ import annotations

import json
import re
import unicodedata

from flask import request

from kb.errors import InvalidInput
from kb.schemas import Request
from kb.schemas import parse
from webapp.services import get_kb


def clean(value, limit: int = 100) -> str:
    """`value` made safe to echo back in a message: no control characters or surrogates, at most `limit` characters."""
    return "".join(c for c in str(value)[:limit] if unicodedata.category(c) not in ("Cc", "Cs"))


def fields(values, allowed: set[str] | None = None, *, strict: bool = True) -> dict:
    """A form's or a query string's values as a dict; a repeated name is refused, and so is one not `allowed`.
    A form (`strict=False`) leaves out what it does not read instead, and its empty fields: an unselected choice
    is an absent value."""
    data = {}
    for key in values:
        got = values.getlist(key)
        shown = clean(key, 40) or "query"
        if allowed is not None and key not in allowed:
            if not strict:
                continue
            raise InvalidInput(shown, "unknown_field")
        if len(got) > 1:
            raise InvalidInput(shown, "repeated")
        if strict or got[0].strip():
            data[key] = got[0]
    return data


def files(values, name: str, max_bytes: int) -> list[tuple[str, bytes]]:
    """The files sent under `name` in a multipart form, as (name the browser gave, bytes): at most max_bytes + 1 of
    each, so a file too large is known without keeping it; an empty file input (nothing chosen) sends none."""
    found = []
    for storage in values.getlist(name):
        data = storage.stream.read(max_bytes + 1)
        if storage.filename or data:
            found.append((storage.filename or "", data))
    return found


def json_body() -> dict:
    """The request's JSON object; duplicate keys, broken JSON and absurd nesting are bad input."""
    try:
        data = json.loads(request.get_data(cache=True), object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise InvalidInput("body", "too_deep") from None
    except InvalidInput:
        raise
    except ValueError:  # JSONDecodeError and UnicodeDecodeError alike
        raise InvalidInput("body", "not_json") from None
    if not isinstance(data, dict):
        raise InvalidInput("body", "not_object")
    return data


def _no_duplicates(pairs):
    data = {}
    for key, value in pairs:
        if key in data:
            raise InvalidInput(clean(key, 40) or "body", "repeated")
        data[key] = value
    return data


IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_\-.:]{8,64}")


def idempotency_key(value: str | None) -> str | None:
    """An Idempotency-Key as clients send them (a UUID, say): 8 to 64 letters, digits and - _ . :"""
    if value is None or value == "":
        return None
    if not IDEMPOTENCY_KEY.fullmatch(value):
        raise InvalidInput("idempotency_key", "invalid")
    return value


def nested_onsite(data: dict) -> dict:
    """A form's flat onsite_mode / onsite_staff / onsite_city as the `onsite` object of an AskRequest."""
    data = dict(data)
    flat = {k.removeprefix("onsite_"): data.pop(k) for k in ("onsite_mode", "onsite_staff", "onsite_city") if k in data}
    if flat.get("mode", "").strip():
        data["onsite"] = flat
    return data


def validated(model: type[Request], data: dict) -> Request:
    """`data` validated into `model` against the loaded rule book."""
    return parse(model, data, get_kb().book)
