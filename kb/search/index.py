"""The on-disk search index: a keyword index plus passage vectors, built into a new folder and switched to
atomically by rewriting a small pointer file (`CURRENT`).

    index_dir/CURRENT                  the name of the build in use
    index_dir/build-<utc time>/        a finished build: manifest.json, <keyword backend>/, passages.json, vectors.npy
    index_dir/build-<utc time>.tmp/    a build being written: never counted, never served, removed if left over

The manifest records which keyword backend, analyzer (fingerprint and word list) and embedder made the build.
A rebuild re-embeds only the articles whose content changed, when the embedder is the same, and the keyword
backend may reuse what it kept of the build in use (tantivy: the analysed text of the unchanged articles).
The two newest finished builds are kept.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from kb.search.analysis import Analyzer
from kb.search.analysis import analyzer_for
from kb.search.protocols import Embedder
from kb.search.protocols import KeywordBackend
from kb.search.protocols import KeywordDoc
from kb.search.registry import keyword_backend

POINTER = "CURRENT"
MANIFEST = "manifest.json"
KEEP_BUILDS = 2
FORMAT = 2  # 1: before the manifest named its keyword backend, analyzer and embedder


def passages(article) -> list[str]:
    """The texts embedded for one article: the head (title, summary, symptoms), then each section."""
    head = " ".join([article.title, article.summary, *article.symptoms])
    return [head] + [f"{article.title}. {s.heading}. {s.text}"[:1500] for s in article.sections]


def quote(article, passage: int) -> str | None:
    """What a hit shows of its article's `passage` (numbered as `passages` numbers them): the summary for the head,
    else the section's text; None when the article or the section is gone since the build."""
    if article is None:
        return None
    if passage == 0:
        return article.summary
    return article.sections[passage - 1].text if passage <= len(article.sections) else None


def read_manifest(build: Path) -> dict | None:
    try:
        manifest = json.loads((build / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def builds(index_dir: str | Path) -> list[Path]:
    """The finished builds, oldest first: `build-*` folders with a manifest, never a `.tmp` one."""
    found = [p for p in Path(index_dir).glob("build-*")
             if not p.name.endswith(".tmp") and p.is_dir() and (p / MANIFEST).is_file()]
    return sorted(found, key=lambda p: p.name)


def current_build(index_dir: str | Path) -> Path | None:
    """The folder of the build in use: the one `CURRENT` names if it is a finished build, else the newest finished
    build, else None (before the first build)."""
    index_dir = Path(index_dir)
    pointer = index_dir / POINTER
    finished = builds(index_dir)
    if pointer.exists():
        named = index_dir / pointer.read_text().strip()
        if named in finished:
            return named
    return finished[-1] if finished else None


def build_index(library, index_dir: str | Path, *, analyzer: Analyzer, keyword: KeywordBackend,
                embedder: Embedder | None, progress: bool = False) -> Path:
    """Build a new index folder for `library` and switch `CURRENT` to it; return the folder. `embedder=None`
    builds a keyword-only index. Builds into the same folder run one at a time."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        _remove_leftovers(index_dir)  # no other build runs while we hold the lock: any .tmp is a dead one's
        name = "build-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        tmp = index_dir / (name + ".tmp")
        tmp.mkdir()
        try:
            _write_build(tmp, library, index_dir, analyzer, keyword, embedder, progress)
            tmp.rename(index_dir / name)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        _switch(index_dir, name)
        _prune(index_dir, keep=name)
    return index_dir / name


def _write_build(tmp: Path, library, index_dir: Path, analyzer: Analyzer, keyword: KeywordBackend,
                 embedder: Embedder | None, progress: bool) -> None:
    articles = sorted(library.articles.values(), key=lambda a: a.id)
    keyword.build([KeywordDoc.of(a) for a in articles], tmp / keyword.name, analyzer,
                  previous=_previous_keyword(index_dir, keyword.name))

    rows, vectors, todo = [], [], []
    if embedder is not None:
        previous = _previous_vectors(index_dir, embedder.name)
        for a in tqdm(articles, desc="passages", disable=not progress):
            texts = passages(a)
            cached = previous.get((a.id, a.digest))
            if cached is not None and len(cached) == len(texts):
                block = cached
            else:
                todo.append(a.id)
                block = embedder.embed_passages(texts)
            # No text: a serving process holds every row, and what a hit quotes of a passage is its article's
            # (`quote`); the texts were most of a large library's memory.
            rows.extend({"id": a.id, "passage": i, "digest": a.digest, "foreign": not embedder.covers(text)}
                        for i, text in enumerate(texts))
            vectors.append(block)
    matrix = np.vstack(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)
    np.save(tmp / "vectors.npy", np.ascontiguousarray(matrix, dtype=np.float32))
    (tmp / "passages.json").write_text(json.dumps(rows, ensure_ascii=False))
    manifest = {
        "format": FORMAT,
        "keyword": {"backend": keyword.name},
        "analyzer": analyzer.describe(),
        "embedder": {"name": embedder.name, "dimension": int(matrix.shape[1])} if embedder is not None else None,
        "articles": len(articles), "passages": len(rows), "embedded": todo,
        "built_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1))


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # not POSIX: builds are not serialised
        yield
        return
    with open(index_dir / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_leftovers(index_dir: Path) -> None:
    for tmp in index_dir.glob("build-*.tmp"):
        shutil.rmtree(tmp, ignore_errors=True)


def _switch(index_dir: Path, name: str) -> None:
    tmp = index_dir / (POINTER + ".tmp")
    tmp.write_text(name)
    os.replace(tmp, index_dir / POINTER)  # atomic: readers see the old build or the new one


def _prune(index_dir: Path, keep: str) -> None:
    """Keep the KEEP_BUILDS newest finished builds (and `keep`, the one just switched to); remove the rest, and any
    `build-*` folder without a manifest (a build that died before `.tmp` folders existed)."""
    finished = builds(index_dir)
    survivors = {p.name for p in finished[-KEEP_BUILDS:]} | {keep}
    for folder in index_dir.glob("build-*"):
        if folder.is_dir() and not folder.name.endswith(".tmp") and folder.name not in survivors:
            shutil.rmtree(folder, ignore_errors=True)


def _embedder_name(manifest: dict) -> str | None:
    return (manifest.get("embedder") or {}).get("name") or manifest.get("model")  # "model": format 1


def _previous_keyword(index_dir: Path, backend: str) -> Path | None:
    """The keyword folder of the build in use, when the same backend made it: what it may reuse."""
    build = current_build(index_dir)
    manifest = read_manifest(build) if build is not None else None
    if manifest is None or (manifest.get("keyword") or {}).get("backend", "whoosh") != backend:
        return None
    return build / backend


def _previous_vectors(index_dir: Path, embedder_name: str) -> dict:
    """Vectors by (article id, digest) from the newest finished build made with the same embedder."""
    for build in reversed(builds(index_dir)):
        manifest = read_manifest(build) or {}
        if _embedder_name(manifest) != embedder_name:
            continue
        try:
            rows = json.loads((build / "passages.json").read_text())
            matrix = np.load(build / "vectors.npy")
        except (OSError, ValueError):
            continue
        found: dict = {}
        for row, vec in zip(rows, matrix, strict=False):
            found.setdefault((row["id"], row["digest"]), []).append(vec)
        return {k: np.vstack(v) for k, v in found.items()}
    return {}


@dataclass(frozen=True)
class IndexStatus:
    """Whether the build in use still fits the configuration; `reasons` says why not, for the site and `kb`."""

    build: Path | None
    stale: bool
    reasons: tuple[str, ...] = ()


def index_status(build: Path | None, manifest: dict | None, *, analyzer_fingerprint: str, keyword: str,
                 embedder: str | None) -> IndexStatus:
    """Compare a build's manifest with the configured analyzer fingerprint, keyword backend and embedder name."""
    if build is None or manifest is None:
        return IndexStatus(None, True, ("no search index yet: run `kb index`",))
    reasons = []
    recorded = (manifest.get("analyzer") or {}).get("fingerprint")
    if recorded is None:
        reasons.append("the index was built before its analyzer was recorded: run `kb index`")
    elif recorded != analyzer_fingerprint:
        reasons.append("the analyzer changed since the index was built (glossary words, jieba or its dictionary, "
                       "or the analysis code): run `kb index`")
    built_keyword = (manifest.get("keyword") or {}).get("backend", "whoosh")
    if built_keyword != keyword:
        reasons.append(f"the index was built with keyword backend {built_keyword!r}, {keyword!r} is configured: "
                       "run `kb index`")
    built_embedder = _embedder_name(manifest)
    if embedder is not None and built_embedder != embedder:
        made = f"with embedder {built_embedder!r}" if built_embedder else "without an embedder"
        reasons.append(f"the index was built {made}, {embedder!r} is configured: semantic search falls back to "
                       "keyword until `kb index`")
    return IndexStatus(build, bool(reasons), tuple(reasons))


class OpenBuild:
    """One finished build, opened for searching: its keyword index (opened by the backend that built it, with the
    analyzer its manifest records), passages and vectors."""

    def __init__(self, build: Path):
        self.build = build
        self.manifest = read_manifest(build) or {}
        # Queries are analysed with the build's own word list, so they are cut exactly as its articles were.
        # A format-1 build was made with jieba's stock dictionary alone.
        recorded = self.manifest.get("analyzer") or {}
        self.analyzer = analyzer_for(recorded.get("words", ()))
        self.fingerprint = recorded.get("fingerprint")
        backend = keyword_backend((self.manifest.get("keyword") or {}).get("backend", "whoosh"))
        self.keyword = backend.open(build / backend.name, self.analyzer)
        self.embedder_name = _embedder_name(self.manifest)
        self.passages = json.loads((build / "passages.json").read_text())
        # Memory-mapped, read-only: the workers of a host share the pages instead of each holding a copy.
        self.vectors = np.load(build / "vectors.npy", mmap_mode="r")

    def close(self) -> None:
        self.keyword.close()
