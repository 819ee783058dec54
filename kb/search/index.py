"""The on-disk search index: a whoosh index plus passage vectors, built into a new folder and
switched to atomically by rewriting a small pointer file (`CURRENT`).

A rebuild re-embeds only the articles whose content changed since the last build.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm
from whoosh import index as whoosh_index
from whoosh.fields import ID
from whoosh.fields import KEYWORD
from whoosh.fields import TEXT
from whoosh.fields import Schema

from kb.search.analysis import Analyzer
from kb.search.analysis import analyzer_for
from kb.search.analysis import mixed_analyzer

POINTER = "CURRENT"
KEEP_BUILDS = 2


def make_schema(analyzer: Analyzer) -> Schema:
    """Fields and boosts: titles and error messages weigh most, the body least."""
    an = mixed_analyzer(analyzer)
    return Schema(
        id=ID(stored=True, unique=True), key=ID(stored=True), lang=ID(stored=True),
        software=ID(stored=True), category=ID(stored=True),
        title=TEXT(analyzer=an, stored=True, field_boost=3.0, phrase=True),
        summary=TEXT(analyzer=an, stored=True, field_boost=1.5, phrase=True),
        symptoms=TEXT(analyzer=an, stored=True, field_boost=2.5, phrase=True),
        tags=TEXT(analyzer=an, field_boost=2.0),
        software_text=KEYWORD(lowercase=True, commas=False, field_boost=1.0),
        body=TEXT(analyzer=an, stored=True, field_boost=1.0, phrase=True, spelling=True),
    )


def passages(article) -> list[str]:
    """The texts embedded for one article: the head (title, summary, symptoms), then each section."""
    head = " ".join([article.title, article.summary, *article.symptoms])
    return [head] + [f"{article.title}. {s.heading}. {s.text}"[:1500] for s in article.sections]


def current_build(index_dir: Path) -> Path | None:
    """The folder of the build in use, or None before the first build."""
    pointer = Path(index_dir) / POINTER
    if not pointer.exists():
        return None
    build = Path(index_dir) / pointer.read_text().strip()
    return build if build.is_dir() else None


def build_index(library, index_dir: str | Path, embedder, analyzer: Analyzer, progress: bool = False) -> Path:
    """Build a new index folder for `library` with `analyzer` and switch `CURRENT` to it; return the folder.
    The manifest records the analyzer (word list and fingerprint), so queries are analysed the same way."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    previous = _load_vectors(current_build(index_dir), embedder.name)
    name = "build-" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    tmp = index_dir / (name + ".tmp")
    tmp.mkdir()
    articles = sorted(library.articles.values(), key=lambda a: a.id)

    (tmp / "whoosh").mkdir()
    ix = whoosh_index.create_in(str(tmp / "whoosh"), make_schema(analyzer))
    with ix.writer() as writer:
        for a in articles:
            writer.add_document(
                id=a.id, key=a.translation_key, lang=a.lang, software=a.software, category=a.category,
                title=a.title, summary=a.summary, symptoms="\n".join(a.symptoms), tags=" ".join(a.tags),
                software_text=a.software, body=a.text)

    rows, vectors, todo = [], [], []
    for a in tqdm(articles, desc="passages", disable=not progress):
        texts = passages(a)
        cached = previous.get((a.id, a.digest))
        if cached is not None and len(cached) == len(texts):
            block = cached
        else:
            todo.append(a.id)
            block = embedder.encode(texts)
        quotes = [a.summary] + [s.text for s in a.sections]  # what a snippet shows of each passage
        for i, text in enumerate(texts):
            rows.append({"id": a.id, "passage": i, "digest": a.digest, "text": text, "quote": quotes[i],
                         "foreign": not embedder.covers(text)})
        vectors.append(block)
    matrix = np.vstack(vectors) if vectors else np.zeros((0, 1), dtype=np.float32)
    np.save(tmp / "vectors.npy", matrix)
    (tmp / "passages.json").write_text(json.dumps(rows, ensure_ascii=False))
    manifest = {"model": embedder.name, "analyzer": analyzer.describe(), "articles": len(articles), "passages": len(rows),
                "embedded": todo, "built_at": dt.datetime.now(dt.UTC).isoformat()}
    (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    tmp.rename(index_dir / name)
    _switch(index_dir, name)
    _prune(index_dir, keep=name)
    return index_dir / name


def _switch(index_dir: Path, name: str) -> None:
    tmp = index_dir / (POINTER + ".tmp")
    tmp.write_text(name)
    os.replace(tmp, index_dir / POINTER)  # atomic: readers see the old build or the new one


def _prune(index_dir: Path, keep: str) -> None:
    builds = sorted(p for p in index_dir.glob("build-*") if p.is_dir() and p.name != keep)
    for old in builds[: max(0, len(builds) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)


def _load_vectors(build: Path | None, model_name: str) -> dict:
    """Vectors of a previous build by (article id, digest), if it used the same model."""
    if build is None:
        return {}
    try:
        manifest = json.loads((build / "manifest.json").read_text())
        if manifest["model"] != model_name:
            return {}
        rows = json.loads((build / "passages.json").read_text())
        matrix = np.load(build / "vectors.npy")
    except (OSError, ValueError, KeyError):
        return {}
    found: dict = {}
    for row, vec in zip(rows, matrix, strict=False):
        found.setdefault((row["id"], row["digest"]), []).append(vec)
    return {k: np.vstack(v) for k, v in found.items()}


@dataclass(frozen=True)
class IndexStatus:
    """Whether the build in use still fits the configuration; `reasons` says why not, for the site and `kb`."""

    build: Path | None
    stale: bool
    reasons: tuple[str, ...] = ()


def index_status(build: Path | None, manifest: dict | None, analyzer_fingerprint: str) -> IndexStatus:
    """Compare a build's manifest with the configured analyzer's fingerprint."""
    if build is None or manifest is None:
        return IndexStatus(None, True, ("no search index yet: run `kb index`",))
    reasons = []
    recorded = (manifest.get("analyzer") or {}).get("fingerprint")
    if recorded is None:
        reasons.append("the index was built before its analyzer was recorded: run `kb index`")
    elif recorded != analyzer_fingerprint:
        reasons.append("the analyzer changed since the index was built (glossary words, jieba or its dictionary, "
                       "or the analysis code): run `kb index`")
    return IndexStatus(build, bool(reasons), tuple(reasons))


class OpenIndex:
    """One build, opened for searching: the whoosh index, passages and their vectors."""

    def __init__(self, build: Path):
        self.build = build
        self.whoosh = whoosh_index.open_dir(str(build / "whoosh"))
        self.passages = json.loads((build / "passages.json").read_text())
        self.vectors = np.load(build / "vectors.npy")
        self.manifest = self.read_manifest(build) or {}
        # Queries are analysed with the build's own word list, so they are cut exactly as its articles were.
        # A build from before the analyzer recorded it was made with jieba's stock dictionary alone.
        recorded = self.manifest.get("analyzer") or {}
        self.analyzer = analyzer_for(recorded.get("words", ()))
        self.fingerprint = recorded.get("fingerprint")

    @staticmethod
    def read_manifest(build: Path) -> dict | None:
        try:
            return json.loads((build / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
