"""The shared server: PostgreSQL through psycopg 3. The database refuses edits to the ledger."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlglot

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

_REFUSE_FUNCTION = """
CREATE OR REPLACE FUNCTION ns_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'northstar ledger table % is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;
"""


class _Rollback(Exception):
    """Raised into psycopg's transaction block to make it roll back."""


def _placeholders(sql: str) -> str:
    # Northstar's own SQL uses `?`; psycopg wants `%s` (and a literal % doubled).
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresEngine(Engine):
    name = "postgres"
    dialect = "postgres"
    SUPPORTS_IMMUTABLE_TABLES = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
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
        upper = duck_type.upper()
        if upper.startswith("DECIMAL"):
            return "numeric" + upper[len("DECIMAL"):]
        return _PG_TYPES.get(upper, duck_type)

    def protect_table(self, table: str) -> None:
        self.con.execute(_REFUSE_FUNCTION)
        trigger = quote(f"ns_append_only_{table}")
        self.con.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {quote(table)}")
        self.con.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {quote(table)} "
            "FOR EACH ROW EXECUTE FUNCTION ns_refuse_change()"
        )
        trunc = quote(f"ns_no_truncate_{table}")
        self.con.execute(f"DROP TRIGGER IF EXISTS {trunc} ON {quote(table)}")
        self.con.execute(
            f"CREATE TRIGGER {trunc} BEFORE TRUNCATE ON {quote(table)} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ns_refuse_change()"
        )

    def transpile(self, sql: str) -> str:
        return ";\n".join(sqlglot.transpile(sql, read="duckdb", write="postgres"))

    def close(self) -> None:
        self.con.close()

    def fork(self) -> PostgresEngine:
        return PostgresEngine(self.url)
