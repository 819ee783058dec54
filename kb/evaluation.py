"""Measure search and the assistant on labelled queries: Recall@1/5, MRR@10, nDCG@10, scope accuracy."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path

import yaml

from kb.rules.lexicon import is_chinese

METRICS = ("recall@1", "recall@5", "mrr@10", "ndcg@10")
# The plan an item without `plan` is asked under: the documented default of the labelled-query format
# (tests/data/eval_queries.yaml: "plan (default S3)"), not a rule.
DEFAULT_PLAN = "S3"
RUNS = ("keyword", "semantic", "hybrid", "hybrid-no-bridge")


def load_queries(path: str | Path) -> list[dict]:
    """Read the labelled queries (query, lang, expected topic keys, optional software/scope/plan)."""
    items = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(items, list) or not all(isinstance(i, dict) and i.get("query") for i in items):
        raise ValueError(f"{path}: expected a list of items with a `query`")
    return items


def score_ranking(keys: list[str], expected: set[str]) -> dict[str, float]:
    """The four metrics for one ranked list of topic keys."""
    first = next((i for i, k in enumerate(keys[:10], 1) if k in expected), None)
    dcg = sum(1 / math.log2(i + 1) for i, k in enumerate(keys[:10], 1) if k in expected)
    ideal = sum(1 / math.log2(i + 1) for i in range(1, min(len(expected), 10) + 1))
    return {"recall@1": float(bool(first and first <= 1)), "recall@5": float(bool(first and first <= 5)),
            "mrr@10": 1 / first if first else 0.0, "ndcg@10": dcg / ideal if ideal else 0.0}


def _mean(rows: list[dict]) -> dict:
    return {m: round(sum(r[m] for r in rows) / len(rows), 3) for m in METRICS} | {"n": len(rows)} if rows else {"n": 0}


def evaluate(knowledge, items: list[dict]) -> dict:
    """Run every labelled query through each search mode and the assistant; return the report."""
    per = {run: defaultdict(list) for run in RUNS}
    searchable = [i for i in items if i.get("expected")]
    for item in searchable:
        lang = item.get("lang") or ("zh" if is_chinese(item["query"]) else "en")
        expected = set(item["expected"])
        for run in RUNS:
            mode, bridge = ("hybrid", False) if run == "hybrid-no-bridge" else (run, True)
            keys = [h.key for h in knowledge.search(item["query"], limit=10, mode=mode, bridge=bridge)]
            row = score_ranking(keys, expected)
            for group in ("all", f"lang:{lang}", f"software:{item.get('software') or 'none'}"):
                per[run][group].append(row)
    report = {"search": {run: {g: _mean(rows) for g, rows in sorted(groups.items())} for run, groups in per.items()}}
    report["assistant"] = _assistant(knowledge, items)
    return report


def _assistant(knowledge, items) -> dict:
    scope_ok = scope_n = soft_ok = soft_n = 0
    misses = []
    for item in items:
        if "scope" not in item and "software" not in item:
            continue
        d = knowledge.ask(item["query"], plan=item.get("plan", DEFAULT_PLAN))
        if "scope" in item:
            scope_n += 1
            scope_ok += d.scope == item["scope"]
            if d.scope != item["scope"]:
                misses.append({"query": item["query"], "expected": item["scope"], "got": d.scope})
        if "software" in item:
            soft_n += 1
            soft_ok += d.case.software == item["software"]
    return {"scope_accuracy": round(scope_ok / scope_n, 3) if scope_n else None, "scope_n": scope_n,
            "software_accuracy": round(soft_ok / soft_n, 3) if soft_n else None, "software_n": soft_n,
            "scope_misses": misses}


def check_thresholds(report: dict, thresholds: dict[str, float]) -> list[str]:
    """Failures of thresholds such as {"hybrid:lang:zh:recall@5": 0.9, "assistant:scope_accuracy": 0.8}."""
    failures = []
    for name, minimum in thresholds.items():
        parts = name.split(":")
        if parts[0] == "assistant":
            value = report["assistant"].get(parts[1])
        else:
            run, metric, group = parts[0], parts[-1], ":".join(parts[1:-1])
            value = report["search"].get(run, {}).get(group, {}).get(metric)
        if value is None or value < minimum:
            failures.append(f"{name} = {value} < {minimum}")
    return failures


def format_report(report: dict) -> str:
    """A plain-text table of the report."""
    lines = [f"{'run':18} {'group':28} {'n':>4} " + " ".join(f"{m:>9}" for m in METRICS)]
    for run, groups in report["search"].items():
        for group, row in groups.items():
            if row["n"]:
                lines.append(f"{run:18} {group:28} {row['n']:>4} " + " ".join(f"{row[m]:>9.3f}" for m in METRICS))
    a = report["assistant"]
    lines.append(f"assistant scope accuracy {a['scope_accuracy']} (n={a['scope_n']}), "
                 f"software accuracy {a['software_accuracy']} (n={a['software_n']})")
    return "\n".join(lines)
