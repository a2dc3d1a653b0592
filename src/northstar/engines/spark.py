"""When one machine is outgrown: Apache Spark, in local mode or a cluster through Spark Connect.

`spark://local[2]` runs Spark inside this process's JVM with a warehouse folder in the project
(`spark-warehouse/`); `sc://host:15002` talks to a Spark Connect server, whose warehouse is given
as `sc://host:15002/;warehouse=s3a://bucket/northstar` (where the cluster writes the tables'
Parquet; the manifest naming them stays in the project folder). SQL arrives in DuckDB's
dialect (Northstar's own, the models' and the metrics'), has its parameters bound, and is
transpiled by SQLGlot to Spark's; results come back as Arrow.

What Spark lacks, and how Northstar makes up for it:

- no transactions over plain Parquet (`SUPPORTS_TRANSACTIONS = False`): tables are Parquet parts
  named by one manifest that a commit replaces all at once (`spark_tables`), so a load is seen
  whole or not at all, and a rollback or a killed run leaves parts nobody names;
- no triggers, so no database-level refusal of UPDATE/DELETE (`SUPPORTS_IMMUTABLE_TABLES =
  False`): this adapter refuses them on ledger tables, and whoever writes the files directly is
  caught by `verify`, which re-hashes every load in Spark (`HASHES_IN_SQL`);
- no UPDATE/DELETE on plain Parquet at all: for the app's own small tables (users, sessions)
  they are done by writing the table's rows anew as one part."""

from __future__ import annotations

import contextlib
import copy
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote

from sqlglot import exp

from northstar.engines import needs, spark_sql
from northstar.engines.base import Engine
from northstar.engines.spark_tables import Manifest, TableEntry, Warehouse
from northstar.errors import ConfigError, NorthstarError

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

WAREHOUSE = "spark-warehouse"
"""The warehouse folder of `spark://local[...]`, inside the project folder."""

_SESSIONS: dict[str, SparkSession] = {}
_SESSION_LOCK = threading.Lock()


def parse_url(url: str, base: Path | None) -> tuple[str, str, str]:
    """(`local` or `connect`, the master or Spark Connect URL, the warehouse) of an engine URL."""
    if url.startswith("spark://"):
        master = url[len("spark://"):]
        master, _, query = master.partition("?")
        if not (master == "local" or (master.startswith("local[") and master.endswith("]"))):
            raise ConfigError(f"engine url {url!r}: spark:// runs Spark in this process, as "
                              "spark://local[2] (the cores to use); a cluster is reached "
                              "through Spark Connect, sc://host:15002")
        found = dict(p.partition("=")[::2] for p in query.split("&") if p)
        folder = Path(unquote(found.get("warehouse", WAREHOUSE)))
        if not folder.is_absolute():
            folder = (base or Path(".")) / folder
        return "local", master, str(folder)
    if url.startswith("sc://"):
        rest = url[len("sc://"):]
        hostport, _, params = rest.partition("/")
        if not hostport or (":" in hostport and not hostport.rsplit(":", 1)[1].isdigit()):
            raise ConfigError(f"engine url {url!r}: a Spark Connect server is named as "
                              "sc://host:15002")
        pairs = [p for p in params.lstrip(";").split(";") if p]
        options = dict(p.partition("=")[::2] for p in pairs)
        warehouse = options.pop("warehouse", "")
        if not warehouse:
            raise ConfigError(f"engine url {url!r} names no warehouse: add the folder the "
                              "cluster keeps Northstar's tables in, e.g. "
                              "sc://host:15002/;warehouse=s3a://bucket/northstar")
        remote = f"sc://{hostport}" + ("/;" + ";".join(f"{k}={v}" for k, v in options.items())
                                       if options else "")
        return "connect", remote, unquote(warehouse)
    raise ConfigError(f"engine url {url!r} is not a Spark one: spark://local[2] or sc://host:port")


def _session(kind: str, master: str) -> SparkSession:
    """The process's Spark session for `master` (a JVM starts once; each engine gets a
    session of its own on it, so temporary views do not meet)."""
    needs.spark(kind)
    from pyspark.sql import SparkSession

    _quiet_pyspark()

    with _SESSION_LOCK:
        found = _SESSIONS.get(master)
        if found is None:
            builder = SparkSession.builder.appName("northstar")
            if kind == "connect":
                builder = builder.remote(master)
            else:
                builder = (builder.master(master)
                           .config("spark.ui.enabled", "false")
                           .config("spark.ui.showConsoleProgress", "false")
                           .config("spark.log.level", "OFF")
                           .config("spark.sql.shuffle.partitions", "4")
                           .config("spark.sql.warehouse.dir",
                                   os.path.join(os.path.realpath("/tmp"), "northstar-spark-wh")))
            try:
                found = builder.getOrCreate()
            except Exception as exc:  # no JVM, no server: one clear line
                raise NorthstarError(f"cannot start Spark at {master}: "
                                     f"{str(exc).strip().splitlines()[0]}") from None
            _SESSIONS[master] = found
    session = found.newSession() if kind == "local" else found
    session.conf.set("spark.sql.session.timeZone", "UTC")
    session.conf.set("spark.sql.timestampType", "TIMESTAMP_NTZ")
    return session


def _quiet_pyspark() -> None:
    """pyspark logs every SQL error it raises, with the JVM's whole stack trace, as JSON on
    stderr; the error itself is raised all the same and reaches the user as one line."""
    import logging

    try:
        from pyspark.logger import PySparkLogger
    except ImportError:  # pragma: no cover - pyspark before 4.0 logs no such thing
        return
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


class SparkEngine(Engine):
    name = "spark"
    dialect = "spark"
    SUPPORTS_TRANSACTIONS: ClassVar[bool] = False
    """Spark has none: a commit is the swap of the warehouse's manifest."""
    SUPPORTS_TRIGGERS: ClassVar[bool] = False
    """Spark has none: the adapter refuses edits of ledger tables; `verify` catches the rest."""
    SUPPORTS_IMMUTABLE_TABLES = False
    HASHES_IN_SQL = True
    single_writer = True

    def __init__(self, url: str, base: Path | None = None, *, read_only: bool = False) -> None:
        super().__init__(url, read_only=read_only)
        self.kind, self.master, warehouse = parse_url(url, base)
        if self.kind == "local":
            self.warehouse = Warehouse(Path(warehouse))
        else:  # the manifest stays in the project folder, swapped by a rename there
            self.warehouse = Warehouse((base or Path(".")) / ".northstar" / "spark", warehouse)
        self.spark = _session(self.kind, self.master)
        self._pending: Manifest | None = None
        self._written: set[str] = set()
        self._replaced: set[str] = set()
        self._shown: dict[str, object] = {}
        """What each temporary view shows now (its table's parts and columns, or its SQL)."""
        if not read_only:
            self.warehouse.lock()
            self.warehouse.sweep()

    # -- the manifest --------------------------------------------------------------------
    @property
    def manifest(self) -> Manifest:
        return self._pending if self._pending is not None else self.warehouse.read()

    def _begin(self) -> None:
        self._pending = copy.deepcopy(self.warehouse.read())
        self._written, self._replaced = set(), set()

    def _commit(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None and (self._written or self._replaced
                                    or pending.as_json() != self.warehouse.read().as_json()):
            self.warehouse.commit(pending)
            self.warehouse.remove(self._replaced - pending.parts())
        self._written, self._replaced = set(), set()

    def _rollback(self) -> None:
        self._wrote()
        self._pending = None
        self.warehouse.remove(self._written)
        self._written, self._replaced = set(), set()

    def _show(self) -> None:
        """Point each temporary view at what the manifest in force names."""
        manifest = self.manifest
        for name in [n for n in self._shown if n not in manifest.tables
                     and n not in manifest.views]:
            self.spark.catalog.dropTempView(name)
            del self._shown[name]
        for name, entry in manifest.tables.items():
            shape = (tuple(entry.columns), tuple(entry.parts))
            if self._shown.get(name) != shape:
                self._frame(entry).createOrReplaceTempView(name)
                self._shown[name] = shape
        for name, sql in manifest.views.items():
            if self._shown.get(name) != sql:
                try:
                    self.spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS "
                                   f"{spark_sql.to_spark(sql)}")
                except Exception as exc:  # Spark's analysis error, or SQLGlot's
                    raise NorthstarError(f"view {name} does not build on Spark: "
                                         f"{_first_line(exc)}") from None
                self._shown[name] = sql

    def _frame(self, entry: TableEntry) -> DataFrame:
        schema = ", ".join(f"`{n}` {spark_sql.spark_type(t)}" for n, t in entry.columns)
        if not entry.parts:
            return self.spark.createDataFrame([], schema)
        return self.spark.read.schema(schema).parquet(
            *[self.warehouse.location(p) for p in entry.parts])

    # -- statements ----------------------------------------------------------------------
    def _run(self, sql: str) -> DataFrame:
        self._show()
        try:
            return self.spark.sql(sql)
        except Exception as exc:
            raise NorthstarError(_first_line(exc)) from None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        if self.read_only:
            raise NorthstarError("the project is open read-only")
        self._wrote()
        with self.transaction():
            raw = spark_sql.parse(sql)
            first = raw[0] if len(raw) == 1 else None
            if params and isinstance(first, exp.Insert) and _placeholder_values(first):
                # INSERT ... VALUES (?, ...): the parameters are the rows already
                self._insert_values(first, params)
                return
            for statement in spark_sql.parse(spark_sql.bind(sql, params)):
                self._statement(statement)

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        text = spark_sql.to_spark(spark_sql.bind(sql, params))
        frame = self._run(text)
        try:
            return frame.toArrow()
        except Exception as exc:
            raise NorthstarError(_first_line(exc)) from None

    def batches(self, sql: str, params: Sequence[Any] | None = None,
                batch_rows: int = 200_000) -> Iterator[pa.RecordBatch]:
        yield from self.query(sql, params).to_batches(batch_rows)

    def insert_arrow(self, table: str, data: pa.Table) -> None:
        self._wrote()
        with self.transaction():
            self._write_arrow(table, self._table(table), data)

    def _statement(self, node: exp.Expression) -> None:
        manifest = self.manifest
        if isinstance(node, exp.Create):
            self._create(node, manifest)
        elif isinstance(node, exp.Drop):
            name = node.this.name
            kind = str(node.args.get("kind") or "").upper()
            exists = name in (manifest.views if kind == "VIEW" else manifest.tables)
            if not exists:
                if not node.args.get("exists"):
                    raise NorthstarError(f"{kind.lower()} {name} does not exist")
                return
            if kind == "VIEW":
                del manifest.views[name]
            else:
                if manifest.tables[name].protected:
                    raise NorthstarError(f"{name} is a ledger table: it is never dropped")
                self._replaced |= set(manifest.tables.pop(name).parts)
        elif isinstance(node, exp.Alter):
            entry = self._table(node.this.name)
            for action in node.args.get("actions") or []:
                if not isinstance(action, exp.ColumnDef):
                    raise NotImplementedError(f"the Spark engine cannot {node.sql('duckdb')}")
                if action.name in {n for n, _ in entry.columns}:
                    if action.args.get("exists"):
                        continue
                    raise NorthstarError(f"column {action.name} exists already")
                entry.columns.append((action.name, spark_sql.duck_type_of_ast(
                    action.args["kind"])))
        elif isinstance(node, exp.Insert):
            self._insert(node)
        elif isinstance(node, (exp.Delete, exp.Update)):
            self._rewrite(node)
        elif isinstance(node, exp.Query):
            self._run(spark_sql.to_spark(node)).collect()
        else:
            raise NotImplementedError(f"the Spark engine does not run {node.key.upper()} "
                                      "statements")

    def _create(self, node: exp.Create, manifest: Manifest) -> None:
        kind = str(node.args.get("kind") or "").upper()
        target = node.this
        name = target.this.name if isinstance(target, exp.Schema) else target.name
        if kind == "VIEW":
            if name in manifest.views and not node.args.get("replace"):
                raise NorthstarError(f"view {name} exists already")
            body = node.expression
            manifest.views.pop(name, None)
            manifest.views[name] = body.sql("duckdb")
            self._show()  # built now, as DuckDB would: an error names this view
            return
        if kind != "TABLE":
            raise NotImplementedError(f"the Spark engine does not create a {kind.lower()}")
        if name in manifest.tables:
            if node.args.get("exists"):
                return
            raise NorthstarError(f"table {name} exists already")
        if isinstance(target, exp.Schema):
            columns = [(c.name, spark_sql.duck_type_of_ast(c.args["kind"]))
                       for c in target.expressions if isinstance(c, exp.ColumnDef)]
            manifest.tables[name] = TableEntry(columns)
            return
        frame = self._run(spark_sql.to_spark(node.expression))
        columns = [(f.name, spark_sql.duck_type(f.dataType.simpleString()))
                   for f in frame.schema.fields]
        manifest.tables[name] = entry = TableEntry(columns)
        self._add_part(name, entry, frame)

    def _table(self, name: str) -> TableEntry:
        found = self.manifest.tables.get(name)
        if found is None:
            raise NorthstarError(f"table {name} does not exist")
        return found

    def _insert(self, node: exp.Insert) -> None:
        target = node.this
        name = target.this.name if isinstance(target, exp.Schema) else target.name
        entry = self._table(name)
        names = ([c.name for c in target.expressions] if isinstance(target, exp.Schema)
                 else [n for n, _ in entry.columns])
        source = node.expression
        if isinstance(source, exp.Values):
            rows = [r.expressions if isinstance(r, exp.Tuple) else [r]
                    for r in source.expressions]
            selects = [f"SELECT {', '.join(v.sql('spark') for v in row)}" for row in rows]
            text = " UNION ALL ".join(selects)
        else:
            text = spark_sql.to_spark(source)
        frame = self._run(text).toDF(*names)
        self._add_part(name, entry, frame)

    def _rewrite(self, node: exp.Delete | exp.Update) -> None:
        name = node.this.name
        entry = self._table(name)
        if entry.protected:
            raise NorthstarError(f"{name} is a ledger table: Northstar never "
                                 f"{'deletes' if isinstance(node, exp.Delete) else 'updates'} "
                                 "its rows (corrections are appended as adjustments)")
        where = node.args.get("where")
        hit = f"coalesce(({where.this.sql('spark')}), false)" if where else "true"
        if isinstance(node, exp.Delete):
            text = f"SELECT * FROM `{name}` WHERE NOT {hit}"
        else:
            sets = {e.this.name: e.expression.sql("spark") for e in node.expressions}
            cols = ", ".join(f"CASE WHEN {hit} THEN {sets[n]} ELSE `{n}` END AS `{n}`"
                             if n in sets else f"`{n}`" for n, _ in entry.columns)
            text = f"SELECT {cols} FROM `{name}`"
        frame = self._run(text)
        old, entry.parts = set(entry.parts), []
        self._replaced |= old
        self._add_part(name, entry, frame)

    def _insert_values(self, node: exp.Insert, params: Sequence[Any]) -> None:
        import pyarrow as pa

        target = node.this
        name = target.this.name
        names = [c.name for c in target.expressions]
        rows = node.expression.expressions
        width = len(names)
        if len(params) != width * len(rows):
            raise NorthstarError(f"the statement has {width * len(rows)} placeholders but "
                                 f"{len(params)} parameters were given")
        entry = self._table(name)
        types = dict(entry.columns)
        data = pa.table({n: pa.array([params[r * width + i] for r in range(len(rows))],
                                     spark_sql.arrow_type(types[n]))
                         for i, n in enumerate(names)})
        self._write_arrow(name, entry, data)

    def _write_arrow(self, table: str, entry: TableEntry, data: pa.Table) -> None:
        """Rows from this process: written as Parquet here in local mode (no Spark job),
        sent to the cluster through a DataFrame on Spark Connect."""
        if self.kind != "local":
            self._add_part(table, entry, self.spark.createDataFrame(data))
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        typed = {}
        for n, t in entry.columns:
            want = spark_sql.arrow_type(t)
            if n not in data.column_names:
                typed[n] = pa.nulls(data.num_rows, want)
                continue
            col = data.column(n)
            try:
                typed[n] = col if col.type == want else col.cast(want)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise NorthstarError(f"column {n!r} of {table} holds {t}: "
                                     f"{str(exc).splitlines()[0]}") from None
        part = self.warehouse.new_part(table)
        self._written.add(part)
        folder = self.warehouse.root / part
        folder.mkdir(parents=True)
        pq.write_table(pa.table(typed), folder / "part-0.parquet")
        entry.parts.append(part)

    def _add_part(self, table: str, entry: TableEntry, frame: DataFrame) -> None:
        """Write `frame` (columns matched by name, cast to the table's types) as a new part
        of `table`, named only by the pending manifest."""
        have = set(frame.columns)
        cols = [f"CAST(`{n}` AS {spark_sql.spark_type(t)}) AS `{n}`" if n in have
                else f"CAST(NULL AS {spark_sql.spark_type(t)}) AS `{n}`" for n, t in entry.columns]
        part = self.warehouse.new_part(table)
        self._written.add(part)
        try:
            frame.selectExpr(*cols).write.parquet(self.warehouse.location(part))
        except Exception as exc:
            raise NorthstarError(_first_line(exc)) from None
        entry.parts.append(part)

    # -- catalogue -----------------------------------------------------------------------
    def columns(self, relation: str) -> list[tuple[str, str]] | None:
        manifest = self.manifest
        if relation in manifest.tables:
            return list(manifest.tables[relation].columns)
        if relation in manifest.views:
            schema = self._run(f"SELECT * FROM `{relation}` LIMIT 0").schema
            return [(f.name, spark_sql.duck_type(f.dataType.simpleString()))
                    for f in schema.fields]
        return None

    def relations(self) -> set[str]:
        manifest = self.manifest
        return set(manifest.tables) | set(manifest.views)

    def view_sql(self) -> dict[str, str]:
        return dict(self.manifest.views)

    def protect_table(self, table: str) -> None:
        """Spark cannot refuse edits itself; the adapter refuses them from now on."""
        self._table(table).protected = True

    def guard_report(self, tables: Sequence[str]) -> tuple[list[tuple[str, str]], list[str]]:
        return [], ["Spark has no triggers: the database cannot refuse an UPDATE or DELETE "
                    "made on the warehouse's files directly; every such change is caught here "
                    "by the hash chain, which re-hashes each load in Spark"]

    # -- hashing in Spark ----------------------------------------------------------------
    def hash_loads(self, table: str, loads: Sequence[int], columns: Sequence[str],
                   unhashed: Sequence[str] = ()) -> dict[int, tuple[str, int, list[int]]]:
        """Per load: its tree hash (`tree1:<hex>`) over `columns` in `row_seq` order, its row
        count, and the rows holding a value in each of `unhashed`, computed by Spark side by
        side (no row comes to this process)."""
        entry = self._table(table)
        types = dict(entry.columns)
        typed = [(c, spark_sql.spark_type(types[c]).lower()) for c in columns]
        found = self._run(spark_sql.tree_hash_sql(table, typed, loads, unhashed)).collect()
        return {int(r[0]): (f"{spark_sql.TREE}:{r[1]}", int(r[2]),
                            [int(r[3 + i] or 0) for i in range(len(unhashed))])
                for r in found}

    def transpile(self, sql: str) -> str:
        # Every statement is transpiled where it runs (Northstar's own SQL too, with its
        # parameters bound first): text handed in stays in DuckDB's dialect.
        return sql

    def close(self) -> None:
        for name in list(self._shown):
            with contextlib.suppress(Exception):  # the session may be gone already
                self.spark.catalog.dropTempView(name)
        self._shown = {}
        if not self.read_only:
            self.warehouse.unlock()


def _placeholder_values(node: exp.Expression) -> bool:
    """True for `INSERT INTO t (a, b) VALUES (?, ?)[, (?, ?)]`: every value a parameter."""
    if not (isinstance(node, exp.Insert) and isinstance(node.this, exp.Schema)
            and isinstance(node.expression, exp.Values)):
        return False
    return all(isinstance(row, exp.Tuple) and all(isinstance(v, exp.Placeholder)
                                                  for v in row.expressions)
               for row in node.expression.expressions)


def _first_line(exc: BaseException) -> str:
    """The line of a Spark error that says what is wrong (py4j's own first line, "An error
    occurred while calling o42.sql.", only says where)."""
    text = str(exc).strip()
    for line in text.splitlines():
        line = line.strip().removeprefix(": ").strip()
        if line and not line.startswith("An error occurred while calling"):
            return line
    return type(exc).__name__
