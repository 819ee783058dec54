"""Load `rules/`: validate every file against its schema and cross-check references, then index it."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import InvalidSpecifier
from packaging.specifiers import SpecifierSet

from kb.errors import Problem
from kb.errors import RuleError
from kb.rules.conditions import CONDITIONS
from kb.rules.conditions import OUTCOMES
from kb.rules.conditions import SCOPES
from kb.rules.schema import schema_errors
from kb.yamlfile import YAMLProblem
from kb.yamlfile import line_of
from kb.yamlfile import parse_yaml

SINGLE_KINDS = ("plans", "severities", "channels", "scope", "catalog", "onsite", "calendar", "messages")
LANGS = ("zh", "en")


@dataclass(frozen=True, eq=False)
class RuleBook:
    """Everything in `rules/`, indexed for the engine. Immutable: a reload builds a new one."""

    plans: dict
    features: dict
    third_party_levels: dict
    support_levels: dict
    severities: dict
    severity_default: dict
    channels: list
    purposes: dict
    fallback_purpose: str
    purpose_by_activity: list
    clauses: dict
    alternatives: dict
    prerequisites: list
    catalog: dict
    categories: dict
    onsite: dict
    calendar: dict
    decisions: list
    lexicon: dict
    glossary: list
    messages: dict
    fingerprint: str

    def text(self, obj: dict, lang: str) -> str:
        """Pick the `lang` wording of a bilingual {zh, en} value."""
        return obj.get(lang) or obj.get("en") or obj.get("zh") or ""

    def message(self, key: str, lang: str, **values) -> str:
        """The messages.yaml wording `key` in `lang`, filled in; bilingual values are picked in `lang` too."""
        picked = {k: self.text(v, lang) if isinstance(v, dict) else v for k, v in values.items()}
        return self.text(self.messages[key], lang).format(**picked)

    def note(self, code: str, **values) -> dict:
        """A case note in both languages ({code, zh, en}), worded by messages.yaml `code`."""
        return {"code": code, **{lang: self.message(code, lang, **values) for lang in LANGS}}

    def channel_offer(self, channel: dict, plan_id: str | None):
        """Whether `plan_id` may use `channel`: True, "paid" (only once bought) or False. No plan: public channels only."""
        if channel.get("plans") == "all":
            return True
        plan = self.plans.get(plan_id)
        if plan is None:
            return False
        if channel.get("plans_feature"):
            return plan[channel["plans_feature"]]["offered"]
        return plan["id"] in channel.get("plans", [])

    def channel(self, channel_id: str | None) -> dict | None:
        """The channel with this id, or None."""
        return next((ch for ch in self.channels if ch["id"] == channel_id), None)

    def plan_channels(self, plan_id: str) -> list[dict]:
        """The channels a plan may use, in order, derived from channels.yaml (paid ones included)."""
        return [ch for ch in self.channels if self.channel_offer(ch, plan_id)]


def rule_files(rules_dir: Path) -> list[Path]:
    """The rule files under `rules_dir`, test cases excluded, in a stable order."""
    return sorted(p for p in Path(rules_dir).rglob("*.yaml") if "tests" not in p.relative_to(rules_dir).parts)


def load_rulebook(rules_dir: str | Path) -> RuleBook:
    """Load and check every rule file; raise RuleError listing every problem with file and line."""
    rules_dir = Path(rules_dir)
    problems: list[Problem] = []
    docs: dict[str, list[tuple[str, object]]] = {}
    digest = hashlib.sha256()
    files = rule_files(rules_dir)
    if not files:
        raise RuleError([Problem(str(rules_dir), None, "no rule files found")])
    for path in files:
        text = path.read_text(encoding="utf-8")
        digest.update(path.name.encode() + text.encode())
        try:
            data = parse_yaml(text, str(path))
        except YAMLProblem as exc:
            problems.append(exc.problem)
            continue
        errors = list(schema_errors(data))
        for err_path, message in errors:
            problems.append(Problem(str(path), line_of(data, err_path), message))
        if not errors:
            docs.setdefault(data["kind"], []).append((str(path), data))
    for kind in SINGLE_KINDS + ("decisions", "lexicon"):
        found = docs.get(kind, [])
        if not found and not any(p.path.endswith(".yaml") and kind in p.path for p in problems):
            problems.append(Problem(str(rules_dir), None, f"no file of kind `{kind}`"))
        if kind in SINGLE_KINDS and len(found) > 1:
            problems.append(Problem(found[1][0], 1, f"a second file of kind `{kind}` (first: {found[0][0]})"))
    if problems:
        raise RuleError(problems)
    book = _index(docs, digest.hexdigest()[:16])
    problems = _cross_check(book, docs)
    if problems:
        raise RuleError(problems)
    return book


def _one(docs, kind):
    return docs[kind][0][1]


def _index(docs, fingerprint) -> RuleBook:
    plans_doc, sev_doc, chan_doc, scope_doc = (_one(docs, k) for k in ("plans", "severities", "channels", "scope"))
    third_party_levels = {lv["id"]: lv for lv in plans_doc["third_party_levels"]}
    catalog_doc = _one(docs, "catalog")
    decisions = [dict(rule, file=path, line=rule.line) for path, doc in docs["decisions"] for rule in doc["rules"]]
    lexicon: dict = {}
    for _path, doc in docs["lexicon"]:
        for key, value in doc.items():
            if isinstance(value, list):
                lexicon.setdefault(key, []).extend(value)
            elif key not in lexicon:
                lexicon[key] = value
    return RuleBook(
        plans={p["id"]: p for p in sorted(plans_doc["plans"], key=lambda p: p["rank"])},
        features=plans_doc["features"],
        third_party_levels=third_party_levels,
        support_levels={**third_party_levels, **{lv["id"]: lv for lv in scope_doc.get("support_levels", [])}},
        severities={s["id"]: dict(s, source=sev_doc["source"]) for s in sev_doc["severities"]},
        severity_default={"id": sev_doc["default"], "note": sev_doc.get("default_note")},
        channels=sorted(chan_doc["channels"], key=lambda c: c["order"]),
        purposes={p["id"]: p for p in chan_doc["purposes"]},
        fallback_purpose=chan_doc["fallback_purpose"],
        purpose_by_activity=chan_doc["purpose_by_activity"],
        clauses={c["id"]: c for c in scope_doc["includes"] + scope_doc["excludes"]},
        alternatives={a["id"]: a for a in scope_doc["alternatives"]},
        prerequisites=scope_doc["prerequisites"],
        catalog={row["key"]: dict(row, source=row["source"]) for row in catalog_doc["software"]},
        categories={c["id"]: c for c in catalog_doc["categories"]},
        onsite=_one(docs, "onsite"),
        calendar=_one(docs, "calendar"),
        decisions=decisions,
        lexicon=lexicon,
        glossary=[t for _p, doc in docs.get("glossary", []) for t in doc["terms"]],
        messages=_one(docs, "messages")["messages"],
        fingerprint=fingerprint,
    )


def _cross_check(book: RuleBook, docs) -> list[Problem]:
    """Check the references between files: every id used must exist, every id must be unique."""
    problems = []

    def bad(kind, data, path, message):
        problems.append(Problem(docs[kind][0][0], line_of(data, path), message))

    plans_doc, chan_doc, catalog_doc = (_one(docs, k) for k in ("plans", "channels", "catalog"))
    channel_ids = {c["id"] for c in book.channels}
    for i, plan in enumerate(plans_doc["plans"]):
        if plan["third_party_support"]["level"] not in book.third_party_levels:
            bad("plans", plans_doc, ["plans", i, "third_party_support"], f"plan {plan['id']}: unknown third-party level")
        for sev in plan["response"].get("by_severity", {}):
            if sev not in book.severities:
                bad("plans", plans_doc, ["plans", i, "response"], f"plan {plan['id']}: unknown severity `{sev}`")
        if not plan["response"].get("by_severity") and plan["response"].get("any_severity") is None:
            bad("plans", plans_doc, ["plans", i, "response"], f"plan {plan['id']}: needs by_severity or any_severity")
    if len(book.plans) != len(plans_doc["plans"]):
        bad("plans", plans_doc, ["plans"], "duplicate plan id")
    for i, ch in enumerate(chan_doc["channels"]):
        for pid in ch.get("plans", []) if ch.get("plans") != "all" else []:
            if pid not in book.plans:
                bad("channels", chan_doc, ["channels", i, "plans"], f"channel {ch['id']}: unknown plan `{pid}`")
        for purpose in set(ch["purposes"]) - set(book.purposes):
            bad("channels", chan_doc, ["channels", i, "purposes"], f"channel {ch['id']}: unknown purpose `{purpose}`")
    for i, row in enumerate(chan_doc["purpose_by_activity"]):
        if row["purpose"] not in book.purposes:
            bad("channels", chan_doc, ["purpose_by_activity", i], f"unknown purpose `{row['purpose']}`")
    if book.fallback_purpose not in book.purposes:
        bad("channels", chan_doc, ["fallback_purpose"], f"unknown purpose `{book.fallback_purpose}`")
    problems += _check_lexicon(book, docs, channel_ids)
    keys = [row["key"] for row in catalog_doc["software"]]
    for i, row in enumerate(catalog_doc["software"]):
        if keys.count(row["key"]) > 1:
            bad("catalog", catalog_doc, ["software", i, "key"], f"duplicate catalog key `{row['key']}`")
        if row["category"] not in book.categories:
            bad("catalog", catalog_doc, ["software", i, "category"], f"unknown category `{row['category']}`")
        for j, platform in enumerate(row["platforms"]):
            try:
                SpecifierSet(platform.get("versions", ""))
            except InvalidSpecifier:
                bad("catalog", catalog_doc, ["software", i, "platforms", j], f"invalid version range `{platform['versions']}`")
    problems += _check_decisions(book)
    return problems


def _check_lexicon(book: RuleBook, docs, channel_ids) -> list[Problem]:
    """Service questions must name existing channels; the error-code pattern must compile."""
    problems = []
    for path, doc in docs["lexicon"]:
        for i, question in enumerate(doc.get("service_questions", [])):
            where = line_of(doc, ["service_questions", i])
            for cid in set(question.get("channels", [])) - channel_ids:
                problems.append(Problem(path, where, f"service question {question['id']}: unknown channel `{cid}`"))
            needs = {"channel": "channels", "plan_feature": "feature"}.get(question["answer"])
            if needs and not question.get(needs):
                message = f"service question {question['id']}: answer {question['answer']} needs `{needs}`"
                problems.append(Problem(path, where, message))
        if "error_codes" in doc:
            try:
                re.compile(doc["error_codes"]["pattern"])
            except re.error as exc:
                problems.append(Problem(path, line_of(doc, ["error_codes", "pattern"]), f"error_codes pattern: {exc}"))
    return problems


def _check_decisions(book: RuleBook) -> list[Problem]:
    problems = []
    seen = set()
    for rule in book.decisions:
        where = (rule["file"], rule["line"])

        def bad(message, where=where, rid=rule["id"]):
            problems.append(Problem(where[0], where[1], f"rule {rid}: {message}"))

        if rule["id"] in seen:
            bad("duplicate rule id")
        seen.add(rule["id"])
        for name in rule["when"]:
            if name not in CONDITIONS:
                bad(f"unknown condition `{name}` (known: {', '.join(sorted(CONDITIONS))})")
        for name, value in rule["then"].items():
            if name not in OUTCOMES:
                bad(f"unknown outcome `{name}` (known: {', '.join(sorted(OUTCOMES))})")
            elif name in ("scope", "onsite_scope") and value not in SCOPES:
                bad(f"{name} must be one of {', '.join(SCOPES)}")
            elif name == "alternatives":
                for alt in value:
                    if alt not in book.alternatives:
                        bad(f"unknown alternative `{alt}`")
            elif name == "prerequisites" and set(value) - {p["id"] for p in book.prerequisites}:
                bad(f"unknown prerequisite in {value}")
            elif name == "support_level" and value not in book.support_levels:
                bad(f"unknown support level `{value}`")
        if rule.get("clause") and rule["clause"] not in book.clauses:
            bad(f"unknown clause `{rule['clause']}`")
        for plan in (rule["when"].get("plan") or []):
            if plan not in book.plans:
                bad(f"unknown plan `{plan}`")
    return problems
