"""Hybrid search: keyword ranking and embedding similarity, fused by reciprocal rank.

Results are one per topic (a translation pair), shown in the query's language where it exists.
Chinese queries the model cannot read are bridged: a glossary from `rules/` renders them in English,
and the rendering is compared with the English passages. The keyword index and the embedder are whatever
kb.search.protocols implementations the build and the configuration name; without an embedder (or with an
index built without one), semantic and hybrid searches are keyword searches, and `Results` says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from markupsafe import escape

from kb.rules.lexicon import TermMatcher
from kb.rules.lexicon import is_chinese
from kb.rules.lexicon import normalize
from kb.search.index import quote
from kb.search.snippets import article_snippet
from kb.search.spelling import Speller

MODES = ("keyword", "semantic", "hybrid")
RRF_K = 60
# The relevance floor: a query of which no more than this share of words appears in any article ("asdkjh qwpoe",
# "best pizza recipe") is unrelated to the library, and neither ranking is shown for it. An embedding model
# places even gibberish near some passage, so the keyword side's vocabulary decides. Measured on the labelled
# sets (README, Search): no expected hit is lost.
KNOWN_FLOOR = 1 / 3
# Query vectors kept per opened build: a query is embedded again for its next page, in the other language, and when
# `ask` searches the question it decided; the model is most of a semantic search (docs/performance.md).
QUERY_VECTORS = 1024
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass
class Hit:
    """One search result."""

    id: str
    key: str
    title: str
    lang: str
    software: str
    category: str
    score: float
    snippet: str

    def to_dict(self) -> dict:
        return dict(self.__dict__)


class Results(list):
    """Ranked hits; the spelling correction that was searched as well (None when the query was fine); the rankings
    that were fused (`modes_used`: keyword, semantic) and, when semantic search was asked for but could not run,
    why (`fallback`); how many topics were found before the limit cut the list (`total`, for paging); whether the
    query fell below the relevance floor (`unrelated`: only pinned topics, if any, are listed)."""

    def __init__(self, hits=(), suggestion: str | None = None, modes_used: tuple[str, ...] = (),
                 fallback: str | None = None, total: int | None = None, unrelated: bool = False):
        super().__init__(hits)
        self.suggestion = suggestion
        self.modes_used = modes_used
        self.fallback = fallback
        self.total = len(self) if total is None else total
        self.unrelated = unrelated


class Bridge:
    """Renders Chinese queries in English with the glossary, for an English-only embedding model."""

    def __init__(self, glossary: list[dict]):
        self.matcher = TermMatcher((zh, entry.en) for entry in glossary for zh in entry.zh)

    def render(self, query: str) -> str:
        """Replace each glossary term with its English phrase and keep the ASCII parts; an empty string when less than
        half of the query (Chinese characters and ASCII words) can be rendered: 今天天气怎么样 is not "how to"."""
        text = normalize(query)  # the matcher's offsets are offsets into the normalized text
        out, last, known = [], 0, 0
        for m in self.matcher.find(text):
            out += [text[last:m.start], f" {m.label} "]
            known += len(_CJK.findall(m.term))
            last = m.end
        out.append(text[last:])
        words = len(re.findall(r"[a-z0-9]+", text))
        if 2 * (known + words) < len(_CJK.findall(text)) + words:
            return ""
        return re.sub(r"\s+", " ", _CJK.sub(" ", "".join(out))).strip()


class PassageTable:
    """A build's passages as arrays matched once to the library's articles (topic, language, software, category):
    a semantic query is then a matrix product and array operations, not a walk over the passages in Python."""

    CANDIDATES = 200  # the best passages considered, before filters, as the ranking has always done

    def __init__(self, rows: list[dict], library):
        self.rows = rows
        codes: dict[str, dict[str, int]] = {"key": {}, "lang": {}, "software": {}, "category": {}}

        def code(kind: str, value: str) -> int:
            return codes[kind].setdefault(value, len(codes[kind]))

        columns = {kind: np.full(len(rows), -1, dtype=np.int32) for kind in codes}
        for i, row in enumerate(rows):
            article = library.articles.get(row["id"])
            if article is not None:  # removed since the build: never ranked
                for kind, value in (("key", article.translation_key), ("lang", article.lang),
                                    ("software", article.software), ("category", article.category)):
                    columns[kind][i] = code(kind, value)
        self.key, self.lang, self.software, self.category = (columns[k] for k in ("key", "lang", "software", "category"))
        self.keys, self.langs = list(codes["key"]), list(codes["lang"])
        self.codes = codes
        self.foreign = np.array([bool(r["foreign"]) for r in rows], dtype=bool)
        self.section = np.array([r["passage"] > 0 for r in rows], dtype=bool)

    def ranked(self, scores: np.ndarray, floor: float, foreign_ok: bool, software: str | None,
               category: str | None) -> tuple[list[str], list[tuple[str, str, dict]]]:
        """Topic keys by their best passage among the CANDIDATES best (at least `floor`, passing the filters), and
        for each topic and language the best section's (key, lang, passage row)."""
        order = _best(scores, self.CANDIDATES)
        order = order[scores[order] >= floor]
        keep = self.key[order] >= 0
        if not foreign_ok:
            keep &= ~self.foreign[order]
        for value, column, kind in ((software, self.software, "software"), (category, self.category, "category")):
            if value:
                keep &= column[order] == self.codes[kind].get(value, -2)
        order = order[keep]
        keys = [self.keys[k] for k in self.key[order[_firsts(self.key[order])]]]
        sections = order[self.section[order]]
        pairs = self.key[sections].astype(np.int64) * max(1, len(self.langs)) + self.lang[sections]
        quoted = [(self.keys[self.key[i]], self.langs[self.lang[i]], self.rows[i]) for i in sections[_firsts(pairs)]]
        return keys, quoted


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """The positions of the `k` highest scores, highest first; equal scores in position order."""
    if len(scores) > k:
        threshold = np.partition(scores, len(scores) - k)[len(scores) - k]
        candidates = np.flatnonzero(scores >= threshold)
    else:
        candidates = np.arange(len(scores))
    return candidates[np.argsort(-scores[candidates], kind="stable")][:k]


def _firsts(values: np.ndarray) -> np.ndarray:
    """The positions of each value's first occurrence, in order."""
    _, first = np.unique(values, return_index=True)
    return np.sort(first)


class Searcher:
    """Searches one opened build (kb.search.index.OpenBuild) with one embedder, or none."""

    def __init__(self, opened, library, embedder, glossary: list[dict], known_words=()):
        self.ix = opened
        self.keyword = opened.keyword  # a KeywordIndex
        self.analyzer = opened.analyzer  # the build's: query-time analysis is index-time analysis
        self.library = library
        self.embedder = embedder
        self.bridge = Bridge(glossary)
        self.speller = Speller(self.keyword, known_words)
        self.no_semantic = _why_no_semantic(opened, embedder)
        self.table = PassageTable(opened.passages, library)
        # public for the benchmarks, which clear it (`.cache_clear()`) so that every mode pays for its embeddings
        self.query_vector = lru_cache(maxsize=QUERY_VECTORS)(embedder.embed_query) if embedder else None

    def search(self, query: str, lang: str | None = None, software: str | None = None, category: str | None = None,
               limit: int = 10, mode: str = "hybrid", bridge: bool = True, pinned: list[str] = ()) -> Results:
        """Rank topics for `query`; `lang` restricts results to one language; `pinned` topics go first."""
        query = query.strip()
        if not query:
            return Results()
        qlang = "zh" if is_chinese(query) else "en"
        modes = ("keyword", "semantic") if mode == "hybrid" else (mode,)
        fallback = None
        if "semantic" in modes and self.no_semantic:
            modes, fallback = ("keyword",), self.no_semantic
        corrected = self.speller.suggest(query)
        if corrected:  # customers' typos: search what they meant as well as what they typed
            query = f"{query} {corrected}"
        ranks: dict[str, dict] = {}
        snippets: dict = {}
        unrelated = self.keyword.known_share(query) <= KNOWN_FLOOR
        if unrelated:
            modes = ()
        if "keyword" in modes:
            ranks["keyword"] = self._keyword(query, lang, software, category, snippets)
        if "semantic" in modes:
            ranks["semantic"] = self._semantic(query, qlang, lang, software, category, snippets, bridge)
        fused: dict[str, float] = {}
        weights = {"keyword": 1.0, "semantic": self.embedder.fusion_weight if self.embedder else 0.0}
        for mode_, ranking in ranks.items():
            for key, rank in ranking.items():
                fused[key] = fused.get(key, 0.0) + weights[mode_] / (RRF_K + rank)
        ranked = [*pinned, *sorted(fused, key=lambda k: -fused[k])]
        # An article removed since the index was built is skipped until the next `kb index`.
        found = [key for key in dict.fromkeys(ranked) if self.library.by_key(key)]
        fused.update({key: fused.get(key, 0.0) + 1.0 for key in pinned})
        hits = [self._hit(key, fused[key], lang or qlang, snippets) for key in found[:limit]]  # snippets: those shown
        return Results(hits, corrected, modes, fallback, total=len(found), unrelated=unrelated)

    def _keyword(self, query, lang, software, category, snippets) -> dict[str, int]:
        ranking: dict[str, int] = {}
        for hit in self.keyword.search(query, lang=lang, software=software, category=category, limit=60):
            ranking.setdefault(hit.key, len(ranking) + 1)
            snippets.setdefault((hit.key, hit.lang), hit.terms)
        return ranking

    def _semantic(self, query, qlang, lang, software, category, snippets, bridge) -> dict[str, int]:
        if len(self.ix.passages) == 0:
            return {}
        text, foreign_ok = query, self.embedder.covers(query)
        if not foreign_ok and bridge:
            text = self.bridge.render(query)
        if not text:
            return {}
        scores = np.asarray(self.ix.vectors @ self.query_vector(text))
        keys, quoted = self.table.ranked(scores, self.embedder.min_similarity, foreign_ok, software, category)
        for key, lang_, row in quoted:  # the best section in each language, shown when keyword search has no snippet
            snippets.setdefault((key, "passage", lang_), quote(self.library.articles.get(row["id"]), row["passage"]))
        return {key: rank for rank, key in enumerate(keys, start=1)}

    def _hit(self, key: str, score: float, lang: str, snippets) -> Hit:
        versions = self.library.by_key(key)
        article = versions.get(lang) or next(iter(versions.values()))
        terms = snippets.get((key, article.lang))
        highlighted = terms and article_snippet(self.analyzer, article, terms)
        snippet = highlighted or _plain(snippets.get((key, "passage", article.lang))) or str(escape(article.summary))
        return Hit(article.id, key, article.title, article.lang, article.software, article.category, round(score, 5), snippet)

    def close(self) -> None:
        self.ix.close()


def _why_no_semantic(opened, embedder) -> str | None:
    """Why this build cannot be searched by meaning with this embedder, or None when it can."""
    if embedder is None:
        return "no embedder is configured"
    if opened.embedder_name is None:
        return "the index was built without an embedder"
    if opened.embedder_name != embedder.name:
        return f"the index was built with embedder {opened.embedder_name!r}, not {embedder.name!r}"
    return None


def _plain(text: str | None) -> str | None:
    if not text:
        return None
    return str(escape(text[:240] + ("…" if len(text) > 240 else "")))
