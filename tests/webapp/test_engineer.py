"""The engineers' pages."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
from markupsafe import escape

from tests.conftest import STAFF_PASSWORD
from tests.conftest import sign_in
from tests.conftest import staff_account
from tests.conftest import text_of
from webapp import create_app


@pytest.mark.parametrize("path", ["/engineer/unanswered", "/engineer/problems"])
def test_engineer_pages_need_a_staff_account(app, en, path):
    response = en.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/engineer/login"
    name = staff_account(app, "editor")
    response = en.post("/engineer/login", data={"name": name, "password": "guess-guess-guess"})
    assert response.status_code == 401 and "That account name or password is not right." in text_of(response)
    assert en.get(path).status_code == 302
    sign_in(app, en, "editor")
    assert en.get(path).status_code == 200
    en.post("/engineer/logout")
    assert en.get(path).status_code == 302


def test_engineer_login_goes_back_to_the_page_asked_for(app, en):
    login = en.get("/engineer/problems").headers["Location"]
    assert parse_qs(urlsplit(login).query)["next"] == ["/engineer/problems"]
    name = staff_account(app)
    response = en.post("/engineer/login", data={"name": name, "password": STAFF_PASSWORD, "next": "//evil.example"})
    assert response.headers["Location"] == "/engineer/unanswered"
    response = en.post("/engineer/login", data={"name": name, "password": STAFF_PASSWORD, "next": "/engineer/problems"})
    assert response.headers["Location"] == "/engineer/problems"


def test_unanswered_shows_queries_as_typed_in_the_site_time_zone(app, en):
    en.get("/search", query_string={"q": "CredSSP  Oracle"})
    sign_in(app, en)
    page = text_of(en.get("/engineer/unanswered"))
    assert ">CredSSP Oracle</a></th>" in page
    assert 'href="/search?q=CredSSP+Oracle"' in page
    assert re.search(r'<time datetime="[^"]+\+08:00">[^<]+\(UTC\+08:00\)</time>', page)


def test_problems_page_lists_the_problems_of_broken_files_and_what_is_served(tmp_path):
    import shutil

    from kb.knowledge import KnowledgeBase
    from tests.conftest import DATA

    articles = tmp_path / "articles"
    shutil.copytree(DATA / "articles", articles)
    (articles / "widget" / "broken.en.md").write_text("---\nid: x\n---\n## Symptoms\n\ntext\n", encoding="utf-8")
    kb = KnowledgeBase(DATA / "rules", articles, tmp_path / "index", embedder=None)
    kb.build_index()
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": kb, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/p.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False})
    try:
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        sign_in(app, client)
        page = text_of(client.get("/engineer/problems"))
        assert kb.problems() and all(str(escape(p.message)) in page for p in kb.problems())
        assert "broken.en.md" in page and kb.fingerprint in page and kb.book.fingerprint in page
    finally:
        app.extensions["store"].close()


def test_problems_page_says_when_there_are_none(app, en):
    sign_in(app, en)
    assert "No problems in the rules or articles." in text_of(en.get("/engineer/problems"))


def test_health_says_what_is_served_and_whether_it_is_ready(app, client, knowledge, tmp_path):
    from kb.knowledge import KnowledgeBase
    from tests.conftest import ARTICLES
    from tests.conftest import RULES

    response = client.get("/health")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert (body["status"], body["content"], body["rules"]) == ("ok", knowledge.fingerprint, knowledge.book.fingerprint)
    assert body["database"] == "ok" and body["index"]["build"]
    bare = create_app({"TESTING": True, "KB_KNOWLEDGE": KnowledgeBase(RULES, ARTICLES, tmp_path / "none", embedder=None),
                       "KB_DATABASE_URL": f"sqlite:///{tmp_path}/h.db", "KB_INSTANCE_DIR": str(tmp_path)})
    try:
        response = bare.test_client().get("/health")
        assert response.status_code == 503 and response.json["status"] == "not_ready"
    finally:
        bare.extensions["store"].close()


def test_unanswered_lists_searches_nobody_clicked(app, en):
    en.get("/search", query_string={"q": "zzqqxxv"})
    sign_in(app, en)
    page = text_of(en.get("/engineer/unanswered"))
    assert "This page is for support engineers." in page
    assert '<th scope="row"><a href="/search?q=zzqqxxv">zzqqxxv</a></th>' in page
    assert '<meta name="robots" content="noindex">' in page


def test_a_cookie_saved_before_signing_out_opens_nothing_afterwards(app, en):
    sign_in(app, en)
    saved = en.get_cookie("kb_session").value
    assert en.get("/engineer/unanswered").status_code == 200
    en.post("/engineer/logout")
    thief = app.test_client()
    thief.set_cookie("kb_session", saved)
    assert thief.get("/engineer/unanswered").status_code == 302


def test_signing_in_gives_the_session_a_new_id_and_the_cookie_its_flags(app, en):
    en.get("/search", query_string={"q": "ssh"})  # a session before signing in (its conversation)
    before = en.get_cookie("kb_session").value
    response = en.post("/engineer/login", data={"name": staff_account(app), "password": STAFF_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert before not in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    planted = app.test_client()
    planted.set_cookie("kb_session", before)
    assert planted.get("/engineer/unanswered").status_code == 302


def test_behind_a_configured_proxy_the_cookie_is_secure_over_https(knowledge, tmp_path):
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False, "KB_PROXY_HOPS": 1})
    try:
        response = app.test_client().get("/search", query_string={"q": "ssh"}, headers={"X-Forwarded-Proto": "https"})
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        app.extensions["store"].close()


def test_without_a_proxy_a_forwarded_proto_header_is_not_believed(app, client):
    response = client.get("/search", query_string={"q": "ssh"}, headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in response.headers["Set-Cookie"]
