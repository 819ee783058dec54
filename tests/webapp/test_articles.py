"""Articles and their helpfulness votes."""

import re

from tests.conftest import text_of


def test_article_page_has_body_translation_related_and_vote_form(en):
    page = text_of(en.get("/articles/ssh-host-keys-en"))
    assert "<h1>sshd fails to start: missing, corrupted or unreadable host keys</h1>" in page
    assert '<article class="article" lang="en">' in page
    assert 'href="/articles/ssh-host-keys-zh"' in page and "阅读中文版" in page
    assert 'href="/articles/ssh-sshd-config-syntax-en"' in page
    assert 'action="/articles/ssh-host-keys-en/vote"' in page
    assert 'name="csrf_token"' in page
    assert re.findall(r"<script[^>]*>", page) == ['<script src="/static/site.js" defer>']  # the site's own, no other


def test_reading_the_translation_switches_the_interface_language_too(en):
    page = text_of(en.get("/articles/ssh-host-keys-en"))
    link = re.search(r'href="([^"]+)" hreflang="zh"\s+lang="zh-CN">阅读中文版', page).group(1).replace("&amp;", "&")
    response = en.get(link)
    assert response.status_code == 302 and response.headers["Location"] == "/articles/ssh-host-keys-zh"
    assert "lang=zh" in response.headers["Set-Cookie"]
    assert '<html lang="zh-CN">' in text_of(en.get(response.headers["Location"]))


def test_the_chosen_vote_is_pressed_and_the_other_is_not(en):
    en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "no"})
    vote = text_of(en.get("/articles/ssh-host-keys-en")).split('id="vote"')[1]
    assert 'value="no" aria-pressed="true"' in vote and 'value="yes" aria-pressed="false"' in vote


def test_articles_link_to_their_software_and_kind_pages_with_breadcrumbs(en):
    page = text_of(en.get("/articles/plans-overview-en"))
    assert 'href="/browse/kind/plan"' in page and 'href="/browse/software/plans"' in page
    crumbs = page[page.index('class="breadcrumbs"'):].split("</nav>")[0]
    assert re.findall(r'<a href="([^"]+)"', crumbs) == ["/", "/browse/software/plans"]
    assert '<span aria-current="page">' in crumbs


def test_vote_thanks_the_reader_and_is_counted(app, en):
    response = en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True)
    assert "Thank you for your feedback!" in text_of(response)
    assert app.extensions["store"].votes.counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 0}
    assert "1 found this helpful, 0 did not" in text_of(en.get("/articles/ssh-host-keys-en"))


def test_vote_needs_yes_or_no(en):
    response = en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "maybe"})
    assert response.status_code == 400
    assert "Invalid vote" in text_of(response)


def test_one_vote_per_article_and_session_changing_replaces_it(app, en):
    store = app.extensions["store"]
    for _ in range(3):
        en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"})
    assert store.votes.counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 0}
    en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "no"})
    assert store.votes.counts("ssh-host-keys-en") == {"helpful": 0, "not_helpful": 1}
    other = app.test_client()
    other.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"})
    assert store.votes.counts("ssh-host-keys-en") == {"helpful": 1, "not_helpful": 1}


def test_vote_thanks_sits_next_to_the_vote_form(en):
    page = text_of(en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True))
    vote = page[page.index('<section class="vote"'):]
    vote = vote[:vote.index("</section>")]
    assert "Thank you for your feedback!" in vote and 'role="status"' in vote
    assert page.count("Thank you for your feedback!") == 1
    assert 'value="yes" aria-pressed="true"' in vote


def test_no_vote_offers_the_assistant_and_the_ticket_form(en):
    page = text_of(en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "no"}, follow_redirects=True))
    vote = page[page.index('<section class="vote"'):]
    vote = vote[:vote.index("</section>")]
    assert 'href="/assistant?question=' in vote and 'href="/tickets/new?' in vote
    page = text_of(en.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, follow_redirects=True))
    assert 'href="/tickets/new?' not in page[page.index('<section class="vote"'):].split("</section>")[0]


def test_missing_article_page_offers_a_search_box(en):
    page = text_of(en.get("/articles/nope"))
    assert 'role="search"' in page and 'action="/search"' in page


def test_missing_article_is_an_html_404_in_the_reader_language(client, en):
    response = client.get("/articles/nope")
    assert response.status_code == 404
    assert "找不到您要的内容" in text_of(response)
    assert "We could not find what you asked for." in text_of(en.get("/articles/nope"))


def test_code_blocks_are_reachable_by_keyboard_each_with_its_own_label(en, client):
    page = text_of(en.get("/articles/ssh-host-keys-en"))
    blocks = re.findall(r'<pre tabindex="0" role="region" aria-label="([^"]+)">', page)
    assert len(blocks) > 1 and blocks == [f"Code example {n}" for n in range(1, len(blocks) + 1)]
    assert "<pre>" not in page
    assert '<pre tabindex="0" role="region" aria-label="代码示例 1">' in text_of(client.get("/articles/ssh-host-keys-zh"))
