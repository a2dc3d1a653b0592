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
month's bills pay (take rates); HubSpot's history of each deal's stage and amount (pipeline
coverage at the start of a quarter), whose rows count in the company's size
(`ROWS_PER_LINE` 5.36 -> 6.40), so every table moved with it."""

from __future__ import annotations

import hashlib
import importlib
from datetime import date

import pytest

from northstar.packs import get_pack

RECORDED = {
    (3_000, 7, date(2025, 9, 30)):
        "4063096641bb81ddb88729ac081429bff0e3375e1d7d5a363dec32d90b0280dd",
    (20_000, 11, date(2026, 1, 5)):
        "03b424d38708235d621f8e6388c9ae4490c650e0feef8d1190d6010b17f0a711",
    (8_000, 3, date(2025, 12, 31)):
        "166ba14ab322ea32c444505dd86947bc8e7f88248b7a583b1bb07e4a84ad7f0a",
    (5_000, 1, date(2024, 2, 29)):
        "760e3ddd9848715c7643e32be2b7bd3d55651bfc0949b0591ff7bff46252aef4",
}
SMALL_BATCHES = "897463342fb4f62815eea10e627ff7541b080997ef71e542fd00897cbcd44eb6"
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
