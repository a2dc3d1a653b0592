"""The collection log file: every run of a source also goes to `.northstar/logs/collection.log`
(`[schedule] log_file`) as JSON lines, one per object and one for the run, rotated by size with
a run's lines kept together. A file that cannot be written does not lose the ledger's entry.

Counts are the ConnectWise fake's records (tests/fakes/connectwise.py): 3 boards, 4 companies,
10 tickets, 12 time entries, 3 agreements and 3 agreement additions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.connectwise import CLIENT_ID, PRIVATE, PUBLIC, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, make_project
from northstar.collection.log import COLLECTION_RUNS, entries
from northstar.collection.run import collect
from northstar.errors import NorthstarError
from northstar.project import Project

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")
SECRETS = {"psa": {"public_key": PUBLIC, "private_key": PRIVATE, "client_id": CLIENT_ID}}
OBJECTS = {"boards": 3, "companies": 4, "tickets": 10, "time_entries": 12, "agreements": 3,
           "agreement_additions": 3}



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    with ConnectWiseFake() as server:
        yield server


def project_with(tmp_path: Path, fake: ConnectWiseFake, schedule: str = "") -> Project:
    p = make_project(tmp_path, TOML.replace("{url}", fake.url), secrets=SECRETS)
    if schedule:
        with (p.root / "northstar.toml").open("a") as f:
            f.write(f"\n[schedule]\n{schedule}\n")
        p.close()
        p = Project.open(p.root)
    return p


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_run_writes_a_line_per_object_and_one_for_the_run(tmp_path: Path,
                                                                fake: ConnectWiseFake) -> None:
    p = project_with(tmp_path, fake)
    collect(p, "psa", author="ada")
    written = lines(p.root / ".northstar" / "logs" / "collection.log")
    *objects, run = written
    assert [o["object"] for o in objects] == list(OBJECTS)
    assert {o["object"]: o["read"] for o in objects} == OBJECTS
    assert all(o["appended"] == o["read"] and o["status"] == "ok" and o["error"] is None
               for o in objects)
    assert {o["event"] for o in objects} == {"object"} and run["event"] == "run"
    assert {o["run"] for o in objects} == {run["id"]}
    assert (run["source"], run["kind"], run["status"], run["error"], run["author"]) == (
        "psa", "manual", "ok", None, "ada")
    assert (run["objects"], run["read"], run["appended"]) == (6, 35, 35)
    for line in written:
        assert line["started_at"].endswith("Z") and line["finished_at"].endswith("Z")
        assert line["started_at"] <= line["finished_at"] and line["duration_s"] >= 0
    # the same run, in the ledger
    [logged] = entries(p, 5)
    assert (logged["status"], logged["read"], logged["appended"]) == ("ok", 35, 35)

    fake.denied.add("/time/entries")
    assert collect(p, "psa").failure is not None  # all or nothing: none of it kept
    *objects, failed = lines(p.root / ".northstar" / "logs" / "collection.log")[len(written):]
    assert failed["status"] == "failed" and "time_entries" in failed["error"]
    assert "403" in failed["error"] or "do not have access" in failed["error"]
    by_object = {o["object"]: (o["status"], o["error"]) for o in objects}
    assert by_object["boards"] == ("failed", "not kept: time_entries failed")
    assert by_object["agreements"] == ("failed", "not collected: time_entries failed first")
    assert "do not have access" in str(by_object["time_entries"][1])
    assert all(o["appended"] == 0 for o in objects)


def test_the_file_is_rotated_by_size_and_a_run_stays_in_one_file(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = project_with(tmp_path, fake, "log_max_bytes = 3000\nlog_backups = 2")
    folder = p.root / ".northstar" / "logs"
    ids = []
    for _ in range(4):
        ids.append(collect(p, "psa").entry.id)
    # one run is seven lines of about 350 bytes: each run after the first rotates the file
    assert sorted(f.name for f in folder.iterdir()) == [
        "collection.log", "collection.log.1", "collection.log.2"]
    kept = []
    for name in ("collection.log.2", "collection.log.1", "collection.log"):
        *objects, run = lines(folder / name)
        assert run["event"] == "run" and len(objects) == 6
        assert {o["run"] for o in objects} == {run["id"]}
        kept.append(run["id"])
    assert kept == ids[1:]  # the oldest file was dropped
    assert p.engine.scalar(f"SELECT count(*) FROM {COLLECTION_RUNS}") == 4  # the ledger keeps all


def test_the_log_file_can_be_moved_or_turned_off(tmp_path: Path, fake: ConnectWiseFake) -> None:
    elsewhere = tmp_path / "var" / "northstar.jsonl"
    p = project_with(tmp_path, fake, f'log_file = "{elsewhere}"')
    collect(p, "psa")
    assert [line["event"] for line in lines(elsewhere)][-1] == "run"
    assert not (p.root / ".northstar" / "logs").exists()
    p.close()
    (p.root / "northstar.toml").write_text(
        (p.root / "northstar.toml").read_text().replace(f'"{elsewhere}"', '""'))
    with Project.open(p.root) as again:
        collect(again, "psa")
        assert len(entries(again, 5)) == 2
    assert len(lines(elsewhere)) == 7


def test_a_log_file_that_cannot_be_written_loses_nothing_in_the_ledger(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = project_with(tmp_path, fake, 'log_file = "northstar.toml/collection.log"')
    with pytest.raises(NorthstarError, match=r"the collection log file .*northstar\.toml/"
                       r"collection\.log cannot be written \(.*\); the run is in the ledger's "
                       r"collection log"):
        collect(p, "psa")
    [logged] = entries(p, 5)
    assert (logged["status"], logged["appended"]) == ("ok", 35)
