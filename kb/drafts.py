"""A rule change before it ships: the rule files with the change applied in a draft folder, checked by the loader
`kb rules check` uses, every rule test case run against them, and the logged decisions and tickets replayed
(kb.replay).

Rule files saved on the desk are versions in the database (kb.store.rule_revisions); every host writes the newest
text of each into its rules folder and reloads, as it does for articles (kb.content.revisions)."""

from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml

from kb.content.revisions import write_atomically
from kb.errors import InvalidFiles
from kb.errors import Problem
from kb.replay import COMPARED
from kb.replay import Report
from kb.replay import replay
from kb.rules.book import load_rulebook
from kb.rules.engine import Decision
from kb.rules.ruletests import RuleTestReport
from kb.rules.ruletests import run_rule_tests
from kb.rules.views import DecisionView

PATH = re.compile(r"^[a-z0-9][a-z0-9_\-]*(/[a-z0-9][a-z0-9_\-]*)*\.yaml$")  # a rule file, relative to the folder
MAX_TEXT = 60_000  # characters of one rule file


def rule_texts(rules_dir: Path) -> dict[str, str]:
    """Every rule file (test cases included) by its path relative to the folder."""
    root = Path(rules_dir)
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))
            if p.is_file() and PATH.fullmatch(p.relative_to(root).as_posix())}


def write_rules(rules_dir: Path, texts: dict[str, str | None]) -> list[str]:
    """Write each file's text into `rules_dir` (None: the file is removed), each atomically; the paths changed."""
    root = Path(rules_dir).resolve()
    changed = []
    for path, text in sorted(texts.items()):
        if not PATH.fullmatch(path):
            continue  # never a path out of the folder (the save checked it; this is the second fence)
        target = root / path
        if text is None:
            if target.is_file():
                target.unlink()
                changed.append(path)
        elif write_atomically(target, text):
            changed.append(path)
    return changed


@contextmanager
def draft_folder(rules_dir: Path, changes: dict[str, str | None]):
    """A temporary copy of the rules folder with `changes` written into it."""
    with tempfile.TemporaryDirectory(prefix="kb-draft-") as folder:
        draft = Path(folder) / "rules"
        shutil.copytree(rules_dir, draft, ignore=shutil.ignore_patterns(".*"))
        write_rules(draft, changes)
        yield draft


@dataclass
class DraftCheck:
    """What a draft does: its problems at file:line, its rule tests, and what it changes in the logged decisions and
    tickets."""

    problems: list[Problem] = field(default_factory=list)
    tests: RuleTestReport | None = None
    replay: Report | None = None
    broken: list[dict] = field(default_factory=list)  # failures of cases the rules in force pass

    @property
    def ok(self) -> bool:
        """Loads, and makes no rule test case the rules in force pass fail: it may be saved. A case that fails with
        the rules in force too, or is new (one made from a wrong answer, until the rules give its outcome), does
        not hold a change back."""
        return not self.problems and self.tests is not None and not self.broken


@dataclass
class DraftTry:
    """One case decided by the rules in force and by a draft, each with its view in the reader's language."""

    live: Decision
    live_view: DecisionView
    draft: Decision
    draft_view: DecisionView

    def rows(self) -> list[tuple[str, object, object]]:
        """(what, live, draft) for what a replay compares (kb.replay.COMPARED) and the rules that fired."""
        a, b = self.live.summary(), self.draft.summary()
        return [(name, a[name], b[name]) for name in COMPARED] + [("fired", self.live.fired, self.draft.fired)]

    @property
    def differs(self) -> bool:
        return any(live != draft for _name, live, draft in self.rows())


def check_draft(live, changes: dict[str, str | None], entries: list[dict]) -> DraftCheck:
    """Load the live KnowledgeBase's rules with `changes`, run every test case (and, to tell what the change breaks,
    the live rules' own), and replay `entries` (kb.replay.replayable rows: logged decisions and tickets) on both;
    paths are relative to the rules folder."""
    with draft_folder(live.rules_dir, changes) as folder:
        local = _localizer(folder)
        try:
            book = load_rulebook(folder)
            tests = run_rule_tests(book, folder / "tests")
        except InvalidFiles as exc:
            return DraftCheck(_local_problems(exc, local))
        for failure in tests.failures:
            failure["case"] = local(failure["case"])
        for rule in tests.unfired:
            rule["where"] = local(rule["where"])
        for conflict in tests.conflicts:
            conflict["case"] = local(conflict["case"])
        broken = [f for f in tests.failures if f["id"] in _passing(live)]
        return DraftCheck([], tests, replay(entries, live, _knowledge(live, folder, book)), broken)


@contextmanager
def draft_knowledge(live, changes: dict[str, str | None]):
    """The live KnowledgeBase with `changes` to its rules, loaded in a draft folder as check_draft loads it, to decide
    a case with (it has no search index). InvalidFiles, its problems at paths relative to the folder, when the draft
    does not load."""
    with draft_folder(live.rules_dir, changes) as folder:
        try:
            book = load_rulebook(folder)
        except InvalidFiles as exc:
            raise InvalidFiles(_local_problems(exc, _localizer(folder))) from None
        yield _knowledge(live, folder, book)


def _knowledge(live, folder: Path, book):
    """A KnowledgeBase deciding with the draft's `book`: the draft decides as the site does, with the articles'
    evidence too."""
    from kb.knowledge import KnowledgeBase

    return KnowledgeBase(folder, live.articles_dir, Path(folder).parent / "index", embedder=None, book=book,
                         library=live.library)


def _localizer(folder: Path):
    """A function that writes the draft folder's paths in a text relative to it, as the rules folder's are."""
    return lambda text: text.replace(f"{folder}/", "").replace(str(folder), ".")


def _local_problems(exc: InvalidFiles, local) -> list[Problem]:
    return [Problem(local(p.path), p.line, local(p.message), p.severity) for p in exc.problems]


_PASSING: dict[tuple, set[str]] = {}  # the live rules' passing cases, for the newest (rule book, test files) seen


def _passing(live) -> set[str]:
    """The ids of the test cases the live rules pass; run again only when the rules or their test files change."""
    tests = live.rules_dir / "tests"
    key = (live.book.fingerprint, tuple(sorted((p.name, p.read_bytes()) for p in tests.glob("*.yaml"))))
    if key not in _PASSING:
        _PASSING.clear()
        _PASSING[key] = set(run_rule_tests(live.book, tests).passed)
    return _PASSING[key]


def rules_changed(history: list[dict]) -> dict[str, dict]:
    """The newest saved version (kb.store.rule_revisions) that changed each decision rule, by rule id: a rule is
    changed when its definition in a decisions file differs before and after the version."""
    changed: dict[str, dict] = {}
    for revision in sorted(history, key=lambda r: r["version"]):
        for path, text in revision["files"].items():
            before, after = _rules_in(revision["before"].get(path)), _rules_in(text)
            for rule_id in before.keys() | after.keys():
                if before.get(rule_id) != after.get(rule_id):
                    changed[rule_id] = revision
    return changed


def _rules_in(text: str | None) -> dict[str, dict]:
    """The decision rules a file's text defines, by id (none for another kind of file or one that does not parse)."""
    try:
        data = yaml.safe_load(text or "")
    except yaml.YAMLError:
        return {}
    if not isinstance(data, dict) or data.get("kind") != "decisions" or not isinstance(data.get("rules"), list):
        return {}
    return {r["id"]: r for r in data["rules"] if isinstance(r, dict) and isinstance(r.get("id"), str)}
