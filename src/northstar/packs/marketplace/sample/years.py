"""Calendar years with their day weights (for invoice dates), and the quarters quotas and deals
are planned for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from northstar.packs.sample_arrays import Floats, Ints, epoch_day

__all__ = ["Quarter", "Year", "plan_quarters", "year_calendar"]

MONTH_WEIGHT = np.array([0.8, 0.9, 1.1, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 1.1, 1.0, 0.7])
WEEKDAY_WEIGHT = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.1])


@dataclass(frozen=True)
class Year:
    """One calendar year: its bounds and the weight of each day for invoice dates."""

    index: int
    year: int
    first: int
    """Epoch day of 1 January."""
    stop: int
    """Epoch day of the next 1 January."""
    last: int
    """Last epoch day with data: 31 December or `end`."""
    cum: Floats
    """Cumulative day weights (length days + 1); quarter k holds `QUARTER_SHARE[.][k]`."""
    quarter_starts: Ints
    """The four quarter starts and `stop` (epoch days)."""
    month_starts: Ints
    """The twelve month starts and `stop` (epoch days)."""

    def sample(self, lo: Ints, hi: Ints, u: Floats) -> Ints:
        """Days in [lo, hi] (inclusive) drawn with the year's day weights at quantiles u."""
        a = self.cum[lo - self.first]
        b = self.cum[hi - self.first + 1]
        idx = np.searchsorted(self.cum, a + u * (b - a), side="right") - 1
        out: Ints = np.clip(idx + self.first, lo, hi).astype(np.int64)
        return out

    def quarter_of(self, days: Ints) -> Ints:
        out: Ints = (np.searchsorted(self.quarter_starts, days, side="right") - 1).astype(np.int64)
        return out

    def mass(self, lo: Ints, hi: Ints) -> Floats:
        """Day weight in [lo, hi] per quarter: shape (len(lo), 4)."""
        qs = self.quarter_starts
        a = np.maximum(lo[:, None], qs[None, :4])
        b = np.minimum(hi[:, None] + 1, qs[None, 1:])
        ok = b > a
        a = np.clip(a, self.first, self.stop) - self.first
        b = np.clip(b, self.first, self.stop) - self.first
        out: Floats = np.where(ok, self.cum[b] - self.cum[a], 0.0)
        return out


def year_calendar(index: int, year: int, shares: Sequence[float], end_day: int) -> Year:
    first, stop = epoch_day(date(year, 1, 1)), epoch_day(date(year + 1, 1, 1))
    days = np.arange(first, stop, dtype=np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    base = MONTH_WEIGHT[months] * WEEKDAY_WEIGHT[(days + 3) % 7]
    quarter = months // 3
    totals = np.bincount(quarter, weights=base, minlength=4)
    weight = base / totals[quarter] * np.asarray(shares)[quarter]
    months_ = np.array([epoch_day(date(year, m, 1)) for m in range(1, 13)] + [stop], dtype=np.int64)
    return Year(index, year, first, stop, min(stop - 1, end_day),
                 np.concatenate([[0.0], np.cumsum(weight)]), months_[::3], months_)


@dataclass(frozen=True)
class Quarter:
    start: int
    stop: int
    year: int
    number: int
    plan_index: int
    """Index into QUOTA_PLAN (0..3 for the data's years, 4 for the year after)."""

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"


def plan_quarters(end: date) -> list[Quarter]:
    """Every quarter from the first of the data up to the one after `end`'s quarter."""
    first_year = end.year - 3
    last = 12 + (end.month - 1) // 3 + 1
    out: list[Quarter] = []
    for i in range(last + 1):
        year, q = first_year + i // 4, i % 4
        start = date(year, 3 * q + 1, 1)
        stop = date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)
        out.append(Quarter(epoch_day(start), epoch_day(stop), year, q + 1, year - first_year))
    return out
