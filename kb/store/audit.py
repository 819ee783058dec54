"""The audit log: every change staff make (accounts, tickets, articles), with who, when, what, before and after.

Changes write their entry in the same transaction as the change, so the log never misses one or shows one that
did not happen."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from kb.store.db import Database
from kb.store.db import now
from kb.store.tables import AuditEntry


def record(session: Session, actor: str, action: str, target: str, before: dict | None, after: dict | None) -> None:
    """Add one entry to the change being written in `session`."""
    session.add(AuditEntry(actor=actor, action=action, target=target[:200], before=before, after=after, created_at=now()))


class Audit:
    """Read the audit log."""

    def __init__(self, db: Database):
        self.db = db

    def entries(self, limit: int = 100, *, target: str | None = None, since: dt.datetime | None = None) -> list[dict]:
        """The newest entries first, of one target or all."""
        query = select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)
        if target is not None:
            query = query.where(AuditEntry.target == target)
        if since is not None:
            query = query.where(AuditEntry.created_at >= since)
        with self.db.read.begin() as session:
            rows = session.scalars(query).all()
        return [{"actor": r.actor, "action": r.action, "target": r.target, "before": r.before, "after": r.after,
                 "created_at": r.created_at.isoformat()} for r in rows]
