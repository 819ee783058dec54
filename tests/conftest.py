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
