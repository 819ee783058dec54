"""Browsing: a page per software and per kind listing every article, breadcrumbs, popular and recent articles, and
the search box in every page's header."""

import re

import pytest

from kb.content.articles import CATEGORIES
from tests.conftest import text_of


def listed(page: str) -> list[str]:
    return re.findall(r'<li><a href="/articles/([a-z0-9-]+)"', page)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_software_page_lists_every_topic_of_it_once_in_the_readers_language(client, knowledge, lang):
    page = text_of(client.get("/browse/software/ftp", query_string={"lang": lang}))
    topics = {a.translation_key for a in knowledge.library.articles.values() if a.software == "ftp"}
    ids = listed(page)
    assert len(topics) > 10 and len(ids) == len(topics)  # all of them, not a search's first page of 10
    assert all(i.endswith(f"-{lang}") for i in ids)
    assert {knowledge.library.articles[i].translation_key for i in ids} == topics


@pytest.mark.parametrize("kind", CATEGORIES)
def test_a_kind_page_lists_every_topic_of_that_kind_grouped_by_software(en, knowledge, kind):
    page = text_of(en.get(f"/browse/kind/{kind}"))
    topics = {a.translation_key for a in knowledge.library.articles.values() if a.category == kind}
    assert {knowledge.library.articles[i].translation_key for i in listed(page)} == topics
    assert f"{len(topics)} article" in page
    assert 'class="breadcrumbs"' in page and '<span aria-current="page">' in page


def test_plan_and_onsite_articles_can_be_browsed_from_home(en):
    page = text_of(en.get("/"))
    assert 'href="/browse/kind/plan"' in page and 'href="/browse/kind/onsite"' in page
    assert 'href="/browse/software/ssh"' in page  # the catalog links to its software pages


def test_unknown_software_or_kind_is_a_404(en):
    assert en.get("/browse/software/mysql").status_code == 404
    assert en.get("/browse/kind/recipes").status_code == 404


def test_home_shows_recently_updated_articles_newest_first(en, knowledge):
    page = text_of(en.get("/"))
    recent = page[page.index('id="recent-title"'):]
    dates = re.findall(r'<time datetime="([0-9-]+)">', recent)
    assert dates and dates == sorted(dates, reverse=True)
    newest = max(a.updated for a in knowledge.library.articles.values()).isoformat()
    assert dates[0] == newest


def test_home_shows_the_articles_opened_most_from_results(en):
    assert 'id="popular-title"' not in text_of(en.get("/"))  # nothing opened yet: no empty list
    for _ in range(2):
        en.get("/search", query_string={"q": "sshd fails to start"})
        en.get("/go/ssh-host-keys-en")
    page = text_of(en.get("/", query_string={"lang": "zh"}))
    popular = page[page.index('id="popular-title"'):].split("</section>")[0]
    assert listed(popular) == ["ssh-host-keys-zh"]  # the topic, in the reader's language


def test_every_page_but_home_and_search_has_the_header_search_box(en):
    for path in ("/articles/ssh-host-keys-en", "/assistant", "/tickets/new", "/browse/kind/plan"):
        page = text_of(en.get(path))
        assert 'class="site-search" role="search"' in page and 'id="site-q"' in page, path
    assert 'id="site-q"' not in text_of(en.get("/"))
