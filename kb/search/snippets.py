"""Highlighted snippets from an article's own text, for any keyword backend.

The text is re-analysed with the build's analyzer; tokens whose analysed text is one of the hit's matched terms are
marked, and the fragments around them (at most MAX_CHARS each, SURROUND characters of context) are joined by
" … ". This is whoosh's ContextFragmenter, BasicFragmentScorer and HtmlFormatter, ported so that snippets look
as they did when whoosh made them, whatever engine ranked the hit.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import replace
from functools import lru_cache
from html import escape

from kb.search.analysis import Analyzer

MAX_CHARS = 220
SURROUND = 60
BETWEEN = " … "
CHAR_LIMIT = 2**15  # text beyond this is not looked at (whoosh's DEFAULT_CHARLIMIT)
MARK = '<mark class="hl">{}</mark>'
TOKEN_CACHE = 512  # texts whose tokens are kept (an article's body is a few thousand tokens)


@dataclass
class _Span:
    text: str
    start: int
    end: int
    matched: bool


@dataclass
class _Fragment:
    start: int
    end: int
    matches: list[_Span]

    @property
    def score(self) -> float:
        # One per match, times 100 per distinct term: a fragment with two different words beats one with one.
        return len(self.matches) * ((len({m.text for m in self.matches}) * 100) or 1)


def highlight(analyzer: Analyzer, text: str, terms: Iterable[str], top: int = 3) -> str:
    """Escaped `text` with the matched `terms` marked, in at most `top` fragments; "" when no term occurs."""
    terms = frozenset(terms)
    if not text or not terms or terms.isdisjoint(_words(analyzer, text)):  # most tried texts: no walk for them
        return ""
    tokens = (_Span(t, start, end, t in terms) for t, start, end in _tokens(analyzer, text))
    fragments = list(_fragments(_merge(tokens)))
    best = sorted(fragments, key=lambda f: (f.score, f.start), reverse=True)[:top]
    best = [f for f in best if f.score >= 1]
    return BETWEEN.join(_format(text, f) for f in sorted(best, key=lambda f: f.start))


@lru_cache(maxsize=TOKEN_CACHE)
def _tokens(analyzer: Analyzer, text: str) -> tuple[tuple[str, int, int], ...]:
    """A text's analysed tokens up to CHAR_LIMIT: analysing the body of an article is most of a snippet's cost, and
    the same articles come up again and again."""
    return tuple((t.text, t.start, t.end) for t in analyzer.tokens(text[:CHAR_LIMIT + SURROUND], stops=True))


@lru_cache(maxsize=TOKEN_CACHE)
def _words(analyzer: Analyzer, text: str) -> frozenset[str]:
    """The distinct words of `_tokens`: a text none of the terms is in is skipped without walking its tokens."""
    return frozenset(t for t, _start, _end in _tokens(analyzer, text))


def article_snippet(analyzer: Analyzer, article, terms: Iterable[str]) -> str:
    """The symptoms, else the summary, else the two best fragments of the body, that mention the terms; or ""."""
    terms = frozenset(terms)
    return (highlight(analyzer, "\n".join(article.symptoms), terms) or highlight(analyzer, article.summary, terms)
            or highlight(analyzer, article.text, terms, top=2))


def _merge(tokens: Iterable[_Span]) -> Iterator[_Span]:
    """Matched tokens that touch or overlap (a word and its sub-words, 启动 and 失败) become one mark."""
    token = None
    for t in tokens:
        if not t.matched:
            if token is not None:
                yield token
                token = None
            yield t
            continue
        if token is None:
            token = replace(t)
        elif t.start <= token.end:
            if t.end > token.end:
                token.text += t.text[token.end - t.end:]
                token.end = t.end
        else:
            yield token
            token = None
            yield t
    if token is not None:
        yield token


def _fragments(tokens: Iterable[_Span]) -> Iterator[_Fragment]:
    """Windows of context around the matches, each at most MAX_CHARS long."""
    first = None
    firsts: deque[int] = deque()
    countdown = -1  # < 0: not inside a fragment
    matches: list[_Span] = []
    end = None
    length = 0
    for t in tokens:
        start, end = t.start, t.end
        if end > CHAR_LIMIT:
            break
        if countdown < 0 and not t.matched:
            firsts.append(start)
            while firsts and end - firsts[0] > SURROUND:
                firsts.popleft()
        elif length + (end - start) > MAX_CHARS:
            countdown = 0
        elif t.matched:
            countdown = SURROUND
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = start
                    countdown += SURROUND
            matches.append(replace(t))
        if countdown >= 0:
            length += end - start
            countdown -= end - start
            if countdown <= 0:
                yield _Fragment(first if first is not None else (matches[0].start if matches else 0), end, matches)
                matches, firsts, first, length = [], deque(), None, 0
    if matches:
        yield _Fragment(first, end, matches)


def _format(text: str, fragment: _Fragment) -> str:
    out, index = [], fragment.start
    for m in sorted(fragment.matches, key=lambda m: (m.start, -(m.end - m.start))):
        if m.start < index:
            continue
        out += [escape(text[index:m.start], quote=False), MARK.format(escape(text[m.start:m.end], quote=False))]
        index = m.end
    out.append(escape(text[index:fragment.end], quote=False))
    return "".join(out)
