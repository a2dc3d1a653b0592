"""The sample's months and clock: month starts as epoch days, and local Chicago time turned into
the naive UTC microseconds the ledger stores (ConnectWise and NinjaOne report UTC)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from northstar.packs.sample_arrays import DAY_US, Ints, epoch_day

__all__ = ["HOUR_US", "MINUTE_US", "TIMEZONE", "Calendar"]

TIMEZONE = "America/Chicago"
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000


class Calendar:
    """Months from 1 January two years before `end`'s year through `end`'s month."""

    def __init__(self, end: date) -> None:
        self.end = end
        first = date(end.year - 2, 1, 1)
        starts = []
        d = first
        while d <= end:
            starts.append(d)
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        self.months = starts
        self.n = len(starts)
        self.start_day = np.array([epoch_day(s) for s in starts], dtype=np.int64)
        """Epoch day of each month's first day (local)."""
        self.next_day = np.append(self.start_day[1:], epoch_day(d)).astype(np.int64)
        """Epoch day of the first day of the month after each month."""
        zone = ZoneInfo(TIMEZONE)
        self.first_day = int(self.start_day[0]) - 6 * 366
        last = int(self.next_day[-1]) + 2
        days = [datetime(1970, 1, 1, 12) + timedelta(days=x) for x in range(self.first_day, last)]
        offsets = [zone.utcoffset(day) for day in days]
        self._offset_us = np.array([-(o.total_seconds() if o else 0) * 1e6 for o in offsets],
                                   dtype=np.int64)
        """Microseconds to add to a local time to get UTC, by epoch day from first_day."""
        self.end_us = self.utc((epoch_day(end) + 1) * DAY_US - MINUTE_US * 90)
        """The moment the sample stops: `end` at 22:30 local, when the daily collection runs."""

    def utc(self, local_us: Ints | int) -> Ints:
        """Naive UTC microseconds of local wall-clock microseconds (noon's offset of the day:
        business hours never fall in the 02:00 change)."""
        local = np.asarray(local_us, dtype=np.int64)
        day = local // DAY_US - self.first_day
        out: Ints = local + self._offset_us[np.clip(day, 0, len(self._offset_us) - 1)]
        return out

    def month_end_us(self) -> Ints:
        """UTC microseconds of each month's end (local midnight starting the next month)."""
        return self.utc(self.next_day * DAY_US)

    def closed(self) -> Ints:
        """Indexes of the months that have closed by `end` (all but the last)."""
        return np.arange(self.n - 1, dtype=np.int64)

    def season(self) -> np.ndarray:
        """Month-of-year index (0 = January) of each month."""
        return np.array([m.month - 1 for m in self.months], dtype=np.int64)
