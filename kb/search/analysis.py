"""A whoosh analyzer for mixed Chinese and English text.

jieba segments Chinese; ASCII words (including error codes and dotted names) are kept whole. Tokens
get consecutive positions (jieba's own whoosh analyzer uses character offsets as positions, which breaks
phrase queries), and long Chinese words also yield their dictionary sub-words at the same position, so
启动失败 is found by 启动 as well.
"""

from __future__ import annotations

import re

from whoosh.analysis import STOP_WORDS
from whoosh.analysis import LowercaseFilter
from whoosh.analysis import StemFilter
from whoosh.analysis import StopFilter
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer

from kb.rules.lexicon import _tokenizer

# Whoosh's stop words plus the words every question is made of, in both languages: "how do I …" and
# "请问怎么…" must not match every article.
_STOP = STOP_WORDS | {"how", "what", "why", "where", "which", "who", "do", "does", "did", "i", "me", "my", "our",
                      "please", "help", "get", "getting", "got", "there", "any", "about", "want", "need", "should",
                      "的", "了", "吗", "呢", "吧", "啊", "呀", "是", "我", "我们", "你", "你们", "请问", "怎么", "怎么样",
                      "如何", "什么", "为什么", "一下", "这个", "那个", "想", "要", "帮", "帮忙", "今天"}
_CJK = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9_]+(?:[.\-][A-Za-z0-9_]+)*")


def segments(text: str):
    """Yield (word, start, end, subwords) for each word in `text`, in order."""
    tok = _tokenizer()
    for m in _WORD.finditer(text):
        chunk = m.group()
        if not _CJK.match(chunk):
            yield chunk, m.start(), m.end(), ()
            continue
        for word, start, end in tok.tokenize(chunk):
            subs = ()
            if len(word) >= 3:
                subs = tuple((w, s, e) for w, s, e in tok.tokenize(word, mode="search") if len(w) >= 2 and w != word)
            yield word, m.start() + start, m.start() + end, tuple((w, m.start() + start + s, m.start() + start + e)
                                                                  for w, s, e in subs)


class MixedTokenizer(Tokenizer):
    """Chinese words from jieba and whole ASCII words, with consecutive positions."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for word, start, end, subs in segments(value):
            for text, s, e in ((word, start, end),) + subs:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar, token.endchar = start_char + s, start_char + e
                yield token
            pos += 1


def _stem_ascii(word: str) -> str:
    from whoosh.lang.porter import stem

    return stem(word) if word.isascii() and word.isalpha() else word


def mixed_analyzer():
    """Tokenize, lower-case, drop English stop words, stem English words."""
    stop = StopFilter(stoplist=_STOP, minsize=1, renumber=False)
    return MixedTokenizer() | LowercaseFilter() | stop | StemFilter(stemfn=_stem_ascii)
