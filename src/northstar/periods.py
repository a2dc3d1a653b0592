"""Periods: the strings users type (2025-03-14, 2025-01, 2025-Q1, 2025-W03, 2025) and where they
begin and end.

Every KPI value is "for a period". A `Period` is a plain value; the company's `Calendar`
(timezone and fiscal-year start) turns it into local dates and into the UTC instants the
ledger is queried with, so that consecutive periods meet exactly, even across DST jumps."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from northstar.errors import PeriodError

PeriodKind = Literal["day", "week", "month", "quarter", "year"]
KINDS: tuple[PeriodKind, ...] = ("day", "week", "month", "quarter", "year")
MIN_YEAR, MAX_YEAR = 1900, 2999

_FORMS = ("use 2025-03-14 (day), 2025-01 (month), 2025-Q1 (quarter), 2025-W03 (ISO week) or "
          "2025 (year)")
_PATTERNS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    ("day", re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")),
    ("month", re.compile(r"([0-9]{4})-([0-9]{2})")),
    ("quarter", re.compile(r"([0-9]{4})-Q([0-9])")),
    ("week", re.compile(r"([0-9]{4})-W([0-9]{2})")),
    ("year", re.compile(r"([0-9]{4})")),
)
_PER_YEAR: dict[str, int] = {"month": 12, "quarter": 4, "year": 1}
_SECOND = timedelta(seconds=1)
SAME_WEEKDAY_LAST_YEAR = timedelta(weeks=52)
"""A day's "same day last year": 364 days back, the same weekday (a Saturday against a
Saturday), as retail and trade calendars compare days."""


def iso_weeks_in(year: int) -> int:
    """How many ISO weeks (52 or 53) ISO year `year` has: 28 December is always in its last."""
    return date(year, 12, 28).isocalendar().week


def days_in(year: int) -> int:
    """How many days (365 or 366) calendar year `year` has."""
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def _problem(kind: str, year: int, index: int) -> str | None:
    """Why (kind, year, index) names no period, or None when it is fine."""
    if kind not in KINDS:
        return f"{kind!r} is not a period kind: use day, week, month, quarter or year"
    if not MIN_YEAR <= year <= MAX_YEAR:
        return f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}"
    if kind == "day":
        days = days_in(year)
        return None if 1 <= index <= days else f"{year} has days 1..{days}, not {index}"
    if kind == "week":
        weeks = iso_weeks_in(year)
        return None if 1 <= index <= weeks else f"ISO year {year} has weeks 1..{weeks}, not {index}"
    last = _PER_YEAR[kind]
    return None if 1 <= index <= last else f"a {kind} index runs 1..{last}, not {index}"


@dataclass(frozen=True, order=True)
class Period:
    """One day, week, month, quarter or year. Always valid: a bad value raises PeriodError.

    `year` is the calendar year for a day or a month, the ISO year for a week and the
    fiscal-year label (the calendar year the fiscal year ends in) for a quarter or a year.
    `index` is the day of the year 1-366, the month 1-12, the quarter 1-4, the ISO week 1-53,
    or 1 for a year."""

    kind: PeriodKind
    year: int
    index: int

    def __post_init__(self) -> None:
        problem = _problem(self.kind, self.year, self.index)
        if problem is not None:
            raise PeriodError(f"no such period: {problem}")

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        """The period as written (worked out once)."""
        if self.kind == "day":
            return self.day.isoformat()
        if self.kind == "month":
            return f"{self.year:04d}-{self.index:02d}"
        if self.kind == "quarter":
            return f"{self.year:04d}-Q{self.index}"
        if self.kind == "week":
            return f"{self.year:04d}-W{self.index:02d}"
        return f"{self.year:04d}"

    @cached_property
    def _hash(self) -> int:
        return hash((self.kind, self.year, self.index))

    def __hash__(self) -> int:
        """Worked out once: periods are dictionary keys millions of times in a year of days."""
        return self._hash

    @cached_property
    def day(self) -> date:
        """The local date of a day period (worked out once: a year of days is read often)."""
        if self.kind != "day":
            raise PeriodError(f"{self} is a {self.kind}, not a day")
        return date(self.year, 1, 1) + timedelta(days=self.index - 1)


@functools.lru_cache(maxsize=8192)
def day_period(d: date) -> Period:
    """The day period of local date `d` (one object per day: a year of days, asked for again,
    finds its periods by identity in every dictionary)."""
    return Period("day", d.year, d.timetuple().tm_yday)


@dataclass(frozen=True, order=True)
class ToDate:
    """The first `days` local days of a period: how far an open period has got, laid over an
    earlier one so the two compare like for like (1-6 December against 1-6 November)."""

    period: Period
    days: int

    @property
    def kind(self) -> str:
        return f"{self.period.kind}-to-date"

    def __str__(self) -> str:
        if self.period.kind == "day":  # a day under way is held against the whole of another
            return f"{self.period} (whole day)"
        return f"{self.period} days 1-{self.days}"


Span = Period | ToDate
"""What a value can be computed for: a whole period, or the first days of one."""


@dataclass(frozen=True)
class Progress:
    """How far an open period has got at an instant."""

    share: float
    """Share of the period gone, 0..1: by time, or by working time (Monday to Friday)."""
    days: int
    """Local days begun so far, today included (6 on the 6th of a month)."""
    total_days: int


def parse_kind(text: str) -> PeriodKind:
    """The period kind named by `text` (day, week, month, quarter or year; any case)."""
    wanted = text.strip().lower()
    for kind in KINDS:
        if wanted == kind:
            return kind
    raise PeriodError(f"{text!r} is not a period kind: use day, week, month, quarter or year")


def working_days_between(start: date, end: date) -> int:
    """Monday-to-Friday days in [start, end): no holidays are known, every weekday counts."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


def _days_between(start: date, end: date) -> int:
    return max((end - start).days, 0)


def _month_start(n: int) -> date:
    """First day of absolute month `n` (year * 12 + month - 1)."""
    return date(n // 12, n % 12 + 1, 1)


def naive_utc(when: datetime) -> datetime:
    """`when` as a naive UTC datetime; a naive input is already UTC."""
    if when.utcoffset() is None:
        return when.replace(tzinfo=None)
    return when.astimezone(UTC).replace(tzinfo=None)


class Calendar:
    """The company's calendar: its timezone and the month its fiscal year starts."""

    def __init__(self, timezone: str = "UTC", fiscal_year_start_month: int = 1) -> None:
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise PeriodError(
                f"unknown timezone {timezone!r}: use an IANA name such as Europe/Paris or UTC"
            ) from None
        month = fiscal_year_start_month
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise PeriodError(f"fiscal year start month must be 1..12 (1 = January), not {month!r}")
        self.timezone: str = timezone
        self.fiscal_year_start_month: int = month
        self.tz: ZoneInfo = tz
        # Months from January of a fiscal year's label to its first month: a fiscal year that
        # does not start in January is named by the calendar year it ends in.
        self._shift = 0 if month == 1 else month - 13

    def __repr__(self) -> str:
        start = self.fiscal_year_start_month
        return f"Calendar({self.timezone!r}, fiscal_year_start_month={start})"

    def parse(self, text: str) -> Period:
        """The period written as 2025-03-14, 2025-01, 2025-Q1, 2025-W03 or 2025 (surrounding
        blanks ignored)."""
        stripped = text.strip()
        for kind, pattern in _PATTERNS:
            found = pattern.fullmatch(stripped)
            if found is not None:
                if kind == "day":
                    try:
                        return day_period(date(int(found[1]), int(found[2]), int(found[3])))
                    except (ValueError, PeriodError) as exc:
                        raise PeriodError(f"{text!r} is not a day: {exc}; {_FORMS}") from None
                year, index = int(found[1]), 1 if kind == "year" else int(found[2])
                problem = _problem(kind, year, index)
                if problem is not None:
                    raise PeriodError(f"{text!r} is not a period: {problem}; {_FORMS}")
                return Period(kind, year, index)
        raise PeriodError(f"{text!r} is not a period: {_FORMS}")

    def fiscal_year_of(self, d: date) -> int:
        """The label of the fiscal year holding local date `d`."""
        return (d.year * 12 + d.month - 1 - self._shift) // 12

    def dates(self, p: Span) -> tuple[date, date]:
        """Local calendar dates [start, end) of `p`."""
        if isinstance(p, ToDate):
            start, end = self.dates(p.period)
            return start, min(end, start + timedelta(days=p.days))
        if p.kind == "day":
            return p.day, p.day + timedelta(days=1)
        if p.kind == "week":
            start = date.fromisocalendar(p.year, p.index, 1)
            return start, start + timedelta(weeks=1)
        if p.kind == "month":
            first, months = p.year * 12 + p.index - 1, 1
        elif p.kind == "quarter":
            first, months = p.year * 12 + self._shift + 3 * (p.index - 1), 3
        else:
            first, months = p.year * 12 + self._shift, 12
        return _month_start(first), _month_start(first + months)

    def utc_bounds(self, p: Span) -> tuple[datetime, datetime]:
        """Naive UTC instants [start, end) at which `p` begins and ends in the company timezone."""
        start, end = self.dates(p)
        return self._day_start(start), self._day_start(end)

    def _local_date(self, instant: datetime) -> date:
        return instant.replace(tzinfo=UTC).astimezone(self.tz).date()

    def _day_start(self, d: date) -> datetime:
        """Naive UTC first instant whose local date is `d` or later.

        Usually local midnight (its first occurrence when clocks go back over it). When a DST or
        date-line jump skips midnight, the day begins at the jump, found by bisection."""
        midnight = datetime.combine(d, time())
        hi = naive_utc(midnight.replace(tzinfo=self.tz))  # fold=0: the earliest reading
        if self._local_date(hi - _SECOND) < d:
            return hi
        lo = naive_utc(midnight.replace(tzinfo=self.tz, fold=1))  # before the jump
        while hi - lo > _SECOND:  # invariant: local date at lo < d <= local date at hi
            mid = lo + timedelta(seconds=(hi - lo).total_seconds() // 2)
            if self._local_date(mid) < d:
                lo = mid
            else:
                hi = mid
        return hi

    def _step(self, p: Period, k: int) -> Period:
        """The period `k` steps after `p` (before it when k < 0), of the same kind."""
        if p.kind == "day":
            try:
                moved_day = p.day + timedelta(days=k)
            except OverflowError:
                raise PeriodError(f"no such period: {k} days from {p} is outside "
                                  f"{MIN_YEAR}..{MAX_YEAR}") from None
            return day_period(moved_day)
        if p.kind == "week":
            moved = date.fromisocalendar(p.year, p.index, 1) + timedelta(weeks=k)
            iso = moved.isocalendar()
            return Period("week", iso.year, iso.week)
        per_year = _PER_YEAR[p.kind]
        n = p.year * per_year + p.index - 1 + k
        return Period(p.kind, n // per_year, n % per_year + 1)

    def previous(self, p: Period) -> Period:
        """The period just before `p`, of the same kind."""
        return self._step(p, -1)

    def next(self, p: Period) -> Period:
        """The period just after `p`, of the same kind."""
        return self._step(p, 1)

    def same_period_last_year(self, p: Period) -> Period:
        """`p` one year earlier; week 53 becomes week 52 when the previous ISO year has no 53.
        A day's is the same weekday 52 weeks earlier (`SAME_WEEKDAY_LAST_YEAR`): Friday
        14 March 2025 against Friday 15 March 2024."""
        if p.kind == "day":
            return day_period(p.day - SAME_WEEKDAY_LAST_YEAR)
        if p.kind == "week":
            return Period("week", p.year - 1, min(p.index, iso_weeks_in(p.year - 1)))
        return Period(p.kind, p.year - 1, p.index)

    def _of_date(self, kind: PeriodKind, d: date) -> Period:
        """The period of `kind` holding local date `d`."""
        if kind == "day":
            return day_period(d)
        if kind == "week":
            iso = d.isocalendar()
            return Period("week", iso.year, iso.week)
        if kind == "month":
            return Period("month", d.year, d.month)
        fiscal = self.fiscal_year_of(d)
        if kind == "quarter":
            into = d.year * 12 + d.month - 1 - (fiscal * 12 + self._shift)
            return Period("quarter", fiscal, into // 3 + 1)
        if kind == "year":
            return Period("year", fiscal, 1)
        raise PeriodError(f"{kind!r} is not a period kind: use day, week, month, quarter or year")

    def month_to_date(self, day: Period) -> ToDate:
        """The month holding day `day`, from its first day through `day` (1-14 March for
        14 March): what a daily board's month-to-date figure covers."""
        month = self._of_date("month", day.day)
        return ToDate(month, day.day.day)

    def containing(self, kind: PeriodKind, when: date | datetime) -> Period:
        """The period of `kind` holding `when`: a naive datetime is UTC, an aware one is
        converted, a date is a local date. Agrees with utc_bounds: start <= when < end."""
        if not isinstance(when, datetime):
            return self._of_date(kind, when)
        instant = naive_utc(when)
        p = self._of_date(kind, self._local_date(instant))
        # Clocks going back over midnight can repeat a local date; the bounds have the last word.
        while instant < self.utc_bounds(p)[0]:
            p = self.previous(p)
        while instant >= self.utc_bounds(p)[1]:
            p = self.next(p)
        return p

    def current(self, kind: PeriodKind, now: datetime | None = None) -> Period:
        """The period of `kind` holding `now` (default: this instant)."""
        return self.containing(kind, datetime.now(UTC) if now is None else now)

    def last_n(
        self,
        kind: PeriodKind,
        n: int,
        ending: Period | None = None,
        now: datetime | None = None,
    ) -> list[Period]:
        """The `n` periods of `kind` ending with `ending` (default: current), oldest first."""
        if n < 1:
            raise PeriodError(f"asked for the last {n} periods: ask for at least 1")
        last = self.current(kind, now) if ending is None else ending
        if last.kind != kind:
            raise PeriodError(f"{last} is a {last.kind}, not a {kind}")
        periods = [last]
        for _ in range(n - 1):
            periods.append(self.previous(periods[-1]))
        return periods[::-1]

    def overlaps(self, kind: PeriodKind, period: Period, *,
                 working_days: bool = False) -> list[tuple[Period, float]]:
        """The periods of `kind` that overlap `period`, each with the share of its days inside
        it (the months of a quarter, 1.0 each; the weeks of a month, some in part). With
        `working_days`, the share of its working days (Monday to Friday): 2025-W18, 28 April
        to 4 May 2025, holds 3 of April's 22 working days and 2 of May's 22."""
        start, end = self.dates(period)
        count = working_days_between if working_days else _days_between
        out: list[tuple[Period, float]] = []
        own = self.containing(kind, start)
        while True:
            own_start, own_end = self.dates(own)
            if own_start >= end:
                return out
            whole = count(own_start, own_end)
            inside = count(max(own_start, start), min(own_end, end))
            out.append((own, inside / whole if whole else 0.0))
            own = self.next(own)

    def is_open(self, p: Period, now: datetime | None = None) -> bool:
        """True while `p` is under way: it has begun and not ended in the company timezone."""
        instant = naive_utc(datetime.now(UTC) if now is None else now)
        start, end = self.utc_bounds(p)
        return start <= instant < end

    def progress(self, p: Period, now: datetime | None = None, *,
                 working_days: bool = False) -> Progress:
        """How far `p` has got at `now`: the share of its time gone (of its Monday-to-Friday
        time with `working_days`), and the local days begun."""
        instant = naive_utc(datetime.now(UTC) if now is None else now)
        start, end = self.dates(p)
        total = (end - start).days
        ustart, uend = self.utc_bounds(p)
        instant = min(max(instant, ustart), uend)
        today = min(self._local_date(instant), end - timedelta(days=1))
        days = (today - start).days + 1 if instant > ustart else 0
        day_lo, day_hi = self._day_start(today), self._day_start(today + timedelta(days=1))
        into_today = (instant - day_lo) / (day_hi - day_lo) if instant < uend else 1.0
        if working_days:
            done = sum(1 for i in range((today - start).days)
                       if (start + timedelta(days=i)).weekday() < 5)
            done_today = into_today if today.weekday() < 5 else 0.0
            all_ = sum(1 for i in range(total) if (start + timedelta(days=i)).weekday() < 5)
            share = (done + done_today) / all_ if all_ else 1.0
        else:
            share = ((today - start).days + into_today) / total
        return Progress(share=min(max(share, 0.0), 1.0), days=days, total_days=total)

    def is_closed(self, p: Period, now: datetime | None = None) -> bool:
        """True once `p` has ended in the company timezone, so its numbers can be final."""
        instant = naive_utc(datetime.now(UTC) if now is None else now)
        return self.utc_bounds(p)[1] <= instant
