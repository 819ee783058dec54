"""Run the rule test cases in `rules/tests/`, and report rule coverage and conflicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from kb.errors import RuleError
from kb.rules.book import validate
from kb.rules.case import Case
from kb.rules.case import Onsite
from kb.rules.engine import decide
from kb.rules.intake import intake_for
from kb.rules.model import RuleTestsFile
from kb.rules.render import render_decision
from kb.yamlfile import YAMLProblem
from kb.yamlfile import parse_yaml


@dataclass
class RuleTestReport:
    """What `kb rules test` prints: failures, rules no case fires, and conflicts."""

    total: int = 0
    failures: list = field(default_factory=list)
    passed: list = field(default_factory=list)  # ids of the cases that pass
    unfired: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def load_cases(tests_dir: Path) -> list[dict]:
    """Read every test case with its file and line; raise RuleError on broken files."""
    cases, problems = [], []
    for path in sorted(Path(tests_dir).glob("*.yaml")):
        try:
            data = parse_yaml(path.read_text(encoding="utf-8"), str(path))
        except YAMLProblem as exc:
            problems.append(exc.problem)
            continue
        parsed, found = validate(data, str(path), {"rule_tests": RuleTestsFile})
        problems += found
        if parsed is not None:
            cases += [dict(c, file=str(path), line=c.line) for c in data["cases"]]
    if problems:
        raise RuleError(problems)
    return cases


def build_case(book, spec: dict) -> Case:
    """Make the Case a test describes: from its question through intake, then its explicit fields."""
    given = dict(spec.get("case") or {})
    if isinstance(given.get("onsite"), dict):
        given["onsite"] = Onsite(**given["onsite"])
    if isinstance(given.get("reported_at"), str):
        given["reported_at"] = dt.datetime.fromisoformat(given["reported_at"])
    if spec.get("question") is not None:
        return intake_for(book).read(spec["question"], **given)
    case = Case()
    for key, value in given.items():
        setattr(case, key, value)
    return case


def _get(data, dotted: str):
    for part in dotted.split("."):
        if isinstance(data, list):
            data = [item.get(part) if isinstance(item, dict) else item for item in data]
        else:
            data = data.get(part) if isinstance(data, dict) else None
    return data


def check_case(book, spec: dict) -> tuple[list[str], list[dict], list[str]]:
    """Return (mismatches, conflicts, fired rule ids) for one test case."""
    decision = decide(book, build_case(book, spec))
    data = render_decision(book, decision, spec.get("lang", "en")).model_dump(mode="json")
    fired = decision.fired
    mismatches = []
    for key, want in spec["expect"].items():
        if key == "rules":
            missing = [r for r in want if r not in fired]
            if missing:
                mismatches.append(f"rules: {missing} did not fire (fired: {fired})")
            continue
        if key == "not_rules":
            extra = [r for r in want if r in fired]
            if extra:
                mismatches.append(f"not_rules: {extra} fired")
            continue
        got = _get(data, "channels.id" if key == "channels" else "alternatives.id" if key == "alternatives" else key)
        if isinstance(want, dt.datetime):
            want = want.isoformat()
        if key == "support_level" and isinstance(got, dict):
            got = got["id"]
        if key == "severity" and isinstance(got, dict):
            got = got["id"]
        if got != want:
            mismatches.append(f"{key}: expected {want!r}, got {got!r}")
    return mismatches, decision.conflicts, fired


def run_rule_tests(book, tests_dir: Path) -> RuleTestReport:
    """Run every case; collect failures, conflicts and the rules no case made fire."""
    report = RuleTestReport()
    fired_any: set[str] = set()
    for spec in load_cases(tests_dir):
        report.total += 1
        mismatches, conflicts, fired = check_case(book, spec)
        fired_any.update(fired)
        where = f"{spec['file']}:{spec['line']} {spec['id']}"
        if mismatches:
            report.failures.append({"case": where, "id": spec["id"], "problems": mismatches})
        else:
            report.passed.append(spec["id"])
        for conflict in conflicts:
            report.conflicts.append({"case": where, **conflict})
    report.unfired = [{"rule": r.id, "where": f"{r.file}:{r.line}"} for r in book.decisions if r.id not in fired_any]
    return report
