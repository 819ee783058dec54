"""The search page and the click log."""

import re

import pytest

from kb.search.hybrid import Results
from tests.conftest import IN_SCOPE
from tests.conftest import error_of
from tests.conftest import text_of


def test_search_shows_highlighted_results_linked_through_the_click_log(en):
    page = text_of(en.get("/search", query_string={"q": "sshd fails to start"}))
    assert "<mark" in page
    links = re.findall(r'href="(/go/[a-z0-9-]+)"', page)
    assert links and all(link.endswith("-en") for link in links)
    response = en.get(links[0])
    assert response.status_code == 302
    assert response.headers["Location"] == "/articles/" + links[0].rsplit("/", 1)[1]


def test_search_filters_are_selects_and_restrict_results(en):
    page = text_of(en.get("/search", query_string={"q": "port", "software": "rdp", "category": "troubleshooting"}))
    assert '<select id="f-software" name="software">' in page
    assert '<option value="rdp" selected>' in page
    assert "/go/" in page
    assert "SSH · " not in page


def test_software_filter_is_the_catalog_by_display_name(en, knowledge):
    page = text_of(en.get("/search", query_string={"q": "port"}))
    select = page[page.index('<select id="f-software"'):].split("</select>")[0]
    values = re.findall(r'<option value="([^"]+)"', select)
    assert set(values) == set(knowledge.book.catalog)
    names = re.findall(r'<option value="[^"]+">([^<]+)<', select)
    assert names == sorted(names, key=str.casefold)


def test_search_escapes_the_query(en):
    page = text_of(en.get("/search", query_string={"q": "<script>alert(1)</script>"}))
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_search_without_results_offers_the_assistant(en, knowledge, monkeypatch):
    monkeypatch.setattr(knowledge, "search", lambda *args, **kwargs: Results())
    page = text_of(en.get("/search", query_string={"q": "zzqqxxv"}))
    assert "No articles found" in page
    assert "/assistant?question=zzqqxxv" in page


def test_search_offers_the_spelling_correction_keeping_the_filters(en):
    page = text_of(en.get("/search", query_string={"q": "permision denid", "software": "ssh"}))
    assert "Did you mean:" in page
    assert 'href="/search?q=permission+denied&amp;software=ssh"' in page


@pytest.mark.parametrize(("lang", "message"), [("en", "Invalid software: must be one of"),
                                               ("zh", "输入有误（软件）：必须是以下之一")])
def test_search_with_a_bad_filter_reports_the_field(client, lang, message):
    response = client.get("/search", query_string={"q": "ssh", "software": "mysql", "lang": lang})
    assert response.status_code == 400
    page = text_of(response)
    assert message in page
    assert 'id="f-software" name="software" aria-invalid="true"' in page


def test_software_choice_error_lists_names_in_search_and_api(client):
    page = text_of(client.get("/search", query_string={"q": "ssh", "software": "mysql", "lang": "en"}))
    summary = page[page.index('id="form-error"'):].split("</div>")[0]
    assert "Windows Firewall" in summary and "firewall_windows" not in summary
    error = error_of(client.get("/api/v1/search", query_string={"q": "ssh", "software": "mysql", "lang": "en"}), 400)
    assert "firewall_windows" not in error["message"] and "Windows Firewall" in error["message"]


@pytest.mark.parametrize(("path", "params", "field"), [
    ("/search", {"q": "ssh\x00timeout"}, "q"),
    ("/assistant", {"question": "ssh\x00timeout"}, "question"),
    ("/assistant", {"question": IN_SCOPE, "onsite_mode": "5x8", "onsite_city": "a\x00"}, "onsite_city"),
])
def test_pages_refuse_control_characters_on_the_field(en, path, params, field):
    response = en.get(path, query_string=params)
    assert response.status_code == 400
    assert f'id="f-{field}" name="{field}" aria-invalid="true"' in text_of(response)


def test_click_on_a_missing_article_is_a_404(client):
    assert client.get("/go/no-such-article").status_code == 404


def test_results_are_paged_with_the_total_count(en):
    first = text_of(en.get("/search", query_string={"q": "connection refused port"}))
    total = int(re.search(r"1–10 of (\d+) articles", first).group(1))
    assert total > 10
    assert 'href="/search?q=connection+refused+port&amp;page=2"' in first
    second = text_of(en.get("/search", query_string={"q": "connection refused port", "page": "2"}))
    assert f"11–{min(20, total)} of {total} articles" in second
    ids = lambda page: re.findall(r'href="/go/([a-z0-9-]+)"', page)  # noqa: E731
    assert ids(first) and ids(second) and not set(ids(first)) & set(ids(second))


@pytest.mark.parametrize("page", ["0", "6", "x", "-1"])
def test_a_page_out_of_range_is_a_field_error(en, page):
    response = en.get("/search", query_string={"q": "ssh", "page": page})
    assert response.status_code == 400
    assert "Invalid page" in text_of(response) or "page" in text_of(response)


def test_filter_choices_show_how_many_results_each_gives(en):
    page = text_of(en.get("/search", query_string={"q": "port"}))
    select = page[page.index('<select id="f-software"'):].split("</select>")[0]
    counts = {value: int(n) for value, n in re.findall(r"<option value=\"([a-z_]+)\"[^>]*>[^<]*\((\d+)\)</option>", select)}
    assert counts["rdp"] > 0
    only_rdp = text_of(en.get("/search", query_string={"q": "port", "software": "rdp"}))
    assert f"{counts['rdp']} article" in only_rdp or f"of {counts['rdp']} articles" in only_rdp


@pytest.mark.parametrize("query", ["asdkjh qwpoe", "best pizza recipe"])
def test_a_nonsense_query_says_no_results_with_suggestions_and_is_logged_unanswered(app, en, query):
    page = text_of(en.get("/search", query_string={"q": query}))
    assert "No articles found" in page and "/go/" not in page
    suggestions = page[page.index('class="no-results"'):]
    assert 'href="/browse/kind/troubleshooting"' in suggestions
    unanswered = {row["query"]: row for row in app.extensions["store"].logs.unanswered()}
    assert unanswered[query]["no_results"] == 1


def test_filters_are_folded_until_one_is_set(en):
    plain = text_of(en.get("/search", query_string={"q": "port"}))
    assert '<details class="filters-fold">' in plain
    filtered = text_of(en.get("/search", query_string={"q": "port", "software": "rdp"}))
    assert '<details class="filters-fold" open>' in filtered
