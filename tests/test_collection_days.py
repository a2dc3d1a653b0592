"""Nine days of daily collection with a moved clock, 27 March to 4 April 2025 at 22:30 in
Chicago, through both ways a schedule runs: the systemd timer's `northstar collect`
(`run_timer`, what the command runs) on one project and the scheduler inside `northstar serve`
(the app's own scheduler, made by `create_app` with the clock in its settings) on its twin.
Both read the same ConnectWise fake; every day they must collect the same window and leave
the same numbers. The current month changes every day, February stays frozen however late
its tickets come, March freezes when its grace window after month end closes (`[freeze]
after_days = 2` here), and a manual value is skipped by every run, and says so. A second
test does the same once at the real time, with `northstar collect` as a real process.

Worked out by hand (reactive tickets created: Help Desk parent tickets by the Chicago date
they were entered): February has 3 (10, 11 and 12 Feb); March has 2 before the first day (3
and 20 Mar), then one a day from 27 to 31 March, and one more on 2 April, entered 15 March,
counted because March has not frozen yet; April gets one a day. March ends at 05:00 UTC on 1
April, so with two days' grace it closes at 05:00 UTC on 3 April: the 22:30 run of 2 April
(03:30 UTC on 3 April) still computes it, the run of 3 April freezes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from fakes.cli import run
from fakes.clock import FakeClock
from fakes.connectwise import CLIENT_ID, PRIVATE, PUBLIC, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, OPEN, make_project, raw_tables
from northstar.collection.log import entries
from northstar.collection.metric_checks import METRICS_SOURCE
from northstar.collection.run import collect, run_timer
from northstar.collection.switch import set_schedule
from northstar.ledger.schema import SNAPSHOTS
from northstar.project import Project
from northstar.schedule import next_runs, source_window
from northstar.sources.quality import FINDINGS
from northstar.web.app import create_app
from northstar.web.settings import WebSettings

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")
SECRETS = {"psa": {"public_key": PUBLIC, "private_key": PRIVATE, "client_id": CLIENT_ID}}
CHICAGO = ZoneInfo("America/Chicago")
TICKETS = "reactive_tickets_created"
DAYS = [date(2025, 3, 27) + timedelta(days=n) for n in range(9)]
CURRENT = [3, 4, 5, 6, 7, 1, 2, 3, 4]
"""Reactive tickets created in the current month after each day's run."""
MARCH = [(3, "computed"), (4, "computed"), (5, "computed"), (6, "computed"), (7, "computed"),
         (7, "computed"), (8, "computed"), (8, "frozen"), (8, "frozen")]
"""March after each day's run: open until 31 March, in its grace days, then frozen."""
MANUAL = "agreements 2025-02 (manual)"



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    with ConnectWiseFake() as server:
        yield server


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Chicago wall-clock time, as aware UTC."""
    return datetime.combine(day, time(hour, minute), CHICAGO).astimezone(UTC)


def msp(folder: Path, fake: ConnectWiseFake, clock: FakeClock) -> Project:
    """An MSP project whose February and March grace is two days, backfilled by hand,
    reviewed and switched on, with a manual value for the agreements of February."""
    p = make_project(folder, TOML.replace("{url}", fake.url), secrets=SECRETS, pack="msp",
                     timezone="America/Chicago")
    toml = p.root / "northstar.toml"
    toml.write_text(toml.read_text().replace("after_days = 10", "after_days = 2"))
    p.close()
    OPEN.remove(p)
    p = Project.open(p.root)
    OPEN.append(p)
    assert p.settings.freeze.after_days == 2
    backfill = collect(p, "psa", backfill_from=date(2024, 1, 1), now=clock.utc())
    assert backfill.ok
    set_schedule(p, "psa", True, author="ada", reason="backfill reviewed")
    p.set_manual("agreements", "2025-02", "2", author="ada", note="signed on paper")
    return p


def shown(p: Project, metric: str, period: str, now: datetime) -> tuple[Any, str]:
    p.metrics.now = now
    [v] = p.compute([metric], [period])
    return v.value, v.origin


def snapshots(p: Project) -> list[tuple[Any, ...]]:
    return sorted(p.engine.rows(f"SELECT metric, period, slice, payload FROM {SNAPSHOTS}"))


def same_run(entry: dict[str, Any]) -> dict[str, Any]:
    """A log entry without what differs between two equal runs (their own times)."""
    return {k: v for k, v in entry.items() if k not in ("started_at", "finished_at",
                                                         "duration_s")}


def test_nine_days_of_daily_collection_on_the_timer_and_in_serve(tmp_path: Path,
                                                                  fake: ConnectWiseFake) -> None:
    clock = FakeClock(wall=at(DAYS[0], 9))
    fake.clock = clock.utcnow()
    for n, entered in enumerate([datetime(2025, 2, 10, 15), datetime(2025, 2, 11, 15),
                                 datetime(2025, 2, 12, 15), datetime(2025, 3, 3, 15),
                                 datetime(2025, 3, 20, 15)]):
        fake.add_ticket(2001 + n, entered)
    timer = msp(tmp_path / "timer", fake, clock)
    served = msp(tmp_path / "serve", fake, clock)
    now = clock.utc()
    for p in (timer, served):  # the backfill froze February, and left the manual value alone
        assert shown(p, TICKETS, "2025-02", now) == (3, "frozen")
        assert shown(p, "agreements", "2025-02", now) == (Decimal(2), "manual")
    # under the manual value, the agreements of February froze as ConnectWise has them
    february = [(m, json.loads(payload)) for m, period, _, payload in snapshots(timer)
                if period == "2025-02"]
    assert ("agreements", [[None, "1"]]) in february

    app = create_app(served, WebSettings(clock=clock.utcnow), warm=False)
    with TestClient(app):
        scheduler = app.state.scheduler
        assert scheduler is not None and scheduler.sources == ["psa"]
        scheduler.shutdown()  # its thread would fire at the real 22:30; the test fires it
        settings = served.settings.schedule
        for i, today in enumerate(DAYS):
            clock.move_to(at(today, 10))
            fake.clock = clock.utcnow()
            fake.add_ticket(3001 + i, clock.utcnow())  # the day's Help Desk ticket
            if today == date(2025, 3, 29):  # a February ticket reaches ConnectWise late
                fake.add_ticket(3101, datetime(2025, 2, 20, 15))
            if today == date(2025, 4, 2):  # a March one, inside March's grace days
                fake.add_ticket(3102, datetime(2025, 3, 15, 15))
            if today == date(2025, 4, 4):  # and one after March froze
                fake.add_ticket(3103, datetime(2025, 3, 16, 15))

            [due] = next_runs(settings, "psa", clock.utc(), 1)
            assert due == at(today, 22, 30)  # daylight saving time: 03:30 UTC the next day
            clock.move_to(due)
            assert scheduler.clock() == due
            # what `northstar collect` runs, at this clock; then what `northstar serve` runs
            # when the schedule fires
            outcomes, own = run_timer(timer, now=clock.utc())
            assert own == [] and [o.entry.status for o in outcomes] == ["ok"]
            scheduler.run_due("psa")

            [by_timer], [by_serve] = entries(timer, 1), entries(served, 1)
            window = "2024-03..2025-03" if today.month == 3 else "2024-04..2025-04"
            assert (by_timer["kind"], by_timer["period"], by_timer["status"]) == (
                "scheduled", window, "ok"), today
            assert same_run(by_timer) == same_run(by_serve), today
            assert by_timer["skipped"] == MANUAL  # the manual value, left alone, logged

            moment = clock.utc()
            current = f"{today:%Y-%m}"
            for p in (timer, served):
                assert shown(p, TICKETS, current, moment) == (CURRENT[i], "computed"), today
                assert shown(p, TICKETS, "2025-03", moment) == MARCH[i], today
                assert shown(p, TICKETS, "2025-02", moment) == (3, "frozen"), today
                assert shown(p, "agreements", "2025-02", moment) == (Decimal(2), "manual")
            assert snapshots(timer) == snapshots(served), today
            assert {t: timer.engine.scalar(f'SELECT count(*) FROM "{t}"')
                    for t in raw_tables(timer)} == {
                t: served.engine.scalar(f'SELECT count(*) FROM "{t}"')
                for t in raw_tables(served)}, today

    # February never moved: one snapshot each, its late ticket shows only as late data
    for p in (timer, served):
        moment = clock.utc()
        p.metrics.now = moment
        [late_february] = p.metrics.late_data(TICKETS, [p.period("2025-02")])
        [late_march] = p.metrics.late_data(TICKETS, [p.period("2025-03")])
        assert (late_february.frozen, late_february.live) == (3, 4)
        assert (late_march.frozen, late_march.live) == (8, 9)
        frozen = p.engine.rows(f"SELECT period, reason FROM {SNAPSHOTS} WHERE metric = ? AND "
                               f"period IN ('2025-02', '2025-03') ORDER BY period", [TICKETS])
        assert frozen == [("2025-02", "period closed"), ("2025-03", "period closed")]
        # the one metric finding of the nine days: March, judged once it was over, against
        # February's 3 (7 is +133%); found again on later days, kept once. (The backfill
        # found the fake's own tickets: 1 -> 2 in January 2024, then none from February 2024
        # to January 2025, each month for review; the months before December 2023, when
        # there were no tickets yet, are not.)
        silent = [f"2024-{m:02d}" for m in range(2, 13)] + ["2025-01"]
        assert sorted(p.engine.rows(
            f"SELECT table_name, period, kind, severity FROM {FINDINGS} WHERE source = ?",
            [METRICS_SOURCE])) == [(TICKETS, "2024-01", "change", "warning"),
                                   *[(TICKETS, m, "zero", "review") for m in silent],
                                   (TICKETS, "2025-03", "change", "warning")]
        [march] = p.engine.rows(f"SELECT message FROM {FINDINGS} WHERE source = ? AND "
                                f"period = '2025-03'", [METRICS_SOURCE])
        assert march[0].startswith("Reactive tickets created moved +133% from 2025-02 (3) to "
                                   "2025-03 (7)")
        runs = [e for e in entries(p, 20) if e["kind"] == "scheduled"]
        assert len(runs) == 9 and all(e["skipped"] == MANUAL for e in runs)
    # the log file has the same runs, the manual value among what each left alone
    lines = [json.loads(line) for line in
             (timer.root / ".northstar" / "logs" / "collection.log").read_text().splitlines()]
    scheduled = [line for line in lines if line["event"] == "run"
                 and line["kind"] == "scheduled"]
    assert [line["skipped"] for line in scheduled] == [[MANUAL]] * 9


def test_the_timer_command_and_serve_collect_the_same_window_at_the_real_time(
        tmp_path: Path, fake: ConnectWiseFake) -> None:
    """The same, with the real clock and a real `northstar collect` process."""
    timer = make_project(tmp_path / "timer", TOML.replace("{url}", fake.url), secrets=SECRETS,
                         pack="msp", timezone="America/Chicago")
    served = make_project(tmp_path / "serve", TOML.replace("{url}", fake.url), secrets=SECRETS,
                          pack="msp", timezone="America/Chicago")
    root = timer.root
    timer.close()
    OPEN.remove(timer)
    run("sync", "psa", "--backfill-from", "2024-01", cwd=root)
    run("source", "enable", "psa", "--reason", "reviewed", cwd=root)
    collect(served, "psa", backfill_from=date(2024, 1, 1))
    set_schedule(served, "psa", True, author="ada", reason="reviewed")

    before = source_window(served.settings.schedule, "psa", datetime.now(UTC)).months()
    printed = run("collect", cwd=root).stdout
    app = create_app(served, warm=False)
    with TestClient(app):
        app.state.scheduler.shutdown()
        app.state.scheduler.run_due("psa")
    after = source_window(served.settings.schedule, "psa", datetime.now(UTC)).months()
    assert before == after, "the month turned during the test: run it again"
    assert f"psa scheduled run for {before}: ok" in printed
    with Project.open(root) as again:
        [by_timer] = entries(again, 1)
        timer_snapshots = snapshots(again)
    [by_serve] = entries(served, 1)
    assert by_timer["period"] == before
    assert same_run(by_timer) == same_run(by_serve)
    assert timer_snapshots == snapshots(served)
