"""The production server: gunicorn with two warmed-up workers serves the site, and the workers share one secret."""

import json
import subprocess
import sys
import time
import urllib.request

import pytest

from bench.load_and_fault import free_port
from bench.load_and_fault import serve
from bench.load_and_fault import stop
from bench.load_and_fault import wait_ready
from kb.knowledge import KnowledgeBase
from tests.conftest import ARTICLES
from tests.conftest import ROOT
from tests.conftest import RULES

pytestmark = pytest.mark.slow


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_gunicorn_serves_with_warmed_workers_that_share_the_instance_secret(tmp_path):
    KnowledgeBase(RULES, ARTICLES, tmp_path / "index", embedder=None).build_index()
    port = free_port()
    server = serve(tmp_path, f"sqlite:///{tmp_path / 'site.sqlite3'}", port)  # its log goes to a file, not a pipe
    try:
        wait_ready(f"http://127.0.0.1:{port}", server, seconds=60)
        status, body = _get(f"http://127.0.0.1:{port}/health")
        assert status == 200 and body["status"] == "ok"
        status, found = _get(f"http://127.0.0.1:{port}/api/v1/search?q=sshd%20fails%20to%20start")
        assert status == 200 and found["results"]
        assert len((tmp_path / "secret_key").read_text().strip()) == 64
    finally:
        stop(server)


def test_workers_starting_together_make_one_secret(tmp_path):
    script = ("import sys, time; from pathlib import Path; from webapp import _saved_secret; "
              "time.sleep(max(0, float(sys.argv[1]) - time.time())); "
              "print(_saved_secret(Path(sys.argv[2]), lambda: __import__('secrets').token_hex(32))[0])")
    start = str(time.time() + 2)
    processes = [subprocess.Popen([sys.executable, "-c", script, start, str(tmp_path / "secret_key")], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True) for _ in range(4)]
    secrets = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert len(secrets) == 1 and secrets == {(tmp_path / "secret_key").read_text().strip()}
