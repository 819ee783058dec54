"""Shared fixtures. The embedding model is loaded once and the shipped index built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.rulebook import load_rulebook  # noqa: E402
from kb.semantic import Embedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
ARTICLES = ROOT / "articles"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def book():
    """The shipped rules."""
    return load_rulebook(RULES)


@pytest.fixture(scope="session")
def embedder():
    """The real bundled embedding model, loaded once."""
    return Embedder(os.environ.get("KB_MODEL_PATH") or None)


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory, embedder):
    """A KnowledgeBase over the shipped rules and articles with a freshly built index."""
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("index"), embedder=embedder)
    kb.build_index()
    return kb


@pytest.fixture
def app(knowledge, tmp_path):
    """The site over the shared knowledge base and a fresh SQLite store (CSRF off; the browser tests keep it on)."""
    from webapp import create_app

    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test"})
    yield app
    app.extensions["store"].close()


@pytest.fixture
def client(app):
    return app.test_client()
