"""KnowledgeBase: the one object callers hold. It owns the rules, the articles and the search index,
reloads them when their files change, and keeps the last good version of anything that breaks."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path

from kb.content.articles import Library
from kb.content.articles import load_library
from kb.errors import InvalidFiles
from kb.errors import NotFound
from kb.errors import NotReady
from kb.errors import RuleError
from kb.rules.book import load_rulebook
from kb.rules.case import Onsite
from kb.rules.engine import Decision
from kb.rules.engine import decide
from kb.rules.intake import intake_for
from kb.rules.render import render_decision
from kb.rules.views import DecisionView
from kb.search.hybrid import Searcher
from kb.search.index import OpenIndex
from kb.search.index import build_index
from kb.search.index import current_build
from kb.search.semantic import Embedder
from kb.search.spelling import rule_words

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Rules, articles and search over three folders; safe to share between threads."""

    def __init__(self, rules_dir, articles_dir, index_dir, model_path: str | None = None, embedder: Embedder | None = None):
        self.rules_dir, self.articles_dir, self.index_dir = Path(rules_dir), Path(articles_dir), Path(index_dir)
        self.embedder = embedder or Embedder(model_path)
        self._lock = threading.Lock()
        self.book = load_rulebook(self.rules_dir)  # no last good version yet: a broken start fails loudly
        self.rule_problems: list = []
        self.library = load_library(self.articles_dir, self.topics)
        self._searcher: Searcher | None = None
        self._build: Path | None = None
        self._stamp = self._files_stamp()
        self._checked = time.monotonic()

    @classmethod
    def from_settings(cls, settings) -> KnowledgeBase:
        """The knowledge base a deployment configures (kb.settings.Settings)."""
        return cls(settings.rules_dir, settings.articles_dir, settings.index_path, model_path=settings.model_path)

    @property
    def topics(self) -> set[str]:
        """Allowed article `software` values: catalog keys and the service topics."""
        return self.book.topics()

    def reload(self) -> list:
        """Re-read rules and articles; a broken file is reported and the last good version kept."""
        with self._lock:
            try:
                book = load_rulebook(self.rules_dir)
                self.book, self.rule_problems = book, []
            except RuleError as exc:
                log.error("rules not reloaded, the last good rules keep serving:\n%s", exc)
                self.rule_problems = exc.problems
            self.library = load_library(self.articles_dir, self.topics, previous=self.library)
            self._searcher = None
        return self.rule_problems + self.library.problems

    def refresh(self, min_interval: float = 2.0) -> bool:
        """Reload if a rule or article file changed since the last look (at most every `min_interval` s)."""
        now = time.monotonic()
        if now - self._checked < min_interval:
            return False
        self._checked = now
        stamp = self._files_stamp()
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        self.reload()
        return True

    def _files_stamp(self) -> tuple:
        files = [p for folder in (self.rules_dir, self.articles_dir) for p in folder.rglob("*") if p.is_file()]
        return len(files), max((p.stat().st_mtime_ns for p in files), default=0)

    def build_index(self, progress: bool = False) -> Path:
        """Build the search index for the current articles and switch to it."""
        build = build_index(self.library, self.index_dir, self.embedder, progress=progress)
        self._searcher = None
        return build

    def searcher(self) -> Searcher:
        """The searcher of the newest build; picks up a new build without a restart."""
        build = current_build(self.index_dir)
        if build is None:
            raise NotReady("no search index yet: run `kb index`")
        with self._lock:
            if self._searcher is None or build != self._build:
                book = self.book
                self._searcher = Searcher(OpenIndex(build), self.library, self.embedder, book.glossary, rule_words(book))
                self._build = build
            return self._searcher

    def search(self, query: str, lang: str | None = None, software: str | None = None, category: str | None = None,
               limit: int = 10, mode: str = "hybrid", bridge: bool = True, pinned: list[str] | None = None):
        """Ranked hits for a validated query (kb.schemas.SearchRequest), with `.suggestion` when English typos were
        corrected (see kb.search.hybrid). `pinned` topics go first; by default the articles that explain an
        out-of-scope question, as the rules decide it."""
        if pinned is None:
            pinned = [] if software or category else self.explaining(decide(self.book, intake_for(self.book).read(query)))
        return self.searcher().search(query, lang=lang, software=software, category=category, limit=limit,
                                      mode=mode, bridge=bridge, pinned=pinned)

    def explaining(self, decision: Decision) -> list[str]:
        """Topic keys the rules link to an out-of-scope decision: no fix exists, the scope article is the answer."""
        return [key for key in decision.articles if self.library.by_key(key)] if decision.scope == "out" else []

    def ask(self, question: str, plan: str | None = None, severity: str | None = None, onsite: Onsite | None = None,
            reported_at: dt.datetime | None = None, **given) -> Decision:
        """Read a validated question (kb.schemas.AskRequest) into a case and decide it with the rules: a
        language-neutral decision (see `render`). `given` facts (software, os, version) win over the text's."""
        book = self.book
        case = intake_for(book).read(question, plan=plan, severity=severity, onsite=onsite, reported_at=reported_at,
                                     **given)
        return decide(book, case)

    def render(self, decision: Decision, lang: str) -> DecisionView:
        """A decision in one language, as `kb ask --json` prints it."""
        return render_decision(self.book, decision, lang)

    def article(self, article_id: str):
        """One article by id."""
        try:
            return self.library.articles[article_id]
        except KeyError:
            raise NotFound(f"no article `{article_id}`") from None

    def problems(self) -> list:
        """Every problem found in rules and articles at the last (re)load."""
        return self.rule_problems + self.library.problems


__all__ = ["KnowledgeBase", "InvalidFiles", "Library"]
