"""The marketplace sample company, batch for batch, as the generator made it before it was split
into a package by concept: the digests below were recorded from the single-module generator
(`packs/marketplace/generate.py`, 1,253 lines) and must not move when its code is reorganised.

A digest covers every batch in order: its table, source, id column, row count, Arrow schema
and every column's values (as Python objects, so it does not depend on how Arrow lays out
buffers).

The company itself changes only for a definition the seeds ask for, and the digests are then
recorded again in the commit that changes it: bill payments (bills unpaid as of a day); each
bill line's Bill # (`doc_number`, what remittances link on; the digests were checked to be the
old ones with that column left out); the platform's line items given to the organisers each
month's bills pay (take rates); Bill.com's bills and vendors, two tables after all the others
(the digests were checked to be the old ones with the `billcom` batches left out);
HubSpot's history of each deal's stage and amount (pipeline coverage at the start of a quarter),
whose rows count in the company's size (`ROWS_PER_LINE` 5.36 -> 6.70), so every table moved
with it."""

from __future__ import annotations

import hashlib
import importlib
from datetime import date

import pytest

from northstar.packs import get_pack

RECORDED = {
    (3_000, 7, date(2025, 9, 30)):
        "48fba2f474116d2c250edab70d5874800eec07a2311834a8cf799a2f6436eb47",
    (20_000, 11, date(2026, 1, 5)):
        "792801c76dc0ca39e7e6d06d7bf02a928aa3d8b9003a7b2eedcd06a8e03cb14c",
    (8_000, 3, date(2025, 12, 31)):
        "fc78f1af2601795e5166ef14b3221096fc3a202eac61be2e2b8a980de47586e1",
    (5_000, 1, date(2024, 2, 29)):
        "c8efb29be6cb38f11b2cef78a4da779782abda931102a948cbde9870bac94237",
}
SMALL_BATCHES = "ae6d27d6afdc8f5c116b348aac6cf6a4c3033b50f454c1a428bc2af9fb61999f"
"""rows 20,000, seed 11, end 2026-01-05, with batches of at most 300 rows."""

BATCHING_MODULE = "northstar.packs.sample_arrays"
"""The module whose BATCH_ROWS the generator's batching reads."""


def digest(rows: int, seed: int, end: date) -> str:
    h = hashlib.sha256()
    for b in get_pack("marketplace").sample(rows, seed=seed, end=end):
        head = (b.name, b.source, b.id_column, b.data.num_rows, str(b.data.schema))
        h.update(repr(head).encode())
        for column in b.data.columns:
            h.update(repr(column.to_pylist()).encode())
    return h.hexdigest()


@pytest.mark.parametrize(("rows", "seed", "end"), list(RECORDED))
def test_the_sample_company_is_unchanged(rows: int, seed: int, end: date) -> None:
    assert digest(rows, seed, end) == RECORDED[rows, seed, end]


def test_the_batches_are_cut_where_they_were(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.import_module(BATCHING_MODULE), "BATCH_ROWS", 300)
    assert digest(20_000, 11, date(2026, 1, 5)) == SMALL_BATCHES
