"""Staging: rows bound for a ledger table, committed batch by batch beside the ledger and moved
into it by one short transaction.

A long collection run appends its batches to a stage, each batch in its own short transaction,
so the database never holds the run's rows uncommitted (DuckDB keeps uncommitted rows, and the
Arrow data they came from, in memory until the commit) and the collection log is not locked
for the whole run. `move()` then appends every staged batch to the ledger table as one load
each, with the caller's other writes (the cursor, the run record) in the same transaction, and
drops the stage in it too: the run is still all or nothing.

A stage is never ledger data: it is not in the collection log, its name starts with
`ns_stage_`, and a run killed before its move leaves a stage that the next run of the same
source and table drops (`clear`) before it stages anything."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from northstar.engines.base import quote
from northstar.errors import LoadError, NorthstarError
from northstar.ledger.hashing import RowHasher
from northstar.ledger.schema import check_name
from northstar.ledger.store import LoadResult, cast_to, hashed_columns, utcnow

if TYPE_CHECKING:
    from northstar.engines.base import Engine
    from northstar.ledger.store import Ledger

__all__ = ["BATCH_COLUMN", "STAGE_PREFIX", "Stage", "bounded_writes", "stage_name"]

STAGE_PREFIX = "ns_stage_"
BATCH_COLUMN = "ns_batch"
"""The staged batch a row belongs to: batch `k` becomes load `head + k` when it is moved."""


def stage_name(source: str, table: str) -> str:
    """The stage of one source's rows for one ledger table (the same name on every run)."""
    name = f"{STAGE_PREFIX}{source}__{table}"
    if len(name) > 63:  # PostgreSQL would cut it; two long names could then meet
        digest = hashlib.sha256(f"{source}\x1f{table}".encode()).hexdigest()[:20]
        name = f"{STAGE_PREFIX}{digest}"
    return name


COLLECT_MEMORY = "64MB"
"""DuckDB's memory limit while a collection run stages and moves its rows."""


@contextmanager
def bounded_writes(engine: Engine) -> Iterator[None]:
    """While staging and moving: DuckDB writes each full row group out as soon as it is full,
    and keeps at most `COLLECT_MEMORY` of table blocks cached.

    By default DuckDB buffers five row groups (about 600,000 rows) of a bulk insert before it
    writes them, so the move of a large run grew the process by the run's size; and it keeps
    every block it wrote or read cached until 80% of the machine's memory is in use, so a
    backfill grew by about 0.3 MiB per 1,000 records it staged (measured: bench/sources.py;
    with 128MB the move of a 500,000-record run still added 75 MiB, with 64MB it is flat).
    Queries that need more than the limit spill to disk. The settings are the database's, and
    are put back afterwards; a process whose settings are locked (the web app's, which sets
    its own before it locks them) keeps its own."""
    if engine.name != "duckdb":
        yield
        return
    try:
        locked = engine.scalar("SELECT current_setting('lock_configuration')")
        rows = engine.scalar("SELECT current_setting('write_buffer_row_group_count')")
        memory = engine.scalar("SELECT current_setting('memory_limit')")
        ordered = engine.scalar("SELECT current_setting('preserve_insertion_order')")
    except NorthstarError:  # a DuckDB without these settings: nothing to bound
        yield
        return
    if locked:
        yield
        return
    engine.execute("SET write_buffer_row_group_count = 1")
    engine.execute(f"SET memory_limit = '{COLLECT_MEMORY}'")
    # Rows may land in any physical order (every reader of the ledger orders by load_id and
    # row_seq): the move's INSERT then runs 2x faster (measured at 500,000 records).
    engine.execute("SET preserve_insertion_order = false")
    try:
        yield
        # Write what the run committed into the database file now, under the limit; else the
        # checkpoint at close (or at the next write) does it without one.
        engine.execute("CHECKPOINT")
    finally:
        engine.execute(f"SET write_buffer_row_group_count = {int(rows)}")
        engine.execute(f"SET preserve_insertion_order = {'true' if ordered else 'false'}")
        # The setting reads back rounded ("2.7 GiB"): the default is put back exactly.
        # The project's own limit (northstar.toml) is put back as it was written.
        engine.execute("RESET memory_limit")
        configured = getattr(engine, "memory_limit", None)
        if configured is not None:
            engine.execute(f"SET memory_limit = '{configured}'")
        if engine.scalar("SELECT current_setting('memory_limit')") != memory:
            engine.execute(f"SET memory_limit = '{memory}'")


LOCK_KEY = "hashtext(current_schema() || '.' || ?)"
"""The advisory lock of a stage on PostgreSQL: its schema and name."""


class Stage:
    """The staged rows of one source for one ledger table, during one run."""

    def __init__(self, ledger: Ledger, table: str, source: str, id_column: str = "id") -> None:
        self.ledger = ledger
        self.table = check_name(table)
        self.source = check_name(source, "source")
        self.id_column = id_column
        self.name = stage_name(source, table)
        self.columns: list[tuple[str, str]] | None = None
        """The stage's columns (the ledger table's, then the new ones), once it exists."""
        self.batches: list[tuple[int, datetime, list[str], str]] = []
        """Rows, start time, hashed columns and content hash of each staged batch, in order:
        the rows as they will be stored (only `load_id`, which the hash leaves out, changes
        when they are moved)."""
        self._claimed = False
        self._owned = False
        """True once `claim` succeeded: this run may drop the stage."""

    @property
    def rows(self) -> int:
        return sum(batch[0] for batch in self.batches)

    # -- life cycle ----------------------------------------------------------------------
    def claim(self) -> None:
        """Make sure no other run stages into the same table, then drop what a killed run left.

        On PostgreSQL a session advisory lock guards the stage (the server releases it when a
        killed run's connection drops), keyed by schema and stage: projects in other schemas of
        the same database collect the same table freely. A DuckDB file has one writing
        process."""
        engine = self.ledger.engine
        if engine.name == "postgres" and not self._claimed:
            got = engine.scalar(f"SELECT pg_try_advisory_lock({LOCK_KEY})", [self.name])
            if not got:
                raise LoadError(f"{self.table} is being collected from {self.source} by another "
                                "run; try again when it has finished")
            self._claimed = True
        self._owned = True
        self.clear()

    def release(self) -> None:
        self._owned = False
        if self._claimed:
            self.ledger.engine.scalar(f"SELECT pg_advisory_unlock({LOCK_KEY})", [self.name])
            self._claimed = False

    def discard(self) -> None:
        """Drop what this run staged (after a failure); a stage it never claimed is left
        alone (another run's)."""
        if self._owned:
            self.clear()

    def clear(self) -> None:
        """Drop the stage and forget its batches (nothing reaches the ledger)."""
        self.ledger.engine.execute(f"DROP TABLE IF EXISTS {quote(self.name)}")
        self.columns = None
        self.batches = []

    # -- staging -------------------------------------------------------------------------
    def add(self, data: pa.Table, via: Ledger | None = None) -> int:
        """Stage one batch (checked and typed as `Ledger.append` would); committed at once.

        `via`: the same ledger on another connection (a worker thread's), used instead."""
        ledger = via or self.ledger
        started = utcnow()
        batch = len(self.batches) + 1
        rows = ledger.shape(data, source=self.source, id_column=self.id_column,
                            started=started, load_id=0)
        planned = ledger.planned_columns(self.table, rows)
        engine = ledger.engine
        with engine.transaction():
            if self.columns is None:
                body = ", ".join(f"{quote(n)} {engine.sql_type(t)}"
                                 for n, t in [*planned, (BATCH_COLUMN, "BIGINT")])
                engine.execute(f"DROP TABLE IF EXISTS {quote(self.name)}")
                engine.execute(f"CREATE TABLE {quote(self.name)} ({body})")
                columns = list(planned)
            else:
                columns = list(self.columns)
                have = {n for n, _ in columns}
                for name, t in planned:
                    if name not in have:
                        engine.execute(f"ALTER TABLE {quote(self.name)} ADD COLUMN "
                                       f"{quote(name)} {engine.sql_type(t)}")
                        columns.append((name, t))
            typed = cast_to(rows, columns, self.table)
            hashed = hashed_columns([n for n, _ in columns])
            hasher = RowHasher(hashed)
            hasher.update(typed)
            typed = typed.append_column(BATCH_COLUMN, pa.array([batch] * typed.num_rows,
                                                               pa.int64()))
            engine.insert_arrow(self.name, typed)
        self.columns = columns
        count = int(typed.num_rows)
        self.batches.append((count, started, hashed, hasher.hexdigest()))
        return count

    # -- moving into the ledger ------------------------------------------------------------
    def move(self) -> list[LoadResult]:
        """Append every staged batch to the ledger table, one load each, and drop the stage.

        Run it inside the transaction that also writes what must go with the rows (a cursor,
        a run record): then all of it is kept or none."""
        engine = self.ledger.engine
        if self.columns is None or not self.batches:
            self.clear()
            return []
        results: list[LoadResult] = []
        with engine.transaction():
            start = self.ledger.begin_write(self.table)
            head, prev_hash = start.load_id, start.chain_hash
            columns = self.ledger.ensure_table(self.table, self.columns, start.columns)
            names = [n for n, _ in columns]
            staged = [n for n, _ in self.columns]
            select = ", ".join(f"CAST(? AS BIGINT) + {BATCH_COLUMN}" if n == "load_id"
                               else quote(n) for n in staged)
            found = int(engine.scalar(f"SELECT count(*) FROM {quote(self.name)}") or 0)
            if found != self.rows:  # e.g. a batch committed after this transaction began
                raise LoadError(f"the stage of {self.table} holds {found} rows where "
                                f"{self.rows} were staged; nothing was moved")
            engine.execute(
                f"INSERT INTO {quote(self.table)} ({', '.join(quote(n) for n in staged)}) "
                f"SELECT {select} FROM {quote(self.name)}",
                [head])
            hashed = hashed_columns(names)
            for k, (count, started, covered, content) in enumerate(self.batches, start=1):
                # A column added by a later batch is NULL in this one's rows: read them back.
                result = self.ledger.log_load(self.table, self.source, head + k, prev_hash,
                                              hashed, count, started,
                                              content if covered == hashed else None,
                                              types=columns, definitions=start.definitions)
                prev_hash = result.chain_hash
                results.append(result)
            engine.execute(f"DROP TABLE {quote(self.name)}")
        self.columns = None
        self.batches = []
        return results
