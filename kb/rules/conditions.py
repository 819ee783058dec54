"""The registries of rule conditions and outcomes: the vocabulary a decision rule may use.

A condition is a small named function of (case, value, rulebook) -> bool. Built-ins register through
`condition`, the same path an extension would use; README lists them all (a test checks that).
"""

from __future__ import annotations

from collections.abc import Callable

CONDITIONS: dict[str, Callable] = {}
OUTCOMES: dict[str, str] = {
    "scope": "Scope of the case: in, out, partial or unknown.",
    "support_level": "The support level that applies (an id from plans.yaml third_party_levels or scope.yaml support_levels).",
    "alternatives": "Where to go instead (ids from scope.yaml alternatives).",
    "onsite_scope": "Whether the onsite contract covers the work: in or out.",
    "prerequisites": "What the customer must do or accept (ids from scope.yaml prerequisites).",
}
SCOPES = ("in", "out", "partial", "unknown")


def condition(name: str):
    """Register a condition function under `name`."""

    def register(func):
        CONDITIONS[name] = func
        return func

    return register


def _one_of(value, allowed) -> bool:
    return value in (allowed if isinstance(allowed, list) else [allowed])


@condition("plan")
def plan_is(case, value, book) -> bool:
    """The case's plan is one of these plan ids."""
    return _one_of(case.plan, value)


@condition("plan_third_party_level")
def plan_third_party_level(case, value, book) -> bool:
    """The case's plan gives third-party software this support level."""
    plan = book.plans.get(case.plan)
    return bool(plan) and _one_of(plan.third_party_support.level, value)


@condition("software")
def software_is(case, value, book) -> bool:
    """The case is about one of these catalog keys."""
    return _one_of(case.software, value)


@condition("software_status")
def software_status(case, value, book) -> bool:
    """The software is catalog, out_of_range, uncatalogued, cloud_product or none."""
    return _one_of(case.software_status, value)


@condition("activity")
def activity_is(case, value, book) -> bool:
    """The case's activity is one of these."""
    return _one_of(case.activity, value)


@condition("activity_not")
def activity_not(case, value, book) -> bool:
    """The case's activity is none of these."""
    return not _one_of(case.activity, value)


@condition("severity")
def severity_is(case, value, book) -> bool:
    """The case's severity is one of these."""
    return _one_of(case.severity, value)


@condition("port_issue")
def port_issue(case, value, book) -> bool:
    """The problem is (true) or is not (false) about port connectivity."""
    return case.port_issue is bool(value)


@condition("topic")
def topic_is(case, value, book) -> bool:
    """The question is about the support services themselves (plans or onsite)."""
    return _one_of(case.topic, value)


@condition("onsite")
def has_onsite(case, value, book) -> bool:
    """The customer has (true) or has not (false) an onsite support contract."""
    return (case.onsite is not None) is bool(value)


@condition("onsite_activity_excluded")
def onsite_activity_excluded(case, value, book) -> bool:
    """The activity, or the work a failure happened during, is (true) or is not (false) one the onsite service
    excludes (onsite.yaml)."""
    excluded = book.onsite.excluded_activities
    return (case.activity in excluded or case.during in excluded) is bool(value)


@condition("environment_effect")
def environment_effect(case, value, book) -> bool:
    """Where the software runs takes the case out of the catalog's range (out) or only partly into it (partial)."""
    env = next((e for e in book.lexicon.environments if e.id == case.environment), None)
    return env is not None and _one_of(env.effect, value)


@condition("environment")
def environment_is(case, value, book) -> bool:
    """Where the software runs is one of these lexicon environments (a control panel, a jump host, ...)."""
    return _one_of(case.environment, value)


@condition("work")
def work_is(case, value, book) -> bool:
    """The question asks for one of these kinds of work (lexicon work_kinds)."""
    return any(_one_of(w, value) for w in case.work)
