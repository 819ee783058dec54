"""The keyword backend on tantivy (Rust, through tantivy-py): the same fields, weights and analyzer as whoosh's,
about a hundred times faster per query, for libraries where whoosh's pure-Python matching is the bottleneck.

Text reaches tantivy already analysed: each field holds our analyzer's stemmed tokens separated by spaces, read back
by tantivy's whitespace tokenizer, so Chinese is segmented by the same jieba dictionary at build and query time.
Positions are renumbered one per token, so a long Chinese word's sub-words follow it instead of sharing its place;
a quoted phrase allows a few positions between its words (PHRASE_SLOP, as whoosh's does). The unstemmed words
of the bodies are kept for spelling (a `spell` field for document frequencies, and the word list)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import tantivy

from kb.search.analysis import Analyzer
from kb.search.protocols import FIELD_WEIGHTS
from kb.search.protocols import PHRASE_SLOP
from kb.search.protocols import KeywordDoc
from kb.search.protocols import KeywordHit
from kb.search.spelling import known_share
from kb.search.spelling import words_near

SPELL_FIELD = "spell"
SPELL_WORDS = "spell_words.json"
ANALYSED = "analysed.json"
# Stored hit fields kept per opened build: all of them at the shipped library's 150 articles; a bound at 10,000,
# where every document's term set would take hundreds of megabytes.
STORED_DOCUMENTS = 4096
ANALYSED_FORMAT = 1  # what _analyse returns: a new shape reuses nothing of the builds before it
_QUOTED = re.compile(r'"([^"]+)"|“([^”]+)”')
_TEXT_FIELDS = tuple(FIELD_WEIGHTS)


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in ("id", "key", "lang", "software", "category"):
        builder.add_text_field(name, stored=name in ("id", "key", "lang"), tokenizer_name="raw")
    for name in _TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("terms", stored=True, tokenizer_name="raw", index_option="basic")  # what a hit matched
    builder.add_text_field(SPELL_FIELD, tokenizer_name="whitespace", index_option="basic")
    return builder.build()


class TantivyBackend:
    """Builds and opens tantivy indexes."""

    name = "tantivy"

    def build(self, docs: Sequence[KeywordDoc], folder: Path, analyzer: Analyzer,
              previous: Path | None = None) -> None:
        """Index `docs` into a new index in `folder`. The analysed fields of each document are kept beside the
        index (ANALYSED, keyed by the document's content and the analyzer), and those of `previous` (an earlier
        build's folder) are reused: after an edit only the changed documents are analysed, and the index is still
        written whole, in the same order, so it answers exactly as a build from scratch. (Deleting and adding the
        changed documents in a copy would not: tantivy keeps deleted documents in its term statistics until a
        merge, which tantivy-py does not offer, so every score would drift.)"""
        folder.mkdir(parents=True, exist_ok=True)
        reused = _read_analysed(previous, analyzer) if previous is not None else {}
        index = tantivy.Index(_schema(), path=str(folder))
        writer = index.writer(heap_size=64_000_000, num_threads=1)
        spelling: set[str] = set()
        analysed_now: dict[str, dict] = {}
        for d in docs:
            digest = _digest(d)
            done = reused.get(digest) or _analyse(d, analyzer)
            analysed_now[digest] = done
            spelling.update(done["spell"])
            writer.add_document(tantivy.Document(
                id=d.id, key=d.key, lang=d.lang, software=d.software, category=d.category,
                terms=done["terms"], **done["fields"], spell=" ".join(done["spell"])))
        writer.commit()
        writer.wait_merging_threads()
        (folder / SPELL_WORDS).write_text(json.dumps(sorted(spelling), ensure_ascii=False))
        (folder / ANALYSED).write_text(json.dumps({"format": ANALYSED_FORMAT, "analyzer": analyzer.fingerprint,
                                                   "documents": analysed_now}, ensure_ascii=False))

    def open(self, folder: Path, analyzer: Analyzer) -> TantivyIndex:
        return TantivyIndex(tantivy.Index.open(str(folder)), analyzer,
                            json.loads((folder / SPELL_WORDS).read_text()))


def _analyse(d: KeywordDoc, analyzer: Analyzer) -> dict:
    """The weighted fields as analysed tokens joined by spaces, every term once (what a hit matched), and the
    body's distinct unstemmed words (spelling reads only which documents have a word)."""
    fields = {"title": d.title, "summary": d.summary, "symptoms": "\n".join(d.symptoms), "tags": " ".join(d.tags),
              "body": d.body}
    analysed = {name: analyzer.terms(text) for name, text in fields.items()}
    return {"fields": {name: " ".join(words) for name, words in analysed.items()},
            "terms": " ".join(sorted({t for words in analysed.values() for t in words})),
            "spell": sorted({t.text for t in analyzer.tokens(d.body, stem=False)})}


def _digest(d: KeywordDoc) -> str:
    """A key for everything the analysis reads of a document."""
    text = "\x1f".join([d.title, d.summary, "\x1e".join(d.symptoms), "\x1e".join(d.tags), d.body])
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _read_analysed(folder: Path, analyzer: Analyzer) -> dict[str, dict]:
    """The analysed documents an earlier build kept, when it used this analyzer; else none."""
    try:
        kept = json.loads((folder / ANALYSED).read_text())
    except (OSError, ValueError):
        return {}
    same = kept.get("format") == ANALYSED_FORMAT and kept.get("analyzer") == analyzer.fingerprint
    return kept.get("documents", {}) if same else {}


class TantivyIndex:
    """An opened tantivy index; its searcher is safe to share between threads."""

    def __init__(self, index: tantivy.Index, analyzer: Analyzer, spell_words: list[str]):
        self.index = index
        self.schema = index.schema
        self.analyzer = analyzer
        self.searcher = index.searcher()
        self._spell_words = spell_words
        # A hit's stored fields, read once per document of this opened build: fetching a document and splitting its
        # terms for each of a query's 60 hits was 85 % of the engine's part of a search (2.6 → 0.4 ms a query).
        self._stored = lru_cache(maxsize=STORED_DOCUMENTS)(self._read_stored)

    def search(self, text: str, *, lang: str | None = None, software: str | None = None,
               category: str | None = None, limit: int = 60) -> list[KeywordHit]:
        words = list(dict.fromkeys(self.analyzer.terms(text)))
        query = self._query(text, words)
        if query is None:
            return []
        filters = [(tantivy.Occur.Must, tantivy.Query.term_query(self.schema, name, value))
                   for name, value in (("lang", lang), ("software", software), ("category", category)) if value]
        if filters:
            query = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), *filters])
        asked = set(words)
        hits = []
        for score, address in self.searcher.search(query, limit, count=False).hits:
            doc_id, topic, lang_, terms = self._stored(address.segment_ord, address.doc)
            hits.append(KeywordHit(doc_id, topic, lang_, score, frozenset(asked & terms)))
        return hits

    def _read_stored(self, segment: int, doc: int) -> tuple[str, str, str, frozenset[str]]:
        found = self.searcher.doc(tantivy.DocAddress(segment, doc))
        return (found.get_first("id"), found.get_first("key"), found.get_first("lang"),
                frozenset(found.get_first("terms").split()))

    def _query(self, text: str, words: list[str]):
        """OR of every query word over the weighted fields; a quoted part must also appear as a phrase (as whoosh)."""
        clauses = [(tantivy.Occur.Should, tantivy.Query.boost_query(tantivy.Query.term_query(self.schema, f, w), b))
                   for w in words for f, b in FIELD_WEIGHTS.items()]
        if not clauses:
            return None
        anything = tantivy.Query.boolean_query(clauses)
        for m in _QUOTED.finditer(text):
            phrase = self.analyzer.terms(m.group(1) or m.group(2))
            if not phrase:
                continue
            fields = [f for f in _TEXT_FIELDS if f != "tags"]
            if len(phrase) > 1:
                exact = [tantivy.Query.phrase_query(self.schema, f, phrase, slop=PHRASE_SLOP) for f in fields]
                boosted = [(tantivy.Occur.Should, tantivy.Query.boost_query(q, 4 * FIELD_WEIGHTS[f]))
                           for q, f in zip(exact, fields, strict=True)]
                anything = tantivy.Query.boolean_query([(tantivy.Occur.Should, anything), *boosted])
            else:
                exact = [tantivy.Query.term_query(self.schema, f, phrase[0]) for f in fields]
            required = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in exact])
            return tantivy.Query.boolean_query([(tantivy.Occur.Must, required), (tantivy.Occur.Must, anything)])
        return anything

    def known_share(self, text: str) -> float:
        return known_share(self.analyzer.terms(text), self.searcher.doc_freq)

    def doc_frequency(self, word: str) -> int:
        return self.searcher.doc_freq(SPELL_FIELD, word)

    def words_near(self, word: str, max_distance: int) -> Iterable[str]:
        return words_near(word, self._spell_words, max_distance)

    def close(self) -> None:
        self.searcher = None
