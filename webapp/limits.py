"""Per-client rate limits (Flask-Limiter): a flood of searches, questions, tickets, votes or sign-ins is refused
with 429 and Retry-After before it reaches the core or the database. The site's and the API's endpoints of one
use case share one budget per client; the counters live in memory for one process, or in Redis
(KB_RATE_LIMIT_STORAGE) when several workers or hosts serve."""

from __future__ import annotations

from flask import Flask
from flask import request
from flask_limiter import Limiter

from kb.settings import Settings

# Which endpoints spend which budget (the settings name each budget's limit).
BUDGETS = {
    "search": ["search.results", "search.suggest", "api.search"],
    "ask": ["assistant.ask", "api.ask", "widget_api.answer"],
    "tickets": ["tickets.new", "api.create_ticket", "tickets.send_links"],  # a "my requests" mail writes and sends
    "votes": ["articles.vote"],
    "events": ["api.event", "assistant.solved", "assistant.need_help", "search.go"],
    "sign_in": ["engineer.login", "engineer.password"],  # a password change checks the current password too
}
# Reading a form is free; only what writes counts (a ticket form is shown by GET, filed by POST).
WRITES_ONLY = {"tickets", "votes", "sign_in"}


def client() -> str:
    """The client a budget belongs to: its address (behind a configured proxy, the one the proxy saw)."""
    return request.remote_addr or "unknown"


def init_app(app: Flask, settings: Settings) -> Limiter:
    """A limiter of this app's own (tests make many apps) over the endpoints in BUDGETS."""
    limiter = Limiter(client, app=app, storage_uri=settings.rate_limit_storage, headers_enabled=True,
                      strategy="moving-window", enabled=settings.rate_limits_enabled,
                      key_prefix=f"kb-{settings.env}")
    for budget, endpoints in BUDGETS.items():
        limit = getattr(settings, f"limit_{budget}")
        exempt = (lambda: request.method in ("GET", "HEAD")) if budget in WRITES_ONLY else None
        shared = limiter.shared_limit(limit, scope=budget, exempt_when=exempt)
        for endpoint in endpoints:
            app.view_functions[endpoint] = shared(app.view_functions[endpoint])
    app.extensions["kb_limiter"] = limiter
    return limiter
