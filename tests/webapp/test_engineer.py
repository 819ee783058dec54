"""The engineers' pages."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest

from tests.conftest import sign_in
from tests.conftest import text_of


@pytest.mark.parametrize("path", ["/engineer/unanswered", "/engineer/problems"])
def test_engineer_pages_need_the_engineer_token(app, en, path):
    response = en.get(path)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/engineer/login"
    response = en.post("/engineer/login", data={"token": "guess"})
    assert response.status_code == 401 and "That token is not right." in text_of(response)
    assert en.get(path).status_code == 302
    sign_in(app, en)
    assert en.get(path).status_code == 200
    en.post("/engineer/logout")
    assert en.get(path).status_code == 302


def test_engineer_login_goes_back_to_the_page_asked_for(app, en):
    login = en.get("/engineer/problems").headers["Location"]
    assert parse_qs(urlsplit(login).query)["next"] == ["/engineer/problems"]
    response = en.post("/engineer/login", data={"token": app.config["KB_ENGINEER_TOKEN"], "next": "//evil.example"})
    assert response.headers["Location"] == "/engineer/unanswered"


def test_unanswered_shows_queries_as_typed_in_the_site_time_zone(app, en):
    en.get("/search", query_string={"q": "CredSSP  Oracle"})
    sign_in(app, en)
    page = text_of(en.get("/engineer/unanswered"))
    assert ">CredSSP Oracle</a></th>" in page
    assert 'href="/search?q=CredSSP+Oracle"' in page
    assert re.search(r'<time datetime="[^"]+\+08:00">[^<]+\(UTC\+08:00\)</time>', page)


def test_problems_page_lists_rule_and_article_problems(app, en, knowledge):
    sign_in(app, en)
    page = text_of(en.get("/engineer/problems"))
    assert "This page is for support engineers." in page
    for problem in knowledge.problems():
        assert problem.message in page


def test_unanswered_lists_searches_nobody_clicked(app, en):
    en.get("/search", query_string={"q": "zzqqxxv"})
    sign_in(app, en)
    page = text_of(en.get("/engineer/unanswered"))
    assert "This page is for support engineers." in page
    assert '<th scope="row"><a href="/search?q=zzqqxxv">zzqqxxv</a></th>' in page
    assert '<meta name="robots" content="noindex">' in page
