"""The SLA clock: response deadlines, and onsite (OTSS) service time with China's holiday calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kb.rules.model import CalendarFile
from kb.rules.model import ServiceHoursSpec
from kb.rules.model import Text

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class Day:
    """What a calendar day is: a workday, a weekend day, a public holiday or an adjusted working day."""

    date: dt.date
    kind: str  # workday | weekend | holiday | adjusted_workday
    name: Text | None = None
    known: bool = True  # False when the calendar has no data for that year
    provisional: bool = False  # True when the year's notice is not out yet (statutory days only)

    @property
    def working(self) -> bool:
        return self.kind in ("workday", "adjusted_workday")

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat(), "kind": self.kind, "name": self.name.model_dump() if self.name else None,
                "known": self.known, "provisional": self.provisional}


class HolidayCalendar:
    """Public holidays and adjusted working days from `rules/calendar.yaml`."""

    def __init__(self, doc: CalendarFile):
        self.tz = ZoneInfo(doc.timezone)
        self.weekend = {WEEKDAYS.index(d) for d in doc.weekend}
        self.years = {y.year: y for y in doc.years}
        self.special: dict[dt.date, tuple[str, Text]] = {}
        for year in doc.years:
            for h in year.holidays:
                day = h.from_
                while day <= h.to:
                    self.special[day] = ("holiday", h.name)
                    day += dt.timedelta(days=1)
            for w in year.working_days:
                self.special[w.date] = ("adjusted_workday", w.for_)

    def day(self, date: dt.date) -> Day:
        """Classify one date."""
        known = date.year in self.years
        provisional = known and self.years[date.year].provisional
        if date in self.special:
            kind, name = self.special[date]
            return Day(date, kind, name, known, provisional)
        return Day(date, "weekend" if date.weekday() in self.weekend else "workday", None, known, provisional)


def localize(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Interpret a naive time as `tz` local time; convert an aware one to `tz`."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def _clock(text: str) -> dt.time | None:
    hours, minutes = (int(x) for x in text.split(":"))
    return None if hours == 24 else dt.time(hours, minutes)


class ServiceHours:
    """When onsite engineers are on site: a daily window on working days (or on all days)."""

    def __init__(self, spec: ServiceHoursSpec, calendar: HolidayCalendar):
        self.calendar = calendar
        self.all_days = spec.days == "all_days"
        self.start, self.end = _clock(spec.start), _clock(spec.end)

    def _open_on(self, day: Day) -> bool:
        return self.all_days or day.working

    def contains(self, moment: dt.datetime) -> bool:
        """Whether `moment` (local time) falls inside service hours."""
        if not self._open_on(self.calendar.day(moment.date())):
            return False
        t = moment.time()
        return t >= self.start and (self.end is None or t < self.end)

    def next_window(self, moment: dt.datetime, limit_days: int = 60):
        """The start of the next service window after `moment`, and the days skipped to reach it."""
        skipped = []
        day = moment.date()
        for _ in range(limit_days):
            info = self.calendar.day(day)
            start = dt.datetime.combine(day, self.start, moment.tzinfo)
            if self._open_on(info) and start > moment:
                return start, skipped
            if not self._open_on(info):
                skipped.append(info)
            day += dt.timedelta(days=1)
        return None, skipped


def add_minutes(moment: dt.datetime, minutes: int) -> dt.datetime:
    """A 7×24 deadline: wall-clock minutes after `moment`."""
    return moment + dt.timedelta(minutes=minutes)
