"""The sample's days and clock: local days as epoch days from 1 January 2020 to `end`, the
season and the weekday a painting contractor in Arizona sees, and local time turned into the
naive UTC microseconds ServiceTitan reports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from northstar.packs.sample_arrays import DAY_US, Floats, Ints, epoch_day

__all__ = ["FIRST_DAY", "HOUR_US", "MINUTE_US", "TIMEZONE", "Calendar"]

TIMEZONE = "America/Phoenix"
FIRST_DAY = date(2020, 1, 1)
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000

SEASON = np.array([1.0, 1.1, 1.25, 1.2, 1.0, 0.7, 0.55, 0.6, 0.85, 1.15, 1.05, 0.75])
"""Leads by month of the year: Arizona paints in the cool months; July is the lull."""
WEEKDAY = np.array([1.25, 1.2, 1.15, 1.1, 1.0, 0.55, 0.25])
"""Leads by weekday, Monday first: the call centre is closed on Sunday afternoons."""
GROWTH = 0.08
"""Yearly growth of the leads."""


class Calendar:
    """Local days from 1 January 2020 through `end`, and the clock of the sample."""

    def __init__(self, end: date) -> None:
        if end < FIRST_DAY + timedelta(days=90):
            raise ValueError("the field-service sample needs an end after March 2020")
        self.end = end
        self.first_day = epoch_day(FIRST_DAY)
        self.last_day = epoch_day(end)
        self.days: Ints = np.arange(self.first_day, self.last_day + 1, dtype=np.int64)
        self.n = len(self.days)
        zone = ZoneInfo(TIMEZONE)
        span = range(self.first_day - 2, self.last_day + 800)  # appointments run ahead
        offsets = [zone.utcoffset(datetime(1970, 1, 1, 12) + timedelta(days=d)) for d in span]
        self._offset_us = np.array([-(o.total_seconds() if o else 0) * 1e6 for o in offsets],
                                   dtype=np.int64)
        self._offset_first = span.start
        self.end_us = int(self.utc(np.int64((self.last_day + 1) * DAY_US - 90 * MINUTE_US)))
        """The moment the sample stops: `end` at 22:30 local, when the daily collection runs."""

    def utc(self, local_us: Ints | np.int64 | int) -> Ints:
        """Naive UTC microseconds of local wall-clock microseconds (the day's noon offset)."""
        local = np.asarray(local_us, dtype=np.int64)
        day = local // DAY_US - self._offset_first
        out: Ints = local + self._offset_us[np.clip(day, 0, len(self._offset_us) - 1)]
        return out

    def local_day(self, utc_us: Ints) -> Ints:
        """The local epoch day of naive UTC microseconds."""
        approx = np.asarray(utc_us, dtype=np.int64)
        day = approx // DAY_US - self._offset_first
        local = approx - self._offset_us[np.clip(day, 0, len(self._offset_us) - 1)]
        out: Ints = local // DAY_US
        return out

    def month_of_year(self, days: Ints) -> Ints:
        """0 for January ... 11 for December, of epoch days."""
        months = np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype(np.int64)
        out: Ints = months % 12
        return out

    def weekday(self, days: Ints) -> Ints:
        """0 for Monday ... 6 for Sunday (1 January 1970 was a Thursday)."""
        out: Ints = (np.asarray(days, dtype=np.int64) + 3) % 7
        return out

    def demand(self) -> Floats:
        """Each day's share of the history's leads: season, weekday and growth."""
        years = (self.days - self.first_day) / 365.25
        out: Floats = (SEASON[self.month_of_year(self.days)] * WEEKDAY[self.weekday(self.days)]
                       * (1 + GROWTH) ** years)
        share: Floats = out / out.sum()
        return share
