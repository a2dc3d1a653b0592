"""A PostgreSQL warehouse streams a SELECT in batches (COPY's CSV through Arrow's streaming
reader) instead of holding the whole answer: the batches have exactly the rows and types of
`read()`, memory is bounded by a batch, and stopping early leaves the connection usable.

Expected values come from the server itself (counts and sums computed in SQL) and from
psycopg's own row-by-row fetch, never from the code under test."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import psycopg
import pyarrow as pa
import pytest

from conftest import PG_URL, REQUIRE_PG, pg_problem
from northstar.errors import NorthstarError
from northstar.warehouse.adapters import _STREAM_BLOCK, PostgresWarehouse, open_warehouse

SMALL, BIG = 25_000, 200_000

# Labels cycle through nine kinds: NULL, the empty string, commas, quotes, newlines (LF and
# CRLF), a lone quote, leading spaces, plain text. NULL vs '' must survive the CSV trip.
LABEL = """CASE i % 9
    WHEN 0 THEN NULL
    WHEN 1 THEN ''
    WHEN 2 THEN 'a,b,' || i
    WHEN 3 THEN 'say "hi" ' || i
    WHEN 4 THEN E'line one\\nline two ' || i
    WHEN 5 THEN E'"quoted, with\\r\\nCRLF"' || i
    WHEN 6 THEN '"'
    WHEN 7 THEN '  spaced ' || i
    ELSE 'plain ' || i END"""

TABLE = f"""CREATE TABLE {{schema}}.{{name}} AS SELECT
    i::bigint AS id,
    {LABEL} AS label,
    (CASE WHEN i % 11 <> 0 THEN i * 1.25 - 7000.5 END)::numeric(18,2) AS amount,
    CASE WHEN i % 13 = 0 THEN NULL
         ELSE timestamp '2024-01-01 00:00:00' + i * interval '37 seconds'
              + (i % 1000) * interval '1 microsecond' END AS at,
    timestamptz '2023-06-30 22:15:00+00' + i * interval '61 seconds' AS at_tz,
    CASE i % 3 WHEN 0 THEN true WHEN 1 THEN false END AS flag,
    i::bigint * 1000003 - 5000000000000 AS big
FROM generate_series(1, {{rows}}) AS i"""

SCHEMA = pa.schema([("id", pa.int64()), ("label", pa.string()),
                    ("amount", pa.decimal128(18, 2)), ("at", pa.timestamp("us")),
                    ("at_tz", pa.timestamp("us", "UTC")), ("flag", pa.bool_()),
                    ("big", pa.int64())])


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    """A fresh schema holding `small` (25,000 rows) and `big` (200,000 rows)."""
    problem = pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {problem}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_URL}: {problem}")
    schema = "ns_pgb_" + uuid.uuid4().hex[:10]
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(TABLE.format(schema=schema, name="small", rows=SMALL))
        con.execute(TABLE.format(schema=schema, name="big", rows=BIG))
    try:
        yield schema
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def wh() -> Iterator[PostgresWarehouse]:
    warehouse = open_warehouse(PG_URL)
    assert isinstance(warehouse, PostgresWarehouse)
    with warehouse:
        yield warehouse


def server(sql: str) -> tuple[Any, ...]:
    """One row computed by the server, on a connection of its own."""
    with psycopg.connect(PG_URL, autocommit=True) as con:
        row = con.execute(sql).fetchone()
    assert row is not None
    return tuple(row)


def test_batches_have_exactly_the_rows_and_types_of_read(pg: str,
                                                         wh: PostgresWarehouse) -> None:
    sql = f"SELECT * FROM {pg}.small ORDER BY id"
    batches = list(wh.batches(sql, 10_000))
    # exactly `rows` rows per batch, the remainder last: 10,000 + 10,000 + 5,000
    assert [b.num_rows for b in batches] == [10_000, 10_000, 5_000]
    assert all(b.schema == SCHEMA for b in batches)

    whole = pa.concat_tables(batches)
    read = wh.read(sql)
    assert read.schema == SCHEMA
    assert whole.equals(read)  # values, nulls and types

    # What the server says about the same rows.
    (count, labels, empty, label_len, amount, amounts, at_min, at_max, ats, tz_min, tz_max,
     flags_true, flags, big) = server(
        f"SELECT count(*), count(label), count(*) FILTER (WHERE label = ''), "
        f"sum(length(label)), sum(amount), count(amount), min(at), max(at), count(at), "
        f"min(at_tz), max(at_tz), count(*) FILTER (WHERE flag), count(flag), sum(big) "
        f"FROM {pg}.small")
    col = whole.column
    assert whole.num_rows == count == SMALL
    assert len(col("label")) - col("label").null_count == labels
    assert sum(1 for v in col("label").to_pylist() if v == "") == empty
    assert sum(len(v) for v in col("label").to_pylist() if v is not None) == label_len
    assert sum(v for v in col("amount").to_pylist() if v is not None) == amount
    assert len(col("amount")) - col("amount").null_count == amounts
    at = [v for v in col("at").to_pylist() if v is not None]
    assert (min(at), max(at), len(at)) == (at_min, at_max, ats)
    tz = col("at_tz").to_pylist()
    assert (min(tz), max(tz)) == (tz_min, tz_max)
    assert tz[0] == datetime(2023, 6, 30, 22, 16, 1, tzinfo=UTC)  # 22:15 + 61 s
    assert sum(1 for v in col("flag").to_pylist() if v) == flags_true
    assert len(col("flag")) - col("flag").null_count == flags
    assert sum(col("big").to_pylist()) == big

    # Row by row against psycopg's own typed fetch (no CSV, no Arrow involved).
    with psycopg.connect(PG_URL, autocommit=True) as con:
        rows = con.execute(sql).fetchall()
    assert [tuple(r.values()) for r in whole.to_pylist()] == [tuple(r) for r in rows]
    assert rows[0][1] == "" and rows[8][1] is None and rows[3][1] == "line one\nline two 4"
    assert rows[4][1] == '"quoted, with\r\nCRLF"5' and rows[5][1] == '"'
    assert rows[10][2] is None and rows[0][2] == Decimal("-6999.25")


def test_empty_answer_and_one_partial_batch(pg: str, wh: PostgresWarehouse) -> None:
    assert list(wh.batches(f"SELECT * FROM {pg}.small WHERE id < 0", 10)) == []
    few = list(wh.batches(f"SELECT * FROM {pg}.small WHERE id <= 7 ORDER BY id", 10))
    assert [b.num_rows for b in few] == [7]
    assert few[0].column("id").to_pylist() == [1, 2, 3, 4, 5, 6, 7]
    with pytest.raises(ValueError):
        next(wh.batches(f"SELECT * FROM {pg}.small", 0))


def _peak_while(run: Callable[[], Any]) -> tuple[int, Any]:
    """Peak of pyarrow.total_allocated_bytes() above the starting level while `run` runs,
    sampled every 0.2 ms on another thread (Arrow releases the GIL while it parses)."""
    base = pa.total_allocated_bytes()
    peak = [base]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], pa.total_allocated_bytes())
            time.sleep(0.0002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out = run()
    finally:
        done.set()
        sampler.join()
    return max(peak[0], pa.total_allocated_bytes()) - base, out


def test_memory_is_bounded_by_a_batch_not_by_the_table(pg: str,
                                                       wh: PostgresWarehouse) -> None:
    sql = f"SELECT * FROM {pg}.big ORDER BY id"
    rows = 10_000

    def stream() -> tuple[int, int, int]:
        # Like attach: each batch is used and dropped before the next one is asked for.
        count = batches = largest = 0
        for batch in wh.batches(sql, rows):
            count += batch.num_rows
            batches += 1
            largest = max(largest, batch.get_total_buffer_size())
            del batch
        return count, batches, largest

    streamed, (count, batches, largest) = _peak_while(stream)
    whole, table = _peak_while(lambda: wh.read(sql))
    held = table.get_total_buffer_size()
    # ~18.7 MB of CSV: read()'s 16 MiB blocks are cut between rows, not inside a quoted
    # line break (with Arrow's default this raised "Expected 7 columns, got 6").
    assert table.num_rows == BIG
    del table

    assert (count, batches) == (BIG, BIG // rows) == server(
        f"SELECT count(*), count(*) / {rows} FROM {pg}.big")
    # read() holds the whole answer at once: its buffers (~13 MB here) and more while it
    # parses (~40 MB at the peak).
    assert whole >= held
    # The stream holds at most the batch handed out (<= largest, ~0.9 MB here), the slices of
    # the next one being gathered (< largest), and Arrow's working memory for the one block
    # (_STREAM_BLOCK, 256 KiB of CSV) it is parsing: the block's bytes, the partial row carried
    # into the next block, the parsed fields and the converted arrays, about a block each,
    # doubled for buffers that grow by doubling. None of it grows with the table. (Arrow also
    # reads up to ~33 blocks of raw CSV ahead, ~8 MiB at most: Python bytes, outside this pool.)
    assert streamed <= 2 * largest + 8 * _STREAM_BLOCK
    # (2.0-2.3 MB measured against a bound of ~3.9 MB), a small part of read()'s peak.
    assert streamed < whole / 4


def test_stopping_early_leaves_the_connection_usable(pg: str, wh: PostgresWarehouse) -> None:
    # Far more than Arrow reads ahead (~33 MiB): the COPY is still running after one batch.
    sql = ("SELECT i::bigint AS id, repeat('x', 100) AS pad "
           "FROM generate_series(1, 5000000) AS i")
    gen = wh.batches(sql, 10_000)
    first = next(gen)
    assert first.num_rows == 10_000 and first.column("id").to_pylist()[:3] == [1, 2, 3]
    active = psycopg.pq.TransactionStatus.ACTIVE
    assert wh.con.info.transaction_status == active  # rows are still coming
    # While a batches generator is suspended mid-COPY the connection is busy: an error, not
    # a hang on its lock.
    with pytest.raises(NorthstarError, match="still streaming"):
        wh.read("SELECT 1 AS one")
    gen.close()  # the COPY is cancelled and what was in flight drained

    assert wh.con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert wh.read("SELECT 42 AS answer").column("answer").to_pylist() == [42]
    assert wh.columns(pg, "small") == {"id", "label", "amount", "at", "at_tz", "flag", "big"}
    # a whole second stream on the same connection
    assert sum(b.num_rows for b in wh.batches(f"SELECT id FROM {pg}.small", 10_000)) == SMALL

    # Breaking out of a loop and dropping the generator does the same.
    for batch in wh.batches(sql, 5_000):
        assert batch.num_rows == 5_000
        break
    del batch
    assert wh.con.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    assert wh.read(f"SELECT count(*) AS n FROM {pg}.big").column("n").to_pylist() == [BIG]


def test_driver_errors_become_one_line_northstar_errors(pg: str,
                                                        wh: PostgresWarehouse) -> None:
    with pytest.raises(NorthstarError) as missing:
        list(wh.batches(f"SELECT nope FROM {pg}.small", 10))
    assert "nope" in str(missing.value) and "\n" not in str(missing.value)

    # An error in the middle of the COPY (row 15,000 divides by zero), after rows were sent.
    seen = 0
    with pytest.raises(NorthstarError) as midway:
        for batch in wh.batches("SELECT i, 1 / (i - 15000) AS x "
                                "FROM generate_series(1, 25000) AS i", 1_000):
            seen += batch.num_rows
    assert str(midway.value) == "division by zero"
    assert seen < 15_000 and seen % 1_000 == 0
    # and the connection is fine afterwards
    assert wh.read("SELECT 7 AS seven").column("seven").to_pylist() == [7]
    assert sum(b.num_rows for b in wh.batches(f"SELECT id FROM {pg}.small", 10_000)) == SMALL


def test_text_that_looks_like_null_is_kept(pg: str, wh: PostgresWarehouse) -> None:
    """COPY writes NULL as an empty field and does not quote `NULL`, `NaN` or `N/A`: those are
    text (and a float NaN a number), never a missing value."""
    words = ["NULL", "null", "NaN", "nan", "N/A", "NA", "#N/A", "-NaN", "None", "1.#IND"]
    values = ", ".join(f"({i}, '{w}', 'NaN'::float8)" for i, w in enumerate(words))
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE TABLE {pg}.words (id bigint, word text, x float8)")
        con.execute(f"INSERT INTO {pg}.words VALUES {values}, (99, NULL, NULL)")
    sql = f"SELECT * FROM {pg}.words ORDER BY id"
    for table in (wh.read(sql), pa.concat_tables(list(wh.batches(sql, 4)))):
        assert table.column("word").to_pylist() == [*words, None]
        xs = table.column("x").to_pylist()
        assert all(x != x for x in xs[:-1]) and xs[-1] is None  # NaN is not NULL
