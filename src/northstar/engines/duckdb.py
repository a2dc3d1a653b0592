"""The embedded default: one DuckDB file in the project folder, nothing to install or start."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import duckdb

from northstar.engines.base import Engine, quote
from northstar.errors import LedgerLockedError, NorthstarError

if TYPE_CHECKING:
    import pyarrow as pa


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = "duckdb"
    SUPPORTS_IMMUTABLE_TABLES = False
    single_writer = True

    def __init__(self, url: str, path: Path | None, *, read_only: bool = False,
                 memory_limit: str | None = None, threads: int | None = None) -> None:
        super().__init__(url, read_only=read_only)
        self.path = path
        self._file_key = str(path.resolve()) if path is not None else None
        self._workers = min(os.cpu_count() or 1, threads or os.cpu_count() or 1)
        """Statements `rows_side_by_side` runs at once: one per core, at most `threads`."""
        self._pool: ThreadPoolExecutor | None = None
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._local = threading.local()
        """The pool `rows_side_by_side` runs on and each of its threads' cursor, kept for
        the engine's life: a cursor and a thread made per statement grew the server."""
        self._relations: tuple[int, frozenset[str]] | None = None
        """The names `relations()` found, and the write count they were found at: a DuckDB
        file has one writer, this process, so they hold until it writes again."""
        target = str(path) if path is not None else ":memory:"
        try:
            self.con = duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise LedgerLockedError(
                    f"{target} is open for writing in another process (is `northstar serve` "
                    "running?); stop it, or send the change through the running server"
                ) from None
            raise NorthstarError(f"cannot open {target}: {exc}") from None
        # the database's settings (one per file and process), not a connection's: each later
        # connection to the file shares them
        self.memory_limit = memory_limit.strip() if memory_limit is not None else None
        """The limit as northstar.toml wrote it (it reads back rounded, "953.6 MiB")."""
        if self.memory_limit is not None:
            self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
        if threads is not None:
            self.con.execute(f"SET threads = {int(threads)}")

    def _wrap(self, exc: duckdb.Error) -> NorthstarError:
        return NorthstarError(str(exc).splitlines()[0])

    # Connections of one process to the same file share one database: count their writes
    # together, so one project object sees what another in the same process appended.
    _writes_by_file: ClassVar[dict[str, int]] = {}

    @property
    def writes(self) -> int:
        if self._file_key is None:
            return self._writes
        return self._writes_by_file.get(self._file_key, 0)

    def _wrote(self) -> None:
        if self._file_key is None:
            self._writes += 1
        else:
            self._writes_by_file[self._file_key] = self._writes_by_file.get(self._file_key, 0) + 1

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self._wrote()
        self.con.execute(sql, list(params) if params is not None else None)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        # Straight to Python tuples: no Arrow round trip, and the statement is bound once.
        return self.con.execute(sql, list(params) if params is not None else None).fetchall()

    @property
    def runs_side_by_side(self) -> bool:
        # Outside a transaction only: other connections (cursors) would not see its rows.
        return self._depth == 0 and self._workers > 1

    def rows_side_by_side(self, statements: Sequence[str]) -> list[list[tuple[Any, ...]] | None]:
        """Each statement on a cursor of its own (a connection to the same database), one
        per core at a time. DuckDB lets go of the GIL while a statement runs, so one statement
        is planned while another executes, and small statements that use one core each keep
        all of them busy."""
        if not self.runs_side_by_side or len(statements) < 2:
            return [None] * len(statements)

        def run(sql: str) -> list[tuple[Any, ...]] | None:
            cursor = getattr(self._local, "cursor", None)
            if cursor is None:  # this pool thread's own, kept: autocommit sees every commit
                cursor = self._local.cursor = self.con.cursor()
                self._cursors.append(cursor)
            try:
                rows: list[tuple[Any, ...]] = cursor.execute(sql).fetchall()
                return rows
            except duckdb.Error:
                return None

        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="northstar-duckdb")
        # the longest first (length stands in for cost): the last to finish is then short
        order = sorted(range(len(statements)), key=lambda i: -len(statements[i]))
        found: list[list[tuple[Any, ...]] | None] = [None] * len(statements)
        for i, rows in zip(order, self._pool.map(run, [statements[i] for i in order]),
                           strict=True):
            found[i] = rows
        return found

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        rel = self.con.sql(sql, params=list(params) if params is not None else None)
        if rel is None:
            import pyarrow as pa  # what reads rows as Arrow imports it; `rows` never does

            return pa.table({})
        return rel.to_arrow_table()

    def batches(self, sql: str, params: Sequence[Any] | None = None,
                batch_rows: int = 200_000) -> Iterator[pa.RecordBatch]:
        # On the main connection, so it sees the open transaction's own rows; the caller runs
        # no other statement until the stream is drained.
        rel = self.con.sql(sql, params=list(params) if params is not None else None)
        yield from rel.to_arrow_reader(batch_rows)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        view = "__ns_incoming"
        self._wrote()
        self.con.register(view, data)
        try:
            cols = ", ".join(quote(c) for c in data.column_names)
            self.con.execute(f"INSERT INTO {quote(table)} ({cols}) SELECT {cols} FROM {view}")
        finally:
            self.con.unregister(view)

    def _begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        self._wrote()
        self.con.execute("ROLLBACK")

    def columns(self, relation: str) -> list[tuple[str, str]] | None:
        # pragma_table_info reads one relation; information_schema.columns lists every column
        # of every table first (15x slower on a project with dozens of views).
        # A missing relation is looked up first: a failed statement would abort an open
        # transaction.
        exists = self.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = current_schema() AND table_name = ?1 UNION ALL "
            "SELECT count(*) FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = current_schema() AND view_name = ?1", [relation]).fetchall()
        if not any(n for (n,) in exists):
            return None
        found = self.con.execute("SELECT name, type FROM pragma_table_info(?)",
                                 [relation]).fetchall()
        return [(str(n), str(t)) for n, t in found] or None

    def columns_of(self, relations: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        wanted = sorted(set(relations))
        if not wanted:
            return {}
        found = self.con.execute(
            "SELECT table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name = current_schema() "
            "AND list_contains(?, table_name) ORDER BY table_name, column_index",
            [wanted]).fetchall()
        out: dict[str, list[tuple[str, str]]] = {}
        for relation, name, dtype in found:
            out.setdefault(str(relation), []).append((str(name), str(dtype)))
        return out

    def relations(self) -> set[str]:
        if self._relations is not None and self._relations[0] == self.writes:
            return set(self._relations[1])  # nothing was created or dropped since
        found = self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = current_schema() UNION ALL SELECT view_name FROM duckdb_views() "
            "WHERE database_name = current_database() AND schema_name = current_schema() "
            "AND NOT internal"
        ).fetchall()
        names = {str(r[0]) for r in found}
        self._relations = (self.writes, frozenset(names))
        return names

    def view_sql(self) -> dict[str, str]:
        found = self.con.execute(
            "SELECT view_name, sql FROM duckdb_views() WHERE database_name = current_database() "
            "AND schema_name = current_schema() AND NOT internal").fetchall()
        return {str(name): str(sql) for name, sql in found}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        for cursor in self._cursors:
            cursor.close()
        self._cursors.clear()
        self.con.close()

    def fork(self) -> DuckDBEngine | None:
        # A cursor is a connection of its own to the same database (and shares its settings).
        # An in-memory database is left alone: its write count is per object.
        if self.path is None or self.read_only:
            return None
        twin = DuckDBEngine.__new__(DuckDBEngine)
        Engine.__init__(twin, self.url)
        twin.path, twin._file_key, twin._workers = self.path, self._file_key, self._workers
        twin._relations = None
        twin._pool, twin._cursors, twin._local = None, [], threading.local()
        twin.con = self.con.cursor()
        return twin
