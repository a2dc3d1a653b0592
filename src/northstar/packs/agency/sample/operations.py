"""Operations and finance: the automations' daily run log (lead follow-up, call reminders,
no-show recovery, onboarding, failed-payment dunning, client reports), with one bad month when a
calendar webhook broke; and the finance team's monthly figures that no event source holds yet:
EBITDA for every closed month and the cash plan for every month of each year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.agency.sample.calendar import Calendar
from northstar.packs.sample_arrays import batches, const, dates, money, stream

__all__ = ["BAD_MONTH", "WORKFLOWS", "automation_table", "finance_table"]

WORKFLOWS = (("wf_lead_nurture", "New opt-in: SMS and email nurture", 2.0),
             ("wf_call_reminders", "Booked call reminders", 0.9),
             ("wf_no_show", "No-show recovery", 0.25),
             ("wf_onboarding", "Client onboarding checklist", 0.05),
             ("wf_dunning", "Failed payment dunning", 0.03),
             ("wf_client_reports", "Weekly client report delivery", 0.4))
"""Workflow id, name and runs a day per opt-in a day."""
BAD_MONTH = 14
"""The history's month (March of the second year) when the reminders' webhook broke."""
OPS_OWNER = "ravi_shah"


def automation_table(seed: int, cal: Calendar, opt_ins: np.ndarray, scale: float
                     ) -> Iterator[SampleTable]:
    rng = stream(seed, 5, 1)
    kept = WORKFLOWS[: int(np.clip(round(6 * scale), 2, 6))]
    per_day = opt_ins.sum(axis=1)
    cols: dict[str, list[object]] = {k: [] for k in ("id", "date", "workflow", "runs",
                                                     "succeeded", "failed")}
    for i, day in enumerate(cal.days.tolist()):
        bad = cal.month_index(day) == BAD_MONTH
        for wid, name, rate in kept:
            runs = int(rng.poisson(per_day[i] * rate + 1))
            if runs == 0:
                continue
            fail = 0.12 if bad and wid == "wf_call_reminders" else 0.006
            failed = int(rng.binomial(runs, fail))
            for k, v in (("id", f"{wid}:{np.datetime64(day, 'D')}"), ("date", day),
                         ("workflow", name), ("runs", runs), ("succeeded", runs - failed),
                         ("failed", failed)):
                cols[k].append(v)
    n = len(cols["id"])
    yield from batches("automation_runs", "automations", "id", pa.table({
        "id": pa.array(cols["id"], pa.string()),
        "date": dates(np.array(cols["date"], dtype=np.int64)),
        "workflow": pa.array(cols["workflow"], pa.string()),
        **{k: pa.array(cols[k], pa.int64()) for k in ("runs", "succeeded", "failed")},
        "department": const("operations", n), "owner_id": const(OPS_OWNER, n)}))


def finance_table(seed: int, cal: Calendar, net_by_month: dict[int, int]
                  ) -> Iterator[SampleTable]:
    """EBITDA of each closed month (16% to 27% of its net cash), and the cash plan of every
    month of every year in the history: the first year's plan near what happened, each later
    year's 30% above the same month a year before."""
    rng = stream(seed, 5, 2)
    rows: list[tuple[str, int, str, int]] = []
    first_year = cal.months[0].year
    for year in range(first_year, cal.end.year + 1):
        for month in range(1, 13):
            m = (year - first_year) * 12 + month - 1
            if year == first_year:
                plan = net_by_month.get(m, 0) * float(rng.uniform(0.95, 1.1))
            else:
                plan = net_by_month.get(m - 12, 0) * 1.3
            plan_cents = round(plan / 100_000) * 100_000  # to the thousand dollars
            rows.append((f"{year}-{month:02d}:cash_plan", m, "cash_plan", plan_cents))
            if m < len(cal.months) - 1:
                ebitda = round(net_by_month.get(m, 0) * float(rng.uniform(0.16, 0.27)))
                rows.append((f"{year}-{month:02d}:ebitda", m, "ebitda", ebitda))
    months = [(date(first_year + m // 12, m % 12 + 1, 1) - date(1970, 1, 1)).days
              for _, m, _, _ in rows]
    n = len(rows)
    yield from batches("finance_snapshots", "finance", "id", pa.table({
        "id": pa.array([r[0] for r in rows], pa.string()),
        "month": dates(np.array(months, dtype=np.int64)),
        "item": pa.array([r[2] for r in rows], pa.string()),
        "value": money(np.array([r[3] for r in rows], dtype=np.int64)),
        "entered_by": const("priya_nair", n), "department": const("finance", n)}))
