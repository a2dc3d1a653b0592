"""A collection run is all or nothing across every object of a source, not per object: when
the third of ConnectWise's six objects fails, the two read before it do not land either, the
three after it are not fetched, and the next run starts from where the last good run left off.
On DuckDB and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.connectwise import API, ENV, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, make_project, raw_tables, table_contents
from northstar.ledger.staging import STAGE_PREFIX
from northstar.project import Project
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")
OBJECTS = ["boards", "companies", "tickets", "time_entries", "agreements",
           "agreement_additions"]



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    os.environ.update(ENV)
    with ConnectWiseFake() as server:
        yield server


def project_for(tmp_path: Path, fake: ConnectWiseFake, engine_url: str) -> Project:
    url = None if engine_url.startswith("duckdb") else engine_url
    return make_project(tmp_path, TOML.replace("{url}", fake.url), url)


def ledger_state(p: Project) -> dict[str, list[tuple[str, ...]]]:
    return {t: table_contents(p, t) for t in [*raw_tables(p), "ns_cursors"]}


def asked(fake: ConnectWiseFake, path: str) -> int:
    return sum(1 for r in fake.requests if r.path == API + path)


def test_object_three_of_six_fails_and_none_of_the_run_lands(
        tmp_path: Path, fake: ConnectWiseFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    fake.denied.add("/service/tickets")
    with pytest.raises(SyncFailed) as info:
        sync(p, "psa")
    message = str(info.value)
    assert message.startswith("psa: tickets: psa: GET /v4_6_release/apis/3.0/service/tickets "
                              "was refused with HTTP 403")
    assert message.endswith("; nothing of this run was kept")
    # boards and companies were read and staged, then dropped with the rest
    assert asked(fake, "/service/boards") == 1 and asked(fake, "/company/companies") == 1
    assert raw_tables(p) == []
    assert [r for r in p.engine.relations() if r.startswith(STAGE_PREFIX)] == []
    assert "ns_cursors" not in p.engine.relations()
    # the objects after the failed one were never asked for
    assert asked(fake, "/time/entries") == 0 and asked(fake, "/finance/agreements") == 0
    runs = p.engine.rows("SELECT object, status, appended, error FROM ns_runs")
    by_object = {o: (s, n, e) for o, s, n, e in runs}
    assert list(by_object) == OBJECTS
    assert by_object["boards"] == ("failed", 0, "not kept: tickets failed")
    assert by_object["companies"] == ("failed", 0, "not kept: tickets failed")
    assert by_object["tickets"][:2] == ("failed", 0)
    assert "HTTP 403" in by_object["tickets"][2]
    for later in ("time_entries", "agreements", "agreement_additions"):
        assert by_object[later] == ("failed", 0, "not collected: tickets failed first")
    # the load log says so for every table, none of them ok
    log = p.engine.rows("SELECT table_name, status FROM ns_loads WHERE table_name LIKE 'raw_%'")
    assert sorted(t for t, _ in log) == sorted(f"raw_cw_{o}" for o in OBJECTS)
    assert {s for _, s in log} == {"failed"}
    assert p.verify().ok

    fake.denied.clear()
    runs_ok = sync(p, "psa")
    assert [r.status for r in runs_ok] == ["ok"] * 6
    # 3 boards, 4 companies, 10 tickets, 12 time entries, 3 agreements, 3 additions
    assert [r.appended for r in runs_ok] == [3, 4, 10, 12, 3, 3]


def test_changes_before_the_failed_object_wait_for_the_next_good_run(
        tmp_path: Path, fake: ConnectWiseFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "psa")
    before = ledger_state(p)
    fake.touch("boards", 1, name="Service Desk")  # object 1 changes
    fake.touch("tickets", 1003, summary="renamed")  # object 3 changes, then fails
    fake.touch("tickets", 1005, actualHours="lots")
    with pytest.raises(SyncFailed, match="tickets 1005: 'lots' is not an amount"):
        sync(p, "psa")
    assert ledger_state(p) == before  # the renamed board is not in, nor any cursor moved
    assert p.engine.scalar("SELECT count(*) FROM raw_cw_boards") == 3

    fake.records["tickets"][1005]["actualHours"] = 2.5
    runs = {r.object: r for r in sync(p, "psa")}
    assert runs["boards"].appended == 1 and runs["tickets"].appended == 2
    names = p.engine.rows("SELECT name FROM raw_cw_boards WHERE source_id = '1' "
                          "ORDER BY load_id")
    assert names == [("Help Desk",), ("Service Desk",)]
    assert p.verify().ok
