"""Software evident only from a pasted message (issue 11, item 3): the articles' symptoms and titles decide it, in
both languages, and the trace names the article; a message several software share decides nothing."""

from __future__ import annotations

from difflib import SequenceMatcher

import pytest
import yaml

from kb.evaluation import load_queries
from kb.rules.evidence import DISTINCT_WEIGHT
from kb.rules.evidence import MIN_SHARE
from kb.rules.evidence import MIN_WEIGHT
from kb.rules.evidence import SoftwareEvidence
from kb.rules.evidence import _tokens
from kb.rules.evidence import _weight
from tests.conftest import DATA


@pytest.mark.parametrize(("question", "software"), [
    ("my nightly backup fails: connection unexpectedly closed (0 bytes received so far) [sender]", "scp_rsync"),
    ("用客户端登录一直报 530 Login or password incorrect!", "ftp"),
    ("Received message too long 1416128883", "sftp"),
    ("服务器上 subsystem request failed on channel 0", "sftp"),
    ("上传文件报 553 Could not create file.", "ftp"),
    # four words in a row of a longer message, said by one software's articles only
    ("Received disconnect: Too many authentication failures", "ssh"),
    ("登录时提示 Too many authentication failures", "ssh"),
])
def test_the_articles_symptoms_name_the_software(knowledge, question, software):
    decision = knowledge.ask(question, plan="S3")
    assert decision.case.software == software
    assert decision.scope == "in"
    step = decision.trace[0]
    assert step.id.startswith("evidence.") and step.outcome == {"software": software}
    assert knowledge.library.articles[step.id.removeprefix("evidence.")].software == software


@pytest.mark.parametrize("question", ["Connection timed out", "连接超时，一直报错", "it fails with an error after the reboot"])
def test_a_message_many_tools_share_names_no_software(knowledge, question):
    decision = knowledge.ask(question, plan="S3")
    assert decision.case.software is None
    assert not any(step.id.startswith("evidence.") for step in decision.trace)
    assert decision.scope == "unknown" and [m.fact for m in decision.missing] == ["software"]


def test_code_that_names_a_tool_is_not_sent_to_the_articles(knowledge):
    decision = knowledge.ask("```python\nimport paramiko\n```\nrsync: connection unexpectedly closed (0 bytes received so far)",
                             plan="S3")
    assert decision.case.activity == "develop" and decision.case.software is None and decision.scope == "out"


def _old_find(evidence, text):
    """The lookup as it was before the token index: every phrase of the library matched against the question."""
    def contains(text, run):
        return any(f" {run} " in f" {phrase} " for phrase in text.split("|") if run in phrase)

    def owned(software, run, weight):
        owners = {s for s, t in evidence.said.items() if contains(t, run)}
        titled = {s for s, t in evidence.titled.items() if contains(t, run)}
        return owners == {software} or titled == {software} and weight > MIN_WEIGHT

    words = _tokens(text)
    best = {}
    for article, phrase, toks in evidence.phrases:
        if len(set(words).intersection(toks)) < 2:
            continue
        m = SequenceMatcher(None, toks, words, autojunk=False).find_longest_match(0, len(toks), 0, len(words))
        run = toks[m.a:m.a + m.size]
        weight = _weight(run)
        if weight < MIN_WEIGHT or weight < MIN_SHARE * _weight(toks) and weight < DISTINCT_WEIGHT:
            continue
        if weight > best.get(article.software, (0,))[0] and owned(article.software, " ".join(run), weight):
            best[article.software] = (weight, article.id, phrase)
    ranked = sorted(best.values(), key=lambda e: -e[0])
    if not ranked or (len(ranked) > 1 and ranked[1][0] >= ranked[0][0]):
        return None
    return ranked[0]


def test_the_token_index_finds_what_matching_every_phrase_found(knowledge):
    """Every real question, labelled query and article symptom: the indexed lookup gives the same evidence as the
    walk over every phrase of the library it replaced."""
    evidence = SoftwareEvidence(knowledge.library.articles.values(), knowledge.book.catalog)
    texts = [q["question"] for f in sorted((DATA / "real").glob("*.yaml")) for q in yaml.safe_load(f.read_text())]
    texts += [q["query"] for q in load_queries(DATA / "eval_queries.yaml")]
    texts += [s for a in knowledge.library.articles.values() for s in a.symptoms]
    found = 0
    for text in texts:
        new, old = evidence.find(text), _old_find(evidence, text)
        assert (new and (new.weight, new.article, new.phrase)) == old, text
        found += new is not None
    assert found > 20  # evidence is found often enough for the comparison to mean something
