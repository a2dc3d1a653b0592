"""Appending to the ledger: one load is one transaction, one collection-log entry, one link
in the hash chain. Nothing here updates or deletes a ledger row.

Before it writes, a load checks what it builds on (`Ledger.begin_write`): the database is not
behind the head anchor, the newest entry was linked with this folder's ledger key, the
project's definitions are recorded, and the table still has the columns its newest load
recorded. So a change made behind the ledger's back is never carried forward by the next
load; the load fails and says so (and `verify` names it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from northstar.engines.base import Engine, quote
from northstar.errors import IntegrityError, LoadError, NorthstarError
from northstar.ledger.anchor import compare
from northstar.ledger.hashing import GENESIS, UNKEYED, RowHasher, chain, key_id_of
from northstar.ledger.schema import (
    LOG_ADDED,
    LOG_COLUMNS,
    LOG_DDL,
    LOG_TABLE,
    RAW_PREFIX,
    RESERVED,
    TAGS,
    arrow_type_of,
    check_name,
    column_changes,
    duck_type_of,
    parse_column_types,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pyarrow as pa

    from northstar.ledger.anchor import HeadAnchor
    from northstar.ledger.definitions import Definitions
    from northstar.ledger.hashing import ChainKey

_INSERT = (f"INSERT INTO {LOG_TABLE} ({', '.join(quote(c) for c in LOG_COLUMNS)}) VALUES "
           f"({', '.join('?' for _ in LOG_COLUMNS)})")


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    table: str
    source: str
    rows: int
    replaced: int
    chain_hash: str


@dataclass(frozen=True)
class WriteHead:
    """What a write builds on: the newest log entry, the definitions version in force, and
    the table's columns as they are (None before its first load)."""

    load_id: int
    chain_hash: str
    definitions: int | None
    columns: list[tuple[str, str]] | None


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Ledger:
    """The append-only store of raw facts, corrections and frozen values."""

    def __init__(self, engine: Engine, *, prepare: bool = True, key: ChainKey | None = None,
                 anchor: HeadAnchor | None = None, definitions: Definitions | None = None
                 ) -> None:
        """`prepare`: create the log if it is missing, or add the columns an older log lacks
        (not needed on a second connection to a database whose ledger is open already).

        `key` links new entries (HMAC; without it they are linked with plain SHA-256, as
        before the ledger was keyed); `anchor` is the head file written after each commit and
        checked before each write; `definitions` records the project's definitions."""
        self.engine = engine
        self.key = key
        self.anchor = anchor
        self.definitions = definitions
        self._recorded: dict[str, int] = {}
        self._types: dict[str, list[tuple[str, str]]] = {}
        """Per table, the newest load this ledger committed and the columns it recorded."""
        if prepare and not engine.read_only:
            found = self.engine.columns(LOG_TABLE)
            if found is None:
                self.engine.create_fixed_ledger_table(LOG_TABLE, LOG_DDL)
            have = {n for n, _ in found or []}
            for name, sql_type in LOG_ADDED:
                if found is not None and name not in have:  # a log from before the key
                    self.engine.add_ledger_column(LOG_TABLE, name, sql_type)
            if definitions is not None:
                definitions.prepare()

    # -- reading the log -------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Every ledger table that has had a load, in first-load order."""
        found = self.engine.rows(
            f"SELECT table_name, min(load_id) FROM {LOG_TABLE} GROUP BY table_name ORDER BY 2"
        )
        return [str(r[0]) for r in found]

    def has_loads(self, table: str) -> bool:
        """True when `table` had a successful load (a ledger table without one was made
        behind the ledger's back, and is never read)."""
        return bool(self.engine.rows(
            f"SELECT 1 FROM {LOG_TABLE} WHERE table_name = ? AND status = 'ok' LIMIT 1",
            [table]))

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
        head = self.begin_write(table)
        load_id = head.load_id + 1
        rows = self._with_system_columns(data, source, id_column, tags, started, load_id)
        columns = self.ensure_table(table, self.planned_columns(table, rows, head.columns),
                                    head.columns)
        rows = cast_to(rows, columns, table)
        self.engine.insert_arrow(table, rows)
        return self.log_load(table, source, load_id, head.chain_hash,
                             hashed_columns([n for n, _ in columns]), rows.num_rows, started,
                             types=columns, definitions=head.definitions)

    def lock_log(self) -> None:
        """Hold the collection log until the open transaction ends (PostgreSQL; a DuckDB file
        has a single writer)."""
        self.engine.lock_ledger(LOG_TABLE)

    def begin_write(self, table: str) -> WriteHead:
        """Lock the log and check what a load into `table` builds on (see the module's
        docstring); raises IntegrityError when something was changed behind the ledger's
        back. Run it inside the load's transaction."""
        self.lock_log()
        # One round trip: the newest entry, the table's newest load and the columns it
        # recorded, and the newest definitions version.
        defs = (f"(SELECT max(version) FROM {self.definitions.table})"
                if self.definitions is not None else "NULL")
        found = self.engine.rows(
            f"SELECT load_id, chain_hash, scheme, (SELECT max(load_id) FROM {LOG_TABLE} WHERE "
            f"table_name = ? AND status = 'ok') AS table_load, {defs} AS version "
            f"FROM {LOG_TABLE} ORDER BY load_id DESC LIMIT 1", [table])
        load_id, chain_hash, scheme, table_load, version = (
            found[0] if found else (0, GENESIS, None, None, None))
        problem = self._anchor_problem(load_id, chain_hash) or self._key_problem(load_id, scheme)
        if problem is not None:
            raise IntegrityError(f"{problem}; nothing was written (run `northstar verify`)")
        recorded = (self.definitions.sync(version if found else -1)
                    if self.definitions is not None else None)
        columns = self.engine.columns(table)
        if table_load is not None:
            self._check_columns(table, int(table_load), columns)
        return WriteHead(int(load_id), str(chain_hash),
                         None if recorded is None else recorded.version, columns)

    def _check_columns(self, table: str, load_id: int,
                       live: list[tuple[str, str]] | None) -> None:
        """The table has the columns (and types) load `load_id`, its newest, recorded."""
        if self._recorded.get(table) == load_id:  # this ledger wrote that load
            recorded = self._types[table]
        else:
            text = self.engine.scalar(f"SELECT column_types FROM {LOG_TABLE} WHERE load_id = ?",
                                      [load_id])
            if text is None:
                return  # the newest load predates recorded columns
            try:
                recorded = parse_column_types(text)
            except ValueError:
                raise IntegrityError(f"the log entry of {table}'s load {load_id} is damaged; "
                                     "run `northstar verify`") from None
        change = _changed(table, load_id, recorded, live)
        if change is not None:
            raise IntegrityError(f"{change}; nothing was written (run `northstar verify`)")

    def _anchor_problem(self, load_id: int, chain_hash: str) -> str | None:
        if self.anchor is None:
            return None
        head = self.anchor.read()
        if head is None:
            return None
        return compare(head, (load_id, chain_hash), self._hash_of, what="load",
                       file=self.anchor.path)

    def _key_problem(self, load_id: int, scheme: str | None) -> str | None:
        """Why this ledger may not link an entry after load `load_id` (linked by `scheme`)."""
        key_id = None if scheme is None else key_id_of(scheme)
        if key_id is None:
            return None
        if self.key is not None and key_id == self.key.id:
            return None
        mine = "none" if self.key is None else f"ledger key {self.key.id}"
        return (f"load {load_id} was linked with ledger key {key_id}, and this folder has "
                f"{mine}: copy .northstar/ledger.key from the project folder that wrote it")

    def _hash_of(self, load_id: int) -> str | None:
        found = self.engine.scalar(f"SELECT chain_hash FROM {LOG_TABLE} WHERE load_id = ?",
                                   [load_id])
        return None if found is None else str(found)

    def _remember(self, table: str, load_id: int, types: list[tuple[str, str]]) -> None:
        """The columns a committed load recorded: the next load of the table checks them
        without reading its log entry again."""
        self._recorded[table] = load_id
        self._types[table] = types

    @property
    def _scheme(self) -> str:
        return UNKEYED if self.key is None else self.key.scheme

    def _link(self, prev_hash: str, entry: tuple[Any, ...]) -> str:
        return chain(prev_hash, *entry) if self.key is None else self.key.link(prev_hash, *entry)

    def _write_entry(self, entry: tuple[Any, ...], prev_hash: str) -> str:
        """Insert a log entry (the fields of `LOG_COLUMNS` but the two hashes); its hash."""
        chain_hash = self._link(prev_hash, entry)
        self.engine.execute(_INSERT, [*entry[:11], prev_hash, chain_hash, *entry[11:]])
        anchor = self.anchor
        if anchor is not None:
            load_id, keyed = int(entry[0]), self.key is not None
            self.engine.on_commit(lambda: anchor.advance(
                load=(load_id, chain_hash), keyed_from=load_id if keyed else None))
        return chain_hash

    def log_load(self, table: str, source: str, load_id: int, prev_hash: str,
                 names: list[str], row_count: int, started: datetime,
                 content: str | None = None, *, types: list[tuple[str, str]] | None = None,
                 definitions: int | None = None) -> LoadResult:
        """Write the log entry of load `load_id`, whose rows are already in `table`.

        `names` are the columns its content hash covers (`hashed_columns`); `content` is that
        hash when the caller computed it from exactly the rows it wrote (else they are read
        back and hashed here). `types`: the table's columns once the rows are in (read when
        not given); `definitions`: the definitions version in force (`begin_write`)."""
        # The earlier ids are narrowed to this load's own first, so the set the database
        # builds is as large as the load, not as the table.
        replaced = int(self.engine.scalar(
            f"SELECT count(*) FROM {quote(table)} WHERE load_id = ? AND source_id IN "
            f"(SELECT source_id FROM {quote(table)} WHERE load_id < ? AND source_id IN "
            f"(SELECT source_id FROM {quote(table)} WHERE load_id = ?))",
            [load_id, load_id, load_id],
        ) or 0)
        if content is None or self.engine.HASHES_IN_SQL:
            content = self.content_hash(table, load_id, names)
        finished = utcnow()
        if types is None:
            types = self.engine.columns(table) or []
        entry = (load_id, table, source, row_count, replaced, started, finished, "ok", None,
                 json.dumps(names), content, self._scheme,
                 json.dumps([[n, t] for n, t in types]), definitions)
        chain_hash = self._write_entry(entry, prev_hash)
        recorded = list(types)
        self.engine.on_commit(lambda: self._remember(table, load_id, recorded))
        return LoadResult(load_id, table, source, row_count, replaced, chain_hash)

    def head(self) -> tuple[int, str]:
        """The newest log entry's load id and chain hash (0 and the genesis hash when empty)."""
        load_id, chain_hash, _ = self._newest()
        return load_id, chain_hash

    def _newest(self) -> tuple[int, str, str | None]:
        found = self.engine.rows(
            f"SELECT load_id, chain_hash, scheme FROM {LOG_TABLE} ORDER BY load_id DESC LIMIT 1"
        )
        if not found:
            return 0, GENESIS, None
        scheme = found[0][2]
        return int(found[0][0]), str(found[0][1]), None if scheme is None else str(scheme)

    def record_failure(self, table: str, source: str, started: datetime, error: str) -> None:
        """Log a load that failed before it reached the ledger (e.g. an unreadable file)."""
        self._log_failure(check_name(table), check_name(source, "source"), started, error)

    def _log_failure(self, table: str, source: str, started: datetime, error: str) -> None:
        with self.engine.transaction():
            self.lock_log()
            load_id, prev_hash, scheme = self._newest()
            try:
                refused = (self._key_problem(load_id, scheme)
                           or self._anchor_problem(load_id, prev_hash))
            except IntegrityError as exc:  # a damaged anchor
                refused = str(exc)
            if refused is not None:
                return  # nothing goes onto a chain this folder cannot vouch for; the error says why
            empty = RowHasher([]).hexdigest()
            entry = (load_id + 1, table, source, 0, 0, started, utcnow(), "failed",
                     error[:2000], "[]", empty, self._scheme, None, None)
            self._write_entry(entry, prev_hash)

    def content_hash(self, table: str, load_id: int, columns: list[str]) -> str:
        if self.engine.HASHES_IN_SQL:  # hashed where the rows are (Spark), not here
            found = self.engine.hash_loads(table, [load_id], columns)
            return found[load_id][0] if load_id in found else RowHasher([]).hexdigest()
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
        import pyarrow as pa  # imported where a load needs it: reading commands never do
        import pyarrow.compute as pc

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

    def planned_columns(self, table: str, rows: pa.Table,
                        existing: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
        """The columns `table` has once `rows` are appended: its own (`existing`, when the
        caller read them already), then the new ones."""
        if existing is None:
            existing = self.engine.columns(table) or []
        have = {n for n, _ in existing}
        return existing + [(name, duck_type_of(rows.schema.field(name).type, name))
                           for name in rows.column_names if name not in have]

    def ensure_table(self, table: str, columns: list[tuple[str, str]],
                     existing: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
        """Create `table` with `columns`, or add the ones it lacks; returns its columns as the
        database reports them (what the load's log entry records). `existing`: the table's
        columns when the caller read them already in this transaction."""
        if existing is None:
            existing = self.engine.columns(table)
        if existing is None:
            self.engine.create_ledger_table(table, columns)
            return self.engine.columns(table) or list(columns)
        have = {n for n, _ in existing}
        added = False
        for name, t in columns:
            if name not in have:
                self.engine.add_ledger_column(table, name, t)
                added = True
        return (self.engine.columns(table) or existing) if added else existing


def cast_to(rows: pa.Table, columns: list[tuple[str, str]], table: str) -> pa.Table:
    """Give every value the type its ledger column has; a value that does not fit fails the load."""
    import pyarrow as pa
    import pyarrow.compute as pc

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


def newest_columns(engine: Engine) -> dict[str, tuple[int, list[tuple[str, str]] | None]]:
    """Every table with a successful load -> its newest such load, and the columns that load
    recorded (None for a load from before columns were recorded, or an unreadable entry)."""
    found = engine.rows(
        f"SELECT table_name, load_id, column_types FROM (SELECT table_name, load_id, "
        f"column_types, row_number() OVER (PARTITION BY table_name ORDER BY load_id DESC) "
        f"AS n FROM {LOG_TABLE} WHERE status = 'ok') AS t WHERE n = 1")
    out: dict[str, tuple[int, list[tuple[str, str]] | None]] = {}
    for table, load_id, text in found:
        try:
            types = None if text is None else parse_column_types(text)
        except ValueError:
            types = None  # `verify` reports the damaged entry
        out[str(table)] = (int(load_id), types)
    return out


def changed_tables(engine: Engine, tables: list[str],
                   recorded: dict[str, tuple[int, list[tuple[str, str]] | None]]) -> list[str]:
    """For each of `tables` whose columns differ from what its newest load recorded (as
    `newest_columns` gives them): what changed, in one line naming the table."""
    live = engine.columns_of(tables)
    out = []
    for table in tables:
        load_id, types = recorded.get(table, (0, None))
        change = None if types is None else _changed(table, load_id, types, live.get(table))
        if change is not None:
            out.append(change)
    return out


def _changed(table: str, load_id: int, recorded: list[tuple[str, str]],
             live: list[tuple[str, str]] | None) -> str | None:
    changes = ["the table was dropped"] if live is None else column_changes(recorded, live)
    if not changes:
        return None
    return f"{table} was changed outside Northstar since load {load_id}: {'; '.join(changes)}"


def hashed_columns(names: list[str]) -> list[str]:
    """The columns a load's content hash covers: all but `load_id`, which is what selects the
    load's rows (a row moved to another load changes both loads' row counts)."""
    return [n for n in names if n != "load_id"]


def raw_table(name: str) -> str:
    """The ledger table that holds a source object's records."""
    return RAW_PREFIX + check_name(name)
