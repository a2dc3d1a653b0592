"""The marketplace sample company, batch for batch, as the generator made it before it was split
into a package by concept: the digests below were recorded from the single-module generator
(`packs/marketplace/generate.py`, 1,253 lines) and must not move when its code is reorganised.

A digest covers every batch in order: its table, source, id column, row count, Arrow schema
and every column's values (as Python objects, so it does not depend on how Arrow lays out
buffers).

The company itself changes only for a definition the seeds ask for, and the digests are then
recorded again in the commit that changes it: bill payments (bills unpaid as of a day); each
bill line's Bill # (`doc_number`, what remittances link on; the digests were checked to be the
old ones with that column left out)."""

from __future__ import annotations

import hashlib
import importlib
from datetime import date

import pytest

from northstar.packs import get_pack

RECORDED = {
    (3_000, 7, date(2025, 9, 30)):
        "233585c9c5d609f1949b5e41872d308f1c786ea51d356af8f24902f13ddd0c8d",
    (20_000, 11, date(2026, 1, 5)):
        "c90faa2bd37269bd62ba832be6bb7f7f92c59f8cf33467fa69ddec0a40bdf1b2",
    (8_000, 3, date(2025, 12, 31)):
        "91e2dc7d71d9a15a786d62bf832636afe7a15d351e4e5ea739e9da95c74d3dba",
    (5_000, 1, date(2024, 2, 29)):
        "ad2268248eae0fc7d3f77cf36be86eb8944fa3a23b2e00bf5e63281571858946",
}
SMALL_BATCHES = "4b0f86341c8b9a559ba4edc265b5b91c75cbbfb6a0df28d8a90db2eae3862c12"
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
