"""The demand side in the books: invoice lines (GMV and discounts), credit memos and
payments."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.calibration import (
    ACCOUNT_MANAGERS,
    DISCOUNT_ACCOUNT,
    GMV_ACCOUNT_P,
    GMV_ACCOUNTS,
    INCOME_CODES,
    LINES_PER_INVOICE,
    MEAN_LINE,
    QUARTER_SHARE,
)
from northstar.packs.marketplace.sample.years import Year
from northstar.packs.sample_arrays import (
    Bools,
    Floats,
    Ints,
    batches,
    choice,
    const,
    dates,
    money,
    numbered,
    pick,
    stratified,
    stream,
)

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["credit_memos", "invoices", "payments", "quarter_plan"]


def invoices(co: Company, y: Year) -> Generator[SampleTable, None, Floats]:
    """Yields invoice lines, credit memo lines and payments; returns GMV cents per month."""
    rng = stream(co.seed, 10, y.index)
    c = co.customers
    n_cust = len(c.names)
    plan = c.revenue[:, y.index]
    buying = np.flatnonzero(plan > 0)
    if len(buying) == 0:
        empty: Floats = np.zeros(12)
        return empty
    per_customer = np.maximum(1, np.rint(plan[buying] / MEAN_LINE)).astype(np.int64)
    cust = np.repeat(buying, per_customer).astype(np.int64)
    lo, hi = c.lo[cust, y.index], c.hi[cust, y.index]
    day = y.sample(lo, hi, stratified(rng, cust, n_cust))
    order = np.lexsort((day, cust))
    cust, day = cust[order], day[order]
    n = len(cust)

    # group consecutive lines of one customer into invoices (2.2 lines each on average)
    starts = np.ones(n, dtype=bool)
    starts[1:] = cust[1:] != cust[:-1]
    lines_of = per_customer[np.searchsorted(buying, cust)]
    wanted = np.maximum(1, np.rint(lines_of / LINES_PER_INVOICE)).astype(np.int64)
    order = np.lexsort((rng.random(n), starts, cust))
    rank = np.empty(n, dtype=np.int64)
    group_start = np.flatnonzero(starts)
    rank[order] = np.arange(n) - np.repeat(group_start, np.diff(np.append(group_start, n)))
    brk = starts | (rank < wanted - 1)
    inv = np.cumsum(brk) - 1
    first = np.flatnonzero(brk)
    n_inv = len(first)
    inv_day, inv_cust = day[first], cust[first]
    day = inv_day[inv]
    line_no = np.arange(n) - first[inv] + 1
    lines_in_inv = np.bincount(inv, minlength=n_inv)

    # amounts: scaled so each customer's quarter gets exactly its planned share
    base = np.clip(rng.lognormal(np.log(2_600.0), 0.85, n), 650.0, 40_000.0)
    quarter = y.quarter_of(day)
    key = cust * 4 + quarter
    present = np.bincount(key, minlength=n_cust * 4).reshape(n_cust, 4) > 0
    target = quarter_plan(co, y, plan, present)
    base_sum = np.bincount(key, weights=base, minlength=n_cust * 4).reshape(n_cust, 4)
    factor = np.divide(target, base_sum, out=np.zeros_like(target), where=base_sum > 0)
    amount = np.rint(base * factor[cust, quarter] * 100).astype(np.int64)
    account = choice(rng, len(GMV_ACCOUNTS), n, GMV_ACCOUNT_P)
    inv_gmv: Floats = np.bincount(inv, weights=amount, minlength=n_inv).astype(np.float64)
    month = np.searchsorted(y.month_starts, day, side="right") - 1
    gmv_by_month: Floats = np.bincount(month, weights=amount, minlength=12).astype(np.float64)

    # discounts on some invoices (account 4190, negative)
    n_disc = round(0.15 * n_inv)
    disc_inv = np.sort(rng.choice(n_inv, n_disc, replace=False)).astype(np.int64)
    disc_amount = -np.rint(rng.uniform(0.05, 0.15, n_disc) * inv_gmv[disc_inv]).astype(np.int64)
    inv_total = np.rint(inv_gmv).astype(np.int64)
    inv_total[disc_inv] += disc_amount

    inv_no = co.numbers("inv", n_inv)
    terms = np.array([30, 15, 45, 60])[choice(rng, 4, n_inv, np.array([0.7, 0.1, 0.1, 0.1]))]
    inv_due = inv_day + terms

    all_inv = np.concatenate([inv, disc_inv])
    all_line = np.concatenate([line_no, lines_in_inv[disc_inv] + 1])
    all_account = np.concatenate([account, np.full(n_disc, len(GMV_ACCOUNTS))])
    all_amount = np.concatenate([amount, disc_amount])
    order = np.lexsort((all_line, all_inv))
    all_inv, all_line = all_inv[order], all_line[order]
    all_account, all_amount = all_account[order], all_amount[order]
    line_cust = inv_cust[all_inv]
    co.books.append((inv_day[all_inv], INCOME_CODES[all_account], all_amount))
    co.qbo_invoices.append((inv_no, inv_day, inv_total))
    co.gmv_lines.append((inv_no[inv], line_no, day, amount, y.index))
    customer_id = c.ids.take(pa.array(line_cust))
    yield from batches("invoice_lines", "quickbooks", "id", pa.table({
        "id": numbered("INV-", inv_no[all_inv], 7, all_line),
        "invoice_id": numbered("INV-", inv_no[all_inv], 7),
        "customer_id": customer_id,
        "txn_date": dates(inv_day[all_inv]),
        "due_date": dates(inv_due[all_inv]),
        "account_number": pick((*GMV_ACCOUNTS, DISCOUNT_ACCOUNT), all_account),
        "amount": money(all_amount),
        "department": const("demand", len(all_inv)),
        "owner_id": pick(ACCOUNT_MANAGERS, c.owner[line_cust]),
        "client_id": customer_id,
    }))
    del customer_id, all_inv, all_line, all_account, all_amount, order

    yield from credit_memos(co, rng, y, inv_day, inv_cust, inv_gmv)
    yield from payments(co, rng, inv_no, inv_day, inv_due, inv_cust, inv_total, terms)
    return gmv_by_month


def quarter_plan(co: Company, y: Year, plan: Floats, present: Bools) -> Floats:
    """Planned GMV per customer and quarter: each customer's year total exactly, and the
    year's quarter split as closely as the quarters each customer has lines in allow."""
    c = co.customers
    mass = y.mass(c.lo[:, y.index], c.hi[:, y.index])
    total = mass.sum(axis=1, keepdims=True)
    spread = plan[:, None] * np.divide(mass, total, out=np.zeros_like(mass), where=total > 0)
    if y.index < 3:
        quarters = np.asarray(QUARTER_SHARE[y.index]) * plan.sum()
    else:
        quarters = spread.sum(axis=0)
    target: Floats = spread * present
    for _ in range(50):  # iterative proportional fitting: quarters, then customers
        col = target.sum(axis=0)
        target *= np.divide(quarters, col, out=np.ones(4), where=col > 0)[None, :]
        row = target.sum(axis=1)
        target *= np.divide(plan, row, out=np.zeros_like(plan), where=row > 0)[:, None]
    return target


def credit_memos(co: Company, rng: np.random.Generator, y: Year, inv_day: Ints,
                 inv_cust: Ints, inv_gmv: Floats) -> Iterator[SampleTable]:
    n_inv = len(inv_day)
    k = round(0.05 * n_inv)
    chosen = np.sort(rng.choice(n_inv, k, replace=False)).astype(np.int64)
    memo_day = inv_day[chosen] + rng.integers(5, 61, k)
    keep = memo_day <= co.end_day
    chosen, memo_day = chosen[keep], memo_day[keep]
    k = len(chosen)
    if k == 0:
        return
    credited = rng.uniform(0.3, 0.9, k) * inv_gmv[chosen]
    two = rng.random(k) < 0.3
    memo = np.repeat(np.arange(k), np.where(two, 2, 1))
    line = np.ones(len(memo), dtype=np.int64)
    line[1:][memo[1:] == memo[:-1]] = 2
    share = np.where(two[memo], np.where(line == 1, 0.6, 0.4), 1.0)
    amount = np.rint(credited[memo] * share).astype(np.int64)
    memo_no = co.numbers("cm", k)
    cust = inv_cust[chosen][memo]
    memo_account = choice(rng, len(GMV_ACCOUNTS), len(memo), GMV_ACCOUNT_P)
    co.books.append((memo_day[memo], INCOME_CODES[memo_account], -amount))
    c = co.customers
    customer_id = c.ids.take(pa.array(cust))
    yield from batches("credit_memo_lines", "quickbooks", "id", pa.table({
        "id": numbered("CM-", memo_no[memo], 6, line),
        "credit_memo_id": numbered("CM-", memo_no[memo], 6),
        "customer_id": customer_id,
        "txn_date": dates(memo_day[memo]),
        "account_number": pick(GMV_ACCOUNTS, memo_account),
        "amount": money(amount),
        "department": const("demand", len(memo)),
        "owner_id": pick(ACCOUNT_MANAGERS, c.owner[cust]),
        "client_id": customer_id,
    }))


def payments(co: Company, rng: np.random.Generator, inv_no: Ints, inv_day: Ints,
             inv_due: Ints, inv_cust: Ints, inv_total: Ints, terms: Ints,
             ) -> Iterator[SampleTable]:
    n_inv = len(inv_no)
    # payment behaviour: within 7 days, by the due date, late, part-paid, unpaid
    shares = np.array([0.27, 0.38, 0.24, 0.03, 0.08])
    bounds = np.rint(np.cumsum(shares) * n_inv).astype(np.int64)
    kind = np.searchsorted(bounds, rng.permutation(n_inv), side="right").astype(np.int64)
    pay_day = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [inv_day + rng.integers(0, 8, n_inv),
         inv_day + 8 + np.floor(rng.random(n_inv) * (terms - 7)).astype(np.int64),
         inv_due + rng.integers(1, 76, n_inv),
         inv_day + rng.integers(10, 90, n_inv)],
        default=0,
    )
    paid = np.where(kind == 3, np.rint(rng.uniform(0.4, 0.8, n_inv) * inv_total),
                    inv_total).astype(np.int64)
    payer = np.flatnonzero(kind < 4)
    split = payer[(rng.random(len(payer)) < 0.08) & (kind[payer] < 3)]
    first_day = inv_day[split] + np.floor(
        rng.random(len(split)) * (pay_day[split] - inv_day[split] + 1)).astype(np.int64)
    first_amount = paid[split] // 2
    p_inv = np.concatenate([payer, split])
    p_day = np.concatenate([pay_day[payer], first_day])
    p_amount = np.concatenate([paid[payer], first_amount])
    p_amount[: len(payer)][np.isin(payer, split)] -= first_amount
    keep = p_day <= co.end_day
    p_inv, p_day, p_amount = p_inv[keep], p_day[keep], p_amount[keep]
    order = np.lexsort((p_day, p_inv))
    p_inv, p_day, p_amount = p_inv[order], p_day[order], p_amount[order]
    n = len(p_inv)
    if n == 0:
        return
    customer_id = co.customers.ids.take(pa.array(inv_cust[p_inv]))
    yield from batches("payments", "quickbooks", "id", pa.table({
        "id": numbered("PMT-", co.numbers("pmt", n), 7),
        "invoice_id": numbered("INV-", inv_no[p_inv], 7),
        "customer_id": customer_id,
        "payment_date": dates(p_day),
        "amount": money(p_amount),
        "department": const("finance", n),
        "client_id": customer_id,
    }))
