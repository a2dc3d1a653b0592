"""Staged collection: each load is committed beside the ledger and moved in at the end. A stage
is never ledger data, a failed run drops it, a killed run's stage is dropped by the next run,
and the run is still all or nothing, on DuckDB and PostgreSQL. Also: record_hash v3 and its
compatibility with v1 and v2 ledgers, money's int fast path, reading pages ahead."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from conftest import pg_schema
from fakes.project import FAST_RETRY, make_project, raw_tables, table_contents
from fakes.stripe import KEY, StripeFake
from northstar.engines import connect
from northstar.errors import LoadError
from northstar.ledger.staging import STAGE_PREFIX, Stage, stage_name
from northstar.ledger.store import Ledger
from northstar.project import Project
from northstar.sources import writer as writer_module
from northstar.sources.prefetch import prefetched
from northstar.sources.sync import SyncFailed, sync
from northstar.sources.values import RecordError, money, text, unix_seconds

TOML = """
[pay]
kind = "stripe"
base_url = "{url}"
token_env = "NS_TEST_STRIPE_KEY"
page_size = 9
batch_bytes = 2000
""" + FAST_RETRY.format(name="pay")



@pytest.fixture
def fake() -> Iterator[StripeFake]:
    os.environ["NS_TEST_STRIPE_KEY"] = KEY
    with StripeFake() as server:
        yield server


def project_for(root: Path, fake: StripeFake, engine_url: str | None = None) -> Project:
    url = None if engine_url is None or engine_url.startswith("duckdb") else engine_url
    return make_project(root, TOML.replace("{url}", fake.url), engine_url=url)


def stages(project: Project) -> list[str]:
    return sorted(r for r in project.engine.relations() if r.startswith(STAGE_PREFIX))


def contents(project: Project) -> dict[str, Any]:
    return {t: table_contents(project, t) for t in raw_tables(project)}


def test_staged_run_on_both_engines(tmp_path: Path, fake: StripeFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    runs = {r.object: r for r in sync(p, "pay", objects=["charges", "refunds"])}
    # the fake has 40 charges and refunds on i % 6 == 0 (7 of them)
    assert (runs["charges"].appended, runs["refunds"].appended) == (40, 7)
    loads = p.engine.rows("SELECT row_count FROM ns_loads WHERE table_name = "
                          "'raw_stripe_charges' AND status = 'ok'")
    assert len(loads) > 1 and sum(n for (n,) in loads) == 40  # ~2000 bytes a load
    assert stages(p) == []
    assert p.verify().ok
    again = sync(p, "pay", objects=["charges", "refunds"])
    assert sum(r.appended for r in again) == 0 and stages(p) == []


def test_leftover_stage_is_no_ledger_data_and_the_next_run_drops_it(
        tmp_path: Path, fake: StripeFake, engine_url: str) -> None:
    clean = project_for(tmp_path / "clean", fake, engine_url if engine_url.startswith(
        "duckdb") else None)
    sync(clean, "pay", objects=["charges"])

    p = project_for(tmp_path / "killed", fake, engine_url)
    # what a run killed after staging a load leaves: a committed stage, never moved
    stage = Stage(p.ledger, "raw_stripe_charges", "pay")
    stage.add(pa.table({"id": ["ch_bogus"], "amount": [Decimal("1.00")]}))
    assert stages(p) == [stage_name("pay", "raw_stripe_charges")]
    assert raw_tables(p) == []  # not a raw table, not in any base view
    assert p.engine.scalar("SELECT count(*) FROM ns_loads") == 0
    assert p.verify().ok

    sync(p, "pay", objects=["charges"])
    assert stages(p) == []
    assert contents(p) == contents(clean)
    assert p.engine.scalar("SELECT count(*) FROM raw_stripe_charges "
                           "WHERE source_id = 'ch_bogus'") == 0


def test_failed_run_drops_its_stage_and_keeps_nothing(tmp_path: Path, fake: StripeFake,
                                                      engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)

    def fail_from_the_third(n: int) -> None:
        if n == 2:  # answered normally; every request after it fails
            fake.fail("500", times=50)

    fake.on_request = fail_from_the_third
    with pytest.raises(SyncFailed, match="still failing"):
        sync(p, "pay", objects=["charges"])
    fake.on_request = None
    fake.faults.clear()
    assert stages(p) == [] and raw_tables(p) == []
    runs = p.engine.rows("SELECT status, appended FROM ns_runs")
    assert runs == [("failed", 0)]
    assert p.verify().ok
    assert sync(p, "pay", objects=["charges"])[0].appended == 40


def test_stage_is_claimed_by_one_run(pg_schema_url: str) -> None:
    first, second = connect(pg_schema_url), connect(pg_schema_url)
    try:
        a = Stage(Ledger(first), "raw_things", "src")
        b = Stage(Ledger(second), "raw_things", "src")
        a.claim()
        a.add(pa.table({"id": ["1"]}))
        with pytest.raises(LoadError, match="being collected from src by another run"):
            b.claim()
        b.discard()  # never claimed: leaves the other run's stage alone
        assert first.scalar(f"SELECT count(*) FROM {a.name}") == 1
        a.release()
        b.claim()  # a free stage is claimed, and what was left in it dropped
        assert a.name not in first.relations()
        b.release()
    finally:
        first.close()
        second.close()


def test_projects_in_two_schemas_collect_the_same_table_at_once(pg_schema_url: str) -> None:
    """Two projects on one PostgreSQL database, each in its own schema: a run of one does not
    hold up the other's run of the same table."""
    with pg_schema() as other_url:
        first, second = connect(pg_schema_url), connect(other_url)
        try:
            a = Stage(Ledger(first), "raw_things", "src")
            b = Stage(Ledger(second), "raw_things", "src")
            a.claim()
            b.claim()  # not "being collected by another run"
            a.add(pa.table({"id": ["1"]}))
            b.add(pa.table({"id": ["2"], "n": [3]}))
            assert first.scalar(f"SELECT count(*) FROM {a.name}") == 1
            assert second.scalar(f"SELECT sum(n) FROM {b.name}") == 3
            a.release()
            b.release()
        finally:
            first.close()
            second.close()


def test_same_record_in_two_staged_loads_is_one_version(tmp_path: Path) -> None:
    from northstar.sources.stripe import Stripe

    project = Project.init(tmp_path / "p")
    try:
        spec = Stripe.object("charges").tables[0]
        w = writer_module.BatchWriter(project.ledger, "pay", {spec.key: (spec.key, spec)}, [],
                                      batch_bytes=1)  # every row is its own load
        w.begin()
        row = {"id": "ch_1", "amount": Decimal("5.00"), "currency": "usd"}
        w.add(spec.key, dict(row))
        w.add(spec.key, dict(row))  # read again, unchanged: staged once
        w.add(spec.key, {**row, "amount": Decimal("6.00")})  # changed: a new version
        w.finish()
        with project.engine.transaction():
            w.commit()
        w.release()
        assert (w.appended, w.unchanged) == (2, 1)
        assert project.engine.rows("SELECT amount FROM raw_stripe_charges ORDER BY load_id") \
            == [(Decimal("5.00"),), (Decimal("6.00"),)]
    finally:
        project.close()


def _v1(row: dict[str, Any]) -> tuple[str, int]:
    """record_hash as written before v2: sorted-key JSON, SHA-256, 32 hex digits."""
    def plain(v: Any) -> Any:
        return str(v) if isinstance(v, (Decimal, date, datetime)) else v

    text = json.dumps(row, sort_keys=True, default=plain, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32], len(text)


def _v2(row: dict[str, Any]) -> str:
    """record_hash as written in v2: BLAKE2b over the repr of the column names, then of the
    Python values."""
    h = hashlib.blake2b(repr(tuple(row)).encode(), digest_size=16)
    h.update(repr(tuple(row.values())).encode())
    return "v2:" + h.hexdigest()


@pytest.mark.parametrize("form", ["v1", "v2"])
def test_a_ledger_with_older_hashes_gets_no_duplicates(tmp_path: Path, fake: StripeFake,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       form: str) -> None:
    def older(data: pa.Table, columns: list[str]) -> list[str]:
        rows = data.select(columns).to_pylist()
        return [_v1(row)[0] if form == "v1" else _v2(row) for row in rows]

    p = project_for(tmp_path, fake)
    with monkeypatch.context() as m:
        m.setattr(writer_module, "record_hashes", older)
        first = sync(p, "pay")
    stored = [h for (h,) in p.engine.rows("SELECT record_hash FROM raw_stripe_charges")]
    assert len(stored) == 40
    assert all(h.startswith("v2:") if form == "v2" else ":" not in h for h in stored)
    before = contents(p)
    again = sync(p, "pay")
    assert sum(r.appended for r in again) == 0
    assert sum(r.unchanged for r in again) == sum(r.appended for r in first)
    assert contents(p) == before
    fake.objects["charges"][3]["amount"] += 1  # a real change is still a new version, hashed as v3
    changed = sync(p, "pay")
    assert sum(r.appended for r in changed) == 1
    newest = p.engine.rows("SELECT record_hash FROM raw_stripe_charges ORDER BY load_id DESC "
                           "LIMIT 1")[0][0]
    assert newest.startswith("v3:")


def test_record_hash_is_the_same_in_every_process() -> None:
    code = ("from decimal import Decimal; from datetime import datetime; import pyarrow as pa; "
            "from northstar.sources.writer import record_hashes; "
            "t = pa.table({'id': ['x'], 'amount': pa.array([Decimal('1.50')], "
            "pa.decimal128(18, 2)), 'n': [2], 'ok': [True], "
            "'at': [datetime(2024, 1, 2, 3, 4, 5)], 'tag': pa.array([None], pa.string())}); "
            "print(record_hashes(t, t.column_names)[0])")
    seen = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=True)
        seen.add(out.stdout.strip())
    assert len(seen) == 1 and next(iter(seen)).startswith("v3:")

    def h(**columns: Any) -> str:
        t = pa.table(columns)
        return writer_module.record_hashes(t, t.column_names)[0]

    base = h(id=["x"], note=["a"])
    assert base == h(id=["x"], note=["a"])
    assert base != h(note=["a"], id=["x"])  # the columns in order
    assert base != h(id=["x"], other=["a"])  # the names count
    assert h(id=["x"], note=pa.array([None], pa.string())) != h(id=["x"], note=[""])
    assert h(id=["x"], note=["\\N"]) != h(id=["x"], note=pa.array([None], pa.string()))
    assert h(id=["x"], a=["b\x1fc"], b=["d"]) != h(id=["x"], a=["b"], b=["c\x1fd"])
    two = pa.table({"id": ["x", "y"], "note": ["a", "a"]})
    assert writer_module.record_hashes(two, ["id", "note"])[0] == base


@pytest.mark.parametrize("minor", [0, 1, 2])
def test_money_int_fast_path_equals_the_general_path(minor: int) -> None:
    for value in (0, 1, -1, 7, 99, 100, 101, 12345, -98765, 10**15 - 1, 3 * 7919):
        general = Decimal(str(value)).scaleb(-minor).quantize(Decimal("0.01"),
                                                              rounding=ROUND_HALF_EVEN)
        fast = money(value, minor)
        assert fast == general and fast is not None
        assert fast.as_tuple() == general.as_tuple()  # the exponent too: same hash
    assert money(10**17, 2) == Decimal(10**15)  # outside the fast path, still exact


def test_unix_seconds_and_text_fast_paths_equal_the_general_paths() -> None:
    from datetime import UTC

    for value in (0, 1, 1_700_000_000, -86_400, 253_402_300_799):
        assert unix_seconds(value) == datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
        assert unix_seconds(value) == unix_seconds(str(value))  # the general path
    with pytest.raises(RecordError, match="not a unix time"):
        unix_seconds(10**15)  # past year 9999: refused, not a crash
    assert (text(""), text("a"), text(5), text(None)) == (None, "a", "5", None)


def test_prefetch_reads_a_few_pages_ahead_and_propagates_errors() -> None:
    fetched: list[int] = []
    closed: list[bool] = []

    def pages() -> Iterator[list[int]]:
        try:
            for n in range(1, 9):
                if n == 7:
                    raise LoadError("page 7 failed")
                fetched.append(n)
                yield [n]
        finally:
            closed.append(True)

    got = []
    with pytest.raises(LoadError, match="page 7"):
        for page in prefetched(pages(), ahead=2):
            got.append(page[0])
            # two pages waiting, and at most one more fetched and waiting to be handed over
            assert max(fetched) <= page[0] + 3
    assert got == [1, 2, 3, 4, 5, 6] and closed == [True]  # every page before the error

    fetched.clear()
    closed.clear()
    for page in prefetched(pages(), ahead=2):
        if page[0] == 2:
            break  # the caller stops early: the fetch in flight is finished, pages closed
    assert closed == [True]
    assert fetched == list(range(1, len(fetched) + 1)) and 2 <= len(fetched) <= 5


def test_hash_of_a_staged_load_is_the_hash_of_its_stored_rows(tmp_path: Path, fake: StripeFake,
                                                               engine_url: str) -> None:
    """Each staged batch is hashed as it is staged; read back after the move, every load's rows
    give that same hash (so `verify` agrees), on both engines."""
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "pay", objects=["charges"])
    entries = p.engine.rows("SELECT load_id, columns, content_hash FROM ns_loads WHERE "
                            "table_name = 'raw_stripe_charges' AND status = 'ok'")
    assert len(entries) >= 3  # batch_bytes = 2000: several loads
    for load_id, columns, content in entries:
        names = json.loads(columns)
        assert "load_id" not in names and "record_hash" in names
        assert p.ledger.content_hash("raw_stripe_charges", int(load_id), names) == content
    assert p.verify().ok


def test_a_batch_staged_before_a_new_column_is_hashed_again_when_moved(tmp_path: Path) -> None:
    project = Project.init(tmp_path / "p")
    try:
        stage = Stage(project.ledger, "raw_things", "src")
        stage.claim()
        stage.add(pa.table({"id": ["a", "b"], "n": [1, 2]}))
        stage.add(pa.table({"id": ["c"], "n": [3], "note": ["new column"]}))
        with project.engine.transaction():
            results = stage.move()
        assert [r.rows for r in results] == [2, 1]
        report = project.verify()
        assert report.ok, report.problems
        first = project.engine.rows("SELECT columns FROM ns_loads WHERE load_id = ?",
                                    [results[0].load_id])[0][0]
        assert "note" in json.loads(first)  # the first load's rows now have it (NULL)
        stage.release()
    finally:
        project.close()


def test_a_move_that_does_not_see_every_staged_row_moves_nothing(tmp_path: Path) -> None:
    project = Project.init(tmp_path / "p")
    try:
        stage = Stage(project.ledger, "raw_things", "src")
        stage.claim()
        stage.add(pa.table({"id": ["a", "b"], "n": [1, 2]}))
        project.engine.execute(f"DELETE FROM {stage.name} WHERE source_id = 'b'")  # unseen
        head = project.ledger.head()
        with pytest.raises(LoadError, match="holds 1 rows where 2 were staged"), \
                project.engine.transaction():
            stage.move()
        assert project.ledger.head() == head
        assert "raw_things" not in project.engine.relations()
        stage.release()
    finally:
        project.close()


def test_the_writer_refuses_to_commit_before_it_has_finished(tmp_path: Path) -> None:
    from northstar.sources.stripe import Stripe

    project = Project.init(tmp_path / "p")
    try:
        spec = Stripe.object("charges").tables[0]
        w = writer_module.BatchWriter(project.ledger, "pay", {spec.key: (spec.key, spec)}, [],
                                      batch_bytes=10**6)
        w.begin()
        w.add(spec.key, {"id": "ch_1", "amount": Decimal("5.00")})  # buffered, not staged
        with pytest.raises(RuntimeError, match="finish"):
            w.commit()
        w.finish()
        with project.engine.transaction():
            w.commit()
        w.release()
        assert project.engine.scalar("SELECT count(*) FROM raw_stripe_charges") == 1
    finally:
        project.close()
