"""The parsed-articles store (kb.content.parsed): a new process parses only the files that changed, and a store
it cannot trust is ignored, never served."""

from __future__ import annotations

import pickle
import shutil

import pytest

from kb.content import articles
from kb.content import parsed
from kb.knowledge import KnowledgeBase
from tests.conftest import ARTICLES
from tests.conftest import RULES


@pytest.fixture
def folders(tmp_path, monkeypatch):
    """A copy of the shipped articles, an index folder, and the paths parse_article is called for."""
    shutil.copytree(ARTICLES, tmp_path / "articles")
    calls = []
    real = articles.parse_article
    monkeypatch.setattr(articles, "parse_article", lambda text, path: calls.append(path) or real(text, path))
    return tmp_path / "articles", tmp_path / "index", calls


def test_a_second_process_parses_nothing_and_serves_the_same_articles(folders):
    library_dir, index_dir, calls = folders
    first = KnowledgeBase(RULES, library_dir, index_dir, embedder=None).library
    assert len(calls) == len(first.articles) and (index_dir / parsed.FILE).is_file()
    calls.clear()
    second = KnowledgeBase(RULES, library_dir, index_dir, embedder=None).library
    assert calls == [] and second.articles == first.articles and second.problems == first.problems


def test_an_edited_file_is_parsed_again_and_stored(folders):
    library_dir, index_dir, calls = folders
    KnowledgeBase(RULES, library_dir, index_dir, embedder=None)
    edited = sorted(library_dir.rglob("*.en.md"))[0]
    edited.write_text(edited.read_text().replace("\n## ", "\nA line added.\n\n## ", 1))
    calls.clear()
    kb = KnowledgeBase(RULES, library_dir, index_dir, embedder=None)
    assert calls == [str(edited)] and "A line added." in kb.library.articles[next(
        a.id for a in kb.library.articles.values() if a.path == str(edited))].text
    calls.clear()
    KnowledgeBase(RULES, library_dir, index_dir, embedder=None)
    assert calls == []


@pytest.mark.parametrize("content", [b"not a pickle", pickle.dumps(("another parser", {})), b""])
def test_a_torn_or_foreign_store_is_ignored_and_replaced(folders, content):
    library_dir, index_dir, calls = folders
    index_dir.mkdir()
    (index_dir / parsed.FILE).write_bytes(content)
    kb = KnowledgeBase(RULES, library_dir, index_dir, embedder=None)
    assert len(calls) == len(kb.library.articles)
    assert parsed.read(index_dir).keys() == {a.path for a in kb.library.articles.values()}


def test_a_file_broken_since_the_store_was_written_is_reported_not_served(folders):
    """The store stands in only for unchanged files: at a start, a broken file is not served from it."""
    library_dir, index_dir, _ = folders
    KnowledgeBase(RULES, library_dir, index_dir, embedder=None)
    broken = sorted(library_dir.rglob("*.zh.md"))[0]
    broken.write_text("no front matter")
    kb = KnowledgeBase(RULES, library_dir, index_dir, embedder=None)
    assert str(broken) not in {a.path for a in kb.library.articles.values()}
    assert any(p.path == str(broken) for p in kb.library.problems)
