"""The store: tickets, votes and logs in SQLite or PostgreSQL, migrated with Alembic."""

from kb.store.store import Store

__all__ = ["Store"]
