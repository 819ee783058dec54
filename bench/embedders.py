"""Compare embedding models on the shipped library: speed, memory and cross-language retrieval.

Run, after `KB_EMBEDDER=NAME kb --index-dir DIR index` for each model:
    .venv/bin/python bench/embedders.py minilm=/tmp/embed-minilm e5-small=/tmp/embed-e5-small [--articles 30]

Each model runs in its own process (so its resident memory is its own) and reports: model load with its first
query; passages embedded per second, one article at a time as `kb index` does, over the first `--articles`
articles; query embedding and semantic / hybrid search p50 and p95 over the labelled queries, and embedding the real
questions of tests/data/real (cut to a search query's limit: pasted logs, the longest queries); peak RSS; and
cross-language retrieval: each labelled query against the passages of the other language only (a Chinese question,
English articles, and the reverse), recall@5 and MRR@10, bridged as search bridges it when the model cannot read it.
`kb eval` gives the same-language figures.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from kb.evaluation import load_queries  # noqa: E402
from kb.evaluation import load_real  # noqa: E402
from kb.evaluation import score_ranking  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.rules.lexicon import is_chinese  # noqa: E402
from kb.schemas import MAX_QUERY  # noqa: E402
from kb.search.index import passages  # noqa: E402
from kb.search.registry import embedder as make_embedder  # noqa: E402

QUERY_SETS = ("eval_queries.yaml", "holdout_queries.yaml")


def _ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _pct(samples: list[float], p: float) -> float:
    samples = sorted(samples)
    return round(samples[min(len(samples) - 1, int(len(samples) * p))], 1)


def cross_language(kb, items: list[dict]) -> dict:
    """Recall@5 / MRR@10 per direction, ranking topics by their best passage in the other language only."""
    searcher = kb.searcher()
    ix, embedder, library = searcher.ix, kb.embedder, kb.library
    langs = np.array([library.articles[row["id"]].lang if row["id"] in library.articles else "" for row in ix.passages])
    rows: dict[str, list[dict]] = {"zh→en": [], "en→zh": []}
    for item in items:
        qlang = "zh" if is_chinese(item["query"]) else "en"
        target = "en" if qlang == "zh" else "zh"
        expected = {k for k in item.get("expected") or () if target in library.by_key(k)}
        if not expected:
            continue
        text, readable = item["query"], embedder.covers(item["query"])
        if not readable:
            text = searcher.bridge.render(item["query"])
        keys: list[str] = []
        if text:
            scores = ix.vectors @ embedder.embed_query(text)
            for i in np.argsort(-scores):
                row = ix.passages[i]
                if langs[i] != target or row["foreign"] and not readable:
                    continue
                key = library.articles[row["id"]].translation_key
                if key not in keys:
                    keys.append(key)
                if len(keys) == 10:
                    break
        rows[f"{qlang}→{target}"].append(score_ranking(keys, expected))
    return {d: {"n": len(r), "recall@5": round(statistics.mean(x["recall@5"] for x in r), 3),
                "mrr@10": round(statistics.mean(x["mrr@10"] for x in r), 3)} for d, r in rows.items() if r}


def worker(name: str, index_dir: str, articles: int) -> dict:
    start = time.perf_counter()
    embedder = make_embedder(name)
    embedder.embed_query("warm up")
    load_s = time.perf_counter() - start
    kb = KnowledgeBase(ROOT / "rules", ROOT / "articles", index_dir, embedder=embedder)
    texts = [passages(a) for a in sorted(kb.library.articles.values(), key=lambda a: a.id)[:articles]]
    spent = sum(_ms(lambda t=t: embedder.embed_passages(t)) for t in texts) / 1000
    count = sum(len(t) for t in texts)
    items = [i for f in QUERY_SETS for i in load_queries(ROOT / "tests" / "data" / f)]
    queries = [i["query"] for i in items]
    embed = [_ms(lambda q=q: embedder.embed_query(q)) for q in queries]
    report = {"embedder": embedder.name, "load_s": round(load_s, 2), "passages": count,
              "chars_per_passage": round(sum(len(p) for t in texts for p in t) / count),
              "passages_per_s": round(count / spent, 1), "embed_query_p50_ms": _pct(embed, 0.5),
              "embed_query_p95_ms": _pct(embed, 0.95)}
    real = [i["question"][:MAX_QUERY] for i in load_real(sorted((ROOT / "tests" / "data" / "real").glob("*.yaml")))]
    long = [_ms(lambda q=q: embedder.embed_query(q)) for q in real]  # pasted logs: the longest queries searched
    report |= {"real_question_chars": round(statistics.mean(map(len, real))), "embed_real_p50_ms": _pct(long, 0.5),
               "embed_real_p95_ms": _pct(long, 0.95)}
    kb.search("warm up")
    for mode in ("semantic", "hybrid"):
        samples = [_ms(lambda q=q, m=mode: kb.search(q, mode=m)) for q in queries]
        report |= {f"{mode}_p50_ms": _pct(samples, 0.5), f"{mode}_p95_ms": _pct(samples, 0.95)}
    report["cross_language"] = {f: cross_language(kb, load_queries(ROOT / "tests" / "data" / f)) for f in QUERY_SETS}
    report["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", metavar="NAME=INDEX_DIR")
    parser.add_argument("--articles", type=int, default=30, help="articles whose passages are embedded for the rate")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, _, index_dir = args.models[0].partition("=")
        print(json.dumps(worker(name, index_dir, args.articles), ensure_ascii=False))
        return
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    for model in args.models:
        run = subprocess.run([sys.executable, __file__, "--worker", model, "--articles", str(args.articles)],
                             capture_output=True, text=True, check=True)
        print(run.stdout.strip().splitlines()[-1])
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
