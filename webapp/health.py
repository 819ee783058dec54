"""GET /health: whether this worker is ready to answer, and what it serves. A load balancer or `make run`'s warm-up
waits for 200; engineers compare the fingerprints across workers after an edit."""

from __future__ import annotations

from flask import Blueprint

from webapp.services import get_kb
from webapp.services import get_store

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    """200 when the rules, an index and the database are there (a stale index still serves); 503 until then."""
    kb = get_kb()
    index = kb.index_status()
    try:
        current, head = get_store().db.revision()
        database = "ok" if current == head else f"at {current}, needs {head}"
    except Exception as exc:  # noqa: BLE001 - any failure to reach the database is "not ready", said plainly
        database = f"unreachable: {type(exc).__name__}"
    ready = index.build is not None and database == "ok"
    body = {"status": "ok" if ready else "not_ready", "content": kb.fingerprint, "rules": kb.book.fingerprint,
            "index": {"build": index.build.name if index.build else None, "stale": index.stale, "reasons": list(index.reasons)},
            "database": database, "problems": len(kb.problems())}
    return body, 200 if ready else 503, {"Cache-Control": "no-store"}
