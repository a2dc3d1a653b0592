"""Collecting one closed month again by hand (`northstar sync SOURCE --month 2025-03 --reason
...`): it re-reads the month, freezes its values again from what it read, and keeps the
reason in the collection log and on every value frozen again. Without a reason, for more than
a month, or for a month that has not closed, it is refused with one clear line.

The numbers are worked out by hand from the ConnectWise fake's records (tests/fakes/
connectwise.py): tickets 0-9 are entered on 1-10 Jan 2024 at 00:00 UTC (18:00 the day before
in Chicago); the reactive ones (Help Desk, parent) are 0 (31 Dec 2023 local), 3 and 6
(January): reactive tickets created, December 1 and January 2."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from fakes.cli import run
from fakes.connectwise import CLIENT_ID, PRIVATE, PUBLIC, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, make_project
from northstar.collection.log import COLLECTION_RUNS
from northstar.collection.run import collect, rerun_month
from northstar.errors import NorthstarError
from northstar.ledger.schema import SNAPSHOTS
from northstar.project import Project

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")
SECRETS = {"psa": {"public_key": PUBLIC, "private_key": PRIVATE, "client_id": CLIENT_ID}}
NOW = datetime(2024, 3, 15, 17, tzinfo=UTC)
"""15 March 2024, noon in Chicago: December and January have closed."""
METRIC = "reactive_tickets_created"



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    with ConnectWiseFake() as server:
        yield server


def msp(tmp_path: Path, fake: ConnectWiseFake) -> Project:
    return make_project(tmp_path, TOML.replace("{url}", fake.url), secrets=SECRETS,
                        pack="msp", timezone="America/Chicago")


def shown(p: Project, period: str, metric: str = METRIC) -> tuple[object, str]:
    [v] = p.compute([metric], [period])
    return v.value, v.origin


def test_a_closed_month_collected_again_is_frozen_again_with_its_reason(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    collect(p, "psa", now=NOW)
    p.metrics.now = NOW
    assert shown(p, "2024-01") == (2, "frozen")
    assert shown(p, "2023-12") == (1, "frozen")

    # a Help Desk ticket of 20 January reaches ConnectWise late: January stays as it froze
    fake.add_ticket(2001, datetime(2024, 1, 20, 15))
    collect(p, "psa", now=NOW)
    assert shown(p, "2024-01") == (2, "frozen")
    [late] = p.metrics.late_data(METRIC, [p.period("2024-01")])
    assert (late.frozen, late.live) == (2, 3)

    outcome = rerun_month(p, "psa", "2024-01", reason="late Help Desk ticket", author="ada",
                          now=NOW)
    assert outcome.ok and outcome.kept == []
    assert f"{METRIC} 2024-01" in outcome.refrozen
    assert all(v.endswith(" 2024-01") for v in outcome.refrozen)  # that month only
    p.metrics.now = NOW
    assert shown(p, "2024-01") == (3, "frozen")
    assert shown(p, "2023-12") == (1, "frozen")  # not touched

    # the act is in the ledger twice: the collection log and the snapshot frozen again
    [(kind, period, status, reason, author)] = p.engine.rows(
        f"SELECT kind, period, status, reason, author FROM {COLLECTION_RUNS} "
        f"WHERE kind = 'month'")
    assert (kind, period, status, reason, author) == (
        "month", "2024-01", "ok", "late Help Desk ticket", "ada")
    [(snap_reason, snap_author)] = p.engine.rows(
        f"SELECT reason, author FROM {SNAPSHOTS} WHERE metric = ? AND period = '2024-01' "
        f"ORDER BY load_id DESC LIMIT 1", [METRIC])
    assert (snap_reason, snap_author) == ("psa re-run for 2024-01: late Help Desk ticket", "ada")
    lines = [json.loads(line) for line in
             (p.root / ".northstar/logs/collection.log").read_text().splitlines()]
    [month] = [line for line in lines if (line["event"], line["kind"]) == ("run", "month")]
    assert (month["period"], month["reason"], month["author"]) == (
        "2024-01", "late Help Desk ticket", "ada")
    assert p.verify().ok


def test_a_month_rerun_keeps_a_frozen_value_the_new_data_would_break(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    assert p.catalog.get(METRIC).checks.expect_nonzero  # zero tickets: for review
    try:
        collect(p, "psa", now=NOW)
        p.metrics.now = NOW
        assert shown(p, "2024-01") == (2, "frozen")
        # both January tickets moved to the Projects board: January would have no tickets
        for ticket in (1004, 1007):
            fake.touch("tickets", ticket, board={"id": 2, "name": "Projects"})
        outcome = rerun_month(p, "psa", "2024-01", reason="boards cleaned up", author="ada",
                              now=NOW)
        assert outcome.ok
        assert f"{METRIC} 2024-01" not in outcome.refrozen
        [kept] = outcome.kept
        assert kept == (f"{METRIC} 2024-01: {METRIC} for 2024-01 would be empty (no value), "
                        "which its metric file does not allow: not frozen again, the frozen "
                        "value stays until the data is fixed")
        p.metrics.now = NOW
        assert shown(p, "2024-01") == (2, "frozen")  # the value that froze stays
    finally:
        p.close()


def chicago_month(back: int) -> str:
    today = datetime.now(ZoneInfo("America/Chicago")).date()
    n = today.year * 12 + today.month - 1 - back
    return f"{date(n // 12, n % 12 + 1, 1):%Y-%m}"


def test_the_command_line_refuses_what_is_not_one_closed_month(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    root = p.root
    p.close()
    run("sync", "psa", cwd=root)

    def refused(*args: str) -> str:
        proc = run("sync", *args, cwd=root, ok=False)
        assert proc.returncode != 0 and proc.stdout == ""
        return " ".join(proc.stderr.split())

    assert 're-running 2024-01 needs a reason, kept in the collection log: --reason "what ' \
        'was wrong"' in refused("psa", "--month", "2024-01")
    assert "needs a reason" in refused("psa", "--month", "2024-01", "--reason", "  ")
    assert ("--month collects one month again, and 2024-Q1 is a quarter (3 months): re-run "
            "its months one at a time, each with its reason, e.g. --month 2024-01") in refused(
                "psa", "--month", "2024-Q1", "--reason", "x")
    assert "2024 is a year (12 months)" in refused("psa", "--month", "2024", "--reason", "x")
    assert "2024-W05 is a week: re-run" in refused("psa", "--month", "2024-W05", "--reason", "x")
    this, soon = chicago_month(0), chicago_month(-1)
    assert (f"{this} is this month (this month is {this}): only a closed month is collected "
            "again by hand; the schedule collects the current month on every run") in refused(
                "psa", "--month", this, "--reason", "x")
    assert f"{soon} has not begun yet (this month is {this})" in refused(
        "psa", "--month", soon, "--reason", "x")
    assert "'2024-13' is not a period" in refused("psa", "--month", "2024-13", "--reason", "x")
    assert "--month re-runs one source for one month: name the source" in refused(
        "--month", "2024-01", "--reason", "x")
    assert "--reason goes with --month" in refused("psa", "--reason", "x")
    with Project.open(root) as again:  # nothing of those reached the collection log
        kinds = [k for (k,) in again.engine.rows(f"SELECT kind FROM {COLLECTION_RUNS}")]
        assert kinds == ["manual"]

    fake.add_ticket(2001, datetime(2024, 1, 20, 15))
    done = run("sync", "psa", "--month", "2024-01", "--reason", "late ticket", "--author",
               "ada", cwd=root).stdout
    assert "psa month run for 2024-01: ok" in done
    assert f"frozen again: {METRIC} 2024-01" in done
    with Project.open(root) as again:
        assert shown(again, "2024-01") == (3, "frozen")


def test_a_month_rerun_is_refused_before_anything_is_read(tmp_path: Path,
                                                         fake: ConnectWiseFake) -> None:
    p = msp(tmp_path, fake)
    with pytest.raises(NorthstarError, match="2024-03 is this month"):
        rerun_month(p, "psa", "2024-03", reason="x", author="ada", now=NOW)
    with pytest.raises(NorthstarError, match="needs a reason"):
        rerun_month(p, "psa", "2024-01", reason="", author="ada", now=NOW)
    assert fake.requests == []
