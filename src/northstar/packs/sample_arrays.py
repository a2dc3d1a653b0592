"""Array helpers for the packs' sample companies: epoch days, money as decimals, string
columns, ids and batches, all vectorised over numpy and Arrow."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from northstar.packs import SampleTable

__all__ = ["BATCH_ROWS", "DAY_US", "EPOCH", "Bools", "Floats", "Ints", "batches", "choice",
           "const", "dates", "epoch_day", "money", "month_label", "numbered", "pick", "stratified",
           "stream", "timestamps"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

BATCH_ROWS = 500_000
"""Largest batch yielded for one table."""

EPOCH = date(1970, 1, 1)
DAY_US = 86_400_000_000


def epoch_day(d: date) -> int:
    return (d - EPOCH).days


def month_label(day: int) -> str:
    """'2025-03' for an epoch day in March 2025."""
    d = date.fromordinal(EPOCH.toordinal() + day)
    return f"{d.year:04d}-{d.month:02d}"


def stream(seed: int, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, *keys])


def money(cents: Ints, precision: int = 18) -> pa.Array:
    """Whole cents as decimal(precision, 2), built straight from the 128-bit buffer."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    buf = np.empty((len(cents), 2), dtype=np.int64)
    buf[:, 0] = cents
    buf[:, 1] = cents >> 63
    return pa.Array.from_buffers(pa.decimal128(precision, 2), len(cents),
                                 [None, pa.py_buffer(buf.tobytes())])


def dates(days: Ints) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32)).view(pa.date32())


def timestamps(micros: Ints) -> pa.Array:
    return pa.array(np.asarray(micros, dtype=np.int64)).view(pa.timestamp("us"))


def pick(values: Sequence[str] | pa.Array, index: Ints, missing: Bools | None = None) -> pa.Array:
    """values[index] as a string array; rows where `missing` is true are NULL."""
    arr = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    idx = pa.array(np.asarray(index, dtype=np.int64), mask=missing)
    return arr.take(idx)


def const(value: str, n: int) -> pa.Array:
    return pick((value,), np.zeros(n, dtype=np.int64))


def numbered(prefix: str, numbers: Ints, width: int, line: Ints | None = None) -> pa.Array:
    """Ids like INV-0000123 or, with `line`, INV-0000123-2."""
    num = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                       width=width, padding="0")
    if line is None:
        return pc.binary_join_element_wise(prefix, num, "")
    ln = pc.cast(pa.array(np.asarray(line, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, num, "-", ln, "")


def choice(rng: np.random.Generator, k: int, n: int, p: Floats) -> Ints:
    return rng.choice(k, size=n, p=p / p.sum()).astype(np.int64)


def batches(name: str, source: str, id_column: str, table: pa.Table) -> Iterator[SampleTable]:
    for offset in range(0, table.num_rows, BATCH_ROWS):
        yield SampleTable(name, source, id_column, table.slice(offset, BATCH_ROWS))


def stratified(rng: np.random.Generator, groups: Ints, n_groups: int) -> Floats:
    """A uniform draw per row, stratified within each group (so dates spread evenly)."""
    n = len(groups)
    order = np.lexsort((rng.random(n), groups))
    counts = np.bincount(groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts[groups[order]]
    out: Floats = (rank + rng.random(n)) / counts[groups]
    return out
