"""The query vectors: embedded once per text on the embedding thread, kept for recent texts, errors not kept."""

import threading

import numpy as np
import pytest

from kb.search.query_vectors import QueryVectors


class Recorder:
    """An embedder's embed_query that says which thread ran it and how often; `fail` texts raise."""

    def __init__(self, fail=()):
        self.calls, self.threads, self.fail = [], set(), set(fail)

    def __call__(self, text):
        self.calls.append(text)
        self.threads.add(threading.current_thread().name)
        if text in self.fail:
            raise RuntimeError(f"cannot embed {text}")
        return np.full(3, len(text), dtype=np.float32)


def test_a_started_text_is_embedded_once_on_the_embedding_thread():
    embed = Recorder()
    vectors = QueryVectors(embed)
    vectors.start("sshd fails")
    vectors.start("sshd fails")  # on its way already
    assert vectors.vector("sshd fails").tolist() == [10, 10, 10]
    assert vectors.vector("sshd fails").tolist() == [10, 10, 10]  # kept
    assert embed.calls == ["sshd fails"]
    assert embed.threads == {"kb-query-embedding_0"}


def test_a_text_nobody_started_is_embedded_by_the_caller():
    embed = Recorder()
    assert QueryVectors(embed).vector("远程桌面").tolist() == [4, 4, 4]
    assert embed.threads == {threading.current_thread().name}


def test_the_oldest_text_is_forgotten_first_and_cache_clear_forgets_all():
    embed = Recorder()
    vectors = QueryVectors(embed, size=2)
    for text in ("a", "b", "a", "c"):  # "a" used again, so "b" is the oldest when "c" comes
        vectors.vector(text)
    vectors.vector("a")
    vectors.vector("b")
    assert embed.calls == ["a", "b", "c", "b"]
    vectors.cache_clear()
    vectors.vector("a")
    assert embed.calls[-1] == "a" and len(embed.calls) == 5


def test_an_error_reaches_the_search_that_waits_and_is_not_kept():
    embed = Recorder(fail={"bad"})
    vectors = QueryVectors(embed)
    vectors.start("bad")
    with pytest.raises(RuntimeError, match="cannot embed bad"):
        vectors.vector("bad")
    embed.fail.clear()
    assert vectors.vector("bad").tolist() == [3, 3, 3]
    assert embed.calls == ["bad", "bad"]
