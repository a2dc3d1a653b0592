"""The supply side in the books: organiser bills (each month's payouts a share of its GMV), the
payments of the paid ones, and vendor credits against a few bill lines."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.calibration import (
    BILL_STATUSES,
    MEAN_BILL_LINE,
    PAYOUT_ACCOUNT_P,
    PAYOUT_ACCOUNTS,
    PAYOUT_CODES,
    PAYOUT_RATIO,
    UNLINKED,
)
from northstar.packs.marketplace.sample.suppliers import pick_suppliers
from northstar.packs.marketplace.sample.years import Year
from northstar.packs.sample_arrays import (
    Floats,
    batches,
    choice,
    const,
    dates,
    money,
    numbered,
    pick,
    stream,
)

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["bills"]


def bills(co: Company, y: Year, gmv_by_month: Floats) -> Iterator[SampleTable]:
    """Organiser bills: each month's payouts are a fixed share of that month's GMV."""
    rng = stream(co.seed, 20, y.index)
    payout = gmv_by_month * PAYOUT_RATIO[y.index]
    n_lines_m = np.where(payout > 0, np.maximum(1, np.rint(payout / (MEAN_BILL_LINE * 100))),
                         0).astype(np.int64)
    n_bills_m = np.where(n_lines_m > 0, np.maximum(1, np.rint(n_lines_m / 1.5)), 0)
    bill_m = np.repeat(np.arange(12), n_bills_m.astype(np.int64)).astype(np.int64)
    nb = len(bill_m)
    if nb == 0:
        return
    ms = y.month_starts
    lo = ms[bill_m]
    hi = np.minimum(ms[bill_m + 1] - 1, y.last)
    bill_day = y.sample(lo, hi, rng.random(nb))
    bill_day = np.where(lo <= hi, bill_day, lo)

    s = co.suppliers
    supplier, listed = pick_suppliers(co, rng, bill_day, y.index)
    unlinked = (rng.random(nb) < UNLINKED[y.index]) | ~listed

    lines_per_bill = 1 + choice(rng, 3, nb, np.array([0.6, 0.3, 0.1]))
    bill = np.repeat(np.arange(nb), lines_per_bill).astype(np.int64)
    n = len(bill)
    line = np.arange(n) - np.repeat(np.cumsum(lines_per_bill) - lines_per_bill,
                                    lines_per_bill) + 1
    base = np.clip(rng.lognormal(np.log(2_200.0), 0.9, n), 200.0, 40_000.0)
    line_m = bill_m[bill]
    factor = payout / np.maximum(np.bincount(line_m, weights=base, minlength=12), 1e-9)
    amount = np.rint(base * factor[line_m]).astype(np.int64)
    account = choice(rng, len(PAYOUT_ACCOUNTS), n, PAYOUT_ACCOUNT_P)

    terms = np.where(rng.random(nb) < 0.8, 30, 15)
    due = bill_day + terms
    age = co.end_day - bill_day
    u = rng.random(nb)
    paid = np.where(due > co.end_day, u < 0.35, np.where(age <= 75, u < 0.85, u < 0.985))
    open_status = np.where(
        due > co.end_day,
        1 + choice(rng, 4, nb, np.array([0.5, 0.35, 0.1, 0.05])),
        np.where(age <= 75, 1 + choice(rng, 4, nb, np.array([0.35, 0.35, 0.2, 0.1])),
                 1 + choice(rng, 4, nb, np.array([0.05, 0.15, 0.45, 0.35]))),
    )
    status = np.where(paid, 0, open_status).astype(np.int64)

    bill_no = co.numbers("bill", nb)
    co.books.append((bill_day[bill], PAYOUT_CODES[account], amount))
    co.qbo_bills.append((bill_no, bill_day, np.bincount(bill, weights=amount, minlength=nb)
                           .astype(np.int64), supplier, unlinked))
    co.bill_terms.append((due, status))
    supplier_id = s.ids.take(pa.array(supplier[bill], mask=unlinked[bill]))
    yield from batches("bill_lines", "quickbooks", "id", pa.table({
        "id": numbered("BILL-", bill_no[bill], 7, line),
        "bill_id": numbered("BILL-", bill_no[bill], 7),
        "doc_number": numbered("BILL-", bill_no[bill], 7),  # the Bill # remittances carry
        "supplier_id": supplier_id,
        "txn_date": dates(bill_day[bill]),
        "due_date": dates(due[bill]),
        "account_number": pick(PAYOUT_ACCOUNTS, account),
        "amount": money(amount),
        "bill_pay_status": pick(BILL_STATUSES, status[bill]),
        "department": const("supply", n),
        "client_id": supplier_id,
    }))
    del supplier_id

    # each paid bill's payment: mostly by its due date, a quarter of them late
    pay_rng = stream(co.seed, 21, y.index)
    late = pay_rng.random(nb) < 0.25
    pay_day = np.where(late, due + pay_rng.integers(1, 46, nb), due - pay_rng.integers(0, 11, nb))
    pay_day = np.minimum(np.maximum(pay_day, bill_day), co.end_day)
    settled = np.flatnonzero(paid)
    if len(settled):
        vendor = s.ids.take(pa.array(supplier[settled], mask=unlinked[settled]))
        yield from batches("bill_payments", "quickbooks", "id", pa.table({
            "id": numbered("BPAY-", bill_no[settled], 7),
            "bill_payment_id": numbered("BPAY-", bill_no[settled], 7),
            "bill_id": numbered("BILL-", bill_no[settled], 7),
            "supplier_id": vendor,
            "payment_date": dates(pay_day[settled]),
            "amount": money(np.bincount(bill, weights=amount, minlength=nb)
                            .astype(np.int64)[settled]),
            "department": const("finance", len(settled)),
            "client_id": vendor,
        }))
        del vendor

    # vendor credits against a few bill lines
    k = round(0.03 * n)
    chosen = np.sort(rng.choice(n, k, replace=False)).astype(np.int64)
    vc_day = bill_day[bill[chosen]] + rng.integers(3, 46, k)
    keep = vc_day <= co.end_day
    chosen, vc_day = chosen[keep], vc_day[keep]
    k = len(chosen)
    if k == 0:
        return
    vc_amount = np.rint(rng.uniform(0.2, 0.8, k) * amount[chosen]).astype(np.int64)
    vc_no = co.numbers("vc", k)
    co.books.append((vc_day, PAYOUT_CODES[account[chosen]], -vc_amount))
    supplier_id = s.ids.take(pa.array(supplier[bill[chosen]], mask=unlinked[bill[chosen]]))
    yield from batches("vendor_credit_lines", "quickbooks", "id", pa.table({
        "id": numbered("VC-", vc_no, 6, np.ones(k, dtype=np.int64)),
        "vendor_credit_id": numbered("VC-", vc_no, 6),
        "bill_id": numbered("BILL-", bill_no[bill[chosen]], 7),
        "supplier_id": supplier_id,
        "txn_date": dates(vc_day),
        "account_number": pick(PAYOUT_ACCOUNTS, account[chosen]),
        "amount": money(vc_amount),
        "department": const("supply", k),
        "client_id": supplier_id,
    }))
