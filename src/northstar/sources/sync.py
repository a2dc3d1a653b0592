"""`sync(project, source)`: collect every object of one source, each all or nothing.

For each object: read the cursor from the ledger, fetch pages changed since then (or since
`backfill_from`; the next page is fetched while the current one is mapped), map them and stage
them in byte-sized loads (each committed beside the ledger, so memory does not grow with the
run), then move the staged loads into the raw tables and append the advanced cursor and the
run's record in one short transaction. If anything fails, that transaction is rolled back and
the stage dropped (the ledger is exactly as before), the failure is written to the collection
log with its error, and the next object is still collected. A stage left by a killed run is
dropped by the next run of the same object before it stages anything."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from northstar.alerts import after_collection
from northstar.errors import NorthstarError
from northstar.ledger.staging import bounded_writes
from northstar.ledger.store import raw_table, utcnow
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
    """At least one object of a source failed (the others were collected)."""

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


def _since(project: Project, day: date) -> datetime:
    tz = ZoneInfo(project.settings.company.timezone)
    return utc(datetime.combine(day, dtime(0), tz))


class _Lookups:
    """Reference values read from the ledger (newest version of each record), cached per run."""

    def __init__(self, project: Project, names: dict[str, str]) -> None:
        self.project = project
        self.names = names
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
            cols = engine.columns(table)
            found: dict[str, Any] = {}
            if cols is not None and column in {n for n, _ in cols}:
                for sid, value in engine.rows(
                    f'SELECT source_id, "{column}" FROM (SELECT source_id, "{column}", '
                    f'row_number() OVER (PARTITION BY source_id ORDER BY load_id DESC) AS n '
                    f'FROM "{table}") AS x WHERE n = 1'
                ):
                    found[str(sid)] = value
            self._cache[(key, column)] = found
        return self._cache[(key, column)]


def sync(project: Project, source_name: str, *, backfill_from: date | None = None,
         progress: ProgressFn | None = None, objects: list[str] | None = None,
         window_from: date | None = None) -> list[RunRecord]:
    """Collect `source_name` (as declared in sources.toml). Returns one record per object;
    raises SyncFailed (after collecting the rest) when any object failed.

    `backfill_from` re-reads everything changed since that date. `window_from` (the schedule's
    collection window) re-reads from that date at least, but an object that has never been
    collected is read in full (from its `start_date`). Whichever way it ends, the project's
    alert rules are evaluated after it (`northstar.alerts.after_collection`)."""
    try:
        return _collect(project, source_name, backfill_from, progress, objects, window_from)
    finally:
        after_collection(project)


def _collect(project: Project, source_name: str, backfill_from: date | None,
             progress: ProgressFn | None, objects: list[str] | None,
             window_from: date | None) -> list[RunRecord]:
    cfg = get_source(project.root, source_name)
    cls = connector_class(cfg.kind)
    names = [o.name for o in cls.objects]
    chosen = objects or cfg.objects or names
    specs = [cls.object(name) for name in chosen]
    store = SecretStore(project.root)
    table_names = {t.key: cfg.tables.get(t.key, t.key) for o in cls.objects for t in o.tables}
    lookups = _Lookups(project, table_names)
    state = SyncState(project.ledger)
    runs: list[RunRecord] = []
    started = utcnow()
    try:
        client = cls.open_client(cfg, store)
    except NorthstarError as exc:
        # No credentials, no run: still logged, so `northstar status` shows why.
        for spec in specs:
            run = RunRecord(source_name, spec.name, started, utcnow(), "failed", error=str(exc))
            first = raw_table(table_names[spec.tables[0].key])
            project.ledger.record_failure(first, source_name, started, str(exc))
            state.record_run(run)
            runs.append(run)
        raise SyncFailed(f"{source_name}: {exc}", runs) from None
    with client, bounded_writes(project.engine):
        connector = cls(cfg, client, lookups)
        for spec in specs:
            lookups.clear()
            runs.append(_run_object(project, cfg, connector, client, spec, table_names, state,
                                    backfill_from, progress, window_from))
    failed = [r for r in runs if r.status != "ok"]
    if failed:
        detail = "; ".join(f"{r.object}: {r.error}" for r in failed)
        raise SyncFailed(f"{source_name}: {len(failed)} of {len(runs)} objects failed "
                         f"({detail})", runs)
    return runs


def _run_object(project: Project, cfg: SourceConfig, connector: Connector, client: ApiClient,
                spec: ObjectSpec, table_names: dict[str, str], state: SyncState,
                backfill_from: date | None, progress: ProgressFn | None,
                window_from: date | None = None) -> RunRecord:
    source = cfg.name
    started = utcnow()
    run = RunRecord(source, spec.name, started)
    requests0 = client.requests
    tables: dict[str, tuple[str, TableSpec]] = {
        t.key: (table_names[t.key], t) for t in spec.tables}
    writer = BatchWriter(project.ledger, source, tables, cfg.tags, cfg.batch_bytes, cfg.checks)
    if isinstance(connector.lookup, _Lookups):
        connector.lookup.settle = writer.settle
    stored = state.cursor(source, spec.name) if spec.incremental else None
    if backfill_from is not None:
        since: datetime | None = _since(project, backfill_from)
    elif stored is not None:
        since = stored if window_from is None else min(stored, _since(project, window_from))
    elif cfg.start_date is not None:
        since = _since(project, cfg.start_date)
    else:
        since = None
    if since is not None and spec.incremental:
        since -= spec.lookback
    run.since = since if spec.incremental else None
    newest = stored
    # a full pull's ids per table key, for `Connector.unseen`
    seen: dict[str, set[str]] | None = None if spec.incremental else {}
    try:
        writer.begin()
        held: list[Record] = []

        def map_held() -> None:
            nonlocal newest
            when = connector.page_modified(spec.name, held)
            if when is not None and (newest is None or when > newest):
                newest = when
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
        writer.finish()
        with project.engine.transaction():
            writer.commit()
            run.appended, run.unchanged = writer.appended, writer.unchanged
            today = datetime.now(ZoneInfo(project.settings.company.timezone)).date()
            run_checks(project.ledger, cfg.checks, source, spec.name, writer.rows_seen, today)
            if spec.incremental and newest is not None and newest != stored:
                state.save_cursor(source, spec.name, newest, started)
            run.cursor = newest
            run.requests = client.requests - requests0
            run.status, run.finished_at = "ok", utcnow()
            state.record_run(run)
    except Exception as exc:
        _discard(writer)
        run.status, run.error = "failed", _error_text(exc)[:2000]
        run.appended = run.unchanged = 0
        run.cursor, run.finished_at = stored, utcnow()
        run.requests = client.requests - requests0
        first = next(iter(tables.values()))[0]
        project.ledger.record_failure(raw_table(first), source, started, run.error)
        rejected = _rejection(exc)
        if rejected is not None:
            record_rejection(project.ledger, source, spec.name, first, str(rejected))
        state.record_run(run)
        if not isinstance(exc, (NorthstarError, OSError)) and not isinstance(
                exc.__context__, NorthstarError):
            raise  # a bug: keep its traceback (the failure is logged)
    finally:
        writer.release()
        if progress is not None:
            progress(Progress(source, spec.name, run.pages, run.fetched, run.appended,
                              done=True, failed=run.status == "failed"))
    return run


def _discard(writer: BatchWriter) -> None:
    """Drop a failed run's stages; if even that fails, the next run drops them."""
    with contextlib.suppress(NorthstarError):
        writer.discard()


def describe(cfg: SourceConfig) -> dict[str, list[str]]:
    """Which raw tables each object of a source writes (for docs and `northstar status`)."""
    cls = connector_class(cfg.kind)
    return {o.name: [raw_table(cfg.tables.get(t.key, t.key)) for t in o.tables]
            for o in cls.objects}

