"""Period phrases in questions, in the company's timezone and fiscal year. Expected periods are
worked out by hand from the calendar ("today" is Thursday 20 November 2025 unless a test says
otherwise)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from northstar.ask.periods import find_period, resolve_period
from northstar.errors import PeriodError
from northstar.periods import Calendar, Period

NOW = datetime(2025, 11, 20, 15, 0, tzinfo=UTC)
CHICAGO = Calendar("America/Chicago")
JULY = Calendar("America/Chicago", fiscal_year_start_month=7)
"""A fiscal year from July: FY2026 runs 2025-07-01 to 2026-06-30; its Q1 is July-September."""


def read(text: str, cal: Calendar = CHICAGO, now: datetime = NOW) -> tuple[str, int]:
    period, count = resolve_period(text, cal, now)
    return str(period), count


@pytest.mark.parametrize(("text", "expected"), [
    ("last month", ("2025-10", 1)),
    ("this month", ("2025-11", 1)),
    ("Q3", ("2025-Q3", 1)),
    ("q4", ("2025-Q4", 1)),  # the quarter under way has begun
    ("Q3 2025", ("2025-Q3", 1)),
    ("2024 Q2", ("2024-Q2", 1)),
    ("the third quarter of 2023", ("2023-Q3", 1)),
    ("q1 last year", ("2024-Q1", 1)),
    ("last quarter", ("2025-Q3", 1)),
    ("this year so far", ("2025", 1)),
    ("so far this year", ("2025", 1)),
    ("YTD", ("2025", 1)),
    ("quarter to date", ("2025-Q4", 1)),
    ("last year", ("2024", 1)),
    ("the last 13 weeks", ("2025-W47", 13)),
    ("past twelve months", ("2025-11", 12)),
    ("the last 4 quarters", ("2025-Q4", 4)),
    ("March", ("2025-03", 1)),
    ("December", ("2024-12", 1)),  # December 2025 has not begun
    ("March 2025", ("2025-03", 1)),
    ("march of last year", ("2024-03", 1)),
    ("in may", ("2025-05", 1)),
    ("2025-11", ("2025-11", 1)),
    ("2025-W03", ("2025-W03", 1)),
    ("fy2024", ("2024", 1)),
    ("last week", ("2025-W46", 1)),
])
def test_phrases_in_the_company_calendar(text: str, expected: tuple[str, int]) -> None:
    assert read(text) == expected


def test_the_month_turns_at_midnight_in_the_company_timezone() -> None:
    late = datetime(2025, 12, 1, 3, 0, tzinfo=UTC)  # 21:00 on 30 November in Chicago
    assert read("this month", CHICAGO, late) == ("2025-11", 1)
    assert read("last month", CHICAGO, late) == ("2025-10", 1)
    assert read("this month", Calendar("UTC"), late) == ("2025-12", 1)
    assert read("November", CHICAGO, late) == ("2025-11", 1)


@pytest.mark.parametrize(("text", "expected", "dates"), [
    ("this year", "2026", (date(2025, 7, 1), date(2026, 7, 1))),
    ("YTD", "2026", (date(2025, 7, 1), date(2026, 7, 1))),
    ("last year", "2025", (date(2024, 7, 1), date(2025, 7, 1))),
    ("this quarter", "2026-Q2", (date(2025, 10, 1), date(2026, 1, 1))),
    ("Q1", "2026-Q1", (date(2025, 7, 1), date(2025, 10, 1))),
    ("Q3", "2025-Q3", (date(2025, 1, 1), date(2025, 4, 1))),  # FY2026's Q3 is to come
    ("Q3 2025", "2025-Q3", (date(2025, 1, 1), date(2025, 4, 1))),
    ("last quarter", "2026-Q1", (date(2025, 7, 1), date(2025, 10, 1))),
    ("March", "2025-03", (date(2025, 3, 1), date(2025, 4, 1))),  # months stay calendar months
])
def test_quarters_and_years_are_the_fiscal_years(text: str, expected: str,
                                                  dates: tuple[date, date]) -> None:
    period, count = resolve_period(text, JULY, NOW)
    assert (str(period), count) == (expected, 1)
    assert JULY.dates(period) == dates


def test_may_the_verb_is_not_a_month_and_words_without_a_period_name_none() -> None:
    assert find_period("net revenue may be low", CHICAGO, NOW) is None
    assert find_period("how is nora doing", CHICAGO, NOW) is None
    assert find_period("paid within 7 days", CHICAGO, NOW) is None
    assert find_period("google_retail_launch_2025", CHICAGO, NOW) is None
    pick = find_period("net revenue in march vs last year", CHICAGO, NOW)
    assert pick is not None and pick.period == Period("month", 2025, 3)
    assert "net revenue in march vs last year"[pick.start:pick.end] == "in march"


@pytest.mark.parametrize(("text", "message"), [
    ("the day after tomorrow", "is not a period"),
    ("the last 100 weeks", "ask for 1 to 60 periods"),
    ("2025-13", "a month index runs 1..12, not 13"),
])
def test_what_is_no_period_says_what_is_expected(text: str, message: str) -> None:
    with pytest.raises(PeriodError, match=message):
        resolve_period(text, CHICAGO, NOW)
