"""The monthly inputs entered by hand for every closed month (the month under way has none
yet): headcount, and the sales activity no connected system holds. New and lost MRR follow the
agreements: what clients that joined or grew add, what clients that left or shrank take away."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.msp.sample.books import Staff
from northstar.packs.msp.sample.calendar import Calendar
from northstar.packs.msp.sample.clients import Clients
from northstar.packs.sample_arrays import batches, dates, money, stream

__all__ = ["INPUTS", "inputs_table"]

INPUTS = ("employees_total", "employees_technical", "telemarketing_dials",
          "first_time_appointments", "prospects_to_pbr", "new_agreements", "new_mrr", "lost_mrr")


def inputs_table(seed: int, cal: Calendar, clients: Clients, mrr: np.ndarray, staff: Staff
                 ) -> Iterator[SampleTable]:
    """`mrr`: each client's managed-services MRR, clients x months."""
    rng = stream(seed, 7, 1)
    before = np.concatenate([mrr[:, :1] * 0.99, mrr[:, :-1]], axis=1)
    change = mrr - before
    joined = np.bincount(clients.joined[clients.joined >= 0], minlength=cal.n)
    appointments = rng.poisson(7, cal.n)
    figures = {
        "employees_total": staff.total, "employees_technical": staff.technical,
        "telemarketing_dials": rng.poisson(1_100, cal.n), "first_time_appointments": appointments,
        "prospects_to_pbr": rng.binomial(appointments, 0.5), "new_agreements": joined,
        "new_mrr": np.round(np.clip(change, 0, None).sum(axis=0)),
        "lost_mrr": np.round(np.clip(-change, 0, None).sum(axis=0)),
    }
    ids, months, names, cents = [], [], [], []
    for m in cal.closed().tolist():
        for name in INPUTS:
            ids.append(f"{cal.months[m]:%Y-%m}:{name}")
            months.append(int(cal.start_day[m]))
            names.append(name)
            cents.append(int(figures[name][m]) * 100)
    n = len(ids)
    yield from batches("monthly_inputs", "manual", "id", pa.table({
        "id": pa.array(ids, pa.string()), "month": dates(np.array(months, dtype=np.int64)),
        "input": pa.array(names, pa.string()), "value": money(np.array(cents, dtype=np.int64)),
        "entered_by": pa.array(["grace_liu"] * n, pa.string()),
        "notes": pa.array([None] * n, pa.string())}))
