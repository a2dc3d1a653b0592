"""What the sample-company tests of every pack share: a pack's sample tables as its generator
makes them, a digest of them that changes with any value, type or order, and the comparison
of every metric with a plain-Python oracle."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa

from northstar.packs import Pack


def sample_tables(pack: Pack, rows: int, *, seed: int, end: date) -> dict[str, list[Any]]:
    """The pack's sample company: each table's batches, in the order the generator gives them."""
    out: dict[str, list[Any]] = {}
    for batch in pack.sample(rows, seed=seed, end=end):
        out.setdefault(batch.name, []).append(batch.data)
    return out


def digest(tables: dict[str, list[Any]]) -> str:
    """SHA-256 over every table's batches as Arrow IPC streams, tables by name."""
    h = hashlib.sha256()
    for name in sorted(tables):
        for part in tables[name]:
            h.update(name.encode())
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, part.schema) as writer:
                writer.write_table(part)
            h.update(sink.getvalue().to_pybytes())
    return h.hexdigest()


def oracle_mismatches(got: dict[tuple[str, str], Any], want: Callable[[str, str], Any],
                      names: Iterable[str], periods: Iterable[str]) -> list[tuple[Any, ...]]:
    """(metric, period, oracle's, Northstar's) for each value that differs from the oracle's:
    money to the cent, ratios to 1e-9; no value must be no value on both sides."""
    out = []
    for name in names:
        for period in periods:
            expected, have = want(name, period), got[(name, period)]
            if expected is None or have is None:
                ok = expected is None and have is None
            else:
                ok = abs(Decimal(str(have)) - expected) <= max(
                    Decimal("0.005"), abs(expected) * Decimal("1e-9"))
            if not ok:
                out.append((name, period, expected, have))
    return out
