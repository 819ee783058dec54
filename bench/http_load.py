"""The site under load: gunicorn serving the shipped library, driven by wrk on loopback with distinct queries.

`/api/v1/search` and `/api/v1/ask` are each driven by 10 and 50 connections for a fixed time, every request a
different query of the labelled sets; wrk's Lua `done` hook prints requests per second, p50 / p95 / p99 and the
errors (sockets, non-2xx). Rate limits are switched off: this measures the server, not the budgets (those are
tested in tests/webapp/test_limits.py and bench/load_and_fault.py). Needs wrk (`apt-get install -y wrk`).

    .venv/bin/python bench/http_load.py [--seconds 20] [--clients 10,50] [--embedder e5-small|minilm|none]
        [--workers 2] [--reuse INDEX_DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load_and_fault import free_port  # noqa: E402
from bench.load_and_fault import serve  # noqa: E402
from bench.load_and_fault import stop  # noqa: E402
from bench.load_and_fault import wait_ready  # noqa: E402
from kb.search.registry import DEFAULT_EMBEDDER  # noqa: E402

QUERY_FILES = ("tests/data/eval_queries.yaml", "tests/data/holdout_queries.yaml")
# wrk calls done() once at the end: one line of key=value figures, latencies in microseconds.
DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("FIGURES requests=%d seconds=%.3f p50=%d p95=%d p99=%d " ..
    "connect=%d read=%d write=%d status=%d timeout=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def queries() -> list[tuple[str, str]]:
    """(text, lang) of every distinct labelled query."""
    seen: dict[str, str] = {}
    for name in QUERY_FILES:
        for item in yaml.safe_load((ROOT / name).read_text(encoding="utf-8")):
            seen.setdefault(item["query"], item.get("lang") or ("zh" if re.search("[\u4e00-\u9fff]", item["query"]) else "en"))
    return list(seen.items())


def _lua_string(text: str) -> str:
    """A Lua long string: no escapes to agree on (the texts are ASCII: URL-encoded paths, JSON with \\u escapes)."""
    assert text.isascii() and "]==]" not in text
    return "[==[" + text + "]==]"


def script(kind: str, items: list[tuple[str, str]]) -> str:
    """A wrk script that sends each query in turn, as a search or as a question."""
    if kind == "search":
        paths = [f"/api/v1/search?{urllib.parse.urlencode({'q': q, 'lang': lang, 'limit': 10})}" for q, lang in items]
        table = ",\n".join(_lua_string(p) for p in paths)
        body = f"""
local paths = {{ {table} }}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""
    else:
        bodies = [json.dumps({"question": q, "lang": lang, "plan": "S3"}, ensure_ascii=True) for q, lang in items]
        table = ",\n".join(_lua_string(b) for b in bodies)
        body = f"""
local bodies = {{ {table} }}
local i = 0
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/v1/ask", nil, bodies[i])
end
"""
    return body + DONE


def drive(base: str, kind: str, clients: int, seconds: int, items, folder: Path) -> dict:
    lua = folder / f"{kind}.lua"
    lua.write_text(script(kind, items), encoding="utf-8")
    threads = min(clients, os.cpu_count() or 2)
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "10s", "-s", str(lua), base],
                          capture_output=True, text=True, check=True)
    line = next(line for line in done.stdout.splitlines() if line.startswith("FIGURES"))
    figures = {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}
    errors = sum(figures[k] for k in ("connect", "read", "write", "timeout"))
    return {"endpoint": kind, "clients": clients, "rps": figures["requests"] / figures["seconds"],
            "p50": figures["p50"] / 1000, "p95": figures["p95"] / 1000, "p99": figures["p99"] / 1000,
            "socket_errors": int(errors), "non_2xx": int(figures["status"]), "requests": int(figures["requests"])}


def run(seconds: int, clients: list[int], endpoints: list[str], embedder: str = DEFAULT_EMBEDDER, workers: str = "2",
        threads: str = "4", report=lambda line: None, reuse: Path | None = None) -> list[dict]:
    """Serve the shipped library with gunicorn and drive each endpoint with each number of clients; `report` gets
    the header and each row as a Markdown table line as soon as it is measured. `reuse`: an index folder built
    before with the same embedder, copied so that the build embeds only what changed since (minutes with e5)."""
    from kb.knowledge import KnowledgeBase
    from kb.search.registry import embedder as load_embedder

    items, rows = queries(), []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        model = None if embedder == "none" else load_embedder(embedder)
        if reuse:
            shutil.copytree(reuse, folder / "index")
        KnowledgeBase(ROOT / "rules", ROOT / "articles", folder / "index", embedder=model).build_index()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = serve(folder, f"sqlite:///{folder / 'site.sqlite3'}", port, KB_EMBEDDER=embedder,
                       KB_WORKERS=workers, KB_THREADS=threads, KB_RATE_LIMITS_ENABLED="false")
        try:
            wait_ready(base, server, seconds=300)
            report(f"{len(items)} distinct queries; gunicorn {workers} workers x {threads} threads; embedder {embedder}; "
                   f"{seconds} s a row; load average before: {os.getloadavg()[0]:.1f}")
            report("| endpoint | clients | req/s | p50 ms | p95 ms | p99 ms | socket errors | non-2xx | requests |")
            report("|---|---|---|---|---|---|---|---|---|")
            for kind in endpoints:
                for count in clients:
                    row = drive(base, kind, count, seconds, items, folder)
                    rows.append(row)
                    report(f"| {kind} | {count} | {row['rps']:.0f} | {row['p50']:.0f} | {row['p95']:.0f} | {row['p99']:.0f} "
                           f"| {row['socket_errors']} | {row['non_2xx']} | {row['requests']} |")
        finally:
            stop(server)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", default="10,50")
    parser.add_argument("--endpoints", default="search,ask")
    parser.add_argument("--embedder", default=DEFAULT_EMBEDDER, help="the site's embedder (none: keyword search only)")
    parser.add_argument("--workers", default="2")
    parser.add_argument("--threads", default="4")
    parser.add_argument("--reuse", type=Path, help="an index folder built before with the same embedder (kb index)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    run(args.seconds, [int(c) for c in args.clients.split(",")], args.endpoints.split(","), args.embedder, args.workers,
        args.threads, report=lambda line: print(line, flush=True), reuse=args.reuse)


if __name__ == "__main__":
    main()
