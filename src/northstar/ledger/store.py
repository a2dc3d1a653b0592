"""Appending to the ledger: one load is one transaction, one collection-log entry, one link
in the hash chain. Nothing here updates or deletes a ledger row."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from northstar.engines.base import Engine, quote
from northstar.errors import LoadError, NorthstarError
from northstar.ledger.hashing import GENESIS, RowHasher, chain
from northstar.ledger.schema import (
    LOG_DDL,
    LOG_TABLE,
    RAW_PREFIX,
    RESERVED,
    TAGS,
    arrow_type_of,
    check_name,
    duck_type_of,
)

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    table: str
    source: str
    rows: int
    replaced: int
    chain_hash: str


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Ledger:
    """The append-only store of raw facts, corrections and frozen values."""

    def __init__(self, engine: Engine, *, prepare: bool = True) -> None:
        """`prepare`: create the log if it is missing (not needed on a second connection to a
        database whose ledger is open already)."""
        self.engine = engine
        if prepare and not engine.read_only:
            self.engine.execute(LOG_DDL)
            self.engine.protect_table(LOG_TABLE)

    # -- reading the log -------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Every ledger table that has had a load, in first-load order."""
        found = self.engine.rows(
            f"SELECT table_name, min(load_id) FROM {LOG_TABLE} GROUP BY table_name ORDER BY 2"
        )
        return [str(r[0]) for r in found]

    def versions(self) -> dict[str, int]:
        """Per ledger table, the id of its newest successful load: its version."""
        found = self.engine.rows(
            f"SELECT table_name, max(load_id) FROM {LOG_TABLE} WHERE status = 'ok' "
            "GROUP BY table_name"
        )
        return {str(t): int(v) for t, v in found}

    def log(self, limit: int | None = None) -> pa.Table:
        sql = (
            f"SELECT load_id, table_name, source_name, row_count, replaced, started_at, "
            f"finished_at, status, error FROM {LOG_TABLE} ORDER BY load_id DESC"
        )
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return self.engine.query(sql)

    # -- appending -------------------------------------------------------------------------
    def append(
        self,
        table: str,
        data: pa.Table,
        *,
        source: str,
        id_column: str,
        tags: Mapping[str, str] | None = None,
    ) -> LoadResult:
        """Append one batch of records to `table` as one load: all rows or none.

        A failed load is still written to the collection log, with its error, and then raised."""
        check_name(table)
        check_name(source, "source")
        if self.engine.read_only:
            raise LoadError(f"cannot load into {table}: the project is open read-only")
        started = utcnow()
        try:
            with self.engine.transaction():
                return self._append(table, data, source, id_column, dict(tags or {}), started)
        except NorthstarError as exc:
            self._log_failure(table, source, started, str(exc))
            raise
        except Exception as exc:  # the driver's own errors: keep the message, log, re-raise
            self._log_failure(table, source, started, str(exc).splitlines()[0])
            raise LoadError(f"load into {table} failed: {str(exc).splitlines()[0]}") from exc

    def _append(
        self, table: str, data: pa.Table, source: str, id_column: str,
        tags: dict[str, str], started: datetime,
    ) -> LoadResult:
        self.lock_log()
        load_id, prev_hash = self._head()
        load_id += 1
        rows = self._with_system_columns(data, source, id_column, tags, started, load_id)
        columns = self.ensure_table(table, self.planned_columns(table, rows))
        rows = cast_to(rows, columns, table)
        self.engine.insert_arrow(table, rows)
        return self.log_load(table, source, load_id, prev_hash,
                             hashed_columns([n for n, _ in columns]), rows.num_rows, started)

    def lock_log(self) -> None:
        """Hold the collection log until the open transaction ends (PostgreSQL; a DuckDB file
        has a single writer)."""
        if self.engine.name == "postgres":
            self.engine.execute(f"LOCK TABLE {LOG_TABLE} IN EXCLUSIVE MODE")

    def log_load(self, table: str, source: str, load_id: int, prev_hash: str,
                 names: list[str], row_count: int, started: datetime,
                 content: str | None = None) -> LoadResult:
        """Write the log entry of load `load_id`, whose rows are already in `table`.

        `names` are the columns its content hash covers (`hashed_columns`); `content` is that
        hash when the caller computed it from exactly the rows it wrote (else they are read
        back and hashed here)."""
        # The earlier ids are narrowed to this load's own first, so the set the database
        # builds is as large as the load, not as the table.
        replaced = int(self.engine.scalar(
            f"SELECT count(*) FROM {quote(table)} WHERE load_id = ? AND source_id IN "
            f"(SELECT source_id FROM {quote(table)} WHERE load_id < ? AND source_id IN "
            f"(SELECT source_id FROM {quote(table)} WHERE load_id = ?))",
            [load_id, load_id, load_id],
        ) or 0)
        if content is None:
            content = self.content_hash(table, load_id, names)
        finished = utcnow()
        entry = (load_id, table, source, row_count, replaced, started, finished, "ok", None,
                 json.dumps(names), content)
        chain_hash = chain(prev_hash, *entry)
        self.engine.execute(
            f"INSERT INTO {LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*entry, prev_hash, chain_hash],
        )
        return LoadResult(load_id, table, source, row_count, replaced, chain_hash)

    def head(self) -> tuple[int, str]:
        """The newest log entry's load id and chain hash (0 and the genesis hash when empty)."""
        return self._head()

    def _head(self) -> tuple[int, str]:
        found = self.engine.rows(
            f"SELECT load_id, chain_hash FROM {LOG_TABLE} ORDER BY load_id DESC LIMIT 1"
        )
        if not found:
            return 0, GENESIS
        return int(found[0][0]), str(found[0][1])

    def record_failure(self, table: str, source: str, started: datetime, error: str) -> None:
        """Log a load that failed before it reached the ledger (e.g. an unreadable file)."""
        self._log_failure(check_name(table), check_name(source, "source"), started, error)

    def _log_failure(self, table: str, source: str, started: datetime, error: str) -> None:
        with self.engine.transaction():
            self.lock_log()
            load_id, prev_hash = self._head()
            load_id += 1
            empty = RowHasher([]).hexdigest()
            entry = (load_id, table, source, 0, 0, started, utcnow(), "failed", error[:2000],
                     "[]", empty)
            self.engine.execute(
                f"INSERT INTO {LOG_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*entry, prev_hash, chain(prev_hash, *entry)],
            )

    def content_hash(self, table: str, load_id: int, columns: list[str]) -> str:
        hasher = RowHasher(columns)
        cols = ", ".join(quote(c) for c in columns)
        for batch in self.engine.batches(
            f"SELECT {cols} FROM {quote(table)} WHERE load_id = ? ORDER BY row_seq", [load_id]
        ):
            hasher.update(batch)
        return hasher.hexdigest()

    # -- shaping a batch -------------------------------------------------------------------
    def shape(self, data: pa.Table, *, source: str, id_column: str, started: datetime,
              load_id: int, tags: Mapping[str, str] | None = None) -> pa.Table:
        """`data` with the ledger's system columns, checked as `append` checks it."""
        return self._with_system_columns(data, source, id_column, dict(tags or {}), started,
                                         load_id)

    def _with_system_columns(
        self, data: pa.Table, source: str, id_column: str, tags: dict[str, str],
        started: datetime, load_id: int,
    ) -> pa.Table:
        if data.num_rows == 0:
            raise LoadError("nothing to load: the batch has no rows")
        unknown = set(tags) - set(TAGS)
        if unknown:
            raise LoadError(f"unknown tag {sorted(unknown)[0]!r}; tags are: {', '.join(TAGS)}")
        for name in data.column_names:
            check_name(name, "column")
            if name in RESERVED:
                raise LoadError(f"column {name!r} is reserved for the ledger; rename it")
        if id_column not in data.column_names:
            raise LoadError(f"the id column {id_column!r} is not in the data; columns: "
                            + ", ".join(data.column_names))
        ids = pc.cast(data.column(id_column), pa.string())
        if ids.null_count:
            row = pc.index(pc.is_null(ids), True).as_py()
            raise LoadError(f"record {row + 1} has no {id_column}")
        if pc.count_distinct(ids).as_py() != data.num_rows:
            counts = pc.value_counts(ids)
            dup = next(v["values"] for v in counts.to_pylist() if v["counts"] > 1)
            raise LoadError(f"id {dup!r} appears more than once in this load")
        n = data.num_rows
        out = {
            "source_id": ids,
            "source_name": pa.array([source] * n, pa.string()),
            "loaded_at": pa.array([started] * n, pa.timestamp("us")),
            "load_id": pa.array([load_id] * n, pa.int64()),
            "row_seq": pa.array(range(1, n + 1), pa.int64()),
        }
        for tag in TAGS:
            value = tags.get(tag)
            if tag in data.column_names:
                col = pc.cast(data.column(tag), pa.string())
                out[tag] = pc.fill_null(col, value) if value is not None else col
            else:
                out[tag] = pa.array([value] * n, pa.string())
        for name in data.column_names:
            if name not in out:
                out[name] = data.column(name)
        return pa.table(out)

    def planned_columns(self, table: str, rows: pa.Table) -> list[tuple[str, str]]:
        """The columns `table` has once `rows` are appended: its own, then the new ones."""
        existing = self.engine.columns(table) or []
        have = {n for n, _ in existing}
        return existing + [(name, duck_type_of(rows.schema.field(name).type, name))
                           for name in rows.column_names if name not in have]

    def ensure_table(self, table: str, columns: list[tuple[str, str]]
                      ) -> list[tuple[str, str]]:
        """Create `table` with `columns`, or add the ones it lacks; returns its columns."""
        existing = self.engine.columns(table)
        if existing is None:
            body = ", ".join(f"{quote(n)} {self.engine.sql_type(t)}" for n, t in columns)
            self.engine.execute(f"CREATE TABLE {quote(table)} ({body})")
            self.engine.protect_table(table)
            return list(columns)
        have = {n for n, _ in existing}
        for name, t in columns:
            if name not in have:
                self.engine.execute(
                    f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} {self.engine.sql_type(t)}"
                )
                existing.append((name, t))
        return existing


def cast_to(rows: pa.Table, columns: list[tuple[str, str]], table: str) -> pa.Table:
    """Give every value the type its ledger column has; a value that does not fit fails the load."""
    out: dict[str, Any] = {}
    for name, duck in columns:
        target = arrow_type_of(duck)
        if name not in rows.column_names:
            out[name] = pa.nulls(rows.num_rows, target)
            continue
        col = rows.column(name)
        if pa.types.is_timestamp(col.type) and col.type.tz is not None:
            col = pc.cast(pc.cast(col, pa.timestamp("us", "UTC")), pa.timestamp("us"))
        if col.type != target:
            try:
                col = pc.cast(col, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise LoadError(
                    f"column {name!r} of {table} holds {duck}; a value here does not fit: "
                    f"{str(exc).splitlines()[0]}"
                ) from None
        out[name] = col
    return pa.table(out)


def hashed_columns(names: list[str]) -> list[str]:
    """The columns a load's content hash covers: all but `load_id`, which is what selects the
    load's rows (a row moved to another load changes both loads' row counts)."""
    return [n for n in names if n != "load_id"]


def raw_table(name: str) -> str:
    """The ledger table that holds a source object's records."""
    return RAW_PREFIX + check_name(name)
