"""The quarterly business review: what its page, its PDF and the QBR API show.

Every number is a `MetricValue` from the metric layer (`Project.compute`): quarterly values are
computed for the quarter (flows summed, levels at its end, ratios from their parts, as each
metric's formula says), never added up or averaged here. This module only picks the periods,
formats and arranges."""

from __future__ import annotations

import weakref
from datetime import UTC, datetime
from typing import Any

from northstar.errors import ConfigError, PeriodError
from northstar.formatting import format_change, format_period, format_value
from northstar.ledger.corrections import MANUAL
from northstar.ledger.schema import LOG_TABLE
from northstar.metrics.compute import MetricValue
from northstar.metrics.definition import MetricDef, sql_probe
from northstar.periods import Period
from northstar.project import Project
from northstar.qbr import QBR_FILE, QbrLayout, load_layout
from northstar.web import views
from northstar.web.sparkline import sparkline

TREND_QUARTERS = 5
PICKER_QUARTERS = 8

_LAYOUTS: weakref.WeakKeyDictionary[Project, tuple[Any, QbrLayout | None]] = (
    weakref.WeakKeyDictionary())


class NoQbr(ConfigError):
    """The project has no qbr.yml."""


def layout(p: Project) -> QbrLayout:
    """The project's qbr.yml, read again only when the file (or the metric catalogue) changed."""
    path = p.root / QBR_FILE
    stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else None
    key = (stamp, id(p.catalog.metrics), len(p.catalog.metrics))
    found = _LAYOUTS.get(p)
    if found is None or found[0] != key:
        found = (key, load_layout(p.root, p.catalog))
        _LAYOUTS[p] = found
    if found[1] is None:
        raise NoQbr(f"this project has no {QBR_FILE}: add one to lay out the quarterly "
                    "business review (docs/qbr.md)", path=str(path))
    return found[1]


def _now(p: Project) -> datetime:
    return p.metrics.now or datetime.now(UTC)


def now_utc(p: Project) -> datetime:
    """The metric layer's clock as a naive UTC instant (as period bounds are)."""
    return _now(p).astimezone(UTC).replace(tzinfo=None)


def quarter(p: Project, text: str | None) -> Period:
    """The quarter asked for, or the last closed one."""
    if text is None:
        return p.calendar.previous(p.calendar.current("quarter", _now(p)))
    found = p.period(text)
    if found.kind != "quarter":
        raise PeriodError(f"{text!r} is a {found.kind}; a QBR is for a quarter, e.g. 2025-Q1")
    return found


def months_of(p: Project, q: Period) -> list[Period]:
    return [m for m, _ in p.calendar.overlaps("month", q)]


def picker(p: Project, current: Period) -> list[dict[str, Any]]:
    """The quarters the picker offers, newest first: the one under way and those before it
    (and the one shown, when it is older)."""
    now = _now(p)
    quarters = p.calendar.last_n("quarter", PICKER_QUARTERS, None, now)
    if current not in quarters:
        quarters.insert(0, current)
    return [{"period": str(q), "label": format_period(str(q)) + (
                " (so far)" if p.calendar.is_open(q, now) else ""),
             "selected": q == current} for q in sorted(quarters, reverse=True)]


def _cell(p: Project, v: MetricValue) -> dict[str, Any]:
    m = p.catalog.get(v.metric)
    return {"period": v.period, "label": format_period(v.period), "value": _num(v.value),
            "formatted": v.label or format_value(v.value, m.unit, m.decimals),
            "status": v.status,
            "open": v.open, "origin": v.origin}


def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def report(p: Project, q: Period) -> dict[str, Any]:
    """The QBR for quarter `q`, kept while the ledger and the date stay the same."""
    lay = layout(p)
    # thresholds changed in the app move no ledger head: the bands are part of the key
    bands = tuple(repr((m.bands, m.target)) for m in map(p.catalog.get, lay.smart + lay.inputs))
    return views.memo(p, ("qbr", str(q), id(lay), bands), lambda: _report(p, lay, q))


def _report(p: Project, lay: QbrLayout, q: Period) -> dict[str, Any]:
    quarters = p.calendar.last_n("quarter", TREND_QUARTERS, q)
    months = months_of(p, q)
    smart = p.metrics.compute(lay.smart, quarters)
    inputs = p.metrics.compute(lay.inputs, [*months, q])
    by_metric: dict[str, list[MetricValue]] = {}
    for v in [*smart, *inputs]:
        by_metric.setdefault(v.metric, []).append(v)
    smart_rows = []
    for name in lay.smart:
        m = p.catalog.get(name)
        trend = by_metric[name]
        now, prev, last = trend[-1], trend[-2], trend[0]
        smart_rows.append({
            "metric": name, "title": m.title, "unit": m.unit,
            "description": " ".join(m.description.split()), "formula": views.formula_text(m),
            "value": _cell(p, now), "previous": _cell(p, prev), "last_year": _cell(p, last),
            "target": format_value(now.target, m.unit, m.decimals),
            "bands": views.bands_text(m), "action": now.action,
            "change_previous": format_change(now.value, prev.value, unit=m.unit),
            "change_last_year": format_change(now.value, last.value, unit=m.unit),
            "trend": [_cell(p, v) for v in trend],
            "sparkline": sparkline([_num(v.value) for v in trend], [v.status for v in trend],
                                   [f"{format_period(v.period)}: "
                                    f"{format_value(v.value, m.unit, m.decimals)}"
                                    for v in trend]),
        })
    sections = []
    for title, names in lay.input_sections.items():
        rows = []
        for name in names:
            m = p.catalog.get(name)
            cells = by_metric[name]
            rows.append({"metric": name, "title": m.title, "unit": m.unit,
                         "months": [_cell(p, v) for v in cells[:-1]],
                         "quarter": _cell(p, cells[-1])})
        sections.append({"title": title, "rows": rows})
    values = [v.value for v in smart if v.period == str(q)] + [
        v.value for v in inputs if v.period == str(q)]
    return {
        "title": lay.title, "quarter": str(q), "label": format_period(str(q)),
        "open": p.calendar.is_open(q, _now(p)),
        "previous": str(quarters[-2]), "previous_label": format_period(str(quarters[-2])),
        "last_year": str(quarters[0]), "last_year_label": format_period(str(quarters[0])),
        "quarters": [str(x) for x in quarters],
        "quarter_labels": [format_period(str(x), short=True) for x in quarters],
        "months": [str(x) for x in months],
        "month_labels": [format_period(str(x)) for x in months],
        "smartnumbers_title": lay.smartnumbers, "smartnumbers": smart_rows,
        "sections": sections, "has_data": any(v is not None for v in values),
    }


# -- the API's metric items ------------------------------------------------------------------
def tables_read(p: Project, m: MetricDef) -> set[str]:
    """The ledger tables a metric reads (reference lists left out), through its models; for an
    expression, those of the metrics it combines."""
    if m.kind == "expression":
        return {t for ref in m.referenced_metrics() for t in tables_read(p, p.catalog.get(ref))}
    if m.kind == "measure":
        assert m.model is not None
        found = p.models.relation_dependencies(m.model)
    elif m.kind == "sql":
        assert m.sql is not None
        found = p.models.raw_dependencies(sql_probe(m.sql))
    else:
        found = set()
    return {t for t in found if t.startswith("raw_") and not t.startswith("raw_ref_")}


def loads_by_table(p: Project) -> dict[str, tuple[set[str], datetime | None]]:
    """Per ledger table: the sources whose loads filled it, and its last good load."""
    rows = p.engine.rows(
        f"SELECT table_name, source_name, max(finished_at) FROM {LOG_TABLE} "
        "WHERE status = 'ok' AND table_name LIKE 'raw_%' GROUP BY table_name, source_name")
    out: dict[str, tuple[set[str], datetime | None]] = {}
    for table, source, finished in rows:
        sources, last = out.get(str(table), (set(), None))
        sources.add(str(source))
        out[str(table)] = (sources, finished if last is None or finished > last else last)
    return out


def metric_items(p: Project, values: list[MetricValue]) -> list[dict[str, Any]]:
    """The QBR API's metric items: each value with where it came from (`data_source`
    collected or manual, its sources and their vendor id, when it was collected or who
    entered it)."""
    lay = layout(p)
    loads = loads_by_table(p)
    manual = p.metrics.state().manual
    out = []
    for v in values:
        m = p.catalog.get(v.metric)
        tables = tables_read(p, m)
        sources = sorted({s for t in tables for s in loads.get(t, (set(), None))[0]})
        vendors = sorted({lay.vendors[s] for s in sources if s in lay.vendors})
        if not tables and "manual" in lay.vendors:
            vendors = [lay.vendors["manual"]]
        collected = [at for t in tables if (at := loads.get(t, (set(), None))[1]) is not None]
        entered = manual.get((v.metric, v.period)) if v.origin == "manual" else None
        out.append({
            "metric_name": v.metric, "title": v.title, "section": lay.section_of(v.metric),
            "period": v.period, "value": _num(v.value), "unit": v.unit,
            "formatted_value": v.label or format_value(v.value, m.unit, m.decimals),
            "status": v.status, "target": v.target,
            "formatted_target": format_value(v.target, m.unit, m.decimals),
            "previous": _num(v.previous), "previous_period": v.previous_period,
            "last_year": _num(v.last_year), "last_year_period": v.last_year_period,
            "change_previous": format_change(v.value, v.previous, unit=m.unit),
            "change_last_year": format_change(v.value, v.last_year, unit=m.unit),
            "data_source": "manual" if entered is not None else "collected",
            "vendor_id": vendors[0] if len(vendors) == 1 else None, "vendor_ids": vendors,
            "sources": sources, "open": v.open,
            "collected_at": None if entered is not None or not collected else max(collected),
            "manually_entered_by": entered[1] if entered else None,
            "manually_entered_at": _entered_at(p, v) if entered else None,
            "notes": entered[2] if entered else None,
        })
    return out


def _entered_at(p: Project, v: MetricValue) -> datetime | None:
    found: datetime | None = p.engine.scalar(
        f"SELECT entered_at FROM {MANUAL} WHERE metric = ? AND period = ? "
        "ORDER BY load_id DESC LIMIT 1", [v.metric, v.period])
    return found
