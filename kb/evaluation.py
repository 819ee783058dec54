"""Measure search and the assistant on labelled queries: Recall@1/5, MRR@10, nDCG@10, scope accuracy."""

from __future__ import annotations

import hashlib
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
    report = {"search": {run: search_report(knowledge, items, run) for run in RUNS}}
    report["assistant"] = _assistant(knowledge, items)
    return report


def search_report(knowledge, items: list[dict], run: str) -> dict[str, dict]:
    """The metrics of one run (RUNS) over the items with expected topics: all, by language and by software."""
    groups = defaultdict(list)
    mode, bridge = ("hybrid", False) if run == "hybrid-no-bridge" else (run, True)
    for item in (i for i in items if i.get("expected")):
        lang = item.get("lang") or ("zh" if is_chinese(item["query"]) else "en")
        keys = [h.key for h in knowledge.search(item["query"], limit=10, mode=mode, bridge=bridge)]
        row = score_ranking(keys, set(item["expected"]))
        for group in ("all", f"lang:{lang}", f"software:{item.get('software') or 'none'}"):
            groups[group].append(row)
    return {g: _mean(rows) for g, rows in sorted(groups.items())}


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


# ---- the real-question set (tests/data/real, labelled by docs/labelling-guide.md) ----

# The plans a label is compared on (the guide's format, not a rule): `scope` is how S1-S3 get it, computed as for S3
# (§2, §9), and `scope_s4` is S4's where it differs (§3.7); a question with a stated plan is compared on that plan.
LABEL_PLANS = {"scope": "S3", "scope_s4": "S4"}
SPLITS = ("tune", "holdout")
REAL_METRICS = ("scope", "scope_s4", "out_recall", "software", "activity", "unknown", "failure_channels", "channel")
# The channels every failure report is offered (工单/在线支持 「主要解决技术排障类问题」), as the labels name them.
FAILURE_CHANNELS = ("ticket", "online")


def fold_of(item: dict) -> str:
    """Which half of the tune split an item is in, A or B, by the last hex digit of sha1(id), even or odd: a second
    hash, so that a fix studied on the misses of one half is checked on the other before it is kept."""
    return "A" if int(hashlib.sha1(item["id"].encode()).hexdigest()[-1], 16) % 2 == 0 else "B"


def load_real(paths) -> list[dict]:
    """Read the labelled real questions of one or more files; every item needs question, scope and split."""
    items = []
    for path in paths:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise ValueError(f"{path}: expected a list of labelled questions")
        for item in data:
            if not (isinstance(item, dict) and item.get("question") and item.get("scope") and item.get("split") in SPLITS):
                raise ValueError(f"{path}: {item.get('id') if isinstance(item, dict) else item!r}: needs question, "
                                 f"scope and split ({'|'.join(SPLITS)})")
            items.append(item)
    return items


def judge(knowledge, item: dict) -> dict:
    """Ask one labelled question as a customer would (its stated plan, else none) and compare with its labels."""
    d = knowledge.ask(item["question"], plan=item.get("plan"))
    want_s4 = item.get("scope_s4") or item["scope"]
    got = d.scope_on(item.get("plan") or LABEL_PLANS["scope"])
    row = {"id": item["id"], "lang": "zh" if is_chinese(item["question"]) else "en", "split": item["split"],
           "kinds": list(item.get("kinds") or []), "scope": got == item["scope"], "unknown": d.scope == "unknown",
           "software": d.case.software == item.get("software"), "activity": d.case.activity == item.get("activity"),
           "got": {"scope": got, "software": d.case.software, "activity": d.case.activity,
                   "channels": [c.id for c in d.channels], "fired": d.fired}}
    if not item.get("plan"):
        got_s4 = d.scope_on(LABEL_PLANS["scope_s4"])
        row["scope_s4"] = got_s4 == want_s4
        row["got"]["scope_s4"] = got_s4
    if item["scope"] == "out":
        row["out_recall"] = got == "out"
    channels = row["got"]["channels"]
    if item.get("channel"):
        row["channel"] = bool(channels) and channels[0] == item["channel"]
    if item.get("failure_report") and item.get("channel") == FAILURE_CHANNELS[0]:
        row["failure_channels"] = all(c in channels for c in FAILURE_CHANNELS)
    return row


def _rate(rows: list[dict]) -> dict:
    out: dict = {"n": len(rows)}
    for metric in REAL_METRICS:
        values = [r[metric] for r in rows if metric in r]
        out[metric] = round(sum(values) / len(values), 3) if values else None
    return out


def evaluate_real(knowledge, items: list[dict]) -> dict:
    """Judge every item; report the rates per split, language and kind, and each item's misses."""
    rows = [judge(knowledge, item) for item in items]
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        for split in ("all", f"split:{r['split']}"):
            groups[split].append(r)
            groups[f"{split}:lang:{r['lang']}"].append(r)
            for kind in r["kinds"]:
                groups[f"{split}:kind:{kind}"].append(r)
    misses = [{"id": r["id"], "split": r["split"], **r["got"]} for r in rows
              if not all(r.get(m, True) for m in ("scope", "scope_s4", "software", "failure_channels"))]
    return {"groups": {g: _rate(rs) for g, rs in sorted(groups.items())}, "misses": misses}


def check_real_thresholds(report: dict, thresholds: dict[str, float]) -> list[str]:
    """Failures of thresholds named GROUP:METRIC, e.g. {"split:tune:scope": 0.9}; `unknown` is a maximum."""
    failures = []
    for name, limit in thresholds.items():
        group, _, metric = name.rpartition(":")
        value = report["groups"].get(group, {}).get(metric)
        if value is None or (value > limit if metric == "unknown" else value < limit):
            failures.append(f"{name} = {value} {'>' if metric == 'unknown' else '<'} {limit}")
    return failures


def format_real(report: dict, kinds: bool = True) -> str:
    """A plain-text table: one line per group (kinds optional), then nothing else (misses are in --json)."""
    lines = [f"{'group':34} {'n':>4} " + " ".join(f"{m:>9}" for m in REAL_METRICS)]
    for group, row in report["groups"].items():
        if kinds or ":kind:" not in group:
            cells = " ".join(f"{row[m]:>9.3f}" if row[m] is not None else f"{'-':>9}" for m in REAL_METRICS)
            lines.append(f"{group:34} {row['n']:>4} {cells}")
    return "\n".join(lines)
