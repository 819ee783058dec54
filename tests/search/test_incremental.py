"""A rebuild after one article changed (a desk save, `kb index`): tantivy analyses only the changed article, reusing
the build in use for the rest, and the new index answers exactly as one built from scratch; the library reload
re-reads only the changed file."""

from __future__ import annotations

import json
import shutil

import pytest

import kb.content.articles as articles_module
import kb.search.tantivy_backend as tantivy_backend
from kb.evaluation import load_queries
from kb.knowledge import KnowledgeBase
from kb.search.analysis import analyzer_for
from kb.search.index import OpenBuild
from kb.search.index import build_index
from tests.conftest import ARTICLES
from tests.conftest import DATA
from tests.conftest import RULES


def _answers(build) -> dict:
    """Everything a query reads from the keyword index, for the labelled queries and a few edited words."""
    opened = OpenBuild(build)
    index = opened.keyword
    queries = [q["query"] for q in load_queries(DATA / "eval_queries.yaml")] + ["zqxjk marker", '"quux frobnicate"']
    found = {q: [(h.id, h.key, h.lang, round(h.score, 4), sorted(h.terms)) for h in index.search(q, limit=60)]
             for q in queries}
    found["filtered"] = [h.id for h in index.search("connection refused", software="ssh", lang="en")]
    found["known"] = [index.known_share(q) for q in queries]
    found["spell"] = json.loads((build / "tantivy" / tantivy_backend.SPELL_WORDS).read_text())
    found["frequency"] = [index.doc_frequency(w) for w in ("zqxjk", "password", "quux", "timeout")]
    opened.close()
    return found


@pytest.fixture
def edited(tmp_path, monkeypatch):
    """A keyword-only knowledge base on a copy of the shipped articles, built once; then one article edited and one
    removed, and the library reloaded. Counts the articles analysed and parsed from then on."""
    shutil.copytree(ARTICLES, tmp_path / "articles")
    kb = KnowledgeBase(RULES, tmp_path / "articles", tmp_path / "index", embedder=None, keyword_backend="tantivy")
    kb.build_index()
    paths = sorted((tmp_path / "articles").glob("*/*.en.md"))
    paths[0].write_text(paths[0].read_text(encoding="utf-8").replace("\n## ", "\nzqxjk marker quux frobnicate\n\n## ", 1),
                        encoding="utf-8")
    paths[1].unlink()
    counts = {"analysed": 0, "parsed": 0}
    for module, name, count in ((tantivy_backend, "_analyse", "analysed"), (articles_module, "parse_article", "parsed")):
        real = getattr(module, name)

        def counting(*args, real=real, count=count):
            counts[count] += 1
            return real(*args)
        monkeypatch.setattr(module, name, counting)
    kb.reload()
    return kb, counts


def test_one_edited_article_is_the_only_one_analysed_and_the_index_is_a_full_builds(edited, tmp_path):
    kb, counts = edited
    incremental = kb.build_index()
    assert counts == {"analysed": 1, "parsed": 1}  # the edited file; the removed one is simply gone
    full = build_index(kb.library, tmp_path / "full", analyzer=kb.analyzer(), keyword=kb.keyword_backend, embedder=None)
    assert counts["analysed"] == 1 + len(kb.library.articles)  # the fresh folder had nothing to reuse
    assert _answers(incremental) == _answers(full)
    assert [h.key for h in kb.search("zqxjk marker", mode="keyword")]  # the edit is searchable


def test_a_different_analyzer_reuses_nothing(edited):
    kb, counts = edited
    kb.build_index()
    other = analyzer_for(["一个新词"])
    build_index(kb.library, kb.index_dir, analyzer=other, keyword=kb.keyword_backend, embedder=None)
    assert counts["analysed"] == 1 + len(kb.library.articles)
