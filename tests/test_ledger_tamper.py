"""Tampering with a project's ledger from inside the database (and with its files), on both
engines: `verify` exits 1 and names the table, view, file or load, and no write carries the
change forward. Every expected message is worked out by hand from the project built below."""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from fakes.cli import run
from ledger_fixture import NET_REVENUE
from northstar.cli import app
from northstar.engines.base import Engine, quote
from northstar.ledger.hashing import RowHasher, chain
from northstar.ledger.store import Ledger
from northstar.project import Project

BIG_LINES = "select * from invoice_lines where amount >= 20\n"
CHECK = ("-- description: Invoice lines are never negative.\n-- severity: error\n"
         "select * from invoice_lines where amount < 0\n")
DASHBOARD = "title: Finance\ntiles:\n  - metric: net_revenue\n"


def _lines(ids: list[str], days: list[date], amounts: list[str], **extra: list[str]
           ) -> pa.Table:
    cols: dict[str, pa.Array] = {
        "id": pa.array(ids), "txn_date": pa.array(days, pa.date32()),
        "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, 2))}
    for name, values in extra.items():
        cols[name] = pa.array([Decimal(v) for v in values], pa.decimal128(18, 2))
    return pa.table(cols)


def _january(p: Project) -> Decimal:
    [value] = p.compute(["net_revenue"], ["2025-01"])
    assert isinstance(value.value, Decimal)
    return value.value


@pytest.fixture
def root(engine_url: str, tmp_path: Path) -> Iterator[Path]:
    """A project with three loads and three definitions versions:

    - load 1: raw_invoice_lines a, b, c (10, 20, 30 in January 2025); definitions version 1
      (the files; no views yet);
    - computing January builds the views (version 2) and freezes it: load 2, ns_snapshots;
    - load 3: raw_invoice_lines d (40 in February) with a new column `discount`; computing
      again rebuilds the views over the new column (version 3, after load 3)."""
    with Project.init(tmp_path / "p", timezone="UTC", engine_url=engine_url) as p:
        folder = p.root
    (folder / "metrics" / "net_revenue.yml").write_text(NET_REVENUE)
    (folder / "models" / "big_lines.sql").write_text(BIG_LINES)
    (folder / "checks" / "no_negative_lines.sql").write_text(CHECK)
    (folder / "dashboards" / "finance.yml").write_text(DASHBOARD)
    with Project.open(folder) as p:
        p.append("invoice_lines", _lines(["a", "b", "c"], [date(2025, 1, d) for d in (5, 6, 7)],
                                         ["10.00", "20.00", "30.00"]), source="file")
        assert _january(p) == Decimal("60.00")
        p.append("invoice_lines", _lines(["d"], [date(2025, 2, 3)], ["40.00"],
                                         discount=["1.00"]), source="file")
        assert _january(p) == Decimal("60.00")
        assert p.engine.rows("SELECT load_id, table_name FROM ns_loads ORDER BY 1") == [
            (1, "raw_invoice_lines"), (2, "ns_snapshots"), (3, "raw_invoice_lines")]
        newest = p.definitions.newest()
        assert newest is not None
        assert (newest.version, newest.after_load) == (3, 3)
        assert sorted(newest.views) == ["big_lines", "invoice_lines", "ns_disagreements",
                                        "ns_explanations"]
        assert sorted(newest.files) == [
            "checks/no_negative_lines.sql", "dashboards/finance.yml", "metrics/net_revenue.yml",
            "models/big_lines.sql", "northstar.toml", "people.yml"]
        report = p.verify()
        assert report.ok and report.notes == _one_role(p.engine), report
    yield folder


ONE_ROLE = ("postgres is a superuser: it can switch the append-only triggers off and then edit "
            "the ledger; `northstar db setup --admin-url ...` gives the ledger to an owner role "
            "the app never uses (docs/deploy.md)")


def _one_role(engine: Engine) -> list[str]:
    """The note verify gives on PostgreSQL when the project connects as the superuser (as
    these tests do): the roles are not separate (tests/test_pg_roles.py separates them)."""
    return [ONE_ROLE] if engine.name == "postgres" else []


def _tamper(root: Path, *statements: str) -> None:
    """Change the database behind the ledger's back (on PostgreSQL with the guard off)."""
    with Project.open(root) as p:
        engine = p.engine
        if engine.name == "postgres":
            engine.execute("SET session_replication_role = replica")
        for sql in statements:
            engine.execute(sql)
        if engine.name == "postgres":
            engine.execute("SET session_replication_role = origin")


def _problems(root: Path) -> list[str]:
    with Project.open(root) as p:
        return [str(problem) for problem in p.verify().problems]


def _assert_tampered(root: Path, expected: list[str]) -> None:
    """`Project.verify` finds exactly `expected`; `northstar verify` prints each, exits 1."""
    assert _problems(root) == expected
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["verify", "--project", str(root)])
    assert result.exit_code == 1, result.output
    for problem in expected:
        assert f"TAMPERED {problem}" in result.output
    assert f"{len(expected)} problem(s) in" in result.output


def _anchor(root: Path) -> Path:
    return root / ".northstar" / "ledger.head"


SINCE = "since the recorded definitions (version 3, after load 3)"


# -- views ---------------------------------------------------------------------------------
def test_a_redefined_view_is_named(root: Path) -> None:
    with Project.open(root) as p:
        columns = p.engine.columns("invoice_lines") or []
        sql_type = p.engine.sql_type("DECIMAL(18,2)")
    select = ", ".join(f"CAST(amount * 2 AS {sql_type}) AS amount" if name == "amount" else
                       "FALSE AS is_adjusted" if name == "is_adjusted" else quote(name)
                       for name, _ in columns)
    _tamper(root, f"CREATE OR REPLACE VIEW invoice_lines AS SELECT {select} "
                  "FROM raw_invoice_lines")
    with Project.open(root) as p:  # the tampered view doubles February's revenue
        [feb] = p.compute(["net_revenue"], ["2025-02"])
        assert feb.value == Decimal("80.00")
    _assert_tampered(root, ["view invoice_lines: was redefined in the database: its SQL is not "
                            "the SQL Northstar built (definitions version 3)"])


def test_a_view_created_or_dropped_outside_northstar_is_named(root: Path) -> None:
    _tamper(root, "CREATE VIEW extra_lines AS SELECT 1 AS one", "DROP VIEW big_lines")
    _assert_tampered(root, [
        f"view big_lines: was dropped {SINCE}",
        "view extra_lines: was created outside Northstar (it is not in definitions version 3)",
    ])


def test_definitions_record_rebuilds_the_views_from_the_files(root: Path) -> None:
    _tamper(root, "DROP VIEW big_lines")
    out = CliRunner().invoke(app, ["definitions", "record", "--project", str(root)])
    assert out.exit_code == 0, out.output
    # The views come back exactly as built before: the newest version still matches them.
    assert "Definitions version 3 unchanged: 6 files, 4 views (after load 3)" in out.output
    assert _problems(root) == []


# -- files ---------------------------------------------------------------------------------
def test_an_edited_file_is_named_until_it_is_recorded(root: Path) -> None:
    metric = root / "metrics" / "net_revenue.yml"
    metric.write_text(NET_REVENUE.replace("sum(amount)", "sum(amount) * 2"))
    (root / "checks" / "always_passes.sql").write_text("select 1 where false\n")
    (root / "dashboards" / "finance.yml").unlink()
    _assert_tampered(root, [
        f"checks/always_passes.sql: added {SINCE}; `northstar definitions record` records the "
        "change",
        f"dashboards/finance.yml: removed {SINCE}; `northstar definitions record` records the "
        "change",
        f"metrics/net_revenue.yml: changed {SINCE}; `northstar definitions record` records "
        "the change",
    ])
    out = CliRunner().invoke(app, ["definitions", "record", "--project", str(root)])
    assert out.exit_code == 0, out.output
    assert "Definitions version 4 recorded: 6 files, 4 views (after load 3)" in out.output
    assert _problems(root) == []


def test_an_edit_followed_by_any_write_is_recorded_with_it(root: Path) -> None:
    (root / "models" / "big_lines.sql").write_text(BIG_LINES.replace("20", "30"))
    run("set-manual", "net_revenue", "2025-03", "5", "--author", "cfo", cwd=root)
    with Project.open(root) as p:
        newest = p.definitions.newest()
        assert newest is not None and (newest.version, newest.reason) == (4, "files changed")
        # the load names the definitions version it was written under
        assert p.engine.rows("SELECT load_id, definitions FROM ns_loads WHERE load_id = 4") == [
            (4, 4)]
    assert _problems(root) == []


# -- tables and their columns ----------------------------------------------------------------
@pytest.mark.parametrize("table", ["ns_adjustments", "ns_manual_values"])
def test_a_corrections_table_made_outside_the_cli_is_named_and_never_read(
        root: Path, table: str) -> None:
    if table == "ns_adjustments":
        create = ("CREATE TABLE ns_adjustments (source_id VARCHAR, load_id BIGINT, row_seq BIGINT, "
                  "kind VARCHAR, target_table VARCHAR, record_id VARCHAR, field VARCHAR, "
                  "new_value VARCHAR, metric VARCHAR, period VARCHAR, delta VARCHAR)")
        insert = ("INSERT INTO ns_adjustments VALUES ('x', 9, 1, 'metric', NULL, NULL, NULL, "
                  "NULL, 'net_revenue', '2025-01', '1000000')")
    else:
        create = ("CREATE TABLE ns_manual_values (source_id VARCHAR, load_id BIGINT, "
                  "row_seq BIGINT, metric VARCHAR, period VARCHAR, value VARCHAR, "
                  "action VARCHAR, author VARCHAR, note VARCHAR)")
        insert = ("INSERT INTO ns_manual_values VALUES ('x', 9, 1, 'net_revenue', '2025-01', "
                  "'1000000', 'set', 'mallory', NULL)")
    _tamper(root, create, insert)
    with Project.open(root) as p:
        assert _january(p) == Decimal("60.00")  # not +1,000,000
    _assert_tampered(root, [f"{table}: table is not in the collection log: it was created "
                            "outside Northstar (1 row(s))"])


def test_a_raw_table_made_outside_the_cli_is_named_and_gets_no_view(root: Path) -> None:
    _tamper(root, "CREATE TABLE raw_bonus (source_id VARCHAR, load_id BIGINT, row_seq BIGINT, "
                  "amount DECIMAL(18,2))",
            "INSERT INTO raw_bonus VALUES ('x', 3, 2, 1000000)")
    with Project.open(root) as p:
        p.models.refresh()
        assert "bonus" not in p.engine.relations()
    _assert_tampered(root, ["raw_bonus: table is not in the collection log: it was created "
                            "outside Northstar (1 row(s))"])


def test_a_column_added_with_a_default_stops_loads_and_view_builds(root: Path) -> None:
    """The issue's case: `is_deleted` defaulting to TRUE would make every line a tombstone
    once the views are rebuilt by an ordinary write."""
    _tamper(root, "ALTER TABLE raw_invoice_lines ADD COLUMN is_deleted BOOLEAN DEFAULT TRUE")
    change = ("raw_invoice_lines was changed outside Northstar since load 3: column "
              "'is_deleted' (BOOLEAN) was added outside any load")
    (root / "other.csv").write_text("id,amount\nx,1.00\n")
    # A load of another table goes in, but the views are not rebuilt over the changed table.
    other = run("load", "other", "other.csv", cwd=root, ok=False)
    assert "Loaded 1 rows into raw_other (load 4)" in other.stdout
    assert other.returncode == 1
    assert f"{change}; the views were not rebuilt, so no number is computed over it" in \
        other.stderr
    # A load of the changed table is refused: it would carry the column forward.
    (root / "more.csv").write_text("id,txn_date,amount\ne,2025-02-04,5.00\n")
    more = run("load", "invoice_lines", "more.csv", cwd=root, ok=False)
    assert more.returncode == 1
    assert f"{change}; nothing was written (run `northstar verify`)" in more.stderr
    _assert_tampered(root, [
        "raw_invoice_lines load 1: column 'is_deleted' holds values in 3 row(s), but this load "
        "did not write that column (set outside any load)",
        "raw_invoice_lines load 3: column 'is_deleted' holds values in 1 row(s), but this load "
        "did not write that column (set outside any load)",
        "raw_invoice_lines: column 'is_deleted' (BOOLEAN) was added outside any load (the "
        "columns load 3 recorded)",
    ])
    with Project.open(root) as p:  # the refused load is in the log as failed
        assert p.engine.rows("SELECT load_id, table_name, status FROM ns_loads "
                             "WHERE load_id > 3 ORDER BY 1") == [
            (4, "raw_other", "ok"), (5, "raw_invoice_lines", "failed")]


def test_an_empty_column_added_outside_a_load_is_named(root: Path) -> None:
    _tamper(root, "ALTER TABLE raw_invoice_lines ADD COLUMN note VARCHAR")
    _assert_tampered(root, ["raw_invoice_lines: column 'note' (VARCHAR) was added outside any "
                            "load (the columns load 3 recorded)"])


def test_a_retyped_column_is_named_even_when_the_values_read_the_same(root: Path) -> None:
    # PostgreSQL refuses to retype a column a view reads: the views go first (on both).
    _tamper(root, "DROP VIEW big_lines", "DROP VIEW invoice_lines",
            "ALTER TABLE raw_invoice_lines ALTER COLUMN amount TYPE DECIMAL(20,2)")
    _assert_tampered(root, [
        "raw_invoice_lines: column 'amount' was changed from DECIMAL(18,2) to DECIMAL(20,2) "
        "(the columns load 3 recorded)",
        f"view big_lines: was dropped {SINCE}",
        f"view invoice_lines: was dropped {SINCE}",
    ])


def test_a_dropped_column_is_named(root: Path) -> None:
    _tamper(root, "DROP VIEW big_lines", "DROP VIEW invoice_lines",
            "ALTER TABLE raw_invoice_lines DROP COLUMN discount")
    _assert_tampered(root, [
        "raw_invoice_lines load 3: column 'discount' was removed",
        "raw_invoice_lines: column 'discount' was dropped (the columns load 3 recorded)",
        f"view big_lines: was dropped {SINCE}",
        f"view invoice_lines: was dropped {SINCE}",
    ])


def test_a_value_in_a_column_an_older_load_does_not_hash_is_named(root: Path) -> None:
    # load 1 was written before `discount` existed, so its hash does not cover the column
    _tamper(root, "UPDATE raw_invoice_lines SET discount = 5 WHERE source_id = 'b'")
    _assert_tampered(root, [
        "raw_invoice_lines load 1: column 'discount' holds values in 1 row(s), but this load "
        "did not write that column (set outside any load)"])


# -- the chain -------------------------------------------------------------------------------
def _forge(engine: Engine, source_id: str, fields: str, *, upto: int | None = None,
           legacy: bool = False) -> None:
    """What a forger with the project's code but not its key can do: change a value in load 1,
    recompute its content hash, and link the entries before `upto` (or all) again with
    `chain`, as a ledger without a key does (`legacy`: over the first eleven fields, as before
    the key)."""
    columns = json.loads(str(engine.scalar("SELECT columns FROM ns_loads WHERE load_id = 1")))
    engine.execute("UPDATE raw_invoice_lines SET amount = 99 WHERE source_id = ?", [source_id])
    hasher = RowHasher(columns)
    for batch in engine.batches(f"SELECT {', '.join(quote(c) for c in columns)} FROM "
                                "raw_invoice_lines WHERE load_id = 1 ORDER BY row_seq"):
        hasher.update(batch)
    engine.execute("UPDATE ns_loads SET content_hash = ? WHERE load_id = 1",
                   [hasher.hexdigest()])
    prev = "0" * 64
    for row in engine.rows(f"SELECT {fields} FROM ns_loads WHERE load_id < ? ORDER BY load_id",
                           [upto or 2**62]):
        link = chain(prev, *(row[:11] if legacy else row))
        engine.execute("UPDATE ns_loads SET prev_hash = ?, chain_hash = ? WHERE load_id = ?",
                       [prev, link, row[0]])
        prev = link


KEYED_FIELDS = ("load_id, table_name, source_name, row_count, replaced, started_at, "
                "finished_at, status, error, columns, content_hash, scheme, column_types, "
                "definitions")


def _rehash(root: Path, *, scheme: str | None) -> None:
    """`_forge` on every entry, writing `scheme` into each entry first when given."""
    with Project.open(root) as p:
        engine = p.engine
        if engine.name == "postgres":
            engine.execute("SET session_replication_role = replica")
        if scheme is not None:
            engine.execute("UPDATE ns_loads SET scheme = ?", [scheme])
        _forge(engine, "b", KEYED_FIELDS)
        if engine.name == "postgres":
            engine.execute("SET session_replication_role = origin")


def test_a_chain_recomputed_without_the_key_is_caught(root: Path) -> None:
    _rehash(root, scheme=None)
    _assert_tampered(root, [
        *(f"ns_loads load {n}: collection log entry was changed (hash chain broken)"
          for n in (1, 2, 3)),
        f"ns_loads: load 3 is not the one the head anchor ({_anchor(root)}) recorded: the "
        "history was rewritten or another database was put in its place",
    ])


def test_a_chain_downgraded_to_the_unkeyed_scheme_is_caught(root: Path) -> None:
    _rehash(root, scheme="sha256")
    _assert_tampered(root, [
        *(f"ns_loads load {n}: entry is not keyed, though the chain is keyed from load 1 on: "
          "its hash was recomputed without the ledger key" for n in (1, 2, 3)),
        f"ns_loads: load 3 is not the one the head anchor ({_anchor(root)}) recorded: the "
        "history was rewritten or another database was put in its place",
    ])


def test_removing_the_newest_load_with_its_entry_is_caught_and_stops_writes(root: Path) -> None:
    _tamper(root, "DELETE FROM raw_invoice_lines WHERE load_id = 3",
            "DELETE FROM ns_loads WHERE load_id = 3")
    behind = (f"the database ends at load 2, but the head anchor ({_anchor(root)}) records "
              "load 3: the newest entries were removed or an older copy of the database was "
              "put back")
    (root / "more.csv").write_text("id,txn_date,amount\ne,2025-02-04,5.00\n")
    refused = run("load", "invoice_lines", "more.csv", cwd=root, ok=False)
    assert refused.returncode == 1 and behind in refused.stderr
    _assert_tampered(root, [
        # the column load 3 added stays behind in the table
        "raw_invoice_lines: column 'discount' (DECIMAL(18,2)) was added outside any load (the "
        "columns load 1 recorded)",
        f"ns_loads: {behind}",
    ])


@pytest.mark.parametrize("engine_url", ["duckdb"], indirect=True)
def test_an_older_database_file_put_back_is_caught(root: Path, engine_url: str) -> None:
    database = Path(engine_url.removeprefix("duckdb:///"))
    shutil.copy(database, root / "old.duckdb")
    with Project.open(root) as p:
        p.append("invoice_lines", _lines(["e"], [date(2025, 3, 1)], ["5.00"]), source="file")
    shutil.move(root / "old.duckdb", database)
    _assert_tampered(root, [
        f"ns_loads: the database ends at load 3, but the head anchor ({_anchor(root)}) records "
        "load 4: the newest entries were removed or an older copy of the database was put "
        "back"])


def test_removing_the_newest_definitions_version_is_caught(root: Path, engine_url: str
                                                         ) -> None:
    _tamper(root, "DELETE FROM ns_definitions WHERE version = 3")
    redefined = ("was redefined in the database: its SQL is not the SQL Northstar built "
                 "(definitions version 2)")
    _assert_tampered(root, [
        # Version 2's views were built before `discount`: the live base view is not among
        # them, nor, on PostgreSQL (which keeps `select *` spelt out), big_lines.
        *([f"view big_lines: {redefined}"] if not engine_url.startswith("duckdb") else []),
        f"view invoice_lines: {redefined}",
        f"ns_definitions: the database ends at definitions version 2, but the head anchor "
        f"({_anchor(root)}) records definitions version 3: the newest entries were removed or "
        "an older copy of the database was put back",
    ])


def test_a_changed_definitions_version_is_caught(root: Path) -> None:
    _tamper(root, "UPDATE ns_definitions SET reason = 'nothing to see' WHERE version = 2")
    _assert_tampered(root, ["ns_definitions version 2: entry was changed (hash chain broken)"])


def test_a_changed_manifest_is_caught_and_compared_as_it_now_reads(root: Path) -> None:
    _tamper(root, "UPDATE ns_definitions SET manifest = replace(manifest, 'big_lines', "
                  "'big_linez') WHERE version = 3")
    change = "`northstar definitions record` records the change"
    _assert_tampered(root, [
        "ns_definitions version 3: entry was changed (hash chain broken)",
        f"models/big_lines.sql: added {SINCE}; {change}",
        f"models/big_linez.sql: removed {SINCE}; {change}",
        "view big_lines: was created outside Northstar (it is not in definitions version 3)",
        f"view big_linez: was dropped {SINCE}",
    ])


# Load 3's entry cannot be trusted: the table's columns are compared with load 1's.
DISCOUNT = ("raw_invoice_lines: column 'discount' (DECIMAL(18,2)) was added outside any load "
            "(the columns load 1 recorded)")


@pytest.mark.parametrize(("sql", "expected"), [
    ("UPDATE ns_loads SET columns = '[]' WHERE load_id = 3",
     ["ns_loads load 3: collection log entry is damaged: its columns field is not a list of "
      "column names", DISCOUNT]),
    ("UPDATE ns_loads SET columns = '{' WHERE load_id = 3",
     ["ns_loads load 3: collection log entry is damaged: its columns field is not a list of "
      "column names", DISCOUNT]),
    ("UPDATE ns_loads SET column_types = '[1]' WHERE load_id = 3",
     ["ns_loads load 3: collection log entry is damaged: its column_types are not a list of "
      "[name, type]", DISCOUNT]),
    ("UPDATE ns_loads SET status = 'okay' WHERE load_id = 3",
     ["ns_loads load 3: collection log entry is damaged: its status 'okay' is neither ok nor "
      "failed", "raw_invoice_lines load 3: 1 row(s) were added outside any load", DISCOUNT]),
])
def test_a_damaged_log_entry_is_reported_not_raised(root: Path, sql: str,
                                                    expected: list[str]) -> None:
    _tamper(root, sql)
    _assert_tampered(root, ["ns_loads load 3: collection log entry was changed (hash chain "
                            "broken)", *expected])


def test_an_unknown_hash_scheme_is_damage(root: Path) -> None:
    _tamper(root, "UPDATE ns_loads SET scheme = 'rot13' WHERE load_id = 2")
    _assert_tampered(root, [
        "ns_loads load 2: entry is damaged: its hash scheme 'rot13' is not one Northstar writes",
    ])


def test_a_folder_with_another_ledger_key_cannot_check_or_extend_the_chain(root: Path) -> None:
    key = root / ".northstar" / "ledger.key"
    key.write_text("f" * 64 + "\n")
    key_id = _key_id(root)
    _assert_tampered(root, [
        f"{table}: entries from {unit} 1 on are linked with ledger key {key_id}, which this "
        "folder does not have: they cannot be checked (copy .northstar/ledger.key from the "
        "project folder that wrote them)"
        for table, unit in (("ns_definitions", "version"), ("ns_loads", "load"))])
    (root / "more.csv").write_text("id,txn_date,amount\ne,2025-02-04,5.00\n")
    refused = run("load", "invoice_lines", "more.csv", cwd=root, ok=False)
    assert refused.returncode == 1
    assert (f"load 3 was linked with ledger key {key_id}, and this folder has ledger key "
            f"{_key_id_of('f' * 64)}: copy .northstar/ledger.key from the project folder that "
            "wrote it; nothing was written" in refused.stderr)


def _key_id(root: Path) -> str:
    with Project.open(root) as p:
        return str(p.engine.scalar("SELECT scheme FROM ns_loads WHERE load_id = 1")).split(":")[1]


def _key_id_of(secret: str) -> str:
    """A key's id worked out by hand: HMAC-SHA256 of a fixed text under the key, 12 hex."""
    return hmac.new(secret.encode(), b"northstar ledger key id", hashlib.sha256).hexdigest()[:12]


def test_a_damaged_head_anchor_is_named(root: Path) -> None:
    _anchor(root).write_text("not json\n")
    _assert_tampered(root, [f"{_anchor(root)}: the head anchor is damaged: it does not hold a "
                            "head"])


# -- a ledger from before the keyed chain ----------------------------------------------------
LEGACY_COLUMNS = ("load_id, table_name, source_name, row_count, replaced, started_at, "
                  "finished_at, status, error, columns, content_hash, prev_hash, chain_hash")
LEGACY_LOG = """CREATE TABLE ns_loads (load_id BIGINT PRIMARY KEY, table_name VARCHAR NOT NULL,
  source_name VARCHAR NOT NULL, row_count BIGINT NOT NULL, replaced BIGINT NOT NULL,
  started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP NOT NULL, status VARCHAR NOT NULL,
  error VARCHAR, columns VARCHAR NOT NULL, content_hash VARCHAR NOT NULL,
  prev_hash VARCHAR NOT NULL, chain_hash VARCHAR NOT NULL)"""
"""The collection log as Northstar made it before the chain was keyed."""


def _legacy(engine_url: str, tmp_path: Path) -> Path:
    """A project whose ledger was written before the chain was keyed: no ledger key, no head
    anchor, a 13-column log linked by SHA-256 over each entry's first eleven fields."""
    with Project.init(tmp_path / "old", timezone="UTC", engine_url=engine_url) as p:
        folder = p.root
        ledger = Ledger(p.engine)  # no key, no anchor, no definitions
        for ids, amounts in ((["a", "b"], ["10.00", "20.00"]), (["c"], ["30.00"])):
            ledger.append("raw_invoice_lines", _lines(ids, [date(2025, 1, 5)] * len(ids),
                                                      amounts), source="file", id_column="id")
        _relink_legacy(p)
    (folder / ".northstar" / "ledger.key").unlink()
    (folder / "metrics" / "net_revenue.yml").write_text(NET_REVENUE)
    return folder


def _relink_legacy(p: Project) -> None:
    """Give the log its old 13 columns and link every entry the way Northstar did before the
    key: SHA-256 over the first eleven fields."""
    engine = p.engine
    rows = engine.rows(f"SELECT {LEGACY_COLUMNS} FROM ns_loads ORDER BY load_id")
    engine.execute("DROP TABLE ns_loads")
    engine.execute(LEGACY_LOG)
    engine.protect_table("ns_loads")  # as every Northstar did once it made the log
    prev = "0" * 64
    for row in rows:
        link = chain(prev, *row[:11])
        engine.execute(f"INSERT INTO ns_loads ({LEGACY_COLUMNS}) VALUES "
                       f"({', '.join('?' * 13)})", [*row[:11], prev, link])
        prev = link


def test_a_ledger_from_before_the_key_verifies_and_is_keyed_from_its_next_load(
        engine_url: str, tmp_path: Path) -> None:
    root = _legacy(engine_url, tmp_path)
    with Project.open(root) as p:
        report = p.verify()
        assert report.ok, report.problems
        assert report.notes == [
            "the columns of raw_invoice_lines are not recorded yet (their newest loads were "
            "written before loads recorded them): a column dropped or filled in behind the "
            "ledger's back is still seen, one added empty or retyped may not be, until the next "
            "load of the table",
            "the project's definitions are not recorded yet: the next write records them, or "
            "`northstar definitions record`",
            f"this folder has no head anchor ({_anchor(root)}): removing the newest loads "
            "together with their log entries, or putting back an older database, cannot be "
            "told apart from a ledger that ended there (the next write creates the anchor)",
            "the chain is not keyed yet: someone who can write the database could recompute "
            "it; the next write from the project links with its ledger key",
            *_one_role(p.engine),
        ]
        p.append("invoice_lines", _lines(["d"], [date(2025, 2, 1)], ["40.00"]), source="file")
        schemes = [s for (s,) in p.engine.rows("SELECT scheme FROM ns_loads ORDER BY load_id")]
        assert schemes[:2] == [None, None] and str(schemes[2]).startswith("hmac-sha256:")
        report = p.verify()
        assert report.ok, report.problems
        assert report.notes == [
            "loads 1..2 were linked before the ledger was keyed: load 3 and every keyed entry "
            "after it fix them, but a change made to them before that entry was written cannot "
            "be told from the original", *_one_role(p.engine)]
    out = CliRunner().invoke(app, ["verify", "--project", str(root)])
    assert out.exit_code == 0 and "OK: 3 loads, 4 rows" in out.output, out.output


def test_rewriting_an_entry_from_before_the_key_breaks_the_keyed_entry_after_it(
        engine_url: str, tmp_path: Path) -> None:
    root = _legacy(engine_url, tmp_path)
    with Project.open(root) as p:
        p.append("invoice_lines", _lines(["d"], [date(2025, 2, 1)], ["40.00"]), source="file")
        engine = p.engine
        if engine.name == "postgres":
            engine.execute("SET session_replication_role = replica")
        # loads 1 and 2 linked again the old way; load 3 (keyed) left as it was
        _forge(engine, "a", LEGACY_COLUMNS, upto=3, legacy=True)
        if engine.name == "postgres":
            engine.execute("SET session_replication_role = origin")
    _assert_tampered(root, ["ns_loads load 3: collection log entry was changed (hash chain "
                            "broken)"])
