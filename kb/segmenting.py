"""jieba tokenizers of their own, over a stock dictionary read from disk once per process.

The analyzer (kb.search.analysis) and the rules' term matchers (kb.rules.lexicon) each add their own words, so
they cannot share one tokenizer; but each `initialize()` reads the stock dictionary again (≈ 0.9–1.4 s on this
machine), while copying the loaded one takes 15 ms. A new worker's first search pays it once, not twice.
"""

from __future__ import annotations

import threading

import jieba

_lock = threading.Lock()
_stock: jieba.Tokenizer | None = None


def new_tokenizer() -> jieba.Tokenizer:
    """A tokenizer whose word list starts as the stock dictionary and is its own to add to."""
    global _stock
    with _lock:
        if _stock is None:
            _stock = jieba.Tokenizer()
            _stock.initialize()
        tok = jieba.Tokenizer()
        tok.FREQ, tok.total, tok.initialized = dict(_stock.FREQ), _stock.total, True
        return tok
