"""Bill.com as the sample company uses it: the organiser bills still open at the end and those
billed in its last 90 days, as the Bill.com connector writes them (`billcom_bills`), and a
Bill.com vendor per organiser they name (`billcom_vendors`).

The books give each open bill a status (Approved, Pending, W-9 Missing, Not Onboarded); in
Bill.com the last two are facts of the vendor, not of the bill. An organiser's vendor record
takes them from its newest open bill: not connected and no bank account (Not Onboarded), or
tracked for 1099 without a tax id (W-9 Missing); a Pending bill is one still being approved.
So the Bill.com breakdown of the sample is close to the books' one, not the same: an
organiser's older open bills follow its newest."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.sample_arrays import batches, dates, money, numbered, pick, timestamps

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["billcom"]

RECENT = 90
"""Paid bills are kept this many days back from the end."""
DAY_US = 86_400_000_000
PAID, PENDING, W9_MISSING, NOT_ONBOARDED = 0, 2, 3, 4


def billcom(co: Company) -> Iterator[SampleTable]:
    if not co.qbo_bills:
        return
    number = np.concatenate([b[0] for b in co.qbo_bills])
    day = np.concatenate([b[1] for b in co.qbo_bills])
    total = np.concatenate([b[2] for b in co.qbo_bills])
    supplier = np.concatenate([b[3] for b in co.qbo_bills])
    due = np.concatenate([t[0] for t in co.bill_terms])
    status = np.concatenate([t[1] for t in co.bill_terms])
    keep = np.flatnonzero((status != PAID) | (day > co.end_day - RECENT))
    if len(keep) == 0:
        return
    number, day, total, supplier, due, status = (
        a[keep] for a in (number, day, total, supplier, due, status))
    paid = status == PAID

    # each organiser's vendor facts from its newest open bill (by bill day, then number)
    vendors = np.unique(supplier)
    vendor_status = np.zeros(len(vendors), dtype=np.int64)
    open_bills = np.flatnonzero(~paid)
    newest = open_bills[np.lexsort((number[open_bills], day[open_bills]))]
    slot = np.searchsorted(vendors, supplier[newest])
    vendor_status[slot] = status[newest]  # later (newer) bills overwrite earlier ones
    names = pa.array(co.suppliers.names, pa.string())
    stamp = timestamps((co.end_day - RECENT) * DAY_US + np.arange(len(vendors)) * 60_000_000)
    not_onboarded = vendor_status == NOT_ONBOARDED
    yield from batches("billcom_vendors", "billcom", "id", pa.table({
        "id": numbered("00901", vendors, 15),
        "name": names.take(pa.array(vendors)),
        "short_name": co.suppliers.ids.take(pa.array(vendors)),
        "email": pa.nulls(len(vendors), pa.string()),
        "network_status": pick(("CONNECTED", "NOT_CONNECTED"), not_onboarded.astype(np.int64)),
        "bank_account_on_file": pa.array(~not_onboarded),
        "track_1099": pa.array(np.ones(len(vendors), dtype=bool)),
        "tax_id_on_file": pa.array(vendor_status != W9_MISSING),
        "archived": pa.array(np.zeros(len(vendors), dtype=bool)),
        "created_time": stamp,
        "updated_time": stamp,
    }))
    changed = timestamps(day * DAY_US + 12 * 3_600_000_000)
    yield from batches("billcom_bills", "billcom", "id", pa.table({
        "id": numbered("00n01", number, 15),
        "vendor_id": numbered("00901", supplier, 15),
        "vendor_name": names.take(pa.array(supplier)),
        "invoice_number": numbered("BILL-", number, 7),  # the Bill # of the books
        "invoice_date": dates(day),
        "due_date": dates(due),
        "amount": money(total),
        "due_amount": money(np.where(paid, 0, total)),
        "payment_status": pick(("UNPAID", "PAID"), paid.astype(np.int64)),
        "approval_status": pick(("APPROVED", "APPROVING"),
                                (status == PENDING).astype(np.int64)),
        "archived": pa.array(np.zeros(len(number), dtype=bool)),
        "created_time": changed,
        "updated_time": changed,
    }))
