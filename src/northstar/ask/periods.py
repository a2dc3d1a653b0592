"""Period phrases in questions: "last month", "Q3 2025", "this year so far", "the last 13
weeks", "March", "yesterday", "the last 7 days", in the company's timezone and fiscal year.

A phrase becomes periods of `northstar.periods` (the company's `Calendar` does the arithmetic):
one period, or the last N of a kind ending with one. "Q3" and "March" without a year are the
latest of that name that has begun; a quarter and a year are fiscal, named by the year they end
in, as everywhere in Northstar. "The last N weeks" ends with the week under way, as the
scorecard and `northstar compute --last` do."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from northstar.errors import PeriodError
from northstar.periods import Calendar, Period, PeriodKind

__all__ = ["PeriodPick", "find_period", "resolve_period"]

MONTHS = {name: i + 1 for i, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
    ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
    ("september", "sept", "sep"), ("october", "oct"), ("november", "nov"),
    ("december", "dec"),
)) for name in names}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
           "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
           "fourteen": 14, "fifteen": 15, "sixteen": 16, "eighteen": 18, "twenty": 20,
           "twenty-four": 24, "thirty-six": 36}
ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4,
            "4th": 4}
KIND_WORDS: dict[str, PeriodKind] = {"day": "day", "days": "day", "week": "week",
                                     "weeks": "week", "month": "month",
                                     "months": "month", "quarter": "quarter",
                                     "quarters": "quarter", "year": "year", "years": "year"}
MAX_PERIODS = 60

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_COUNT = r"\d{1,3}|" + "|".join(sorted(NUMBERS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d{2}"
_KIND = r"week|month|quarter|year"
_KIND_N = r"day|week|month|quarter|year"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern)) for name, pattern in (
        ("iso", r"\b(\d{4})-(?:(\d{2})-(\d{2})|(\d{2})|q([1-4])|w(\d{2}))\b"),
        ("last_n", rf"\b(?:the\s+)?(?:last|past|previous|trailing)\s+({_COUNT})\s+"
                   rf"({_KIND_N})s\b"),
        ("day", r"\b(today|tonight|yesterday|the\s+day\s+before\s+yesterday)\b"),
        ("to_date", r"\b(?:(?:this|the)\s+)?(year|quarter|month|week)\s+(?:so\s+far|to\s+date)\b"
                    r"|\bso\s+far\s+this\s+(year|quarter|month|week)\b"
                    r"|\b(ytd|qtd|mtd|wtd)\b"),
        ("quarter_of_year", rf"\b(?:the\s+)?(?:q([1-4])|({'|'.join(ORDINALS)})\s+quarter)"
                            rf"(?:\s+(?:of\s+)?(?:(last|this)\s+year|(?:fy\s*)?({_YEAR})))?\b"
                            rf"|\b({_YEAR})\s+q([1-4])\b"),
        ("month_of_year", rf"\b(?:in\s+|for\s+|during\s+|of\s+|since\s+)?({_MONTH})\.?"
                          rf"(?:\s+(?:of\s+)?(?:(last|this)\s+year|({_YEAR})))?\b"),
        ("relative", rf"\b(this|current|last|previous|prior|past)\s+({_KIND})\b"),
        ("year", rf"\b(?:fy\s*)?({_YEAR})\b"),
    ))


@dataclass(frozen=True)
class PeriodPick:
    """What a period phrase names: `count` periods of `period`'s kind, ending with it."""

    period: Period
    count: int
    start: int
    """Where the phrase begins in the text it was found in, and ends (exclusive)."""
    end: int


def find_period(text: str, calendar: Calendar, now: datetime) -> PeriodPick | None:
    """The first period phrase in `text` (lower case), or None when it names none."""
    found: list[PeriodPick] = []
    for name, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            pick = _read(name, match, text, calendar, now)
            if pick is not None:
                found.append(pick)
                break
    if not found:
        return None
    # the phrase that starts first wins; of two starting together, the longer
    return min(found, key=lambda p: (p.start, -(p.end - p.start)))


def resolve_period(text: str, calendar: Calendar, now: datetime) -> tuple[Period, int]:
    """A period string (2025-01, 2025-Q1, 2025-W03, 2025) or a phrase ("last quarter") as
    (last period, how many ending with it); a PeriodError says what was expected."""
    stripped = text.strip()
    try:
        return calendar.parse(stripped), 1
    except PeriodError:
        pass
    pick = find_period(" ".join(stripped.lower().split()), calendar, now)
    if pick is None:
        raise PeriodError(f"{text!r} is not a period: use 2025-01, 2025-Q1, 2025-W03, 2025, or "
                          "words such as last month, Q3, this year so far, the last 13 weeks")
    return pick.period, pick.count


def _count(word: str) -> int:
    n = int(word) if word.isdigit() else NUMBERS[word]
    if not 1 <= n <= MAX_PERIODS:
        raise PeriodError(f"ask for 1 to {MAX_PERIODS} periods at a time, not {n}")
    return n


def _latest(calendar: Calendar, now: datetime, kind: PeriodKind, index: int) -> Period:
    """The latest period of `kind` with that index (a month 1-12, a quarter 1-4) that has
    begun by `now`."""
    current = calendar.current(kind, now)
    year = current.year if index <= current.index else current.year - 1
    return Period(kind, year, index)


def _read(name: str, m: re.Match[str], text: str, calendar: Calendar,
          now: datetime) -> PeriodPick | None:
    start, end = m.span()

    def pick(period: Period, count: int = 1) -> PeriodPick:
        return PeriodPick(period, count, start, end)

    if name == "iso":
        year = int(m[1])
        if m[2]:
            return pick(calendar.parse(m[0]))  # a day: 2025-03-14
        if m[4]:
            return pick(Period("month", year, int(m[4])))
        if m[5]:
            return pick(Period("quarter", year, int(m[5])))
        return pick(Period("week", year, int(m[6])))
    if name == "day":
        today = calendar.current("day", now)
        back = {"today": 0, "tonight": 0, "yesterday": 1}.get(m[1], 2)
        for _ in range(back):
            today = calendar.previous(today)
        return pick(today)
    if name == "last_n":
        kind = KIND_WORDS[m[2]]
        return pick(calendar.current(kind, now), _count(m[1]))
    if name == "to_date":
        word = m[1] or m[2] or {"ytd": "year", "qtd": "quarter", "mtd": "month",
                                "wtd": "week"}[m[3]]
        return pick(calendar.current(KIND_WORDS[word], now))
    if name == "quarter_of_year":
        index = int(m[1] or m[6] or ORDINALS.get(m[2] or "", 0))
        this_year = calendar.current("year", now).year
        if m[5]:
            return pick(Period("quarter", int(m[5]), index))
        if m[4]:
            return pick(Period("quarter", int(m[4]), index))
        if m[3]:
            return pick(Period("quarter", this_year - (m[3] == "last"), index))
        return pick(_latest(calendar, now, "quarter", index))
    if name == "month_of_year":
        word = m[1]
        if word == "may" and not (m[2] or m[3]) and not m[0].startswith(
                ("in ", "for ", "during ", "of ", "since ")):
            return None  # "may" the verb, not the month
        if word == "mar" and not (m[2] or m[3]) and not m[0].startswith(("in ", "for ")):
            return None
        index = MONTHS[word]
        local_year = calendar.current("month", now).year
        if m[3]:
            return pick(Period("month", int(m[3]), index))
        if m[2]:
            return pick(Period("month", local_year - (m[2] == "last"), index))
        return pick(_latest(calendar, now, "month", index))
    if name == "relative":
        kind = KIND_WORDS[m[2]]
        current = calendar.current(kind, now)
        if m[1] in ("this", "current"):
            return pick(current)
        return pick(calendar.previous(current))
    if name == "year":
        return pick(Period("year", int(m[1]), 1))
    raise AssertionError(name)
