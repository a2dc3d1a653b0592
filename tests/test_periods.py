"""Periods: parsing, boundaries (incl. DST and fiscal years), stepping, and invariants.

Expected values are worked out by hand from the calendar and the tz database, never by
calling the code under test."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from northstar.errors import NorthstarError, PeriodError
from northstar.periods import KINDS, Calendar, Period, PeriodKind, iso_weeks_in, parse_kind

UTC_CAL = Calendar()
US = timedelta(microseconds=1)
FORMS = ("2025-03-14", "2025-01", "2025-Q1", "2025-W03", "2025")
ZONES = (
    "UTC",
    "America/Chicago",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Pacific/Apia",
    "Asia/Beirut",
    "America/Havana",
    "America/Asuncion",
    "America/Toronto",
    "Africa/Cairo",
    "Asia/Tehran",
    "Pacific/Kiritimati",
    "Antarctica/Troll",
)


# ---- parsing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01", Period("month", 2025, 1)),
        ("2025-12", Period("month", 2025, 12)),
        ("2025-Q1", Period("quarter", 2025, 1)),
        ("2025-Q4", Period("quarter", 2025, 4)),
        ("2025-W03", Period("week", 2025, 3)),
        ("2026-W53", Period("week", 2026, 53)),
        ("2020-W53", Period("week", 2020, 53)),
        ("2025", Period("year", 2025, 1)),
        ("1900", Period("year", 1900, 1)),
        ("2999-12", Period("month", 2999, 12)),
        ("2025-03-14", Period("day", 2025, 31 + 28 + 14)),
        ("2024-12-31", Period("day", 2024, 366)),  # a leap year's last day
        ("2025-01-01", Period("day", 2025, 1)),
    ],
)
def test_parse_and_str_round_trip(text: str, expected: Period) -> None:
    assert UTC_CAL.parse(text) == expected
    assert str(expected) == text


def test_parse_strips_whitespace() -> None:
    assert UTC_CAL.parse("  2025-Q2\n") == Period("quarter", 2025, 2)


@pytest.mark.parametrize(
    "text",
    [
        "2025-13",
        "2025-00",
        "2025-Q5",
        "2025-Q0",
        "2025-W54",
        "2025-W00",
        "2021-W53",
        "2025-W53",
        "25-01",
        "",
        "   ",
        "abc",
        "2025-1",
        "2025-q1",
        "2025-w03",
        "2025-Q01",
        "2025-W3",
        "1899",
        "3000",
        "2025-02-29",  # not a leap year
        "2025-02-30",
        "2025-13-01",
        "2025-3-14",
        "1899-12-31",
        "2025 01",
        "٢٠٢٥",
    ],
)
def test_parse_rejects_bad_strings(text: str) -> None:
    with pytest.raises(PeriodError) as caught:
        UTC_CAL.parse(text)
    message = str(caught.value)
    assert "\n" not in message
    assert repr(text) in message
    for form in FORMS:
        assert form in message
    assert isinstance(caught.value, NorthstarError)


def test_parse_explains_missing_week_53() -> None:
    with pytest.raises(PeriodError, match=r"ISO year 2021 has weeks 1\.\.52"):
        UTC_CAL.parse("2021-W53")


def test_period_is_validated_on_construction() -> None:
    with pytest.raises(PeriodError):
        Period("month", 2025, 13)
    with pytest.raises(PeriodError):
        Period("year", 2025, 2)
    with pytest.raises(PeriodError):
        Period("day", 2025, 366)  # 2025 has 365 days
    with pytest.raises(PeriodError):
        Period("day", 2024, 0)
    with pytest.raises(PeriodError):
        Period("hour", 2025, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("week", "week"), ("Month", "month"), (" QUARTER ", "quarter"), ("year", "year"),
     ("Day", "day")],
)
def test_parse_kind(text: str, kind: str) -> None:
    assert parse_kind(text) == kind


@pytest.mark.parametrize("text", ["days", "", "weeks", "q", "hour"])
def test_parse_kind_rejects(text: str) -> None:
    with pytest.raises(PeriodError, match="day, week, month, quarter or year"):
        parse_kind(text)


def test_iso_weeks_in() -> None:
    # 53 ISO weeks when the year starts on a Thursday, or is a leap year starting on a Wednesday.
    assert iso_weeks_in(2020) == 53  # leap, starts Wednesday
    assert iso_weeks_in(2026) == 53  # starts Thursday
    assert iso_weeks_in(2015) == 53  # starts Thursday
    assert [iso_weeks_in(y) for y in (2019, 2021, 2024, 2025)] == [52, 52, 52, 52]


# ---- the calendar itself -------------------------------------------------------------------


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "../etc/passwd", "America"])
def test_unknown_timezone(tz: str) -> None:
    with pytest.raises(PeriodError, match="unknown timezone"):
        Calendar(tz)


@pytest.mark.parametrize("month", [0, 13, -1, True])
def test_bad_fiscal_start_month(month: int) -> None:
    with pytest.raises(PeriodError, match=r"1\.\.12"):
        Calendar("UTC", month)


def test_calendar_attributes() -> None:
    cal = Calendar("Europe/Paris", 4)
    assert (cal.timezone, cal.fiscal_year_start_month) == ("Europe/Paris", 4)
    assert cal.tz.key == "Europe/Paris"


# ---- concrete boundaries -------------------------------------------------------------------


def test_month_in_utc() -> None:
    p = UTC_CAL.parse("2025-01")
    assert UTC_CAL.dates(p) == (date(2025, 1, 1), date(2025, 2, 1))
    assert UTC_CAL.utc_bounds(p) == (datetime(2025, 1, 1), datetime(2025, 2, 1))


def test_month_across_dst_in_chicago() -> None:
    # CST is UTC-6 on 1 March; DST (CDT, UTC-5) began 9 March 2025, so 1 April is UTC-5.
    cal = Calendar("America/Chicago")
    start, end = cal.utc_bounds(cal.parse("2025-03"))
    assert (start, end) == (datetime(2025, 3, 1, 6), datetime(2025, 4, 1, 5))
    assert start.tzinfo is None and end.tzinfo is None


def test_iso_weeks() -> None:
    assert UTC_CAL.dates(UTC_CAL.parse("2025-W01")) == (date(2024, 12, 30), date(2025, 1, 6))
    assert UTC_CAL.dates(UTC_CAL.parse("2025-W03")) == (date(2025, 1, 13), date(2025, 1, 20))
    assert UTC_CAL.dates(UTC_CAL.parse("2020-W53")) == (date(2020, 12, 28), date(2021, 1, 4))
    assert UTC_CAL.dates(UTC_CAL.parse("2026-W53")) == (date(2026, 12, 28), date(2027, 1, 4))
    with pytest.raises(PeriodError):
        UTC_CAL.parse("2021-W53")


def test_weeks_and_months_ignore_the_fiscal_year() -> None:
    fiscal = Calendar("UTC", 7)
    for text in ("2025-W01", "2025-03", "2024-12"):
        assert fiscal.dates(fiscal.parse(text)) == UTC_CAL.dates(UTC_CAL.parse(text))


def test_calendar_quarters_and_years() -> None:
    assert UTC_CAL.dates(UTC_CAL.parse("2025")) == (date(2025, 1, 1), date(2026, 1, 1))
    assert UTC_CAL.dates(UTC_CAL.parse("2025-Q1")) == (date(2025, 1, 1), date(2025, 4, 1))
    assert UTC_CAL.dates(UTC_CAL.parse("2025-Q4")) == (date(2025, 10, 1), date(2026, 1, 1))


def test_fiscal_year_starting_in_july() -> None:
    cal = Calendar("UTC", 7)
    assert cal.dates(cal.parse("2025")) == (date(2024, 7, 1), date(2025, 7, 1))
    assert cal.dates(cal.parse("2025-Q1")) == (date(2024, 7, 1), date(2024, 10, 1))
    assert cal.dates(cal.parse("2025-Q2")) == (date(2024, 10, 1), date(2025, 1, 1))
    assert cal.dates(cal.parse("2025-Q4")) == (date(2025, 4, 1), date(2025, 7, 1))
    assert cal.fiscal_year_of(date(2024, 7, 1)) == 2025
    assert cal.fiscal_year_of(date(2024, 6, 30)) == 2024
    assert cal.fiscal_year_of(date(2025, 6, 30)) == 2025
    assert cal.containing("quarter", date(2024, 12, 31)) == Period("quarter", 2025, 2)
    assert cal.containing("year", date(2025, 7, 1)) == Period("year", 2026, 1)


def test_fiscal_year_starting_in_october() -> None:
    cal = Calendar("UTC", 10)
    assert cal.dates(cal.parse("2025")) == (date(2024, 10, 1), date(2025, 10, 1))
    assert cal.dates(cal.parse("2025-Q1")) == (date(2024, 10, 1), date(2025, 1, 1))
    assert cal.dates(cal.parse("2025-Q3")) == (date(2025, 4, 1), date(2025, 7, 1))
    assert cal.fiscal_year_of(date(2025, 9, 30)) == 2025
    assert cal.fiscal_year_of(date(2025, 10, 1)) == 2026


def test_fiscal_year_starting_in_february() -> None:
    cal = Calendar("UTC", 2)
    assert cal.dates(cal.parse("2025")) == (date(2024, 2, 1), date(2025, 2, 1))
    assert cal.dates(cal.parse("2025-Q4")) == (date(2024, 11, 1), date(2025, 2, 1))


def test_midnight_skipped_by_dst_at_midnight() -> None:
    # Paraguay moved from UTC-4 to UTC-3 at 00:00 on 1 October 2023: that day began at
    # 01:00 local, i.e. 04:00 UTC, and September ended at the same instant.
    cal = Calendar("America/Asuncion")
    sept, octo = cal.parse("2023-09"), cal.parse("2023-10")
    assert cal.utc_bounds(octo)[0] == datetime(2023, 10, 1, 4)
    assert cal.utc_bounds(sept)[1] == datetime(2023, 10, 1, 4)
    # Egypt went from UTC+2 to UTC+3 at 00:00 on 1 August 2014: the day began at 01:00 EEST,
    # 22:00 UTC the day before.
    cairo = Calendar("Africa/Cairo")
    assert cairo.utc_bounds(cairo.parse("2014-08"))[0] == datetime(2014, 7, 31, 22)


def test_midnight_inside_a_dst_gap() -> None:
    # Toronto jumped from 23:30 EST (UTC-5) on 30 March 1919 to 00:30 EDT on Monday 31 March
    # (week 1919-W14): the week began at the jump, 04:30 UTC, not at "01:00" (05:00 UTC).
    cal = Calendar("America/Toronto")
    w14 = cal.parse("1919-W14")
    assert cal.dates(w14) == (date(1919, 3, 31), date(1919, 4, 7))
    assert cal.utc_bounds(w14)[0] == datetime(1919, 3, 31, 4, 30)
    assert cal.utc_bounds(cal.parse("1919-W13"))[1] == datetime(1919, 3, 31, 4, 30)
    assert cal.containing("week", datetime(1919, 3, 31, 4, 30)) == w14
    assert cal.containing("week", datetime(1919, 3, 31, 4, 29, 59)) == cal.parse("1919-W13")


def test_samoa_skipped_a_day() -> None:
    # Apia was UTC-10 (DST) until the end of 29 December 2011, then UTC+14: 30 December never
    # happened locally. Week 2011-W52 (26 Dec..2 Jan) lasted six days.
    cal = Calendar("Pacific/Apia")
    assert cal.utc_bounds(cal.parse("2011-W52")) == (
        datetime(2011, 12, 26, 10),
        datetime(2012, 1, 1, 10),
    )
    assert cal.utc_bounds(cal.parse("2011-12")) == (
        datetime(2011, 12, 1, 10),
        datetime(2011, 12, 31, 10),
    )


# ---- stepping ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("2025-01", "2024-12"),
        ("2025-Q1", "2024-Q4"),
        ("2025-W01", "2024-W52"),
        ("2021-W01", "2020-W53"),
        ("2027-W01", "2026-W53"),
        ("2025", "2024"),
        ("2025-07", "2025-06"),
        ("2025-03-01", "2025-02-28"),
        ("2024-03-01", "2024-02-29"),
        ("2025-01-01", "2024-12-31"),
    ],
)
def test_previous_and_next(text: str, before: str) -> None:
    assert UTC_CAL.previous(UTC_CAL.parse(text)) == UTC_CAL.parse(before)
    assert UTC_CAL.next(UTC_CAL.parse(before)) == UTC_CAL.parse(text)


@pytest.mark.parametrize(
    ("text", "last_year"),
    [
        ("2025-01", "2024-01"),
        ("2025-Q1", "2024-Q1"),
        ("2025", "2024"),
        ("2025-W03", "2024-W03"),
        ("2020-W53", "2019-W52"),
        ("2026-W53", "2025-W52"),
        ("2015-W53", "2014-W52"),  # two 53-week ISO years never follow each other
        # a day: the same weekday 52 weeks back (Friday 14 March 2025, Friday 15 March 2024)
        ("2025-03-14", "2024-03-15"),
        ("2024-02-29", "2023-03-02"),  # a Thursday; 2023 has no 29 February anyway
        ("2025-12-31", "2025-01-01"),  # a Wednesday, 364 days back: still 2025
        ("2025-01-01", "2024-01-03"),
    ],
)
def test_same_period_last_year(text: str, last_year: str) -> None:
    assert UTC_CAL.same_period_last_year(UTC_CAL.parse(text)) == UTC_CAL.parse(last_year)


def test_same_fiscal_quarter_last_year() -> None:
    cal = Calendar("UTC", 7)
    last = cal.same_period_last_year(cal.parse("2025-Q1"))
    assert last == cal.parse("2024-Q1")
    assert cal.dates(last) == (date(2023, 7, 1), date(2023, 10, 1))


def test_stepping_out_of_range_is_an_error() -> None:
    with pytest.raises(PeriodError, match=r"1900\.\.2999"):
        UTC_CAL.next(UTC_CAL.parse("2999-12"))
    with pytest.raises(PeriodError, match=r"1900\.\.2999"):
        UTC_CAL.previous(UTC_CAL.parse("1900-W01"))


# ---- containing, current, last_n, is_closed ------------------------------------------------


def test_containing_instants() -> None:
    cal = Calendar("America/Chicago")
    # 05:59 UTC on 1 March 2025 is 23:59 CST on 28 February.
    assert cal.containing("month", datetime(2025, 3, 1, 5, 59)) == Period("month", 2025, 2)
    assert cal.containing("month", datetime(2025, 3, 1, 6)) == Period("month", 2025, 3)
    aware = datetime(2025, 3, 1, 0, 30, tzinfo=timezone(timedelta(hours=-5, minutes=-30)))
    assert cal.containing("month", aware) == Period("month", 2025, 3)  # 06:00 UTC
    # a date is a local date, not an instant
    assert cal.containing("week", date(2025, 1, 5)) == Period("week", 2025, 1)
    assert cal.containing("quarter", date(2025, 3, 31)) == Period("quarter", 2025, 1)


def test_current_and_last_n() -> None:
    now = datetime(2025, 2, 3, 12, tzinfo=UTC)  # a Monday
    assert UTC_CAL.current("week", now) == Period("week", 2025, 6)
    assert UTC_CAL.current("quarter", now) == Period("quarter", 2025, 1)
    assert UTC_CAL.last_n("month", 3, now=now) == [
        Period("month", 2024, 12),
        Period("month", 2025, 1),
        Period("month", 2025, 2),
    ]
    assert UTC_CAL.last_n("quarter", 2, ending=Period("quarter", 2025, 1)) == [
        Period("quarter", 2024, 4),
        Period("quarter", 2025, 1),
    ]
    this_year = datetime.now(UTC).year
    assert UTC_CAL.current("year") in {Period("year", y, 1) for y in (this_year - 1, this_year)}
    with pytest.raises(PeriodError):
        UTC_CAL.last_n("month", 0, now=now)
    with pytest.raises(PeriodError):
        UTC_CAL.last_n("month", 2, ending=Period("week", 2025, 1))


def test_is_closed() -> None:
    cal = Calendar("America/Chicago")
    march = cal.parse("2025-03")
    assert not cal.is_closed(march, datetime(2025, 4, 1, 4, 59))
    assert cal.is_closed(march, datetime(2025, 4, 1, 5))
    assert cal.is_closed(march, datetime(2025, 4, 1, 0, tzinfo=timezone(timedelta(hours=-5))))
    assert cal.is_closed(Period("year", 2000, 1))
    assert not cal.is_closed(Period("year", 2999, 1))


# ---- properties ----------------------------------------------------------------------------


@st.composite
def periods(draw: st.DrawFn, kind: PeriodKind | None = None) -> Period:
    """A valid period, kept one year clear of the supported range so next/previous exist."""
    chosen = kind if kind is not None else draw(st.sampled_from(KINDS))
    year = draw(st.integers(1901, 2998))
    top = {"day": 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365,
           "week": iso_weeks_in(year), "month": 12, "quarter": 4, "year": 1}[chosen]
    return Period(chosen, year, draw(st.integers(1, top)))


calendars = st.builds(Calendar, st.sampled_from(ZONES), st.integers(1, 12))


@settings(max_examples=400, deadline=None)
@given(calendars, periods())
def test_periods_tile_time(cal: Calendar, p: Period) -> None:
    start, end = cal.utc_bounds(p)
    nxt = cal.next(p)
    assert end == cal.utc_bounds(nxt)[0]
    if p.kind == "day" and start == end:  # a day the clocks skipped (Apia, 30 December 2011)
        assert cal.containing("day", start) != p
        return
    assert start < end
    assert cal.containing(p.kind, start) == p
    assert cal.containing(p.kind, end - US) == p
    assert cal.containing(p.kind, end) == nxt
    assert cal.containing(p.kind, start.replace(tzinfo=UTC)) == p
    assert cal.previous(nxt) == p
    assert cal.next(cal.previous(p)) == p
    assert cal.parse(str(p)) == p
    first, last = cal.dates(p)
    assert cal.containing(p.kind, first) == p
    assert cal.containing(p.kind, last - timedelta(days=1)) == p


def months_between(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


@given(calendars, periods("quarter"))
def test_quarters_are_three_months(cal: Calendar, p: Period) -> None:
    start, end = cal.dates(p)
    assert start.day == end.day == 1
    assert months_between(start, end) == 3
    assert start.month == (cal.fiscal_year_start_month - 1 + 3 * (p.index - 1)) % 12 + 1


@given(calendars, periods("year"))
def test_years_are_twelve_months_named_by_their_end(cal: Calendar, p: Period) -> None:
    start, end = cal.dates(p)
    assert start.day == end.day == 1
    assert start.month == cal.fiscal_year_start_month
    assert months_between(start, end) == 12
    assert (end - timedelta(days=1)).year == p.year  # named after the year it ends in
    assert cal.fiscal_year_of(start) == cal.fiscal_year_of(end - timedelta(days=1)) == p.year


@given(calendars, periods("month"))
def test_every_month_is_in_exactly_one_quarter(cal: Calendar, month: Period) -> None:
    m_start, m_end = cal.dates(month)
    fiscal = month.year + (cal.fiscal_year_start_month != 1)
    candidates = [Period("quarter", y, q) for y in (fiscal - 1, fiscal) for q in range(1, 5)]
    holding = [q for q in candidates if cal.dates(q)[0] <= m_start and m_end <= cal.dates(q)[1]]
    assert holding == [cal.containing("quarter", m_start)]


@given(calendars, periods())
def test_same_period_last_year_is_one_year_back(cal: Calendar, p: Period) -> None:
    last = cal.same_period_last_year(p)
    if p.kind != "day":
        assert (last.kind, last.year) == (p.kind, p.year - 1)
    if p.kind == "week":
        assert last.index == min(p.index, iso_weeks_in(p.year - 1))
        return
    if p.kind == "day":  # the same weekday, 52 weeks back
        assert last.kind == "day"
        assert (p.day - last.day).days == 364 and p.day.weekday() == last.day.weekday()
        return
    assert last.index == p.index
    (a, _), (b, _) = cal.dates(last), cal.dates(p)
    assert months_between(a, b) == 12


instants = st.datetimes(datetime(1901, 1, 1), datetime(2998, 12, 31))


@given(calendars, instants, st.sampled_from(KINDS))
def test_containing_agrees_with_bounds(cal: Calendar, when: datetime, kind: PeriodKind) -> None:
    p = cal.containing(kind, when)
    start, end = cal.utc_bounds(p)
    assert start <= when < end
    assert cal.is_closed(p, end) and not cal.is_closed(p, end - US)


# ---- days ----------------------------------------------------------------------------------


def test_days_across_the_clock_changes_in_chicago() -> None:
    cal = Calendar("America/Chicago")
    # Sunday 9 March 2025: 02:00 CST became 03:00 CDT; the day ran from 06:00 UTC to 05:00
    # UTC the next day, 23 hours.
    spring = cal.parse("2025-03-09")
    assert cal.utc_bounds(spring) == (datetime(2025, 3, 9, 6), datetime(2025, 3, 10, 5))
    # Sunday 2 November 2025: 02:00 CDT became 01:00 CST; 05:00 UTC to 06:00 UTC, 25 hours.
    autumn = cal.parse("2025-11-02")
    assert cal.utc_bounds(autumn) == (datetime(2025, 11, 2, 5), datetime(2025, 11, 3, 6))
    # 05:30 UTC on 10 March is 00:30 CDT on the 10th; 05:30 UTC on 3 November 23:30 CST on
    # the 2nd
    assert str(cal.containing("day", datetime(2025, 3, 10, 5, 30))) == "2025-03-10"
    assert str(cal.containing("day", datetime(2025, 11, 3, 5, 30))) == "2025-11-02"


def test_a_day_in_its_month_week_and_the_month_to_date() -> None:
    cal = Calendar("America/Chicago")
    day = cal.parse("2025-03-14")
    assert cal.dates(day) == (date(2025, 3, 14), date(2025, 3, 15))
    assert str(cal.previous(day)) == "2025-03-13" and str(cal.next(day)) == "2025-03-15"
    mtd = cal.month_to_date(day)
    assert (str(mtd.period), mtd.days) == ("2025-03", 14)
    assert cal.dates(mtd) == (date(2025, 3, 1), date(2025, 3, 15))
    assert cal.overlaps("day", cal.parse("2025-02"))[0] == (cal.parse("2025-02-01"), 1.0)
    assert len(cal.overlaps("day", cal.parse("2025-02"))) == 28
    assert cal.last_n("day", 3, ending=day) == [cal.parse("2025-03-12"), cal.parse("2025-03-13"),
                                                day]
    assert cal.containing("week", cal.dates(day)[0]) == cal.parse("2025-W11")


def test_the_day_under_way_is_open_and_closes_at_local_midnight() -> None:
    cal = Calendar("America/Chicago")
    day = cal.parse("2025-03-14")  # CDT: local midnight is 05:00 UTC
    assert cal.is_open(day, datetime(2025, 3, 15, 4, 59))
    assert cal.is_closed(day, datetime(2025, 3, 15, 5))
    half = cal.progress(day, datetime(2025, 3, 14, 17))  # noon local
    assert (half.days, half.total_days) == (1, 1) and half.share == pytest.approx(0.5)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(ZONES), st.dates(date(1902, 1, 1), date(2997, 12, 31)))
def test_every_local_day_is_a_period_whose_bounds_are_its_midnights(tz: str, d: date) -> None:
    """A day's UTC bounds are the first instants of it and of the next day: 24 hours but on
    the days the clocks change, where it is 23, 25 (or Lord Howe's 23.5 and 24.5) or, for a day
    the zone skipped, nothing."""
    cal = Calendar(tz)
    p = cal.containing("day", d)
    assert str(p) == d.isoformat() and cal.parse(str(p)) == p
    start, end = cal.utc_bounds(p)
    hours = (end - start).total_seconds() / 3600
    assert hours == 0 or 20 <= hours <= 28
    if hours:
        zone = ZoneInfo(tz)
        assert start.replace(tzinfo=UTC).astimezone(zone).date() == d
        assert (end - US).replace(tzinfo=UTC).astimezone(zone).date() == d
        assert (start - US).replace(tzinfo=UTC).astimezone(zone).date() < d
