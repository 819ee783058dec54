"""Load `rules/`: validate every file against the model of its kind and cross-check references, then index it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from kb.errors import Problem
from kb.errors import RuleError
from kb.rules import model as m
from kb.rules.conditions import CONDITIONS
from kb.rules.sources import SourceNames
from kb.rules.text import MESSAGE_KEYS
from kb.yamlfile import YAMLProblem
from kb.yamlfile import line_of
from kb.yamlfile import parse_yaml

SINGLE_KINDS = ("plans", "severities", "channels", "scope", "catalog", "onsite", "calendar", "messages", "sources")
REQUIRED_KINDS = SINGLE_KINDS[:-1] + ("decisions", "lexicon")  # without English source names, sources show in Chinese


@dataclass(frozen=True, eq=False)
class RuleBook:
    """Everything in `rules/`, typed and indexed for the engine. Immutable: a reload builds a new one."""

    plans: dict[str, m.Plan]  # best first (by rank)
    features: dict[str, m.Text]
    third_party_levels: dict[str, m.ThirdPartyLevel]
    support_levels: dict[str, m.ThirdPartyLevel | m.SupportLevel]
    severities: dict[str, m.Severity]  # most severe first
    severity_default: str
    severity_default_note: m.Text | None
    severities_source: str
    channels: list[m.Channel]  # by `order`
    purposes: dict[str, m.Purpose]
    fallback_purpose: str
    purpose_by_activity: list[m.PurposeByActivity]
    clauses: dict[str, m.Quoted]
    alternatives: dict[str, m.Alternative]
    prerequisites: dict[str, m.Quoted]
    catalog: dict[str, m.CatalogRow]
    categories: dict[str, m.Named]
    onsite: m.OnsiteFile
    calendar: m.CalendarFile
    decisions: list[m.Rule]
    lexicon: m.Lexicon
    glossary: list[m.GlossaryTerm]
    messages: dict[str, m.Text]
    sources: SourceNames
    fingerprint: str

    def channel(self, channel_id: str | None) -> m.Channel | None:
        """The channel with this id, or None."""
        return next((ch for ch in self.channels if ch.id == channel_id), None)

    def channel_offer(self, channel: m.Channel, plan_id: str | None) -> bool | str:
        """Whether `plan_id` may use `channel`: True, "paid" (only once bought) or False. No plan: public channels only."""
        if channel.plans == "all":
            return True
        plan = self.plans.get(plan_id)
        if plan is None:
            return False
        if channel.plans_feature:
            return plan.feature(channel.plans_feature).offered
        return plan.id in channel.plans

    def plan_channels(self, plan_id: str) -> list[m.Channel]:
        """The channels a plan may use, in order, derived from channels.yaml (paid ones included)."""
        return [ch for ch in self.channels if self.channel_offer(ch, plan_id)]

    def onsite_mode(self, mode_id: str | None) -> m.OnsiteMode | None:
        """The onsite service mode with this id, or None."""
        return next((mode for mode in self.onsite.modes if mode.id == mode_id), None)

    def fault_level(self, level: int | None) -> m.FaultLevel | None:
        """The onsite fault level (1 is the worst) with its name and definition, or None."""
        return next((f for f in self.onsite.fault_levels if f.level == level), None)

    def topics(self) -> set[str]:
        """Allowed article `software` values: catalog keys and the service topics (plans, onsite)."""
        return set(self.catalog) | {t.id for t in self.lexicon.topics}


def rule_files(rules_dir: Path) -> list[Path]:
    """The rule files under `rules_dir`, test cases excluded, in a stable order."""
    return sorted(p for p in Path(rules_dir).rglob("*.yaml") if "tests" not in p.relative_to(rules_dir).parts)


def validate(data, path: str, kind_models=m.FILES) -> tuple[m.Part | None, list[Problem]]:
    """Validate one parsed file against the model of its `kind`; problems carry the file and line."""
    if not isinstance(data, dict) or data.get("kind") not in kind_models:
        return None, [Problem(path, line_of(data, []), f"`kind` must be one of: {', '.join(sorted(kind_models))}")]
    try:
        return kind_models[data["kind"]].model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(path, data, err) for err in exc.errors()]


def _problem(path: str, data, err: dict) -> Problem:
    """One pydantic error as a located problem: the path of keys, what is wrong, at the key's line."""
    loc = _data_path(data, err["loc"])
    where = "/".join(str(step) for step in loc) or "(top)"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "missing":
        message = f"`{loc[-1]}` is required" if loc else message
    elif err["type"] == "extra_forbidden":
        message = f"unknown key `{loc[-1]}`"
    return Problem(path, line_of(data, loc), f"{where}: {message}")


def _data_path(data, loc) -> list:
    """The steps of a pydantic error location that are keys or indexes of `data` (union branch labels such as
    `list[...]` are not); a step past the data (a missing or unknown key) is kept, and ends the walk."""
    path, node = [], data
    for step in loc:
        if isinstance(node, dict) and step in node or isinstance(node, list) and isinstance(step, int) and step < len(node):
            path.append(step)
            node = node[step]
        elif isinstance(step, int) or not (isinstance(step, str) and step.endswith("]") and "[" in step):
            path.append(step)  # what is missing or not allowed here
            break
    return path


def load_rulebook(rules_dir: str | Path) -> RuleBook:
    """Load and check every rule file; raise RuleError listing every problem with file and line."""
    rules_dir = Path(rules_dir)
    problems: list[Problem] = []
    docs: dict[str, list[tuple[str, object, m.Part]]] = {}
    digest = hashlib.sha256()
    files = rule_files(rules_dir)
    if not files:
        raise RuleError([Problem(str(rules_dir), None, "no rule files found")])
    for path in files:
        text = path.read_text(encoding="utf-8")
        digest.update(path.relative_to(rules_dir).as_posix().encode() + b"\0" + text.encode())
        try:
            data = parse_yaml(text, str(path))
        except YAMLProblem as exc:
            problems.append(exc.problem)
            continue
        parsed, found = validate(data, str(path))
        problems += found
        if isinstance(parsed, m.DecisionsFile):  # each rule remembers where it is written, for its problems
            located = [rule.model_copy(update={"file": str(path), "line": data["rules"][i].line})
                       for i, rule in enumerate(parsed.rules)]
            parsed = parsed.model_copy(update={"rules": located})
        if parsed is not None:
            docs.setdefault(data["kind"], []).append((str(path), data, parsed))
    broken = {p.path for p in problems}
    for kind in REQUIRED_KINDS:
        found = docs.get(kind, [])
        if not found and not broken:
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
    return docs[kind][0][2]


def _index(docs, fingerprint: str) -> RuleBook:
    plans, sev, chan, scope, catalog = (_one(docs, k) for k in ("plans", "severities", "channels", "scope", "catalog"))
    third_party_levels = {lv.id: lv for lv in plans.third_party_levels}
    lexicon = m.Lexicon()
    for _path, _data, doc in docs["lexicon"]:
        lexicon = lexicon.merged(doc)
    return RuleBook(
        plans={p.id: p for p in sorted(plans.plans, key=lambda p: p.rank)},
        features=plans.features,
        third_party_levels=third_party_levels,
        support_levels={**third_party_levels, **{lv.id: lv for lv in scope.support_levels}},
        severities={s.id: s for s in sev.severities},
        severity_default=sev.default,
        severity_default_note=sev.default_note,
        severities_source=sev.source,
        channels=sorted(chan.channels, key=lambda c: c.order),
        purposes={p.id: p for p in chan.purposes},
        fallback_purpose=chan.fallback_purpose,
        purpose_by_activity=chan.purpose_by_activity,
        clauses={c.id: c for c in scope.includes + scope.excludes},
        alternatives={a.id: a for a in scope.alternatives},
        prerequisites={p.id: p for p in scope.prerequisites},
        catalog={row.key: row for row in catalog.software},
        categories={c.id: c for c in catalog.categories},
        onsite=_one(docs, "onsite"),
        calendar=_one(docs, "calendar"),
        decisions=[rule for _p, _d, doc in docs["decisions"] for rule in doc.rules],
        lexicon=lexicon,
        glossary=[t for _p, _d, doc in docs.get("glossary", []) for t in doc.terms],
        messages=_one(docs, "messages").messages,
        sources=SourceNames({n.zh: n.en for n in _one(docs, "sources").names} if "sources" in docs else {}),
        fingerprint=fingerprint,
    )


class _Checker:
    """Collects cross-file problems, each at the line of the key it is about."""

    def __init__(self, docs):
        self.docs = docs
        self.problems: list[Problem] = []

    def bad(self, kind: str, path: list, message: str, index: int = 0) -> None:
        where, data, _doc = self.docs[kind][index]
        self.problems.append(Problem(where, line_of(data, path), message))

    def need(self, kind: str, path: list, value, known, what: str, index: int = 0) -> None:
        if value not in known:
            self.bad(kind, path, f"unknown {what} `{value}`", index)


def _cross_check(book: RuleBook, docs) -> list[Problem]:
    """Check the references between files: every id used must exist, every id must be unique."""
    check = _Checker(docs)
    plans = _one(docs, "plans")
    for i, plan in enumerate(plans.plans):
        check.need("plans", ["plans", i, "third_party_support", "level"], plan.third_party_support.level,
                   book.third_party_levels, "third-party level")
        for sev in plan.response.by_severity:
            check.need("plans", ["plans", i, "response", "by_severity", sev], sev, book.severities, "severity")
        for sev in book.severities:
            if plan.response.minutes(sev) is None:
                check.bad("plans", ["plans", i, "response"], f"plan {plan.id}: no response target for severity `{sev}`")
        for name in set(book.features) - set(plan.features):
            check.bad("plans", ["plans", i], f"plan {plan.id}: `{name}` is required (a feature row of plans.yaml)")
        for name in set(plan.features) - set(book.features):
            check.bad("plans", ["plans", i, name], f"plan {plan.id}: unknown key `{name}` (not a declared feature)")
    for name in set(book.features) - {name for plan in plans.plans for name in plan.features}:
        check.bad("plans", ["features", name], f"feature `{name}` is declared but no plan has it")
    _unique(check, "plans", ["plans"], [p.id for p in plans.plans], "plan id")
    check.need("severities", ["default"], book.severity_default, book.severities, "severity")
    chan = _one(docs, "channels")
    for i, ch in enumerate(chan.channels):
        for pid in ch.plans if ch.plans != "all" else []:
            check.need("channels", ["channels", i, "plans"], pid, book.plans, "plan")
        for purpose in ch.purposes:
            check.need("channels", ["channels", i, "purposes"], purpose, book.purposes, "purpose")
        if ch.plans_feature:
            check.need("channels", ["channels", i, "plans_feature"], ch.plans_feature, book.features, "plan feature")
    _unique(check, "channels", ["channels"], [c.id for c in chan.channels], "channel id")
    for i, row in enumerate(chan.purpose_by_activity):
        check.need("channels", ["purpose_by_activity", i, "purpose"], row.purpose, book.purposes, "purpose")
    check.need("channels", ["fallback_purpose"], book.fallback_purpose, book.purposes, "purpose")
    _check_catalog(check, book)
    _check_onsite(check, book)
    _check_lexicon(check, book)
    _check_decisions(check, book)
    if "sources" in docs:
        _check_sources(check, book)
    missing = sorted(set(MESSAGE_KEYS) - set(book.messages))
    if missing:
        check.bad("messages", ["messages"], f"messages the code uses are missing: {', '.join(missing)}")
    return check.problems


def _unique(check: _Checker, kind: str, path: list, ids: list[str], what: str) -> None:
    for i, value in enumerate(ids):
        if ids.index(value) != i:
            check.bad(kind, path + [i], f"duplicate {what} `{value}`")


def _check_sources(check: _Checker, book: RuleBook) -> None:
    """Every citation reads in English once its headings are translated (each problem at the citation's line), and
    every heading named is cited somewhere, once."""
    cited = []
    for kind, found in check.docs.items():
        for index, (_where, data, _doc) in enumerate(found):
            for path, source in _citations(data):
                cited.append(source)
                if book.sources.english(source) is None:
                    check.bad(kind, path, f"source `{source}` has headings with no English name in the sources file",
                              index)
    names = _one(check.docs, "sources").names
    _unique(check, "sources", ["names"], [n.zh for n in names], "heading")
    for i, name in enumerate(names):
        if not any(name.zh in source for source in cited):
            check.bad("sources", ["names", i, "zh"], f"heading `{name.zh}` is not in any rule's source")


def _citations(data, path=()):
    """(path, text) of every `source:` or `*_source:` value in a rule file's data."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and (key == "source" or str(key).endswith("_source")):
                yield [*path, key], value
            else:
                yield from _citations(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _citations(value, (*path, i))


def _check_catalog(check: _Checker, book: RuleBook) -> None:
    catalog = _one(check.docs, "catalog")
    _unique(check, "catalog", ["software"], [row.key for row in catalog.software], "catalog key")
    for i, row in enumerate(catalog.software):
        check.need("catalog", ["software", i, "category"], row.category, book.categories, "category")
        for overridden in row.overrides:
            check.need("catalog", ["software", i, "overrides"], overridden, book.catalog, "catalog key")


def _check_onsite(check: _Checker, book: RuleBook) -> None:
    onsite = book.onsite
    levels = {f.level for f in onsite.fault_levels}
    for i, mode in enumerate(onsite.modes):
        for j, times in enumerate(mode.fault_levels):
            check.need("onsite", ["modes", i, "fault_levels", j, "level"], times.level, levels, "fault level")
        for level in levels - {t.level for t in mode.fault_levels}:
            check.bad("onsite", ["modes", i, "fault_levels"], f"mode {mode.id}: no times for fault level {level}")
    _unique(check, "onsite", ["modes"], [mode.id for mode in onsite.modes], "onsite mode")
    for sev, level in onsite.fault_level_by_severity.items():
        check.need("onsite", ["fault_level_by_severity", sev], sev, book.severities, "severity")
        check.need("onsite", ["fault_level_by_severity", sev], level, levels, "fault level")
    for sev in set(book.severities) - set(onsite.fault_level_by_severity):
        check.bad("onsite", ["fault_level_by_severity"], f"severity `{sev}` has no fault level")


def _check_lexicon(check: _Checker, book: RuleBook) -> None:
    """Service questions must name existing channels and features; entries refer to known ids."""
    for index, (_path, _data, doc) in enumerate(check.docs["lexicon"]):
        for i, question in enumerate(doc.service_questions):
            for cid in question.channels:
                check.need("lexicon", ["service_questions", i, "channels"], cid, {c.id for c in book.channels}, "channel",
                           index)
            if question.feature:
                check.need("lexicon", ["service_questions", i, "feature"], question.feature, book.features, "plan feature",
                           index)
        for i, other in enumerate(doc.uncatalogued_software):
            if other.variant_of:
                check.need("lexicon", ["uncatalogued_software", i, "variant_of"], other.variant_of, book.catalog,
                           "catalog key", index)
        for i, client in enumerate(doc.client_tools):
            if client.row:
                check.need("lexicon", ["client_tools", i, "row"], client.row, book.catalog, "catalog key", index)
        for i, sev in enumerate(doc.severities):
            check.need("lexicon", ["severities", i, "id"], sev.id, book.severities, "severity", index)
        systems = {o.id for o in book.lexicon.os}
        for i, generic in enumerate(doc.generic_software):
            for os_id, key in generic.rows.items():
                check.need("lexicon", ["generic_software", i, "rows", os_id], os_id, systems, "os", index)
                check.need("lexicon", ["generic_software", i, "rows", os_id], key, book.catalog, "catalog key", index)
        for i, env in enumerate(doc.environments):
            for key in env.only_software + env.not_software:
                check.need("lexicon", ["environments", i], key, book.catalog, "catalog key", index)


def _check_decisions(check: _Checker, book: RuleBook) -> None:
    problems = check.problems
    seen: set[str] = set()
    for rule in book.decisions:
        def bad(message, rule=rule):
            problems.append(Problem(rule.file, rule.line, f"rule {rule.id}: {message}"))

        if rule.id in seen:
            bad("duplicate rule id")
        seen.add(rule.id)
        for name in rule.when:
            if name not in CONDITIONS:
                bad(f"unknown condition `{name}` (known: {', '.join(sorted(CONDITIONS))})")
        outcomes = rule.then
        for alt in outcomes.alternatives or []:
            if alt not in book.alternatives:
                bad(f"unknown alternative `{alt}`")
        for prereq in outcomes.prerequisites or []:
            if prereq not in book.prerequisites:
                bad(f"unknown prerequisite `{prereq}`")
        if outcomes.support_level and outcomes.support_level not in book.support_levels:
            bad(f"unknown support level `{outcomes.support_level}`")
        if rule.clause and rule.clause not in book.clauses:
            bad(f"unknown clause `{rule.clause}`")
        for plan in rule.when.get("plan") or []:
            if plan not in book.plans:
                bad(f"unknown plan `{plan}`")
