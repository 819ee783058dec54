"""gunicorn settings for `make run`: workers and threads from the environment, and each worker warmed up (rules,
Chinese tokenizers, the embedding model, the index) before it takes a request, so a new worker's first search is as
fast as its hundredth. GET /health answers 200 once a worker serves."""

import os

wsgi_app = "webapp.wsgi:app"
bind = os.environ.get("KB_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("KB_WORKERS", "2"))
threads = int(os.environ.get("KB_THREADS", "4"))
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
max_requests = 5000  # a worker is replaced now and then, jittered so they do not all restart at once
max_requests_jitter = 500
accesslog = "-"


def post_worker_init(worker):
    """Answer one question and one search before the worker is put to work (both tolerate a missing index)."""
    from kb.errors import NotReady

    knowledge = worker.wsgi.extensions["kb"]
    knowledge.ask("warm up: sshd fails to start")
    try:
        knowledge.search("sshd fails to start 启动失败", limit=1)
    except NotReady:
        worker.log.warning("no search index yet: run `kb index`; searches answer 503 until then")
