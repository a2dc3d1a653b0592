"""The platform's own exports: invoices, invoice line items naming the organiser, and
remittances, each with the small differences from the books that reconciliation finds."""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.sample_arrays import Ints, batches, const, dates, money, numbered, stream

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["platform_invoice_lines", "platform_invoices", "remittances"]

OWED_SHARE = 0.97
"""The share of a month's GMV lines owed to the organisers paid that month (the rest, and what
rounds short, is on no organiser: the Unlinked row)."""


def platform_invoices(co: Company) -> Iterator[SampleTable]:
    """The platform's own invoice export. Deliberate small differences from the books: about
    1% of invoices differ by a few cents (a rounding habit, a process issue), and invoices of
    the last two days have not reached the export yet (timing)."""
    rng = stream(co.seed, 50)
    inv_no = np.concatenate([r[0] for r in co.qbo_invoices])
    day = np.concatenate([r[1] for r in co.qbo_invoices])
    total = np.concatenate([r[2] for r in co.qbo_invoices])
    keep = day < co.end_day - 1
    inv_no, day, total = inv_no[keep], day[keep], total[keep]
    n = len(inv_no)
    off = rng.random(n) < 0.01
    cents = rng.integers(1, 100, n) * np.where(rng.random(n) < 0.5, 1, -1)
    total = total + np.where(off, cents, 0)
    yield from batches("platform_invoices", "platform", "id", pa.table({
        "id": numbered("INV-", inv_no, 7),
        "invoice_date": dates(day),
        "total": money(total),
        "department": const("finance", n),
    }))


def platform_invoice_lines(co: Company) -> Iterator[SampleTable]:
    """The platform's invoice line items: one per GMV line of the books, naming the
    organiser whose event it paid for, so GMV and take rate can be told per supplier. Each
    month's lines go to the organisers that month's bills pay, in proportion to their
    payouts (`organisers`), so an organiser's take rate sits near the company's and is not
    negative by chance. Same timing gap as the invoice export: lines of the last two days
    are not in it yet."""
    s = co.suppliers
    for inv_no, line_no, day, amount, year in co.gmv_lines:
        keep = day < co.end_day - 1
        inv_no, line_no, day, amount = inv_no[keep], line_no[keep], day[keep], amount[keep]
        supplier = organisers(co, day, amount, year)
        n = len(day)
        if n == 0:
            continue
        supplier_id = s.ids.take(pa.array(np.maximum(supplier, 0), mask=supplier < 0))
        yield from batches("platform_invoice_lines", "platform", "id", pa.table({
            "id": numbered("INV-", inv_no, 7, line_no),
            "invoice_id": numbered("INV-", inv_no, 7),
            "supplier_id": supplier_id,
            "event_date": dates(day),
            "amount": money(amount),
            "department": const("supply", n),
            "client_id": supplier_id,
        }))
        del supplier_id


def organisers(co: Company, day: Ints, amount: Ints, year: int) -> Ints:
    """The organiser of each GMV line (-1: none the platform knows). In each month the
    organisers paid that month are owed a share of the month's lines in proportion to their
    linked bills (the unlinked bills' share is owed to "none"), all of them together
    `OWED_SHARE` of it; the largest lines go first, each to the one owed the most while it is
    owed at least half the line; what nobody is owed is left without an organiser (the
    Unlinked row)."""
    bill_day, total, supplier, unlinked = (co.qbo_bills[year][i] for i in (1, 2, 3, 4))
    starts = co.years[year].month_starts
    bill_month = np.searchsorted(starts, bill_day, side="right") - 1
    line_month = np.searchsorted(starts, day, side="right") - 1
    out = np.full(len(day), -1, dtype=np.int64)
    for m in np.unique(line_month):
        lines = np.flatnonzero(line_month == m)
        month = bill_month == m
        paid = month & ~unlinked
        owed = np.bincount(supplier[paid], weights=total[paid],
                           minlength=len(co.suppliers.names))
        bills = float(total[month].sum())
        if bills <= 0:
            continue
        scale = OWED_SHARE * float(amount[lines].sum()) / bills
        heap = [(-float(v) * scale, int(k)) for k, v in enumerate(owed) if v > 0]
        unpaired = float(total[month & unlinked].sum()) * scale
        if unpaired > 0:
            heap.append((-unpaired, -1))
        heapq.heapify(heap)
        for i in lines[np.argsort(-amount[lines], kind="stable")]:
            if not heap or -heap[0][0] < amount[i] / 2:
                continue
            due, k = heapq.heappop(heap)
            out[i] = k
            heapq.heappush(heap, (due + float(amount[i]), k))
    return out


def remittances(co: Company) -> Iterator[SampleTable]:
    """Remittances on the platform: one per linked organiser bill, naming the supplier it
    paid. Unlinked bills have none. About 0.5% differ from the bill by a few cents."""
    rng = stream(co.seed, 51)
    bill_no = np.concatenate([r[0] for r in co.qbo_bills])
    day = np.concatenate([r[1] for r in co.qbo_bills])
    total = np.concatenate([r[2] for r in co.qbo_bills])
    supplier = np.concatenate([r[3] for r in co.qbo_bills])
    linked = ~np.concatenate([r[4] for r in co.qbo_bills])
    bill_no, day = bill_no[linked], day[linked]
    total, supplier = total[linked], supplier[linked]
    n = len(bill_no)
    off = rng.random(n) < 0.005
    total = total + np.where(off, rng.integers(1, 100, n), 0)
    supplier_id = co.suppliers.ids.take(pa.array(supplier))
    yield from batches("remittance_lines", "platform", "id", pa.table({
        "id": numbered("REM-", bill_no, 7),
        "bill_id": numbered("BILL-", bill_no, 7),
        "supplier_id": supplier_id,
        "remitted_date": dates(np.minimum(day + rng.integers(0, 4, n), co.end_day)),
        "amount": money(total),
        "department": const("supply", n),
        "client_id": supplier_id,
    }))
