"""`sync(project, source)`: collect every object of one source, all of them or none.

For each object in turn: read the cursor from the ledger, fetch pages changed since then (or
since `backfill_from`; the next page is fetched while the current one is mapped), map them and
stage them in byte-sized loads (each committed beside the ledger, so memory does not grow with
the run). When every object is staged, one short transaction moves all the staged loads into
the raw tables and appends every advanced cursor and every object's run record. If anything
fails, in any object, no object's rows land: the stages are dropped (the ledger is exactly as
before), every object's run is written to `ns_runs` as failed (the one at fault with its
error, the others saying they were not kept), and the objects after it are not fetched. A stage
left by a killed run is dropped by the next run of the same object before it stages anything.

An object that reads another object's records (QuickBooks transactions look up accounts,
HubSpot deals look up pipeline stages) sees what this run staged for it, as well as the ledger.

A continuation object (ServiceTitan's exports) resumes from the vendor's token its last kept
run ended on, saved in `ns_cursors` with the run; the schedule's collection window does not
move it back (the token already yields every change since), `backfill_from` does (the object
is then read from that date and the token it ends on replaces the saved one)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from northstar.alerts import after_collection
from northstar.asana import after_collection as push_goals
from northstar.errors import NorthstarError
from northstar.ledger.staging import Stage, bounded_writes
from northstar.ledger.store import raw_table, utcnow
from northstar.ledger.versions import ID_COLUMN, newest
from northstar.sources.base import Connector, ObjectSpec, Record, TableSpec
from northstar.sources.config import SourceConfig, get_source
from northstar.sources.http import ApiClient
from northstar.sources.prefetch import prefetched
from northstar.sources.quality import QualityRejected, record_rejection, run_checks
from northstar.sources.registry import connector_class
from northstar.sources.secrets import SecretStore
from northstar.sources.state import RunRecord, SyncState
from northstar.sources.values import utc
from northstar.sources.writer import BatchWriter

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["Progress", "RunRecord", "SyncFailed", "sync"]


@dataclass(frozen=True)
class Progress:
    """One progress report: sent after every page and at the end of every object."""

    source: str
    object: str
    pages: int
    fetched: int
    appended: int
    done: bool = False
    failed: bool = False


ProgressFn = Callable[[Progress], None]

MAP_RECORDS = 2_000
"""Records mapped at once: pages are held until this many have arrived (a few MB of JSON), so
the column-wise mapping and checks run over thousands of rows rather than a page of 100."""


class SyncFailed(NorthstarError):
    """An object of a source failed, so nothing of the run was kept."""

    def __init__(self, message: str, runs: list[RunRecord]) -> None:
        super().__init__(message)
        self.runs = runs


def _error_text(exc: BaseException) -> str:
    """The first Northstar error in the chain (a rolled-back driver error can mask it)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, NorthstarError):
            return str(seen)
        seen = seen.__context__
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _rejection(exc: BaseException) -> QualityRejected | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, QualityRejected):
            return seen
        seen = seen.__context__
    return None


def _is_bug(exc: BaseException) -> bool:
    """Not a failure of the vendor, the data or the disk: keep its traceback."""
    return not isinstance(exc, (NorthstarError, OSError)) and not isinstance(
        exc.__context__, NorthstarError)


def _since(project: Project, day: date) -> datetime:
    tz = ZoneInfo(project.settings.company.timezone)
    return utc(datetime.combine(day, dtime(0), tz))


class _Lookups:
    """Reference values (newest version of each record), cached per object: from the ledger,
    and from what this run staged for the objects before it."""

    def __init__(self, project: Project, names: dict[str, str]) -> None:
        self.project = project
        self.names = names
        self.staged: dict[str, Stage] = {}
        """Per raw table, the stage an earlier object of this run filled."""
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}
        self.settle: Callable[[], None] = lambda: None
        """Called before a query: the run's writer finishes the load it is staging first."""

    def clear(self) -> None:
        self._cache.clear()

    def __call__(self, key: str, column: str) -> dict[str, Any]:
        if (key, column) not in self._cache:
            self.settle()
            table = raw_table(self.names.get(key, key))
            engine = self.project.engine
            stage = self.staged.get(table)
            cols = {n for n, _ in engine.columns(table) or []}
            if stage is not None and stage.columns is not None:
                cols |= {n for n, _ in stage.columns}
            found: dict[str, Any] = {}
            if column in cols:
                data = newest(engine, table, [column], stage=stage)
                found = dict(zip(data.column(ID_COLUMN).to_pylist(),
                                 data.column(column).to_pylist(), strict=True))
            self._cache[(key, column)] = found
        return self._cache[(key, column)]


@dataclass
class _Staged:
    """One object of the run, fetched and staged, waiting for the commit."""

    spec: ObjectSpec
    run: RunRecord
    writer: BatchWriter
    first_table: str
    stored: datetime | None
    newest: datetime | None = None
    tables: dict[str, tuple[str, TableSpec]] = field(default_factory=dict)
    stored_token: str | None = None
    """A continuation object's token as the last kept run left it."""
    token: str | None = None
    """The token this run ended on."""


def sync(project: Project, source_name: str, *, backfill_from: date | None = None,
         progress: ProgressFn | None = None, objects: list[str] | None = None,
         window_from: date | None = None, now: datetime | None = None) -> list[RunRecord]:
    """Collect `source_name` (as declared in sources.toml): every object or none. Returns one
    record per object; raises SyncFailed when one failed (and nothing was kept).

    `backfill_from` re-reads everything changed since that date. `window_from` (the schedule's
    collection window) re-reads from that date at least, but an object that has never been
    collected is read in full (from its `start_date`). `now` is the moment the checks take as
    today (default: the clock). Whichever way it ends, the project's alert rules are evaluated
    after it (`northstar.alerts.after_collection`); when it succeeded, the metrics that name
    an Asana goal push their new values (`northstar.asana.after_collection`)."""
    try:
        runs = _collect(project, source_name, backfill_from, progress, objects, window_from,
                        now)
    finally:
        after_collection(project)
    push_goals(project)
    return runs


def _collect(project: Project, source_name: str, backfill_from: date | None,
             progress: ProgressFn | None, objects: list[str] | None,
             window_from: date | None, now: datetime | None) -> list[RunRecord]:
    cfg = get_source(project.root, source_name)
    cls = connector_class(cfg.kind)
    names = [o.name for o in cls.objects]
    chosen = objects or cfg.objects or names
    specs = [cls.object(name) for name in chosen]
    store = SecretStore(project.root)
    table_names = {t.key: cfg.tables.get(t.key, t.key) for o in cls.objects for t in o.tables}
    state = SyncState(project.ledger)
    started = utcnow()
    try:
        client = cls.open_client(cfg, store)
    except NorthstarError as exc:
        # No credentials, no run: still logged, so `northstar status` shows why.
        runs = []
        for spec in specs:
            run = RunRecord(source_name, spec.name, started, utcnow(), "failed", error=str(exc))
            first = raw_table(table_names[spec.tables[0].key])
            project.ledger.record_failure(first, source_name, started, str(exc))
            state.record_run(run)
            runs.append(run)
        raise SyncFailed(f"{source_name}: {exc}", runs) from None
    lookups = _Lookups(project, table_names)
    staged: list[_Staged] = []
    with client, bounded_writes(project.engine):
        connector = cls(cfg, client, lookups)
        try:
            for spec in specs:
                lookups.clear()
                _stage_object(project, cfg, connector, client, spec, table_names, state,
                              backfill_from, progress, window_from, staged)
                for stage in staged[-1].writer.stages.values():
                    lookups.staged[stage.table] = stage
            _commit(project, cfg, staged, state, now)
        except Exception as exc:
            runs, culprit = _fail(project, source_name, specs, staged, state, exc, table_names)
            if _is_bug(exc):
                raise  # its traceback is kept; the failure is logged
            raise SyncFailed(f"{source_name}: {culprit}; nothing of this run was kept",
                             runs) from None
        finally:
            for item in staged:
                item.writer.release()
    return [item.run for item in staged]


def _stage_object(project: Project, cfg: SourceConfig, connector: Connector,
                  client: ApiClient, spec: ObjectSpec, table_names: dict[str, str],
                  state: SyncState, backfill_from: date | None, progress: ProgressFn | None,
                  window_from: date | None, staged: list[_Staged]) -> None:
    """Fetch, map and stage one object, appended to `staged` before it starts; raises (with
    the object's run marked failed) on failure."""
    source = cfg.name
    run = RunRecord(source, spec.name, utcnow())
    requests0 = client.requests
    tables: dict[str, tuple[str, TableSpec]] = {
        t.key: (table_names[t.key], t) for t in spec.tables}
    writer = BatchWriter(project.ledger, source, tables, cfg.tags, cfg.batch_bytes, cfg.checks)
    if isinstance(connector.lookup, _Lookups):
        connector.lookup.settle = writer.settle
    stored = state.cursor(source, spec.name) if spec.incremental else None
    item = _Staged(spec, run, writer, next(iter(tables.values()))[0], stored, stored, tables)
    staged.append(item)
    if spec.continuation:
        item.stored_token = item.token = state.token(source, spec.name)
    connector.resume_from.pop(spec.name, None)
    connector.resumed_to.pop(spec.name, None)
    since: datetime | None
    if item.stored_token is not None and backfill_from is None:
        connector.resume_from[spec.name] = item.stored_token
        since = stored  # for the run's record: the token resumes after the newest change read
    elif backfill_from is not None:
        since = _since(project, backfill_from)
    elif stored is not None:
        since = stored if window_from is None else min(stored, _since(project, window_from))
    elif cfg.start_date is not None:
        since = _since(project, cfg.start_date)
    else:
        since = None
    if since is not None and spec.incremental and spec.name not in connector.resume_from:
        since -= spec.lookback
    run.since = since if spec.incremental else None
    # a full pull's ids per table key, for `Connector.unseen`
    seen: dict[str, set[str]] | None = None if spec.incremental else {}
    try:
        writer.begin()
        held: list[Record] = []

        def map_held() -> None:
            when = connector.page_modified(spec.name, held)
            if when is not None and (item.newest is None or when > item.newest):
                item.newest = when
            for key, data in connector.map_page(spec.name, held).items():
                if seen is not None:
                    seen.setdefault(key, set()).update(map(str, data.column("id").to_pylist()))
                writer.add_table(key, data)
            held.clear()

        for page in prefetched(connector.fetch(spec.name, run.since)):
            run.pages += 1
            run.fetched += len(page)
            held.extend(page)
            if len(held) >= MAP_RECORDS:
                map_held()
            if progress is not None:
                progress(Progress(source, spec.name, run.pages, run.fetched,
                                  writer.appended))
        if held:
            map_held()
        if seen is not None:
            for key, data in connector.unseen(spec.name, seen).items():
                writer.add_table(key, data)
        if spec.continuation:
            item.token = connector.resumed_to.get(spec.name, item.stored_token)
        writer.finish()
        writer.stop()
    except Exception as exc:
        run.status, run.error = "failed", _error_text(exc)[:2000]
        raise
    finally:
        run.requests = client.requests - requests0
        if progress is not None:
            progress(Progress(source, spec.name, run.pages, run.fetched, writer.appended,
                              done=True, failed=run.status == "failed"))


def _commit(project: Project, cfg: SourceConfig, staged: list[_Staged], state: SyncState,
            now: datetime | None) -> None:
    """Move every object's stages into the ledger with the cursors and run records: one
    transaction, so all of it is kept or none."""
    moment = now or datetime.now(UTC)
    today = moment.astimezone(ZoneInfo(project.settings.company.timezone)).date()
    with project.engine.transaction():
        for item in staged:
            try:
                item.writer.commit()
            except Exception as exc:
                item.run.status, item.run.error = "failed", _error_text(exc)[:2000]
                raise
        for item in staged:
            run, spec = item.run, item.spec
            run.appended, run.unchanged = item.writer.appended, item.writer.unchanged
            run_checks(project.ledger, cfg.checks, cfg.name, spec.name, item.writer.rows_seen,
                       today)
            moved = item.newest is not None and item.newest != item.stored
            if spec.incremental and (moved or item.token != item.stored_token):
                state.save_cursor(cfg.name, spec.name, item.newest, run.started_at,
                                  item.token)
            run.cursor = item.newest
            run.status, run.finished_at = "ok", utcnow()
            state.record_run(run)


def _fail(project: Project, source: str, specs: list[ObjectSpec], staged: list[_Staged],
          state: SyncState, exc: BaseException, table_names: dict[str, str]
          ) -> tuple[list[RunRecord], str]:
    """Drop every stage of the run and log every object's run as failed (none was kept).
    Returns the runs and what failed, in words."""
    error = _error_text(exc)[:2000]
    by_name = {item.spec.name: item for item in staged}
    at_fault = next((item.spec.name for item in staged if item.run.status == "failed"), None)
    runs: list[RunRecord] = []
    reached = False
    for spec in specs:
        item = by_name.get(spec.name)
        if item is not None:
            _discard(item.writer)
        run = item.run if item is not None else RunRecord(source, spec.name, utcnow())
        if at_fault is None or spec.name == at_fault:
            run.error = run.error or error
            reached = True
        else:
            run.error = (f"not collected: {at_fault} failed first" if reached
                         else f"not kept: {at_fault} failed")
        run.status, run.appended, run.unchanged = "failed", 0, 0
        run.cursor = item.stored if item is not None else None
        run.finished_at = utcnow()
        first = (item.first_table if item is not None
                 else table_names[spec.tables[0].key])
        project.ledger.record_failure(raw_table(first), source, run.started_at, run.error)
        rejected = _rejection(exc) if spec.name == at_fault else None
        if rejected is not None:
            record_rejection(project.ledger, source, spec.name, first, str(rejected))
        state.record_run(run)
        runs.append(run)
    culprit = error if at_fault is None else f"{at_fault}: {by_name[at_fault].run.error}"
    return runs, culprit


def _discard(writer: BatchWriter) -> None:
    """Drop a failed run's stages; if even that fails, the next run drops them."""
    with contextlib.suppress(NorthstarError):
        writer.discard()


def describe(cfg: SourceConfig) -> dict[str, list[str]]:
    """Which raw tables each object of a source writes (for docs and `northstar status`)."""
    cls = connector_class(cfg.kind)
    return {o.name: [raw_table(cfg.tables.get(t.key, t.key)) for t in o.tables]
            for o in cls.objects}
