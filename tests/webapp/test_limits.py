"""Rate limits: floods get 429 with Retry-After and a message in the reader's language, and write nothing."""

import socket

import pytest
from sqlalchemy import text

from tests.conftest import TICKET
from tests.conftest import error_of
from webapp import create_app


@pytest.fixture
def limited(knowledge, tmp_path):
    """Make the site with small budgets (and other settings), so a test can exhaust them."""
    made = []

    def make(**settings):
        app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/l.db",
                          "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False,
                          **{f"KB_{name.upper()}": value for name, value in settings.items()}})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["store"].close()


def test_a_flood_of_tickets_is_refused_and_stores_nothing_more(limited):
    app = limited(limit_tickets="3/minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/tickets", json=TICKET).status_code for _ in range(5)]
    assert statuses == [201, 201, 201, 429, 429]
    response = client.post("/api/v1/tickets", json=dict(TICKET, lang="zh"))
    error = error_of(response, 429)
    assert error["code"] == "too_many_requests" and "请求过于频繁" in error["message"]
    assert int(response.headers["Retry-After"]) > 0
    with app.extensions["store"].engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM tickets")).scalar_one() == 3


def test_the_site_and_the_api_share_one_search_budget(limited):
    app = limited(limit_search="2/minute")
    client = app.test_client()
    assert client.get("/search", query_string={"q": "ssh"}).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": "ssh"}).status_code == 200
    page = client.get("/search", query_string={"q": "ssh", "lang": "en"})
    assert page.status_code == 429 and "Too many requests" in page.get_data(as_text=True)
    assert client.get("/").status_code == 200  # pages without a budget are not limited


def test_showing_the_ticket_form_spends_nothing(limited):
    app = limited(limit_tickets="1/minute")
    client = app.test_client()
    assert [client.get("/tickets/new").status_code for _ in range(3)] == [200, 200, 200]


def test_repeated_wrong_sign_ins_are_slowed(limited):
    app = limited(limit_sign_in="3/minute")
    client = app.test_client()
    wrong = {"name": "nobody", "password": "guess-guess-guess"}
    assert [client.post("/engineer/login", data=wrong).status_code for _ in range(4)] == [401, 401, 401, 429]


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_two_workers_share_the_budget_in_redis(limited):
    import redis

    redis.Redis().flushdb()
    first = limited(limit_tickets="2/minute", rate_limit_storage="redis://127.0.0.1:6379/0")
    second = limited(limit_tickets="2/minute", rate_limit_storage="redis://127.0.0.1:6379/0")
    try:
        assert first.test_client().post("/api/v1/tickets", json=TICKET).status_code == 201
        assert second.test_client().post("/api/v1/tickets", json=TICKET).status_code == 201
        assert first.test_client().post("/api/v1/tickets", json=TICKET).status_code == 429
    finally:
        redis.Redis().flushdb()
