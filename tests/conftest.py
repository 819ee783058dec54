"""Shared fixtures. The embedding model is loaded once and the shipped index built once per session."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.rules.book import load_rulebook  # noqa: E402
from kb.search.registry import embedder as make_embedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
ARTICLES = ROOT / "articles"
DATA = Path(__file__).resolve().parent / "data"

# Questions and a ticket the site and the API tests share.
IN_SCOPE = "sshd fails to start after editing sshd_config"
OUT_OF_SCOPE = "how do I install MySQL on my server"
TICKET = {"plan": "S3", "severity": "degraded", "software": "ssh", "subject": IN_SCOPE,
          "description": "Bad configuration option: PermitRootLogn", "contact": "ops@example.com", "lang": "en"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def text_of(response) -> str:
    return response.get_data(as_text=True)


def error_of(response, status: int) -> dict:
    """The JSON error body of a response that must have this status."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    return response.json["error"]


def sign_in(app, client) -> None:
    """Sign in to the engineer pages with the app's engineer token."""
    assert client.post("/engineer/login", data={"token": app.config["KB_ENGINEER_TOKEN"]}).status_code == 302


@pytest.fixture(scope="session")
def book():
    """The shipped rules."""
    return load_rulebook(RULES)


@pytest.fixture(scope="session")
def embedder():
    """The real bundled embedding model, loaded once."""
    return make_embedder("minilm", os.environ.get("KB_MODEL_PATH") or None)


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory, embedder):
    """A KnowledgeBase over the shipped rules and articles with a freshly built index."""
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("index"), embedder=embedder)
    kb.build_index()
    return kb


@pytest.fixture(scope="session")
def keyword_knowledge(tmp_path_factory):
    """The same over a keyword-only index (embedder=None): no model is loaded, builds take seconds."""
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("keyword-index"), embedder=None)
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


@pytest.fixture
def en(app):
    """A client whose browser prefers English."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-US,en;q=0.9"
    return client
