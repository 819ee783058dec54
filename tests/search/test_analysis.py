"""The search analyzer: one tokenizer of its own, the same at index and at query time, and a fingerprint.
The indexes here are keyword-only (embedder=None): no model is loaded."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap

from kb.knowledge import KnowledgeBase
from kb.rules.intake import intake_for
from kb.rules.lexicon import TermMatcher
from kb.rules.lexicon import _tokenizer as intake_tokenizer
from kb.rules.model import GlossaryTerm
from kb.search.analysis import ANALYZER_VERSION
from kb.search.analysis import MAX_WORD_LENGTH
from kb.search.analysis import analyzer_for
from kb.search.analysis import describe
from kb.search.analysis import fingerprint
from kb.search.analysis import glossary_words
from tests.conftest import ARTICLES
from tests.conftest import ROOT
from tests.conftest import RULES


def test_positions_are_consecutive_tokens_not_character_offsets(book):
    tokens = analyzer_for(glossary_words(book.glossary)).tokens("远程桌面 连接失败")
    positions = sorted({t.pos for t in tokens})
    assert positions == list(range(len(positions)))


def test_index_and_query_agree_after_the_intake_is_built(tmp_path):
    """`kb index` never builds the intake, the site does on its first request; the intake's words once went into
    the tokenizer search shared with it, so 提工单时 was indexed 提工|单时 and queried 提|工单|时. A fresh
    interpreter, as in production: build the index, then the intake, then search the exact phrase."""
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from kb.knowledge import KnowledgeBase
        from kb.rules.intake import intake_for
        kb = KnowledgeBase({str(RULES)!r}, {str(ARTICLES)!r}, {str(tmp_path)!r}, embedder=None)
        kb.build_index()
        intake_for(kb.book).read("提工单时严重性选哪个")
        hits = kb.search('"提工单时"', mode="keyword")
        print(json.dumps([h.key for h in hits]))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "plans-choosing-severity" in json.loads(run.stdout.splitlines()[-1])


def test_the_intake_has_its_own_tokenizer(book):
    analyzer = analyzer_for(glossary_words(book.glossary))
    before = analyzer.tokens("提工单时严重性选哪个")
    intake_for(book)
    TermMatcher([("单时", "x"), ("选哪", "y")])  # short Chinese terms go into the intake's tokenizer
    assert analyzer.tokens("提工单时严重性选哪个") == before
    assert analyzer._tokenizer() is not intake_tokenizer()


def test_the_query_analyzer_is_the_build_s_word_list(tmp_path, book):
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=None)
    build = kb.build_index()
    recorded = json.loads((build / "manifest.json").read_text())["analyzer"]
    assert recorded["words"] == list(glossary_words(book.glossary))
    assert recorded["fingerprint"] == fingerprint(recorded["words"])
    searcher = kb.searcher()
    assert searcher.analyzer.words == tuple(recorded["words"])
    assert searcher.analyzer.tokens("提工单时") == analyzer_for(recorded["words"]).tokens("提工单时")
    assert [(t.text, t.pos) for t in searcher.analyzer.tokens("提工单时")] == [("提", 0), ("工单", 1), ("时", 2)]


def test_a_changed_word_list_changes_the_fingerprint(book):
    words = glossary_words(book.glossary)
    assert fingerprint(words) == fingerprint(reversed(words))
    assert fingerprint(words) != fingerprint((*words, "提工单时"))
    assert fingerprint(words) != fingerprint(words[1:])
    spec = describe(words)
    assert spec["version"] == ANALYZER_VERSION and spec["jieba"] and len(spec["dictionary"]) == 64
    assert spec["words"] == sorted(words)


def test_the_glossary_words_are_its_short_chinese_terms_only(book):
    words = glossary_words(book.glossary)
    assert "工单" in words and "公钥" in words
    assert "提工单" not in words and "有什么区别" not in words  # phrases, not words
    assert "ping不通" not in words and "IP" not in words  # ASCII never reaches jieba
    assert list(words) == sorted(set(words)) and all(len(w) <= MAX_WORD_LENGTH for w in words)


def test_an_index_analysed_with_other_words_is_stale_until_rebuilt(tmp_path):
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=None)
    assert kb.index_stale and "kb index" in kb.index_status().reasons[0]
    kb.build_index()
    assert not kb.index_stale and kb.index_status().reasons == ()
    kb.searcher()
    built_with = kb.searcher().analyzer.words
    kb.book = dataclasses.replace(kb.book, glossary=[*kb.book.glossary,
                                                                  GlossaryTerm(zh=["单时"], en="when filing a ticket")])
    status = kb.index_status()
    assert status.stale and "analyzer changed" in status.reasons[0]
    assert kb.searcher().analyzer.words == built_with  # queries still match the build in use
    build = kb.build_index()
    assert not kb.index_stale
    assert "单时" in json.loads((build / "manifest.json").read_text())["analyzer"]["words"]
    assert "单时" in kb.searcher().analyzer.words
