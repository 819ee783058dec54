"""The site's conversation: one id per browser session, under which searches, answers, clicks and tickets are logged.

The id is unguessable and lives only in the signed session cookie, so a visitor can mark only their own answers as
solved and click only through their own results."""

from __future__ import annotations

from flask import session

from kb.service import new_conversation

KEY = "conversation"


def current() -> str:
    """This browser session's conversation id, made on first use."""
    value = session.get(KEY)
    if not isinstance(value, str):
        value = session[KEY] = new_conversation()
    return value


def existing() -> str | None:
    """The session's conversation id if it has one (events without one refer to nothing)."""
    value = session.get(KEY)
    return value if isinstance(value, str) else None
