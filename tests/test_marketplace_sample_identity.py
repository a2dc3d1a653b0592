"""The marketplace sample company, batch for batch, as the generator made it before it was split
into a package by concept: the digests below were recorded from the single-module generator
(`packs/marketplace/generate.py`, 1,253 lines) and must not move when its code is reorganised.

A digest covers every batch in order: its table, source, id column, row count, Arrow schema
and every column's values (as Python objects, so it does not depend on how Arrow lays out
buffers)."""

from __future__ import annotations

import hashlib
import importlib
from datetime import date

import pytest

from northstar.packs import get_pack

RECORDED = {
    (3_000, 7, date(2025, 9, 30)):
        "0ba9904cf252ac8a3c1c549fdb0d609eec060902f06ae320e0c76ccd2c83fcac",
    (20_000, 11, date(2026, 1, 5)):
        "614471ac24f5601a318f8d1f865181a632a1e299cb2ae0dc4adfd21cfcefd3a6",
    (8_000, 3, date(2025, 12, 31)):
        "10a90dc18b8c23725618f76a6b965924c73cd14a6428ed84b94496dfce9c86d8",
    (5_000, 1, date(2024, 2, 29)):
        "08208bdfe4d385017debd2f8d3ae8ce735616a4a52a94ee56f869a818f6fe0fa",
}
SMALL_BATCHES = "a4c1d66440ed75fac101ec24476d17961061240f76f2b9687e9b1a11cdd23cf0"
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
