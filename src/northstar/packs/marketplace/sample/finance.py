"""Finance: the P&L by month and account, the factor's monthly statements, and the monthly
inputs from the books and the plan (cash, working capital, operating expenses, budget)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.sample_arrays import (
    Floats,
    Ints,
    batches,
    const,
    dates,
    money,
    month_label,
    stream,
)

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["FACTORING_LIMIT", "FACTORING_USE", "factoring", "factoring_balances", "monthly_finance",
           "monthly_sum", "months_of", "profit_and_loss"]

FACTORING_LIMIT = 1_000_000_00
"""The factoring facility's limit in cents ($1M)."""
FACTORING_USE = np.array([0.40, 0.45, 0.55, 0.62, 0.70, 0.78, 0.83, 0.76, 0.66, 0.56, 0.46, 0.40])


def months_of(co: Company) -> Ints:
    """Epoch days of every month start from the first year up to `end`'s month, and the
    start of the month after (length months + 1)."""
    starts = [int(m) for y in co.years for m in y.month_starts[:12] if m <= co.end_day]
    nxt = np.array([starts[-1]], dtype="datetime64[D]").astype("datetime64[M]") + 1
    return np.array([*starts, int(nxt.astype("datetime64[D]").astype(np.int64)[0])],
                    dtype=np.int64)


def monthly_sum(days: Ints, cents: Ints, months: Ints) -> Ints:
    index = np.searchsorted(months, days, side="right") - 1
    out: Ints = np.bincount(index, weights=cents, minlength=len(months) - 1).astype(np.int64)
    return out


def profit_and_loss(co: Company) -> Iterator[SampleTable]:
    """The P&L as the accounting system reports it: one row per month and account."""
    months = months_of(co)
    days = np.concatenate([b[0] for b in co.books])
    accounts = np.concatenate([b[1] for b in co.books])
    cents = np.concatenate([b[2] for b in co.books])
    codes = np.unique(accounts)
    month = np.searchsorted(months, days, side="right") - 1
    key = month * len(codes) + np.searchsorted(codes, accounts)
    sums = np.bincount(key, weights=cents, minlength=(len(months) - 1) * len(codes))
    used = np.bincount(key, minlength=len(sums)) > 0
    cell = np.flatnonzero(used)
    m, a = cell // len(codes), codes[cell % len(codes)]
    labels = [month_label(int(d)) for d in months[m]]
    yield from batches("profit_and_loss", "quickbooks", "id", pa.table({
        "id": pa.array([f"PL-{lab}-{acc}" for lab, acc in zip(labels, a, strict=True)],
                       pa.string()),
        "month": dates(months[m]),
        "account_number": pa.array([str(x) for x in a], pa.string()),
        "amount": money(np.rint(sums[cell]).astype(np.int64)),
        "department": const("finance", len(cell)),
    }))


def factoring_balances(co: Company) -> Ints:
    months = months_of(co)[:-1]
    rng = stream(co.seed, 53)
    month_of_year = months.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    use = FACTORING_USE[month_of_year] * rng.uniform(0.93, 1.07, len(months))
    out: Ints = np.rint(FACTORING_LIMIT * use / 100).astype(np.int64) * 100
    return out


def factoring(co: Company) -> Iterator[SampleTable]:
    """The factor's monthly statement (a manual input): balance advanced, reserves held,
    the $1M limit and the month's fees."""
    months = months_of(co)
    balance = factoring_balances(co)
    n = len(balance)
    statement = np.minimum(months[1:] - 1, co.end_day)
    yield from batches("factoring_statements", "manual", "id", pa.table({
        "id": pa.array([f"FAC-{month_label(int(d))}" for d in months[:-1]],
                       pa.string()),
        "statement_date": dates(statement),
        "balance": money(balance),
        "reserves": money(np.rint(balance * 0.12).astype(np.int64)),
        "facility_limit": money(np.full(n, FACTORING_LIMIT, dtype=np.int64)),
        "fees": money(np.rint(balance * 0.0125).astype(np.int64)),
        "department": const("finance", n),
    }))


def monthly_finance(co: Company) -> Iterator[SampleTable]:
    """Finance's monthly inputs from the books and the plan (manual): cash at month end,
    current assets and liabilities, operating expenses, and the budgeted net revenue."""
    rng = stream(co.seed, 54)
    months = months_of(co)
    n = len(months) - 1
    days = np.concatenate([b[0] for b in co.books])
    accounts = np.concatenate([b[1] for b in co.books])
    cents = np.concatenate([b[2] for b in co.books])
    payout = accounts >= 4200
    income = monthly_sum(days[~payout], cents[~payout], months)
    paid_out = monthly_sum(days[payout], cents[payout], months)
    net = income - paid_out
    year = np.searchsorted([y.first for y in co.years[1:]], months[:-1], side="right")
    full = months[1:] - 1 <= co.end_day
    opex = np.zeros(n)
    for yi in range(4):
        sel = (year == yi) & full
        base = net[sel].mean() if sel.any() else net[year == yi].mean() * 1.0
        opex[year == yi] = 1.06 * base
    opex *= rng.uniform(0.95, 1.05, n)
    budget = net * rng.uniform(0.97, 1.15, n)
    if not full[-1]:
        budget[-1] = budget[:-1][year[:-1] == year[-1]].mean() if (
            year[:-1] == year[-1]).any() else opex[-1]
        opex[-1] *= (co.end_day - months[-2] + 1) / (months[-1] - months[-2])
    balance = factoring_balances(co)
    cash = 12.0 * opex[0] + np.cumsum(net - opex)
    # receivables: the factored invoices (advanced at 85%) and half a month of billings
    assets = cash + balance / 0.85 + 0.5 * income
    liabilities = balance + 0.9 * paid_out + 0.3 * opex
    def cents_of(x: Floats) -> pa.Array:
        return money(np.rint(x).astype(np.int64))
    yield from batches("monthly_finance", "manual", "id", pa.table({
        "id": pa.array([f"FIN-{month_label(int(d))}" for d in months[:-1]],
                       pa.string()),
        "month": dates(months[:-1]),
        "cash_balance": cents_of(cash),
        "current_assets": cents_of(assets),
        "current_liabilities": cents_of(liabilities),
        "operating_expenses": cents_of(opex),
        "budget_net_revenue": cents_of(budget),
        "department": const("finance", n),
    }))
