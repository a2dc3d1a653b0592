"""Appending mapped rows: tags by rule, byte-sized loads, and no duplicate versions.

Every raw row carries `record_hash`, a hash of its payload and tags. A row whose hash equals
the newest stored version of the same record is not appended again, so re-reading a window or
replaying a page adds nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa

from northstar.ledger.schema import TAGS
from northstar.ledger.store import Ledger, raw_table
from northstar.sources.base import Row, TableSpec
from northstar.sources.config import CheckRule, TagRule
from northstar.sources.quality import check_row
from northstar.sources.tags import apply_tags
from northstar.sources.values import RecordError

HASH_COLUMN = "record_hash"


def _plain(value: Any) -> Any:
    if isinstance(value, (Decimal, date, datetime)):
        return str(value)
    return value


def row_hash(row: Row) -> tuple[str, int]:
    """The row's content hash and its size in bytes (as canonical JSON)."""
    text = json.dumps(row, sort_keys=True, default=_plain, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32], len(text)


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

    def add(self, key: str, row: Row) -> None:
        name, spec = self.tables[key]
        if row.get("id") in (None, ""):
            raise RecordError(f"a {key} record has no id")
        out = {col: row.get(col) for col, _ in spec.columns}
        for tag in TAGS:
            out.setdefault(tag, row.get(tag))
        apply_tags(self.rules, name, out)
        check_row(self.checks, name, out)
        self.rows_seen[name] += 1
        digest, size = row_hash(out)
        out[HASH_COLUMN] = digest
        self._rows[key][str(out["id"])] = (out, digest)  # the same id again: the later wins
        self._bytes[key] += size
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
        stored = self._stored_hashes(raw_table(name), list(pending))
        fresh = [row for rid, (row, digest) in pending.items() if stored.get(rid) != digest]
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
        self.ledger.append(raw_table(name), data, source=self.source, id_column="id")
        self.appended += len(fresh)

    def _stored_hashes(self, table: str, ids: list[str]) -> dict[str, str]:
        engine = self.ledger.engine
        columns = engine.columns(table)
        if columns is None or HASH_COLUMN not in {n for n, _ in columns}:
            return {}
        found = engine.rows(
            f'SELECT source_id, {HASH_COLUMN} FROM (SELECT source_id, {HASH_COLUMN}, '
            f'row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC) AS n '
            f'FROM "{table}" WHERE source_id IN (SELECT unnest(CAST(? AS VARCHAR[])))) AS x '
            "WHERE n = 1",
            [ids],
        )
        return {str(i): str(h) for i, h in found}
