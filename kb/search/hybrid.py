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

import numpy as np
from markupsafe import escape

from kb.rules.lexicon import TermMatcher
from kb.rules.lexicon import is_chinese
from kb.rules.lexicon import normalize
from kb.search.snippets import article_snippet
from kb.search.spelling import Speller

MODES = ("keyword", "semantic", "hybrid")
RRF_K = 60
# The relevance floor: a query of which no more than this share of words appears in any article ("asdkjh qwpoe",
# "best pizza recipe") is unrelated to the library, and neither ranking is shown for it. An embedding model
# places even gibberish near some passage, so the keyword side's vocabulary decides. Measured on the labelled
# sets (README, Search): no expected hit is lost.
KNOWN_FLOOR = 1 / 3
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


class Searcher:
    """Searches one opened build (kb.search.index.OpenBuild) with one embedder, or none."""

    def __init__(self, opened, library, embedder, glossary: list[dict], known_words=()):
        self.ix = opened
        self.keyword = opened.keyword  # a KeywordIndex
        self.analyzer = opened.analyzer  # the build's: query-time analysis is index-time analysis
        self.library = library
        self.embedder = embedder
        self.bridge = Bridge(glossary)
        self.known_words = known_words
        self.no_semantic = _why_no_semantic(opened, embedder)

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
        corrected = Speller(self.keyword, self.known_words).suggest(query)
        if corrected:  # customers' typos: search what they meant as well as what they typed
            query = f"{query} {corrected}"
        ranks: list[dict] = []
        snippets: dict = {}
        unrelated = self.keyword.known_share(query) <= KNOWN_FLOOR
        if unrelated:
            modes = ()
        if "keyword" in modes:
            ranks.append(self._keyword(query, lang, software, category, snippets))
        if "semantic" in modes:
            ranks.append(self._semantic(query, qlang, lang, software, category, snippets, bridge))
        fused: dict[str, float] = {}
        for ranking in ranks:
            for key, rank in ranking.items():
                fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
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
        vec = self.embedder.embed_query(text)
        scores = self.ix.vectors @ vec
        best: dict[str, float] = {}
        for i in np.argsort(-scores)[:200]:
            if scores[i] < self.embedder.min_similarity:
                break
            row = self.ix.passages[i]
            article = self.library.articles.get(row["id"])
            if article is None or row["foreign"] and not foreign_ok:
                continue
            if software and article.software != software or category and article.category != category:
                continue
            key = article.translation_key
            best.setdefault(key, float(scores[i]))
            if row["passage"] > 0:  # the best section in each language, quoted when keyword search has no snippet
                snippets.setdefault((key, "passage", article.lang), row.get("quote", row["text"]))
        return {key: rank for rank, key in enumerate(best, start=1)}

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
