"""bench/http_load.py works end to end: gunicorn serves the shipped library and wrk's figures are read back, with
every request answered (the figures themselves are the benchmark's, never asserted here)."""

import shutil

import pytest

from bench import http_load

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")]


def test_wrk_drives_search_and_ask_with_distinct_queries_and_every_answer_is_a_2xx():
    lines = []
    rows = http_load.run(seconds=1, clients=[2], endpoints=["search", "ask"], embedder="none", report=lines.append)
    assert [(r["endpoint"], r["clients"]) for r in rows] == [("search", 2), ("ask", 2)]
    assert all(r["requests"] > 0 and r["socket_errors"] == 0 and r["non_2xx"] == 0 for r in rows)
    assert lines[1].startswith("| endpoint |") and len(lines) == 5


def test_every_request_of_a_script_is_a_different_query():
    items = http_load.queries()
    assert len(items) >= 200 and len({q for q, _ in items}) == len(items)
    search = http_load.script("search", items[:3])
    assert search.count("/api/v1/search?") == 3 and "done = function" in search
