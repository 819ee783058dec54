import datetime as dt

from kb.rules.clock import HolidayCalendar
from kb.rules.clock import ServiceHours
from kb.rules.clock import localize


def hours(book):
    calendar = HolidayCalendar(book.calendar)
    return calendar, ServiceHours(book.onsite_mode("5x8").service_hours, calendar)


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


def test_2025_and_the_2026_adjusted_working_days(book):
    calendar, sh = hours(book)
    assert calendar.day(dt.date(2025, 1, 26)).kind == "adjusted_workday"
    assert calendar.day(dt.date(2025, 10, 8)).kind == "holiday"
    for day in (dt.date(2026, 1, 4), dt.date(2026, 2, 28), dt.date(2026, 5, 9)):
        assert calendar.day(day).kind == "adjusted_workday"
        assert sh.contains(localize(dt.datetime.combine(day, dt.time(10, 0)), calendar.tz))


def test_provisional_and_unknown_years_are_flagged(book):
    calendar, _ = hours(book)
    assert calendar.day(dt.date(2026, 3, 2)).provisional is False
    day = calendar.day(dt.date(2027, 2, 9))
    assert day.known and day.provisional  # 2027: statutory days only, until the notice is out
    day = calendar.day(dt.date(2028, 2, 9))
    assert not day.known and not day.provisional
