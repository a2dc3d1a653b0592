"""A painting contractor small enough to work out by hand: ServiceTitan's raw tables as the
connector writes them (its own column lists), for tests/test_field_service_metrics.py.

The project is in Chicago. The clocks went forward at 02:00 on Sunday 9 March 2025: that day
began at 06:00 UTC (CST) and 10 March at 05:00 UTC (CDT), as did 11 March. Every timestamp
below is UTC as the ledger stores it; the comments say which local day it is.

Business units: 11 Phoenix-Sales, 12 Phoenix-Production, 13 "Z-DO NOT USE - West - Sales" and
14 "Z-DO NOT USE - West- Production" (retired, reported as Phoenix's), 15 Tucson-Sales,
16 Tucson-Production, 19 Handyman (not in the business-unit map). Job types: 101
ESTIMATE-RES-EXT and 102 Estimate (estimate), 103 Exterior Repaint and 104 Interior Repaint
(production), 105 Warranty and 106 Touchup (warranty), 107 PM Inspection (excluded), 108
Gutter Cleaning (not in the job-type list)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from northstar.sources.servicetitan import ServiceTitan

SCHEMAS = {t.key: t.schema for o in ServiceTitan.objects for t in o.tables}
"""Each raw table's payload columns, as the ServiceTitan connector writes them."""
SOURCE = "servicetitan"

UNITS = [("11", "Phoenix-Sales", True), ("12", "Phoenix-Production", True),
         ("13", "Z-DO NOT USE - West - Sales", False),
         ("14", "Z-DO NOT USE - West- Production", False), ("15", "Tucson-Sales", True),
         ("16", "Tucson-Production", True), ("19", "Handyman", True)]
JOB_TYPES = [("101", "ESTIMATE-RES-EXT"), ("102", "Estimate"), ("103", "Exterior Repaint"),
             ("104", "Interior Repaint"), ("105", "Warranty"), ("106", "Touchup"),
             ("107", "PM Inspection"), ("108", "Gutter Cleaning")]
CAMPAIGNS = [("201", "Google Ads", "Paid"), ("202", "Yard Signs", "Offline")]

# (id, unit, job type, status, created, first appointment's start, invoice, campaign, active)
JOBS = [
    # the estimate appointments (sales)
    ("J1", "11", "101", "Completed", "2025-03-10 14:00", "2025-03-12 15:00", None, "201", True),
    # 04:30 UTC on 10 March is 23:30 on the 9th: a lead of 9 March, for Phoenix-Sales
    ("J2", "13", "102", "Scheduled", "2025-03-10 04:30", "2025-03-15 15:00", None, "202", True),
    ("J3", "11", "101", "Canceled", "2025-03-10 20:00", None, None, "201", True),
    # 04:59 UTC on 11 March is 23:59 on the 10th
    ("J4", "15", "101", "Completed", "2025-03-11 04:59", "2025-03-11 16:00", None, "202", True),
    ("J5", "11", "107", "Completed", "2025-03-10 15:00", "2025-03-10 16:00", None, None, True),
    ("J7", "19", "101", "Scheduled", "2025-03-10 16:00", None, None, None, True),
    ("J8", "11", "108", "Scheduled", "2025-03-10 17:00", None, None, None, True),
    ("J9", "11", "102", "Completed", "2025-03-02 15:00", "2025-03-03 15:00", None, "201", True),
    ("J23", "11", "101", "Scheduled", "2025-03-10 18:00", None, None, "201", False),  # deleted
    # the work (production)
    ("J10", "12", "103", "Completed", "2025-02-20 16:00", "2025-03-10 13:00", "I10", None, True),
    # starts at 04:00 UTC on 10 March: 23:00 on the 9th
    ("J11", "14", "104", "Completed", "2025-03-01 16:00", "2025-03-10 04:00", "I11", None, True),
    # starts at 02:00 UTC on 11 March: 21:00 on the 10th
    ("J12", "16", "103", "InProgress", "2025-03-05 16:00", "2025-03-11 02:00", "I12", None, True),
    ("J13", "12", "105", "Completed", "2025-03-08 16:00", "2025-03-10 19:00", "I13", None, True),
    ("J14", "12", "106", "Completed", "2025-03-08 17:00", "2025-03-10 20:00", None, None, True),
    ("J15", "12", "103", "Canceled", "2025-03-01 16:00", "2025-03-10 15:00", None, None, True),
    ("J16", "12", "104", "Completed", "2025-03-10 15:00", "2025-03-20 14:00", "I16", None, True),
    ("J17", "16", "103", "Scheduled", "2025-02-25 16:00", "2025-04-02 15:00", "I17", None, True),
    ("J18", "12", "103", "Completed", "2025-03-12 16:00", "2025-03-25 15:00", "I18", None, True),
    ("J19", "12", "107", "Completed", "2025-03-05 16:00", "2025-03-10 16:00", "I19", None, True),
    ("J20", "12", "103", "Scheduled", "2025-03-12 16:00", None, "I20", None, True),  # no date yet
    ("J21", "99", "103", "Scheduled", "2025-03-10 16:00", None, None, None, True),  # unit unknown
]

# (id, job, status, created, sold on, subtotal, estimate's own unit, change order, active)
ESTIMATES = [
    ("E1", "J1", "Sold", "2025-03-10 16:00", "2025-03-10 17:00", "4000.00", "11", False, True),
    ("E2", "J1", "Open", "2025-03-10 16:05", None, "5500.00", "11", False, True),
    # sold at 04:00 UTC on 10 March: 23:00 on the 9th; no unit of its own (its job's: 13)
    ("E3", "J2", "Sold", "2025-03-09 20:00", "2025-03-10 04:00", "2500.00", None, False, True),
    ("E4", "J4", "Dismissed", "2025-03-11 02:00", None, "3000.00", "15", False, True),
    ("E5", "J1", "Sold", "2025-03-10 18:00", "2025-03-10 18:30", "800.00", "11", True, True),
    ("E6", "J10", "Sold", "2025-03-10 19:00", "2025-03-10 19:30", "1200.00", "12", False, True),
    ("E7", "J9", "Sold", "2025-03-03 16:00", "2025-03-10 18:00", "6000.00", "11", False, True),
    ("E8", "J1", "Sold", "2025-03-10 16:10", "2025-03-10 17:10", "999.00", "11", False, False),
]

# (id, job, invoice date, subtotal, tax, total, balance, the invoice's own unit, active)
INVOICES = [
    ("I10", "J10", "2025-03-10", "5000.00", "0.00", "5000.00", "0.00", "12", True),
    ("I11", "J11", "2025-03-09", "3000.00", "0.00", "3000.00", "1000.00", "14", True),
    ("I12", "J12", "2025-03-05", "2000.00", "160.00", "2160.00", "200.00", "16", True),
    ("I13", "J13", "2025-03-10", "0.00", "0.00", "0.00", "0.00", "12", True),
    ("I16", "J16", "2025-03-20", "4500.00", "0.00", "4500.00", "4500.00", "12", True),
    ("I17", "J17", "2025-02-25", "7000.00", "0.00", "7000.00", "6000.00", "16", True),
    # ServiceTitan says 3,000 open though no payment was applied: a mismatch for the check
    ("I18", "J18", "2025-03-25", "3500.00", "0.00", "3500.00", "3000.00", "12", True),
    ("I19", "J19", "2025-03-10", "150.00", "0.00", "150.00", "150.00", "12", True),
    ("I20", "J20", "2025-03-12", "2500.00", "0.00", "2500.00", "2500.00", "12", True),
    ("I30", None, "2025-03-10", "999.00", "0.00", "999.00", "999.00", "12", False),  # voided
    ("I31", None, "2025-03-10", "300.00", "0.00", "300.00", "300.00", "16", True),  # no job
]

# (id, invoice, total cost, active)
ITEMS = [("T1", "I10", "600.00", True), ("T2", "I10", "0.00", True),
         ("T3", "I10", "77.00", False), ("T4", "I11", "300.00", True),
         ("T5", "I12", "250.00", True), ("T6", "I13", "40.00", True),
         ("T7", "I16", "500.00", True), ("T8", "I18", "400.00", True),
         ("T9", "I19", "20.00", True), ("T10", "I20", "0.00", True)]

# (id, job, amount, amount adjustment, active)
GROSS_PAY = [("G1", "J10", "1400.00", "100.00", True), ("G2", "J11", "900.00", "0.00", True),
             ("G3", "J13", "160.00", "0.00", True), ("G4", "J14", "50.00", None, True),
             ("G5", "J16", "1500.00", "0.00", True), ("G6", "J18", "1000.00", "0.00", True),
             ("G7", "J10", "999.00", "0.00", False)]

# (id, paid on, total, the payment's own unit, active, [(application id, invoice, amount)])
PAYMENTS: list[tuple[str, str, str, str, bool, list[tuple[str, str, str]]]] = [
    ("P1", "2025-03-10 18:00", "5000.00", "12", True, [("A1", "I10", "5000.00")]),
    # 200 left unapplied: it counts in the payment's own unit, Phoenix-Sales
    ("P2", "2025-03-10 22:00", "3000.00", "11", True,
     [("A2", "I11", "2000.00"), ("A3", "I12", "800.00")]),
    # 03:00 UTC on 11 March is 22:00 on the 10th
    ("P3", "2025-03-11 03:00", "1000.00", "16", True, [("A4", "I17", "1000.00")]),
    ("P4", "2025-03-10 20:00", "700.00", "16", False, [("A5", "I12", "700.00")]),  # voided
    ("P5", "2025-03-09 17:00", "1160.00", "16", True, [("A6", "I12", "1160.00")]),
    # applied to an invoice Northstar never collected: its unit is the payment's own
    ("P6", "2025-03-10 19:00", "400.00", "15", True, [("A7", "I99", "400.00")]),
]


def _ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _table(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = SCHEMAS[name]
    return pa.table({f.name: pa.array([r.get(f.name) for r in rows], f.type) for f in schema},
                    schema=schema)


def tables() -> dict[str, pa.Table]:
    """Every raw table of the company, in the order a sync loads them."""
    changed = datetime(2025, 1, 1)
    out: dict[str, pa.Table] = {}
    out["st_business_units"] = _table("st_business_units", [
        {"id": i, "name": n, "official_name": f"Saguaro Painting {n}", "active": a,
         "created_on": changed, "modified_on": changed} for i, n, a in UNITS])
    out["st_job_types"] = _table("st_job_types", [
        {"id": i, "name": n, "class": "Painting", "active": True, "created_on": changed,
         "modified_on": changed} for i, n in JOB_TYPES])
    out["st_campaigns"] = _table("st_campaigns", [
        {"id": i, "name": n, "category": c, "active": True} for i, n, c in CAMPAIGNS])
    out["st_customers"] = _table("st_customers", [
        {"id": "C1", "name": "Alvarez residence", "type": "Residential", "active": True,
         "client_id": "C1"}])
    out["st_locations"] = _table("st_locations", [
        {"id": "L1", "customer_id": "C1", "name": "Home", "city": "Phoenix", "state": "AZ",
         "active": True, "client_id": "C1"}])
    out["st_jobs"] = _table("st_jobs", [
        {"id": j[0], "job_number": j[0][1:], "customer_id": "C1", "location_id": "L1",
         "job_status": j[3], "business_unit_id": j[1], "job_type_id": j[2], "campaign_id": j[7],
         "created_on": _ts(j[4]), "modified_on": _ts(j[4]),
         "first_appointment_id": f"A-{j[0]}" if j[5] else None,
         "appointment_count": 1 if j[5] else 0, "invoice_id": j[6], "active": j[8],
         "client_id": "C1"} for j in JOBS])
    out["st_appointments"] = _table("st_appointments", [
        {"id": f"A-{j[0]}", "job_id": j[0], "start": _ts(j[5]), "status": "Done",
         "active": True, "client_id": "C1"} for j in JOBS if j[5]])
    out["st_estimates"] = _table("st_estimates", [
        {"id": e[0], "job_id": e[1], "name": f"Estimate {e[0]}", "status": e[2],
         "created_on": _ts(e[3]), "sold_on": _ts(e[4]), "subtotal": _money(e[5]),
         "tax": Decimal(0), "business_unit_id": e[6], "is_change_order": e[7], "active": e[8],
         "client_id": "C1"} for e in ESTIMATES])
    out["st_invoices"] = _table("st_invoices", [
        {"id": i[0], "reference_number": i[0], "job_id": i[1],
         "invoice_date": date.fromisoformat(i[2]), "sub_total": _money(i[3]),
         "sales_tax": _money(i[4]), "total": _money(i[5]), "balance": _money(i[6]),
         "business_unit_id": i[7], "active": i[8], "customer_id": "C1", "client_id": "C1"}
        for i in INVOICES])
    out["st_invoice_items"] = _table("st_invoice_items", [
        {"id": t[0], "invoice_id": t[1], "total_cost": _money(t[2]), "active": t[3]}
        for t in ITEMS])
    out["st_payments"] = _table("st_payments", [
        {"id": p[0], "reference_number": p[0], "paid_on": _ts(p[1]), "total": _money(p[2]),
         "business_unit_id": p[3], "active": p[4], "customer_id": "C1", "client_id": "C1"}
        for p in PAYMENTS])
    out["st_payment_applications"] = _table("st_payment_applications", [
        {"id": a[0], "payment_id": p[0], "invoice_id": a[1], "amount": _money(a[2]),
         "applied_on": _ts(p[1]), "payment_active": p[4]} for p in PAYMENTS for a in p[5]])
    out["st_gross_pay_items"] = _table("st_gross_pay_items", [
        {"id": g[0], "job_id": g[1], "amount": _money(g[2]), "amount_adjustment": _money(g[3]),
         "active": g[4]} for g in GROSS_PAY])
    return out
