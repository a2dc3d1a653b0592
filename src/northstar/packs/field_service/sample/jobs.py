"""The jobs as ServiceTitan's exports list them: jobs (with their business unit, job type and
campaign ids, never names), their first appointments, the customers and their locations."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.field_service.sample.calendar import Calendar
from northstar.packs.field_service.sample.reference import CAMPAIGNS, UNITS, type_id
from northstar.packs.field_service.sample.work import KIND_WARRANTY, NONE, Work
from northstar.packs.sample_arrays import DAY_US, batches, money, numbered, pick

__all__ = ["APPOINTMENT_BASE", "CUSTOMER_BASE", "ESTIMATE_BASE", "INVOICE_BASE", "JOB_BASE",
           "appointments_table", "customers_tables", "estimates_table", "ids", "jobs_table",
           "stamp"]

JOB_BASE, APPOINTMENT_BASE, INVOICE_BASE, CUSTOMER_BASE = 30_000_000, 40_000_000, 60_000_000, \
    10_000_000
LOCATION_BASE = 20_000_000
ESTIMATE_BASE = 50_000_000
CITIES = ("Phoenix", "Mesa", "Chandler", "Scottsdale", "Gilbert", "Tempe", "Tucson",
          "Oro Valley", "Marana")


def ids(base: int, index: np.ndarray) -> pa.Array:
    return pa.array((base + np.asarray(index, dtype=np.int64)).astype(str), pa.string())


def stamp(values: np.ndarray) -> pa.Array:
    """Microseconds as naive UTC timestamps; NONE is NULL."""
    v = np.asarray(values, dtype=np.int64)
    return pa.array(v, pa.int64(), mask=v == NONE).view(pa.timestamp("us"))


def jobs_table(cal: Calendar, work: Work) -> Iterator[SampleTable]:
    j = work.jobs
    n = j.n
    index = np.arange(n)
    has_start = j.start_us != NONE
    modified = np.maximum(j.created_us, np.where(j.done_us == NONE, j.created_us, j.done_us))
    recall = np.where(j.recall_for == NONE, 0, j.recall_for)
    customer = ids(CUSTOMER_BASE, j.customer)
    campaign_ids = pa.array([c[0] for c in CAMPAIGNS], pa.string())
    yield from batches("st_jobs", "servicetitan", "id", pa.table({
        "id": ids(JOB_BASE, index), "job_number": numbered("", 100_000 + index, 6),
        "customer_id": customer, "location_id": ids(LOCATION_BASE, j.customer),
        "project_id": pa.nulls(n, pa.string()), "job_status": pa.array(j.status, pa.string()),
        "business_unit_id": pa.array(j.unit, pa.string()),
        "job_type_id": pa.array([type_id(t) for t in j.job_type], pa.string()),
        "campaign_id": campaign_ids.take(pa.array(j.campaign)),
        "priority": pick(("Normal",), np.zeros(n, dtype=np.int64)),
        "completed_on": stamp(j.done_us),
        "appointment_count": pa.array(has_start.astype(np.int64)),
        "first_appointment_id": pick(ids(APPOINTMENT_BASE, index), index, ~has_start),
        "last_appointment_id": pick(ids(APPOINTMENT_BASE, index), index, ~has_start),
        "recall_for_id": pick(ids(JOB_BASE, recall), index, j.recall_for == NONE),
        "warranty_id": pick(ids(JOB_BASE, recall), index, j.kind != KIND_WARRANTY),
        "no_charge": pa.array(j.kind == KIND_WARRANTY),
        "sold_by_id": pa.nulls(n, pa.string()),
        "invoice_id": ids(INVOICE_BASE, index), "membership_id": pa.nulls(n, pa.string()),
        "created_from_estimate_id": pa.nulls(n, pa.string()),
        "total": money(j.revenue), "active": pa.array(np.ones(n, dtype=bool)),
        "created_on": stamp(j.created_us), "modified_on": stamp(np.minimum(modified,
                                                                           cal.end_us)),
        "client_id": customer}))


def appointments_table(cal: Calendar, work: Work) -> Iterator[SampleTable]:
    j = work.jobs
    at = np.flatnonzero(j.start_us != NONE)
    start = j.start_us[at]
    end = start + np.where(j.duration_days[at] > 1, (j.duration_days[at] - 1) * DAY_US, 0) \
        + np.where(j.kind[at] == 0, 90 * 60_000_000, 9 * 3_600_000_000)
    status = np.where(j.status[at] == "Canceled", "Canceled",
                      np.where(j.done_us[at] != NONE, "Done", "Scheduled")).astype(object)
    customer = ids(CUSTOMER_BASE, j.customer[at])
    n = len(at)
    yield from batches("st_appointments", "servicetitan", "id", pa.table({
        "id": ids(APPOINTMENT_BASE, at), "job_id": ids(JOB_BASE, at),
        "appointment_number": numbered("", 100_000 + at, 6, np.ones(n, dtype=np.int64)),
        "start": stamp(start), "end": stamp(end), "arrival_window_start": stamp(start),
        "arrival_window_end": stamp(start + 2 * 3_600_000_000),
        "status": pa.array(status, pa.string()), "customer_id": customer,
        "unused": pa.array(np.zeros(n, dtype=bool)), "is_confirmed": pa.array(status != "Canceled"),
        "active": pa.array(np.ones(n, dtype=bool)), "created_on": stamp(j.created_us[at]),
        "modified_on": stamp(j.created_us[at]), "client_id": customer}))


def customers_tables(cal: Calendar, work: Work) -> Iterator[SampleTable]:
    n = work.customers
    index = np.arange(n)
    customer = ids(CUSTOMER_BASE, index)
    created = stamp(work.customer_created_us)
    kind = np.where(work.customer_commercial, "Commercial", "Residential").astype(object)
    city = (index * 7919) % len(CITIES)
    yield from batches("st_customers", "servicetitan", "id", pa.table({
        "id": customer, "name": numbered("Customer ", index + 1, 6),
        "type": pa.array(kind, pa.string()), "balance": money(np.zeros(n, dtype=np.int64)),
        "merged_to_id": pa.nulls(n, pa.string()), "active": pa.array(np.ones(n, dtype=bool)),
        "created_on": created, "modified_on": created, "client_id": customer}))
    yield from batches("st_locations", "servicetitan", "id", pa.table({
        "id": ids(LOCATION_BASE, index), "customer_id": customer,
        "name": numbered("Location ", index + 1, 6), "city": pick(CITIES, city),
        "state": pick(("AZ",), np.zeros(n, dtype=np.int64)),
        "zip": pa.array((85000 + city * 11).astype(str), pa.string()),
        "tax_zone_id": pick(("86",), np.zeros(n, dtype=np.int64)),
        "merged_to_id": pa.nulls(n, pa.string()), "active": pa.array(np.ones(n, dtype=bool)),
        "created_on": created, "modified_on": created, "client_id": customer}))


def estimates_table(cal: Calendar, work: Work) -> Iterator[SampleTable]:
    e, j = work.estimates, work.jobs
    n = len(e.job)
    index = np.arange(n)
    unit_names = {u[0]: u[1] for u in UNITS}
    unit = j.unit[e.job]
    customer = ids(CUSTOMER_BASE, j.customer[e.job])
    status_value = {"Open": 0, "Sold": 1, "Dismissed": 2}
    sold = e.sold_us != NONE
    modified = np.where(sold, e.sold_us, e.created_us)
    yield from batches("st_estimates", "servicetitan", "id", pa.table({
        "id": ids(ESTIMATE_BASE, index), "job_id": ids(JOB_BASE, e.job),
        "project_id": pa.nulls(n, pa.string()), "location_id": ids(LOCATION_BASE,
                                                                   j.customer[e.job]),
        "customer_id": customer,
        "name": pa.array(np.where(e.change_order, "Change order", "Option ").astype(object)
                         + np.where(e.change_order, "", (index % 3 + 1).astype(str)).astype(
                             object), pa.string()),
        "job_number": numbered("", 100_000 + e.job, 6),
        "status": pa.array(e.status, pa.string()),
        "status_value": pa.array([status_value[s] for s in e.status], pa.int64()),
        "review_status": pick(("None",), np.zeros(n, dtype=np.int64)),
        "sold_on": stamp(e.sold_us),
        "sold_by": pick(ids(700, (e.job * 13) % 9), index, ~sold),
        "subtotal": money(e.subtotal), "tax": money(np.zeros(n, dtype=np.int64)),
        "business_unit_id": pick(pa.array(unit, pa.string()), index, ~e.own_unit),
        "business_unit_name": pick(pa.array([unit_names[u] for u in unit], pa.string()), index,
                                   ~e.own_unit),
        "is_recommended": pa.array(index % 3 == 0), "is_change_order": pa.array(e.change_order),
        "active": pa.array(np.ones(n, dtype=bool)), "created_on": stamp(e.created_us),
        "modified_on": stamp(modified), "client_id": customer}))
