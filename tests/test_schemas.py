"""Every request is validated in one place (kb.schemas), with errors as codes and parameters."""

import pytest

from kb.errors import InvalidInput
from kb.schemas import AskRequest
from kb.schemas import SearchRequest
from kb.schemas import TicketRequest
from kb.schemas import parse

TICKET = {"plan": "S4", "severity": "degraded", "software": "ftp", "subject": "FTP 被动模式列表超时",
          "description": "vsftpd 3.0.5, LIST times out in passive mode after login.", "contact": "ops@example.cn"}


def errors(book, model, data) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as exc:
        parse(model, data, book)
    return [(e.field, e.code) for e in exc.value.errors]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("subject", "ab", "too_short"), ("subject", "x" * 201, "too_long"), ("subject", "   ab   ", "too_short"),
    ("subject", None, "required"), ("description", "too short", "too_short"), ("description", "x" * 5001, "too_long"),
    ("contact", "ab", "too_short"), ("contact", "x" * 201, "too_long"), ("contact", "not a contact", "bad_contact"),
    ("lang", "fr", "not_one_of"), ("plan", "", "required"), ("plan", "S9", "not_one_of"), ("software", "mysql", "not_one_of"),
    ("severity", "meh", "not_one_of"),
])
def test_ticket_fields_are_checked(book, field, value, code):
    assert errors(book, TicketRequest, {**TICKET, field: value}) == [(field, code)]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("subject", "sshd \ud800 fails", "lone_surrogate"), ("contact", "a@b.c\udfff", "lone_surrogate"),
    ("description", "NUL \x00 in the middle of it", "control_characters"),
    ("subject", "one line\nand another", "control_characters"),
    ("subject", "invoice \u202egpj.exe", "invisible_characters"), ("contact", "\u2066admin@example.com", "invisible_characters"),
])
def test_text_the_database_cannot_keep_or_that_misleads_is_refused(book, field, value, code):
    assert errors(book, TicketRequest, {**TICKET, field: value}) == [(field, code)]


def test_zero_width_characters_are_dropped_and_limits_are_inclusive(book):
    ticket = parse(TicketRequest, {**TICKET, "subject": "a\u200bbc", "description": "x" * 5000, "contact": "a@b.cn"}, book)
    assert (ticket.subject, len(ticket.description)) == ("abc", 5000)
    assert parse(TicketRequest, {**TICKET, "description": "pasted\nerror\toutput"}, book).description == "pasted\nerror\toutput"


def test_every_bad_field_is_reported_at_once(book):
    found = errors(book, TicketRequest, {"plan": "S9", "subject": "x", "description": "short", "contact": "nope", "x": 1})
    assert [f for f, _code in found] == ["plan", "subject", "description", "contact", "x"]
    assert found[-1] == ("x", "unknown_field")


@pytest.mark.parametrize(("value", "code"), [("١", "not_integer"), ("0", "out_of_range"), ("51", "out_of_range"),
                                             (True, "not_integer"), ("5.0", "not_integer"), (2.5, "not_integer"),
                                             (2e20, "out_of_range")])
def test_numbers_are_whole_ascii_numbers_in_range(book, value, code):
    assert errors(book, SearchRequest, {"q": "ssh", "limit": value}) == [("limit", code)]


def test_numbers_from_forms_and_blank_choices(book):
    search = parse(SearchRequest, {"q": " ssh ", "limit": "5"}, book)
    assert (search.q, search.limit, search.software, search.category) == ("ssh", 5, None, None)
    # A JSON client sends null for "none"; an empty string is not a choice (forms leave empty fields out first).
    assert errors(book, SearchRequest, {"q": "ssh", "software": ""}) == [("software", "required")]


def test_choices_carry_the_allowed_ids(book):
    with pytest.raises(InvalidInput) as exc:
        parse(AskRequest, {"question": "x", "plan": "S9"}, book)
    assert exc.value.errors[0].params == {"choices": ["S1", "S2", "S3", "S4"]}
    assert str(exc.value) == "plan: must be one of S1, S2, S3, S4"


def test_onsite_contract_is_nested_and_checked_against_the_rule_book(book):
    ask = parse(AskRequest, {"question": "平台瘫痪", "onsite": {"mode": "5x8", "staff": "2", "city": "上海"}}, book)
    assert (ask.onsite.mode, ask.onsite.staff, ask.onsite.city) == ("5x8", 2, "上海")
    assert errors(book, AskRequest, {"question": "x", "onsite": {"mode": "9x9"}}) == [("onsite_mode", "not_one_of")]
    assert errors(book, AskRequest, {"question": "x", "onsite": "5x8"}) == [("onsite", "not_object")]


def test_a_reported_time_must_carry_its_offset(book):
    assert errors(book, AskRequest, {"question": "x", "reported_at": "2026-12-03T10:00:00"}) == [("reported_at", "not_datetime")]
    assert parse(AskRequest, {"question": "x", "reported_at": "2026-12-03T10:00:00+08:00"}, book).reported_at.utcoffset()


@pytest.mark.parametrize("number", [2633590, 1.5e9, True])
def test_a_number_is_not_a_reported_time(book, number):
    """pydantic would read a number as a Unix timestamp; the API description promises an ISO 8601 string only."""
    assert errors(book, AskRequest, {"question": "x", "reported_at": number}) == [("reported_at", "not_datetime")]
