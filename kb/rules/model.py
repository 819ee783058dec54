"""The typed rule book's parts: one pydantic model per kind of rule file, and the pieces they share.

Every key the code reads is a field here, so a renamed or missing key is reported by the loader with its
file and line (kb.rules.book), never met as a KeyError inside a request. The models are frozen: a reload
builds a new book.
"""

from __future__ import annotations

import datetime as dt
import string
from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import StringConstraints
from pydantic import field_validator
from pydantic import model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.\-]+$")]
Source = Annotated[str, StringConstraints(min_length=3)]
Minutes = Annotated[int, Field(ge=0)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
# Lexicon terms may be written as numbers in YAML (3389, 22): they are matched as text.
Term = Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v)]
Clock = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-4]):[0-5][0-9]$")]


class Part(BaseModel):
    """A piece of a rule file: unknown keys are errors (a typo must not be ignored) and nothing changes once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Part):
    """A wording in both languages, as the rule files write it: {zh: …, en: …}."""

    zh: NonEmpty
    en: NonEmpty

    def pick(self, lang: str) -> str:
        """The wording in `lang` (English for any other language)."""
        return self.zh if lang == "zh" else self.en


class Quoted(Part):
    """A clause or statement quoted from a source document."""

    id: Id
    text: Text
    source: Source


class Named(Part):
    """Something with an id and a bilingual name."""

    id: Id
    name: Text


# ---- plans.yaml ----

class Cell(Part):
    """One cell of the plan table."""

    text: Text
    source: Source


class Response(Part):
    """How fast a plan's cases are answered: per severity, or one target for every case."""

    by_severity: dict[Id, Minutes] = {}
    any_severity: Minutes | None = None
    kind: Literal["response", "accepted"] = "response"
    source: Source

    @model_validator(mode="after")
    def _one_target(self):
        if not self.by_severity and self.any_severity is None:
            raise ValueError("needs by_severity or any_severity")
        return self

    def minutes(self, severity: str) -> int | None:
        """The target for a severity."""
        return self.by_severity.get(severity, self.any_severity)


class ThirdPartySupport(Part):
    level: Id
    source: Source


class Feature(Part):
    """A plan-table row that a plan has, lacks, or can buy (`paid`)."""

    offered: bool | Literal["paid"]
    text: Text | None = None
    source: Source


class Plan(Part):
    """One support plan; its features are the plan-table rows named in plans.yaml `features`, as keys of their own."""

    model_config = ConfigDict(extra="allow", frozen=True)
    __pydantic_extra__: dict[str, Feature]

    id: Id
    name: Text
    rank: int
    self_service: Cell
    response: Response
    third_party_support: ThirdPartySupport

    @property
    def features(self) -> dict[str, Feature]:
        """The plan-table rows of this plan, by feature id."""
        return dict(self.__pydantic_extra__ or {})

    def feature(self, name: str) -> Feature:
        """One plan-table row (the loader checks that every plan has every declared feature)."""
        return self.features[name]


class ThirdPartyLevel(Named):
    covers: str
    source: Source


class PlansFile(Part):
    kind: Literal["plans"]
    source: Source | None = None
    features: dict[Id, Text]
    plans: list[Plan] = Field(min_length=1)
    third_party_levels: list[ThirdPartyLevel] = Field(min_length=1)


# ---- severities.yaml ----

class Severity(Named):
    definition: Text


class SeveritiesFile(Part):
    kind: Literal["severities"]
    source: Source
    severities: list[Severity] = Field(min_length=1)
    default: Id
    default_source: Source | None = None
    default_note: Text | None = None


# ---- channels.yaml ----

class Purpose(Part):
    id: Id
    why: Text


class Channel(Named):
    """A support channel: who may use it (`plans`, or a plan feature), what it is for, how to reach it."""

    how: Text
    hours: str | Text | None = None
    plans: Literal["all"] | list[Id] = []
    plans_feature: Id | None = None
    purposes: list[Id]
    order: int
    scope: Text | None = None
    customers: Text | None = None
    response_note: Text | None = None
    note: Text | None = None
    source: Source


class PurposeByActivity(Part):
    activities: Literal["any"] | list[Id]
    purpose: Id

    def matches(self, activity: str) -> bool:
        return self.activities == "any" or activity in self.activities


class ChannelsFile(Part):
    kind: Literal["channels"]
    source: Source | None = None
    purposes: list[Purpose] = Field(min_length=1)
    fallback_purpose: Id
    channels: list[Channel] = Field(min_length=1)
    purpose_by_activity: list[PurposeByActivity] = Field(min_length=1)


# ---- scope.yaml ----

class SupportLevel(Named):
    source: Source


class Alternative(Named):
    how: Text
    source: Source


class ScopeFile(Part):
    kind: Literal["scope"]
    source: Source | None = None
    includes: list[Quoted] = Field(min_length=1)
    excludes: list[Quoted] = Field(min_length=1)
    support_levels: list[SupportLevel] = []
    alternatives: list[Alternative] = Field(min_length=1)
    prerequisites: list[Quoted] = Field(min_length=1)


# ---- catalog.yaml ----

class Platform(Part):
    """One supported form of a catalog row: the OS family, image, and optional product, install method and versions."""

    os: Literal["linux", "windows"]
    image: str
    native: bool = False
    product: str | None = None
    product_aliases: list[Term] = []
    install: Id | None = None
    versions: str | None = None

    @field_validator("versions")
    @classmethod
    def _a_version_range(cls, value: str | None) -> str | None:
        from packaging.specifiers import InvalidSpecifier
        from packaging.specifiers import SpecifierSet

        try:
            SpecifierSet(value or "")
        except InvalidSpecifier:
            raise ValueError(f"invalid version range `{value}` (a PEP 440 specifier such as >=3.0)") from None
        return value


class Example(Part):
    id: Id
    text: Text


class CatalogRow(Part):
    """One row of the third-party software catalog."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
    category: Id
    overrides: list[Id] = []
    name: Text
    aliases: list[Term]
    # The row's port named as a port (22端口, 3389): it names the row only when no other row is named, since a
    # firewall rule that opens port 22 is about the firewall.
    port_aliases: list[Term] = []
    range: Text
    platforms: list[Platform] = Field(min_length=1)
    examples: list[Example] = Field(min_length=1)
    source: Source


class CatalogFile(Part):
    kind: Literal["catalog"]
    source: Source
    categories: list[Named] = Field(min_length=1)
    software: list[CatalogRow] = Field(min_length=1)


# ---- onsite.yaml ----

class FastArrival(Part):
    """A shorter arrival time for contracts with enough staff in one of the listed cities."""

    min_staff: int = Field(ge=1)
    arrival_minutes: Minutes
    cities: list[NonEmpty] = Field(min_length=1)
    city_aliases: dict[str, list[NonEmpty]] = {}

    @model_validator(mode="after")
    def _aliases_of_listed_cities(self):
        for city in set(self.city_aliases) - set(self.cities):
            raise ValueError(f"city_aliases: `{city}` is not one of the cities")
        return self

    def names(self) -> list[str]:
        """Every name of every fast-arrival city."""
        return [name for city in self.cities for name in [city, *self.city_aliases.get(city, [])]]


class Times(Part):
    response_minutes: Minutes
    arrival_minutes: Minutes
    fast_arrival: FastArrival | None = None


class LevelTimes(Part):
    """A fault level's response and arrival times in a mode, inside and outside service hours."""

    level: int = Field(ge=1)
    in_hours: Times
    out_of_hours: Times | None = None
    source: Source

    def times(self, inside: bool) -> Times:
        """The times that apply inside (or outside) service hours; a mode without out-of-hours times has one set."""
        return self.in_hours if inside or self.out_of_hours is None else self.out_of_hours


class ServiceHoursSpec(Part):
    days: Literal["working_days", "all_days"]
    start: Clock
    end: Clock
    timezone: str
    source: Source


class OnsiteItem(Named):
    frequency: Text


class OnsiteMode(Named):
    """An onsite (OTSS) service mode: its hours, fault-level times and service items."""

    service_hours: ServiceHoursSpec
    outside_hours: Text | None = None
    advice: Text | None = None
    advice_source: Source | None = None
    fault_levels: list[LevelTimes] = Field(min_length=1)
    items: list[OnsiteItem] = Field(min_length=1)
    items_source: Source

    def level_times(self, level: int) -> LevelTimes | None:
        """The times of one fault level in this mode."""
        return next((f for f in self.fault_levels if f.level == level), None)


class FaultLevel(Part):
    level: int = Field(ge=1)
    name: Text
    definition: Text


class Overtime(Part):
    weekend: Text
    public_holiday: Text


class OnsiteHolidays(Part):
    schedule: Text
    overtime: Overtime
    on_call: Text
    source: Source


class OnsiteExclusion(Part):
    id: Id
    activities: list[Id] = []
    text: Text


class Report(Part):
    months: str
    name: Text


class Deliverables(Part):
    due: Text
    reports: list[Report] = Field(min_length=1)
    emergency: Text
    emergency_source: Source
    source: Source


class OnsiteFile(Part):
    kind: Literal["onsite"]
    source: Source
    name: Text
    modes: list[OnsiteMode] = Field(min_length=1)
    fault_levels: list[FaultLevel] = Field(min_length=1)
    fault_level_by_severity: dict[Id, int]
    fault_level_by_severity_source: Source
    holidays: OnsiteHolidays
    excludes: list[OnsiteExclusion] = Field(min_length=1)
    excludes_source: Source
    deliverables: Deliverables

    @property
    def excluded_activities(self) -> frozenset[str]:
        """The activities of every exclusion: work the onsite service (and so the support scope) leaves out."""
        return frozenset(a for row in self.excludes for a in row.activities)


# ---- calendar.yaml ----

class Holiday(Part):
    name: Text
    from_: dt.date = Field(alias="from")
    to: dt.date


class WorkingDay(Part):
    date: dt.date
    for_: Text = Field(alias="for")


class CalendarYear(Part):
    year: int
    provisional: bool = False
    source: Source
    holidays: list[Holiday] = []
    working_days: list[WorkingDay] = []


class CalendarFile(Part):
    kind: Literal["calendar"]
    source: Source | None = None
    timezone: str
    weekend: list[Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]]
    years: list[CalendarYear] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo
        from zoneinfo import ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone `{value}`") from None
        return value


# ---- decisions.yaml ----

class Outcomes(Part):
    """What a decision rule sets (conditions.OUTCOMES describes each)."""

    scope: Literal["in", "out", "partial", "unknown"] | None = None
    support_level: Id | None = None
    alternatives: list[Id] | None = None
    onsite_scope: Literal["in", "out", "partial", "unknown"] | None = None
    prerequisites: list[Id] | None = None

    def set(self) -> dict[str, Any]:
        """The outcomes this rule sets, by name."""
        return self.model_dump(exclude_none=True)


class Rule(Part):
    """A decision rule: when all conditions hold it fires, and its outcomes compete by priority."""

    id: Id
    when: dict[str, Any] = Field(min_length=1)
    then: Outcomes
    priority: int = 0
    clause: Id | None = None
    reason: Text
    source: Source
    articles: list[Id] = []
    file: str = ""
    line: int = 0

    @field_validator("then")
    @classmethod
    def _sets_something(cls, value: Outcomes) -> Outcomes:
        if not value.set():
            raise ValueError("a rule must set at least one outcome")
        return value


class DecisionsFile(Part):
    kind: Literal["decisions"]
    source: Source | None = None
    rules: list[Rule] = Field(min_length=1)


# ---- lexicon/*.yaml ----

class Entry(Part):
    """A lexicon entry: found by any of its terms, or by one word of every `all` group."""

    terms: list[Term] = []
    all: list[list[Term]] = []


class Labelled(Entry):
    id: Id
    name: Text | None = None  # how people know it, where the answer names it (an OS the customer may pick)


class LexSeverity(Labelled):
    only_with_activity: list[Id] | None = None


class LexFaultLevel(Entry):
    level: int


class Topic(Labelled):
    plan_names: bool = False


class ServiceQuestion(Labelled):
    """A question about the services; `answer` names how the engine answers it (kb.rules.answers)."""

    topic: Id
    answer: Literal["channel", "plan_feature", "response_times", "third_party_support", "onsite_items",
                    "onsite_overtime", "onsite_deliverables", "onsite_advice"]
    channels: list[Id] = []
    feature: Id | None = None

    @model_validator(mode="after")
    def _needs(self):
        needs = {"channel": "channels", "plan_feature": "feature"}.get(self.answer)
        if needs and not getattr(self, needs):
            raise ValueError(f"answer {self.answer} needs `{needs}`")
        return self


class NamedTerms(Entry):
    name: NonEmpty


class ClientTool(NamedTerms):
    """A client program; `row`: the catalog row of the one protocol it speaks, when the text names no software."""

    row: Id | None = None


class CloudProduct(NamedTerms):
    """One of the provider's products; `called_by_code`: what the customer's code calls (the API and SDKs), so that
    code naming it is about the product as well as about the code (guide §3.3: partial)."""

    called_by_code: bool = False


class OtherSoftware(NamedTerms):
    """Third-party software outside the catalog; `variant_of` a catalog row of the same kind, `language` a language."""

    variant_of: Id | None = None
    language: bool = False


class Environment(Labelled):
    """Where the software runs when the text says it is not on the provider's own images (`effect: out`), or reached
    through something the catalog does not cover (`effect: partial`). `with_client`: counts only when a client
    program is named ("only this client fails, the others connect")."""

    effect: Literal["out", "partial"]
    with_client: bool = False
    only_software: list[Id] = []  # counts only for these catalog rows
    not_software: list[Id] = []  # and not for these
    drops_software: bool = False  # the catalog tool named is not what is asked about (a client's own problem)


class WorkKind(Labelled):
    """A kind of work asked for, whatever the activity. `reports_problem`: asking for it says something went wrong
    (data that was deleted is a loss being reported, however the question is put)."""

    reports_problem: bool = False


class GenericSoftware(Entry):
    """A word for a kind of catalog software (防火墙) whose row depends on the OS (`rows`: os id → catalog key)."""

    rows: dict[Id, Id]
    turned_off: list[Term] = []  # it is said to be turned off already: not what fails when other software is named
    alone: bool = False  # picks its row only when no other software is named ("MySQL 远程登录" is MySQL's)


class EvidencePattern(Part):
    """Regular expressions (case-sensitive, multiline) on the raw text that show an activity: a Traceback or an
    import line shows the customer's own code whatever words surround it."""

    activity: Id
    patterns: list[NonEmpty] = Field(min_length=1)

    @field_validator("patterns")
    @classmethod
    def _compile(cls, value: list[str]) -> list[str]:
        import re

        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} does not compile: {exc}") from None
        return value


class ErrorCodes(Part):
    markers: list[Term] = Field(min_length=1)
    pattern: NonEmpty

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        import re

        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"error_codes pattern: {exc}") from None
        return value


class Lexicon(Part):
    """Intake's words; several lexicon files merge (lists are joined, a single value is taken from the first file)."""

    kind: Literal["lexicon"] = "lexicon"
    source: Source | None = None
    negations: list[Term] = []
    activities: list[Labelled] = []
    default_activity: Id = "consult"
    software_default_activity: Id | None = None  # the activity of a case about some software with no activity word
    code_activities: list[Id] = []
    problem_activity: Id | None = None
    error_codes: ErrorCodes | None = None
    activity_patterns: list[EvidencePattern] = []
    severities: list[LexSeverity] = []
    fault_levels: list[LexFaultLevel] = []
    port_issue_terms: list[Term] = []
    not_port_terms: list[Term] = []  # evidence that the connection got through: authentication, start-up, permissions
    port_blocked_terms: list[Term] = []  # a port blocks however far the connection got: FTP data ports, firewall off works
    topics: list[Topic] = []
    service_questions: list[ServiceQuestion] = []
    onsite_modes: list[Labelled] = []
    os: list[Labelled] = []
    server_os: list[Labelled] = []
    images: list[Labelled] = []
    install_methods: list[Labelled] = []
    client_tools: list[ClientTool] = []
    uncatalogued_software: list[OtherSoftware] = []
    cloud_products: list[CloudProduct] = []
    environments: list[Environment] = []
    generic_software: list[GenericSoftware] = []
    # Kinds of work asked for that decide scope whatever the activity (doing it for the customer, deleted data).
    work_kinds: list[WorkKind] = []
    # Activities about some software: a case of one that names none asks which software it is.
    software_activities: list[Id] = ["troubleshoot", "configure", "install"]

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon with another file's lists appended (and its single values where this one has none)."""
        update = {}
        for name in type(self).model_fields:
            mine, theirs = getattr(self, name), getattr(other, name)
            if isinstance(mine, list):
                update[name] = mine + theirs
            elif name in other.model_fields_set and name not in self.model_fields_set:
                update[name] = theirs
        return self.model_copy(update=update)


class GlossaryTerm(Part):
    zh: list[NonEmpty] = Field(min_length=1)
    en: str


class GlossaryFile(Part):
    kind: Literal["glossary"]
    source: Source | None = None
    terms: list[GlossaryTerm] = Field(min_length=1)


class SourcesFile(Part):
    """The English names of the source documents' headings (kb.rules.sources)."""

    kind: Literal["sources"]
    source: Source | None = None
    names: list[Text] = Field(min_length=1)  # a heading as the documents write it, and its English name


class MessagesFile(Part):
    kind: Literal["messages"]
    source: Source | None = None
    messages: dict[Id, Text]

    @field_validator("messages")
    @classmethod
    def _same_placeholders(cls, messages: dict[str, Text]) -> dict[str, Text]:
        """Both languages of a message fill in the same values: a placeholder renamed in one would fail when shown."""
        for key, text in messages.items():
            zh, en = (sorted({f for _, f, _, _ in string.Formatter().parse(t) if f}) for t in (text.zh, text.en))
            if zh != en:
                raise ValueError(f"{key}: zh fills in {zh or 'nothing'} but en fills in {en or 'nothing'}")
        return messages


# ---- rules/tests/*.yaml ----

class RuleTestCase(Part):
    id: Id
    question: str | None = None
    lang: Literal["zh", "en"] | None = None
    case: dict[str, Any] | None = None
    expect: dict[str, Any] = Field(min_length=1)


class RuleTestsFile(Part):
    kind: Literal["rule_tests"]
    source: Source | None = None
    cases: list[RuleTestCase] = Field(min_length=1)


FILES: dict[str, type[Part]] = {
    "plans": PlansFile, "severities": SeveritiesFile, "channels": ChannelsFile, "scope": ScopeFile,
    "catalog": CatalogFile, "onsite": OnsiteFile, "calendar": CalendarFile, "decisions": DecisionsFile,
    "lexicon": Lexicon, "glossary": GlossaryFile, "messages": MessagesFile, "sources": SourcesFile,
    "rule_tests": RuleTestsFile,
}

