"""Invoices and payments of the sample: an invoice for every job (the estimate appointments'
at $0), its items (labour and materials, with their cost), discount adjustments on a few
finished jobs, deposits taken when work is booked, payment of the rest on completion or weeks
later (or never), a payment now and then voided and entered again, a few overpayments left
unapplied. Each invoice's balance is its total less the active payments applied to it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.field_service.sample.calendar import HOUR_US, MINUTE_US, Calendar
from northstar.packs.field_service.sample.jobs import (
    CUSTOMER_BASE,
    INVOICE_BASE,
    JOB_BASE,
    ids,
    stamp,
)
from northstar.packs.field_service.sample.reference import UNITS
from northstar.packs.field_service.sample.work import (
    KIND_EXCLUDED,
    KIND_LEAD,
    KIND_PRODUCTION,
    NONE,
    Work,
)
from northstar.packs.sample_arrays import (
    DAY_US,
    Bools,
    Ints,
    batches,
    choice,
    money,
    numbered,
    pick,
    stream,
)

__all__ = ["Billing", "invoices_tables", "payments_tables", "plan_billing"]

ADJUSTMENT_BASE = 65_000_000
ITEM_BASE = 70_000_000
PAYMENT_BASE = 80_000_000
APPLICATION_BASE = 90_000_000
TAX = 0.086
"""Arizona's sales tax, on the materials part (30%) of a residential or cabinet job."""
WRITTEN_OFF = 4
"""The payment lag of a job never paid: its balance is adjusted off after six months."""
PAYMENT_TYPES = (("Credit Card", "5", 0.55), ("Check", "2", 0.30), ("ACH", "8", 0.10),
                 ("Cash", "1", 0.05))


@dataclass
class Billing:
    # invoices: first one per job (index = job), then the adjustments
    inv_job: Ints
    inv_date: Ints
    """Local epoch day of the invoice date; NONE while the job has no date yet."""
    inv_created_us: Ints
    inv_sub: Ints
    inv_tax: Ints
    inv_active: Bools
    inv_adjusts: Ints
    """For an adjustment, the invoice it adjusts (an index); NONE otherwise."""
    # payments and what they are applied to
    pay_us: Ints
    pay_total: Ints
    pay_job: Ints
    pay_type: Ints
    pay_active: Bools
    app_payment: Ints
    app_invoice: Ints
    app_amount: Ints

    @property
    def inv_total(self) -> Ints:
        out: Ints = self.inv_sub + self.inv_tax
        return out

    def balances(self) -> Ints:
        applied = np.zeros(len(self.inv_job), dtype=np.int64)
        live = self.pay_active[self.app_payment]
        np.add.at(applied, self.app_invoice[live], self.app_amount[live])
        out: Ints = self.inv_total - applied
        return out


def _business_hours(rng: np.random.Generator, cal: Calendar, days: Ints) -> Ints:
    return cal.utc(days * DAY_US + rng.integers(8 * 60, 18 * 60, len(days)) * MINUTE_US)


def plan_billing(seed: int, cal: Calendar, work: Work) -> Billing:
    rng = stream(seed, 2)
    j = work.jobs
    n = j.n
    done_day = np.where(j.done_us == NONE, NONE, cal.local_day(np.maximum(j.done_us, 0)))
    start_day = np.where(j.start_us == NONE, NONE, cal.local_day(np.maximum(j.start_us, 0)))
    created_day = cal.local_day(j.created_us)
    inv_date = np.where(done_day != NONE, done_day,
                        np.where(j.kind == KIND_LEAD, created_day, start_day))
    taxed = np.isin(j.branch, [0, 1, 3]) & (j.kind == KIND_PRODUCTION)
    tax = np.where(taxed, np.round(j.revenue * 0.3 * TAX), 0).astype(np.int64)
    active = j.status != "Canceled"
    # when each finished job is paid: the same day, within two weeks, within two months,
    # after collection calls (two to five months), or never: written off after six months
    lag = choice(rng, 5, n, np.array([0.55, 0.30, 0.12, 0.025, 0.005]))
    finished = np.flatnonzero((j.kind == KIND_PRODUCTION) & (j.status == "Completed"))
    # discounts on a few finished production jobs, a few days after they were done
    adj = finished[(rng.random(len(finished)) < 0.04) & (lag[finished] != WRITTEN_OFF)]
    adj_day = done_day[adj] + rng.integers(0, 11, len(adj))
    adj_sub = -np.round(j.revenue[adj] * rng.uniform(0.05, 0.10, len(adj))).astype(np.int64)
    off = finished[lag[finished] == WRITTEN_OFF]
    off_day = done_day[off] + 183
    adj, adj_day = np.concatenate([adj, off]), np.concatenate([adj_day, off_day])
    adj_sub = np.concatenate([adj_sub, -(j.revenue[off] + tax[off])])
    adj_created = _business_hours(rng, cal, adj_day)
    keep = adj_created <= cal.end_us
    adj, adj_day, adj_created, adj_sub = adj[keep], adj_day[keep], adj_created[keep], \
        adj_sub[keep]
    inv_job = np.concatenate([np.arange(n), adj])
    b = Billing(
        inv_job=inv_job, inv_date=np.concatenate([inv_date, adj_day]),
        inv_created_us=np.concatenate([j.created_us, adj_created]),
        inv_sub=np.concatenate([j.revenue, adj_sub]),
        inv_tax=np.concatenate([tax, np.zeros(len(adj), dtype=np.int64)]),
        inv_active=np.concatenate([active, np.ones(len(adj), dtype=bool)]),
        inv_adjusts=np.concatenate([np.full(n, NONE), adj]),
        pay_us=np.zeros(0, dtype=np.int64), pay_total=np.zeros(0, dtype=np.int64),
        pay_job=np.zeros(0, dtype=np.int64), pay_type=np.zeros(0, dtype=np.int64),
        pay_active=np.zeros(0, dtype=bool), app_payment=np.zeros(0, dtype=np.int64),
        app_invoice=np.zeros(0, dtype=np.int64), app_amount=np.zeros(0, dtype=np.int64))
    written_off = np.zeros(n, dtype=bool)
    written_off[off] = True
    _payments(rng, cal, work, b, n, lag, adj[~written_off[adj]], adj_sub[~written_off[adj]])
    return b


def _payments(rng: np.random.Generator, cal: Calendar, work: Work, b: Billing, n: int,
              lag: Ints, adj: Ints, adj_sub: Ints) -> None:
    j = work.jobs
    total = b.inv_total[:n]
    # deposits: a third of the residential and cabinet jobs, when they are booked
    production = (j.kind == KIND_PRODUCTION) & (j.status != "Canceled")
    dep = np.flatnonzero(production & np.isin(j.branch, [0, 1, 3]) & (rng.random(n) < 0.35))
    dep_us = _business_hours(rng, cal, cal.local_day(j.created_us[dep]) + rng.integers(0, 4,
                                                                                       len(dep)))
    keep = dep_us <= cal.end_us
    dep, dep_us = dep[keep], dep_us[keep]
    dep_amount = np.round(total[dep] * 0.3).astype(np.int64)
    deposit = np.zeros(n, dtype=np.int64)
    deposit[dep] = dep_amount
    # the rest, once the job is done
    owed = np.flatnonzero(((j.kind == KIND_PRODUCTION) | (j.kind == KIND_EXCLUDED))
                          & (j.status == "Completed") & (total > 0))
    when = lag[owed]
    delay = np.select([when == 0, when == 1, when == 2, when == 3],
                      [np.zeros(len(owed), dtype=np.int64), rng.integers(1, 15, len(owed)),
                       rng.integers(15, 61, len(owed)), rng.integers(61, 151, len(owed))], NONE)
    paid = delay != NONE
    owed, delay = owed[paid], delay[paid]
    done_day = cal.local_day(j.done_us[owed])
    fin_us = np.where(delay == 0, j.done_us[owed] + 30 * MINUTE_US,
                      _business_hours(rng, cal, done_day + delay))
    keep = fin_us <= cal.end_us
    owed, fin_us = owed[keep], fin_us[keep]
    discount = np.zeros(n, dtype=np.int64)
    adj_of = np.full(n, NONE)
    adj_of[adj] = n + np.arange(len(adj))
    discount[adj] = adj_sub
    # an adjustment made after the payment: the customer paid the full amount
    late_adj = (adj_of[owed] != NONE) & (b.inv_created_us[np.maximum(adj_of[owed], 0)] > fin_us)
    rest = total[owed] - deposit[owed] + np.where(late_adj, 0, discount[owed])
    positive = rest > 0
    owed, fin_us, rest, late_adj = owed[positive], fin_us[positive], rest[positive], \
        late_adj[positive]
    # overpaid by a tenth now and then: what is left over stays unapplied
    over = rng.random(len(owed)) < 0.01
    fin_total = np.where(over, np.round(rest * 1.1), rest).astype(np.int64)
    # voided and entered again an hour later
    voided = rng.random(len(owed)) < 0.01
    pays_us = [dep_us, fin_us, fin_us[voided] - HOUR_US]
    pays_total = [dep_amount, fin_total, fin_total[voided]]
    pays_job = [dep, owed, owed[voided]]
    pays_active = [np.ones(len(dep), dtype=bool), np.ones(len(owed), dtype=bool),
                   np.zeros(int(voided.sum()), dtype=bool)]
    b.pay_us = np.concatenate(pays_us)
    b.pay_total = np.concatenate(pays_total)
    b.pay_job = np.concatenate(pays_job)
    b.pay_active = np.concatenate(pays_active)
    m = len(b.pay_us)
    b.pay_type = choice(rng, len(PAYMENT_TYPES), m, np.array([t[2] for t in PAYMENT_TYPES]))
    # applications: a deposit and a payment to the job's invoice; a payment made after a
    # discount also applies the discount's (negative) invoice, so both balances reach 0
    first_fin = len(dep)
    fin_index = first_fin + np.arange(len(owed))
    void_index = first_fin + len(owed) + np.arange(int(voided.sum()))
    with_adj = (adj_of[owed] != NONE) & ~late_adj
    main_amount = rest - np.where(with_adj, discount[owed], 0)
    app_payment = [np.arange(len(dep)), fin_index, fin_index[with_adj], void_index,
                   void_index[with_adj[voided]]]
    app_invoice = [dep, owed, adj_of[owed][with_adj], owed[voided],
                   adj_of[owed[voided]][with_adj[voided]]]
    app_amount = [dep_amount, main_amount, discount[owed][with_adj], main_amount[voided],
                  discount[owed][voided & with_adj]]
    b.app_payment = np.concatenate(app_payment)
    b.app_invoice = np.concatenate(app_invoice)
    b.app_amount = np.concatenate(app_amount)


def invoices_tables(cal: Calendar, work: Work, b: Billing) -> Iterator[SampleTable]:
    j = work.jobs
    k = len(b.inv_job)
    index = np.arange(k)
    inv_ids = pa.array(np.where(b.inv_adjusts == NONE, INVOICE_BASE + index,
                                ADJUSTMENT_BASE + index).astype(str), pa.string())
    job = b.inv_job
    unit_names = {u[0]: u[1] for u in UNITS}
    unit = j.unit[job]
    customer = ids(CUSTOMER_BASE, j.customer[job])
    no_date = b.inv_date == NONE
    day = np.where(no_date, 0, b.inv_date)
    balance = b.balances()
    adjusted = np.where(b.inv_adjusts == NONE, 0, b.inv_adjusts)
    yield from batches("st_invoices", "servicetitan", "id", pa.table({
        "id": inv_ids, "reference_number": pa.array(inv_ids.to_numpy(zero_copy_only=False)),
        "invoice_date": pa.array(day.astype(np.int32), mask=no_date).view(pa.date32()),
        "due_date": pa.array((day + 30).astype(np.int32), mask=no_date).view(pa.date32()),
        "sub_total": money(b.inv_sub), "sales_tax": money(b.inv_tax),
        "total": money(b.inv_total), "balance": money(balance),
        "invoice_type": pick(("Job", "Adjustment"), (b.inv_adjusts != NONE).astype(np.int64)),
        "customer_id": customer, "customer_name": numbered("Customer ", j.customer[job] + 1, 6),
        "location_id": ids(20_000_000, j.customer[job]),
        "business_unit_id": pa.array(unit, pa.string()),
        "business_unit_name": pa.array([unit_names[u] for u in unit], pa.string()),
        "job_id": ids(JOB_BASE, job), "job_number": numbered("", 100_000 + job, 6),
        "project_id": pa.nulls(k, pa.string()),
        "adjustment_to_id": pick(ids(INVOICE_BASE, adjusted), index, b.inv_adjusts == NONE),
        "active": pa.array(b.inv_active), "created_on": stamp(b.inv_created_us),
        "modified_on": stamp(b.inv_created_us), "client_id": customer}))
    # items: labour and materials on the work's invoices, the price on the others'
    billed = np.flatnonzero((b.inv_adjusts == NONE) & ((j.revenue[job] > 0)
                                                       | (j.materials[job] > 0)))
    sub = b.inv_sub[billed]
    materials_price = np.round(sub * 0.3).astype(np.int64)
    labour_price = sub - materials_price
    cost = j.materials[job[billed]]
    two = len(billed)
    item_invoice = np.concatenate([billed, billed])
    item_total = np.concatenate([labour_price, materials_price])
    item_cost = np.concatenate([np.zeros(two, dtype=np.int64), cost])
    kind = np.concatenate([np.zeros(two, dtype=np.int64), np.ones(two, dtype=np.int64)])
    item_ids = np.concatenate([ITEM_BASE + 2 * billed, ITEM_BASE + 2 * billed + 1])
    order = np.argsort(item_ids, kind="stable")
    item_invoice, item_total, item_cost, kind, item_ids = (item_invoice[order], item_total[order],
                                                           item_cost[order], kind[order],
                                                           item_ids[order])
    m = len(item_ids)
    qty = np.where(kind == 0, 8, 3)
    item_unit = j.unit[job[item_invoice]]
    yield from batches("st_invoice_items", "servicetitan", "id", pa.table({
        "id": pa.array(item_ids.astype(str), pa.string()),
        "invoice_id": inv_ids.take(pa.array(item_invoice)),
        "sku_id": pick(("11", "12"), kind), "sku_name": pick(("LABOR-HR", "PAINT-5G"), kind),
        "type": pick(("Service", "Material"), kind),
        "description": pick(("Labor", "Paint and sundries"), kind),
        "quantity": pa.array([f"{q}.0000" for q in qty]).cast(pa.decimal128(18, 4)),
        "price": money(item_total // qty), "total": money(item_total),
        "cost": money(item_cost // qty), "total_cost": money(item_cost),
        "sold_hours": pa.array([f"{q}.00" if k == 0 else None for q, k in zip(qty, kind,
                                                                             strict=True)]
                               ).cast(pa.decimal128(12, 2)),
        "business_unit_id": pa.array(item_unit, pa.string()),
        "business_unit_name": pa.array([unit_names[u] for u in item_unit], pa.string()),
        "service_date": stamp(b.inv_created_us[item_invoice]),
        "item_order": pa.array(kind + 1), "active": pa.array(np.ones(m, dtype=bool)),
        "modified_on": stamp(b.inv_created_us[item_invoice])}))


def payments_tables(cal: Calendar, work: Work, b: Billing) -> Iterator[SampleTable]:
    j = work.jobs
    m = len(b.pay_us)
    index = np.arange(m)
    pay_ids = ids(PAYMENT_BASE, index)
    unit_names = {u[0]: u[1] for u in UNITS}
    unit = j.unit[b.pay_job]
    customer = ids(CUSTOMER_BASE, j.customer[b.pay_job])
    applied = np.zeros(m, dtype=np.int64)
    np.add.at(applied, b.app_payment, b.app_amount)
    yield from batches("st_payments", "servicetitan", "id", pa.table({
        "id": pay_ids, "reference_number": numbered("PAY-", index + 1, 7),
        "paid_on": stamp(b.pay_us),
        "type": pick([t[0] for t in PAYMENT_TYPES], b.pay_type),
        "type_id": pick([t[1] for t in PAYMENT_TYPES], b.pay_type),
        "total": money(b.pay_total), "unapplied_amount": money(b.pay_total - applied),
        "customer_id": customer, "customer_name": numbered("Customer ", j.customer[b.pay_job] + 1,
                                                           6),
        "business_unit_id": pa.array(unit, pa.string()),
        "business_unit_name": pa.array([unit_names[u] for u in unit], pa.string()),
        "batch_id": pa.array((cal.local_day(b.pay_us) - cal.first_day + 1).astype(str)),
        "active": pa.array(b.pay_active), "created_on": stamp(b.pay_us),
        "modified_on": stamp(b.pay_us), "client_id": customer}))
    k = len(b.app_payment)
    inv_ids = np.where(b.inv_adjusts[b.app_invoice] == NONE, INVOICE_BASE + b.app_invoice,
                       ADJUSTMENT_BASE + b.app_invoice).astype(str)
    yield from batches("st_payment_applications", "servicetitan", "id", pa.table({
        "id": ids(APPLICATION_BASE, np.arange(k)), "payment_id": pay_ids.take(
            pa.array(b.app_payment)),
        "invoice_id": pa.array(inv_ids, pa.string()),
        "invoice_reference": pa.array(inv_ids, pa.string()),
        "amount": money(b.app_amount), "applied_on": stamp(b.pay_us[b.app_payment]),
        "applied_by": pick(("office",), np.zeros(k, dtype=np.int64)),
        "payment_active": pa.array(b.pay_active[b.app_payment])}))
