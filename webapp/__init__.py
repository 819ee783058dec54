"""The help site: a thin Flask layer over the `kb` core (search, articles, the scope assistant, tickets)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from kb.settings import Settings

csrf = CSRFProtect()
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"


def create_app(test_config: dict | None = None):
    """Create and configure the app from kb.settings.Settings; `test_config` (Flask keys, and KB_* settings) wins."""
    test_config = dict(test_config or {})
    overrides = {k.removeprefix("KB_").lower(): test_config.pop(k) for k in list(test_config)
                 if k.startswith("KB_") and k not in ("KB_KNOWLEDGE", "KB_CLOCK")}
    if "SECRET_KEY" in test_config:
        overrides["secret_key"] = test_config["SECRET_KEY"]
    settings = Settings(**overrides)
    app = Flask(__name__, instance_path=str(settings.instance_dir))
    app.config.update(MAX_CONTENT_LENGTH=settings.max_request_bytes, KB_SETTINGS=settings, **test_config)
    app.config["SECRET_KEY"] = _secret(settings, "secret_key", app.testing, lambda: secrets.token_hex(32))
    settings.instance_dir.mkdir(parents=True, exist_ok=True)

    app.json.ensure_ascii = False  # the API speaks Chinese; keep it readable
    from webapp import tickets

    app.before_request(tickets.allow_attachments)  # before CSRF's check reads the form
    csrf.init_app(app)
    from webapp import errors
    from webapp import i18n
    from webapp import services

    services.init_app(app, settings)
    from webapp import sessions

    sessions.init_app(app, app.extensions["store"], settings.session_hours)
    if settings.proxy_hops:  # only then are X-Forwarded-Proto (Secure cookies) and -For (rate limits) believed
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    i18n.init_app(app)
    errors.init_app(app)
    from webapp import notify

    notify.init_app(app, settings)

    from webapp import api
    from webapp import articles
    from webapp import assistant
    from webapp import engineer
    from webapp import health
    from webapp import home
    from webapp import limits
    from webapp import redaction
    from webapp import search
    from webapp import widget
    from webapp.desk import analytics as desk_analytics
    from webapp.desk import articles as desk_articles
    from webapp.desk import content
    from webapp.desk import rules as desk_rules
    from webapp.desk import tickets as desk_tickets

    for module in (home, search, articles, assistant, tickets, engineer, api, health, widget, desk_tickets, desk_articles,
                   desk_analytics, desk_rules):
        app.register_blueprint(module.bp)
    for module in (widget, desk_tickets, desk_articles):
        app.register_blueprint(module.api_bp)
    content.init_app(app, settings.reload_interval)
    csrf.exempt(api.bp)  # JSON only: a cross-site form cannot send application/json without CORS
    csrf.exempt(widget.api_bp)  # JSON from its own origin only (checked there): a third-party frame has no cookies
    limits.init_app(app, settings)
    redaction.install()
    app.after_request(_security_headers)
    return app


def _security_headers(response):
    """Only our own scripts, styles and frames: article HTML is sanitised, and this is the second fence."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _secret(settings: Settings, name: str, testing: bool, make) -> str:
    """A configured secret; in development, one made once and kept in the instance folder (random when testing)."""
    configured = getattr(settings, name)
    if configured is not None:
        return configured.get_secret_value()
    if testing:
        return make()
    return _saved_secret(settings.instance_dir / name, make)[0]


def _saved_secret(path: Path, make) -> tuple[str, bool]:
    """The secret kept in `path` (owner-only), made once; and whether it was made now.

    Workers start together: the file is written aside and linked into place, which fails if another worker got
    there first, so every worker ends up with the same secret."""
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    aside.write_text(make())
    aside.chmod(0o600)
    try:
        os.link(aside, path)
        made = True
    except FileExistsError:
        made = False
    finally:
        aside.unlink()
    return path.read_text().strip(), made
