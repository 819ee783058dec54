"""Alembic environment: runs the revisions on the connection Store.upgrade hands over (see kb.store.alembic_config)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from kb.store.tables import Base

config = context.config
OPTIONS = {"target_metadata": Base.metadata, "render_as_batch": True, "compare_type": True}


def run_offline() -> None:
    """Write the SQL for a URL instead of running it (alembic upgrade --sql)."""
    context.configure(url=config.attributes["url"], literal_binds=True, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Run on the given connection (inside its transaction), or on a fresh one to the given URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.attributes["url"])
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, **OPTIONS)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
