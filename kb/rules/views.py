"""A decision as its reader sees it, in one language: the models of `kb ask --json` and of the API's answers.

kb.rules.render builds them from a language-neutral Decision; the OpenAPI description is generated from them.
"""

from __future__ import annotations

from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

Scope = Literal["in", "out", "partial", "unknown"]


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Cited(View):
    """A part of the answer with the document heading it comes from, in the reader's language; an English
    citation carries the Chinese original, which binds."""

    source: str
    source_original: str | None = Field(default=None, exclude_if=lambda v: v is None)


class ClauseView(Cited):
    id: str
    text: str


class NamedView(View):
    id: str
    name: str


class SeverityView(NamedView):
    assumed: bool


class ChannelView(NamedView, Cited):
    how: str
    hours: str | None
    why: str
    paid: bool
    note: str | None = Field(default=None, exclude_if=lambda v: v is None)  # response, purchase and other notes


class AlternativeView(NamedView, Cited):
    how: str


class FactView(Cited):
    id: str
    text: str


class DayView(View):
    date: str
    kind: Literal["workday", "weekend", "holiday", "adjusted_workday"]
    name: dict[str, str] | None
    known: bool
    provisional: bool


class ServiceHoursView(View):
    days: str
    start: str
    end: str
    timezone: str


class OnsiteView(Cited):
    mode: str
    scope: Scope
    in_service_hours: bool
    fault_level: int | None
    fault_level_assumed: bool
    response_minutes: int | None
    arrival_minutes: int | None
    response_deadline: str | None
    arrival_deadline: str | None
    fast_arrival: bool
    reported_day: DayView
    next_service_window: str | None
    skipped_days: list[DayView]
    service_hours: ServiceHoursView


class StepView(Cited):
    """One line of the rule trace."""

    id: str
    kind: Literal["rule", "fact"]
    reason: str
    outcome: dict[str, Any]
    priority: int | None = Field(default=None, exclude_if=lambda v: v is None)  # rules only


class PlanVariantView(View):
    """The answer on a group of plans, when the question did not say which plan the customer has."""

    plans: list[str]
    scope: Scope
    support_level: NamedView | None
    reason: str
    clause: ClauseView | None


class MissingView(View):
    """A fact the answer depends on, to ask for: the question, and the choices when the fact has a list."""

    fact: Literal["plan", "software", "os", "version"]
    question: str
    choices: list[NamedView]


class DecisionView(View):
    """The decision in one language: scope and why, the clause, channels best first, the response target and deadline,
    where to go instead, direct answers (`facts`), onsite times, notes, and every rule and fact used (`rules`)."""

    lang: Literal["zh", "en"]
    scope: Scope
    reason: str
    clause: ClauseView | None
    support_level: NamedView | None
    severity: SeverityView
    response_target_minutes: int | None
    response_kind: Literal["response", "accepted"] | None
    deadline: str | None
    channels: list[ChannelView]
    alternatives: list[AlternativeView]
    prerequisites: list[ClauseView]
    facts: list[FactView]
    articles: list[str]
    onsite: OnsiteView | None
    notes: list[str]
    conflicts: list[dict[str, Any]]
    software: str | None
    activity: str
    case: dict[str, Any]
    rules: list[StepView]
    by_plan: list[PlanVariantView] = []
    missing: list[MissingView] = []
