"""The production server: gunicorn with two warmed-up workers serves the site, and the workers share one secret."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from kb.knowledge import KnowledgeBase
from tests.conftest import ARTICLES
from tests.conftest import ROOT
from tests.conftest import RULES

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_gunicorn_serves_with_warmed_workers_that_share_the_instance_secret(tmp_path):
    KnowledgeBase(RULES, ARTICLES, tmp_path / "index", embedder=None).build_index()
    port = _free_port()
    env = dict(os.environ, KB_BIND=f"127.0.0.1:{port}", KB_WORKERS="2", KB_INSTANCE_DIR=str(tmp_path),
               KB_INDEX_DIR=str(tmp_path / "index"), KB_EMBEDDER="none")
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "webapp/gunicorn.conf.py"], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health")
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stdout.read()
                time.sleep(0.3)
        assert status == 200 and body["status"] == "ok"
        status, found = _get(f"http://127.0.0.1:{port}/api/v1/search?q=sshd%20fails%20to%20start")
        assert status == 200 and found["results"]
        assert len((tmp_path / "secret_key").read_text().strip()) == 64
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_workers_starting_together_make_one_secret(tmp_path):
    script = ("import sys, time; from pathlib import Path; from webapp import _saved_secret; "
              "time.sleep(max(0, float(sys.argv[1]) - time.time())); "
              "print(_saved_secret(Path(sys.argv[2]), lambda: __import__('secrets').token_hex(32))[0])")
    start = str(time.time() + 2)
    processes = [subprocess.Popen([sys.executable, "-c", script, start, str(tmp_path / "secret_key")], cwd=ROOT,
                                  stdout=subprocess.PIPE, text=True) for _ in range(4)]
    secrets = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert len(secrets) == 1 and secrets == {(tmp_path / "secret_key").read_text().strip()}
