"""Expected values of the marketplace pack's metrics, computed in plain Python.

Written from the metric definitions (the descriptions in `packs/marketplace/metrics/*.yml` and
the customer's formulas), not from the SQL, so that the SQL engines can be checked against it.
Every function takes the generated tables as lists of row dicts (`collect(...)` builds them from
the generator's batches), the period's start (inclusive) and end (exclusive) dates and,
for retention-style metrics, the prior period's bounds (by default the same dates a year
earlier). It returns a `Decimal`, or `None` where the engine reports no value: a sum or count
over no rows (SQL's NULL), or nothing to divide by. Ratios are exact decimals; compare them with
the engines' floating-point results with a small relative tolerance (1e-9 is plenty).

`ebitda` is manual and has no function here. `ORACLE` maps each metric name to its function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from northstar.packs import SampleTable

Row = dict[str, Any]
Tables = dict[str, list[Row]]
Metric = Callable[[Tables, date, date, date | None, date | None], Decimal | None]

ZERO = Decimal(0)
GMV_ACCOUNTS = (4110, 4169)
DISCOUNT_ACCOUNT = 4190
PAYOUT_ACCOUNTS = (4200, 4230)


def collect(batches: Iterable[SampleTable]) -> Tables:
    """All batches of each table, as one list of row dicts per table name."""
    out: Tables = defaultdict(list)
    for batch in batches:
        out[batch.name].extend(batch.data.to_pylist())
    return dict(out)


# -- helpers ------------------------------------------------------------------------------------
def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _within(value: date | datetime | None, start: date, end: date) -> bool:
    """start <= value < end; a timestamp counts from its own instant (naive UTC)."""
    if value is None:
        return False
    if isinstance(value, datetime):
        return datetime(start.year, start.month, start.day) <= value < datetime(
            end.year, end.month, end.day)
    return start <= value < end


def _account(row: Row, lo: int, hi: int) -> bool:
    return lo <= int(row["account_number"]) <= hi


def _prior(start: date, end: date, prior_start: date | None,
           prior_end: date | None) -> tuple[date, date]:
    ps = prior_start if prior_start is not None else start.replace(year=start.year - 1)
    pe = prior_end if prior_end is not None else end.replace(year=end.year - 1)
    return ps, pe


def _ratio(num: Decimal, den: Decimal) -> Decimal | None:
    return None if den == 0 else num / den


def _sum(values: Iterable[Decimal]) -> Decimal:
    return sum(values, ZERO)


def _total(values: Iterable[Decimal]) -> Decimal | None:
    """SQL's sum(): None over no rows at all."""
    found = list(values)
    return sum(found, ZERO) if found else None


def _count(n: int) -> Decimal | None:
    """A count measure: the engine reports no value for a period without rows."""
    return Decimal(n) if n else None


def _gmv_rows(tables: Tables) -> list[Row]:
    return [r for r in tables.get("invoice_lines", []) if _account(r, *GMV_ACCOUNTS)]


def _billings_by_customer(tables: Tables, start: date, end: date) -> dict[str, Decimal]:
    """GMV plus discounts less credit memos, per customer, dated in [start, end)."""
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in tables.get("invoice_lines", []):
        if _within(r["txn_date"], start, end) and (
                _account(r, *GMV_ACCOUNTS) or int(r["account_number"]) == DISCOUNT_ACCOUNT):
            out[r["customer_id"]] += r["amount"]
    for r in tables.get("credit_memo_lines", []):
        if _within(r["txn_date"], start, end) and _account(r, *GMV_ACCOUNTS):
            out[r["customer_id"]] -= r["amount"]
    return dict(out)


def _buyers(tables: Tables, start: date, end: date) -> set[str]:
    """Customers with at least one GMV invoice line dated in [start, end)."""
    return {r["customer_id"] for r in _gmv_rows(tables) if _within(r["txn_date"], start, end)}


def _payouts(tables: Tables, start: date, end: date) -> list[tuple[str | None, Decimal]]:
    """(supplier_id, amount) of payout lines: bills positive, vendor credits negative."""
    out = [(r["supplier_id"], r["amount"]) for r in tables.get("bill_lines", [])
           if _within(r["txn_date"], start, end) and _account(r, *PAYOUT_ACCOUNTS)]
    out += [(r["supplier_id"], -r["amount"]) for r in tables.get("vendor_credit_lines", [])
            if _within(r["txn_date"], start, end) and _account(r, *PAYOUT_ACCOUNTS)]
    return out


def _quota(tables: Tables, start: date, end: date) -> Decimal:
    return _sum(r["quota"] for r in tables.get("quotas", [])
                if _within(r["period_start"], start, end))


def _invoices(tables: Tables) -> list[Row]:
    """One row per invoice: txn_date, due_date, total (all lines), paid, paid_date."""
    inv: dict[str, Row] = {}
    for r in tables.get("invoice_lines", []):
        row = inv.setdefault(r["invoice_id"], {"txn_date": r["txn_date"],
                                               "due_date": r["due_date"], "total": ZERO,
                                               "paid": ZERO, "paid_date": None})
        row["total"] += r["amount"]
    for p in tables.get("payments", []):
        row = inv[p["invoice_id"]]
        row["paid"] += p["amount"]
        if row["paid_date"] is None or p["payment_date"] > row["paid_date"]:
            row["paid_date"] = p["payment_date"]
    return list(inv.values())


# -- metrics ------------------------------------------------------------------------------------
def net_revenue(tables: Tables, start: date, end: date, prior_start: date | None = None,
                prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/net_revenue.yml: GMV + discounts - credit memos - payouts + vendor
    credits, by transaction date."""
    billed = _billings_by_customer(tables, start, end)
    paid_out = _payouts(tables, start, end)
    if not billed and not paid_out:
        return None
    return _sum(billed.values()) - _sum(a for _, a in paid_out)


def gmv(tables: Tables, start: date, end: date, prior_start: date | None = None,
        prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/gmv.yml: invoice lines on accounts 4110-4169 by transaction date."""
    return _total(r["amount"] for r in _gmv_rows(tables) if _within(r["txn_date"], start, end))


def take_rate(tables: Tables, start: date, end: date, prior_start: date | None = None,
              prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/take_rate.yml: net revenue / GMV."""
    nr, g = net_revenue(tables, start, end), gmv(tables, start, end)
    return None if nr is None or not g else nr / g


def nrr(tables: Tables, start: date, end: date, prior_start: date | None = None,
        prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/nrr.yml: customers who bought (had GMV) in the prior period; their
    billings (GMV + discounts - credit memos) now over their billings then."""
    ps, pe = _prior(start, end, prior_start, prior_end)
    cohort = _buyers(tables, ps, pe)
    before = _billings_by_customer(tables, ps, pe)
    now = _billings_by_customer(tables, start, end)
    return _ratio(_sum(now.get(c, ZERO) for c in cohort), _sum(before[c] for c in cohort))


def logo_retention(tables: Tables, start: date, end: date, prior_start: date | None = None,
                   prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/logo_retention.yml: share of the prior period's buying customers who
    buy again in this period."""
    ps, pe = _prior(start, end, prior_start, prior_end)
    before = _buyers(tables, ps, pe)
    now = _buyers(tables, start, end)
    return _ratio(Decimal(len(before & now)), Decimal(len(before)))


def top_customer_share(tables: Tables, start: date, end: date, prior_start: date | None = None,
                       prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/top_customer_share.yml: the largest customer's billings (GMV + discounts
    - credit memos) over all customers' billings."""
    by_customer = _billings_by_customer(tables, start, end)
    if not by_customer:
        return None
    return _ratio(max(by_customer.values()), _sum(by_customer.values()))


def pipeline_coverage(tables: Tables, start: date, end: date, prior_start: date | None = None,
                      prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/pipeline_coverage.yml: amount of the deals that were open when the
    period began (created before it, closing inside it) over the period's quota."""
    pipeline = _total(d["amount"] for d in tables.get("deals", [])
                      if _within(d["close_date"], start, end)
                      and d["create_date"] < datetime(start.year, start.month, start.day))
    return None if pipeline is None else _ratio(pipeline, _quota(tables, start, end))


def weighted_forecast(tables: Tables, start: date, end: date, prior_start: date | None = None,
                      prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/weighted_forecast.yml: deals closing in the period, each at its stage's
    probability (won 1, lost 0), over the period's quota."""
    forecast = _total(d["amount"] * d["stage_probability"] for d in tables.get("deals", [])
                      if _within(d["close_date"], start, end))
    return None if forecast is None else _ratio(forecast, _quota(tables, start, end))


def win_rate(tables: Tables, start: date, end: date, prior_start: date | None = None,
             prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/win_rate.yml: deals won over deals won or lost, by close date."""
    closed = [d["stage"] for d in tables.get("deals", [])
              if _within(d["close_date"], start, end) and d["stage"] in ("closedwon",
                                                                           "closedlost")]
    return _ratio(Decimal(closed.count("closedwon")), Decimal(len(closed)))


def collection_rate(tables: Tables, start: date, end: date, prior_start: date | None = None,
                    prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/collection_rate.yml: for invoices due in the period, paid so far over
    invoiced (invoice totals include discounts)."""
    due = [i for i in _invoices(tables) if _within(i["due_date"], start, end)]
    return _ratio(_sum(i["paid"] for i in due), _sum(i["total"] for i in due))


def paid_within_7_days(tables: Tables, start: date, end: date, prior_start: date | None = None,
                       prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/paid_within_7_days.yml: invoices issued in the period that were paid in
    full no more than 7 days after their invoice date, over all invoices issued."""
    issued = [i for i in _invoices(tables) if _within(i["txn_date"], start, end)]
    fast = [i for i in issued if i["paid_date"] is not None and i["paid"] >= i["total"]
            and (i["paid_date"] - i["txn_date"]).days <= 7]
    return _ratio(Decimal(len(fast)), Decimal(len(issued)))


def bills_overdue(tables: Tables, start: date, end: date, prior_start: date | None = None,
                  prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/bills_overdue.yml: bill dollars due in the period whose Bill.com status
    is anything but Paid, over all bill dollars due in the period."""
    due = [r for r in tables.get("bill_lines", []) if _within(r["due_date"], start, end)]
    return _ratio(_sum(r["amount"] for r in due if r["bill_pay_status"] != "Paid"),
                  _sum(r["amount"] for r in due))


def npr(tables: Tables, start: date, end: date, prior_start: date | None = None,
        prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/npr.yml: net payouts (bills - vendor credits, linked or not) in the
    period over net payouts in the prior period."""
    ps, pe = _prior(start, end, prior_start, prior_end)
    now = _total(a for _, a in _payouts(tables, start, end))
    return None if now is None else _ratio(now, _sum(a for _, a in _payouts(tables, ps, pe)))


def unlinked_payout_share(tables: Tables, start: date, end: date,
                          prior_start: date | None = None,
                          prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/unlinked_payout_share.yml: net payouts with no supplier over all net
    payouts."""
    lines = _payouts(tables, start, end)
    return _ratio(_sum(a for s, a in lines if s is None), _sum(a for _, a in lines))


def new_suppliers(tables: Tables, start: date, end: date, prior_start: date | None = None,
                  prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/new_suppliers.yml: suppliers first listed in the period."""
    return _count(sum(1 for r in tables.get("suppliers", [])
                      if _within(r["first_listed_date"], start, end)))


def new_logos(tables: Tables, start: date, end: date, prior_start: date | None = None,
              prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/new_logos.yml: customer companies created (won) in the period."""
    return _count(sum(1 for r in tables.get("customers", [])
                      if _within(r["created_date"], start, end)))


def ad_spend(tables: Tables, start: date, end: date, prior_start: date | None = None,
             prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/ad_spend.yml: ad spend by spend date."""
    return _total(r["spend"] for r in tables.get("ad_spend", [])
                  if _within(r["spend_date"], start, end))


ORACLE: dict[str, Metric] = {
    "net_revenue": net_revenue,
    "gmv": gmv,
    "take_rate": take_rate,
    "nrr": nrr,
    "logo_retention": logo_retention,
    "top_customer_share": top_customer_share,
    "pipeline_coverage": pipeline_coverage,
    "weighted_forecast": weighted_forecast,
    "win_rate": win_rate,
    "collection_rate": collection_rate,
    "paid_within_7_days": paid_within_7_days,
    "bills_overdue": bills_overdue,
    "npr": npr,
    "unlinked_payout_share": unlinked_payout_share,
    "new_suppliers": new_suppliers,
    "new_logos": new_logos,
    "ad_spend": ad_spend,
}
"""Every non-manual metric of the pack and the function that computes it."""
