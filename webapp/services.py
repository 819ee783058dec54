"""The app's shared state, one of each per app in app.extensions: the KnowledgeBase, the Store and the Service."""

from __future__ import annotations

from flask import Flask
from flask import current_app

from kb.knowledge import KnowledgeBase
from kb.sealing import Sealer
from kb.service import Service
from kb.settings import Settings
from kb.store import Store


def init_app(app: Flask, settings: Settings) -> None:
    """Build the core from the settings (or take a prebuilt KB_KNOWLEDGE), and migrate in development."""
    knowledge = app.config.get("KB_KNOWLEDGE") or KnowledgeBase.from_settings(settings)
    store = Store(settings.database)
    if settings.development:
        store.upgrade()
    else:
        current, head = store.db.revision()
        if current != head:
            raise RuntimeError(f"the database is at revision {current}, the code needs {head}: run `kb db upgrade`")
    app.extensions["kb"] = knowledge
    app.extensions["store"] = store
    app.extensions["service"] = Service(knowledge, store, Sealer(app.config["SECRET_KEY"]), clock=app.config.get("KB_CLOCK"))

    @app.before_request
    def refresh() -> None:
        """Engineers edit rules and articles in place: pick changes up without a restart (last good version kept)."""
        knowledge.refresh(min_interval=settings.reload_interval)


def get_kb() -> KnowledgeBase:
    """The current app's KnowledgeBase."""
    return current_app.extensions["kb"]


def get_store() -> Store:
    """The current app's Store (tickets, votes and the logs)."""
    return current_app.extensions["store"]


def get_service() -> Service:
    """The current app's Service: every use case the views call."""
    return current_app.extensions["service"]
