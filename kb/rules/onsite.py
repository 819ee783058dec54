"""Onsite (OTSS) response and arrival deadlines for a contract's mode, the fault level, service hours and city."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field

from kb.rules.case import Case
from kb.rules.clock import Day
from kb.rules.clock import HolidayCalendar
from kb.rules.clock import ServiceHours
from kb.rules.clock import add_minutes
from kb.rules.lexicon import normalize
from kb.rules.lexicon import term_pattern
from kb.rules.model import FastArrival
from kb.rules.model import ServiceHoursSpec
from kb.rules.text import msg
from kb.rules.trace import Step


@dataclass
class OnsiteAnswer:
    """What the onsite contract promises for this case; deadlines only for an incident."""

    mode: str
    scope: str
    in_service_hours: bool
    reported_day: Day
    service_hours: ServiceHoursSpec
    source: str
    fault_level: int | None = None
    fault_level_assumed: bool = False
    response_minutes: int | None = None
    arrival_minutes: int | None = None
    response_deadline: dt.datetime | None = None
    arrival_deadline: dt.datetime | None = None
    fast_arrival: bool = False
    next_service_window: dt.datetime | None = None
    skipped_days: list[Day] = field(default_factory=list)


def onsite_answer(book, case: Case, d, onsite_scope: str | None) -> OnsiteAnswer | None:
    """The onsite part of decision `d` (adds its notes and trace steps to `d`).

    Only an incident (a fault level, a severity or a problem reported) gets deadlines: a question about the service
    itself gets its facts, not deadlines for a fault nobody has."""
    mode = book.onsite_mode(case.onsite.mode)
    if mode is None:  # callers validate the mode; a hand-made case may not
        return None
    calendar = HolidayCalendar(book.calendar)
    hours = ServiceHours(mode.service_hours, calendar)
    at = case.reported_at
    inside = hours.contains(at)
    day = calendar.day(at.date())
    answer = OnsiteAnswer(mode=mode.id, scope=onsite_scope or "in", in_service_hours=inside, reported_day=day,
                          service_hours=mode.service_hours, source=mode.service_hours.source)
    if case.fault_level is None and case.severity is None and case.activity != book.lexicon.problem_activity:
        return answer
    level = case.fault_level
    if level is None:
        level = book.onsite.fault_level_by_severity[d.severity]
        d.notes.append(msg("fault_level_assumed", level=level))
    rule = mode.level_times(level)
    times = rule.times(inside)
    arrival = times.arrival_minutes
    fast = times.fast_arrival
    answer.fast_arrival = bool(fast) and case.onsite.staff >= fast.min_staff and city_in(case.onsite.city, fast)
    if answer.fast_arrival:
        arrival = fast.arrival_minutes
    if not inside:
        answer.next_service_window, answer.skipped_days = hours.next_window(at)
    answer.fault_level, answer.fault_level_assumed = level, case.fault_level is None
    answer.response_minutes, answer.arrival_minutes = times.response_minutes, arrival
    answer.response_deadline = add_minutes(at, times.response_minutes)
    answer.arrival_deadline = add_minutes(at, arrival)
    answer.source = rule.source
    for year in sorted({x.date.year for x in [day, *answer.skipped_days] if not x.known}):
        d.notes.append(msg("calendar_unknown_year", year=year))
    for year in sorted({x.date.year for x in [day, *answer.skipped_days] if x.provisional}):
        d.notes.append(msg("calendar_provisional_year", year=year))
    when = "in_hours" if inside else "out_of_hours"
    d.trace.append(Step(f"onsite.{mode.id}.level{level}.{when}", "fact", rule.source, msg(f"onsite_{when}"),
                        {"response_minutes": times.response_minutes, "arrival_minutes": arrival}))
    kind = msg(f"day_{day.kind}")
    reason = msg("trace_day_named", date=day.date.isoformat(), kind=kind, name=day.name) if day.name else \
        msg("trace_day", date=day.date.isoformat(), kind=kind)
    d.trace.append(Step("calendar.day", "fact", mode.service_hours.source, reason, {"in_service_hours": inside}))
    return answer


def city_in(city: str | None, fast: FastArrival) -> bool:
    """Whether the contract's city is one of the fast-arrival cities; a district counts (上海市浦东新区, Shanghai Pudong)."""
    if not city:
        return False
    city = normalize(city)
    return any(term_pattern(normalize(name)).search(city) for name in fast.names())
