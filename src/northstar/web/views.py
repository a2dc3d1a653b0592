"""What pages and the API show, computed once: the same functions serve HTML and JSON."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from cachetools import LRUCache

from northstar.engines.base import quote
from northstar.errors import NorthstarError
from northstar.formatting import format_attainment, format_change, format_value
from northstar.ledger.corrections import ADJUSTMENTS, MANUAL
from northstar.ledger.schema import LOG_TABLE
from northstar.metrics.compute import MetricValue
from northstar.metrics.definition import MetricDef
from northstar.metrics.sqlgen import literal
from northstar.periods import Period
from northstar.project import Project
from northstar.sources.registry import explain, needs
from northstar.web import notes
from northstar.web.dashboards import DASHBOARDS_DIR, Dashboard, Tile, load_dashboards

T = TypeVar("T")

TREND_PERIODS = 13


# -- what a page shows, kept while nothing it depends on changed ---------------------------
MEMO_PAGES = 256
"""Page parts kept per project, the least recently used dropped first: the keys carry what
the request asked for (a department, a grain, a quarter, a number of periods), so without a
bound they would grow with every new question."""
_MEMO: weakref.WeakKeyDictionary[Project, LRUCache[Hashable, tuple[tuple[Any, ...], Any]]] = (
    weakref.WeakKeyDictionary())


def _kept(p: Project) -> LRUCache[Hashable, tuple[tuple[Any, ...], Any]]:
    found = _MEMO.get(p)
    if found is None:
        found = _MEMO[p] = LRUCache(maxsize=MEMO_PAGES)
    return found


def page_state(p: Project) -> tuple[Any, ...]:
    """What every number a page shows depends on: the ledger, whose head every load,
    correction, manual value and snapshot moves, and today's date in the company's time zone,
    which decides the current periods and the closed ones."""
    now = p.metrics.now or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return (p.metrics.state().head, now.astimezone(p.calendar.tz).date())


def memo(p: Project, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`, reused while the page state (`page_state`) is the same.

    A warm page is then a template render: the metric layer's own cache would answer, but
    asking it for every tile and period costs more than the page's whole budget."""
    state = page_state(p)
    found = _kept(p).get(key)
    if found is not None and found[0] == state:
        return cast(T, found[1])
    with p.metrics.freezing_together():  # a page's closed periods frozen in one load
        value = build()
    _kept(p)[key] = (page_state(p), value)  # the state after building: freezing moves the head
    return value


def forget(p: Project) -> None:
    """Drop every page kept by `memo`: for a change the ledger's head does not show (a
    threshold or target changed in the app), so the next page is computed again."""
    _MEMO.pop(p, None)


def dashboards(p: Project) -> dict[str, Dashboard]:
    """The project's dashboards, read again only when a dashboard file changed."""
    folder = p.root / DASHBOARDS_DIR
    files = tuple(sorted((f.name, f.stat().st_mtime_ns, f.stat().st_size)
                         for f in folder.glob("*.y*ml")))
    found = _kept(p).get("dashboards")
    if found is not None and found[0] == files:
        return cast(dict[str, Dashboard], found[1])
    boards = load_dashboards(p.root, p.catalog)
    _kept(p)["dashboards"] = (files, boards)
    return boards


def tile_periods(tile: Tile) -> int:
    """How many periods a metric tile needs: a bullet or a number shows the current one (with
    its comparisons); the other visuals draw `tile.periods`."""
    return 1 if tile.visual in ("bullet", "number") else tile.periods


def tile_span(p: Project, m: MetricDef, tile: Tile) -> list[Period]:
    """The periods a metric tile computes: `tile_periods` of them, ending `tile.ahead` periods
    after the current one (a forecast's months to come)."""
    n = tile_periods(tile)
    if not tile.ahead or n == 1:
        return periods_for(p, m, n)
    end = p.calendar.current(m.grain, p.metrics.now)
    for _ in range(tile.ahead):
        end = p.calendar.next(end)
    return p.calendar.last_n(m.grain, n, end, p.metrics.now)


def compute_tiles(p: Project, tiles: Iterable[Tile]) -> None:
    """Compute the metrics of a page's trend and number tiles together, one call per set of
    periods, before the tiles ask for them one by one: their statements run side by side and
    the closed periods are frozen in one load instead of one per tile."""
    groups: dict[tuple[tuple[Period, ...], tuple[tuple[str, str], ...]], list[str]] = {}
    for tile in tiles:
        if tile.metric is None or tile.by:
            continue
        m = p.catalog.get(tile.metric)
        key = (tuple(tile_span(p, m, tile)), tuple(sorted(tile.filter.items())))
        for name in (m.name, *([tile.bars] if tile.bars else [])):
            if name not in groups.setdefault(key, []):
                groups[key].append(name)
    for (periods, filters), names in groups.items():
        p.metrics.compute(names, list(periods), filters=dict(filters))


def value_dict(p: Project, v: MetricValue) -> dict[str, Any]:
    """A metric value as JSON, with the numbers also formatted for people."""
    m = p.catalog.get(v.metric)
    out = v.as_dict()
    out["formatted"] = {
        "value": v.label or format_value(v.value, m.unit, m.decimals),
        "target": format_value(v.target, m.unit, m.decimals),
        "previous": v.previous_label or format_value(v.previous, m.unit, m.decimals),
        "last_year": v.last_year_label or format_value(v.last_year, m.unit, m.decimals),
        "change_previous": format_change(v.value, v.previous, unit=m.unit),
        "change_last_year": format_change(v.value, v.last_year, unit=m.unit),
        "pace_target": format_value(v.pace_target, m.unit, m.decimals),
        "projected": format_value(v.projected, m.unit, m.decimals),
        "attainment": format_attainment(v.attainment),
    }
    out["pace_text"] = pace_text(p, m, v)
    return out


def pace_text(p: Project, m: MetricDef, v: MetricValue) -> str | None:
    """How an open period's number is judged, in one sentence; None for a closed period."""
    if not v.open or v.elapsed is None:
        return None
    gone = f"{v.elapsed:.0%} of the {m.grain} gone"
    if m.pace.by == "working_days":
        gone = f"{v.elapsed:.0%} of the {m.grain}'s working days gone"
    if v.pace == "total":
        ends = format_value(v.projected, m.unit, m.decimals)
        if v.pace_target is None:
            return f"So far, {gone}; at this pace it ends near {ends}."
        by_today = format_value(v.pace_target, m.unit, m.decimals)
        return (f"So far, {gone}: judged against {by_today}, the target pro-rated to today. "
                f"At this pace it ends near {ends}.")
    if v.pace == "rate":
        if v.elapsed < m.pace.minimum:
            return (f"So far, {gone}: too early to grade a rate (it is graded once "
                    f"{m.pace.minimum:.0%} of the {m.grain} is gone).")
        return f"So far, {gone}: a rate, judged against the target itself."
    return f"As of today, {gone}."


def periods_for(p: Project, m: MetricDef, n: int = TREND_PERIODS,
                ending: str | None = None) -> list[Period]:
    end = p.period(ending) if ending else None
    if end is not None and end.kind != m.grain:
        raise NorthstarError(f"{m.name} is measured per {m.grain}; {end} is a {end.kind}")
    return p.calendar.last_n(m.grain, n, end, p.metrics.now)


def series(p: Project, name: str, n: int = TREND_PERIODS, ending: str | None = None,
           filters: dict[str, str] | None = None) -> list[MetricValue]:
    m = p.catalog.get(name)
    return p.metrics.compute([name], periods_for(p, m, n, ending), filters=filters)


def findings_for(p: Project, v: MetricValue, *, notes: bool = True) -> list[str]:
    """Data-quality findings that touch this number, in plain words; with `notes`, also how
    it was made (entered by hand, corrected), which are facts rather than problems."""
    m = p.catalog.get(v.metric)
    out: list[str] = []
    waiting = p.metrics.waiting_for(m)
    if waiting:
        names = ", ".join(t.removeprefix("raw_") for t in waiting)
        out.append(f"Waiting for {names}: {'it has' if len(waiting) == 1 else 'they have'} "
                   "never loaded, so this number cannot be computed yet.")
        out += explain(needs(p.root, waiting))
    elif v.value is None:
        out.append(f"Nothing for {v.period} in the data loaded so far.")
    elif m.non_negative and float(v.value) < 0:
        out.append(f"The value for {v.period} is negative, which this metric should never be.")
    elif m.checks.expect_nonzero and not v.open and float(v.value) == 0:
        out.append(f"The value for {v.period} is zero: check that the source is still sending "
                   "data before acting on it.")
    limit = m.checks.max_change or 0.5
    if (not v.open and v.value is not None and v.previous is not None
            and float(v.previous) != 0):  # a partial period is not a move
        jump = (float(v.value) - float(v.previous)) / abs(float(v.previous))
        if abs(jump) > limit:
            out.append(f"Moved {jump:+.0%} against {v.previous_period}: worth checking the "
                       "sources before acting on it.")
    if notes and v.origin == "manual":
        out.append("This value was entered by hand, not collected.")
    if notes and v.adjustment:
        out.append(f"Includes a correction of {format_value(v.adjustment, m.unit)}.")
    if m.model:
        tables = p.models.raw_dependencies(f"SELECT * FROM {m.model}")
        found = p.findings()
        touching = [f for f in found if any(str(x) in tables or f"raw_{x}" in tables
                                            for x in f.values() if isinstance(x, str))]
        if touching:
            out.append(f"{len(touching)} record(s) it reads disagree between sources.")
    return out


def late_findings(p: Project, name: str, values: Iterable[MetricValue]) -> list[str]:
    """Rows that arrived after a period froze: what they would change, and how to take them in."""
    m = p.catalog.get(name)
    out = []
    for late in p.metrics.late_data(name, [p.period(v.period) for v in values if not v.open]):
        out.append(
            f"Late data for {late.period}: it froze at {format_value(late.frozen, m.unit)}, "
            f"and rows that arrived since would make it {format_value(late.live, m.unit)} "
            f"({'+' if late.delta >= 0 else '-'}{format_value(abs(late.delta), m.unit)}). "
            f"To take them in, an admin runs: northstar recompute {name} {late.period} "
            "--reason \"late rows\"")
    return out


def my_metric(p: Project, name: str, ending: str | None = None) -> dict[str, Any]:
    m = p.catalog.get(name)
    trend = series(p, name, ending=ending)
    current = trend[-1]
    if m.kind == "manual" and current.value is None and ending is None:
        # entered after the books close: the newest period entered is the number to show
        current = next((v for v in reversed(trend) if v.value is not None), current)
    owner = p.catalog.owner_of(name)
    closed = [v for v in trend if not v.open]
    entered = p.metrics.state().manual.get((name, current.period))
    return {
        "metric": name, "title": m.title, "description": " ".join(m.description.split()),
        "unit": m.unit, "direction": m.direction, "grain": m.grain, "kind": m.kind,
        "owner": owner.id if owner else None, "owner_name": owner.name if owner else None,
        "department": m.department, "current": value_dict(p, current),
        "trend": [value_dict(p, v) for v in trend],
        "last_closed": value_dict(p, closed[-1]) if current.open and closed else None,
        "manual": None if entered is None else {"author": entered[1], "note": entered[2]},
        "bands": bands_text(m),
        "findings": findings_for(p, current) + late_findings(p, name, trend),
        "refreshed_at": last_refresh(p),
        "formula": formula_text(m),
        "pacing": pacing(p, m, current),
        "annotations": notes.for_metric(p, name),
    }


def pacing(p: Project, m: MetricDef, v: MetricValue) -> dict[str, Any] | None:
    """For a running total in an open period: where it should be today to hit the target."""
    if not v.open or v.pace != "total" or v.pace_target is None or v.elapsed is None:
        return None
    if v.origin == "manual":
        return None
    value = float(v.value or 0)
    on_pace = value >= v.pace_target if m.direction == "higher" else value <= v.pace_target
    return {"share": v.elapsed, "expected": v.pace_target, "on_pace": on_pace,
            "formatted": format_value(v.pace_target, m.unit, m.decimals),
            "projected": format_value(v.projected, m.unit, m.decimals)}


def bands_text(m: MetricDef) -> str | None:
    """Absolute bands in words ("Green at $0 or more, yellow from -$50.00K"); None otherwise."""
    if m.bands is None or m.bands.relative_to != "absolute":
        return None
    more = "or more" if m.direction == "higher" else "or less"
    return (f"Green at {format_value(m.bands.green, m.unit, m.decimals)} {more}, "
            f"yellow from {format_value(m.bands.yellow, m.unit, m.decimals)}")


def formula_text(m: MetricDef) -> str:
    if m.kind == "measure":
        where = f" where {m.filter}" if m.filter else ""
        if m.cumulative:
            return f"{m.measure} over {m.model}{where}, every row before the period's end"
        return f"{m.measure} over {m.model}{where}, by {m.time_column}"
    if m.kind == "expression":
        return f"{m.expression}"
    if m.kind == "sql":
        return " ".join((m.sql or "").split())
    return "entered by hand (manual values)"


def departments(p: Project) -> list[str]:
    return sorted({x.department for x in p.catalog.people.values()}
                  | {m.department for m in p.catalog})


def last_refresh(p: Project) -> datetime | None:
    found: datetime | None = p.engine.scalar(
        f"SELECT max(finished_at) FROM {LOG_TABLE} WHERE status = 'ok' "
        "AND table_name LIKE 'raw_%'")
    # stored as naive UTC; the API's date-time carries its offset
    return None if found is None else found.replace(tzinfo=found.tzinfo or UTC)


@dataclass(frozen=True)
class SourceHealth:
    table: str
    source: str
    status: str
    """`ok`, `failed` (the last load failed) or `stale` (no good load for too long)."""
    last_ok: datetime | None
    error: str | None


def source_health(p: Project, now: datetime, stale_hours: float) -> list[SourceHealth]:
    head = p.metrics.state().head  # every load, good or failed, moves it
    found = _kept(p).get("load-log")
    if found is not None and found[0] == (head,):
        rows = found[1]
    else:
        rows = p.engine.rows(
            f"SELECT table_name, source_name, status, error, finished_at, load_id "
            f"FROM {LOG_TABLE} WHERE table_name LIKE 'raw_%' ORDER BY load_id")
        _kept(p)["load-log"] = ((head,), rows)
    latest: dict[tuple[str, str], tuple[str, str | None]] = {}
    last_ok: dict[tuple[str, str], datetime] = {}
    for table, source, status, error, finished, _ in rows:
        key = (str(table), str(source))
        latest[key] = (str(status), error)
        if status == "ok":
            last_ok[key] = finished
    out = []
    for key, (status, error) in sorted(latest.items()):
        ok_at = last_ok.get(key)
        state = "failed" if status != "ok" else (
            "stale" if ok_at is None or now - ok_at > timedelta(hours=stale_hours) else "ok")
        out.append(SourceHealth(key[0].removeprefix("raw_"), key[1], state, ok_at, error))
    return out


def collection_log(p: Project, limit: int = 100) -> list[dict[str, Any]]:
    return list(p.ledger.log(limit).to_pylist())


def drill(p: Project, name: str, period: str | None, page: int = 1, size: int = 50,
          ) -> dict[str, Any]:
    """The formula and the model rows behind one number, paged; plus its corrections."""
    m = p.catalog.get(name)
    per = p.period(period) if period else periods_for(p, m, 1)[-1]
    out: dict[str, Any] = {"metric": name, "title": m.title, "period": str(per),
                           "formula": formula_text(m), "kind": m.kind,
                           "components": m.referenced_metrics(), "columns": [], "rows": [],
                           "total": 0, "page": page, "size": size}
    if m.kind == "measure":
        assert m.model and m.time_column
        p.metrics.state()
        where = period_where(p, m, per)
        total = int(p.engine.scalar(f"SELECT count(*) FROM {quote(m.model)} WHERE {where}"))
        table = p.engine.query(
            f"SELECT * FROM {quote(m.model)} WHERE {where} ORDER BY {quote(m.time_column)}, 1 "
            f"LIMIT {int(size)} OFFSET {int((page - 1) * size)}")
        out.update(columns=table.column_names, rows=[list(r.values()) for r in
                                                    table.to_pylist()], total=total)
    out["adjustments"] = _rows(p, ADJUSTMENTS, "metric = ? AND period = ?", [name, str(per)])
    out["manual_values"] = _rows(p, MANUAL, "metric = ? AND period = ?", [name, str(per)])
    out["value"] = value_dict(p, p.metrics.compute([name], [per])[0])
    out["parts"] = [_part(p, ref, per) for ref in m.referenced_metrics()]
    return out


def _part(p: Project, name: str, per: Period) -> dict[str, Any]:
    """One metric a derived metric is built from: its value for the period and its corrections."""
    m = p.catalog.get(name)
    return {"metric": name, "title": m.title, "value": value_dict(p, p.metrics.compute(
                [name], [per])[0]),
            "adjustments": _rows(p, ADJUSTMENTS, "metric = ? AND period = ?", [name, str(per)]),
            "manual_values": _rows(p, MANUAL, "metric = ? AND period = ?", [name, str(per)]),
            "parts": [_part(p, ref, per) for ref in m.referenced_metrics()]}


def drill_all_rows(p: Project, name: str, period: str | None) -> tuple[list[str], Any]:
    """Every row behind a number, streamed in batches (for CSV download)."""
    m = p.catalog.get(name)
    if m.kind != "measure":
        raise NorthstarError(f"{name} is a {m.kind} metric: it has no ledger rows of its own")
    assert m.model and m.time_column
    per = p.period(period) if period else periods_for(p, m, 1)[-1]
    p.metrics.state()
    table = p.engine.query(f"SELECT * FROM {quote(m.model)} WHERE {period_where(p, m, per)} "
                           f"ORDER BY {quote(m.time_column)}, 1")
    return table.column_names, table.to_pylist()


def period_where(p: Project, m: MetricDef, per: Period) -> str:
    """The condition that picks the rows of measure metric `m`'s model inside `per` (the
    drill's rows and their total use the same one)."""
    assert m.model and m.time_column
    cols = dict(p.engine.columns(m.model) or [])
    start, end = p.calendar.dates(per)
    ustart, uend = p.calendar.utc_bounds(per)
    is_date = cols.get(m.time_column, "").upper() == "DATE"
    lo, hi = (start, end) if is_date else (ustart, uend)
    t = quote(m.time_column)
    cond = (f"{t} < {literal(hi)}" if m.cumulative
            else f"{t} >= {literal(lo)} AND {t} < {literal(hi)}")
    if m.filter:
        cond += f" AND ({m.filter})"
    return cond


def corrections_for(p: Project, name: str, period: str) -> dict[str, list[dict[str, Any]]]:
    """The adjustments and manual values entered for one metric's period, newest first, and
    the record corrections (newest five) to the ledger tables it reads."""
    tables = [t.removeprefix("raw_") for t in p.metrics.sources(name)]
    records: list[dict[str, Any]] = []
    if tables:
        marks = ", ".join("?" for _ in tables)
        records = _rows(p, ADJUSTMENTS, f"kind = 'record' AND target_table IN ({marks})",
                        tables)[:5]
    return {"adjustments": _rows(p, ADJUSTMENTS, "metric = ? AND period = ?", [name, period]),
            "manual_values": _rows(p, MANUAL, "metric = ? AND period = ?", [name, period]),
            "record_corrections": records}


def _rows(p: Project, table: str, where: str, params: list[Any]) -> list[dict[str, Any]]:
    if table not in p.engine.relations():
        return []
    return list(p.engine.query(f"SELECT * FROM {table} WHERE {where} ORDER BY load_id DESC",
                               params).to_pylist())
