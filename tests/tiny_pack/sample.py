"""The tiny pack's sample company: `rows` subscriptions, twelve a month on plans B, P and X in
turn (X is not in reference/plans.csv: the check finds it), the last month being `end`'s (by
default this month). Amounts follow the plan: 10, 25 and 40 a month, so a full month's new MRR
is 4 x 10 + 4 x 25 + 4 x 40 = 300. Deterministic: the seed only moves the start days."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pyarrow as pa

from northstar.packs import SampleTable

PLANS = (("B", 10), ("P", 25), ("X", 40))


def generate(rows: int = 120, seed: int = 7, end: date | None = None) -> Iterator[SampleTable]:
    end = end or date.today()
    months = -(-rows // 12)
    first = end.year * 12 + end.month - 1 - (months - 1)  # months since year 0
    ids, plans, started, amounts = [], [], [], []
    for i in range(rows):
        code, amount = PLANS[i % 3]
        year, month = divmod(first + i // 12, 12)
        day = 1 + (i + seed) % 12
        if (year, month + 1) == (end.year, end.month):
            day = min(day, end.day)
        ids.append(f"S{i + 1:04d}")
        plans.append(code)
        started.append(date(year, month + 1, day))
        amounts.append(amount)
    yield SampleTable("subscriptions", "billing", "id", pa.table({
        "id": ids, "plan_code": plans, "started_on": pa.array(started, pa.date32()),
        "monthly_amount": pa.array(amounts, pa.int64()),
        "department": ["sales"] * rows,
    }))
