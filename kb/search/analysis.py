"""The search analyzer for mixed Chinese and English text, the same at index time and at query time.

jieba segments Chinese; ASCII words (including error codes and dotted names) are kept whole. Tokens get
consecutive positions (jieba's own whoosh analyzer uses character offsets as positions, which breaks phrase
queries), and long Chinese words also yield their dictionary sub-words at the same position, so 启动失败 is
found by 启动 as well. Then: lower case, stop words out, Porter stemming for English words.

The analyzer owns its jieba tokenizer: jieba's stock dictionary plus a declared word list (the Chinese terms of
the glossary), nothing else. Nobody else adds words to it (the intake has its own tokenizer in
kb.rules.lexicon), so the same word list always cuts text the same way. A build records the word list and the
analyzer's `fingerprint`, and the searcher rebuilds its query analyzer from the recorded list.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from functools import cached_property
from functools import lru_cache

import jieba
from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem

from kb.segmenting import new_tokenizer

jieba.setLogLevel(logging.WARNING)

# Bump when the analysis below changes (segmentation, stop words, stemming): every build's keyword index then
# reads as stale, and the next build re-analyses everything.
ANALYZER_VERSION = 1

# Whoosh's stop words plus the words every question is made of, in both languages: "how do I …" and
# "请问怎么…" must not match every article.
STOP = STOP_WORDS | {"how", "what", "why", "where", "which", "who", "do", "does", "did", "i", "me", "my", "our",
                     "please", "help", "get", "getting", "got", "there", "any", "about", "want", "need", "should",
                     "的", "了", "吗", "呢", "吧", "啊", "呀", "是", "我", "我们", "你", "你们", "请问", "怎么", "怎么样",
                     "如何", "什么", "为什么", "一下", "这个", "那个", "想", "要", "帮", "帮忙", "今天"}
# The longest glossary term the analyzer adds to jieba (see glossary_words).
MAX_WORD_LENGTH = 2
_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9_]+(?:[.\-][A-Za-z0-9_]+)*")


@dataclass(frozen=True)
class Token:
    """One analysed token: its text (lower-cased, stemmed unless a stop word), position and character span."""

    text: str
    pos: int
    start: int
    end: int
    stopped: bool = False


def glossary_words(glossary) -> tuple[str, ...]:
    """The analyzer's word list: the glossary's Chinese terms of one or two characters, sorted, each once.

    Those are the terms jieba's stock dictionary may cut differently (工单 in 提工单时 comes out as 提工|单时), the
    same rule the glossary's own matcher applies. Longer terms are phrases (有什么区别, 所有连接都在使用): as
    single jieba words they would hide their parts' boundaries and move rankings both ways (measured on both
    query sets, a small net loss), and a term with ASCII in it never reaches jieba, which only sees runs of
    Chinese characters."""
    return tuple(sorted({term.strip() for entry in glossary for term in entry.zh
                         if _CJK.fullmatch(term.strip()) and len(term.strip()) <= MAX_WORD_LENGTH}))


@cache
def _dictionary_hash() -> str:
    with jieba.Tokenizer().get_dict_file() as f:
        return hashlib.sha256(f.read()).hexdigest()


def describe(words: Iterable[str]) -> dict:
    """What decides how text is analysed, as recorded in a build's manifest, with its fingerprint."""
    spec = {"version": ANALYZER_VERSION, "jieba": jieba.__version__, "dictionary": _dictionary_hash(),
            "words": sorted(set(words))}
    digest = hashlib.sha256(json.dumps(spec, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
    return {"fingerprint": digest, **spec}


def fingerprint(words: Iterable[str]) -> str:
    """The fingerprint of the analyzer for this word list, without building it (no jieba dictionary loaded)."""
    return describe(words)["fingerprint"]


@lru_cache(maxsize=50_000)
def stem_word(word: str) -> str:
    """Porter stem of a plain English word; anything else (Chinese, error codes, dotted names) as it is."""
    return stem(word) if word.isascii() and word.isalpha() else word


class Analyzer:
    """Cuts and normalises text for the keyword index and its queries. Build it with `analyzer_for(words)`."""

    def __init__(self, words: Iterable[str] = ()):
        self.words: tuple[str, ...] = tuple(sorted(set(words)))
        self._lock = threading.Lock()
        self._jieba: jieba.Tokenizer | None = None

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.words)

    def describe(self) -> dict:
        return describe(self.words)

    def _tokenizer(self) -> jieba.Tokenizer:
        """This analyzer's own jieba tokenizer: the stock dictionary plus `words`, loaded on first use."""
        with self._lock:
            if self._jieba is None:
                tok = new_tokenizer()
                for word in self.words:  # sorted: add_word's frequencies depend on the words added before
                    tok.add_word(word)
                self._jieba = tok
            return self._jieba

    def segments(self, text: str):
        """Yield (word, start, end, subwords) for each word in `text`, in order."""
        tok = None
        for m in _WORD.finditer(text):
            chunk = m.group()
            if not _CJK.match(chunk):
                yield chunk, m.start(), m.end(), ()
                continue
            tok = tok or self._tokenizer()
            for word, start, end in tok.tokenize(chunk):
                subs = ()
                if len(word) >= 3:
                    subs = tuple((w, s, e) for w, s, e in tok.tokenize(word, mode="search") if len(w) >= 2 and w != word)
                base = m.start() + start
                yield word, base, m.start() + end, tuple((w, base + s, base + e) for w, s, e in subs)

    def tokens(self, text: str, *, stem: bool = True, stops: bool = False) -> list[Token]:
        """The tokens of `text`; a long Chinese word's sub-words share its position. Stop words keep their position
        (so positions are not renumbered) and are left out unless `stops`; `stem=False` keeps English words whole."""
        out = []
        for pos, (word, start, end, subs) in enumerate(self.segments(text)):
            for piece, s, e in ((word, start, end), *subs):
                low = piece.lower()
                stopped = low in STOP
                if stopped and not stops:
                    continue
                out.append(Token(low if stopped or not stem else stem_word(low), pos, s, e, stopped))
        return out

    def terms(self, text: str) -> list[str]:
        """The analysed words of `text`, in order (what a query looks up)."""
        return [t.text for t in self.tokens(text)]

    def __repr__(self) -> str:
        return f"<Analyzer {len(self.words)} words {self.fingerprint[:12]}>"


@lru_cache(maxsize=4)
def _analyzer(words: tuple[str, ...]) -> Analyzer:
    return Analyzer(words)


def analyzer_for(words: Iterable[str]) -> Analyzer:
    """The one analyzer of this word list in this process (each holds a jieba dictionary, ~70 MB)."""
    return _analyzer(tuple(sorted(set(words))))



def __getattr__(name: str):
    """Whoosh pickles its analyzer into the index: earlier builds name kb.search.analysis.MixedTokenizer and
    _stem_ascii, so opening one (it is reported stale, see KnowledgeBase.index_status) must still find them."""
    if name == "MixedTokenizer":
        from kb.search.whoosh_backend import MixedTokenizer

        return MixedTokenizer
    if name == "_stem_ascii":
        return stem_word
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
