"""The report exports that come with the sample company, as ServiceTitan would export them for
the last month closed before `end`: a daily "Business Unit Performance" report (CSV: a row per
business unit and day) and a monthly "Business Unit Summary" (Excel: a row per unit, the month
in its heading, balances at the month's end). Units appear under ServiceTitan's own names.

The figures are worked out here from the generator's own plan (the work, the invoices and the
payments as they were drawn), never from the ledger or the pack's SQL: `northstar reconcile`
holds the metrics to them."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, timedelta

import numpy as np

from northstar.packs.field_service.sample.billing import Billing
from northstar.packs.field_service.sample.calendar import Calendar
from northstar.packs.field_service.sample.reference import UNITS
from northstar.packs.field_service.sample.work import KIND_LEAD, KIND_PRODUCTION, NONE, Work
from northstar.packs.sample_arrays import DAY_US, EPOCH, epoch_day

__all__ = ["DAILY", "MONTHLY", "report_files"]

DAILY = "reports/business-unit-performance-{month}.csv"
MONTHLY = "reports/business-unit-summary-{month}.xlsx"
_NAMES = {u[0]: u[1] for u in UNITS}
Figures = dict[tuple[str, int], dict[str, int]]
COUNTS = ("Leads", "Estimates")
"""Columns that count; the others are money, kept in cents here."""


def _last_month(cal: Calendar) -> tuple[date, date]:
    first = cal.end.replace(day=1)
    last = first - timedelta(days=1)
    return last.replace(day=1), first


def _add(out: Figures, units: np.ndarray, days: np.ndarray, values: np.ndarray, column: str,
         lo: int, hi: int) -> None:
    for u, d, v in zip(units, days, values, strict=True):
        if lo <= d < hi:
            out[(str(u), int(d))][column] = out[(str(u), int(d))].get(column, 0) + int(v)


def daily_figures(cal: Calendar, work: Work, b: Billing, lo: int, hi: int) -> Figures:
    j, e = work.jobs, work.estimates
    out: Figures = defaultdict(dict)
    leads = j.kind == KIND_LEAD
    _add(out, j.unit[leads], cal.local_day(j.created_us[leads]),
         np.ones(int(leads.sum()), dtype=np.int64), "Leads", lo, hi)
    counted = ~e.change_order
    _add(out, j.unit[e.job[counted]], cal.local_day(e.created_us[counted]),
         np.ones(int(counted.sum()), dtype=np.int64), "Estimates", lo, hi)
    sold = counted & (e.sold_us != NONE)
    _add(out, j.unit[e.job[sold]], cal.local_day(e.sold_us[sold]), e.subtotal[sold],
         "Total Booked", lo, hi)
    work_done = (j.kind == KIND_PRODUCTION) & (j.status != "Canceled") & (j.start_us != NONE)
    _add(out, j.unit[work_done], cal.local_day(j.start_us[work_done]), j.revenue[work_done],
         "$ Produced", lo, hi)
    _add(out, j.unit[b.pay_job[b.pay_active]], cal.local_day(b.pay_us[b.pay_active]),
         b.pay_total[b.pay_active], "$ Collected", lo, hi)
    return out


def balances(cal: Calendar, work: Work, b: Billing, end_day: int) -> dict[str, dict[str, int]]:
    """Outstanding A/R and future bookings of every unit at the end of the day before
    `end_day`."""
    j = work.jobs
    end_us = int(cal.utc(np.int64(end_day * DAY_US)))
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"Outstanding A/R": 0,
                                                          "Future Bookings": 0})
    billed = b.inv_active & (b.inv_date != NONE) & (b.inv_date < end_day)
    for unit, total in zip(j.unit[b.inv_job[billed]], b.inv_total[billed], strict=True):
        out[str(unit)]["Outstanding A/R"] += int(total)
    live = b.pay_active[b.app_payment] & (b.pay_us[b.app_payment] < end_us) & b.inv_active[
        b.app_invoice]
    for unit, amount in zip(j.unit[b.inv_job[b.app_invoice[live]]], b.app_amount[live],
                            strict=True):
        out[str(unit)]["Outstanding A/R"] -= int(amount)
    booked = ((j.kind == KIND_PRODUCTION) & (j.status != "Canceled") & (j.created_us < end_us)
              & ((j.start_us == NONE) | (np.maximum(j.start_us, j.created_us) >= end_us)))
    for unit, revenue in zip(j.unit[booked], j.revenue[booked], strict=True):
        out[str(unit)]["Future Bookings"] += int(revenue)
    return out


def _money(cents: int) -> str:
    text = f"${abs(cents) / 100:,.2f}"
    return f"({text})" if cents < 0 else text


def report_files(rows: int = 120_000, seed: int = 7, end: date | None = None,
                 ) -> dict[str, bytes]:
    from northstar.packs.field_service.sample.company import Company

    company = Company(rows, seed, end or date.today())
    cal, work, b = company.calendar, company.work, company.billing
    first, after = _last_month(cal)
    lo, hi = epoch_day(first), epoch_day(after)
    month = f"{first:%Y-%m}"
    range_text = f"Date Range: {first:%m/%d/%Y} - {after - timedelta(days=1):%m/%d/%Y}"
    figures = daily_figures(cal, work, b, lo, hi)
    columns = ["Leads", "Estimates", "Total Booked", "$ Produced", "$ Collected"]
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\r\n")
    w.writerow(["Business Unit Performance"])
    w.writerow([range_text])
    w.writerow(["Business Unit", "Date", *columns])
    totals = dict.fromkeys(columns, 0)
    for unit, day in sorted(figures, key=lambda k: (_NAMES[k[0]], k[1])):
        row = figures[(unit, day)]
        w.writerow([_NAMES[unit], f"{EPOCH + timedelta(days=day):%m/%d/%Y}",
                    *[row.get(c, 0) if c in COUNTS else _money(row.get(c, 0))
                      for c in columns]])
        for c in columns:
            totals[c] += row.get(c, 0)
    w.writerow(["Total", "", *[totals[c] if c in COUNTS else _money(totals[c])
                               for c in columns]])
    monthly = _summary(cal, work, b, lo, hi, range_text)
    return {DAILY.format(month=month): text.getvalue().encode("utf-8"),
            MONTHLY.format(month=month): monthly}


def _summary(cal: Calendar, work: Work, b: Billing, lo: int, hi: int, range_text: str) -> bytes:
    import openpyxl

    flows: dict[str, dict[str, int]] = defaultdict(dict)
    for (unit, _), row in daily_figures(cal, work, b, lo, hi).items():
        for column, v in row.items():
            flows[unit][column] = flows[unit].get(column, 0) + v
    ends = balances(cal, work, b, hi)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Business Unit Summary"
    sheet.append(["Business Unit Summary"])
    sheet.append([range_text])
    columns = ["Leads", "Total Booked", "$ Produced", "$ Collected", "Future Bookings",
               "Outstanding A/R"]
    sheet.append(["Business Unit", *columns])
    for unit in sorted(set(flows) | set(ends), key=lambda u: _NAMES[u]):
        values = {**flows.get(unit, {}), **ends.get(unit, {})}
        if not any(values.values()):
            continue
        sheet.append([_NAMES[unit], *[values.get(c, 0) if c in COUNTS
                                      else values.get(c, 0) / 100 for c in columns]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
