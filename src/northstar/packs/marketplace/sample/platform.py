"""The platform's own exports: invoices, invoice line items naming the organiser, and
remittances, each with the small differences from the books that reconciliation finds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.suppliers import pick_suppliers
from northstar.packs.sample_arrays import batches, const, dates, money, numbered, stream

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["platform_invoice_lines", "platform_invoices", "remittances"]


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
    organiser whose event it paid for (weighted like the bills among the organisers listed
    by then), so GMV and take rate can be told per supplier. Same timing gap as the invoice
    export: lines of the last two days are not in it yet."""
    rng = stream(co.seed, 52)
    s = co.suppliers
    for inv_no, line_no, day, amount, year in co.gmv_lines:
        keep = day < co.end_day - 1
        inv_no, line_no, day, amount = inv_no[keep], line_no[keep], day[keep], amount[keep]
        n = len(day)
        if n == 0:
            continue
        supplier, listed = pick_suppliers(co, rng, day, year)
        supplier_id = s.ids.take(pa.array(supplier, mask=~listed))
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
