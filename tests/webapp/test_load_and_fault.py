"""bench/load_and_fault.py in CI: 200 tickets from 50 clients through gunicorn, with retries on the same
Idempotency-Keys and a worker killed midway, are all stored exactly once; a flood gets 429s and logs no more than the
budget allows. On SQLite, and on PostgreSQL when KB_TEST_DATABASE_URL is set."""

import os

import pytest

from bench import load_and_fault

pytestmark = pytest.mark.slow


def _redis() -> str | None:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return None
    import redis

    redis.Redis(db=15).flushdb()
    return "redis://127.0.0.1:6379/15"


def check(database: str) -> None:
    shared = _redis()
    outcome = load_and_fault.run(database, tickets=200, clients=50, flood=100, limit_storage=shared)
    assert len(outcome.acknowledged) == outcome.keys == outcome.stored == outcome.stored_keys == 200
    assert (outcome.mismatched, outcome.server_errors) == (0, 0)
    assert outcome.killed_worker is not None
    budget = 30 if shared else 60  # the ask budget is 30 a minute per client: in Redis for both workers, else each
    assert outcome.flood_logged <= budget and outcome.flood_refused >= 100 - budget


def test_load_and_fault_on_sqlite(tmp_path):
    check(f"sqlite:///{tmp_path / 'load.sqlite3'}")


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("KB_TEST_DATABASE_URL"), reason="KB_TEST_DATABASE_URL not set")
def test_load_and_fault_on_postgresql():
    database, drop = load_and_fault._postgres_schema(os.environ["KB_TEST_DATABASE_URL"])
    try:
        check(database)
    finally:
        drop()
