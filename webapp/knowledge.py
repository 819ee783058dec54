"""The app's shared state: one KnowledgeBase and one Store per app, in app.extensions."""

from __future__ import annotations

from flask import Flask
from flask import current_app

from kb.knowledge import KnowledgeBase
from kb.store.store import Store


def init_app(app: Flask) -> None:
    """Build the KnowledgeBase and the Store from the config (or take a prebuilt KB_KNOWLEDGE)."""
    knowledge = app.config.get("KB_KNOWLEDGE")
    if knowledge is None:
        knowledge = KnowledgeBase(app.config["KB_RULES_DIR"], app.config["KB_ARTICLES_DIR"], app.config["KB_INDEX_DIR"],
                                  model_path=app.config["KB_MODEL_PATH"] or None)
    store = Store(app.config["KB_DATABASE_URL"])
    store.upgrade()
    app.extensions["kb"] = knowledge
    app.extensions["store"] = store
    app.before_request(_refresh)


def _refresh() -> None:
    """Engineers edit rules and articles in place: pick changes up without a restart (last good version kept)."""
    get_kb().refresh()


def get_kb() -> KnowledgeBase:
    """The current app's KnowledgeBase."""
    return current_app.extensions["kb"]


def get_store() -> Store:
    """The current app's Store (tickets, votes and the search/ask log)."""
    return current_app.extensions["store"]
