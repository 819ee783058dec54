"""Parsed articles kept on disk between processes, so a new process parses and renders only the files that changed.

Parsing is most of a cold start: Markdown rendering and front-matter validation take about 2 s for the 150 shipped
articles here and 76 s for 10,000 (docs/performance.md), and every worker, CLI command and restart paid it again.
The store is one pickle beside the index builds, written whole and atomically; an article is reused only when its
file's digest matches, and only while the code that parsed it is the same (the key below), so a changed parser or
renderer parses everything again. A store that cannot be read is ignored: it is a cache, never the source.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from functools import cache
from importlib.metadata import version
from pathlib import Path

from kb.content import articles
from kb.content import render

log = logging.getLogger(__name__)
FILE = "articles.pickle"


@cache
def _code_key() -> str:
    """The parser's own source and the Markdown library's version: what an article's parsed form depends on. Read
    once: the code parsing in this process is the code it imported, even if its files change on disk meanwhile."""
    digest = hashlib.sha256(version("markdown").encode())
    for module in (articles, render):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def read(folder: Path) -> dict[str, articles.Article]:
    """The articles parsed before by any process, by file path; empty when there are none or they are unusable."""
    try:
        with open(Path(folder) / FILE, "rb") as f:
            key, parsed = pickle.load(f)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a torn or foreign file: parse everything, and the next write replaces it
        log.warning("ignoring the parsed-articles store in %s: %s", folder, exc)
        return {}
    return parsed if key == _code_key() and isinstance(parsed, dict) else {}


def write(folder: Path, library: articles.Library, known: dict[str, articles.Article]) -> None:
    """Store the library's articles for the next process, unless `known` (what `read` gave) already holds them."""
    parsed = {a.path: a for a in library.articles.values()}
    if {p: a.digest for p, a in parsed.items()} == {p: a.digest for p, a in known.items()}:
        return
    folder, tmp = Path(folder), None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{FILE}.", delete=False) as f:
            tmp = f.name
            pickle.dump((_code_key(), parsed), f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, folder / FILE)  # atomic: a reader sees the old store or the new one, never half of one
    except OSError as exc:  # a read-only or full disk costs the next process its parse, nothing else
        log.warning("could not store the parsed articles in %s: %s", folder, exc)
        if tmp:
            Path(tmp).unlink(missing_ok=True)
