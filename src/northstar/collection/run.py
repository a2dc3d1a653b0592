"""Running collection: by hand, on the schedule, or again for one month; every run logged.

`run_scheduled` is what the scheduler inside `northstar serve` and the systemd timer's
`northstar collect` both run: it skips a source whose schedule is off, reads the window
`schedule.source_window` gives (the current month and the closed months before it), freezes
what has closed, checks the metrics and writes the collection log. `collect` is a run by hand
(`northstar sync`, a backfill with `--backfill-from`); `rerun_month` re-reads one month on
purpose (`--month 2025-03 --reason ...`) and freezes that month's values again from what it
read, with the reason, so the act is in the ledger twice: in the collection log and in the
snapshots. Collection never touches a manual value: a run lists the ones in force for the
months it read as skipped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from northstar.collection import log
from northstar.collection.metric_checks import MetricFinding, check_metrics
from northstar.collection.switch import enabled
from northstar.errors import NorthstarError
from northstar.ledger.store import utcnow
from northstar.schedule import Window, source_window
from northstar.sources.config import get_source, load_sources
from northstar.sources.sync import ProgressFn, RunRecord, SyncFailed, describe, sync

if TYPE_CHECKING:
    from northstar.periods import Period
    from northstar.project import Project

__all__ = ["Outcome", "collect", "rerun_month", "run_scheduled", "run_timer"]


@dataclass
class Outcome:
    """What one run of a source did: its log entry, its objects' runs, the metric findings,
    and for a month re-run the values frozen again."""

    entry: log.Entry
    runs: list[RunRecord] = field(default_factory=list)
    failure: SyncFailed | None = None
    findings: list[MetricFinding] = field(default_factory=list)
    refrozen: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Frozen values a month re-run left as they were, and why (the new value breaks a
    rule of the metric's file)."""

    @property
    def ok(self) -> bool:
        return self.entry.status == "ok"


@contextmanager
def _clock(project: Project, now: datetime | None) -> Iterator[datetime]:
    """The metric layer reads `now` as the time (what is open, what has closed) during a run."""
    before = project.metrics.now
    if now is not None:
        project.metrics.now = now
    try:
        yield now or before or datetime.now(UTC)
    finally:
        project.metrics.now = before


def _tables(project: Project, source: str) -> set[str]:
    return {t for tables in describe(get_source(project.root, source)).values() for t in tables}


def _month_start(project: Project, when: datetime) -> date:
    return project.calendar.dates(project.calendar.current("month", when))[0]


def _manual_in(project: Project, tables: set[str], start: date, end: date) -> list[str]:
    """The manual values in force for collected metrics that read `tables`, in [start, end)."""
    out = []
    for (metric, period), _ in sorted(project.corrections.manual_values().items()):
        if metric not in project.catalog.metrics or project.catalog.get(metric).manual:
            continue
        p_start, p_end = project.calendar.dates(project.period(period))
        if p_start < end and p_end > start and tables & set(project.metrics.sources(metric)):
            out.append(f"{metric} {period} (manual)")
    return out


def _run(project: Project, entry: log.Entry, now: datetime, start: date, end: date,
         then: Callable[[Outcome], None] | None = None, **options: Any) -> Outcome:
    """Sync; when it went well, `then` (what the run freezes), and check the metrics of the
    months [start, end); list the manual values left alone. The caller finishes the entry
    and records it."""
    try:
        runs = sync(project, entry.source, now=now, **options)
        failure = None
    except SyncFailed as exc:
        runs, failure = exc.runs, exc
    except BaseException as exc:  # a bug: logged as such, then raised with its traceback
        entry.status, entry.error = "failed", f"{type(exc).__name__}: {exc}"[:2000]
        entry.finished_at = utcnow()
        log.record(project, entry, getattr(exc, "runs", ()))
        raise
    entry.objects = len(runs)
    entry.read = sum(r.fetched for r in runs)
    entry.appended = sum(r.appended for r in runs)
    outcome = Outcome(entry, runs, failure)
    tables = _tables(project, entry.source)
    if failure is not None:
        entry.status, entry.error = "failed", str(failure)[:2000]
    else:
        if then is not None:
            then(outcome)
        outcome.findings = check_metrics(project, start, end, tables)
    entry.skipped = _manual_in(project, tables, start, end)
    return outcome


def _finish(project: Project, outcome: Outcome) -> Outcome:
    outcome.entry.finished_at = utcnow()
    log.record(project, outcome.entry, outcome.runs)
    return outcome


def _read_from(project: Project, runs: list[RunRecord]) -> str:
    """The months a run by hand read: from the earliest `since` of its objects (`..` alone
    when one of them read everything the vendor has) to the current month."""
    current = f"{project.calendar.current('month', project.metrics.now)}"
    sinces = [r.since for r in runs if r.since is not None]
    if not runs or len(sinces) < len(runs):
        return f"..{current}"
    first = str(project.calendar.containing("month", min(sinces)))
    return current if first == current else f"{first}..{current}"


def collect(project: Project, source: str, *, backfill_from: date | None = None,
            objects: list[str] | None = None, progress: ProgressFn | None = None,
            author: str | None = None, now: datetime | None = None) -> Outcome:
    """A run by hand: `northstar sync SOURCE [--backfill-from ...]`. Runs whatever the
    schedule says (backfilling a source whose schedule is off is how it gets reviewed)."""
    get_source(project.root, source)  # a declared source, or a clear error
    with _clock(project, now) as moment:
        kind = "backfill" if backfill_from is not None else "manual"
        entry = log.Entry(source, kind, "", utcnow(), utcnow(), author=author)
        window = source_window(project.settings.schedule, source, moment)
        start = window.start if backfill_from is None else backfill_from.replace(day=1)
        outcome = _run(project, entry, moment, start, window.end, backfill_from=backfill_from,
                       objects=objects, progress=progress)
        entry.period = (Window(start, window.end).months() if backfill_from is not None
                        else _read_from(project, outcome.runs))
        return _finish(project, outcome)


def run_scheduled(project: Project, source: str, *, now: datetime | None = None) -> Outcome:
    """One scheduled run of `source` at `now` (serve's scheduler and `northstar collect`):
    skipped while its schedule is off; else its window at `now` collected, what closed
    frozen, the metrics checked, the run logged."""
    get_source(project.root, source)
    with _clock(project, now) as moment:
        window = source_window(project.settings.schedule, source, moment)
        entry = log.Entry(source, "scheduled", window.months(), utcnow(), utcnow())
        if not enabled(project, source):
            entry.status = "skipped"
            entry.error = (f"the schedule of {source} is off: run its backfill by hand, review "
                           f"it, then `northstar source enable {source}`")
            return _finish(project, Outcome(entry))
        outcome = _run(project, entry, moment, window.start, window.end,
                       lambda _: _freeze_closed(project, moment), window_from=window.start)
        return _finish(project, outcome)


def run_timer(project: Project, source: str | None = None, *, now: datetime | None = None
              ) -> tuple[list[Outcome], list[str]]:
    """What the systemd timer's `northstar collect [SOURCE]` runs: `run_scheduled` for
    `source`, or for every declared source on the default schedule. Returns the outcomes and
    the sources left to a timer of their own (a crontab line of their own)."""
    declared = list(load_sources(project.root))
    if not declared:
        raise NorthstarError(f"no sources declared in {project.root / 'sources.toml'}")
    own = {name for name, s in project.settings.schedule.sources.items() if s.cron}
    if source is not None:
        return [run_scheduled(project, source, now=now)], []
    left = sorted(own & set(declared))
    return [run_scheduled(project, name, now=now) for name in declared if name not in own], left


def _freeze_closed(project: Project, now: datetime) -> None:
    """Read every metric's last closed period once: the metric layer freezes it then."""
    for name, metric in project.catalog.metrics.items():
        closed = project.calendar.previous(project.calendar.current(metric.grain, now))
        project.metrics.compute_each([name], [closed])  # one that fails leaves the others


def rerun_month(project: Project, source: str, month: str, *, reason: str, author: str,
                objects: list[str] | None = None, progress: ProgressFn | None = None,
                now: datetime | None = None) -> Outcome:
    """Collect one closed month again on purpose (a fixed mapping, a source that was wrong):
    re-read what changed since the month began, then freeze that month's values again from
    the new data, with `reason` (kept in the collection log and on every value frozen
    again). Refused without a reason, for a period longer than a month, and for a month that
    has not closed (the schedule collects the current month on every run)."""
    if not reason or not reason.strip():
        raise NorthstarError(f"re-running {month} needs a reason, kept in the collection log: "
                             f'--reason "what was wrong"')
    period = project.period(month)
    if period.kind != "month":
        months = len(project.calendar.overlaps("month", period))
        raise NorthstarError(
            f"--month collects one month again, and {month} is a {period.kind}"
            + (f" ({months} months)" if period.kind != "week" else "")
            + ": re-run its months one at a time, each with its reason, e.g. --month "
            f"{project.calendar.containing('month', project.calendar.dates(period)[0])}")
    get_source(project.root, source)
    with _clock(project, now) as moment:
        if not project.calendar.is_closed(period, moment):
            current = project.calendar.current("month", moment)
            state = "is this month" if period == current else "has not begun yet"
            raise NorthstarError(
                f"{month} {state} (this month is {current}): only a closed month is collected "
                f"again by hand; the schedule collects the current month on every run")
        start, end = project.calendar.dates(period)
        entry = log.Entry(source, "month", str(period), utcnow(), utcnow(), reason=reason,
                          author=author)

        def refreeze(outcome: Outcome) -> None:
            outcome.refrozen, outcome.kept = _refreeze(
                project, _tables(project, source), period,
                f"{source} re-run for {period}: {reason}", author)

        outcome = _run(project, entry, moment, start, end, refreeze, backfill_from=start,
                       objects=objects, progress=progress)
        return _finish(project, outcome)


def _refreeze(project: Project, tables: set[str], month: Period, reason: str,
              author: str) -> tuple[list[str], list[str]]:
    """Freeze again every frozen value of the metrics reading `tables` in the periods that
    overlap `month`; a manual value stays as it is, and so does a frozen value whose new one
    breaks the metric's rules (negative, zero). Returns what was frozen again and what was
    kept, each with why."""
    done, kept = [], []
    for m in sorted(project.catalog, key=lambda x: x.name):
        if m.kind not in ("measure", "sql") or not tables & set(project.metrics.sources(m.name)):
            continue
        for p, _ in project.calendar.overlaps(m.grain, month):
            if not project.calendar.is_closed(p, project.metrics.now):
                continue  # a quarter still under way is not frozen yet
            values, _ = project.metrics.compute_each([m.name], [p])
            if values and values[0].origin == "frozen":
                try:
                    project.metrics.recompute(m.name, p, reason=reason, author=author)
                except NorthstarError as exc:
                    kept.append(f"{m.name} {p}: {exc}")
                    continue
                done.append(f"{m.name} {p}")
    return done, kept
