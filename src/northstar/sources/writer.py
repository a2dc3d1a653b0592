"""Appending mapped rows: tags by rule, byte-sized loads, and no duplicate versions.

Rows arrive as Arrow tables (a page, or several, mapped at once) and are handled column by
column: the id check, tag rules, quality checks and content hash. Every raw row carries
`record_hash`, a hash of its payload and tags. A row whose hash equals the newest stored
version of the same record (in the ledger, or staged earlier in the same run) is not appended
again, so re-reading a window or replaying a page adds nothing.

`record_hash` has had three forms; rows stored under an older one still compare by content:
v1 (no prefix) sorted-key JSON under SHA-256, v2 the `repr` of the Python values under
BLAKE2b, v3 (now) the ledger's canonical text of the typed values (`ledger/hashing.py`, the
same text a load's content hash is made of) under BLAKE2b.

Loads are staged (`northstar.ledger.staging`): each is committed beside the ledger as soon as
it is full, and `commit()` moves them all into the raw tables in the caller's transaction.

A full load is hashed, compared and staged in a worker thread, on a connection of its own,
while the next pages are fetched and mapped (the database and Arrow work there runs outside the
GIL). One load at a time: a load waits for the one before it (it must see it staged), so
memory holds at most two loads; `commit()` waits for the last."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from northstar.ledger.hashing import SEP, row_texts
from northstar.ledger.schema import TAGS
from northstar.ledger.staging import Stage
from northstar.ledger.store import Ledger, raw_table
from northstar.ledger.versions import ID_COLUMN, newest
from northstar.sources.base import Row, TableSpec, rows_table
from northstar.sources.config import CheckRule, TagRule
from northstar.sources.quality import check_table
from northstar.sources.tags import tag_table
from northstar.sources.values import RecordError

HASH_COLUMN = "record_hash"


HASH_VERSION = "v3:"
"""Prefix of the current `record_hash` form."""
V2 = "v2:"


def record_hashes(data: pa.Table, columns: Sequence[str]) -> list[str]:
    """The v3 `record_hash` of every row of `data`, over `columns` in this order.

    Each row's text is the one the ledger's content hash is made of (`row_texts`: every typed
    value as text, escaped, 0x1F between, `\\N` for null), after the column names. Column
    types are not part of it: a table's columns keep their types, so equal text is equal
    content."""
    if data.num_rows == 0:
        return []
    seed = hashlib.blake2b(SEP.join(columns).encode() + b"\x1e", digest_size=16)
    out = []
    for text in row_texts(data, columns).to_pylist():
        state = seed.copy()
        state.update(text.encode())
        out.append(HASH_VERSION + state.hexdigest())
    return out


def row_hash_v2(row: Row) -> str:
    """The second form of `record_hash`: BLAKE2b of the `repr` of the column names, then of
    the Python values (a value's type is part of it: `Decimal('1.50')` is not `1.5`)."""
    state = hashlib.blake2b(repr(tuple(row)).encode(), digest_size=16)
    state.update(repr(tuple(row.values())).encode())
    return V2 + state.hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    return value


def row_hash_v1(row: Row) -> str:
    """The first form of `record_hash` (sorted-key JSON, SHA-256), which ledgers written before
    v2 hold: a row equal to such a version is unchanged, not a new version."""
    text = json.dumps(row, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def same_as_older_form(row: Row, stored: str) -> bool:
    """Whether `row` (its columns in the writer's order) has the content of a stored version
    whose hash is of an older form (v1 or v2)."""
    if stored.startswith(V2):
        return row_hash_v2(row) == stored
    return row_hash_v1(row) == stored


class BatchWriter:
    """Buffers one object's rows per raw table and stages them in loads of ~`batch_bytes`
    (the rows' size in Arrow memory)."""

    def __init__(self, ledger: Ledger, source: str, tables: dict[str, tuple[str, TableSpec]],
                 rules: Sequence[TagRule], batch_bytes: int,
                 checks: Sequence[CheckRule] = ()) -> None:
        self.ledger = ledger
        self.source = source
        self.tables = tables
        """table key -> (raw table name, spec)."""
        self.rules = rules
        self.batch_bytes = batch_bytes
        self.checks = checks
        self._pending: dict[str, list[pa.Table]] = {k: [] for k in tables}
        self._bytes = dict.fromkeys(tables, 0)
        self.appended = 0
        self.unchanged = 0
        self.rows_seen: dict[str, int] = {name: 0 for name, _ in tables.values()}
        """Rows read per raw table in this run (changed or not)."""
        self._schemas: dict[str, pa.Schema] = {}
        """Per table key: the staged columns in order (payload, then the tags it lacks)."""
        for key, (_, spec) in tables.items():
            schema = spec.schema
            for tag in TAGS:
                if tag not in schema.names:
                    schema = schema.append(pa.field(tag, pa.string()))
            self._schemas[key] = schema
        self.stages = {key: Stage(ledger, raw_table(name), source, "id")
                       for key, (name, _) in tables.items()}
        self._pool: ThreadPoolExecutor | None = None
        self._inflight: Future[None] | None = None
        self._twin: Ledger | None = None
        """The ledger on the worker's own connection."""

    def begin(self) -> None:
        """Claim this run's stages, dropping what a killed run left in them, and start the
        worker (where the database offers a second connection)."""
        for stage in self.stages.values():
            stage.claim()
        twin = self.ledger.engine.fork()
        if twin is not None:
            self._twin = Ledger(twin, prepare=False)
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="northstar-stage")

    def settle(self) -> None:
        """Wait for the load in flight; its error, if any, is raised here."""
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            inflight.result()

    def finish(self) -> None:
        """Stage what is buffered and wait until every load is staged: call it before opening
        the transaction that commits (which must see every staged load)."""
        self.flush_all()
        self.settle()

    def commit(self) -> None:
        """Move every staged load into its raw table (inside the caller's transaction, opened
        after `finish()`, so the loads are kept together with what the caller writes)."""
        if self._inflight is not None or any(self._pending.values()):
            raise RuntimeError("BatchWriter.finish() must run before the transaction that "
                               "commits the run")
        for stage in self.stages.values():
            stage.move()

    def discard(self) -> None:
        """Drop everything staged: nothing of this run reaches the ledger."""
        for key in self.tables:
            self._pending[key] = []
            self._bytes[key] = 0
        with contextlib.suppress(Exception):  # the run failed already; this one is its echo
            self.settle()
        for stage in self.stages.values():
            stage.discard()

    def stop(self) -> None:
        """End the worker and close its connection; what is staged stays claimed, waiting for
        `commit` (the other objects of the run are staged meanwhile)."""
        with contextlib.suppress(Exception):
            self.settle()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        if self._twin is not None:
            self._twin.engine.close()
            self._twin = None

    def release(self) -> None:
        self.stop()
        for stage in self.stages.values():
            stage.release()

    def add(self, key: str, row: Row) -> None:
        """One mapped row (see `add_table`)."""
        self.add_table(key, rows_table(self.tables[key][1], [row]))

    def add_table(self, key: str, data: pa.Table) -> None:
        """Mapped rows of one table (`Connector.map_page`): checked, tagged and buffered; a
        full buffer is staged as one load."""
        name = self.tables[key][0]
        data = self._conform(key, data)
        if data.num_rows == 0:
            return
        ids = pc.cast(data.column("id"), pa.string())
        if ids.null_count or pc.any(pc.equal(ids, _EMPTY)).as_py():
            raise RecordError(f"a {key} record has no id")
        data = tag_table(self.rules, name, data)
        check_table(self.checks, name, data)
        self.rows_seen[name] += data.num_rows
        per_row = max(1, data.nbytes // data.num_rows)
        start = 0
        while start < data.num_rows:
            room = max(1, self.batch_bytes - self._bytes[key])
            take = min(data.num_rows - start, -(-room // per_row))
            self._pending[key].append(data.slice(start, take))
            self._bytes[key] += take * per_row
            start += take
            if self._bytes[key] >= self.batch_bytes:
                self.flush(key)

    def _conform(self, key: str, data: pa.Table) -> pa.Table:
        """`data` with exactly the staged columns, in order and typed (missing ones null)."""
        schema = self._schemas[key]
        if data.schema.equals(schema):
            return data
        n = data.num_rows
        columns = []
        for field in schema:
            if field.name in data.column_names:
                column = data.column(field.name)
                if column.type != field.type:
                    try:
                        column = pc.cast(column, field.type)
                    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                        raise RecordError(f"{key}.{field.name}: a value does not fit its "
                                          f"column: {exc}") from None
                columns.append(column)
            else:
                columns.append(pa.nulls(n, field.type))
        return pa.Table.from_arrays(columns, schema=schema)

    def flush_all(self) -> None:
        for key in self.tables:
            self.flush(key)

    def flush(self, key: str) -> None:
        """Stage the buffered rows of `key` as one load: in the worker thread once `begin()`
        has started it, after the load before it is staged."""
        pending = self._pending[key]
        self._pending[key] = []
        self._bytes[key] = 0
        if not pending:
            return
        self.settle()
        if self._pool is None:
            self._stage(key, pending)
        else:
            self._inflight = self._pool.submit(self._stage, key, pending)

    def _stage(self, key: str, pending: list[pa.Table]) -> None:
        data = pa.concat_tables(pending).combine_chunks()
        ids = pc.cast(data.column("id"), pa.string()).to_pylist()
        last = {rid: i for i, rid in enumerate(ids)}  # the same id again: the later wins
        if len(last) < len(ids):
            keep = sorted(last.values())
            data = data.take(pa.array(keep, pa.int64()))
            ids = [ids[i] for i in keep]
        hashes = record_hashes(data, self._schemas[key].names)
        stored = self._stored_hashes(self.stages[key], ids)
        fresh = []
        for i, (rid, digest) in enumerate(zip(ids, hashes, strict=True)):
            old = stored.get(rid)
            if old is None or (old != digest and (
                    old.startswith(HASH_VERSION)
                    or not same_as_older_form(data.slice(i, 1).to_pylist()[0], old))):
                fresh.append(i)
        self.unchanged += len(ids) - len(fresh)
        if not fresh:
            return
        if len(fresh) < len(ids):
            data = data.take(pa.array(fresh, pa.int64()))
            hashes = [hashes[i] for i in fresh]
        data = data.append_column(HASH_COLUMN, pa.array(hashes, pa.string()))
        self.appended += self.stages[key].add(data, via=self._twin)

    def _stored_hashes(self, stage: Stage, ids: list[str]) -> dict[str, str]:
        """The hash of the newest version of each of `ids`: staged in this run, or stored."""
        ledger = self._twin or self.ledger
        found = newest(ledger.engine, stage.table, [HASH_COLUMN], ids=ids, stage=stage)
        return {rid: h for rid, h in zip(found.column(ID_COLUMN).to_pylist(),
                                         found.column(HASH_COLUMN).to_pylist(), strict=True)
                if h is not None}


_EMPTY = pa.scalar("", pa.string())
