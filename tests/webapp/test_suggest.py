"""Article suggestions for the ticket form's subject: a small JSON answer, not logged, with the search's limits."""

from tests.conftest import text_of


def test_suggestions_are_at_most_five_articles_in_the_readers_language(en):
    response = en.get("/search/suggest", query_string={"q": "sshd fails to start"})
    assert response.status_code == 200 and response.is_json
    results = response.json["results"]
    assert 0 < len(results) <= 5
    assert all(r["lang"] == "en" and r["url"] == f"/articles/{r['id']}" and r["title"] for r in results)
    assert results[0]["about"].startswith("SSH · ")


def test_suggestions_are_not_logged_as_searches(app, en):
    en.get("/search/suggest", query_string={"q": "sshd fai"})
    assert app.extensions["store"].logs.unanswered() == []


def test_a_nonsense_subject_suggests_nothing(en):
    assert en.get("/search/suggest", query_string={"q": "asdkjh qwpoe"}).json["results"] == []


def test_suggest_validates_its_one_parameter(en):
    assert en.get("/search/suggest").status_code == 400
    assert en.get("/search/suggest", query_string={"q": "x" * 501}).status_code == 400
    assert en.get("/search/suggest", query_string={"q": "ssh", "limit": "50"}).status_code == 400


def test_the_ticket_form_has_the_suggestion_box_and_its_script(en):
    page = text_of(en.get("/tickets/new"))
    assert 'id="subject-suggestions" aria-live="polite" data-url="/search/suggest"' in page
    assert '<script src="/static/suggest.js" defer></script>' in page
