"""Canonical content hashing of ledger rows.

A load's hash is SHA-256 over its rows in `row_seq` order, each value written as text
(Arrow's cast to string), fields separated by 0x1F, nulls written as `\\N`, every row ended
by a separator. Backslashes and separators inside text are escaped, so no two different
rows serialise the same way. The result does not depend on how rows were batched, and the
same rows read from DuckDB or PostgreSQL give the same text."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

SEP = "\x1f"
NULL = "\\N"
GENESIS = "0" * 64


def as_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        arr = pc.replace_substring(arr, "\\", "\\\\")
        return pc.replace_substring(arr, SEP, "\\x1f")
    if pa.types.is_null(t):
        return pa.nulls(len(arr), pa.string())
    if pa.types.is_decimal(t):
        # Same number, same text whatever the column's declared precision.
        return pc.cast(pc.cast(arr, pa.decimal128(38, t.scale)), pa.string())
    if pa.types.is_timestamp(t):
        return pc.cast(pc.cast(arr, pa.timestamp("us")), pa.string())
    if pa.types.is_integer(t):
        return pc.cast(pc.cast(arr, pa.int64()), pa.string())
    return pc.cast(arr, pa.string())


def row_texts(batch: pa.RecordBatch | pa.Table, columns: Sequence[str], *,
              terminated: bool = False) -> pa.Array | pa.ChunkedArray:
    """Each row's canonical text: its values in `columns` as text, 0x1F between them (and
    after the last, when `terminated`), `\\N` for null."""
    parts = [as_text(batch.column(name)) for name in columns]
    if terminated:
        parts.append(pa.array([""] * batch.num_rows, pa.string()))
    return pc.binary_join_element_wise(*parts, SEP, null_handling="replace",
                                       null_replacement=NULL)


class RowHasher:
    """Feed record batches in row order; `hexdigest()` gives the load's content hash."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self.rows = 0
        self._h = hashlib.sha256()

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        if batch.num_rows == 0:
            return
        joined = row_texts(batch, self.columns, terminated=True)
        chunks: Iterable[pa.Array] = (
            joined.chunks if isinstance(joined, pa.ChunkedArray) else [joined]
        )
        for chunk in chunks:
            offsets = chunk.buffers()[1]
            data = chunk.buffers()[2]
            if data is None:
                continue
            first = pa.Array.from_buffers(pa.int32(), 1, [None, offsets], offset=chunk.offset)
            last = pa.Array.from_buffers(
                pa.int32(), 1, [None, offsets], offset=chunk.offset + len(chunk)
            )
            start, end = first[0].as_py(), last[0].as_py()
            self._h.update(memoryview(data)[start:end])
        self.rows += batch.num_rows

    def hexdigest(self) -> str:
        return self._h.hexdigest()


def chain(prev_hash: str, *fields: object) -> str:
    """The log entry's hash: the previous entry's hash plus this entry's own fields."""
    h = hashlib.sha256(prev_hash.encode())
    for f in fields:
        h.update(SEP.encode())
        h.update(("" if f is None else str(f)).encode())
    return h.hexdigest()
