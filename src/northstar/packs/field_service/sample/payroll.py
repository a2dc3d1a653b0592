"""Payroll's gross pay items: what the crews were paid for each job, a day's timesheet per crew
member and day of work (one to three a job), now and then with a bonus as an amount
adjustment. Only days worked by `end` are paid; the jobs' labour plans set the amounts."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.field_service.sample.calendar import HOUR_US, Calendar
from northstar.packs.field_service.sample.jobs import INVOICE_BASE, JOB_BASE, ids, stamp
from northstar.packs.field_service.sample.reference import UNITS
from northstar.packs.field_service.sample.work import KIND_LEAD, NONE, Work
from northstar.packs.sample_arrays import DAY_US, batches, money, pick, stream

__all__ = ["gross_pay_table"]

PAY_BASE = 95_000_000


def gross_pay_table(seed: int, cal: Calendar, work: Work) -> Iterator[SampleTable]:
    rng = stream(seed, 3)
    j = work.jobs
    worked = np.flatnonzero((j.kind != KIND_LEAD) & (j.start_us != NONE)
                            & (j.status != "Canceled") & (j.labour > 0))
    items = np.clip(j.duration_days[worked], 1, 3)
    job = np.repeat(worked, items)
    nth = np.arange(len(job)) - np.repeat(np.cumsum(items) - items, items)
    share = np.repeat(items, items)
    amount = j.labour[job] // share + np.where(nth == 0, j.labour[job] % share, 0)
    spread = np.maximum(j.duration_days[job] // share, 1)
    started = j.start_us[job] + nth * spread * DAY_US
    ended = started + 8 * HOUR_US
    keep = ended <= cal.end_us
    job, nth, amount, started, ended = job[keep], nth[keep], amount[keep], started[keep], \
        ended[keep]
    n = len(job)
    bonus = np.where(rng.random(n) < 0.04, rng.integers(25, 76, n) * 100, 0)
    day = cal.local_day(started)
    unit_names = {u[0]: u[1] for u in UNITS}
    yield from batches("st_gross_pay_items", "servicetitan", "id", pa.table({
        "id": ids(PAY_BASE, np.arange(n)), "job_id": ids(JOB_BASE, job),
        "invoice_id": ids(INVOICE_BASE, job), "invoice_item_id": pa.array(
            (70_000_000 + 2 * job).astype(str), pa.string()),
        "employee_id": pa.array((500 + (job * 7 + nth * 3) % 60).astype(str), pa.string()),
        "employee_type": pick(("Technician",), np.zeros(n, dtype=np.int64)),
        "payroll_id": pa.array((1 + (day - cal.first_day) // 14).astype(str), pa.string()),
        "date": stamp(cal.utc(day * DAY_US)),
        "gross_pay_item_type": pick(("TimesheetTime",), np.zeros(n, dtype=np.int64)),
        "activity": pick(("Working",), np.zeros(n, dtype=np.int64)),
        "activity_code": pick(("WRK",), np.zeros(n, dtype=np.int64)),
        "paid_time_type": pick(("Regular",), np.zeros(n, dtype=np.int64)),
        "paid_duration_hours": pa.array(["8.00"] * n).cast(pa.decimal128(12, 2)),
        "amount": money(amount), "amount_adjustment": money(bonus),
        "business_unit_name": pa.array([unit_names[u] for u in j.unit[job]], pa.string()),
        "payout_business_unit_name": pa.nulls(n, pa.string()),
        "started_on": stamp(started), "ended_on": stamp(ended),
        "active": pa.array(np.ones(n, dtype=bool)), "created_on": stamp(ended),
        "modified_on": stamp(ended)}))
