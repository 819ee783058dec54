"""Browser sessions kept on the server, by the hash of the id in their cookie; expired ones are never read."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import delete
from sqlalchemy import select

from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import BrowserSession


def _key(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class Sessions:
    """Load, save and end browser sessions."""

    def __init__(self, db: Database):
        self.db = db

    def load(self, session_id: str) -> tuple[dict, dt.datetime] | None:
        """The session's data and when it expires, or None when there is none or it expired."""
        with self.db.read.begin() as session:
            row = session.scalar(select(BrowserSession).where(BrowserSession.id_hash == _key(session_id),
                                                              BrowserSession.expires_at > now()))
        return (dict(row.data), row.expires_at) if row else None

    def save(self, session_id: str, data: dict, lifetime: dt.timedelta) -> None:
        """Keep `data` under the id until `lifetime` from now (each save extends it)."""
        with self.db.write.begin() as session:
            row = session.get(BrowserSession, _key(session_id))
            if row is None:
                session.add(BrowserSession(id_hash=_key(session_id), data=data, expires_at=now() + lifetime))
            else:
                row.data, row.expires_at = data, now() + lifetime

    def end(self, session_id: str) -> None:
        """Forget the session (signing out)."""
        with self.db.write.begin() as session:
            session.execute(delete(BrowserSession).where(BrowserSession.id_hash == _key(session_id)))

    def purge(self) -> int:
        """Delete the expired sessions; how many there were."""
        with self.db.write.begin() as session:
            return session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now())).rowcount
