"""Load and faults through the production server: many clients filing tickets with retries on the same
Idempotency-Keys while a worker is killed, then a flood; every acknowledged ticket must be stored exactly once.

Run: .venv/bin/python bench/load_and_fault.py [--tickets 200] [--clients 50] [--database URL]
(default: SQLite in a temporary folder; a PostgreSQL URL runs it in a schema of its own, dropped afterwards).
Loopback only, bounded in count and time; prints what happened. tests/webapp/test_load_and_fault.py runs it in CI.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TICKET = {"plan": "S3", "severity": "degraded", "software": "ssh", "subject": "sshd fails to start after an edit",
          "description": "Bad configuration option: PermitRootLogn", "contact": "ops@example.com", "lang": "en"}


@dataclass
class Outcome:
    """What the clients saw and what the database holds."""

    keys: int = 0
    acknowledged: dict = field(default_factory=dict)  # key -> ticket number from a 201
    mismatched: int = 0  # a retry got another number than the first answer for its key
    server_errors: int = 0
    retries_after_failure: int = 0
    stored: int = 0
    stored_keys: int = 0
    killed_worker: int | None = None
    flood_sent: int = 0
    flood_refused: int = 0
    flood_logged: int = 0
    ticket_seconds: float = 0.0  # from the first ticket request to the last answer
    seconds: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _post(url: str, body: dict, headers: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def wait_ready(base: str, server: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(base + "/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the server did not become ready:\n" + server.log.read_text())
        time.sleep(0.3)


def _workers(master: int) -> list[int]:
    """The gunicorn workers of a master (children in /proc)."""
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def serve(folder: Path, database: str, port: int, **settings: str) -> subprocess.Popen:
    """gunicorn with two workers; `settings` are KB_* names, or budgets by name (tickets="600/minute").

    Its log goes to a file: a pipe nobody reads fills up after some 64 KB and then blocks every worker mid-request."""
    env = dict(os.environ, KB_BIND=f"127.0.0.1:{port}", KB_WORKERS="2", KB_THREADS="8", KB_INSTANCE_DIR=str(folder),
               KB_INDEX_DIR=str(folder / "index"), KB_EMBEDDER="none", KB_DATABASE_URL=database)
    env.update({name if name.startswith("KB_") else f"KB_LIMIT_{name.upper()}": value for name, value in settings.items()})
    log = folder / f"server-{port}-{time.monotonic_ns()}.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "webapp/gunicorn.conf.py"], cwd=ROOT, env=env,
                                  stdout=out, stderr=subprocess.STDOUT)
    server.log = log
    return server


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run(database: str, tickets: int = 200, clients: int = 50, tries: int = 3, flood: int = 300,
        limit_storage: str | None = None) -> Outcome:
    """File `tickets` tickets from `clients` threads, each sent `tries` times with its key, killing a worker midway;
    then flood the assistant from one client with its normal limits, counted in `limit_storage` (default: each
    worker's memory, so two workers allow twice the budget; a Redis URL shares one)."""
    from sqlalchemy import text

    from kb.knowledge import KnowledgeBase
    from kb.store import Store

    outcome = Outcome(keys=tickets)
    started = time.monotonic()
    with closing(Store(database)) as store, tempfile.TemporaryDirectory() as tmp:
        store.upgrade()
        folder = Path(tmp)
        KnowledgeBase(ROOT / "rules", ROOT / "articles", folder / "index", embedder=None).build_index()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(folder, database, port, tickets=f"{tickets * tries * 2}/minute")
        lock = threading.Lock()
        try:
            wait_ready(base, server)
            keys = [f"load-{secrets.token_hex(8)}" for _ in range(tickets)]

            def file(key: str) -> None:
                for _ in range(tries):  # the client retries, as one would after a lost answer
                    for _attempt in range(10):  # a killed worker drops connections: retry the same request
                        try:
                            status, body = _post(base + "/api/v1/tickets", TICKET, {"Idempotency-Key": key})
                            break
                        except (OSError, http.client.HTTPException):  # the answer was lost: the ticket may exist
                            with lock:
                                outcome.retries_after_failure += 1
                            time.sleep(0.2)
                    else:
                        continue
                    with lock:
                        if status >= 500:
                            outcome.server_errors += 1
                        elif status == 201:
                            first = outcome.acknowledged.setdefault(key, body["number"])
                            outcome.mismatched += first != body["number"]

            def kill_a_worker() -> None:
                time.sleep(0.5)
                victims = _workers(server.pid)
                if victims:
                    outcome.killed_worker = victims[0]
                    os.kill(victims[0], signal.SIGKILL)

            killer = threading.Thread(target=kill_a_worker)
            killer.start()
            load_started = time.monotonic()
            with ThreadPoolExecutor(clients) as pool:
                list(pool.map(file, keys))
            outcome.ticket_seconds = round(time.monotonic() - load_started, 1)
            killer.join()
        finally:
            stop(server)

        # The flood: the assistant's normal per-client budget, from one address.
        server = serve(folder, database, port, **({"KB_RATE_LIMIT_STORAGE": limit_storage} if limit_storage else {}))
        try:
            wait_ready(base, server)
            for i in range(flood):
                status, _ = _post(base + "/api/v1/ask", {"question": f"sshd fails to start {i}", "plan": "S3"}, {})
                outcome.flood_sent += 1
                outcome.flood_refused += status == 429
                outcome.server_errors += status >= 500
        finally:
            stop(server)

        with store.engine.connect() as connection:
            outcome.stored = connection.execute(text("SELECT count(*) FROM tickets")).scalar_one()
            outcome.stored_keys = connection.execute(text("SELECT count(*) FROM idempotent_requests")).scalar_one()
            numbers = set(connection.execute(text("SELECT number FROM tickets")).scalars())
            outcome.flood_logged = connection.execute(text("SELECT count(*) FROM ask_logs")).scalar_one()
        missing = set(outcome.acknowledged.values()) - numbers
        if missing:
            raise AssertionError(f"acknowledged tickets lost: {sorted(missing)[:5]}")
    outcome.seconds = round(time.monotonic() - started, 1)
    return outcome


def _postgres_schema(url: str):
    """A fresh schema on the PostgreSQL server of `url`, and the URL that uses it."""
    from sqlalchemy import create_engine
    from sqlalchemy import make_url
    from sqlalchemy import text

    schema = f"kb_load_{secrets.token_hex(4)}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return scoped, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--database", help="a PostgreSQL URL (default: SQLite in a temporary folder)")
    parser.add_argument("--limit-storage", help="where the flood's rate limits are counted, e.g. redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        drop = None
        database = f"sqlite:///{tmp}/load.sqlite3"
        if args.database:
            database, drop = _postgres_schema(args.database)
        try:
            outcome = run(database, tickets=args.tickets, clients=args.clients, limit_storage=args.limit_storage)
        finally:
            if drop:
                drop()
    print(f"database                 {'PostgreSQL' if args.database else 'SQLite'}")
    for name, value in outcome.__dict__.items():
        if name != "acknowledged":
            print(f"{name:24} {value}")
    print(f"{'acknowledged':24} {len(outcome.acknowledged)}")


if __name__ == "__main__":
    main()
