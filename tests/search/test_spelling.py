"""Spelling suggestions come from the indexed words, never rewrite names the rules know, and feed the search."""

from __future__ import annotations

import pytest

from kb.search.spelling import Speller
from kb.search.spelling import rule_words


@pytest.fixture(scope="module")
def speller(knowledge):
    """The vocabulary is the keyword index's, whatever the backend: a keyword-only build has all of it."""
    return Speller(knowledge.searcher().keyword, rule_words(knowledge.book))


@pytest.mark.parametrize(("typed", "meant"), [
    ("permision denid", "permission denied"),
    ("Conection refused", "Connection refused"),
    ("iptabels save", "iptables save"),
    ("vsftp passiv mode", "vsftpd passive mode"),  # the first letter is rarely the typo: vsftpd, not sftp
    ("windos remote desktp", "windows remote desktop"),
])
def test_typos_are_corrected_to_the_nearest_indexed_word(speller, typed, meant):
    assert speller.suggest(typed) == meant


@pytest.mark.parametrize("query", [
    "Permission denied (publickey)",
    "nginx 502 bad gateway",  # nginx is a name the rules know, not a typo of "engine"
    "grep pasv_min_port vsftpd.conf",  # file names and options are left alone
    "firewall-cmd --permanent --add-port=8080/tcp",
    "sshd 启动失败",
])
def test_correct_text_and_names_give_no_suggestion(speller, query):
    assert speller.suggest(query) is None


@pytest.mark.parametrize("kb", [pytest.param("semantic_knowledge", marks=pytest.mark.slow), "knowledge"])
def test_search_also_searches_the_correction(request, kb):
    hits = request.getfixturevalue(kb).search("sshd permision denid publickey", lang="en")
    assert hits.suggestion == "sshd permission denied publickey"
    assert hits[0].key == "ssh-permission-denied-publickey"
