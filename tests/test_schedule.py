"""The collection schedule: windows, run times across daylight saving, the in-process scheduler
and the systemd timer (checked against systemd's own calendar parser)."""

from __future__ import annotations

import queue
import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from northstar.config import ScheduleSettings, SourceSchedule, load_settings
from northstar.errors import ConfigError, NorthstarError
from northstar.project import Project
from northstar.schedule import (
    CollectionScheduler,
    Window,
    collection_window,
    next_runs,
    on_calendar,
    source_window,
    systemd_units,
)


@pytest.mark.parametrize(("now", "months", "window"), [
    # 03:00 UTC on Nov 23 is still Nov 22 in Chicago: November plus the 12 months before it.
    (datetime(2026, 11, 23, 3, tzinfo=UTC), 12, Window(date(2025, 11, 1), date(2026, 12, 1))),
    # 23:00 on Nov 30 in Chicago (05:00 UTC Dec 1) is still November ...
    (datetime(2026, 12, 1, 5, tzinfo=UTC), 12, Window(date(2025, 11, 1), date(2026, 12, 1))),
    # ... and 01:00 on Dec 1 in Chicago is December: the window moves across the year end.
    (datetime(2026, 12, 1, 7, tzinfo=UTC), 12, Window(date(2025, 12, 1), date(2027, 1, 1))),
    (datetime(2026, 1, 15, 12, tzinfo=UTC), 0, Window(date(2026, 1, 1), date(2026, 2, 1))),
    (datetime(2026, 1, 15, 12, tzinfo=UTC), 25, Window(date(2023, 12, 1), date(2026, 2, 1))),
])
def test_a_run_collects_the_current_month_and_the_closed_ones_before_it(
        now: datetime, months: int, window: Window) -> None:
    assert collection_window(now, "America/Chicago", months) == window


def test_the_default_run_is_22_30_in_chicago_through_daylight_saving() -> None:
    runs = next_runs(ScheduleSettings(), "hubspot", datetime(2026, 3, 7, 12, tzinfo=UTC), 3)
    # Mar 7 is CST (UTC-6); daylight saving starts Mar 8 02:00 (CDT, UTC-5).
    assert [r.astimezone(UTC) for r in runs] == [
        datetime(2026, 3, 8, 4, 30, tzinfo=UTC),
        datetime(2026, 3, 9, 3, 30, tzinfo=UTC),
        datetime(2026, 3, 10, 3, 30, tzinfo=UTC),
    ]


def test_a_source_can_have_its_own_schedule() -> None:
    settings = ScheduleSettings(sources={"stripe": SourceSchedule(cron="0 6 * * 1-5")})
    # Friday 2026-11-20 07:00 UTC = 01:00 Chicago; the next weekday 06:00 is Friday 12:00 UTC,
    # then Monday (the weekend is skipped).
    runs = next_runs(settings, "stripe", datetime(2026, 11, 20, 7, tzinfo=UTC), 2)
    assert [r.astimezone(UTC) for r in runs] == [datetime(2026, 11, 20, 12, tzinfo=UTC),
                                                 datetime(2026, 11, 23, 12, tzinfo=UTC)]
    assert next_runs(settings, "hubspot", datetime(2026, 11, 20, 7, tzinfo=UTC), 1)[0].hour == 22


def test_bad_schedules_are_refused_with_file_and_line(tmp_path: Path) -> None:
    Project.init(tmp_path / "p").close()
    with (tmp_path / "p" / "northstar.toml").open("a") as f:
        f.write('\n[schedule]\ncron = "30 25 * * *"\n')
    with pytest.raises(ConfigError, match=r"northstar\.toml:\d+: schedule\.cron: .*not a crontab"):
        load_settings(tmp_path / "p")


def run_now(scheduler: CollectionScheduler, source: str,
            calls: queue.Queue[tuple[str, datetime]]) -> tuple[str, datetime]:
    """Ask for a run until one starts: a request while the last run is still being wound up
    is skipped (one run per source at a time)."""
    for _ in range(20):
        scheduler.run_now(source)
        try:
            return calls.get(timeout=0.5)
        except queue.Empty:
            continue
    raise AssertionError(f"{source} never ran")


def test_the_scheduler_runs_sources_and_survives_a_failed_run() -> None:
    settings = ScheduleSettings(closed_months=2,
                                sources={"off": SourceSchedule(enabled=False),
                                         "stripe": SourceSchedule(closed_months=0)})
    calls: queue.Queue[tuple[str, datetime]] = queue.Queue()

    def run(source: str, now: datetime) -> None:
        calls.put((source, now))
        if source == "hubspot":
            raise RuntimeError("the vendor is down")

    scheduler = CollectionScheduler(settings, ["hubspot", "stripe", "off"], run)
    scheduler.start()
    try:
        assert scheduler.sources == ["hubspot", "stripe"]
        with pytest.raises(NorthstarError, match="'off' is not scheduled"):
            scheduler.run_now("off")
        expected = next_runs(settings, "hubspot", datetime.now(UTC), 1)[0]
        assert scheduler.next_run("hubspot") == expected
        for _ in range(2):  # the first run fails; the schedule keeps going
            before = datetime.now(UTC)
            source, now = run_now(scheduler, "hubspot", calls)
            assert source == "hubspot"
            assert before <= now <= datetime.now(UTC)  # the run is made at the real time
        assert run_now(scheduler, "stripe", calls)[0] == "stripe"
        assert scheduler.next_run("hubspot") == expected
    finally:
        scheduler.shutdown()


def test_the_scheduler_reads_its_clock_and_runs_a_due_source_in_the_caller() -> None:
    moment = datetime(2025, 3, 28, 3, 30, tzinfo=UTC)  # 27 March, 22:30 in Chicago
    calls: list[tuple[str, datetime]] = []
    scheduler = CollectionScheduler(ScheduleSettings(), ["psa"],
                                    lambda s, now: calls.append((s, now)), clock=lambda: moment)
    scheduler.run_due("psa")
    assert calls == [("psa", moment)]
    assert source_window(scheduler.settings, "psa", moment) == Window(date(2024, 3, 1),
                                                                      date(2025, 4, 1))
    own = ScheduleSettings(closed_months=2, sources={"stripe": SourceSchedule(closed_months=0)})
    assert source_window(own, "stripe", moment) == Window(date(2025, 3, 1), date(2025, 4, 1))
    assert source_window(own, "psa", moment) == Window(date(2025, 1, 1), date(2025, 4, 1))


@pytest.mark.parametrize(("cron", "calendar"), [
    ("30 22 * * *", "*-*-* 22:30:00 America/Chicago"),
    ("*/15 * * * *", "*-*-* *:00/15:00 America/Chicago"),
    ("0 6 * * 1-5", "Mon..Fri *-*-* 06:00:00 America/Chicago"),
    ("0 9 1,15 * *", "*-*-01,15 09:00:00 America/Chicago"),
    ("5 */2 * * sun", "Sun *-*-* 00/2:05:00 America/Chicago"),
])
def test_crontab_lines_become_systemd_calendars(cron: str, calendar: str) -> None:
    assert on_calendar(cron, "America/Chicago") == calendar


@pytest.mark.parametrize("cron", ["0 1 1 * 1", "0 1-5/2 * * *", "0 1 * * 1/2"])
def test_crontab_lines_systemd_cannot_express_are_refused(cron: str) -> None:
    with pytest.raises(NorthstarError, match=r"systemd|either in cron"):
        on_calendar(cron, "UTC")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
@pytest.mark.parametrize("cron", ["30 22 * * *", "0 6 * * 1-5", "0 9 1,15 * *", "5 */2 * * sun"])
def test_systemd_fires_when_the_in_process_scheduler_does(cron: str) -> None:
    """systemd's own parser, given our calendar, must name the same next run times."""
    settings = ScheduleSettings(cron=cron)
    for _ in range(2):  # a run time may pass between the two readings; read again then
        now = datetime.now(UTC)
        ours = [r.astimezone(UTC) for r in next_runs(settings, "x", now, 3)]
        proc = subprocess.run(["systemd-analyze", "calendar", "--iterations=3",
                               on_calendar(cron, settings.timezone)],
                              capture_output=True, text=True, check=True)
        theirs = [datetime.strptime(m, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) for m in
                  re.findall(r"(?:Next elapse|Iter\. #\d): \w+ (\S+ \S+) UTC", proc.stdout)]
        if ours == theirs:
            break
    assert theirs == ours


def test_the_systemd_units_run_collect_for_the_project(tmp_path: Path) -> None:
    settings = ScheduleSettings(sources={"stripe": SourceSchedule(cron="0 6 * * *")})
    units = systemd_units(tmp_path / "Acme KPIs", settings, "/opt/ns/bin/northstar", "stripe")
    assert sorted(units) == ["northstar-sync-acme-kpis-stripe.service",
                             "northstar-sync-acme-kpis-stripe.timer"]
    service = units["northstar-sync-acme-kpis-stripe.service"]
    timer = units["northstar-sync-acme-kpis-stripe.timer"]
    folder = (tmp_path / "Acme KPIs").resolve()
    assert f"ExecStart=/opt/ns/bin/northstar collect stripe --project {folder}\n" in service
    assert "Type=oneshot\n" in service
    assert "OnCalendar=*-*-* 06:00:00 America/Chicago\n" in timer
    assert "Persistent=true\n" in timer
    assert "Unit=northstar-sync-acme-kpis-stripe.service\n" in timer
    every = systemd_units(tmp_path / "x", ScheduleSettings(), "northstar")
    assert "ExecStart=northstar collect --project" in every["northstar-sync-x.service"]
