"""Hybrid search: whoosh keyword ranking and embedding similarity, fused by reciprocal rank.

Results are one per topic (a translation pair), shown in the query's language where it exists.
Chinese queries the model cannot read are bridged: a glossary from `rules/` renders them in English,
and the rendering is compared with the English passages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from markupsafe import escape
from whoosh import highlight
from whoosh.query import And
from whoosh.query import Or
from whoosh.query import Phrase
from whoosh.query import Term

from kb.rules.lexicon import TermMatcher
from kb.rules.lexicon import is_chinese
from kb.rules.lexicon import normalize
from kb.search.spelling import Speller

FIELDS = {"title": 3.0, "symptoms": 2.5, "tags": 2.0, "summary": 1.5, "body": 1.0}
MODES = ("keyword", "semantic", "hybrid")
RRF_K = 60
# Below this cosine similarity a passage is unrelated (all-MiniLM-L6-v2: "!!!" peaks at 0.12, "hello" and
# "今天天气怎么样" near 0.17, a short real "passive mode" at 0.21): rank fusion must not pad a page with noise.
MIN_SIMILARITY = 0.2
_CJK = re.compile(r"[\u3400-\u9fff]")
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')


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
    """Ranked hits, and the spelling correction that was searched as well (None when the query was fine)."""

    def __init__(self, hits=(), suggestion: str | None = None):
        super().__init__(hits)
        self.suggestion = suggestion


class Bridge:
    """Renders Chinese queries in English with the glossary, for an English-only embedding model."""

    def __init__(self, glossary: list[dict]):
        self.matcher = TermMatcher((zh, entry["en"]) for entry in glossary for zh in entry["zh"])

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
    """Searches one opened index build with one embedder."""

    def __init__(self, opened, library, embedder, glossary: list[dict], known_words=()):
        self.ix = opened
        self.library = library
        self.embedder = embedder
        self.bridge = Bridge(glossary)
        self.analyzer = opened.analyzer  # the build's: query-time analysis is index-time analysis
        self.known_words = known_words

    def search(self, query: str, lang: str | None = None, software: str | None = None, category: str | None = None,
               limit: int = 10, mode: str = "hybrid", bridge: bool = True, pinned: list[str] = ()) -> Results:
        """Rank topics for `query`; `lang` restricts results to one language; `pinned` topics go first."""
        query = query.strip()
        if not query:
            return Results()
        qlang = "zh" if is_chinese(query) else "en"
        ranks: list[dict] = []
        snippets: dict = {}
        # Keyword hits are highlighted only for the results shown, so the searcher stays open until then.
        with self.ix.whoosh.searcher() as searcher:
            corrected = Speller(searcher.reader(), self.known_words).suggest(query)
            if corrected:  # customers' typos: search what they meant as well as what they typed
                query = f"{query} {corrected}"
            if mode in ("keyword", "hybrid"):
                ranks.append(self._keyword(searcher, query, lang, software, category, snippets))
            if mode in ("semantic", "hybrid"):
                ranks.append(self._semantic(query, qlang, lang, software, category, snippets, bridge))
            fused: dict[str, float] = {}
            for ranking in ranks:
                for key, rank in ranking.items():
                    fused[key] = fused.get(key, 0.0) + 1.0 / (RRF_K + rank)
            ranked = [*pinned, *sorted(fused, key=lambda k: -fused[k])]
            # An article removed since the index was built is skipped until the next `kb index`.
            order = [key for key in dict.fromkeys(ranked) if self.library.by_key(key)][:limit]
            fused.update({key: fused.get(key, 0.0) + 1.0 for key in pinned})
            return Results((self._hit(key, fused[key], lang or qlang, snippets) for key in order), corrected)

    def _keyword(self, searcher, query, lang, software, category, snippets) -> dict[str, int]:
        q = self._query(query)
        if q is None:
            return {}
        filters = [Term(name, value) for name, value in (("lang", lang), ("software", software), ("category", category)) if value]
        ranking: dict[str, int] = {}
        results = searcher.search(q, limit=60, filter=And(filters) if filters else None, terms=True)
        results.fragmenter = highlight.ContextFragmenter(maxchars=220, surround=60)
        results.formatter = highlight.HtmlFormatter(tagname="mark", classname="hl", between=" … ")
        for hit in results:
            ranking.setdefault(hit["key"], len(ranking) + 1)
            snippets.setdefault((hit["key"], hit["lang"]), hit)
        return ranking

    def _query(self, text: str):
        """OR of every query word over the weighted fields; a quoted part must also appear as an exact phrase."""
        words = self.analyzer.terms(text)
        clauses = [Term(f, w, boost=b) for w in dict.fromkeys(words) for f, b in FIELDS.items()]
        for m in _QUOTED.finditer(text):
            phrase = self._phrase(m.group(1) or m.group(2))
            if not phrase:
                continue
            fields = [f for f in FIELDS if f != "tags"]
            if len(phrase) > 1:
                clauses.append(Or([Phrase(f, phrase, boost=4 * FIELDS[f]) for f in fields]))
            exact = Or([Phrase(f, phrase) if len(phrase) > 1 else Term(f, phrase[0]) for f in fields])
            return And([exact, Or(clauses)])
        return Or(clauses) if clauses else None

    def _phrase(self, text: str) -> list[str]:
        """The words of a phrase, one per position: a long Chinese word's dictionary sub-words share its position."""
        words, last = [], None
        for token in self.analyzer.tokens(text):
            if token.pos != last:
                words.append(token.text)
                last = token.pos
        return words

    def _semantic(self, query, qlang, lang, software, category, snippets, bridge) -> dict[str, int]:
        if len(self.ix.passages) == 0:
            return {}
        text, foreign_ok = query, self.embedder.covers(query)
        if not foreign_ok and bridge:
            text = self.bridge.render(query)
        if not text:
            return {}
        vec = self.embedder.encode([text])[0]
        scores = self.ix.vectors @ vec
        best: dict[str, float] = {}
        for i in np.argsort(-scores)[:200]:
            if scores[i] < MIN_SIMILARITY:
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
        hit = snippets.get((key, article.lang))
        highlighted = hit and (hit.highlights("symptoms") or hit.highlights("summary") or hit.highlights("body", top=2))
        snippet = highlighted or _plain(snippets.get((key, "passage", article.lang))) or str(escape(article.summary))
        return Hit(article.id, key, article.title, article.lang, article.software, article.category, round(score, 5), snippet)


def _plain(text: str | None) -> str | None:
    if not text:
        return None
    return str(escape(text[:240] + ("…" if len(text) > 240 else "")))
