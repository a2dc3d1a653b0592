"""The sample's days and clock: local days as epoch days from 1 January two years before `end`'s
year to `end`, the season and weekday of an agency's paid funnels, and local Denver time turned
into the naive UTC microseconds GoHighLevel and Stripe report."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from northstar.packs.sample_arrays import DAY_US, Ints, epoch_day

__all__ = ["HOUR_US", "MINUTE_US", "TIMEZONE", "Calendar"]

TIMEZONE = "America/Denver"
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000

SEASON = (1.2, 1.1, 1.05, 1.0, 1.0, 0.9, 0.85, 0.9, 1.05, 1.1, 1.0, 0.8)
"""Opt-ins by month of the year: January's resolutions, December's holidays."""
WEEKDAY = (1.1, 1.1, 1.05, 1.0, 0.95, 0.8, 0.75)
"""Opt-ins by weekday, Monday first."""
GROWTH = 0.3
"""Yearly growth of the ad budget and so of the opt-ins."""


class Calendar:
    """Local days from 1 January two years before `end`'s year through `end`."""

    def __init__(self, end: date) -> None:
        self.end = end
        first = date(end.year - 2, 1, 1)
        self.first_day = epoch_day(first)
        self.last_day = epoch_day(end)
        self.days: Ints = np.arange(self.first_day, self.last_day + 1, dtype=np.int64)
        self.n = len(self.days)
        months, d = [], first
        while d <= end:
            months.append(d)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        self.months = months
        """First day of each month of the history (the last is `end`'s month)."""
        zone = ZoneInfo(TIMEZONE)
        span = range(self.first_day - 800, self.last_day + 400)
        offsets = [zone.utcoffset(datetime(1970, 1, 1, 12) + timedelta(days=x)) for x in span]
        self._offset_us = np.array([-(o.total_seconds() if o else 0) * 1e6 for o in offsets],
                                   dtype=np.int64)
        self._offset_first = span.start
        self.end_us = int(self.utc((self.last_day + 1) * DAY_US - 90 * MINUTE_US))
        """The moment the sample stops: `end` at 22:30 local, when the daily collection runs."""

    def utc(self, local_us: int) -> int:
        """Naive UTC microseconds of local wall-clock microseconds (the day's noon offset)."""
        day = local_us // DAY_US - self._offset_first
        return int(local_us + self._offset_us[min(max(day, 0), len(self._offset_us) - 1)])

    def at(self, day: int, hours: float) -> int:
        """UTC microseconds of `hours` after local midnight of epoch day `day`."""
        return self.utc(day * DAY_US + int(hours * HOUR_US))

    def local_day(self, utc_us: int) -> int:
        day = utc_us // DAY_US - self._offset_first
        local = utc_us - int(self._offset_us[min(max(day, 0), len(self._offset_us) - 1)])
        return int(local // DAY_US)

    def month_index(self, day: int) -> int:
        """The history's month (0 = the first) an epoch day falls in."""
        d = date.fromordinal(date(1970, 1, 1).toordinal() + day)
        return (d.year - self.months[0].year) * 12 + d.month - 1

    def demand(self, day: int) -> float:
        """A day's weight for opt-ins: season, weekday and growth."""
        d = date.fromordinal(date(1970, 1, 1).toordinal() + day)
        years = (day - self.first_day) / 365.25
        return float(SEASON[d.month - 1] * WEEKDAY[d.weekday()] * (1 + GROWTH) ** years)
