"""Appending mapped rows: tags by rule, byte-sized loads, and no duplicate versions.

Every raw row carries `record_hash`, a hash of its payload and tags. A row whose hash equals
the newest stored version of the same record (in the ledger, or staged earlier in the same run)
is not appended again, so re-reading a window or replaying a page adds nothing.

Loads are staged (`northstar.ledger.staging`): each is committed beside the ledger as soon as
it is full, and `commit()` moves them all into the raw tables in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from northstar.ledger.schema import TAGS
from northstar.ledger.staging import Stage
from northstar.ledger.store import Ledger, raw_table
from northstar.ledger.versions import ID_COLUMN, newest
from northstar.sources.base import Row, TableSpec
from northstar.sources.config import CheckRule, TagRule
from northstar.sources.quality import check_row
from northstar.sources.tags import apply_tags
from northstar.sources.values import RecordError

HASH_COLUMN = "record_hash"


HASH_VERSION = "v2:"
"""Prefix of the current `record_hash` form; a hash without it is the first form (v1)."""


def hash_seed(columns: Sequence[str]) -> Any:
    """The hash state every row with these columns, in this order, starts from."""
    return hashlib.blake2b(repr(tuple(columns)).encode(), digest_size=16)


def row_hash(row: Row, seed: Any = None) -> tuple[str, int]:
    """The row's content hash and the size of the text hashed, in bytes.

    The text is the `repr` of the row's values, after its column names (`seed`, when the
    caller has it ready for these columns in this order): one C call for the plain values a
    mapped row holds (text, numbers, `Decimal`, dates, None), unambiguous, and the same on
    every run. A value's type is part of it: `Decimal('1.50')` is not `1.5`."""
    state = (seed if seed is not None else hash_seed(list(row))).copy()
    text = repr(tuple(row.values())).encode()
    state.update(text)
    return HASH_VERSION + state.hexdigest(), len(text)


def _plain(value: Any) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    return value


def row_hash_v1(row: Row) -> str:
    """The first form of `record_hash` (sorted-key JSON, SHA-256), which ledgers written before
    v2 hold: a row equal to such a version is unchanged, not a new version."""
    text = json.dumps(row, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def same_content(row: Row, digest: str, stored: str | None) -> bool:
    """Whether a row with hash `digest` equals the stored version whose hash is `stored`."""
    if stored is None:
        return False
    if stored.startswith(HASH_VERSION):
        return stored == digest
    body = {k: v for k, v in row.items() if k != HASH_COLUMN}
    return stored == row_hash_v1(body)


class BatchWriter:
    """Buffers one object's rows per raw table and appends them in loads of ~`batch_bytes`."""

    def __init__(self, ledger: Ledger, source: str, tables: dict[str, tuple[str, TableSpec]],
                 rules: Sequence[TagRule], batch_bytes: int,
                 checks: Sequence[CheckRule] = ()) -> None:
        self.ledger = ledger
        self.source = source
        self.tables = tables
        """table key -> (raw table name, spec)."""
        self.rules = rules
        self.batch_bytes = batch_bytes
        self._rows: dict[str, dict[str, tuple[Row, str]]] = {k: {} for k in tables}
        self._bytes = dict.fromkeys(tables, 0)
        self.appended = 0
        self.unchanged = 0
        self.checks = checks
        self.rows_seen: dict[str, int] = {name: 0 for name, _ in tables.values()}
        """Rows read per raw table in this run (changed or not)."""
        self._columns: dict[str, tuple[str, ...]] = {}
        """Per table key: the row's columns in order (payload, then the tags it lacks)."""
        self._seeds: dict[str, Any] = {}
        self._names_size: dict[str, int] = {}
        """Per table key: bytes of the column names, counted with each row's values so that
        `batch_bytes` means what it did when rows were measured as JSON (names and values)."""
        for key, (_, spec) in tables.items():
            names = [col for col, _ in spec.columns]
            self._columns[key] = (*names, *(t for t in TAGS if t not in names))
            self._seeds[key] = hash_seed(self._columns[key])
            self._names_size[key] = len(repr(self._columns[key]))
        self.stages = {key: Stage(ledger, raw_table(name), source, "id")
                       for key, (name, _) in tables.items()}

    def begin(self) -> None:
        """Claim this run's stages, dropping what a killed run left in them."""
        for stage in self.stages.values():
            stage.claim()

    def commit(self) -> None:
        """Flush, then move every staged load into its raw table (inside the caller's
        transaction, so the loads are kept together with what the caller writes)."""
        self.flush_all()
        for stage in self.stages.values():
            stage.move()

    def discard(self) -> None:
        """Drop everything staged: nothing of this run reaches the ledger."""
        for key in self.tables:
            self._rows[key] = {}
            self._bytes[key] = 0
        for stage in self.stages.values():
            stage.discard()

    def release(self) -> None:
        for stage in self.stages.values():
            stage.release()

    def add(self, key: str, row: Row) -> None:
        name = self.tables[key][0]
        if row.get("id") in (None, ""):
            raise RecordError(f"a {key} record has no id")
        out = {col: row.get(col) for col in self._columns[key]}
        apply_tags(self.rules, name, out)
        check_row(self.checks, name, out)
        self.rows_seen[name] += 1
        digest, size = row_hash(out, self._seeds[key])
        out[HASH_COLUMN] = digest
        self._rows[key][str(out["id"])] = (out, digest)  # the same id again: the later wins
        self._bytes[key] += size + self._names_size[key]
        if self._bytes[key] >= self.batch_bytes:
            self.flush(key)

    def flush_all(self) -> None:
        for key in self.tables:
            self.flush(key)

    def flush(self, key: str) -> None:
        pending = self._rows[key]
        self._rows[key] = {}
        self._bytes[key] = 0
        if not pending:
            return
        name, spec = self.tables[key]
        stage = self.stages[key]
        stored = self._stored_hashes(stage, list(pending))
        fresh = [row for rid, (row, digest) in pending.items()
                 if not same_content(row, digest, stored.get(rid))]
        self.unchanged += len(pending) - len(fresh)
        if not fresh:
            return
        schema = spec.schema
        for tag in TAGS:
            if tag not in schema.names:
                schema = schema.append(pa.field(tag, pa.string()))
        schema = schema.append(pa.field(HASH_COLUMN, pa.string()))
        try:
            data = pa.Table.from_pylist(fresh, schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise RecordError(f"{name}: a value does not fit its column: {exc}") from None
        self.appended += stage.add(data)

    def _stored_hashes(self, stage: Stage, ids: list[str]) -> dict[str, str]:
        """The hash of the newest version of each of `ids`: staged in this run, or stored."""
        found = newest(self.ledger.engine, stage.table, [HASH_COLUMN], ids=ids, stage=stage)
        return dict(zip(found.column(ID_COLUMN).to_pylist(),
                        found.column(HASH_COLUMN).to_pylist(), strict=True))
