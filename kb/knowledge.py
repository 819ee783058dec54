"""KnowledgeBase: the one object callers hold. It owns the rules, the articles and the search index,
reloads them when their files change, and keeps the last good version of anything that breaks."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from pathlib import Path

from kb.content import parsed as parsed_articles
from kb.content.articles import Library
from kb.content.articles import load_library
from kb.errors import InvalidFiles
from kb.errors import NotFound
from kb.errors import NotReady
from kb.errors import RuleError
from kb.fingerprint import files_fingerprint
from kb.rules.book import RuleBook
from kb.rules.book import load_rulebook
from kb.rules.case import Onsite
from kb.rules.engine import Decision
from kb.rules.engine import decide
from kb.rules.evidence import Evidence
from kb.rules.evidence import SoftwareEvidence
from kb.rules.intake import intake_for
from kb.rules.render import render_decision
from kb.rules.text import msg
from kb.rules.trace import Step
from kb.rules.views import DecisionView
from kb.search import registry
from kb.search.analysis import Analyzer
from kb.search.analysis import analyzer_for
from kb.search.analysis import fingerprint
from kb.search.analysis import glossary_words
from kb.search.hybrid import Searcher
from kb.search.index import IndexStatus
from kb.search.index import OpenBuild
from kb.search.index import build_index
from kb.search.index import current_build
from kb.search.index import index_status
from kb.search.index import read_manifest
from kb.search.protocols import Embedder
from kb.search.spelling import rule_words

log = logging.getLogger(__name__)


class KnowledgeBase:
    """Rules, articles and search over three folders; safe to share between threads."""

    def __init__(self, rules_dir, articles_dir, index_dir, model_path: str | None = None,
                 embedder: Embedder | str | None = registry.DEFAULT_EMBEDDER, keyword_backend: str = registry.DEFAULT_KEYWORD,
                 book: RuleBook | None = None, library: Library | None = None):
        """`embedder` is an Embedder, the registry name of one (read from `model_path`, default its own model), or
        None for keyword-only search (no model); `keyword_backend` is a registry name
        (kb.search.registry). `book` and `library`, already loaded from these folders, are taken as they are (a
        draft of the rules decides with the site's articles, kb.drafts)."""
        self.rules_dir, self.articles_dir, self.index_dir = Path(rules_dir), Path(articles_dir), Path(index_dir)
        self.embedder: Embedder | None = registry.embedder(embedder, model_path) if isinstance(embedder, str) else embedder
        self.keyword_backend = registry.keyword_backend(keyword_backend)
        self._lock = threading.Lock()
        self.book = book or load_rulebook(self.rules_dir)  # no last good version yet: a broken start fails loudly
        self.rule_problems: list = []
        if library is None:
            stored = parsed_articles.read(self.index_dir)
            library = load_library(self.articles_dir, self.topics, parsed=stored)
            parsed_articles.write(self.index_dir, library, stored)
        self.library = library
        self._searcher: Searcher | None = None
        self._phrases: tuple[Library, SoftwareEvidence] | None = None  # built on first use, again after a reload
        self._opened: OpenBuild | None = None
        self._fingerprint: tuple = (None, None)  # (book, fingerprint of its analyzer), computed when asked
        self.fingerprint = files_fingerprint(self.rules_dir, self.articles_dir)  # of the files last loaded
        self._checked = time.monotonic()

    @classmethod
    def from_settings(cls, settings) -> KnowledgeBase:
        """The knowledge base a deployment configures (kb.settings.Settings)."""
        return cls(settings.rules_dir, settings.articles_dir, settings.index_path, model_path=settings.model_path,
                   embedder=None if settings.embedder == "none" else settings.embedder,
                   keyword_backend=settings.keyword_engine)

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
            previous = self.library
            self.library = load_library(self.articles_dir, self.topics, previous=previous)
            parsed_articles.write(self.index_dir, self.library, {a.path: a for a in previous.articles.values()})
            self._searcher = None
        return self.rule_problems + self.library.problems

    def refresh(self, min_interval: float = 2.0) -> bool:
        """Reload if the content of a rule or article file changed since the last look (at most every
        `min_interval` s); modification times are not trusted, so a copied-in edit is seen too."""
        now = time.monotonic()
        if now - self._checked < min_interval:
            return False
        self._checked = now
        fingerprint = files_fingerprint(self.rules_dir, self.articles_dir)
        if fingerprint == self.fingerprint:
            return False
        self.fingerprint = fingerprint
        self.reload()
        return True

    def analyzer(self) -> Analyzer:
        """The search analyzer the current rules configure (the glossary's short Chinese terms): what the next build
        uses. Searches use the analyzer the build in use recorded."""
        return analyzer_for(glossary_words(self.book.glossary))

    def index_status(self) -> IndexStatus:
        """Whether the build in use was made with the analyzer the rules configure now, the configured keyword
        backend and embedder; `stale` means `kb index` should run, `reasons` says why (for the site to show)."""
        build = current_build(self.index_dir)
        book = self.book
        if self._fingerprint[0] is not book:
            self._fingerprint = (book, fingerprint(glossary_words(book.glossary)))
        opened = self._opened
        manifest = opened.manifest if opened is not None and opened.build == build else build and read_manifest(build)
        return index_status(build, manifest, analyzer_fingerprint=self._fingerprint[1], keyword=self.keyword_backend.name,
                            embedder=self.embedder.name if self.embedder is not None else None)

    @property
    def index_stale(self) -> bool:
        """True when `kb index` should run (see index_status)."""
        return self.index_status().stale

    def build_index(self, progress: bool = False) -> Path:
        """Build the search index for the current articles and switch to it (keyword-only without an embedder)."""
        build = build_index(self.library, self.index_dir, analyzer=self.analyzer(), keyword=self.keyword_backend,
                            embedder=self.embedder, progress=progress)
        self._searcher = None
        return build

    def searcher(self) -> Searcher:
        """The searcher of the newest build; picks up a new build without a restart."""
        build = current_build(self.index_dir)
        if build is None:
            raise NotReady("no search index yet: run `kb index`")
        with self._lock:
            stale = self._opened
            if stale is None or stale.build != build:
                self._opened, self._searcher = OpenBuild(build), None
                if stale is not None:
                    stale.close()  # searches still running on it finish; their whoosh searchers close after
            if self._searcher is None:  # a new build, or rules and articles reloaded
                book = self.book
                self._searcher = Searcher(self._opened, self.library, self.embedder, book.glossary, rule_words(book))
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
        intake = intake_for(book)
        case = intake.read(question, plan=plan, severity=severity, onsite=onsite, reported_at=reported_at, **given)
        evidence = self._evidence(case)
        if evidence:
            case = intake.read(question, plan=plan, severity=severity, onsite=onsite, reported_at=reported_at,
                               **(given | {"software": evidence.software}))
        decision = decide(book, case)
        if evidence:
            decision.trace.insert(0, Step(f"evidence.{evidence.article}", "fact", evidence.article, msg(
                "trace_software_evidence", software=book.catalog[evidence.software].name, title=evidence.title,
                phrase=evidence.phrase), {"software": evidence.software}))
        return decision

    def _evidence(self, case) -> Evidence | None:
        """The software the articles' symptoms show, for a case the lexicon found none in (and did not set aside)."""
        book = self.book
        if case.software_status != "none" or case.topic or any(m in book.catalog for m in case.mentions):
            return None
        library = self.library
        if self._phrases is None or self._phrases[0] is not library:
            self._phrases = (library, SoftwareEvidence(library.articles.values(), book.catalog))
        return self._phrases[1].find(case.text)

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
