"""Hybrid search quality for several fusion weights of one embedder: how `fusion_weight` was chosen.

Prints MRR@10 / Recall@1 / Recall@5 of keyword, semantic and hybrid search on both labelled sets, hybrid once per
weight (the model's ranking's weight against the keyword ranking's 1). Choose on eval_queries; read holdout after.

    .venv/bin/kb --index-dir /tmp/e5-index index
    .venv/bin/python bench/fusion.py /tmp/e5-index [--embedder e5-small] [--weights 1,1.5,2,3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.evaluation import load_queries  # noqa: E402
from kb.evaluation import search_report  # noqa: E402
from kb.knowledge import KnowledgeBase  # noqa: E402
from kb.search.registry import DEFAULT_EMBEDDER  # noqa: E402

SETS = ("eval_queries", "holdout_queries")
METRICS = ("mrr@10", "recall@1", "recall@5")
GROUPS = {"all": "all", "en": "lang:en", "zh": "lang:zh"}


def measure(kb: KnowledgeBase, items: list[dict], mode: str) -> tuple[int, dict[str, str]]:
    """How many items were scored, and each group's metrics as "a / b / c"."""
    report = search_report(kb, items, mode)
    return report["all"]["n"], {name: " / ".join(f"{report[group][m]:.3f}" for m in METRICS)
                                for name, group in GROUPS.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("index_dir", help="an index built with this embedder (kb --index-dir DIR index)")
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER)
    parser.add_argument("--weights", default="1,1.5,2,3")
    args = parser.parse_args()
    kb = KnowledgeBase(ROOT / "rules", ROOT / "articles", args.index_dir, embedder=args.embedder)
    sets = {name: load_queries(ROOT / "tests" / "data" / f"{name}.yaml") for name in SETS}
    print(f"{kb.embedder.name}; {' / '.join(METRICS)} for all, en, zh")
    runs = [("keyword", None), ("semantic", None)] + [("hybrid", float(w)) for w in args.weights.split(",")]
    for mode, weight in runs:
        if weight is not None:
            kb.embedder.fusion_weight = weight
        for name, items in sets.items():
            n, figures = measure(kb, items, mode)
            label = f"{mode} {weight:g}" if weight is not None else mode
            print(f"{label:12} {name:16} n={n:3}  " + "   ".join(f"{g} {v}" for g, v in figures.items()))


if __name__ == "__main__":
    main()
