"""Highlighted snippets from an article's own text, for any keyword backend.

The text is re-analysed with the build's analyzer; tokens whose analysed text is one of the hit's matched terms are
marked, and the fragments around them (at most MAX_CHARS each, SURROUND characters of context) are joined by
" … ". This is whoosh's ContextFragmenter, BasicFragmentScorer and HtmlFormatter, ported so that snippets look
as they did when whoosh made them, whatever engine ranked the hit.

Only the lines a term may occur in, and those within a fragment's reach of them, are analysed and walked: an
article's body is a few thousand tokens and jieba cuts a few hundred characters a millisecond, so analysing all of
it was most of a search's time the first time an article was shown, and walking all of it most of it afterwards.
Analysis never crosses a line, so the lines' tokens are the text's tokens.
"""

from __future__ import annotations

from bisect import bisect_left
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from typing import NamedTuple

from kb.search.analysis import Analyzer

MAX_CHARS = 220
SURROUND = 60
BETWEEN = " … "
CHAR_LIMIT = 2**15  # text beyond this is not looked at (whoosh's DEFAULT_CHARLIMIT)
MARK = '<mark class="hl">{}</mark>'
# Lines around a place a term may be: the context a fragment takes before its first match (SURROUND, with room for
# the token it starts in) and the most it reaches after it (MAX_CHARS, then SURROUND of context).
BEFORE = 2 * SURROUND
AFTER = MAX_CHARS + SURROUND
LINE_CACHE = 16_384  # analysed lines kept (an article's body has a few dozen)
TEXT_CACHE = 512  # texts whose line starts and lower-cased copy are kept


class _Span(NamedTuple):  # a tuple: a snippet walks hundreds of them
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
    if not text or not terms:
        return ""
    fragments = [f for lines in _reach(analyzer, text, terms)
                 for f in _fragments(_merge(_spans(analyzer, text, lines, terms)))]
    best = sorted(fragments, key=lambda f: (f.score, f.start), reverse=True)[:top]
    best = [f for f in best if f.score >= 1]
    return BETWEEN.join(_format(text, f) for f in sorted(best, key=lambda f: f.start))


@lru_cache(maxsize=TEXT_CACHE)
def _layout(text: str) -> tuple[tuple[int, ...], str]:
    """Where each line of `text` starts, up to CHAR_LIMIT and one past its end, and the lower-cased text to look for
    terms in."""
    seen = text[:CHAR_LIMIT + SURROUND]
    starts, at = [0], seen.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = seen.find("\n", at + 1)
    return (*starts, len(seen) + 1), seen.lower()


def _probe(term: str) -> str:
    """What an occurrence of the analysed `term` must contain. English terms are Porter stems, which end where the
    word does except for a last e or i Porter wrote (make from making, deploi from deploy, kei from key) and the bl
    of sensibl (sensibility): without those, the stem is in the word."""
    if not (term.isascii() and term.isalpha()) or len(term) < 2:
        return term
    probe = term[:-1] if term[-1] in "ei" else term
    return probe[:-1] if probe.endswith("bl") else probe


def _reach(analyzer: Analyzer, text: str, terms: frozenset[str]) -> list[range]:
    """The runs of consecutive lines around the lines a term occurs in, as far as a fragment can reach from them."""
    starts, lower = _layout(text)
    lines = len(starts) - 1
    probed: set[int] = set()
    for probe in {_probe(t) for t in terms}:
        at = lower.find(probe)
        while at >= 0:
            line = bisect_right(starts, at) - 1
            probed.add(line)
            at = lower.find(probe, starts[line + 1])  # the line is in: on to the next one
    wanted: set[int] = set()
    for line in probed:
        if not terms.isdisjoint(_line_words(analyzer, _line(text, starts, line))):
            wanted.update(range(max(bisect_right(starts, starts[line] - BEFORE) - 1, 0),
                                min(bisect_left(starts, starts[line + 1] + AFTER), lines)))
    runs: list[range] = []
    for line in sorted(wanted):
        if runs and runs[-1].stop == line:
            runs[-1] = range(runs[-1].start, line + 1)
        else:
            runs.append(range(line, line + 1))
    return runs


def _line(text: str, starts: tuple[int, ...], line: int) -> str:
    return text[starts[line]:starts[line + 1] - 1]


def _spans(analyzer: Analyzer, text: str, lines: range, terms: frozenset[str]) -> Iterator[_Span]:
    starts, _lower = _layout(text)
    for i in lines:
        base = starts[i]
        for t, start, end in _line_tokens(analyzer, _line(text, starts, i)):
            yield _Span(t, base + start, base + end, t in terms)


@lru_cache(maxsize=LINE_CACHE)
def _line_tokens(analyzer: Analyzer, line: str) -> tuple[tuple[str, int, int], ...]:
    """A line's analysed tokens, stop words included (they are context): the same lines come up again and again."""
    return tuple((t.text, t.start, t.end) for t in analyzer.tokens(line, stops=True))


@lru_cache(maxsize=LINE_CACHE)
def _line_words(analyzer: Analyzer, line: str) -> frozenset[str]:
    """The distinct words of a line: a line a term's letters are in without the term is not walked around."""
    return frozenset(t for t, _start, _end in _line_tokens(analyzer, line))


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
            token = t
        elif t.start <= token.end:
            if t.end > token.end:
                token = _Span(token.text + t.text[token.end - t.end:], token.start, t.end, True)
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
            matches.append(t)
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
