"""English spelling suggestions ("Did you mean …") from the words of the indexed articles.

Whoosh's own ReaderCorrector ranks candidates by the frequency of the stemmed field, so "denid" gets
"end" rather than "denied". Here the nearest edit distance wins first, then (see `_rank`) the word that more articles use.
Words the rules know (software names, glossary phrases) are never "corrected": nginx is not a typo of engine.
"""

from __future__ import annotations

import re

SPELL_FIELD = "spell_body"
# A plain English word of four or more letters; not part of a file name, option or error code.
_WORD = re.compile(r"(?<![\w.\-])[A-Za-z][a-z]{3,}(?![\w\-]|\.\w)")


def _max_distance(word: str) -> int:
    """Short words tolerate one slip; with two, too many other real words are within reach."""
    return 2 if len(word) >= 7 else 1


class Speller:
    """Corrects the English words of a query against one index's vocabulary."""

    def __init__(self, reader, known_words=()):
        self.reader = reader
        self.known = {w.lower() for w in known_words}

    def correct(self, word: str) -> str | None:
        """The closest indexed word to a word the index does not know, or None."""
        word = word.lower()
        if word in self.known or self.reader.doc_frequency(SPELL_FIELD, word):
            return None
        for distance in range(1, _max_distance(word) + 1):
            found = [w.decode() if isinstance(w, bytes) else w
                     for w in self.reader.terms_within(SPELL_FIELD, word, distance)]
            found = [w for w in found if w.isascii() and w.isalpha()]
            if found:
                return max(found, key=lambda w: self._rank(word, w))
        return None

    def _rank(self, word: str, candidate: str) -> tuple:
        """Typos rarely hit the first letter; a name the rules know beats a common word; then frequency."""
        return (candidate[0] == word[0], candidate in self.known,
                self.reader.doc_frequency(SPELL_FIELD, candidate), -len(candidate), candidate)

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

    walk([book.lexicon, book.glossary, list(book.catalog.values())])
    return {w.lower() for text in texts for w in re.findall(r"[A-Za-z]{4,}", text)}
