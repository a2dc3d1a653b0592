"""What the sample-company tests of every pack share: a pack's sample tables as its generator
makes them, and a digest of them that changes with any value, type or order."""

from __future__ import annotations

import hashlib
from datetime import date
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
