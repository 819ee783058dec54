"""The plan table (a card per plan on a phone) and the plan a question names, on the answer and in the ticket form."""

import re
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from tests.conftest import text_of
from tests.webapp.test_assistant import need_help

NAMED = "我们是企业版，sshd 起不来了"


def test_each_plan_cell_says_what_it_is_for_the_phone_cards(en):
    page = text_of(en.get("/"))
    table = page[page.index('<table class="plans cards">'):].split("</table>")[0]
    labels = re.findall(r'<td data-label="([^"]+)"', table)
    assert labels == ["Channels", "Response times", "Third-party software support"] * 4


def test_the_plan_a_question_names_is_on_the_answer_and_carried_into_the_ticket_form(en):
    page = text_of(en.get("/assistant", query_string={"question": NAMED}))
    named = page[page.index('class="plan-named"'):].split("</span>")[0]
    assert "S2 Enterprise" in named and "(named in your question)" in named
    ticket_form = parse_qs(urlsplit(need_help(en, page)).query)
    assert ticket_form["plan"] == ["S2"]
    assert '<option value="S2" selected>' in text_of(en.get(need_help(en, page)))


def test_a_chosen_plan_wins_and_is_not_said_to_come_from_the_question(en):
    page = text_of(en.get("/assistant", query_string={"question": "sshd fails to start", "plan": "S3"}))
    assert "S3 Business" in page[page.index('class="plan-named"'):].split("</span>")[0]
    assert "(named in your question)" not in page
    assert parse_qs(urlsplit(need_help(en, page)).query)["plan"] == ["S3"]


def test_the_english_answer_quotes_the_clause_in_english_with_the_chinese_original_a_click_away(en, book):
    page = text_of(en.get("/assistant", query_string={"question": "sshd fails to start", "plan": "S3"}))
    clause = page[page.index('<figure class="clause">'):].split("</figure>")[0]
    original = clause[clause.index('<details class="original">'):]
    quoted = [c for c in book.clauses.values() if c.text.en.replace("'", "&#39;") in clause]
    assert quoted and quoted[0].text.zh in original and "Chinese original" in original
    # the heading it comes from is cited in English, the Chinese heading (which binds) beside the original wording
    assert f'<cite lang="en">{book.sources.english(quoted[0].source)}</cite>' in clause
    assert quoted[0].source in original


def test_the_chinese_answer_uses_full_width_punctuation(client):
    page = text_of(client.get("/assistant", query_string={"question": "sshd 起不来了", "plan": "S3"}))
    card = page[page.index('id="decision"'):]
    assert '<details class="original">' not in card  # the clause is already in Chinese
    assert "来源：" in card and "来源:" not in card
    why = re.findall(r'<span class="why">([^<]+)</span>', card)
    assert why and all(w.startswith("（") and w.endswith("）") and "; " not in w for w in why)
