"""Warehouses Northstar can attach: read-only adapters that list a schema's tables and run one
SELECT, returning Arrow. Each adapter is a small class over one driver, like the engines.

`open_warehouse(url)` picks one by the URL's scheme: `duckdb:///path/file.duckdb`,
`postgresql://user@host:5432/db` or `bigquery://project`."""

from __future__ import annotations

import io
import threading
from abc import ABC, abstractmethod
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from northstar.errors import ConfigError, NorthstarError

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa
    import pyarrow.csv as pacsv

__all__ = ["BigQueryWarehouse", "DuckDBWarehouse", "PostgresWarehouse", "Warehouse",
           "open_warehouse"]


class Warehouse(ABC):
    """One read-only connection to a warehouse that Fivetran (or Stitch) lands tables in."""

    name: ClassVar[str]
    dialect: ClassVar[str]
    """SQLGlot dialect the mapping SQL is transpiled to."""

    def __init__(self, url: str) -> None:
        self.url = url

    def columns(self, schema: str, table: str) -> set[str] | None:
        """Lower-case column names of `schema.table`, or None when there is no such table."""
        cache: dict[str, dict[str, set[str]]] = self.__dict__.setdefault("_columns", {})
        if schema not in cache:
            cache[schema] = self.schema_columns(schema)
        return cache[schema].get(table)

    @abstractmethod
    def schema_columns(self, schema: str) -> dict[str, set[str]]:
        """Every table of a schema with its lower-case column names (read once per attach)."""

    @abstractmethod
    def read(self, sql: str) -> pa.Table:
        """Run one SELECT (already in this warehouse's dialect) and return its rows."""

    def batches(self, sql: str, rows: int) -> Iterator[pa.Table]:
        """Run one SELECT and yield its rows in batches of about `rows` (one batch where the
        driver cannot stream)."""
        yield self.read(sql)

    def qualify(self, schema: str) -> tuple[str | None, str]:
        """(catalog, schema) for a table reference; BigQuery's `project.dataset` splits."""
        return None, schema

    def close(self) -> None:  # noqa: B027 - nothing to close by default
        """Close the connection."""

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class DuckDBWarehouse(Warehouse):
    """A DuckDB file (or MotherDuck database file copied locally), opened read-only."""

    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, url: str, path: Path) -> None:
        super().__init__(url)
        import duckdb

        if not path.exists():
            raise NorthstarError(f"warehouse file {path} does not exist")
        try:
            self.con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise NorthstarError(f"cannot open warehouse {path}: "
                                 f"{str(exc).splitlines()[0]}") from None

    def schema_columns(self, schema: str) -> dict[str, set[str]]:
        found = self.con.execute(
            "SELECT table_name, lower(column_name) FROM information_schema.columns "
            "WHERE table_schema = ?", [schema]).fetchall()
        out: dict[str, set[str]] = {}
        for table, column in found:
            out.setdefault(str(table), set()).add(str(column))
        return out

    def read(self, sql: str) -> pa.Table:
        return self.con.sql(sql).to_arrow_table()

    def batches(self, sql: str, rows: int) -> Iterator[pa.Table]:
        import pyarrow as pa

        reader = self.con.sql(sql).to_arrow_reader(rows)
        for batch in reader:
            yield pa.Table.from_batches([batch])

    def close(self) -> None:
        self.con.close()


# PostgreSQL type oids -> the Arrow type a column is read as.
_PG_OIDS: dict[int, str] = {
    16: "bool_", 20: "int64", 21: "int64", 23: "int64", 700: "float64", 701: "float64",
    25: "string", 1043: "string", 1042: "string", 19: "string", 1082: "date32",
    1114: "timestamp", 1184: "timestamptz", 1700: "numeric",
}


# Bytes of CSV Arrow parses at a time when streaming a COPY: one record batch per block.
# Arrow's streaming reader also reads up to 32 blocks ahead on its IO thread, so the raw CSV
# held in flight is at most about 33 of these, whatever the size of the table.
_STREAM_BLOCK = 1 << 18


def _pg_error(exc: BaseException) -> NorthstarError:
    """A driver error as a NorthstarError with its first line for the message."""
    lines = str(exc).strip().splitlines()
    return NorthstarError(lines[0] if lines else type(exc).__name__)


def _pg_parse() -> pacsv.ParseOptions:
    """COPY quotes a value with a line break in it: blocks may only be cut between rows (with
    the default, a break inside a value at a block boundary splits the row in two)."""
    import pyarrow.csv as pacsv

    return pacsv.ParseOptions(newlines_in_values=True)


def _pg_convert(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    """How COPY's CSV is read: the columns' own types; an unquoted empty field is NULL and a
    quoted one the empty string; booleans are t/f. Only the empty field is NULL: Arrow's
    default also reads the text `NULL`, `NaN`, `N/A`, `null`, ... (which COPY does not quote)
    as NULL, so such values were lost."""
    import pyarrow.csv as pacsv

    return pacsv.ConvertOptions(
        column_types=types, strings_can_be_null=True, quoted_strings_can_be_null=False,
        null_values=[""], true_values=["t"], false_values=["f"],
    )


class _CopyStream(io.RawIOBase):
    """The output of a running `COPY ... TO STDOUT` as a readable file: rows are pulled from
    the server only as Arrow's CSV reader asks for bytes.

    Arrow calls `read` from its own IO thread and reads ahead, so reads are serialised with
    `stop()`; once stopped the stream reads as ended and never touches the connection again,
    which leaves the COPY to be ended by its owner. A driver error met while reading is kept
    in `error` (Arrow hands its own error to the caller)."""

    def __init__(self, copy: psycopg.Copy) -> None:
        super().__init__()
        self._rows = iter(copy)
        self._buf = bytearray()
        self._lock = threading.Lock()
        self._stopped = False
        self._ended = False
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        with self._lock:
            want = -1 if size is None else size
            while not self._stopped and not self._ended and (want < 0 or len(self._buf) < want):
                try:
                    row = next(self._rows, None)
                except BaseException as exc:
                    self.error = exc
                    raise
                if row is None:
                    self._ended = True
                else:
                    self._buf += row
            if self._stopped:
                return b""
            take = len(self._buf) if want < 0 else min(want, len(self._buf))
            out = bytes(self._buf[:take])
            del self._buf[:take]
            return out

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def stop(self) -> None:
        """Stop reading from the connection; returns once no read is under way."""
        self._stopped = True
        with self._lock:
            self._buf.clear()


class PostgresWarehouse(Warehouse):
    """A PostgreSQL database; Fivetran lands each connector in its own schema."""

    name = "postgres"
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        import psycopg

        self._streaming = False
        try:
            self.con = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise NorthstarError(f"cannot connect to warehouse {url}: "
                                 f"{str(exc).strip().splitlines()[0]}") from None

    def _idle(self) -> None:
        """Refuse (rather than wait forever on the connection's lock) while a `batches`
        generator of this warehouse is suspended in the middle of its COPY."""
        if self._streaming:
            raise NorthstarError(f"the connection to {self.url} is still streaming an earlier "
                                 "query: finish or close its batches first")

    def schema_columns(self, schema: str) -> dict[str, set[str]]:
        self._idle()
        found = self.con.execute(
            "SELECT table_name, lower(column_name) FROM information_schema.columns "
            "WHERE table_schema = %s", [schema]).fetchall()
        out: dict[str, set[str]] = {}
        for table, column in found:
            out.setdefault(str(table), set()).add(str(column))
        return out

    def _arrow_types(self, sql: str) -> dict[str, pa.DataType]:
        import pyarrow as pa

        self._idle()
        cur = self.con.execute(f"SELECT * FROM ({sql}) AS ns_q LIMIT 0")
        types: dict[str, pa.DataType] = {}
        for d in cur.description or []:
            kind = _PG_OIDS.get(d.type_code, "string")
            if kind == "numeric":
                precision, scale = d.precision or 38, d.scale or 0
                types[d.name] = pa.decimal128(precision, scale) if d.precision else pa.float64()
            elif kind == "timestamp":
                types[d.name] = pa.timestamp("us")
            elif kind == "timestamptz":
                types[d.name] = pa.timestamp("us", "UTC")
            else:
                types[d.name] = getattr(pa, kind)()
        return types

    @staticmethod
    def _copy_sql(sql: str) -> str:
        return f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)"

    def read(self, sql: str) -> pa.Table:
        # COPY ... TO STDOUT as CSV parsed by Arrow: far faster than fetching Python tuples.
        import psycopg
        import pyarrow.csv as pacsv

        try:
            types = self._arrow_types(sql)
            buf = io.BytesIO()
            with self.con.cursor() as cur, cur.copy(self._copy_sql(sql)) as copy:
                for chunk in copy:
                    buf.write(chunk)
        except psycopg.Error as exc:
            raise _pg_error(exc) from exc
        buf.seek(0)
        return pacsv.read_csv(
            buf,
            read_options=pacsv.ReadOptions(block_size=1 << 24),
            parse_options=_pg_parse(),
            convert_options=_pg_convert(types),
        )

    def batches(self, sql: str, rows: int) -> Generator[pa.Table, None, None]:
        """Stream the rows in tables of exactly `rows` rows (the last one fewer; none at all
        when there are no rows): the COPY's CSV goes through Arrow's streaming CSV reader with
        the same column types as `read`, so the batches put together equal `read(sql)`.
        Memory is bounded by one batch plus Arrow's read-ahead (see `_STREAM_BLOCK`), not by
        the table. Closing the generator early cancels the COPY; the connection stays usable.
        """
        import psycopg
        import pyarrow as pa
        import pyarrow.csv as pacsv

        if rows < 1:
            raise ValueError(f"batches of {rows} rows")
        try:
            types = self._arrow_types(sql)
            with self.con.cursor() as cur, cur.copy(self._copy_sql(sql)) as copy:
                stream = _CopyStream(copy)
                self._streaming = True
                try:
                    reader = pacsv.open_csv(
                        stream,
                        read_options=pacsv.ReadOptions(block_size=_STREAM_BLOCK,
                                                       use_threads=False),
                        parse_options=_pg_parse(),
                        convert_options=_pg_convert(types),
                    )
                    held: list[pa.RecordBatch] = []
                    count = 0
                    while True:
                        try:
                            batch = reader.read_next_batch()
                        except StopIteration:
                            break
                        except Exception:
                            if stream.error is not None:  # the server's error, not Arrow's
                                raise stream.error from None
                            raise
                        while batch.num_rows:
                            take = min(rows - count, batch.num_rows)
                            held.append(batch.slice(0, take))
                            batch = batch.slice(take)
                            count += take
                            if count == rows:
                                out, held, count = pa.Table.from_batches(held), [], 0
                                yield out
                    if held:
                        yield pa.Table.from_batches(held)
                finally:
                    stream.stop()
                    self._streaming = False
        except psycopg.Error as exc:
            raise _pg_error(exc) from exc

    def close(self) -> None:
        self.con.close()


class BigQueryWarehouse(Warehouse):
    """BigQuery, where Fivetran lands `project.dataset.table`. Reading needs the
    google-cloud-bigquery package and Google credentials (GOOGLE_APPLICATION_CREDENTIALS);
    the SQL it runs is the same mapping, transpiled to BigQuery's dialect."""

    name = "bigquery"
    dialect = "bigquery"

    def __init__(self, url: str, project: str) -> None:
        super().__init__(url)
        self.project = project
        self._client: Any = None

    def client(self) -> Any:
        if self._client is None:
            try:
                from google.cloud import bigquery  # type: ignore[import-not-found,unused-ignore]
            except ImportError:
                raise NorthstarError(
                    "attaching BigQuery needs the google-cloud-bigquery package: "
                    "pip install 'google-cloud-bigquery[pandas,pyarrow]'") from None
            self._client = bigquery.Client(project=self.project)
        return self._client

    def qualify(self, schema: str) -> tuple[str | None, str]:
        project, _, dataset = schema.rpartition(".")
        return (project or self.project), dataset

    def columns_sql(self, schema: str) -> str:
        project, dataset = self.qualify(schema)
        return (f"SELECT table_name, lower(column_name) AS name FROM `{project}.{dataset}`."
                "INFORMATION_SCHEMA.COLUMNS")

    def schema_columns(self, schema: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for table, column in self.client().query(self.columns_sql(schema)).result():
            out.setdefault(str(table), set()).add(str(column))
        return out

    def read(self, sql: str) -> pa.Table:
        return self.client().query(sql).to_arrow()

    def batches(self, sql: str, rows: int) -> Iterator[pa.Table]:
        """The result's pages of at most `rows` rows, fetched one at a time: `page_size` of
        `QueryJob.result` and `RowIterator.to_arrow_iterable` (public in google-cloud-bigquery
        since 2.31), which without a BigQuery Storage client reads the REST pages as Arrow
        record batches. Not tested here: no BigQuery is reachable from the test suite."""
        import pyarrow as pa

        for batch in self.client().query(sql).result(page_size=rows).to_arrow_iterable():
            yield pa.Table.from_batches([batch])


def open_warehouse(url: str, base: Path | None = None) -> Warehouse:
    """The adapter a warehouse URL names (a relative DuckDB path is relative to `base`)."""
    if url.startswith("duckdb://"):
        rest = url[len("duckdb://"):]
        rest = rest[1:] if rest.startswith("/") else rest
        if rest in ("", ":memory:"):
            raise ConfigError("a warehouse must be a DuckDB file, not :memory:")
        path = Path(rest)
        if not path.is_absolute() and base is not None:
            path = base / path
        return DuckDBWarehouse(url, path)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresWarehouse(url)
    if url.startswith("bigquery://"):
        project = url[len("bigquery://"):].strip("/")
        if not project:
            raise ConfigError("a BigQuery url names its project: bigquery://my-project")
        return BigQueryWarehouse(url, project)
    raise ConfigError(f"warehouse url {url!r} is not supported: use duckdb:///file.duckdb, "
                      "postgresql://user@host/db or bigquery://project")
