"""The keyword search on each backend (KB_KEYWORD_ENGINE: whoosh, tantivy): the same analyzer, fields, weights,
filters, phrases, snippets and quality, whatever engine ranks."""

import pytest

from kb.evaluation import evaluate
from kb.evaluation import load_queries
from kb.search.protocols import KeywordIndex
from tests.conftest import DATA


def test_the_index_satisfies_the_protocol_and_names_its_backend(each_keyword_backend):
    kb = each_keyword_backend
    assert isinstance(kb.searcher().keyword, KeywordIndex)
    assert kb.searcher().ix.manifest["keyword"] == {"backend": kb.keyword_backend.name}


@pytest.mark.parametrize(("query", "lang", "key"), [
    ("Permission denied (publickey)", "en", "ssh-permission-denied-publickey"),
    ("sshd 启动失败", "zh", None),
    ("vsftpd 500 OOPS: vsftpd: refusing to run with writable root inside chroot()", "en", "vsftpd-writable-chroot"),
])
def test_keyword_hits_are_in_the_query_language_with_highlighted_snippets(each_keyword_backend, query, lang, key):
    hits = each_keyword_backend.search(query, mode="keyword")
    assert hits and hits[0].lang == lang
    assert key is None or hits[0].key == key
    assert '<mark class="hl">' in hits[0].snippet


def test_filters_keep_only_their_software_language_and_category(each_keyword_backend):
    hits = each_keyword_backend.search("port connection refused", mode="keyword", software="firewall_linux", lang="zh",
                                       limit=20)
    assert hits and {(h.software, h.lang) for h in hits} == {("firewall_linux", "zh")}
    kinds = each_keyword_backend.search("port", mode="keyword", category="troubleshooting", limit=20)
    assert kinds and {h.category for h in kinds} == {"troubleshooting"}


def test_a_quoted_phrase_must_appear_as_a_phrase(each_keyword_backend):
    kb = each_keyword_backend
    assert kb.search('"bad ownership or modes"', mode="keyword")[0].key == "sftp-bad-ownership-chroot"
    assert kb.search('"ownership bad modes or"', mode="keyword") == []
    assert kb.search('"被动模式"', lang="zh", mode="keyword")


def test_keyword_quality_on_the_labelled_queries_holds_on_each_backend(each_keyword_backend):
    """Measured: whoosh MRR@10 0.888 / recall@5 0.972, tantivy 0.886 / 0.967 on eval_queries (keyword only)."""
    keyword = evaluate(each_keyword_backend, load_queries(DATA / "eval_queries.yaml"))["search"]["keyword"]["all"]
    assert keyword["recall@5"] >= 0.95 and keyword["mrr@10"] >= 0.87, keyword
