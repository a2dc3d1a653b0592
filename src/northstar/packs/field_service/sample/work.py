"""The work of the sample painting contractor, planned as arrays: the leads (estimate
appointments booked by the call centre), the estimates their estimators present and sell, the
production jobs the sold estimates become (booked weeks ahead), change orders, the warranty and
touch-up jobs that come back, and the inspections and window washing no KPI counts.

Every job has a unit, a job type, a customer, when it was booked, when its first appointment
starts (or none yet), when it was done, its status as ServiceTitan shows it at `end`, its revenue
and what its materials and labour cost. Nothing is booked, sold or done after `end`; appointments
may lie ahead of it."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from northstar.packs.field_service.sample.calendar import HOUR_US, MINUTE_US, Calendar
from northstar.packs.field_service.sample.reference import (
    BRANCHES,
    CAMPAIGNS,
    EXCLUDED,
    WARRANTY,
    WEST,
    WEST_RETIRED,
)
from northstar.packs.sample_arrays import DAY_US, Bools, Ints, choice, epoch_day, stream

__all__ = ["KIND_EXCLUDED", "KIND_LEAD", "KIND_PRODUCTION", "KIND_WARRANTY", "NONE",
           "Estimates", "Jobs", "Work", "plan_work"]

NONE = -1
"""No such moment (no appointment yet, not done) or no such row."""
KIND_LEAD, KIND_PRODUCTION, KIND_WARRANTY, KIND_EXCLUDED = 0, 1, 2, 3
ROWS_PER_LEAD = 9.5
"""Ledger rows the history makes per lead, all tables together (measured on the default
sample): `rows` sets the number of leads."""
REPEAT_SHARE = 0.2
"""Leads from a customer the company has worked for."""


@dataclass
class Jobs:
    """One entry per job, every array the same length."""

    kind: Ints
    branch: Ints
    unit: np.ndarray
    job_type: np.ndarray
    campaign: Ints
    customer: Ints
    created_us: Ints
    start_us: Ints
    duration_days: Ints
    done_us: Ints
    status: np.ndarray
    revenue: Ints
    """Cents, before tax: the invoice's subtotal."""
    materials: Ints
    labour: Ints
    recall_for: Ints
    """For a warranty job, the job it goes back to (an index); NONE otherwise."""

    @property
    def n(self) -> int:
        return len(self.kind)

    @staticmethod
    def join(parts: list[Jobs]) -> Jobs:
        return Jobs(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                       for f in fields(Jobs)})


@dataclass
class Estimates:
    job: Ints
    created_us: Ints
    sold_us: Ints
    subtotal: Ints
    status: np.ndarray
    change_order: Bools
    own_unit: Bools
    """The estimate names its business unit (ServiceTitan leaves it empty now and then)."""


@dataclass
class Work:
    jobs: Jobs
    estimates: Estimates
    customers: int
    customer_created_us: Ints
    customer_commercial: Bools


def _hours(rng: np.random.Generator, n: int, first: int, last: int) -> Ints:
    """Local minutes of the day between `first` and `last` o'clock, as microseconds."""
    out: Ints = (rng.integers(first * 60, last * 60, n) * MINUTE_US).astype(np.int64)
    return out


def _status(cal: Calendar, start: Ints, done: Ints, canceled: Bools) -> np.ndarray:
    out = np.where(start == NONE, "Scheduled",
                   np.where(start > cal.end_us, "Scheduled",
                            np.where((done == NONE) | (done > cal.end_us), "InProgress",
                                     "Completed"))).astype(object)
    out[canceled] = "Canceled"
    return out


def _unit(branch: Ints, west: Bools, side: int) -> np.ndarray:
    units = np.array([b.sales_unit if side == 0 else b.production_unit for b in BRANCHES],
                     dtype=object)
    out = units[branch]
    out[west] = WEST[side]
    return out


def plan_work(seed: int, cal: Calendar, rows: int) -> Work:
    rng = stream(seed, 1)
    n = max(60, round(rows / ROWS_PER_LEAD))
    # -- the leads ----------------------------------------------------------------------
    day = np.sort(cal.days[choice(rng, cal.n, n, cal.demand())])
    branch = choice(rng, len(BRANCHES), n, np.array([b.share for b in BRANCHES]))
    for b, spec in enumerate(BRANCHES):
        if spec.opened is not None:  # a branch opened later: its early leads were Phoenix's
            branch[(branch == b) & (day < epoch_day(spec.opened))] = 0
    west = (branch == 0) & (day < epoch_day(WEST_RETIRED)) & (rng.random(n) < 0.4)
    offer = np.zeros(n, dtype=np.int64)
    ticket = np.zeros(n)
    estimate_type = np.empty(n, dtype=object)
    production_type = np.empty(n, dtype=object)
    for b, spec in enumerate(BRANCHES):
        here = np.flatnonzero(branch == b)
        pick = choice(rng, len(spec.offers), len(here), np.array([o.weight for o in spec.offers]))
        offer[here] = pick
        ticket[here] = [spec.offers[i].ticket for i in pick]
        estimate_type[here] = [spec.offers[i].estimate_type for i in pick]
        production_type[here] = [spec.offers[i].production_type for i in pick]
    created = cal.utc(day * DAY_US + _hours(rng, n, 7, 19))
    keep = created <= cal.end_us
    day, branch, west, ticket = day[keep], branch[keep], west[keep], ticket[keep]
    estimate_type, production_type, created = (estimate_type[keep], production_type[keep],
                                               created[keep])
    n = len(day)
    # customers: most leads are new customers, some come back
    repeat = (rng.random(n) < REPEAT_SHARE) & (np.arange(n) > 20)
    customer = np.zeros(n, dtype=np.int64)
    new_ids = np.cumsum(~repeat) - 1
    customer[~repeat] = new_ids[~repeat]
    earlier = (rng.random(n) * np.maximum(new_ids, 1)).astype(np.int64)
    customer[repeat] = earlier[repeat]
    customers = int(new_ids[-1]) + 1
    customer_created = created[~repeat]
    commercial = np.zeros(customers, dtype=bool)
    commercial[customer[~repeat]] = branch[~repeat] == 2
    weights = np.array([c[3] for c in CAMPAIGNS])
    campaign = choice(rng, len(CAMPAIGNS), n, weights)
    campaign[repeat] = [c[1] for c in CAMPAIGNS].index("Repeat Customer")
    # the estimate appointment, one to eight days out, at 8, 10, 13 or 15 o'clock
    appointment_day = day + rng.integers(1, 9, n)
    start = cal.utc(appointment_day * DAY_US
                    + np.array([8, 10, 13, 15])[rng.integers(0, 4, n)] * HOUR_US)
    canceled = rng.random(n) < 0.11
    done = np.where(canceled, NONE, start + 90 * MINUTE_US)
    status = _status(cal, start, done, canceled)
    completed = status == "Completed"
    zeros = np.zeros(n, dtype=np.int64)
    leads = Jobs(kind=np.full(n, KIND_LEAD), branch=branch, unit=_unit(branch, west, 0),
                 job_type=estimate_type, campaign=campaign, customer=customer,
                 created_us=created, start_us=start, duration_days=np.ones(n, dtype=np.int64),
                 done_us=np.where(completed, done, NONE), status=status, revenue=zeros,
                 materials=zeros.copy(), labour=zeros.copy(), recall_for=np.full(n, NONE))
    # -- estimates: one to three options at every estimate appointment that ran ----------
    ran = np.flatnonzero(completed)
    options = choice(rng, 3, len(ran), np.array([0.70, 0.22, 0.08])) + 1
    e_job = np.repeat(ran, options)
    e_option = np.arange(len(e_job)) - np.repeat(np.cumsum(options) - options, options)
    base = ticket[ran] * rng.lognormal(-0.1, 0.45, len(ran))
    e_subtotal = np.round(np.repeat(base, options) * (1 + 0.25 * e_option) * 100).astype(
        np.int64)
    e_created = np.repeat(start[ran], options) + 60 * MINUTE_US + e_option * 5 * MINUTE_US
    close = np.array([b.close for b in BRANCHES])[branch[ran]]
    sells = rng.random(len(ran)) < close
    chosen = np.where(rng.random(len(ran)) < 0.7, 0,
                      (rng.random(len(ran)) * options).astype(np.int64))
    sold_row = (np.cumsum(options) - options + chosen)[sells]
    at_visit = rng.random(len(sold_row)) < 0.45
    later_days = np.ceil(rng.exponential(6.0, len(sold_row))).astype(np.int64)
    later = cal.utc((cal.local_day(e_created[sold_row]) + later_days) * DAY_US
                    + _hours(rng, len(sold_row), 8, 18))
    sold_at = np.where(at_visit, e_created[sold_row] + 10 * MINUTE_US, later)
    e_sold = np.full(len(e_job), NONE)
    booked = sold_at <= cal.end_us
    e_sold[sold_row[booked]] = sold_at[booked]
    recent = e_created > cal.end_us - 45 * DAY_US
    e_status = np.where(e_sold != NONE, "Sold", np.where(recent, "Open", "Dismissed")).astype(
        object)
    # -- production: each sold estimate becomes a job, booked minutes after the sale --------
    sold = np.flatnonzero(e_sold != NONE)
    lead_of = e_job[sold]
    p_created = e_sold[sold] + rng.integers(5, 60, len(sold)) * MINUTE_US
    ok = p_created <= cal.end_us
    sold, lead_of, p_created = sold[ok], lead_of[ok], p_created[ok]
    m = len(sold)
    p_branch = branch[lead_of]
    p_west = west[lead_of] & (cal.local_day(p_created) < epoch_day(WEST_RETIRED))
    revenue = e_subtotal[sold]
    season = np.array([1.3, 1.4, 1.5, 1.4, 1.1, 0.8, 0.7, 0.8, 1.0, 1.3, 1.2, 0.9])
    lead_days = (7 + rng.gamma(2.0, 6.0, m) * season[cal.month_of_year(cal.local_day(p_created))]
                 ).astype(np.int64)
    p_day = cal.local_day(p_created) + lead_days
    p_day += cal.weekday(p_day) == 6  # no crew starts on a Sunday
    p_start = cal.utc(p_day * DAY_US + 7 * HOUR_US)
    unscheduled = (p_created > cal.end_us - 21 * DAY_US) & (rng.random(m) < 0.25)
    p_start[unscheduled] = NONE
    duration = np.clip(1 + revenue // 400_000, 1, 12).astype(np.int64)
    p_canceled = rng.random(m) < 0.03
    p_done = np.where(p_start == NONE, NONE,
                      p_start + (duration - 1) * DAY_US + 9 * HOUR_US)
    p_done[p_canceled] = NONE
    p_status = _status(cal, p_start, p_done, p_canceled)
    p_done = np.where(p_status == "Completed", p_done, NONE)
    production = Jobs(
        kind=np.full(m, KIND_PRODUCTION), branch=p_branch, unit=_unit(p_branch, p_west, 1),
        job_type=production_type[lead_of], campaign=campaign[lead_of],
        customer=customer[lead_of], created_us=p_created, start_us=p_start,
        duration_days=duration, done_us=p_done, status=p_status, revenue=revenue,
        materials=np.round(revenue * rng.uniform(0.11, 0.19, m)).astype(np.int64),
        labour=np.round(revenue * rng.uniform(0.26, 0.38, m)).astype(np.int64),
        recall_for=np.full(m, NONE))
    # change orders: extra work sold on a job under way, on its invoice
    started = (p_start != NONE) & ~p_canceled
    co = np.flatnonzero(started & (rng.random(m) < 0.07))
    co = co[p_start[co] + DAY_US + 3 * HOUR_US <= cal.end_us]
    co_created = p_start[co] + DAY_US + 3 * HOUR_US
    co_subtotal = np.round(revenue[co] * rng.uniform(0.08, 0.2, len(co))).astype(np.int64)
    production.revenue[co] += co_subtotal
    first_production = leads.n
    # -- warranty and touch-up jobs: some finished jobs come back ---------------------------
    finished = np.flatnonzero(p_status == "Completed")
    back = finished[rng.random(len(finished)) < 0.08]
    w_created = cal.utc((cal.local_day(p_done[back]) + rng.integers(20, 300, len(back)))
                        * DAY_US + _hours(rng, len(back), 8, 17))
    keep = w_created <= cal.end_us
    back, w_created = back[keep], w_created[keep]
    k = len(back)
    w_start = cal.utc((cal.local_day(w_created) + rng.integers(3, 15, k)) * DAY_US
                      + 8 * HOUR_US)
    w_done = w_start + 4 * HOUR_US
    w_west = p_west[back] & (cal.local_day(w_created) < epoch_day(WEST_RETIRED))
    w_canceled = np.zeros(k, dtype=bool)
    w_status = _status(cal, w_start, w_done, w_canceled)
    warranty = Jobs(
        kind=np.full(k, KIND_WARRANTY), branch=p_branch[back],
        unit=_unit(p_branch[back], w_west, 1),
        job_type=np.array([WARRANTY[i][0] for i in choice(
            rng, len(WARRANTY), k, np.array([w[1] for w in WARRANTY]))], dtype=object),
        campaign=production.campaign[back], customer=production.customer[back],
        created_us=w_created, start_us=w_start, duration_days=np.ones(k, dtype=np.int64),
        done_us=np.where(w_status == "Completed", w_done, NONE), status=w_status,
        revenue=np.zeros(k, dtype=np.int64),
        materials=rng.integers(5_000, 30_000, k), labour=rng.integers(20_000, 120_000, k),
        recall_for=first_production + back)
    # -- inspections and window washing: work the KPIs leave out --------------------------
    x = max(3, round(0.04 * n))
    x_day = np.sort(cal.days[choice(rng, cal.n, x, cal.demand())])
    x_branch = choice(rng, 3, x, np.array([0.55, 0.3, 0.15]))
    x_type = choice(rng, len(EXCLUDED), x, np.array([e[1] for e in EXCLUDED]))
    x_created = cal.utc(x_day * DAY_US + _hours(rng, x, 8, 17))
    x_start = cal.utc((x_day + rng.integers(2, 11, x)) * DAY_US + 9 * HOUR_US)
    x_done = x_start + 2 * HOUR_US
    keep = x_created <= cal.end_us
    x_branch, x_type, x_created, x_start, x_done = (x_branch[keep], x_type[keep],
                                                    x_created[keep], x_start[keep], x_done[keep])
    x = len(x_branch)
    x_status = _status(cal, x_start, x_done, np.zeros(x, dtype=bool))
    excluded = Jobs(
        kind=np.full(x, KIND_EXCLUDED), branch=x_branch,
        unit=_unit(x_branch, np.zeros(x, dtype=bool), 1),
        job_type=np.array([EXCLUDED[i][0] for i in x_type], dtype=object),
        campaign=np.full(x, [c[1] for c in CAMPAIGNS].index("Repeat Customer")),
        customer=(rng.random(x) * customers).astype(np.int64), created_us=x_created,
        start_us=x_start, duration_days=np.ones(x, dtype=np.int64),
        done_us=np.where(x_status == "Completed", x_done, NONE), status=x_status,
        revenue=np.array([EXCLUDED[i][2] * 100 for i in x_type], dtype=np.int64),
        materials=np.zeros(x, dtype=np.int64), labour=rng.integers(4_000, 12_000, x),
        recall_for=np.full(x, NONE))
    jobs = Jobs.join([leads, production, warranty, excluded])
    estimates = Estimates(
        job=np.concatenate([e_job, first_production + co]),
        created_us=np.concatenate([e_created, co_created]),
        sold_us=np.concatenate([e_sold, co_created + 20 * MINUTE_US]),
        subtotal=np.concatenate([e_subtotal, co_subtotal]),
        status=np.concatenate([e_status, np.full(len(co), "Sold", dtype=object)]),
        change_order=np.concatenate([np.zeros(len(e_job), dtype=bool),
                                     np.ones(len(co), dtype=bool)]),
        own_unit=rng.random(len(e_job) + len(co)) >= 0.05)
    sold_late = estimates.sold_us > cal.end_us  # a change order sold after `end`: still open
    estimates.status[sold_late] = "Open"
    estimates.sold_us[sold_late] = NONE
    production_rows = first_production + co[sold_late[len(e_job):]]
    jobs.revenue[production_rows] -= co_subtotal[sold_late[len(e_job):]]
    return Work(jobs=jobs, estimates=estimates, customers=customers,
                customer_created_us=customer_created, customer_commercial=commercial)
