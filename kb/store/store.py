"""The store: tickets, article votes and the logs, in SQLite or PostgreSQL, migrated with Alembic."""

from __future__ import annotations

from kb.store.analytics import Analytics
from kb.store.audit import Audit
from kb.store.db import Database
from kb.store.logs import Logs
from kb.store.revisions import Revisions
from kb.store.rule_revisions import RuleRevisions
from kb.store.sessions import Sessions
from kb.store.tickets import Tickets
from kb.store.users import Users
from kb.store.votes import Votes


class Store:
    """One database and its records: `tickets`, `votes`, `logs` (searches, decisions, events), `sessions`,
    staff `users`, the `audit` log of their changes, article `revisions`, `rule_revisions` and the `analytics`
    over all of them."""

    def __init__(self, url: str):
        self.db = Database(url)
        self.tickets = Tickets(self.db)
        self.votes = Votes(self.db)
        self.logs = Logs(self.db)
        self.sessions = Sessions(self.db)
        self.users = Users(self.db)
        self.audit = Audit(self.db)
        self.revisions = Revisions(self.db)
        self.rule_revisions = RuleRevisions(self.db)
        self.analytics = Analytics(self.db)

    @property
    def engine(self):
        return self.db.engine

    def upgrade(self) -> None:
        """Migrate the database to the newest revision (see Database.upgrade)."""
        self.db.upgrade()

    def close(self) -> None:
        """Close every pooled connection."""
        self.db.close()
