"""Which catalog software a question is about when it names none: the articles' symptoms and titles, verbatim.

Customers paste the error and leave out the product ("530 Login incorrect", "Received message too long"). A lexicon
of names cannot keep up, but the articles quote those messages. A question takes an article's software when it
repeats a long enough run of one of its phrases, and no article of other software matches as well (a bare
"Connection timed out" is in the SSH, FTP and RDP articles alike, so it decides nothing). A message several software share
decides only when a single software's article titles carry it (an article about a message is named after it).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher

from kb.rules.lexicon import normalize

# Addresses and paths differ from one machine to the next; words, reply codes and exit codes do not.
_VARYING = re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b|\b0x[0-9a-f]+\b|\b\d{5,}\b|(?:/[\w.-]+){2,}")
_TOKEN = re.compile(r"[a-z][a-z0-9_'-]*|\d+|[\u3400-\u9fff]")
_CJK = re.compile(r"[\u3400-\u9fff]")
MIN_WEIGHT = 3.0  # three words of a message in a row (a CJK character weighs less than a word)
MIN_SHARE = 0.6  # and most of the phrase,
DISTINCT_WEIGHT = 4.0  # or four words of it in a row, when only one software's articles say them
CJK_WEIGHT = 0.4


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_VARYING.sub(" ", normalize(text)))


def _weight(tokens) -> float:
    return sum(CJK_WEIGHT if _CJK.match(t) else 1.0 for t in tokens)


@dataclass(frozen=True)
class Evidence:
    """The software a phrase of an article shows, the article and the phrase."""

    software: str
    article: str
    title: str
    phrase: str
    weight: float


class SoftwareEvidence:
    """The phrases (symptoms and titles) of the articles about catalog software, tokenized and indexed by token
    once per library: a question is matched only against the phrases that share two of its words."""

    def __init__(self, articles, catalog):
        articles = [a for a in articles if a.software in catalog]
        self.phrases = [(a, phrase, toks) for a in articles for phrase in (*a.symptoms, a.title)
                        if _weight(toks := _tokens(phrase)) >= MIN_WEIGHT]
        self.using: dict[str, list[int]] = {}  # token -> the phrases that contain it, in order
        for i, (_a, _phrase, toks) in enumerate(self.phrases):
            for token in dict.fromkeys(toks):
                self.using.setdefault(token, []).append(i)
        # Each software's phrases as one text, to tell a message of one software from one several share; each
        # phrase between " | " so that a run found in the text lies inside one phrase, on token edges.
        said: dict[str, list[str]] = {}
        titled: dict[str, list[str]] = {}
        for a in articles:
            said.setdefault(a.software, []).extend(" ".join(_tokens(p)) for p in (*a.symptoms, a.title))
            titled.setdefault(a.software, []).append(" ".join(_tokens(a.title)))
        self.said = {s: _joined(phrases) for s, phrases in said.items()}
        self.titled = {s: _joined(phrases) for s, phrases in titled.items()}

    def _owned(self, software: str, run: str, weight: float) -> bool:
        """Whether a matched run is this software's: only its articles say it, or (a longer one) only its titles."""
        needle = f" {run} "
        owners = {s for s, text in self.said.items() if needle in text}
        if owners == {software}:
            return True
        titled = {s for s, text in self.titled.items() if needle in text}
        return titled == {software} and weight > MIN_WEIGHT

    def _candidates(self, words: list[str]) -> list[int]:
        """The phrases with at least two of the question's distinct words, in their order."""
        shared = Counter(i for token in set(words) for i in self.using.get(token, ()))
        return sorted(i for i, n in shared.items() if n >= 2)

    def find(self, text: str) -> Evidence | None:
        """The strongest evidence in `text`, or None when there is none or other software matches as well."""
        words = _tokens(text)
        vocabulary = set(words)
        best: dict[str, Evidence] = {}
        runs: dict[tuple, tuple[list[str], float]] = {}  # libraries repeat phrases: each is matched once
        for i in self._candidates(words):
            article, phrase, toks = self.phrases[i]
            key = tuple(toks)
            shared = _weight(t for t in toks if t in vocabulary)  # no run of the phrase can weigh more
            if not _enough(shared, toks):
                continue
            if key not in runs:
                m = SequenceMatcher(None, toks, words, autojunk=False).find_longest_match(0, len(toks), 0, len(words))
                run = toks[m.a:m.a + m.size]
                runs[key] = (run, _weight(run))
            run, weight = runs[key]
            if not _enough(weight, toks):
                continue
            if weight > getattr(best.get(article.software), "weight", 0) and self._owned(article.software, " ".join(run), weight):
                best[article.software] = Evidence(article.software, article.id, article.title, phrase, weight)
        ranked = sorted(best.values(), key=lambda e: -e.weight)
        if not ranked or (len(ranked) > 1 and ranked[1].weight >= ranked[0].weight):
            return None
        return ranked[0]


def _enough(weight: float, phrase: list[str]) -> bool:
    """Whether a run of this weight may show the phrase's software: most of the phrase, or a long run of a long
    message ("Too many authentication failures" inside "Received disconnect from …: Too many authentication
    failures"); `_owned` then checks that no other software's articles say it."""
    return weight >= MIN_WEIGHT and (weight >= MIN_SHARE * _weight(phrase) or weight >= DISTINCT_WEIGHT)


def _joined(phrases: list[str]) -> str:
    """Phrases as one text in which ` run ` is found exactly when it is inside one phrase on token edges."""
    return "|" + "|".join(f" {p} " for p in phrases) + "|"
