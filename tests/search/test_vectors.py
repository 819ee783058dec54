"""The semantic side's array ranking (kb.search.hybrid.PassageTable) answers exactly as the walk over the ranked
passages it replaced, on the shipped library with every filter; and the vectors are memory-mapped."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pytest

from kb.evaluation import load_queries
from kb.knowledge import KnowledgeBase
from kb.rules.lexicon import is_chinese
from kb.search.hybrid import PassageTable
from tests.conftest import ARTICLES
from tests.conftest import DATA
from tests.conftest import RULES


class BagOfWords:
    """Words and CJK characters hashed into 64 buckets: similar texts get similar vectors, repeated texts equal
    ones (ties), and Chinese is "foreign" to it, as to the bundled model. Far cheaper than the model."""

    name = "bag-of-words-64"
    dimension = 64
    min_similarity = 0.15
    fusion_weight = 1.0
    query_prefix = passage_prefix = ""

    def _vector(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, np.float32)
        for word in re.findall(r"[a-z0-9]+|[\u3400-\u9fff]", text.lower()):
            v[hashlib.blake2b(word.encode(), digest_size=2).digest()[0] % self.dimension] += 1
        return v / (np.linalg.norm(v) or 1)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_passages(self, texts) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts])

    def covers(self, text: str) -> bool:
        return not is_chinese(text)


@pytest.fixture(scope="module")
def bag_knowledge(tmp_path_factory):
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path_factory.mktemp("bag-index"), embedder=BagOfWords())
    kb.build_index()
    return kb


def walk(searcher, query, software, category, snippets):
    """The ranking as it was computed before the arrays: every one of the 200 best passages visited in Python
    (equal scores in position order)."""
    text, foreign_ok = query, searcher.embedder.covers(query)
    if not foreign_ok:
        text = searcher.bridge.render(query)
    if not text:
        return {}
    scores = searcher.ix.vectors @ searcher.embedder.embed_query(text)
    best: dict[str, float] = {}
    for i in np.argsort(-scores, kind="stable")[:200]:
        if scores[i] < searcher.embedder.min_similarity:
            break
        row = searcher.ix.passages[i]
        article = searcher.library.articles.get(row["id"])
        if article is None or row["foreign"] and not foreign_ok:
            continue
        if software and article.software != software or category and article.category != category:
            continue
        key = article.translation_key
        best.setdefault(key, float(scores[i]))
        if row["passage"] > 0:
            snippets.setdefault((key, "passage", article.lang), article.sections[row["passage"] - 1].text)
    return {key: rank for rank, key in enumerate(best, start=1)}


def test_the_array_ranking_is_the_walk_it_replaced(bag_knowledge):
    searcher = bag_knowledge.searcher()
    queries = [q["query"] for q in load_queries(DATA / "eval_queries.yaml")]
    articles = list(bag_knowledge.library.articles.values())
    filters = [(None, None), (articles[0].software, None), (None, articles[0].category),
               (articles[-1].software, articles[-1].category), ("no-such-software", None)]
    compared = 0
    for query in queries:
        for software, category in filters:
            expected_snippets: dict = {}
            expected = walk(searcher, query, software, category, expected_snippets)
            snippets: dict = {}
            got = searcher._semantic(query, "en", None, software, category, snippets, True)
            assert got == expected, (query, software, category)
            assert snippets == expected_snippets, (query, software, category)
            compared += bool(expected)
    assert compared > len(queries)  # most comparisons rank something: the test is not comparing empty lists


def test_a_removed_article_is_never_ranked(bag_knowledge):
    searcher = bag_knowledge.searcher()
    gone = next(iter(bag_knowledge.library.articles.values()))
    library = type(bag_knowledge.library)({k: a for k, a in bag_knowledge.library.articles.items() if k != gone.id})
    table = PassageTable(searcher.ix.passages, library)
    scores = np.ones(len(searcher.ix.passages), np.float32)  # every passage ties: position order decides
    keys, _ = table.ranked(scores, 0.0, True, None, None)
    assert keys == list(dict.fromkeys(library.articles[r["id"]].translation_key
                                      for r in searcher.ix.passages[:200] if r["id"] in library.articles))


def test_vectors_are_memory_mapped_float32(bag_knowledge):
    vectors = bag_knowledge.searcher().ix.vectors
    assert isinstance(vectors, np.memmap) and vectors.dtype == np.float32 and vectors.flags.c_contiguous
    assert not vectors.flags.writeable


def test_a_query_searched_again_is_not_embedded_again(tmp_path):
    """Its next page, the other language, `ask` then search: one embedding per distinct query text."""
    embedded = []

    class Counting(BagOfWords):
        def embed_query(self, text):
            embedded.append(text)
            return super().embed_query(text)

    kb = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=Counting())
    kb.build_index()
    first = kb.search("sshd fails to start", mode="semantic", limit=5)
    assert kb.search("sshd fails to start", mode="semantic", limit=20)[:5] == first
    kb.search("sshd fails to start", mode="semantic", lang="zh")
    kb.search("vsftpd refuses to start", mode="semantic")
    assert embedded == ["sshd fails to start", "vsftpd refuses to start"]


def test_the_fusion_weight_decides_which_ranking_leads_a_hybrid_search(bag_knowledge, monkeypatch):
    """Reciprocal rank fusion weighs the model's ranking by its `fusion_weight` against the keyword ranking's 1."""
    queries = [q["query"] for q in load_queries(DATA / "eval_queries.yaml")]

    def top(query, mode):
        hits = bag_knowledge.search(query, mode=mode, limit=1, pinned=[])
        return hits[0].key if hits else None

    split = [q for q in queries if None not in (top(q, "keyword"), top(q, "semantic"))
             and top(q, "keyword") != top(q, "semantic")][:5]
    assert split
    for weight, leader in ((100.0, "semantic"), (0.01, "keyword")):
        monkeypatch.setattr(bag_knowledge.embedder, "fusion_weight", weight)
        assert [top(q, "hybrid") for q in split] == [top(q, leader) for q in split], weight


def test_a_build_keeps_no_passage_text_and_a_hit_quotes_its_article(bag_knowledge):
    """Every serving process holds all passage rows: their texts were most of a large library's memory. What a hit
    shows of a passage is read from its article: the summary for the head, else the section."""
    from kb.search.index import quote

    searcher = bag_knowledge.searcher()
    assert {tuple(sorted(row)) for row in searcher.ix.passages} == {("digest", "foreign", "id", "passage")}
    article = next(a for a in bag_knowledge.library.articles.values() if a.sections)
    assert quote(article, 0) == article.summary
    assert quote(article, 1) == article.sections[0].text
    assert quote(article, len(article.sections) + 1) is None and quote(None, 1) is None
