"""Search at library sizes of 1,000 to 100,000 articles, beside the peers a user would pick instead.

For each size a synthetic library (bench/synthetic.py, seeded) is built and measured in fresh processes: full build
time and peak memory; a one-article rebuild; the first search of a new process; query p50/p95/p99 of keyword,
semantic, hybrid and `ask` (the decision with its article suggestions) over the labelled queries; resident memory.
The same passages go to tantivy and bm25s (keyword, tokenised by our analyzer) and a brute-force numpy cosine
(vectors), printed as ratios beside ours.

`--embedder hash` (the default beyond the real library) gives every passage a deterministic pseudo-random unit
vector: it measures what vector search costs at scale, not its quality, because embedding 10,000 articles with the
real model takes about an hour on two cores (quality is measured on the real library by `kb eval`).

Run: bench/run [--sizes 1000,10000] [--keyword whoosh,tantivy] [--embedder hash|e5-small|minilm] [--queries 300]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from kb.search.registry import DEFAULT_EMBEDDER  # noqa: E402


class HashEmbedder:
    """Deterministic pseudo-random unit vectors keyed by the text: the cost of vector search without a model."""

    name = "hash-384"
    dimension = 384
    min_similarity = -1.0
    fusion_weight = 1.0
    query_prefix = passage_prefix = ""

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dimension).astype(np.float32)
        return v / np.linalg.norm(v)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def covers(self, text: str) -> bool:
        return True


def _embedder(name: str):
    if name == "hash":
        return HashEmbedder()
    return None if name == "none" else name


def _queries(count: int, warm: bool = False) -> list[str]:
    """The first `count` distinct labelled queries, or (`warm`) the ones after them, to warm a process up with."""
    from kb.evaluation import load_queries

    found = [q["query"] for f in ("eval_queries.yaml", "holdout_queries.yaml")
             for q in load_queries(ROOT / "tests" / "data" / f)]
    distinct = list(dict.fromkeys(found))
    return distinct[count:] if warm else distinct[:count]


def _ms(samples: list[float]) -> dict:
    s = sorted(samples)
    pick = lambda q: s[min(len(s) - 1, int(len(s) * q))]  # noqa: E731
    return {"p50": round(statistics.median(s), 2), "p95": round(pick(0.95), 2), "p99": round(pick(0.99), 2)}


def _timed(fn, items) -> list[float]:
    samples = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _kb(library: Path, index: Path, embedder: str):
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase(ROOT / "rules", library, index, embedder=_embedder(embedder),
                         keyword_backend=os.environ.get("KB_KEYWORD_ENGINE", "whoosh"))


# ---- the workers: each runs in a process of its own, so its memory and start-up are its own ----

def work_build(library: Path, index: Path, embedder: str) -> dict:
    start = time.perf_counter()
    kb = _kb(library, index, embedder)
    loaded = time.perf_counter() - start
    kb.build_index()
    manifest = json.loads(next(index.glob("build-*/manifest.json")).read_text())
    return {"load_s": round(loaded, 1), "build_s": round(time.perf_counter() - start, 1), "peak_mb": _peak_mb(),
            "articles": len(kb.library.articles), "passages": manifest["passages"]}


def forget_query_vectors(kb) -> None:
    """Each mode measures queries it has not seen: the searcher keeps the vectors of recent query texts."""
    if kb.searcher().query_vector is not None:
        kb.searcher().query_vector.cache_clear()


def work_query(library: Path, index: Path, embedder: str, count: int, started: float) -> dict:
    kb = _kb(library, index, embedder)
    kb.search("sshd fails to start")
    first = time.time() - started
    queries = _queries(count)
    out = {"first_search_s": round(first, 2), "queries": len(queries)}
    # A serving worker has shown most articles already (their snippets' analysis and stored fields are kept): warm
    # up on the queries that are not measured, so the first mode is not the one that pays for it.
    for q in _queries(count, warm=True) or queries[:1]:
        kb.search(q)
    for mode in ("keyword", "semantic", "hybrid"):
        forget_query_vectors(kb)
        out[mode] = _ms(_timed(lambda q, m=mode: kb.search(q, limit=10, mode=m), queries))

    def ask(q):
        decision = kb.ask(q)
        kb.search(q, limit=3, pinned=kb.explaining(decision))
    forget_query_vectors(kb)
    out["ask"] = _ms(_timed(ask, queries))
    out["rss_mb"] = _rss_mb()
    # One article edited: reload the library and rebuild (unchanged passages keep their vectors).
    path = next(library.glob("*/*.en.md"))
    path.write_text(path.read_text(encoding="utf-8") + "\nzqxjk marker line\n", encoding="utf-8")
    start = time.perf_counter()
    kb.reload()
    kb.build_index()
    found = any(h.key for h in kb.search("zqxjk", mode="keyword"))
    out["one_article_rebuild_s"] = round(time.perf_counter() - start, 2)
    out["rebuild_found_edit"] = found
    return out


def work_peers(library: Path, count: int) -> dict:
    """tantivy and bm25s over the same passages, tokenised by our analyzer; numpy cosine over as many vectors."""
    import bm25s
    import tantivy

    from kb.search.index import passages

    kb = _kb(library, library.parent / "unbuilt-index", "none")  # only its library and analyzer are used
    analyzer = kb.analyzer()
    texts = [text for article in kb.library.articles.values() for text in passages(article)]
    docs = [" ".join(analyzer.terms(t)) for t in texts]
    queries = [" ".join(analyzer.terms(q)) for q in _queries(count)]
    out: dict = {"passages": len(texts)}

    schema = tantivy.SchemaBuilder().add_text_field("body", stored=False).add_integer_field("n", stored=True).build()
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        index_t = tantivy.Index(schema, path=folder)
        writer = index_t.writer()
        for n, doc in enumerate(docs):
            writer.add_document(tantivy.Document(body=doc, n=n))
        writer.commit()
        index_t.reload()
        out["tantivy_build_s"] = round(time.perf_counter() - start, 2)
        searcher = index_t.searcher()

        def tantivy_query(q):
            if q.strip():
                searcher.search(index_t.parse_query(q.replace('"', " "), ["body"]), 60)
        out["tantivy"] = _ms(_timed(tantivy_query, [q for q in queries if q.strip()]))

    start = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index([d.split() or ["_"] for d in docs], show_progress=False)
    out["bm25s_build_s"] = round(time.perf_counter() - start, 2)
    vocabulary = set(retriever.vocab_dict)
    out["bm25s"] = _ms(_timed(lambda q: retriever.retrieve([[w for w in q.split() if w in vocabulary] or ["_"]],
                                                           k=min(60, len(docs)), show_progress=False),
                              [q for q in queries if q.strip()]))

    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((len(texts), 384)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    vectors = rng.standard_normal((len(queries), 384)).astype(np.float32)
    out["numpy"] = _ms(_timed(lambda v: np.argpartition(-(matrix @ v), 60)[:60], list(vectors)))
    return out


# ---- the driver ----

def _worker(*args: str, keyword: str = "whoosh", started: float | None = None) -> dict:
    command = [sys.executable, __file__, "--worker", *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False,
                            env=dict(os.environ, KB_BENCH_STARTED=str(started or time.time()), KB_KEYWORD_ENGINE=keyword))
    if result.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(size: int | None, embedder: str, keyword: str, queries: int, peers: bool) -> dict:
    """One row: the real library when size is None, else a synthetic one of `size` articles."""
    from bench.synthetic import generate

    with tempfile.TemporaryDirectory() as tmp:
        library = Path(tmp) / "articles"  # a copy: the one-article rebuild edits a file
        if size is None:
            shutil.copytree(ROOT / "articles", library)
        else:
            generate(library, size)
        index = Path(tmp) / "index"
        row = {"size": size or "real", "embedder": embedder, "engine": keyword,
               **_worker("build", str(library), str(index), embedder, keyword=keyword)}
        row.update(_worker("query", str(library), str(index), embedder, str(queries), keyword=keyword,
                           started=time.time()))
        if peers:
            row["peers"] = _worker("peers", str(library), str(queries))
        return row


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:5.0f}×" if theirs else "  -"


def print_table(rows: list[dict]) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"{'library':>8} {'engine':>8} {'embedder':>8} {'articles':>8} {'passages':>8} {'build s':>8} "
          f"{'peak MB':>8} {'1-edit s':>8} {'first s':>8} {'RSS MB':>7}")
    for r in rows:
        print(f"{r['size']!s:>8} {r['engine']:>8} {r['embedder']:>8} {r['articles']:8} {r['passages']:8} "
              f"{r['build_s']:8} {r['peak_mb']:8} {r['one_article_rebuild_s']:8} {r['first_search_s']:8} {r['rss_mb']:7}")
    print()
    print(f"{'library':>8} {'engine':>8}  query ms p50 / p95 / p99:"
          f"{'keyword':>14} {'semantic':>22} {'hybrid':>22} {'ask':>22}")
    for r in rows:
        cells = "".join(f"{r[m]['p50']:>8} {r[m]['p95']:>6} {r[m]['p99']:>6}" for m in ("keyword", "semantic", "hybrid", "ask"))
        print(f"{r['size']!s:>8} {r['engine']:>8} {'':16}{cells}")
    print()
    print(f"{'library':>8} {'peer ms p50 / p95 (ours ÷ theirs at p95)':44}")
    for r in rows:
        p = r.get("peers")
        if not p:
            continue
        kw, sem = r["keyword"]["p95"], r["semantic"]["p95"]
        print(f"{r['size']!s:>8} {r['engine']:>8}"
              f"  tantivy {p['tantivy']['p50']} / {p['tantivy']['p95']} ({_ratio(kw, p['tantivy']['p95'])})"
              f"   bm25s {p['bm25s']['p50']} / {p['bm25s']['p95']} ({_ratio(kw, p['bm25s']['p95'])})"
              f"   numpy cosine {p['numpy']['p50']} / {p['numpy']['p95']} ({_ratio(sem, p['numpy']['p95'])})"
              f"   builds: tantivy {p['tantivy_build_s']} s, bm25s {p['bm25s_build_s']} s")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        kind, *args = sys.argv[2:]
        if kind == "build":
            out = work_build(Path(args[0]), Path(args[1]), args[2])
        elif kind == "query":
            out = work_query(Path(args[0]), Path(args[1]), args[2], int(args[3]), float(os.environ["KB_BENCH_STARTED"]))
        else:
            out = work_peers(Path(args[0]), int(args[1]))
        print(json.dumps(out))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="synthetic library sizes, comma separated")
    parser.add_argument("--real", default=DEFAULT_EMBEDDER, help="the shipped library's embedder ('' skips it)")
    parser.add_argument("--embedder", default="hash", help="embedder for the synthetic libraries: hash, e5-small, minilm, none")
    parser.add_argument("--keyword", default="whoosh,tantivy", help="our keyword backends to measure, comma separated")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()
    rows = []
    sizes = [None] * bool(args.real) + [int(s) for s in args.sizes.split(",") if s.strip()]
    for size in sizes:
        for n, keyword in enumerate(k for k in args.keyword.split(",") if k):
            peers = not args.no_peers and n == 0  # the peers do not depend on our backend
            rows.append(measure(size, args.real if size is None else args.embedder, keyword, args.queries, peers))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)  # each row as it is measured: a long run shows progress
    print_table(rows)
    if args.json:
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
