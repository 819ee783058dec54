"""The two seams of search: a keyword engine and an embedding model, each a small protocol.

`kb.search.registry` picks implementations by name (`keyword_backend("whoosh")`, `embedder("minilm")`); a
second engine or model is one module implementing the protocol plus one line in the registry. Everything
else (analysis, snippets, spelling, rank fusion, the bridge, the index folders) is shared by all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from typing import Protocol
from typing import runtime_checkable

if TYPE_CHECKING:
    import numpy as np

    from kb.search.analysis import Analyzer

# The weight of a match in each field, as the README documents them. Backends apply them once, at query time.
# A quoted phrase's words may be this many positions apart: a stop word left out of the query, or a Chinese word's
# sub-words between two words, must not break it; the order of the words still counts.
PHRASE_SLOP = 2
FIELD_WEIGHTS = MappingProxyType({"title": 3.0, "symptoms": 2.5, "tags": 2.0, "summary": 1.5, "body": 1.0})


@dataclass(frozen=True)
class KeywordDoc:
    """One article as the keyword index sees it. `body` is the rendered article's text, not its Markdown."""

    id: str
    key: str
    lang: str
    software: str
    category: str
    title: str
    summary: str
    symptoms: tuple[str, ...]
    tags: tuple[str, ...]
    body: str

    @classmethod
    def of(cls, article) -> KeywordDoc:
        return cls(article.id, article.translation_key, article.lang, article.software, article.category,
                   article.title, article.summary, tuple(article.symptoms), tuple(article.tags), article.text)


@dataclass(frozen=True)
class KeywordHit:
    """One ranked keyword result: the article, its topic and language, its score, and the analysed query terms
    it matched (what its snippet highlights)."""

    id: str
    key: str
    lang: str
    score: float
    terms: frozenset[str]


@runtime_checkable
class KeywordIndex(Protocol):
    """One opened keyword index."""

    def search(self, text: str, *, lang: str | None = None, software: str | None = None,
               category: str | None = None, limit: int = 60) -> list[KeywordHit]:
        """Ranked hits for the query text: every analysed word over the weighted fields (FIELD_WEIGHTS); a quoted
        part must also appear as an exact phrase. Filters are exact matches."""
        ...

    def doc_frequency(self, word: str) -> int:
        """How many articles use `word` (lower-cased, unstemmed): the speller's vocabulary."""
        ...

    def known_share(self, text: str) -> float:
        """The share (0 to 1) of the query's distinct analysed words that some article has in a weighted field:
        the relevance floor reads it (kb.search.hybrid.KNOWN_FLOOR). 0 for a query with no words."""
        ...

    def words_near(self, word: str, max_distance: int) -> Iterable[str]:
        """Indexed words (unstemmed) within `max_distance` edits of `word`."""
        ...

    def close(self) -> None:
        ...


@runtime_checkable
class KeywordBackend(Protocol):
    """A keyword engine: builds an index of documents into a folder, and opens one."""

    @property
    def name(self) -> str:
        """Stable id, recorded in a build's manifest."""
        ...

    def build(self, docs: Sequence[KeywordDoc], folder: Path, analyzer: Analyzer,
              previous: Path | None = None) -> None:
        """Index `docs` into `folder`. `previous` is the folder this backend wrote for the build in use, whose work
        it may reuse (the documents that did not change); the result must be what a build without it gives."""
        ...

    def open(self, folder: Path, analyzer: Analyzer) -> KeywordIndex:
        ...


@runtime_checkable
class Embedder(Protocol):
    """Embeds queries and passages into unit vectors."""

    @property
    def name(self) -> str:
        """Stable id of the model, recorded in a build's manifest: vectors are reused only under the same name."""
        ...

    @property
    def dimension(self) -> int:
        ...

    @property
    def min_similarity(self) -> float:
        """Below this cosine a passage is unrelated and left out."""
        ...

    @property
    def fusion_weight(self) -> float:
        """What its ranking counts in hybrid search against the keyword ranking's 1: measured per model
        (docs/performance.md, "Fusion weight"), since a stronger model should outvote the words."""
        ...

    @property
    def query_prefix(self) -> str:
        """Put before every query (e5 models: "query: ")."""
        ...

    @property
    def passage_prefix(self) -> str:
        """Put before every passage (e5 models: "passage: ")."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length float32 vector."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 rows, one per text."""
        ...

    def covers(self, text: str) -> bool:
        """Whether the model can read `text` (an English-only model cannot read most Chinese)."""
        ...
