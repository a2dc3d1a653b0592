"""What every engine adapter does: run SQL, return Arrow, append Arrow, hold a transaction.

The logic lives here and in the callers; an adapter is a small file that maps these few calls to
one driver. Northstar's own SQL is written in the portable subset both engines accept, with `?`
placeholders; metric and model SQL is written in DuckDB's dialect and transpiled with SQLGlot."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    import pyarrow as pa

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote(name: str) -> str:
    """Quote an identifier for both engines (double quotes, embedded quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def is_plain_identifier(name: str) -> bool:
    return bool(_IDENT.match(name))


class Engine(ABC):
    """One open connection to the project's database."""

    name: ClassVar[str]
    dialect: ClassVar[str]
    """SQLGlot dialect name used to transpile metric and model SQL."""
    SUPPORTS_IMMUTABLE_TABLES: ClassVar[bool] = False
    """True when the database itself can refuse UPDATE/DELETE on ledger tables."""
    SUPPORTS_TRANSACTIONS: ClassVar[bool] = True
    """False where the database has no transactions; the adapter then makes a commit of its own
    (Spark: a manifest swapped at once)."""
    SUPPORTS_TRIGGERS: ClassVar[bool] = True
    """False where the database has no triggers (nothing can refuse an edit inside it)."""
    HASHES_IN_SQL: ClassVar[bool] = False
    """True when the engine hashes a load's rows itself, side by side (`hash_loads`), instead
    of streaming them to this process; its loads record that engine's hash."""
    single_writer: ClassVar[bool] = False
    """True when no other process can write while this connection is open (a DuckDB file):
    then `writes` alone tells whether anything changed since a given moment."""

    def __init__(self, url: str, *, read_only: bool = False) -> None:
        self.url = url
        self.read_only = read_only
        """Opened for reading only: nothing is created, appended or frozen."""
        self._writes = 0
        self._depth = 0
        self._after_commit: list[Callable[[], None]] = []

    @property
    def writes(self) -> int:
        """Count of statements run through `execute`, `insert_arrow` and rollbacks."""
        return self._writes

    def _wrote(self) -> None:
        self._writes += 1

    # -- statements ----------------------------------------------------------------------
    @abstractmethod
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        """Run a statement that returns nothing worth reading."""

    @abstractmethod
    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return its rows as an Arrow table."""

    @abstractmethod
    def batches(self, sql: str, params: Sequence[Any] | None = None,
                batch_rows: int = 200_000) -> Iterator[pa.RecordBatch]:
        """Stream a large result in record batches, so memory stays flat."""

    @abstractmethod
    def insert_arrow(self, table: str, data: pa.Table) -> None:
        """Append an Arrow table's rows to an existing table (columns matched by name)."""

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run a query and return plain Python tuples (small results only)."""
        table = self.query(sql, params)
        cols = [table.column(i).to_pylist() for i in range(table.num_columns)]
        return list(zip(*cols, strict=True)) if cols else []

    @property
    def runs_side_by_side(self) -> bool:
        """True when `rows_side_by_side` would run statements at the same time right now."""
        return False

    def rows_side_by_side(self, statements: Sequence[str]) -> list[list[tuple[Any, ...]] | None]:
        """Run independent queries at the same time where the engine can, and return each
        one's rows, or None for a statement that failed or was not run (the caller runs it
        again on its own to report the error)."""
        return [None] * len(statements)

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        found = self.rows(sql, params)
        return found[0][0] if found else None

    # -- transactions --------------------------------------------------------------------
    @abstractmethod
    def _begin(self) -> None: ...

    @abstractmethod
    def _commit(self) -> None: ...

    @abstractmethod
    def _rollback(self) -> None: ...

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing. Nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._after_commit = []
            self._rollback()
            raise
        self._depth = 0
        try:
            self._commit()
        except BaseException:
            self._after_commit = []
            raise
        done, self._after_commit = self._after_commit, []
        for callback in done:
            callback()

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the open transaction commits (at once when none is open); a
        rollback forgets it. For what must not claim more than the database kept (the head
        anchor)."""
        if self._depth:
            self._after_commit.append(callback)
        else:
            callback()

    # -- catalogue -----------------------------------------------------------------------
    @abstractmethod
    def columns(self, relation: str) -> list[tuple[str, str]] | None:
        """Columns and their SQL types (DuckDB spelling), or None when there is no such relation."""

    def columns_of(self, relations: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        """Columns of many relations at once; a relation that does not exist is left out."""
        out: dict[str, list[tuple[str, str]]] = {}
        for relation in relations:
            found = self.columns(relation)
            if found is not None:
                out[relation] = found
        return out

    @abstractmethod
    def relations(self) -> set[str]:
        """Names of the tables and views in the project's schema."""

    def view_sql(self) -> dict[str, str]:
        """Each view of the project's schema and its SQL as the database keeps it (the text
        `verify` compares with the one recorded when Northstar built the view)."""
        raise NotImplementedError(f"{type(self).__name__} cannot list its views' SQL yet")

    def sql_type(self, duck_type: str) -> str:
        """The engine's spelling of a column type written DuckDB's way."""
        return duck_type

    def protect_table(self, table: str) -> None:  # noqa: B027 - optional capability
        """Make the database refuse UPDATE/DELETE on a ledger table, where it can (right
        after the table was created: an existing guard is never replaced, so one that was
        switched off stays off until `verify` reports it)."""

    # -- growing the ledger ------------------------------------------------------------
    # The ledger's own DDL goes through these, so that an engine whose app role may not
    # change ledger tables (PostgreSQL after `northstar db setup`) can route it elsewhere.
    def create_ledger_table(self, table: str, columns: Sequence[tuple[str, str]]) -> None:
        """Create a ledger table with `columns` (name, DuckDB type) and its guard."""
        body = ", ".join(f"{quote(n)} {self.sql_type(t)}" for n, t in columns)
        self.execute(f"CREATE TABLE {quote(table)} ({body})")
        self.protect_table(table)

    def create_fixed_ledger_table(self, table: str, ddl: str) -> None:
        """Create the collection log or the definitions (`ddl`) and its guard."""
        self.execute(ddl)
        self.protect_table(table)

    def add_ledger_column(self, table: str, name: str, duck_type: str) -> None:
        """Add an empty column to a ledger table."""
        self.execute(f"ALTER TABLE {quote(table)} ADD COLUMN {quote(name)} "
                     f"{self.sql_type(duck_type)}")

    def lock_ledger(self, table: str) -> None:  # noqa: B027 - optional capability
        """Hold the log or the definitions until the open transaction ends, where several
        processes may write (a DuckDB file has a single writer)."""

    def guard_report(self, tables: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
        """For `verify`: what is wrong with the database's own guard of `tables` (where,
        what), and notes on what it cannot promise. Nothing where there is no such guard."""
        return [], []

    def hash_loads(self, table: str, loads: Sequence[int], columns: Sequence[str],
                   unhashed: Sequence[str] = ()) -> dict[int, tuple[str, int, list[int]]]:
        """Per load of `table`: its content hash over `columns`, its row count, and how many
        of its rows hold a value in each of `unhashed` (where `HASHES_IN_SQL`)."""
        raise NotImplementedError(f"{type(self).__name__} does not hash rows itself")

    def transpile(self, sql: str) -> str:
        """Translate SQL written in DuckDB's dialect to this engine's."""
        return sql

    @abstractmethod
    def close(self) -> None: ...

    def fork(self) -> Engine | None:
        """A second connection to the same database, with its own transactions, for a worker
        thread (a connection is used by one thread at a time); None where there is none."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"
