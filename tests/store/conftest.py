"""The store's fixtures: an empty database on SQLite, and on PostgreSQL when KB_TEST_DATABASE_URL is set (each test in
a schema of its own), and a migrated Store on it."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import create_engine
from sqlalchemy import make_url
from sqlalchemy import text

from kb.store import Store

PG_URL = os.environ.get("KB_TEST_DATABASE_URL")
DATABASES = ["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow,
                                                         pytest.mark.skipif(not PG_URL, reason="KB_TEST_DATABASE_URL not set")])]


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    """An empty database: a SQLite file, or a fresh PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'kb.sqlite3'}"
        return
    schema = f"kb_test_{secrets.token_hex(6)}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(database_url):
    """A migrated Store."""
    s = Store(database_url)
    s.upgrade()
    yield s
    s.close()
