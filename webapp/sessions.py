"""Sessions kept on the server (kb.store.sessions): the cookie carries a random id and nothing else.

A signed client-side session could not be revoked: a cookie saved before signing out still opened the engineers'
pages for 31 days. Now signing out ends the session on the server, sessions expire after KB_SESSION_HOURS idle,
the id changes on sign-in, and the cookie is HttpOnly, SameSite=Lax and, over HTTPS, Secure. Every worker and host
reads the same sessions from the database.
"""

from __future__ import annotations

import datetime as dt
import secrets

from flask import Flask
from flask import request
from flask.sessions import SessionInterface
from flask.sessions import SessionMixin
from werkzeug.datastructures import CallbackDict

COOKIE = "kb_session"
REFRESH = dt.timedelta(minutes=5)  # an unchanged session's expiry is pushed back at most this often


class ServerSession(CallbackDict, SessionMixin):
    """The session's data, with its id; `renew()` gives it a new id (on sign-in), `end()` forgets it (sign-out)."""

    def __init__(self, data=None, session_id: str | None = None, expires_at: dt.datetime | None = None):
        super().__init__(data or {}, on_update=lambda s: setattr(s, "modified", True))
        self.session_id = session_id or secrets.token_urlsafe(32)
        self.new = expires_at is None
        self.expires_at = expires_at
        self.modified = False
        self.ended_ids: list[str] = []

    def renew(self) -> None:
        """A new id for the same data: what was known under the old id (before signing in) opens nothing now."""
        self.ended_ids.append(self.session_id)
        self.session_id, self.modified = secrets.token_urlsafe(32), True

    def end(self) -> None:
        """Forget everything: the data, and the id on the server."""
        self.ended_ids.append(self.session_id)
        self.clear()
        self.session_id, self.modified = secrets.token_urlsafe(32), False


class ServerSessionInterface(SessionInterface):
    """Loads and saves ServerSession through the app's store."""

    def __init__(self, store, lifetime: dt.timedelta):
        self.store, self.lifetime = store, lifetime

    def open_session(self, app: Flask, request) -> ServerSession:
        session_id = request.cookies.get(COOKIE)
        found = self.store.sessions.load(session_id) if session_id and len(session_id) <= 64 else None
        if found is None:
            return ServerSession()
        return ServerSession(found[0], session_id, expires_at=found[1])

    def save_session(self, app: Flask, session: ServerSession, response) -> None:
        for ended in session.ended_ids:
            self.store.sessions.end(ended)
        if not session:
            if not session.new or session.ended_ids:
                response.delete_cookie(COOKIE, path="/")
            return
        idle = session.expires_at is None or session.expires_at < dt.datetime.now(dt.UTC) + self.lifetime - REFRESH
        if session.modified or session.ended_ids or idle:  # a session only read is extended now and then, not always
            self.store.sessions.save(session.session_id, dict(session), self.lifetime)
        response.set_cookie(COOKIE, session.session_id, max_age=int(self.lifetime.total_seconds()), path="/",
                            httponly=True, samesite="Lax", secure=request.is_secure)


def init_app(app: Flask, store, hours: float) -> None:
    """Keep the app's sessions on the server, `hours` idle at most."""
    app.session_interface = ServerSessionInterface(store, dt.timedelta(hours=hours))
