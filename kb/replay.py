"""What a rule change would do before it ships: every logged question and every ticket decided again by the live
rules and by a draft, and the differences counted by what changed and by the rules that cause them.

Both sides decide the logged input afresh, so the report shows the draft's effect alone, not every change since the
question was asked. A logged entry keeps the whole input (kb.service) and the time the rules used, so a replay gives
the same deadline the customer saw; a ticket is decided again from its stored fields as Service.open_ticket decided
it, at its filing time."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml

from kb.errors import KBError
from kb.rules.case import Onsite
from kb.rules.engine import Decision

# What a customer sees change, as Decision.summary() names it.
COMPARED = ("scope", "software", "channels", "response_target_minutes", "deadline", "support_level", "severity",
            "alternatives", "onsite")
EXAMPLES = 5  # changed decisions kept per cause


@dataclass
class Change:
    """One logged question or ticket whose decision the draft changes."""

    log_id: int | None
    question: str
    fields: dict[str, tuple]  # name -> (live, draft)
    causes: list[str]  # rules that fire on one side only or are redefined and fired; else the rule files that differ
    source: str = "log"  # "log": a logged answer, `ref` its log id; "ticket": `ref` the ticket's number
    ref: int | str | None = None

    @property
    def label(self) -> str:
        return label(self.source, self.ref)


@dataclass
class Report:
    """A replay: how many decisions were replayed, which change, and how, grouped by field and by cause."""

    replayed: int = 0
    changes: list[Change] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)  # entries one side could not decide, with why
    by_field: Counter = field(default_factory=Counter)
    by_cause: Counter = field(default_factory=Counter)

    def examples(self, cause: str) -> list[Change]:
        """The first changed decisions a cause explains."""
        return [c for c in self.changes if cause in c.causes][:EXAMPLES]

    def to_json(self) -> dict:
        return {"replayed": self.replayed, "changed": len(self.changes), "failed": self.failed,
                "by_field": dict(self.by_field.most_common()), "by_cause": dict(self.by_cause.most_common()),
                "changes": [{"log_id": c.log_id, "source": c.source, "ref": c.ref, "question": c.question,
                             "causes": c.causes,
                             "fields": {k: {"live": a, "draft": b} for k, (a, b) in c.fields.items()}}
                            for c in self.changes]}


def label(source: str, ref) -> str:
    """How a replayed entry is named in text: `#12` for a logged answer, `ticket T20261122-7F3K9Q` for a ticket."""
    return f"ticket {ref}" if source == "ticket" else f"#{ref}"


def replayable(store, since: dt.datetime | None = None) -> list[dict]:
    """What a draft is replayed against: the decision log and the tickets filed since `since`, oldest first."""
    entries = store.logs.decisions(since) + store.tickets.decisions(since)
    return sorted(entries, key=lambda e: dt.datetime.fromisoformat(e["created_at"]))


def case_from_log(entry: dict, expect: dict, case_id: str | None = None) -> dict:
    """A rule test case (rules/tests/) from a logged answer that was wrong: its question and facts as logged, and
    the outcome the engineer expects; it fails until the rules give that outcome."""
    given = entry["input"]
    facts = {k: given.get(k) for k in ("plan", "severity", "onsite", "software", "os", "version", "reported_at")}
    return {"id": case_id or f"log-{entry['id']}", "question": given["question"],
            "case": {k: v for k, v in facts.items() if v is not None}, "expect": expect}


def add_case(tests_file: Path, case: dict) -> None:
    """Append `case` to a rule test file (made if missing), atomically: a file that would no longer load, or an id
    it already has, is left as it was and the error raised."""
    from kb.rules.ruletests import load_cases  # the checks `kb rules test` makes

    text = tests_file.read_text(encoding="utf-8") if tests_file.exists() else "kind: rule_tests\ncases:\n"
    if not text.endswith("\n"):
        text += "\n"
    block = yaml.safe_dump([case], allow_unicode=True, sort_keys=False, width=120)
    text += "".join(f"  {line}\n" for line in block.splitlines())
    with tempfile.TemporaryDirectory() as folder:  # checked alone, where nothing else is read
        (Path(folder) / tests_file.name).write_text(text, encoding="utf-8")
        ids = [c["id"] for c in load_cases(Path(folder))]
    if ids.count(case["id"]) > 1:
        raise ValueError(f"{tests_file} already has a case `{case['id']}`")
    draft = tests_file.with_name(f".{tests_file.name}.draft")  # not *.yaml: never read as a test file
    draft.write_text(text, encoding="utf-8")
    os.replace(draft, tests_file)


def decide_logged(knowledge, entry: dict) -> Decision:
    """Decide a logged input again with `knowledge` (a KnowledgeBase), at the time the rules first used."""
    given = entry["input"]
    onsite = given.get("onsite")
    return knowledge.ask(given["question"], plan=given.get("plan"), severity=given.get("severity"),
                         onsite=Onsite(**onsite) if onsite else None,
                         reported_at=dt.datetime.fromisoformat(given["reported_at"]),
                         software=given.get("software"), os=given.get("os"), version=given.get("version"))


def differences(before: Decision, after: Decision) -> dict[str, tuple]:
    """What a customer would see change between two decisions of one case, by field: name -> (before, after)."""
    a, b = before.summary(), after.summary()
    return {name: (a[name], b[name]) for name in COMPARED if a[name] != b[name]}


def replay(entries: Iterable[dict], live, draft) -> Report:
    """Decide every entry (`replayable()`: `Logs.decisions()` and `Tickets.decisions()` rows, or the same read from
    an export) with the `live` and the `draft` knowledge bases and report the decisions that differ."""
    report = Report()
    redefined = _redefined(live.book, draft.book)
    edited = [f"file:{name}" for name in _edited_files(live.rules_dir, draft.rules_dir)]
    for entry in entries:
        source = entry.get("source", "log")
        ref = entry.get("ref", entry.get("id"))
        try:
            before, after = decide_logged(live, entry), decide_logged(draft, entry)
        except (KBError, KeyError, TypeError, ValueError) as exc:  # a plan the draft removed, a malformed entry
            report.failed.append({"log_id": entry.get("id"), "source": source, "ref": ref, "error": str(exc)})
            continue
        report.replayed += 1
        changed = differences(before, after)
        if not changed:
            continue
        fired_a, fired_b = set(before.fired), set(after.fired)
        causes = sorted((fired_a ^ fired_b) | ((fired_a | fired_b) & redefined)) or edited
        report.changes.append(Change(entry.get("id"), entry["input"]["question"], changed, causes, source, ref))
        report.by_field.update(changed.keys())
        report.by_cause.update(causes)
    return report


def _edited_files(live_dir: Path, draft_dir: Path) -> list[str]:
    """The rule files (test cases aside) that differ between two folders: plans, channels, catalog, lexicons..."""
    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.yaml")
                if p.is_file() and "tests" not in p.relative_to(folder).parts}
    live, draft = files(live_dir), files(draft_dir)
    return sorted(name for name in live.keys() | draft.keys() if live.get(name) != draft.get(name))


def _redefined(live_book, draft_book) -> set[str]:
    """Decision rules present in both books whose definition differs (where they are written aside)."""
    def definition(rule) -> dict:
        return rule.model_dump(exclude={"file", "line"})
    drafted = {r.id: definition(r) for r in draft_book.decisions}
    return {r.id for r in live_book.decisions if r.id in drafted and definition(r) != drafted[r.id]}
