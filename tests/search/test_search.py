import dataclasses
import json
import re
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner

from kb.cli import cli
from kb.content.articles import Library
from kb.evaluation import check_thresholds
from kb.evaluation import evaluate
from kb.evaluation import load_queries
from kb.evaluation import score_ranking
from kb.knowledge import KnowledgeBase
from kb.rules.lexicon import is_chinese
from kb.search.analysis import analyzer_for
from kb.search.analysis import glossary_words
from kb.search.index import OpenBuild
from kb.search.index import build_index
from kb.search.index import builds
from kb.search.index import current_build
from kb.search.protocols import FIELD_WEIGHTS
from kb.search.protocols import Embedder
from kb.search.protocols import KeywordBackend
from kb.search.protocols import KeywordDoc
from kb.search.protocols import KeywordIndex
from kb.search.registry import DEFAULT_KEYWORD
from kb.search.registry import UnknownImplementation
from kb.search.registry import embedder as make_embedder
from kb.search.registry import keyword_backend
from kb.search.snippets import highlight
from tests.conftest import ARTICLES
from tests.conftest import DATA
from tests.conftest import ROOT
from tests.conftest import RULES


def test_quoted_phrases_work_in_both_languages(semantic_knowledge):
    assert semantic_knowledge.search('"bad ownership or modes"')[0].key == "sftp-bad-ownership-chroot"
    zh = semantic_knowledge.search('"被动模式"', lang="zh")
    assert zh and all(h.lang == "zh" for h in zh)
    assert semantic_knowledge.search('"ownership bad modes or"', mode="keyword") == []


def test_english_passages_quoting_chinese_names_stay_readable(minilm):
    assert minilm.covers("S1 旗舰版 and S2 企业版 can apply for paid expert escort before a launch or a big promotion")
    assert not minilm.covers("sshd 启动失败")


def test_bridged_chinese_queries_reach_english_passages_that_quote_chinese(minilm_knowledge):
    """The English plan articles quote 旗舰版 and 专家护航; they were once skipped as unreadable. The Chinese ones
    are unreadable to all-MiniLM-L6-v2: only the glossary's English rendering of the query reaches this topic."""
    assert minilm_knowledge.search("专家护航服务哪个版本有", mode="semantic")[0].key == "plans-expert-escort"


def test_minilm_keeps_its_own_floor_prefixes_and_name(minilm):
    assert (minilm.min_similarity, minilm.query_prefix, minilm.dimension) == (0.2, "", 384)
    assert minilm.name == "all-MiniLM-L6-v2"  # not the bundled folder's name, "model"


def test_minilm_without_its_extra_fails_when_configured_and_says_how_to_install_it(monkeypatch):
    import importlib.util

    from kb.search.embedders import MissingExtra

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    with pytest.raises(MissingExtra, match=r"`minilm` extra \(sentence_transformers not installed\): make setup-minilm"):
        make_embedder("minilm")


def test_query_language_picks_the_article_language(semantic_knowledge):
    assert semantic_knowledge.search("sshd 启动失败")[0].lang == "zh"
    assert semantic_knowledge.search("sshd fails to start")[0].lang == "en"


def test_one_result_per_topic_with_filters(semantic_knowledge):
    hits = semantic_knowledge.search("firewall port", software="firewall_linux", limit=20)
    assert hits and all(h.software == "firewall_linux" for h in hits)
    assert len({h.key for h in hits}) == len(hits)


def test_snippets_highlight_the_query_terms(semantic_knowledge):
    hit = semantic_knowledge.search("Permission denied (publickey)", mode="keyword")[0]
    assert "<mark" in hit.snippet


def test_snippets_are_plain_text_in_the_language_shown(semantic_knowledge):
    for query in ("CredSSP", "sshd 启动失败", "how do I install mysql"):
        for lang in ("en", "zh"):
            for hit in semantic_knowledge.search(query, lang=lang, mode="semantic"):
                assert is_chinese(hit.snippet) == (lang == "zh"), (query, hit.id, hit.snippet)
                assert "```" not in hit.snippet and "**" not in hit.snippet and "## " not in hit.snippet


@pytest.mark.parametrize("query", ["!!!", "hello", "今天天气怎么样"])
def test_unrelated_queries_find_nothing(semantic_knowledge, query):
    assert list(semantic_knowledge.search(query)) == []


def test_rebuild_reembeds_only_changed_articles(semantic_knowledge, tmp_path):
    shipped = current_build(semantic_knowledge.index_dir)
    shutil.copytree(shipped, tmp_path / shipped.name)  # a previous build, without embedding everything again
    kb = semantic_knowledge
    kwargs = {"analyzer": kb.analyzer(), "keyword": kb.keyword_backend, "embedder": kb.embedder}
    second = build_index(semantic_knowledge.library, tmp_path, **kwargs)
    assert current_build(tmp_path) == second
    assert json.loads((second / "manifest.json").read_text())["embedded"] == []
    changed = next(iter(semantic_knowledge.library.articles.values()))
    library = Library({**semantic_knowledge.library.articles, changed.id: dataclasses.replace(changed, digest="edited")})
    third = build_index(library, tmp_path, **kwargs)
    assert json.loads((third / "manifest.json").read_text())["embedded"] == [changed.id]


def test_a_new_word_list_reanalyses_every_article_and_reuses_the_vectors(semantic_knowledge, tmp_path):
    kwargs = {"keyword": semantic_knowledge.keyword_backend, "embedder": semantic_knowledge.embedder}
    shipped = current_build(semantic_knowledge.index_dir)
    shutil.copytree(shipped, tmp_path / shipped.name)  # the session's build, made with the glossary's words
    other = analyzer_for((*semantic_knowledge.analyzer().words, "提工单时"))
    build = build_index(semantic_knowledge.library, tmp_path, analyzer=other, **kwargs)
    manifest = json.loads((build / "manifest.json").read_text())
    assert manifest["embedded"] == [] and manifest["analyzer"]["fingerprint"] == other.fingerprint
    opened = OpenBuild(build)
    assert opened.analyzer is other
    # every article was analysed with the new words: 提工单时 is one word now, at index and at query time
    assert [t.text for t in other.tokens("提工单时")] == ["提工单时", "工单"]
    assert [h.key for h in opened.keyword.search('"提工单时"')] == ["plans-choosing-severity"]
    opened.close()


def test_search_command_prints_json(semantic_knowledge):
    result = CliRunner().invoke(cli, ["--index-dir", str(semantic_knowledge.index_dir), "search", "vsftpd 500 OOPS", "--json"])
    assert result.exit_code == 0, result.output
    assert '"id": "vsftpd-' in result.output


def test_metrics_of_a_ranking():
    assert score_ranking(["a", "b"], {"b"}) == {"recall@1": 0.0, "recall@5": 1.0, "mrr@10": 0.5, "ndcg@10": 1 / 1.584962500721156}


def test_evaluation_meets_the_measured_floor(semantic_knowledge):
    """Thresholds sit a little below the figures in README, so a regression fails CI."""
    report = evaluate(semantic_knowledge, load_queries(DATA / "eval_queries.yaml"))
    failures = check_thresholds(report, FLOOR)
    assert failures == [], failures
    hybrid = report["search"]["hybrid"]["all"]
    for single in ("keyword", "semantic"):
        assert hybrid["mrr@10"] >= report["search"][single]["all"]["mrr@10"]


FLOOR = {
    "hybrid:lang:zh:recall@5": 0.98, "hybrid:lang:en:recall@5": 0.98,
    "hybrid:lang:zh:mrr@10": 0.92, "hybrid:lang:en:mrr@10": 0.92,
    "hybrid:all:recall@1": 0.87, "hybrid:all:ndcg@10": 0.92,
    "assistant:scope_accuracy": 0.83, "assistant:software_accuracy": 0.84,
}


# ---------------------------------------------------------------- the seams: registry, keyword-only, index folders


def test_the_registry_names_what_it_knows():
    with pytest.raises(UnknownImplementation, match=r"unknown keyword backend 'lucene'; known: tantivy, whoosh"):
        keyword_backend("lucene")
    with pytest.raises(UnknownImplementation, match=r"unknown embedder 'e5'; known: e5-small, minilm"):
        make_embedder("e5")
    assert all(isinstance(keyword_backend(name), KeywordBackend) for name in ("whoosh", "tantivy"))


def test_the_configured_implementations_satisfy_the_protocols(semantic_knowledge):
    assert isinstance(semantic_knowledge.embedder, Embedder)
    assert semantic_knowledge.embedder.name == make_embedder().name  # the default, multilingual-e5-small
    assert semantic_knowledge.embedder.dimension == 384
    vec = semantic_knowledge.embedder.embed_query("sshd fails to start")
    assert vec.dtype == np.float32 and abs(float(np.linalg.norm(vec)) - 1) < 1e-5
    assert isinstance(semantic_knowledge.searcher().keyword, KeywordIndex)


def test_the_manifest_names_the_backend_the_analyzer_and_the_embedder(semantic_knowledge):
    manifest = semantic_knowledge.searcher().ix.manifest
    assert manifest["keyword"] == {"backend": DEFAULT_KEYWORD}
    assert manifest["embedder"] == {"name": semantic_knowledge.embedder.name, "dimension": 384}
    assert manifest["analyzer"]["fingerprint"] == semantic_knowledge.analyzer().fingerprint
    assert manifest["analyzer"]["words"] == list(semantic_knowledge.analyzer().words)
    assert not semantic_knowledge.index_stale


def test_hybrid_results_say_which_rankings_were_fused(semantic_knowledge):
    assert semantic_knowledge.search("sshd fails to start").modes_used == ("keyword", "semantic")
    assert semantic_knowledge.search("sshd fails to start", mode="keyword").modes_used == ("keyword",)
    assert semantic_knowledge.search("sshd fails to start").fallback is None


def test_keyword_only_search_never_imports_torch(tmp_path):
    """embedder=None is keyword-only search: the web tests' fast lane. Semantic and hybrid fall back, and say so."""
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from kb.knowledge import KnowledgeBase
        kb = KnowledgeBase({str(RULES)!r}, {str(ARTICLES)!r}, {str(tmp_path)!r}, embedder=None)
        kb.build_index()
        hits = kb.search("sshd fails to start", mode="hybrid")
        semantic = kb.search("sshd 启动失败", mode="semantic")
        print(json.dumps({{"first": hits[0].software, "modes": hits.modes_used, "fallback": hits.fallback,
                          "semantic": [semantic.modes_used, len(semantic)], "stale": kb.index_stale,
                          "heavy": sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "sentence_transformers",
                                                                                        "transformers"))}}))
    """)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout.splitlines()[-1])
    assert out["heavy"] == []
    assert out["first"] == "ssh" and out["modes"] == ["keyword"]
    assert out["fallback"] == "no embedder is configured"
    assert out["semantic"][0] == ["keyword"] and out["semantic"][1] > 0
    assert out["stale"] is False


def test_an_embedder_the_build_was_not_made_with_falls_back_to_keyword(semantic_knowledge, tmp_path):
    keyword_only = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=None)
    keyword_only.build_index()
    with_model = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=semantic_knowledge.embedder)
    status = with_model.index_status()
    assert status.stale and "built without an embedder" in status.reasons[0]
    hits = with_model.search("sshd fails to start", mode="semantic")
    assert hits.modes_used == ("keyword",) and hits.fallback == "the index was built without an embedder"
    assert hits[0].software == "ssh"


def test_unfinished_builds_are_never_served_and_two_finished_ones_are_kept(tmp_path):
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=None)
    first = kb.build_index()
    dead = tmp_path / "build-29990101T000000000000.tmp"  # newer than any real build, left by a build that died
    dead.mkdir()
    (dead / "manifest.json").write_text("{}")
    assert builds(tmp_path) == [first] and current_build(tmp_path) == first
    (tmp_path / "CURRENT").write_text(dead.name)
    assert current_build(tmp_path) == first  # a pointer to an unfinished build is not followed
    second, third = kb.build_index(), kb.build_index()
    assert not dead.exists()
    assert builds(tmp_path) == [second, third] and current_build(tmp_path) == third
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("build-")) == [second.name, third.name]


def test_a_failed_build_leaves_nothing_behind_and_the_old_one_serving(tmp_path, monkeypatch):
    kb = KnowledgeBase(RULES, ARTICLES, tmp_path, embedder=None)
    first = kb.build_index()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(kb.keyword_backend, "build", broken)
    with pytest.raises(OSError):
        kb.build_index()
    assert current_build(tmp_path) == first
    assert not list(tmp_path.glob("build-*.tmp"))


# ---------------------------------------------------------------- snippets


def test_snippets_mark_the_analysed_terms_in_escaped_text(book):
    analyzer = analyzer_for(glossary_words(book.glossary))
    text = "Run <sshd -t> & check: sshd fails to start when sshd_config is broken"
    out = highlight(analyzer, text, analyzer.terms("failing sshd"))
    assert out == ('Run &lt;<mark class="hl">sshd</mark> -t&gt; &amp; check: <mark class="hl">sshd</mark> '
                   '<mark class="hl">fails</mark> to start when sshd_config is broken')
    text = "修改配置后远程桌面连不上，请检查"
    # 远程桌面 and its dictionary sub-words are one mark; a sub-word alone marks itself
    assert highlight(analyzer, text, analyzer.terms("远程桌面")) == '修改配置后<mark class="hl">远程桌面</mark>连不上，请检查'
    assert highlight(analyzer, text, analyzer.terms("桌面")) == '修改配置后远程<mark class="hl">桌面</mark>连不上，请检查'
    assert highlight(analyzer, text, analyzer.terms("nginx")) == ""


def test_stems_that_end_other_than_their_word_are_still_found(book):
    """Only the lines a term may occur in are analysed, found by the stem's letters: Porter writes a last i or e
    (key → kei, making → make, deploy → deploi) and sensibility → sensibl, which the word does not contain."""
    analyzer = analyzer_for(glossary_words(book.glossary))
    text = "Intro line\nHost key verification failed while making the deploy\nsensibility"
    out = highlight(analyzer, text, analyzer.terms("keys make deploying sensibility"))
    assert re.findall(r'<mark class="hl">(.*?)</mark>', out) == ["key", "making", "deploy", "sensibility"]


def test_a_match_far_into_a_long_text_gets_its_context_from_its_own_lines(book):
    analyzer = analyzer_for(glossary_words(book.glossary))
    lines = [f"line {i} " + " ".join(f"filler{i}x{j}" for j in range(12)) for i in range(100)]
    lines[80] = "before the match sshd refuses to start after it"
    out = highlight(analyzer, "\n".join(lines), analyzer.terms("sshd"))
    assert '<mark class="hl">sshd</mark> refuses to start' in out and "before the match" in out
    assert "filler79x11" in out  # the context reaches back across the line break, as in one walk of the text


def test_long_texts_give_short_fragments_joined_by_an_ellipsis(book):
    analyzer = analyzer_for(glossary_words(book.glossary))
    filler = " ".join(f"word{i}" for i in range(200))
    out = highlight(analyzer, f"alpha {filler} beta {filler} gamma", analyzer.terms("alpha beta gamma"), top=2)
    parts = out.split(" … ")
    assert len(parts) == 2 and all(len(re.sub(r"<[^>]+>", "", p)) <= 220 for p in parts)


# ---------------------------------------------------------------- field weights


def _weights_library(tmp_path, name: str):
    """One document per field, each with the word `alpha` in that field only; every field of every document is
    three words long, so BM25F sees the same term frequency, length and idf in each field."""
    filler = iter(f"filler{chr(97 + i)}{chr(97 + j)}" for i in range(26) for j in range(26))
    docs = []
    for target in FIELD_WEIGHTS:
        text = {f: " ".join(["alpha" if f == target else next(filler), next(filler), next(filler)]) for f in FIELD_WEIGHTS}
        docs.append(KeywordDoc(target, target, "en", "ssh", "troubleshooting", text["title"], text["summary"],
                               (text["symptoms"],), tuple(text["tags"].split()), text["body"]))
    backend = keyword_backend(name)
    analyzer = analyzer_for(())
    backend.build(docs, tmp_path, analyzer)
    return backend.open(tmp_path, analyzer)


@pytest.mark.parametrize("backend", ["whoosh", "tantivy"])
def test_the_field_weights_in_force_are_the_documented_ones(tmp_path, backend):
    """README: title 3, symptoms 2.5, tags 2, summary 1.5, body 1. They were applied twice (the schema's field_boost
    inside BM25's saturation, and the query's boost on top), so the weights in force were other ones."""
    documented = re.search(r"Field weights:\s+(.*?body [\d.]+)", (ROOT / "README.md").read_text(), re.S).group(1)
    assert {f: float(w) for f, w in re.findall(r"(\w+) ([\d.]+)", documented)} == dict(FIELD_WEIGHTS)
    index = _weights_library(tmp_path, backend)
    scores = {hit.id: hit.score for hit in index.search("alpha")}
    assert set(scores) == set(FIELD_WEIGHTS)
    for field, weight in FIELD_WEIGHTS.items():
        assert scores[field] / scores["body"] == pytest.approx(weight, rel=1e-6), field
    index.close()


@pytest.mark.parametrize("query", ["asdkjh qwpoe", "best pizza recipe", "hello world", "今天天气怎么样", "我想订一份外卖"])
def test_a_query_whose_words_no_article_has_falls_below_the_relevance_floor(knowledge, query):
    found = knowledge.search(query, mode="keyword", pinned=[])
    assert found.unrelated and list(found) == [] and found.total == 0


@pytest.mark.parametrize("query", ["ssh asdkjh", "permision denid", "双十一大促 想申请专家护航"])
def test_a_query_with_enough_known_words_is_searched(knowledge, query):
    found = knowledge.search(query, mode="keyword", pinned=[])
    assert not found.unrelated and len(found) > 0


def test_below_the_floor_the_rules_pinned_topics_still_come_first(knowledge):
    found = knowledge.search("can you tune my JVM", mode="keyword")
    assert found.unrelated and [h.key for h in found][:1] == ["plans-out-of-scope"]


def test_gibberish_finds_nothing_by_meaning_either(semantic_knowledge):
    found = semantic_knowledge.search("asdkjh qwpoe", mode="hybrid", pinned=[])
    assert found.unrelated and list(found) == []


def test_the_relevance_floor_drops_no_expected_topic_of_the_labelled_sets(knowledge, monkeypatch):
    """Keyword mode on both labelled sets: every expected topic found without the floor is still found with it."""
    items = [i for name in ("eval_queries.yaml", "holdout_queries.yaml") for i in load_queries(DATA / name)
             if i.get("expected")]

    def found():
        return [bool(set(i["expected"]) & {h.key for h in knowledge.search(i["query"], limit=10, mode="keyword")})
                for i in items]

    with_floor = found()
    monkeypatch.setattr("kb.search.hybrid.KNOWN_FLOOR", -1.0)
    without_floor = found()
    assert sum(without_floor) > 250 and with_floor == without_floor
