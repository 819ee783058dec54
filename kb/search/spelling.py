"""English spelling suggestions ("Did you mean …") from the words of the indexed articles.

The vocabulary is the keyword index's (KeywordIndex.doc_frequency and words_near: the articles' unstemmed
words), whatever the backend. Whoosh's own ReaderCorrector ranks candidates by the frequency of the stemmed
field, so "denid" gets "end" rather than "denied". Here the fewest edits win first (see `_rank`). Words the
rules know (software names, glossary phrases) are never "corrected": nginx is not a typo of engine.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA
from rapidfuzz.distance import Levenshtein

from kb.search.protocols import FIELD_WEIGHTS

# A plain English word of five or more letters; not part of a file name, option or error code. Shorter
# words (bake, cake) are a letter away from too many real ones (make, case) for a guess to help.
_WORD = re.compile(r"(?<![\w.\-])[A-Za-z][a-z]{4,}(?![\w\-]|\.\w)")


def _max_distance(word: str) -> int:
    """One slip; two only in long words, where few real words are in reach."""
    return 2 if len(word) >= 8 else 1


class Speller:
    """Corrects the English words of a query against one index's vocabulary."""

    def __init__(self, vocabulary, known_words=()):
        self.vocabulary = vocabulary  # a KeywordIndex
        self.known = {w.lower() for w in known_words}

    def correct(self, word: str) -> str | None:
        """The closest indexed word with the same first letter (typos rarely hit it) to an unknown word, or None."""
        word = word.lower()
        if word in self.known or self.vocabulary.doc_frequency(word):
            return None
        limit = _max_distance(word)
        # Ask for two edits even when one is allowed: Levenshtein (whoosh's automaton) counts a swap of two
        # letters as two edits; OSA distance, used to decide, counts it as one.
        found = {}
        for term in self.vocabulary.words_near(word, 2):
            if term.isascii() and term.isalpha() and term[0] == word[0]:
                distance = OSA.distance(word, term)
                if distance <= limit:
                    found[term] = distance
        return max(found, key=lambda w: self._rank(found[w], w), default=None)

    def _rank(self, distance: int, candidate: str) -> tuple:
        """Fewest edits; then a name the rules know beats a common word; then the word more articles use."""
        return (-distance, candidate in self.known,
                self.vocabulary.doc_frequency(candidate), -len(candidate), candidate)

    def suggest(self, query: str) -> str | None:
        """The query with its misspelled English words replaced, or None when nothing needs changing."""
        changed = False

        def fix(m: re.Match) -> str:
            nonlocal changed
            better = self.correct(m.group())
            if better is None:
                return m.group()
            changed = True
            return better.capitalize() if m.group()[0].isupper() else better

        suggestion = _WORD.sub(fix, query)
        return suggestion if changed else None


def words_near(word: str, vocabulary: list[str], max_distance: int) -> list[str]:
    """The words of `vocabulary` within `max_distance` edits (Levenshtein) of `word`: what a keyword index answers
    to KeywordIndex.words_near, by rapidfuzz over its word list (whoosh's own automaton walk took a third of a
    search's time on the shipped library)."""
    found = process.extract(word, vocabulary, scorer=Levenshtein.distance, score_cutoff=max_distance, limit=None)
    return [term for term, _distance, _index in found]


def known_share(words: list[str], frequency) -> float:
    """The share of the distinct analysed `words` that some article has in a weighted field, `frequency(field, word)`
    being the index's document frequency: what KeywordIndex.known_share answers, on any backend."""
    distinct = list(dict.fromkeys(words))
    if not distinct:
        return 0.0
    return sum(any(frequency(f, w) for f in FIELD_WEIGHTS) for w in distinct) / len(distinct)


def rule_words(book) -> set[str]:
    """Every ASCII word the rules use in lexicons, the glossary and the catalog: names, not typos."""
    texts: list[str] = []

    def walk(value):
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk([book.lexicon.model_dump(), [t.model_dump() for t in book.glossary],
          [row.model_dump() for row in book.catalog.values()]])
    return {w.lower() for text in texts for w in re.findall(r"[A-Za-z]{4,}", text)}
