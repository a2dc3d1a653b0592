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
(`ROWS_PER_LINE` 5.36 -> 6.70), so every table moved with it."""

from __future__ import annotations

import hashlib
import importlib
from datetime import date

import pytest

from northstar.packs import get_pack

RECORDED = {
    (3_000, 7, date(2025, 9, 30)):
        "ee2c6d3bba0a98d970d4fd0e1f3518c84b6cdf1a22c2ff04b6f8c9e407e0d0f5",
    (20_000, 11, date(2026, 1, 5)):
        "a9a078e196eead23b55057cf879ccf48fda1644c415d0f0ccf1fdf73de221e85",
    (8_000, 3, date(2025, 12, 31)):
        "de1515a24589933f293cf8f580111c1e47ed2af150e96d572163b841567a0d0f",
    (5_000, 1, date(2024, 2, 29)):
        "e202b4a0902b073bd80ea6ff3046eef523912944c5170db959f95981ec404733",
}
SMALL_BATCHES = "5e0c9f6cd57b01ef68a901b5bdef87bacd46886598636023e0fb172a680b467b"
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
