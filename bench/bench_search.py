"""Measure index build time, search and ask latency, and peak memory; prints its figures.

Run: .venv/bin/python bench/bench_search.py [--queries tests/data/eval_queries.yaml] [--repeat 3] [--embedder none]

`--embedder none` measures keyword-only search (no model loaded; semantic and hybrid fall back to keyword).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bench.perf import forget_query_vectors  # noqa: E402
from kb.evaluation import load_queries  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.search.registry import DEFAULT_EMBEDDER  # noqa: E402


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def summary(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return f"{name:22} n={len(samples):4}  p50={statistics.median(samples):7.1f} ms  p95={p95:7.1f} ms  max={samples[-1]:7.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queries", default=str(ROOT / "tests" / "data" / "eval_queries.yaml"))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER, help="a kb.search.registry embedder name, or none")
    parser.add_argument("--keyword-backend", default="whoosh", help="a kb.search.registry keyword backend name")
    args = parser.parse_args()
    embedder = None if args.embedder == "none" else args.embedder
    queries = [q["query"] for q in load_queries(args.queries)]
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        kb = KnowledgeBase(ROOT / "rules", ROOT / "articles", tmp, model_path=os.environ.get("KB_MODEL_PATH"),
                           embedder=embedder, keyword_backend=args.keyword_backend)
        print(f"load rules+articles   {(time.perf_counter() - start) * 1000:7.1f} ms ({len(kb.library.articles)} articles)")
        print(f"search with           {kb.keyword_backend.name} + {kb.embedder.name if kb.embedder else 'no embedder'}")
        cold = "model load + embedding every passage" if kb.embedder else "keyword index only"
        print(f"index build (cold)    {timed(kb.build_index) / 1000:7.1f} s  ({cold})")
        print(f"index rebuild (warm)  {timed(kb.build_index) / 1000:7.1f} s  (nothing changed: no re-embedding)")
        kb.search("warm up")
        def search(q, mode):
            forget_query_vectors(kb)  # every repeat embeds again, as a new query would
            kb.search(q, mode=mode)

        for mode in ("keyword", "semantic", "hybrid"):
            samples = [timed(lambda q=q, m=mode: search(q, m)) for _ in range(args.repeat) for q in queries]
            print(summary(f"search {mode}", samples))
        samples = [timed(lambda q=q: kb.ask(q, plan="S3")) for _ in range(args.repeat) for q in queries]
        print(summary("ask (intake+rules)", samples))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS              {peak:7.1f} MiB")


if __name__ == "__main__":
    main()
