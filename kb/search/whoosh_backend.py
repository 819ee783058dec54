"""The keyword backend on whoosh-reloaded: a BM25F index of the articles' fields, analysed by kb.search.analysis."""

from __future__ import annotations

import queue
import re
from collections.abc import Iterable
from collections.abc import Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import StemFilter
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer
from whoosh.fields import ID
from whoosh.fields import TEXT
from whoosh.fields import Schema
from whoosh.query import And
from whoosh.query import Or
from whoosh.query import Phrase
from whoosh.query import Term

from kb.search.analysis import Analyzer
from kb.search.analysis import analyzer_for
from kb.search.analysis import stem_word
from kb.search.protocols import FIELD_WEIGHTS
from kb.search.protocols import PHRASE_SLOP
from kb.search.protocols import KeywordDoc
from kb.search.protocols import KeywordHit
from kb.search.spelling import known_share
from kb.search.spelling import words_near

SPELL_FIELD = "spell_body"  # whoosh's unstemmed copy of the body (TEXT(spelling=True) with a stemming analyzer)
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')


class MixedTokenizer(Tokenizer):
    """Whoosh's view of an Analyzer: its tokens, unstemmed (stemming is the morphological filter after it, so that
    whoosh's spelling field gets whole words). Pickled into the schema as its word list only."""

    def __init__(self, analyzer: Analyzer | None = None):
        self._analyzer = analyzer
        self.words = analyzer.words if analyzer else ()

    def __getstate__(self):
        return {"words": self.words}

    def __setstate__(self, state):
        self.words, self._analyzer = tuple(state.get("words", ())), None

    def __eq__(self, other):
        return type(other) is type(self) and other.words == self.words

    __hash__ = None

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        if self._analyzer is None:
            self._analyzer = analyzer_for(self.words)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for t in self._analyzer.tokens(value, stem=False, stops=not removestops):
            token.text = t.text
            token.boost = 1.0
            token.stopped = t.stopped
            if keeporiginal:
                token.original = t.text
            if positions:
                token.pos = start_pos + t.pos
            if chars:
                token.startchar, token.endchar = start_char + t.start, start_char + t.end
            yield token


def make_schema(analyzer: Analyzer) -> Schema:
    """Stored: only what a hit names (id, topic, language). The text fields carry no field_boost: the weights are
    applied once, by the query (FIELD_WEIGHTS)."""
    an = MixedTokenizer(analyzer) | StemFilter(stemfn=stem_word)
    return Schema(
        id=ID(stored=True, unique=True), key=ID(stored=True), lang=ID(stored=True), software=ID, category=ID,
        title=TEXT(analyzer=an, phrase=True),
        summary=TEXT(analyzer=an, phrase=True),
        symptoms=TEXT(analyzer=an, phrase=True),
        tags=TEXT(analyzer=an),
        body=TEXT(analyzer=an, phrase=True, spelling=True),
    )


class WhooshBackend:
    """Builds and opens whoosh indexes."""

    name = "whoosh"

    def build(self, docs: Sequence[KeywordDoc], folder: Path, analyzer: Analyzer,
              previous: Path | None = None) -> None:
        """Index `docs` into `folder`, always whole (`previous` is not used)."""
        folder.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(folder), make_schema(analyzer))
        with ix.writer() as writer:
            for d in docs:
                writer.add_document(id=d.id, key=d.key, lang=d.lang, software=d.software, category=d.category,
                                    title=d.title, summary=d.summary, symptoms="\n".join(d.symptoms),
                                    tags=" ".join(d.tags), body=d.body)

    def open(self, folder: Path, analyzer: Analyzer) -> WhooshIndex:
        return WhooshIndex(whoosh_index.open_dir(str(folder)), analyzer)


class WhooshIndex:
    """An opened whoosh index. Whoosh searchers are not thread-safe: each call borrows one from a small pool."""

    def __init__(self, ix, analyzer: Analyzer):
        self.ix = ix
        self.analyzer = analyzer
        self._pool: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False

    @contextmanager
    def _searcher(self):
        try:
            searcher = self._pool.get_nowait()
        except queue.Empty:
            searcher = self.ix.searcher()
        try:
            yield searcher
        finally:
            if self._closed:
                searcher.close()
            else:
                self._pool.put(searcher)

    def search(self, text: str, *, lang: str | None = None, software: str | None = None,
               category: str | None = None, limit: int = 60) -> list[KeywordHit]:
        q = self._query(text)
        if q is None:
            return []
        filters = [Term(name, value) for name, value in (("lang", lang), ("software", software), ("category", category))
                   if value]
        with self._searcher() as searcher:
            results = searcher.search(q, limit=limit, filter=And(filters) if filters else None, terms=True)
            return [KeywordHit(hit["id"], hit["key"], hit["lang"], hit.score,
                               frozenset(_text(t) for field, t in hit.matched_terms() if field in FIELD_WEIGHTS))
                    for hit in results]

    def _query(self, text: str):
        """OR of every query word over the weighted fields; a quoted part must also appear as an exact phrase.
        The field weights are applied here and only here (a Term's boost multiplies its BM25F score): a schema
        field_boost would also scale term frequencies inside BM25's saturation, and weigh twice."""
        words = self.analyzer.terms(text)
        clauses = [Term(f, w, boost=b) for w in dict.fromkeys(words) for f, b in FIELD_WEIGHTS.items()]
        for m in _QUOTED.finditer(text):
            phrase = self._phrase(m.group(1) or m.group(2))
            if not phrase:
                continue
            fields = [f for f in FIELD_WEIGHTS if f != "tags"]
            if len(phrase) > 1:
                clauses.append(Or([Phrase(f, phrase, slop=PHRASE_SLOP, boost=4 * FIELD_WEIGHTS[f]) for f in fields]))
            exact = Or([Phrase(f, phrase, slop=PHRASE_SLOP) if len(phrase) > 1 else Term(f, phrase[0]) for f in fields])
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

    def known_share(self, text: str) -> float:
        with self._searcher() as searcher:
            return known_share(self.analyzer.terms(text), searcher.doc_frequency)

    def doc_frequency(self, word: str) -> int:
        with self._searcher() as searcher:
            return searcher.doc_frequency(SPELL_FIELD, word)

    def words_near(self, word: str, max_distance: int) -> Iterable[str]:
        return words_near(word, self._vocabulary, max_distance)

    @cached_property
    def _vocabulary(self) -> list[str]:
        """The spelling field's words, read once per opened index (an index never changes once built)."""
        with self._searcher() as searcher:
            return [_text(t) for t in searcher.reader().lexicon(SPELL_FIELD)]

    def close(self) -> None:
        self._closed = True
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                break


def _text(term) -> str:
    return term.decode() if isinstance(term, bytes) else term
