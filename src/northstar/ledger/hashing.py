"""Canonical content hashing of ledger rows.

A load's hash is SHA-256 over its rows in `row_seq` order, each value written as text
(Arrow's cast to string), fields separated by 0x1F, nulls written as `\\N`, every row ended
by a separator. Backslashes and separators inside text are escaped, so no two different
rows serialise the same way. The result does not depend on how rows were batched, and the
same rows read from DuckDB or PostgreSQL give the same text.

The log's entries are linked by `chain` (plain SHA-256: entries written before the ledger was
keyed) or by a `ChainKey` (HMAC-SHA256 under the project's ledger key, kept outside the
database): a keyed link cannot be recomputed without the key."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

SEP = "\x1f"
NULL = "\\N"
GENESIS = "0" * 64


def as_text(arr: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    import pyarrow as pa  # imported by what hashes rows (loads, verify), not by reading
    import pyarrow.compute as pc

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
    import pyarrow as pa
    import pyarrow.compute as pc

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
        import pyarrow as pa

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


class _Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


def _feed(h: _Digest, prev_hash: str, fields: tuple[object, ...]) -> str:
    h.update(prev_hash.encode())
    for f in fields:
        h.update(SEP.encode())
        h.update(("" if f is None else str(f)).encode())
    return h.hexdigest()


def chain(prev_hash: str, *fields: object) -> str:
    """An unkeyed link: SHA-256 of the previous entry's hash plus this entry's own fields.
    Anyone who can write the database can recompute it: it is what entries written before the
    ledger was keyed have (scheme NULL, over their first eleven fields), and what a ledger
    opened without a key writes (scheme `sha256`, over every field)."""
    return _feed(hashlib.sha256(), prev_hash, fields)


UNKEYED = "sha256"
"""The scheme of an entry a ledger without a key wrote (tests, a library caller)."""
KEYED = "hmac-sha256"
"""The keyed scheme's name; an entry's `scheme` is `hmac-sha256:<key id>`."""


class ChainKey:
    """The ledger key: links new entries with HMAC-SHA256 over the same text as `chain`."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("a ledger key has at least 32 bytes")
        self._secret = secret
        self.id = hmac.new(secret, b"northstar ledger key id", hashlib.sha256).hexdigest()[:12]
        """Names the key (not secret): a log entry records which key linked it."""
        self.scheme = f"{KEYED}:{self.id}"

    def link(self, prev_hash: str, *fields: object) -> str:
        return _feed(hmac.new(self._secret, digestmod=hashlib.sha256), prev_hash, fields)

    def __repr__(self) -> str:  # never the secret itself
        return f"<ChainKey {self.id}>"


def key_id_of(scheme: str) -> str | None:
    """The key id a keyed entry's scheme names; None for any other text."""
    name, sep, key_id = scheme.partition(":")
    return key_id if name == KEYED and sep and key_id else None
