"""When collection runs: a crontab line read in a timezone, per source.

The same schedule drives the scheduler inside `northstar serve` (APScheduler) and the systemd
timer that `northstar schedule --systemd` writes for those who prefer the OS scheduler (it runs
`northstar collect`). Both take a run's window from `source_window` and run it through
`northstar.collection.run.run_scheduled`. Each run collects the current month plus the last
`closed_months` closed months; freezing a month once it closes is the metric layer's job (it
freezes closed periods on first read)."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from northstar.config import ScheduleSettings
from northstar.errors import NorthstarError

__all__ = ["CollectionScheduler", "Window", "collection_window", "cron_for", "next_runs",
           "on_calendar", "source_window", "systemd_units"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    """The dates one run collects: `start` (first day of the oldest month) up to, not
    including, `end` (first day of the month after the current one)."""

    start: date
    end: date

    def months(self) -> str:
        """The window as people write it: `2024-04..2025-04` (or one month, `2025-04`)."""
        last = _add_months(self.end, -1)
        return f"{self.start:%Y-%m}" + ("" if last == self.start else f"..{last:%Y-%m}")


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def collection_window(now: datetime, timezone: str, closed_months: int) -> Window:
    """The current month in `timezone` plus the `closed_months` months before it."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    today = now.astimezone(ZoneInfo(timezone)).date()
    first = today.replace(day=1)
    return Window(_add_months(first, -closed_months), _add_months(first, 1))


def cron_for(settings: ScheduleSettings, source: str) -> str:
    override = settings.sources.get(source)
    return override.cron if override and override.cron else settings.cron


def closed_months_for(settings: ScheduleSettings, source: str) -> int:
    override = settings.sources.get(source)
    if override and override.closed_months is not None:
        return override.closed_months
    return settings.closed_months


def source_window(settings: ScheduleSettings, source: str, now: datetime) -> Window:
    """What a scheduled run of `source` collects at `now`: the one reading of the window that
    the scheduler inside `serve` and the systemd timer's `northstar collect` both use."""
    return collection_window(now, settings.timezone, closed_months_for(settings, source))


_CRON_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def crontab_trigger(cron: str, timezone: str = "UTC") -> CronTrigger:
    """A crontab line as an APScheduler trigger. Weekday numbers are cron's (0 or 7 = Sunday):
    APScheduler 3 counts from Monday, so numbers are turned into day names first."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    fields[4] = re.sub(r"\d+", lambda m: _CRON_DAYS[int(m.group())] if int(m.group()) < 8
                       else m.group(), fields[4]) if "/" not in fields[4] else fields[4]
    return CronTrigger.from_crontab(" ".join(fields), timezone=ZoneInfo(timezone))


def _trigger(settings: ScheduleSettings, source: str) -> CronTrigger:
    return crontab_trigger(cron_for(settings, source), settings.timezone)


def next_runs(settings: ScheduleSettings, source: str, after: datetime,
              count: int = 3) -> list[datetime]:
    """The next `count` run times of a source after `after`, in the schedule's timezone."""
    trigger = _trigger(settings, source)
    out: list[datetime] = []
    previous: datetime | None = None
    moment = after
    while len(out) < count:
        fire = trigger.get_next_fire_time(previous, moment)
        if fire is None:
            break
        out.append(fire)
        previous, moment = fire, fire
    return out


class CollectionScheduler:
    """Runs `run(source, now)` for every enabled source on its schedule, in a background
    thread, `now` read from `clock` (aware; real UTC time unless a test moves it). One run per
    source at a time; a run missed while the process was down is run once when it comes back
    (within an hour), not once per missed slot."""

    def __init__(self, settings: ScheduleSettings, sources: Sequence[str],
                 run: Callable[[str, datetime], object],
                 clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.sources = [s for s in sources
                        if s not in settings.sources or settings.sources[s].enabled]
        self._run = run
        self.clock = clock or (lambda: datetime.now(UTC))
        self._scheduler = BackgroundScheduler(timezone=ZoneInfo(settings.timezone))
        self._lock = threading.Lock()
        for source in self.sources:
            self._scheduler.add_job(self.run_due, _trigger(settings, source), args=[source],
                                    id=source, name=f"collect {source}", coalesce=True,
                                    max_instances=1, misfire_grace_time=3600)

    def run_due(self, source: str) -> None:
        """What the schedule does when a source's time comes, in the calling thread: one run
        at the clock's `now` (its window is `source_window` at that moment). A failed run is
        logged, and the schedule goes on."""
        now = self.clock()
        with self._lock:  # one writer: runs of different sources queue up
            try:
                self._run(source, now)
            except Exception:  # a failed run is logged by the run itself; keep the schedule
                log.exception("scheduled collection of %s failed", source)

    def start(self) -> None:
        self._scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def next_run(self, source: str) -> datetime | None:
        job = self._scheduler.get_job(source)
        if job is None:
            raise NorthstarError(f"source {source!r} is not scheduled")
        when: datetime | None = job.next_run_time
        return when

    def run_now(self, source: str) -> None:
        """Move a source's next run to now (the regular schedule continues after it)."""
        job = self._scheduler.get_job(source)
        if job is None:
            raise NorthstarError(f"source {source!r} is not scheduled")
        job.modify(next_run_time=datetime.now(ZoneInfo(self.settings.timezone)))


# -- systemd -----------------------------------------------------------------------------------
_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
_DAY_NAMES = {d.lower(): i for i, d in enumerate(_DAYS[:7])}
_PART = re.compile(r"^(\*|\d+|[a-z]{3})(?:-(\d+|[a-z]{3}))?(?:/(\d+))?$")


def _field(text: str, *, low: int, weekday: bool = False) -> str:
    """One crontab field in systemd's calendar syntax."""
    out = []
    for part in text.lower().split(","):
        m = _PART.match(part)
        if not m:
            raise NorthstarError(f"crontab field {text!r} cannot be written as a systemd timer")
        first, last, step = m.groups()

        def value(v: str) -> str:
            if weekday:
                return _DAYS[_DAY_NAMES[v] if v in _DAY_NAMES else int(v)]
            return f"{int(v):02d}" if not v.isalpha() else v

        if weekday and step:
            raise NorthstarError(f"weekday steps ({text!r}) cannot be written as a systemd timer")
        if first == "*":
            if last:
                raise NorthstarError(f"crontab field {text!r} is not valid")
            out.append(f"{low:02d}/{int(step)}" if step else "*")
        elif last:
            if step:
                raise NorthstarError(f"ranges with steps ({text!r}) cannot be written as a "
                                     "systemd timer; list the values instead")
            out.append(f"{value(first)}..{value(last)}")
        else:
            out.append(f"{value(first)}/{int(step)}" if step else value(first))
    return ",".join(out)


def on_calendar(cron: str, timezone: str) -> str:
    """A crontab line as a systemd `OnCalendar=` value, e.g. `*-*-* 22:30:00 America/Chicago`."""
    fields = cron.split()
    if len(fields) != 5:
        raise NorthstarError(f"{cron!r} is not a crontab line (minute hour day month weekday)")
    minute, hour, dom, month, dow = fields
    if dom != "*" and dow != "*":
        raise NorthstarError("a crontab line with both a day of month and a weekday means "
                             "either in cron but both in systemd; use one of them")
    calendar = (f"*-{_field(month, low=1)}-{_field(dom, low=1)} "
                f"{_field(hour, low=0)}:{_field(minute, low=0)}:00 {timezone}")
    return calendar if dow == "*" else f"{_field(dow, low=0, weekday=True)} {calendar}"


def systemd_units(project: Path, settings: ScheduleSettings, executable: str,
                  source: str | None = None) -> dict[str, str]:
    """The service and timer files that run `northstar collect` on the schedule: the same run
    (`run_scheduled`) over the same window (`source_window`) as the scheduler inside `serve`.
    Without `source`, the timer runs every source on the default schedule."""
    project = project.resolve()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", project.name).strip("-").lower() or "project"
    name = f"northstar-sync-{slug}" + (f"-{source}" if source else "")
    what = f"source {source}" if source else "every source"
    cron = cron_for(settings, source) if source else settings.cron
    command = f"{executable} collect{' ' + source if source else ''} --project {project}"
    service = (
        "[Unit]\n"
        f"Description=Northstar collection for {project.name} ({what})\n"
        "Wants=network-online.target\n"
        "After=network-online.target\n\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"WorkingDirectory={project}\n"
        f"ExecStart={command}\n"
        "# Credentials: set them in an environment file readable only by this service's user.\n"
        f"EnvironmentFile=-/etc/northstar/{slug}.env\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=Run Northstar collection for {project.name} ({what}) on schedule\n\n"
        "[Timer]\n"
        f"OnCalendar={on_calendar(cron, settings.timezone)}\n"
        "Persistent=true\n"
        f"Unit={name}.service\n\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}
