"""Expected values of the marketplace pack's metrics, computed in plain Python.

Written from the metric definitions (the descriptions in `packs/marketplace/metrics/*.yml` and
the customer's formulas), not from the SQL, so that the SQL engines can be checked against it.
Every function takes the generated tables as lists of row dicts (`collect(...)` builds them from
the generator's batches), the period's start (inclusive) and end (exclusive) dates and,
for retention-style metrics, the prior period's bounds (by default the same dates a year
earlier). It returns a `Decimal`, or `None` where the engine reports no value: a sum over no
rows (SQL's NULL), or nothing to divide by; a count over no rows is 0. Ratios are exact
decimals; compare them with the engines' floating-point results with a small relative
tolerance (1e-9 is plenty).

A metric that is "as of a day" (bills overdue) also takes `as_of`: the day its value is for,
the period's last day once it is over, today while it runs.

`ebitda` is manual and has no function here. `ORACLE` maps each metric name to its function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
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
    """A count: nothing counted is 0 (no new customers this quarter), never "no data"."""
    return Decimal(n)


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


def net_payouts(tables: Tables, start: date, end: date, prior_start: date | None = None,
                prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/net_payouts.yml: bills less vendor credits on 4200-4230, linked or not."""
    return _total(a for _, a in _payouts(tables, start, end))


def billings(tables: Tables, start: date, end: date, prior_start: date | None = None,
             prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/billings.yml: GMV plus discounts less credit memos."""
    billed = _billings_by_customer(tables, start, end)
    return _sum(billed.values()) if billed else None


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
    """Mirrors metrics/pipeline_coverage.yml: amount of the deals that were open when their
    quarter began (created by then and in an open stage then, closing inside the period), each
    at its amount then, over the period's quota."""
    pipeline = pipeline_entering(tables, start, end)
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


def _bills(tables: Tables) -> dict[str, Row]:
    """One row per bill however many lines it has: bill and due date, total, and whether
    Bill.com shows every line Paid."""
    out: dict[str, Row] = {}
    for r in tables.get("bill_lines", []):
        b = out.setdefault(r["bill_id"], {"bill_date": r["txn_date"], "due_date": r["due_date"],
                                          "total": ZERO, "paid": True})
        b["bill_date"] = min(b["bill_date"], r["txn_date"])
        b["due_date"] = min(b["due_date"], r["due_date"])
        b["total"] += r["amount"]
        b["paid"] = b["paid"] and r["bill_pay_status"] == "Paid"
    return out


def _overdue(tables: Tables, as_of: date) -> list[Decimal]:
    """What is still due on each bill past its due date and unpaid on `as_of`: its total less
    the payments dated by then; a bill shown Paid with no payment on record is left out."""
    paid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    recorded = set()
    for p in tables.get("bill_payments", []):
        recorded.add(p["bill_id"])
        if p["payment_date"] <= as_of:
            paid[p["bill_id"]] += p["amount"]
    return [b["total"] - paid[k] for k, b in _bills(tables).items()
            if b["bill_date"] <= as_of and b["due_date"] < as_of
            and paid[k] < b["total"] and not (b["paid"] and k not in recorded)]


def bills_overdue(tables: Tables, start: date, end: date, prior_start: date | None = None,
                  prior_end: date | None = None, *, as_of: date) -> Decimal | None:
    """Mirrors metrics/bills_overdue.yml: dollars still due on organiser bills past their due
    date and unpaid on the day the value is for (`as_of`)."""
    return _sum(_overdue(tables, as_of))


def bills_overdue_count(tables: Tables, start: date, end: date,
                        prior_start: date | None = None, prior_end: date | None = None, *,
                        as_of: date) -> Decimal | None:
    """Mirrors metrics/bills_overdue_count.yml: how many bills, each once."""
    return Decimal(len(_overdue(tables, as_of)))


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
    """Mirrors metrics/unlinked_payout_share.yml: net payouts whose bill no remittance links
    to a supplier, over all net payouts (a vendor credit follows its bill)."""
    linked = {r["bill_id"] for r in tables.get("remittance_lines", [])}
    lines = [(r["bill_id"] in linked, r["amount"]) for r in tables.get("bill_lines", [])
             if _within(r["txn_date"], start, end) and _account(r, *PAYOUT_ACCOUNTS)]
    lines += [(r["bill_id"] in linked, -r["amount"])
              for r in tables.get("vendor_credit_lines", [])
              if _within(r["txn_date"], start, end) and _account(r, *PAYOUT_ACCOUNTS)]
    return _ratio(_sum(a for ok, a in lines if not ok), _sum(a for _, a in lines))


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


# -- pipeline three ways and marketing ---------------------------------------------------------
MARKETING_TOUCHES = ("paid_ads", "event", "email", "webinar")


def _quarter_start(day: date) -> datetime:
    return datetime(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def deal_score(deal: Row, customers: set[str]) -> Decimal:
    """The documented deal score (docs/marketplace.md), written out step by step."""
    if deal["stage"] == "closedwon":
        return Decimal(1)
    if deal["stage"] == "closedlost":
        return Decimal(0)
    score = Decimal(deal["stage_probability"])
    if deal["company_id"] in customers:
        score *= Decimal("1.25")
    if deal["source_funnel"] == "outbound":
        score *= Decimal("0.8")
    elif deal["source_funnel"] == "referral":
        score *= Decimal("1.15")
    if (deal["close_date"] - deal["create_date"].date()).days > 180:
        score *= Decimal("0.5")
    return min(Decimal("0.95"), score)


def _versions(tables: Tables) -> dict[tuple[str, str], list[Row]]:
    """The deal property history by (deal, property), oldest first."""
    found: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for v in sorted(tables.get("deal_property_history", []),
                    key=lambda v: (v["changed_at"], v["id"])):
        found[(v["deal_id"], v["property"])].append(v)
    return found


def _then(versions: dict[tuple[str, str], list[Row]], deal: str, prop: str,
          moment: datetime) -> Row | None:
    """The last version of a deal's property set at or before `moment`."""
    before = [v for v in versions.get((deal, prop), []) if v["changed_at"] <= moment]
    return before[-1] if before else None


def _entering(tables: Tables, start: date, end: date) -> list[Row]:
    """Deals closing in [start, end) that were open when their close quarter began (created by
    its first instant, naive UTC as the tests' projects are, and in an open stage then), each
    as it stood then: its stage's probability and its amount then (`None`: no amount yet)."""
    versions = _versions(tables)
    found = []
    for d in tables.get("deals", []):
        if not _within(d["close_date"], start, end):
            continue
        moment = _quarter_start(d["close_date"])
        stage = _then(versions, d["id"], "dealstage", moment)
        if d["create_date"] > moment or stage is None or stage["value"] in ("closedwon",
                                                                               "closedlost"):
            continue
        amount = _then(versions, d["id"], "amount", moment)
        found.append({**d, "stage": stage["value"],
                      "stage_probability": stage["stage_probability"],
                      "amount": None if amount is None or amount["value"] is None
                      else Decimal(amount["value"])})
    return found


def pipeline_entering(tables: Tables, start: date, end: date, prior_start: date | None = None,
                      prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/pipeline_entering.yml."""
    return _total(d["amount"] or ZERO for d in _entering(tables, start, end))


def pipeline_entering_weighted(tables: Tables, start: date, end: date,
                               prior_start: date | None = None,
                               prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/pipeline_entering_weighted.yml."""
    return _total((d["amount"] or ZERO) * d["stage_probability"]
                  for d in _entering(tables, start, end))


def pipeline_entering_scored(tables: Tables, start: date, end: date,
                             prior_start: date | None = None,
                             prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/pipeline_entering_scored.yml: each deal's score from its stage then."""
    customers = {c["id"] for c in tables.get("customers", [])}
    return _total((d["amount"] or ZERO) * deal_score(d, customers)
                  for d in _entering(tables, start, end))


def quota(tables: Tables, start: date, end: date, prior_start: date | None = None,
          prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/quota.yml."""
    return _total(r["quota"] for r in tables.get("quotas", [])
                  if _within(r["period_start"], start, end))


def _over_quota(value: Decimal | None, tables: Tables, start: date,
                end: date) -> Decimal | None:
    q = quota(tables, start, end)
    return None if value is None or not q else value / q


def pipeline_coverage_weighted(tables: Tables, start: date, end: date,
                               prior_start: date | None = None,
                               prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/pipeline_coverage_weighted.yml."""
    return _over_quota(pipeline_entering_weighted(tables, start, end), tables, start, end)


def pipeline_coverage_scored(tables: Tables, start: date, end: date,
                             prior_start: date | None = None,
                             prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/pipeline_coverage_scored.yml."""
    return _over_quota(pipeline_entering_scored(tables, start, end), tables, start, end)


def marketing_influenced_pipeline(tables: Tables, start: date, end: date,
                                  prior_start: date | None = None,
                                  prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/marketing_influenced_pipeline.yml: half credit for a marketing first
    touch, half for a marketing last touch, on deals created in the period."""
    def credit(d: Row) -> Decimal:
        return (Decimal("0.5") * (d["first_touch"] in MARKETING_TOUCHES)
                + Decimal("0.5") * (d["last_touch"] in MARKETING_TOUCHES))
    return _total(d["amount"] * credit(d) for d in tables.get("deals", [])
                  if _within(d["create_date"], start, end))


# -- finance: factoring, reconciliation, runway, budget ------------------------------------------
def _latest(rows: list[Row], column: str, start: date, end: date) -> Row | None:
    inside = [r for r in rows if _within(r[column], start, end)]
    return max(inside, key=lambda r: r[column]) if inside else None


def _statement(tables: Tables, start: date, end: date, field: str) -> Decimal | None:
    row = _latest(tables.get("factoring_statements", []), "statement_date", start, end)
    if row is None:
        return None
    return row["facility_limit"] - row["balance"] if field == "capacity" else row[field]


def factoring_balance(tables: Tables, start: date, end: date, prior_start: date | None = None,
                      prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/factoring_balance.yml: the latest statement's balance."""
    return _statement(tables, start, end, "balance")


def factoring_reserves(tables: Tables, start: date, end: date, prior_start: date | None = None,
                       prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/factoring_reserves.yml."""
    return _statement(tables, start, end, "reserves")


def factoring_capacity(tables: Tables, start: date, end: date, prior_start: date | None = None,
                       prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/factoring_capacity.yml: limit less balance on the latest statement."""
    return _statement(tables, start, end, "capacity")


def factoring_fees(tables: Tables, start: date, end: date, prior_start: date | None = None,
                   prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/factoring_fees.yml: fees of the statements dated in the period."""
    return _total(r["fees"] for r in tables.get("factoring_statements", [])
                  if _within(r["statement_date"], start, end))


def invoice_mismatches(tables: Tables) -> list[tuple[date, Decimal]]:
    """(date, accounting - platform) of every invoice the books and the platform disagree on."""
    books: dict[str, list[Any]] = {}
    for r in tables.get("invoice_lines", []):
        entry = books.setdefault(r["invoice_id"], [r["txn_date"], ZERO])
        entry[0] = min(entry[0], r["txn_date"])
        entry[1] += r["amount"]
    platform = {r["id"]: r for r in tables.get("platform_invoices", [])}
    out = []
    for key in set(books) | set(platform):
        if key not in platform:
            out.append((books[key][0], books[key][1]))
        elif key not in books:
            out.append((platform[key]["invoice_date"], -platform[key]["total"]))
        elif books[key][1] != platform[key]["total"]:
            out.append((books[key][0], books[key][1] - platform[key]["total"]))
    return out


def bill_mismatches(tables: Tables) -> list[tuple[date, Decimal]]:
    """(date, accounting - platform) of every remittance that disagrees with the books."""
    books: dict[str, list[Any]] = {}
    for r in tables.get("bill_lines", []):
        entry = books.setdefault(r["bill_id"], [r["txn_date"], ZERO])
        entry[0] = min(entry[0], r["txn_date"])
        entry[1] += r["amount"]
    remitted: dict[str, list[Any]] = {}
    for r in tables.get("remittance_lines", []):
        entry = remitted.setdefault(r["bill_id"], [r["remitted_date"], ZERO])
        entry[0] = min(entry[0], r["remitted_date"])
        entry[1] += r["amount"]
    out = []
    for key, (day, amount) in remitted.items():
        if key not in books:
            out.append((day, -amount))
        elif books[key][1] != amount:
            out.append((books[key][0], books[key][1] - amount))
    return out


def invoice_count_variance(tables: Tables, start: date, end: date,
                           prior_start: date | None = None,
                           prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/invoice_count_variance.yml (a count: 0, not None, when all agree)."""
    return Decimal(sum(1 for day, _ in invoice_mismatches(tables) if start <= day < end))


def invoice_dollar_variance(tables: Tables, start: date, end: date,
                            prior_start: date | None = None,
                            prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/invoice_dollar_variance.yml: sum of absolute differences."""
    return _sum(abs(d) for day, d in invoice_mismatches(tables) if start <= day < end)


def bill_count_variance(tables: Tables, start: date, end: date,
                        prior_start: date | None = None,
                        prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/bill_count_variance.yml."""
    return Decimal(sum(1 for day, _ in bill_mismatches(tables) if start <= day < end))


def bill_dollar_variance(tables: Tables, start: date, end: date,
                         prior_start: date | None = None,
                         prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/bill_dollar_variance.yml."""
    return _sum(abs(d) for day, d in bill_mismatches(tables) if start <= day < end)


def _month_row(tables: Tables, start: date, end: date) -> Row | None:
    return _latest(tables.get("monthly_finance", []), "month", start, end)


def cash(tables: Tables, start: date, end: date, prior_start: date | None = None,
         prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/cash.yml: cash at the end of the period's last month entered."""
    row = _month_row(tables, start, end)
    return None if row is None else row["cash_balance"]


def working_capital(tables: Tables, start: date, end: date, prior_start: date | None = None,
                    prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/working_capital.yml."""
    row = _month_row(tables, start, end)
    return None if row is None else row["current_assets"] - row["current_liabilities"]


def _net_revenue_or_zero(tables: Tables, start: date, end: date) -> Decimal:
    value = net_revenue(tables, start, end)
    return ZERO if value is None else value


def operating_burn(tables: Tables, start: date, end: date, prior_start: date | None = None,
                   prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/operating_burn.yml: operating expenses less net revenue."""
    opex = _total(r["operating_expenses"] for r in tables.get("monthly_finance", [])
                  if _within(r["month"], start, end))
    return None if opex is None else opex - _net_revenue_or_zero(tables, start, end)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, day.day)


RUNWAY_CAP = Decimal(36)
"""Runway beyond three years, or no burn at all, counts as 36 months (its labels' number)."""


def runway_months(tables: Tables, start: date, end: date, prior_start: date | None = None,
                  prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/runway_months.yml: cash at the end (none below zero) over the average
    monthly burn of the three months to the period's end; not burning, or more than 36
    months, counts as 36 (shown in words)."""
    since = _months_before(end, 3)
    rows = [r for r in tables.get("monthly_finance", []) if _within(r["month"], since, end)]
    if not rows:
        return None
    burn = (_sum(r["operating_expenses"] for r in rows)
            - _net_revenue_or_zero(tables, since, end))
    if burn <= 0:
        return RUNWAY_CAP
    last = max(rows, key=lambda r: r["month"])
    return min(max(Decimal(last["cash_balance"]), ZERO) / (burn / len(rows)), RUNWAY_CAP)


def budget_attainment(tables: Tables, start: date, end: date, prior_start: date | None = None,
                      prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/budget_attainment.yml: net revenue over budgeted net revenue."""
    actual = net_revenue(tables, start, end)
    budget = _total(r["budget_net_revenue"] for r in tables.get("monthly_finance", [])
                    if _within(r["month"], start, end))
    return None if actual is None or not budget else actual / budget


def q4_share(tables: Tables, start: date, end: date, prior_start: date | None = None,
             prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/q4_share.yml: net revenue of the last three months over the year's."""
    last = net_revenue(tables, _months_before(end, 3), end)
    year = net_revenue(tables, start, end)
    return None if last is None or not year else last / year


def top_two_customer_share(tables: Tables, start: date, end: date,
                           prior_start: date | None = None,
                           prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/top_two_customer_share.yml."""
    billed = sorted(_billings_by_customer(tables, start, end).values(), reverse=True)
    if not billed:
        return None
    return _ratio(_sum(billed[:2]), _sum(billed))


# -- contracts ---------------------------------------------------------------------------------
def _gmv_by_customer(tables: Tables) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = defaultdict(list)
    for r in _gmv_rows(tables):
        out[r["customer_id"]].append(r)
    return out


def _running(tables: Tables, start: date, end: date) -> list[Row]:
    return [k for k in tables.get("contracts", [])
            if k["start_date"] < end and k["end_date"] >= start]


def _spent(lines: list[Row], contract: Row, before: date) -> Decimal:
    return _sum(r["amount"] for r in lines
                if contract["start_date"] <= r["txn_date"] <= contract["end_date"]
                and r["txn_date"] < before)


def _month(d: date) -> int:
    return d.year * 12 + d.month


def revenue_forecast(tables: Tables, start: date, end: date, prior_start: date | None = None,
                     prior_end: date | None = None, *, as_of: date) -> Decimal | None:
    """Mirrors metrics/revenue_forecast.yml: each running contract's unspent value spread
    evenly over the months it has left, one share per month of it inside the period. Unspent
    when the period began, or, for a period still to come, when this month began (`as_of` is
    today then); months left from that month to the contract's last, both included."""
    lines = _gmv_by_customer(tables)
    running = _running(tables, start, end)
    if not running:
        return None
    base = min(start, as_of.replace(day=1))
    total = ZERO
    for k in running:
        left = max(k["amount"] - _spent(lines[k["customer_id"]], k, base), ZERO)
        first = max(_month(k["start_date"]), _month(base))
        months_left = _month(k["end_date"]) - first + 1
        inside = [m for m in range(_month(start), _month(end - timedelta(days=1)) + 1)
                  if first <= m <= _month(k["end_date"])]
        total += left * len(inside) / months_left
    return total


def unspent_contracts(tables: Tables, start: date, end: date, prior_start: date | None = None,
                      prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/unspent_contracts.yml: committed but not spent by the period's end."""
    lines = _gmv_by_customer(tables)
    running = _running(tables, start, end)
    if not running:
        return None
    return _sum(max(k["amount"] - _spent(lines[k["customer_id"]], k, end), ZERO)
                for k in running)


def contract_spend_pct(tables: Tables, start: date, end: date, prior_start: date | None = None,
                       prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/contract_spend_pct.yml: GMV inside the running contracts' dates over
    their goal (value pro rata to the days of the contract in the period)."""
    lines = _gmv_by_customer(tables)
    goal = ZERO
    spent = ZERO
    for k in _running(tables, start, end):
        first = max(k["start_date"], start)
        stop = min(k["end_date"] + timedelta(days=1), end)
        days = (k["end_date"] + timedelta(days=1) - k["start_date"]).days
        goal += k["amount"] * (stop - first).days / days
        spent += _sum(r["amount"] for r in lines[k["customer_id"]] if first <= r["txn_date"] < stop)
    return _ratio(spent, goal)


# -- core action states and tenure ---------------------------------------------------------------
UNLINKED = "Unlinked (Not in Platform)"


def supplier_payouts(tables: Tables, start: date, end: date) -> dict[str, Decimal]:
    """Net payouts per supplier name in [start, end), linked through remittances (bill ->
    supplier); unlinked bills and their credits together under UNLINKED. A bill remitted in
    several parts goes once, to the supplier paid the most (the lowest id on a tie)."""
    names = {s["id"]: s["name"] for s in tables.get("suppliers", [])}
    remitted: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for r in tables.get("remittance_lines", []):
        if r["supplier_id"] is not None:
            remitted[r["bill_id"]][r["supplier_id"]] += r["amount"]
    link = {bill: min(paid, key=lambda s: (-paid[s], s)) for bill, paid in remitted.items()}

    def who(bill_id: str | None) -> str:
        supplier = link.get(bill_id) if bill_id is not None else None
        return UNLINKED if supplier is None else names.get(supplier, supplier)

    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for r in tables.get("bill_lines", []):
        if _within(r["txn_date"], start, end) and _account(r, *PAYOUT_ACCOUNTS):
            out[who(r["bill_id"])] += r["amount"]
    for r in tables.get("vendor_credit_lines", []):
        if _within(r["txn_date"], start, end) and _account(r, *PAYOUT_ACCOUNTS):
            out[who(r["bill_id"])] -= r["amount"]
    return dict(out)


def action_state(now: Decimal, before: Decimal) -> str:
    """The seed's rule: losing when down by more than half, lost when nothing now."""
    if now > 0 and before > 0:
        return "losing" if before - now > before / 2 else "active"
    if now > 0:
        return "active"
    if before > 0:
        return "lost"
    return "inactive"


def _states(now: dict[str, Decimal], before: dict[str, Decimal]) -> list[str]:
    return [action_state(now.get(k, ZERO), before.get(k, ZERO)) for k in set(now) | set(before)]


def _state_counter(side: str, state: str) -> Metric:
    def count(tables: Tables, start: date, end: date, prior_start: date | None = None,
              prior_end: date | None = None) -> Decimal | None:
        ps, pe = _prior(start, end, prior_start, prior_end)
        fn = _billings_by_customer if side == "customers" else supplier_payouts
        return Decimal(_states(fn(tables, start, end), fn(tables, ps, pe)).count(state))
    count.__doc__ = f"Mirrors metrics/{side}_{state}.yml."
    return count


customers_active = _state_counter("customers", "active")
customers_losing = _state_counter("customers", "losing")
customers_lost = _state_counter("customers", "lost")
suppliers_active = _state_counter("suppliers", "active")
suppliers_losing = _state_counter("suppliers", "losing")
suppliers_lost = _state_counter("suppliers", "lost")


def ltv_multiple(tables: Tables, start: date, end: date, prior_start: date | None = None,
                 prior_end: date | None = None) -> Decimal | None:
    """Mirrors metrics/ltv_multiple.yml: average lifetime billings (to the period's end) of
    customers billed in 3+ calendar years over the same customers' average billings in the
    first year they were billed (their year 1)."""
    first = min((r["txn_date"] for r in tables.get("invoice_lines", [])), default=end)
    years: dict[str, dict[int, Decimal]] = defaultdict(dict)
    for y in range(first.year, end.year + 1):
        for customer, billed in _billings_by_customer(
                tables, date(y, 1, 1), min(date(y + 1, 1, 1), end)).items():
            years[customer][y] = billed
    lifetime, year_one = [], []
    for by_year in years.values():
        billed_years = sorted(y for y, v in by_year.items() if v > 0)
        if len(billed_years) >= 3:
            lifetime.append(_sum(by_year.values()))
            year_one.append(by_year[billed_years[0]])
    if not lifetime:
        return None
    return _ratio(_sum(lifetime), _sum(year_one))


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
    "bills_overdue_count": bills_overdue_count,
    "npr": npr,
    "net_payouts": net_payouts,
    "billings": billings,
    "unlinked_payout_share": unlinked_payout_share,
    "new_suppliers": new_suppliers,
    "new_logos": new_logos,
    "ad_spend": ad_spend,
    "pipeline_entering": pipeline_entering,
    "pipeline_entering_weighted": pipeline_entering_weighted,
    "pipeline_entering_scored": pipeline_entering_scored,
    "quota": quota,
    "pipeline_coverage_weighted": pipeline_coverage_weighted,
    "pipeline_coverage_scored": pipeline_coverage_scored,
    "marketing_influenced_pipeline": marketing_influenced_pipeline,
    "factoring_balance": factoring_balance,
    "factoring_reserves": factoring_reserves,
    "factoring_capacity": factoring_capacity,
    "factoring_fees": factoring_fees,
    "invoice_count_variance": invoice_count_variance,
    "invoice_dollar_variance": invoice_dollar_variance,
    "bill_count_variance": bill_count_variance,
    "bill_dollar_variance": bill_dollar_variance,
    "cash": cash,
    "working_capital": working_capital,
    "operating_burn": operating_burn,
    "runway_months": runway_months,
    "budget_attainment": budget_attainment,
    "q4_share": q4_share,
    "top_two_customer_share": top_two_customer_share,
    "revenue_forecast": revenue_forecast,
    "unspent_contracts": unspent_contracts,
    "contract_spend_pct": contract_spend_pct,
    "customers_active": customers_active,
    "customers_losing": customers_losing,
    "customers_lost": customers_lost,
    "suppliers_active": suppliers_active,
    "suppliers_losing": suppliers_losing,
    "suppliers_lost": suppliers_lost,
    "ltv_multiple": ltv_multiple,
}
"""Every non-manual metric of the pack and the function that computes it."""
