"""The shared server: PostgreSQL through psycopg 3. The database refuses edits to the ledger."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlglot

from northstar.engines import pg_guard
from northstar.engines.base import Engine, quote
from northstar.errors import NorthstarError

_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "INTEGER": "integer",
    "DOUBLE": "double precision",
    "DATE": "date",
    "TIMESTAMP": "timestamp",
    "BOOLEAN": "boolean",
}
_DUCK_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "bigint": "BIGINT",
    "integer": "INTEGER",
    "double precision": "DOUBLE",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "boolean": "BOOLEAN",
}

class _Rollback(Exception):
    """Raised into psycopg's transaction block to make it roll back."""


def _placeholders(sql: str) -> str:
    # Northstar's own SQL uses `?`; psycopg wants `%s` (and a literal % doubled).
    return sql.replace("%", "%%").replace("?", "%s")


def pg_type(duck_type: str) -> str:
    """PostgreSQL's spelling of a column type written DuckDB's way."""
    upper = duck_type.upper()
    if upper.startswith("DECIMAL"):
        return "numeric" + upper[len("DECIMAL"):]
    return _PG_TYPES.get(upper, duck_type)


def _compact(sql_type: str) -> str:
    """A type as the owner's functions accept it: `numeric(18,2)`, without spaces."""
    return sql_type.replace(" ", "") if sql_type.startswith("numeric") else sql_type


class PostgresEngine(Engine):
    name = "postgres"
    dialect = "postgres"
    SUPPORTS_IMMUTABLE_TABLES = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._separate_roles = False
        """True once the schema was found set up with separate roles (`northstar db setup`):
        the ledger then grows only through the owner's functions."""
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise NorthstarError(f"cannot connect to {url}: {str(exc).strip()}") from None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        try:
            self.con.execute(_placeholders(sql) if params else sql, params)
        except psycopg.Error as exc:
            raise NorthstarError(str(exc).strip().splitlines()[0]) from exc

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        try:
            cur = self.con.execute(_placeholders(sql) if params else sql, params)
        except psycopg.Error as exc:
            raise NorthstarError(str(exc).strip().splitlines()[0]) from exc
        names = [d.name for d in cur.description or []]
        rows = cur.fetchall()
        return pa.table({n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)})

    def batches(self, sql: str, params: Sequence[Any] | None = None,
                batch_rows: int = 200_000) -> Iterator[pa.RecordBatch]:
        with self.con.transaction(), self.con.cursor(name="ns_stream") as cur:
            cur.execute(_placeholders(sql) if params else sql, params)
            while True:
                rows = cur.fetchmany(batch_rows)
                if not rows:
                    break
                names = [d.name for d in cur.description or []]
                yield pa.RecordBatch.from_pydict(
                    {n: pa.array([r[i] for r in rows]) for i, n in enumerate(names)}
                )

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        buf = io.BytesIO()
        # Quote every valid value so an empty string stays '' and a null stays NULL.
        pacsv.write_csv(data, buf, pacsv.WriteOptions(include_header=False,
                                                       quoting_style="all_valid"))
        cols = ", ".join(quote(c) for c in data.column_names)
        with self.con.cursor() as cur, cur.copy(
            f"COPY {quote(table)} ({cols}) FROM STDIN WITH (FORMAT csv)"
        ) as copy:
            copy.write(buf.getvalue())

    # psycopg's own transaction objects, so a streaming cursor inside one nests as a savepoint.
    def _begin(self) -> None:
        self._tx = self.con.transaction()
        self._tx.__enter__()

    def _commit(self) -> None:
        self._tx.__exit__(None, None, None)

    def _rollback(self) -> None:
        try:
            raise _Rollback
        except _Rollback as exc:
            self._tx.__exit__(type(exc), exc, exc.__traceback__)

    def columns(self, relation: str) -> list[tuple[str, str]] | None:
        return self.columns_of([relation]).get(relation)

    def columns_of(self, relations: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
        found = self.con.execute(
            "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = ANY(%s) ORDER BY table_name, ordinal_position",
            [sorted(set(relations))],
        ).fetchall()
        out: dict[str, list[tuple[str, str]]] = {}
        for relation, name, dtype, precision, scale in found:
            if dtype == "numeric":
                duck = f"DECIMAL({precision or 38},{scale or 0})"
            else:
                duck = _DUCK_TYPES.get(dtype, dtype.upper())
            out.setdefault(str(relation), []).append((str(name), duck))
        return out

    def relations(self) -> set[str]:
        found = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        ).fetchall()
        return {str(r[0]) for r in found}

    def view_sql(self) -> dict[str, str]:
        found = self.con.execute(
            "SELECT viewname, definition FROM pg_views WHERE schemaname = current_schema()"
        ).fetchall()
        return {str(name): str(sql) for name, sql in found}

    def sql_type(self, duck_type: str) -> str:
        return pg_type(duck_type)

    def protect_table(self, table: str) -> None:
        found = self.con.execute(
            "SELECT 1 FROM pg_proc WHERE proname = %s AND pronargs = 0 AND pronamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())",
            [pg_guard.REFUSE]).fetchone()
        if found is None:
            self.execute(pg_guard.refuse_function_sql())
        for statement in pg_guard.trigger_statements(table):
            self.execute(statement)

    @property
    def separate_roles(self) -> bool:
        """True when the ledger belongs to an owner role (`northstar db setup`); looked up
        until found, so a server started before the set-up follows it."""
        if not self._separate_roles:
            self._separate_roles = pg_guard.set_up(self)
        return self._separate_roles

    def create_ledger_table(self, table: str, columns: Sequence[tuple[str, str]]) -> None:
        if not self.separate_roles:
            super().create_ledger_table(table, columns)
            return
        spec = [[n, _compact(self.sql_type(t))] for n, t in columns]
        self.execute(f"SELECT {pg_guard.CREATE_TABLE}(?, CAST(? AS jsonb))",
                     [table, json.dumps(spec)])

    def create_fixed_ledger_table(self, table: str, ddl: str) -> None:
        if self.separate_roles:
            raise NorthstarError(f"{table} is missing, and the ledger belongs to an owner role: "
                                 "run `northstar db setup` again to create it")
        super().create_fixed_ledger_table(table, ddl)

    def add_ledger_column(self, table: str, name: str, duck_type: str) -> None:
        if not self.separate_roles:
            super().add_ledger_column(table, name, duck_type)
            return
        self.execute(f"SELECT {pg_guard.ADD_COLUMN}(?, ?, ?)",
                     [table, name, _compact(self.sql_type(duck_type))])

    def lock_ledger(self, table: str) -> None:
        if self.separate_roles:
            self.execute(f"SELECT {pg_guard.LOCK}(?)", [table])
        else:
            self.execute(f"LOCK TABLE {quote(table)} IN EXCLUSIVE MODE")

    def guard_report(self, tables: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
        report = pg_guard.guard_report(self, list(tables))
        return report.problems, report.notes

    def transpile(self, sql: str) -> str:
        return ";\n".join(sqlglot.transpile(sql, read="duckdb", write="postgres"))

    def close(self) -> None:
        self.con.close()

    def fork(self) -> PostgresEngine:
        return PostgresEngine(self.url)
