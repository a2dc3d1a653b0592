"""The raw ledger: all-or-nothing loads, the hash chain, verify, and append-only enforcement."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal

import pyarrow as pa
import pytest

from northstar.engines import connect
from northstar.errors import LoadError, NorthstarError
from northstar.ledger.hashing import GENESIS, RowHasher, chain
from northstar.ledger.store import Ledger
from northstar.ledger.verify import verify


def _batch(ids: list[str], amounts: list[str], **extra: list[object]) -> pa.Table:
    cols: dict[str, object] = {
        "id": ids,
        "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, 2)),
    }
    cols.update(extra)
    return pa.table(cols)


@pytest.fixture
def ledger(engine_url: str) -> Iterator[Ledger]:
    engine = connect(engine_url)
    yield Ledger(engine)
    engine.close()


def _count(ledger: Ledger, table: str) -> int:
    return int(ledger.engine.scalar(f"SELECT count(*) FROM {table}"))


def test_a_load_carries_ids_source_load_and_tags(ledger: Ledger) -> None:
    result = ledger.append("raw_invoices", _batch(["a", "b"], ["1.50", "2.25"]),
                           source="quickbooks", id_column="id", tags={"department": "sales"})
    assert (result.load_id, result.rows, result.replaced) == (1, 2, 0)
    rows = ledger.engine.query(
        "SELECT source_id, source_name, load_id, row_seq, department, team, amount "
        "FROM raw_invoices ORDER BY row_seq").to_pylist()
    assert rows == [
        {"source_id": "a", "source_name": "quickbooks", "load_id": 1, "row_seq": 1,
         "department": "sales", "team": None, "amount": Decimal("1.50")},
        {"source_id": "b", "source_name": "quickbooks", "load_id": 1, "row_seq": 2,
         "department": "sales", "team": None, "amount": Decimal("2.25")},
    ]


def test_a_new_version_of_a_record_is_counted_not_overwritten(ledger: Ledger) -> None:
    ledger.append("raw_invoices", _batch(["a", "b"], ["1", "2"]), source="qb", id_column="id")
    second = ledger.append("raw_invoices", _batch(["a", "c"], ["5", "3"]), source="qb",
                           id_column="id")
    assert second.replaced == 1
    assert _count(ledger, "raw_invoices") == 4  # both versions of "a" are kept


def test_a_bad_value_fails_the_whole_load_and_is_logged(ledger: Ledger) -> None:
    ledger.append("raw_invoices", _batch(["a"], ["1"]), source="qb", id_column="id")
    bad = pa.table({"id": ["x", "y"], "amount": ["4.00", "not money"]})
    with pytest.raises(LoadError, match="amount"):
        ledger.append("raw_invoices", bad, source="qb", id_column="id")
    assert _count(ledger, "raw_invoices") == 1
    log = ledger.log().to_pylist()
    assert [(r["load_id"], r["status"], r["row_count"]) for r in log] == [
        (2, "failed", 0), (1, "ok", 1)]
    assert "amount" in log[0]["error"]
    assert verify(ledger.engine).ok


def test_a_failed_first_load_leaves_no_table(ledger: Ledger) -> None:
    with pytest.raises(LoadError, match="appears more than once"):
        ledger.append("raw_deals", _batch(["a", "a"], ["1", "2"]), source="hs", id_column="id")
    assert "raw_deals" not in ledger.engine.relations()


@pytest.mark.parametrize(("data", "id_column", "message"), [
    (pa.table({"id": ["a", None]}), "id", "record 2 has no id"),
    (pa.table({"ref": ["a"]}), "id", "id column 'id' is not in the data"),
    (pa.table({"id": ["a"], "load_id": [1]}), "id", "reserved"),
    (pa.table({"id": ["a"], "Bad Name": [1]}), "id", "column name 'Bad Name'"),
    (pa.table({"id": pa.array([], pa.string())}), "id", "no rows"),
])
def test_malformed_batches_are_refused(ledger: Ledger, data: pa.Table, id_column: str,
                                       message: str) -> None:
    with pytest.raises(LoadError, match=message):
        ledger.append("raw_things", data, source="file", id_column=id_column)


def test_unknown_tag_is_refused(ledger: Ledger) -> None:
    with pytest.raises(LoadError, match="unknown tag 'region'"):
        ledger.append("raw_x", _batch(["a"], ["1"]), source="f", id_column="id",
                      tags={"region": "west"})


def test_the_log_is_a_hash_chain_over_canonical_content(ledger: Ledger) -> None:
    ledger.append("raw_invoices", _batch(["a"], ["1.50"]), source="qb", id_column="id")
    entry = ledger.engine.rows(
        "SELECT load_id, table_name, source_name, row_count, replaced, started_at, finished_at, "
        "status, error, columns, content_hash, prev_hash, chain_hash, scheme, column_types, "
        "definitions FROM ns_loads")[0]
    columns = json.loads(entry[9])
    # Every column but load_id (it selects the load's rows), in the table's order.
    assert columns[:4] == ["source_id", "source_name", "loaded_at", "row_seq"]
    assert "load_id" not in columns
    # Worked out by hand: every value as text, 0x1F after each field, \N for null.
    loaded_at = ledger.engine.scalar("SELECT CAST(loaded_at AS VARCHAR) FROM raw_invoices")
    values = {"source_id": "a", "source_name": "qb", "loaded_at": None, "load_id": "1",
              "row_seq": "1", "id": "a", "amount": "1.50"}
    text = ""
    for name in columns:
        if name == "loaded_at":
            text += _arrow_timestamp_text(loaded_at) + "\x1f"
        else:
            v = values.get(name)
            text += ("\\N" if v is None else v) + "\x1f"
    assert entry[10] == hashlib.sha256(text.encode()).hexdigest()
    assert entry[11] == GENESIS
    # A ledger without a key links with plain SHA-256 over every field but the two hashes:
    # the previous hash, then each field after 0x1F (empty for NULL).
    assert entry[13:] == ("sha256", json.dumps([[n, t] for n, t in ledger.engine.columns(
        "raw_invoices") or []]), None)
    fields = [*entry[:11], *entry[13:]]
    text = GENESIS + "".join("\x1f" + ("" if f is None else str(f)) for f in fields)
    assert entry[12] == hashlib.sha256(text.encode()).hexdigest() == chain(GENESIS, *fields)


def _arrow_timestamp_text(value: str) -> str:
    # Arrow writes microsecond timestamps as 'YYYY-MM-DD HH:MM:SS.ffffff'.
    date_part, _, time_part = value.partition(" ")
    hms, _, frac = time_part.partition(".")
    return f"{date_part} {hms}.{(frac or '0').ljust(6, '0')}"


def test_row_hash_does_not_depend_on_batching() -> None:
    table = pa.table({"a": [1, None, 3], "b": ["x", "y\x1fz", None]})
    whole, parts = RowHasher(["a", "b"]), RowHasher(["a", "b"])
    whole.update(table)
    parts.update(table.slice(0, 1))
    parts.update(table.slice(1))
    assert whole.hexdigest() == parts.hexdigest()
    expected = "1\x1fx\x1f" + "\\N\x1fy\\x1fz\x1f" + "3\x1f\\N\x1f"
    assert whole.hexdigest() == hashlib.sha256(expected.encode()).hexdigest()


def _tamper(ledger: Ledger, sql: str) -> None:
    """Change the ledger behind its back (on PostgreSQL, by switching the guard off first)."""
    if ledger.engine.name == "postgres":
        ledger.engine.execute("SET session_replication_role = replica")
        ledger.engine.execute(sql)
        ledger.engine.execute("SET session_replication_role = origin")
    else:
        ledger.engine.execute(sql)


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE raw_invoices SET amount = 99 WHERE source_id = 'b'",
     ["raw_invoices load 1: row content was changed"]),
    ("DELETE FROM raw_invoices WHERE source_id = 'c'",
     ["raw_invoices load 2: 1 row(s) deleted (0 of 1 left)"]),
    ("INSERT INTO raw_invoices (source_id, load_id, row_seq) VALUES ('z', 2, 2)",
     ["raw_invoices load 2: 1 row(s) added (2, log says 1)"]),
    ("INSERT INTO raw_invoices (source_id, load_id, row_seq) VALUES ('z', 9, 1)",
     ["raw_invoices load 9: 1 row(s) were added outside any load"]),
    ("UPDATE ns_loads SET row_count = 5 WHERE load_id = 1",
     ["ns_loads load 1: collection log entry was changed (hash chain broken)",
      "raw_invoices load 1: 3 row(s) deleted (2 of 5 left)"]),
    ("DELETE FROM ns_loads WHERE load_id = 1",
     ["ns_loads load 2: collection log entries 1..1 are missing",
      "ns_loads load 2: collection log entry was changed (hash chain broken)",
      "raw_invoices load 1: 2 row(s) were added outside any load"]),
])
def test_verify_names_every_change_made_behind_the_ledgers_back(
        ledger: Ledger, sql: str, expected: list[str]) -> None:
    ledger.append("raw_invoices", _batch(["a", "b"], ["1", "2"]), source="qb", id_column="id")
    ledger.append("raw_invoices", _batch(["c"], ["3"]), source="qb", id_column="id")
    assert verify(ledger.engine).ok
    _tamper(ledger, sql)
    report = verify(ledger.engine)
    assert [str(p) for p in report.problems] == expected


@pytest.mark.parametrize("engine_url", ["postgres"], indirect=True)
@pytest.mark.parametrize("sql", [
    "UPDATE raw_invoices SET amount = 0",
    "DELETE FROM raw_invoices",
    "TRUNCATE raw_invoices",
    "UPDATE ns_loads SET status = 'ok'",
    "DELETE FROM ns_loads",
])
def test_postgres_refuses_to_edit_ledger_tables(ledger: Ledger, sql: str) -> None:
    ledger.append("raw_invoices", _batch(["a"], ["1"]), source="qb", id_column="id")
    with pytest.raises(NorthstarError, match="append-only"):
        ledger.engine.execute(sql)
    assert _count(ledger, "raw_invoices") == 1
    assert verify(ledger.engine).ok


def test_the_record_tables_are_the_ones_their_modules_append_to() -> None:
    """`RECORD_TABLES` (ledger tables of Northstar's own records, guarded on PostgreSQL) names
    each table the sources and the collection append to through the ledger."""
    from northstar.collection.log import COLLECTION_RUNS
    from northstar.collection.switch import SWITCHES
    from northstar.ledger.schema import RECORD_TABLES
    from northstar.sources.quality import FINDINGS
    from northstar.sources.state import CURSORS, RUNS

    assert RECORD_TABLES == (CURSORS, RUNS, FINDINGS, COLLECTION_RUNS, SWITCHES)
