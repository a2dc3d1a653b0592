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
(the digests were checked to be the old ones with the `billcom` batches left out)."""

from __future__ import annotations

import hashlib
import importlib
from datetime import date

import pytest

from northstar.packs import get_pack

RECORDED = {
    (3_000, 7, date(2025, 9, 30)):
        "ff414dc7ec0028c3b6423ff6684c6090d9d258696e8e238e83e9dac5a97f41c0",
    (20_000, 11, date(2026, 1, 5)):
        "1470dd39cce0695a96df38c927dedcfc751922b0aeafe79f23f17e6fbeae4ec3",
    (8_000, 3, date(2025, 12, 31)):
        "90afce20cb4f83d50af17519c481159b1085b8745b60ca623f07b1999258c7d6",
    (5_000, 1, date(2024, 2, 29)):
        "3dd49916ab34798d49102ef5a992738923c92e170786d5b2e62ac1256ac63166",
}
SMALL_BATCHES = "5212abcb2071f6d3f926a27bf7ba96bc7decde81a658a7efa5d44421a345aa66"
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
