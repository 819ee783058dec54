import datetime as dt

from kb.clock import HolidayCalendar
from kb.clock import ServiceHours
from kb.clock import localize


def hours(book):
    calendar = HolidayCalendar(book.calendar)
    return calendar, ServiceHours({"days": "working_days", "start": "09:00", "end": "18:00"}, calendar)


def test_public_holiday_and_adjusted_working_day(book):
    calendar, _ = hours(book)
    assert calendar.day(dt.date(2026, 10, 1)).kind == "holiday"
    assert calendar.day(dt.date(2026, 10, 10)).kind == "adjusted_workday"
    assert calendar.day(dt.date(2026, 11, 21)).kind == "weekend"


def test_night_weekend_and_next_window(book):
    calendar, sh = hours(book)
    friday_night = localize(dt.datetime(2026, 11, 20, 19, 0), calendar.tz)
    assert not sh.contains(friday_night)
    start, skipped = sh.next_window(friday_night)
    assert start.isoformat() == "2026-11-23T09:00:00+08:00"
    assert [d.kind for d in skipped] == ["weekend", "weekend"]


def test_year_without_data_is_flagged(book):
    calendar, _ = hours(book)
    assert calendar.day(dt.date(2031, 5, 1)).known is False
