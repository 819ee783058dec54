"""The database: an engine with real transactions on SQLite and PostgreSQL, session factories, and Alembic."""

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
MIGRATION_LOCK = 0x6B625F6D6967  # pg_advisory_xact_lock key ("kb_mig") serialising concurrent upgrades


class Database:
    """One engine and its sessions; every write is one transaction. Safe to share between threads."""

    def __init__(self, url: str):
        self.engine = create_engine(url, pool_pre_ping=True, json_serializer=partial(json.dumps, ensure_ascii=False))
        if self.engine.dialect.name == "sqlite":
            _real_sqlite_transactions(self.engine)
        self.read = sessionmaker(self.engine, expire_on_commit=False)
        # On SQLite a write transaction takes the write lock up front, so it waits instead of failing half-way.
        self.write = sessionmaker(self.engine.execution_options(kb_begin="IMMEDIATE"), expire_on_commit=False)

    def upgrade(self) -> None:
        """Migrate to the newest revision; concurrent callers wait for each other, then find nothing to do."""
        with self.engine.execution_options(kb_begin="IMMEDIATE").begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            command.upgrade(alembic_config(connection), "head")

    def revision(self) -> tuple[str | None, str]:
        """(the database's revision, the newest one): a deployment checks they agree before serving."""
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision(), head

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic Config without an ini file: the migrations next to this module, run on `connection` (or `url`)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    config.attributes["connection"] = connection
    config.attributes["url"] = url
    return config


def _real_sqlite_transactions(engine) -> None:
    """Make pysqlite's transactions real (BEGIN on every transaction, DDL included), as SQLAlchemy's docs advise."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        # Write-ahead logging: readers never wait for the writer, and a writer waits for the lock (up to 30 s)
        # instead of failing at once; several workers share one file this way.
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get("kb_begin") else "BEGIN")


def now() -> dt.datetime:
    """This instant, in UTC (every time the store keeps is timezone-aware)."""
    return dt.datetime.now(dt.UTC)
