"""Spelling suggestions come from the indexed words, never rewrite names the rules know, and feed the search."""

from __future__ import annotations

import pytest

from kb.search.spelling import Speller
from kb.search.spelling import rule_words


@pytest.fixture
def speller(each_keyword_backend):
    """The vocabulary is the keyword index's, whatever the backend: a keyword-only build has all of it."""
    kb = each_keyword_backend
    return Speller(kb.searcher().keyword, rule_words(kb.book))


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


def test_search_also_searches_the_correction(each_keyword_backend):
    check_correction_is_searched(each_keyword_backend)


def test_hybrid_search_also_searches_the_correction(semantic_knowledge):
    check_correction_is_searched(semantic_knowledge)


def check_correction_is_searched(kb):
    hits = kb.search("sshd permision denid publickey", lang="en")
    assert hits.suggestion == "sshd permission denied publickey"
    assert hits[0].key == "ssh-permission-denied-publickey"
