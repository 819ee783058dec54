"""Property-based tests of the parsers: no input crashes them, and every problem they report says where it is."""

import datetime as dt
import shutil

import pytest
import yaml
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from kb.content.articles import parse_article
from kb.errors import InvalidInput
from kb.errors import RuleError
from kb.rules.book import load_rulebook
from kb.rules.engine import decide
from kb.rules.intake import Intake
from kb.rules.render import render_decision
from kb.schemas import AskRequest
from kb.schemas import TicketRequest
from kb.schemas import parse
from tests.conftest import DATA

QUICK = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FRONT = "---\nid: demo-en\nlang: en\ntranslation_key: demo\ntitle: T\n---\n## Symptoms\n\ntext\n"
# YAML-ish values: what a careless edit turns a key's value into.
VALUES = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
                      | st.dates(), lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@QUICK
@given(st.text(max_size=400))
def test_no_article_text_crashes_the_parser(text):
    article, problems = parse_article(text, "x.en.md")
    assert (article is None) == bool(problems)
    assert all(p.path == "x.en.md" and (p.line is None or p.line >= 1) for p in problems)


@QUICK
@given(st.text(max_size=60), st.sampled_from(["title", "lang", "symptoms", "updated", "tags", "related"]), VALUES)
def test_any_front_matter_value_is_accepted_or_reported_at_a_line(prefix, key, value):
    meta = yaml.safe_load(FRONT.split("---")[1])
    meta[key] = value
    text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n" + prefix + "\n## Symptoms\n\ntext\n"
    _, problems = parse_article(text, "x.en.md")
    assert all(p.line is not None for p in problems)


@pytest.fixture(scope="module")
def tiny_copy(tmp_path_factory):
    target = tmp_path_factory.mktemp("props") / "rules"
    shutil.copytree(DATA / "rules", target)
    return target


@QUICK
@given(name=st.sampled_from(["plans.yaml", "channels.yaml", "catalog.yaml", "onsite.yaml", "decisions.yaml",
                             "lexicon/intake.yaml"]),
       key=st.text(min_size=1, max_size=12), value=VALUES)
def test_a_rule_file_with_any_value_loads_or_is_reported_with_file_and_line(tiny_copy, name, key, value):
    path = tiny_copy / name
    original = path.read_text(encoding="utf-8")
    data = yaml.safe_load(original)
    data[key if key != "kind" else "kind"] = value
    try:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            load_rulebook(tiny_copy)
        except RuleError as exc:
            assert exc.problems and all(p.path.endswith(".yaml") or p.path == str(tiny_copy) for p in exc.problems)
            assert all(p.line is not None for p in exc.problems if p.path.endswith(name))
    finally:
        path.write_text(original, encoding="utf-8")


@QUICK
@given(st.text(max_size=300))
def test_no_question_crashes_intake_the_engine_or_the_renderer(book, text):
    intake = Intake(book)
    decision = decide(book, intake.read(text), now=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    for lang in ("zh", "en"):
        render_decision(book, decision, lang)


@QUICK
@given(st.dictionaries(st.sampled_from(["question", "plan", "severity", "onsite", "lang", "reported_at", "x"]), VALUES,
                       max_size=5))
def test_a_request_either_validates_or_names_its_bad_fields(book, data):
    for model in (AskRequest, TicketRequest):
        try:
            parse(model, data, book)
        except InvalidInput as exc:
            assert exc.errors and all(e.field and e.code for e in exc.errors)
