"""Find lexicon terms in free text, in Chinese and English.

ASCII terms match on word boundaries. Short Chinese terms (one or two characters) must also line up
with the word edges of jieba's stock dictionary (search mode), so that 不通 is not found inside 普通; longer
ones match as written. A term right after a negation word (不紧急, not urgent) is not found.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jieba

from kb.segmenting import new_tokenizer

jieba.setLogLevel(logging.WARNING)
_CJK = re.compile(r"[\u3400-\u9fff]")


def normalize(text: str, fold_case: bool = True) -> str:
    """Fold width and case (full-width ＳＳＨ → ssh) and collapse white space; `fold_case=False` keeps the case."""
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()
    return text.lower() if fold_case else text


def is_chinese(text: str) -> bool:
    """Whether the text is mainly Chinese: two or more CJK characters."""
    return len(_CJK.findall(text)) >= 2


@dataclass(frozen=True)
class Match:
    """One term found in a text."""

    term: str
    label: object
    start: int
    end: int


def term_pattern(term: str) -> re.Pattern:
    """The regular expression of one (normalized) term: its words, with word boundaries around ASCII ends."""
    body = r"\s*".join(re.escape(part) for part in term.split())
    head = r"(?<![a-z0-9_])" if re.match(r"[a-z0-9]", term) else ""
    # A name joined to its version by an underscore (armbian_22.11) is still the name; chroot_local_user is not chroot.
    tail = r"(?![a-z0-9]|_[a-z])" if re.search(r"[a-z0-9]$", term) else ""
    return re.compile(head + body + tail)


@lru_cache(maxsize=1)
def _tokenizer() -> jieba.Tokenizer:
    """The matchers' own jieba tokenizer: TermMatcher adds its short Chinese terms to it. Search must never use it
    (kb.search.analysis owns one built from a declared word list), or building the intake would change how
    queries are cut after the index was built."""
    return new_tokenizer()


class TermMatcher:
    """Matches a fixed set of labelled terms; longest match wins where two overlap."""

    def __init__(self, entries, negations=()):
        negations = [term_pattern(normalize(str(n))).pattern for n in negations]
        self._negated = re.compile("(?:" + "|".join(negations) + r")\s*$") if negations else None
        self._entries = []
        tok = _tokenizer()
        for term, label in entries:
            term = normalize(str(term))
            if not term:
                continue
            if len(term) <= 2 and _CJK.search(term):
                tok.add_word(term)  # so 容灾 in 做容灾方案 is a word of its own, as jieba would cut it anyway
                _words_added[0] += 1
            # Every word of a term is literal in its pattern, so its longest word missing from the text rules the
            # term out at the cost of a substring test: most of a lexicon never reaches the regular expression.
            self._entries.append((term, label, term_pattern(term), max(term.split(), key=len)))

    def find(self, text: str) -> list[Match]:
        """Return the non-overlapping matches in `text` (already normalized or not), in text order."""
        text = normalize(text)
        bounds = _boundaries(text) if _CJK.search(text) else None
        found = []
        for term, label, pattern, word in self._entries:
            if word not in text:
                continue
            for m in pattern.finditer(text):
                short_cjk = _CJK.search(term) and len(term) <= 2
                if short_cjk and bounds is not None and not (m.start() in bounds and m.end() in bounds):
                    continue
                found.append(Match(term, label, m.start(), m.end()))
        found.sort(key=lambda m: (-(m.end - m.start), m.start))
        taken: list[Match] = []
        for m in found:
            if all(m.end <= t.start or m.start >= t.end for t in taken):
                taken.append(m)
        # A negated match still holds its span, so that 急 is not found inside a negated 紧急.
        taken = [m for m in taken if not (self._negated and self._negated.search(text, 0, m.start))]
        return sorted(taken, key=lambda m: m.start)

    def terms(self) -> list[str]:
        """Every term, normalized."""
        return [term for term, _label, _pattern, _word in self._entries]

    def labels(self, text: str) -> list:
        """The distinct labels found, in order of first appearance."""
        seen = []
        for m in self.find(text):
            if m.label not in seen:
                seen.append(m.label)
        return seen


def _boundaries(text: str) -> frozenset[int]:
    """Word edges from jieba's fine-grained (search) mode, so 代码 is found in 程序代码 but 不通 not in 普通. Every
    matcher of the intake asks for the same text's edges (about fifteen a question), so they are cut once; a word
    added to the tokenizer since makes them cut again."""
    return _cut_boundaries(text, _words_added[0])


_words_added = [0]  # words TermMatchers added to the shared tokenizer: part of _cut_boundaries' key


@lru_cache(maxsize=32)  # the texts of the last few questions: a question's matchers ask one after another
def _cut_boundaries(text: str, _words: int) -> frozenset[int]:
    bounds = {0, len(text)}
    for _word, start, end in _tokenizer().tokenize(text, mode="search"):
        bounds.update((start, end))
    return frozenset(bounds)


