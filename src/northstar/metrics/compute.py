"""Computing metric values: on read, cached by ledger version, closed periods frozen.

A value's journey: the formula runs over the model views (or a frozen snapshot is read, for a
closed period); metric-level adjustments are netted in; a manual value, where one is entered,
wins. The cache key holds the versions of exactly the ledger tables the formula reads, so an
append invalidates only the metrics that read what it touched."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from northstar.engines.base import Engine
from northstar.errors import MetricError, NorthstarError
from northstar.ledger.corrections import Corrections
from northstar.ledger.schema import ADJUSTMENTS, LOG_TABLE, RAW_PREFIX
from northstar.metrics.attainment import judged_attainment
from northstar.metrics.catalog import Catalog
from northstar.metrics.definition import MetricDef, additive_measure, sql_probe, uses_as_of
from northstar.metrics.expression import built_ins_in, evaluate, months_in
from northstar.metrics.sqlgen import (
    Bounds,
    as_of_day,
    fill_placeholders,
    measure_sql,
    running_totals,
)
from northstar.metrics.status import status_of
from northstar.models.views import ModelBuilder
from northstar.periods import KINDS, Calendar, Period, Progress, Span, ToDate, naive_utc

MAX_CACHED_VALUES = 50_000
"""Computed values kept (a 20,000-row company's every page needs about 1,500)."""
MAX_CACHED_BOUNDS = 10_000
"""Periods whose bounds are kept."""

Number = Decimal | float
SliceValue = str | None
Cell = tuple[Number | None, str, Decimal | None]
"""(value, origin, metric adjustment netted in)."""
PaceKind = str
"""`total`, `rate` or `level`: how a period in progress is judged (`MetricComputer.pace_kind`)."""


@dataclass(frozen=True)
class MetricValue:
    """One number as a person sees it: value, target, status, and the two comparisons."""

    metric: str
    title: str
    unit: str
    period: str
    slice: dict[str, SliceValue]
    value: Number | None
    target: float | None
    status: str | None
    action: str | None
    previous: Number | None
    previous_period: str
    last_year: Number | None
    last_year_period: str
    origin: str
    """`computed` (live), `frozen` (closed period's snapshot) or `manual`."""
    adjustment: Decimal | None
    owner: str | None
    department: str
    open: bool = False
    """The period is under way: the value is "so far", judged by its pace."""
    elapsed: float | None = None
    """For an open period, the share of it gone (of its working days, where the metric says so)."""
    pace: PaceKind | None = None
    """For an open period: `total` (judged against `pace_target`), `rate` (against the target,
    once the metric's minimum share is gone) or `level` (against the target)."""
    pace_target: float | None = None
    """For an open total: the target pro-rated to the time gone, which the status judges by."""
    projected: float | None = None
    """For an open total: where the period ends at today's pace (value / share gone)."""
    label: str | None = None
    """Words shown instead of the value (the metric file's `labels`: "not burning"); `value`
    is then the number the label stands for."""
    previous_label: str | None = None
    last_year_label: str | None = None
    attainment: float | None = None
    """How much of its target the value reaches (`metrics.attainment`): against the target by
    today for an open total; none without a target, for a value in words or one not graded
    yet."""

    def as_dict(self) -> dict[str, Any]:
        def num(v: Number | None) -> float | None:
            return None if v is None else float(v)

        return {
            "metric": self.metric, "title": self.title, "unit": self.unit,
            "period": self.period, "slice": self.slice, "value": num(self.value),
            "target": self.target, "status": self.status, "action": self.action,
            "previous": num(self.previous), "previous_period": self.previous_period,
            "last_year": num(self.last_year), "last_year_period": self.last_year_period,
            "origin": self.origin, "adjustment": num(self.adjustment), "owner": self.owner,
            "department": self.department, "open": self.open, "elapsed": self.elapsed,
            "pace": self.pace, "pace_target": self.pace_target, "projected": self.projected,
            "label": self.label, "previous_label": self.previous_label,
            "last_year_label": self.last_year_label, "attainment": self.attainment,
        }


@dataclass(frozen=True)
class LateData:
    """A frozen period whose ledger has moved since it froze: rows arrived late."""

    metric: str
    period: str
    frozen: Number | None
    live: Number | None

    @property
    def delta(self) -> Decimal:
        return Decimal(str(self.live or 0)) - Decimal(str(self.frozen or 0))


@dataclass
class _State:
    """Everything a read needs from the ledger's bookkeeping, reloaded when the ledger moves."""

    head: int
    versions: dict[str, int]
    record_versions: dict[str, int]
    manual: dict[tuple[str, str], tuple[Decimal, str, str | None]]
    adjustments: dict[tuple[str, str], Decimal]
    snapshots: dict[tuple[str, str, str], tuple[list[Any], int, str]]
    columns: dict[str, dict[str, str]] = field(default_factory=dict)


def _encode(v: Number | None) -> Any:
    return str(v) if isinstance(v, Decimal) else v


def _decode(v: Any) -> Number | None:
    return Decimal(v) if isinstance(v, str) else v


def _number(v: Any) -> Number | None:
    if v is None or isinstance(v, Decimal | float):
        return v
    if isinstance(v, int):
        return Decimal(v)
    raise MetricError(f"the formula returned {v!r}, which is not a number")


class MetricComputer:
    """Computes metric values for periods and slices. One per open project."""

    def __init__(self, engine: Engine, corrections: Corrections, catalog: Catalog,
                 calendar: Calendar, models: ModelBuilder, *, freeze: bool = True,
                 freeze_after_days: int = 0, read_only: bool = False) -> None:
        self.engine = engine
        self.corrections = corrections
        self.catalog = catalog
        self.calendar = calendar
        self.models = models
        self.freeze = freeze and not read_only
        self.freeze_after = timedelta(days=freeze_after_days)
        self.read_only = read_only
        self.now: datetime | None = None
        """Fixed clock for tests; None means the real time."""
        self._cache: dict[tuple[Any, ...], dict[SliceValue, Number | None]] = {}
        self._deps: dict[str, set[str]] = {}
        self._state: _State | None = None
        self._state_writes = -1
        self._pending: list[tuple[str, str, str, list[Any], str, int, str]] = []
        self._prefetched: dict[str, list[tuple[Any, ...]]] = {}
        self._period_bounds: dict[Span, Bounds] = {}
        self._neighbours: dict[Period, tuple[Period, Period]] = {}
        """A period's previous period and the same one last year (they never change)."""
        self._memo: dict[Any, Any] | None = None
        """What one read works out once: each metric's pace, the instant periods close by."""
        self._together = 0
        """Rows of statements a read ran ahead of need, by SQL text (see `_prefetch`)."""

    # -- public ----------------------------------------------------------------------------
    def compute(self, names: Sequence[str], periods: Sequence[Period] | None = None,
                by: str | None = None, filters: dict[str, str] | None = None,
                ) -> list[MetricValue]:
        filters = dict(filters or {})
        self._bound()
        state = self.state()
        own_memo = self._memo is None
        if own_memo:
            self._memo = {}
        try:
            self._prefetch(names, periods, by, filters, state)
            return self._compute(names, periods, by, filters, state)
        finally:
            self._prefetched.clear()
            if own_memo:
                self._memo = None
            if not self._together:
                self._flush()

    def compute_each(self, names: Sequence[str], periods: Sequence[Period] | None = None,
                     by: str | None = None, filters: dict[str, str] | None = None,
                     ) -> tuple[list[MetricValue], dict[str, MetricError]]:
        """`compute` for every metric that can be computed, and the error of each that
        cannot: all of `names` together first (their statements side by side), then, when
        that fails, each on its own, so one metric that fails never takes the others down."""
        try:
            return self.compute(names, periods, by, filters), {}
        except MetricError as exc:
            if len(names) == 1:
                return [], {names[0]: exc}
        values: list[MetricValue] = []
        errors: dict[str, MetricError] = {}
        for name in names:
            try:
                values += self.compute([name], periods, by, filters)
            except MetricError as exc:
                errors[name] = exc
        return values, errors

    def _bound(self) -> None:
        """Keep the caches within `MAX_CACHED_VALUES` and `MAX_CACHED_BOUNDS`, the oldest
        entries dropped first (those of ledger versions gone by, and of periods asked for
        once). Only between computations, never during one, which reads what it just put."""
        caches: tuple[tuple[dict[Any, Any], int], ...] = (
            (self._cache, MAX_CACHED_VALUES), (self._period_bounds, MAX_CACHED_BOUNDS),
            (self._neighbours, MAX_CACHED_BOUNDS))
        for cache, limit in caches:
            extra = len(cache) - limit
            if extra > 0:
                for key in list(itertools.islice(iter(cache), extra + limit // 10)):
                    del cache[key]

    @contextmanager
    def freezing_together(self) -> Iterator[None]:
        """Reads inside freeze the closed periods they computed in one load, at the end,
        instead of one load each (a page's tiles). Until then the snapshots are served from
        memory, as after any read."""
        self._together += 1
        try:
            yield
        finally:
            self._together -= 1
            if not self._together:
                self._flush()

    @contextmanager
    def not_freezing(self) -> Iterator[None]:
        """Reads inside compute as any read does but freeze nothing: what they compute is kept
        in memory only, and a closed period is frozen by the next read outside (a page's).
        Asking a question (northstar.ask) never writes to the ledger."""
        was, self.freeze = self.freeze, False
        try:
            yield
        finally:
            self.freeze = was

    def _flush(self) -> None:
        """Freeze the closed periods computed by this read: one load for all of them."""
        if self._pending:
            pending, self._pending = self._pending, []
            self.corrections.freeze_many(pending, author="northstar")
            if self._state is not None:  # our own append moved the head, nothing else did
                self._state.head = int(self.engine.scalar(
                    f"SELECT coalesce(max(load_id), 0) FROM {LOG_TABLE}"))
                self._state_writes = self.engine.writes

    def _compute(self, names: Sequence[str], periods: Sequence[Period] | None,
                 by: str | None, filters: dict[str, str], state: _State) -> list[MetricValue]:
        out: list[MetricValue] = []
        for name in names:
            m = self.catalog.get(name)
            for tag in ([by] if by else []) + list(filters):
                if tag not in m.dimensions:
                    allowed = ", ".join(m.dimensions) or "nothing (it cannot be sliced)"
                    raise NorthstarError(f"metric {name} cannot be sliced by {tag!r}; "
                                         f"it can be sliced by: {allowed}")
            wanted = self._wanted(m, periods)
            spans, needed = self._spans(m, wanted)
            cells = self._values(m, needed, by, filters, state)
            owner = self.catalog.owner_of(name)
            pace = self.pace_kind(m)
            zero = (pace == "total" and not self.arrives_after_close(m)
                    and not self.waiting_for(m, state))
            in_span: dict[Span, set[SliceValue]] = {}
            if by:  # the slices of each span, found once (a year of days has many spans)
                for pp, s in cells:
                    in_span.setdefault(pp, set()).add(s)
            for p in wanted:
                prev, last, progress = spans[p]
                slices: list[SliceValue] = [None]
                if by:
                    found = (in_span.get(p, set()) | in_span.get(prev, set())
                             | in_span.get(last, set()))
                    slices = sorted(found, key=lambda s: (s is None, s or ""))
                for s in slices:
                    value, origin, adj = cells.get((p, s), (None, "computed", None))
                    previous = cells.get((prev, s), (None,))[0]
                    last_year = cells.get((last, s), (None,))[0]
                    if progress is not None and zero and not by:
                        # loaded, and nothing yet: the truth is "0 so far", not "no data"
                        value = Decimal(0) if value is None else value
                        previous = Decimal(0) if previous is None else previous
                    value, label = _labelled(m, value)
                    previous, previous_label = _labelled(m, previous)
                    last_year, last_year_label = _labelled(m, last_year)
                    target = (self._slice_target(m, p, by, s) if by else
                              self._filtered_target(m, p, filters, state, wanted))
                    status, pace_target, projected = self._judge(
                        m, value, target, progress, self._band_size(m, p))
                    action = getattr(m.actions, status) if status else None
                    graded = progress is None or not (
                        progress.share == 0 if pace == "total"
                        else pace == "rate" and progress.share < m.pace.minimum)
                    out.append(MetricValue(
                        metric=name, title=m.title, unit=m.unit, period=str(p),
                        slice={**filters, **({by: s} if by else {})}, value=value,
                        target=target, status=status, action=action,
                        previous=previous, previous_period=str(prev),
                        last_year=last_year, last_year_period=str(last), origin=origin,
                        adjustment=adj, owner=owner.id if owner else None,
                        department=m.department, open=progress is not None,
                        elapsed=None if progress is None else progress.share,
                        pace=None if progress is None else pace, pace_target=pace_target,
                        projected=projected, label=label, previous_label=previous_label,
                        last_year_label=last_year_label,
                        attainment=judged_attainment(
                            value, pace_target if pace_target is not None else target,
                            m.direction, label=label, graded=graded),
                    ))
        return out

    def _wanted(self, m: MetricDef, periods: Sequence[Period] | None) -> list[Period]:
        return list(periods) if periods else [self.calendar.current(m.grain, self._now())]

    def _spans(self, m: MetricDef, wanted: list[Period],
               ) -> tuple[dict[Period, tuple[Span, Span, Progress | None]], list[Span]]:
        """Per wanted period, what it is compared with (the previous period and the same one
        last year, or, while it is open, their first days as many as it has had) and how far
        it has got; then every span to compute, in a fixed order."""
        now = self._now()
        instant = naive_utc(now)
        kind = self.pace_kind(m)
        spans: dict[Period, tuple[Span, Span, Progress | None]] = {}
        for p in wanted:
            prev, last = self._neighbours_of(p)
            bounds = self._bounds(p)
            if not bounds[3] <= instant < bounds[4]:  # not under way
                spans[p] = (prev, last, None)
                continue
            # data that comes once a period is over is complete up to the last closed month
            at = (self.calendar.utc_bounds(self.calendar.current("month", now))[0]
                  if self.arrives_after_close(m) else now)
            progress = self.calendar.progress(p, at, working_days=m.pace.by == "working_days")
            if kind == "level":  # a balance now against the balance the previous period ended on
                spans[p] = (prev, last, progress)
            else:
                spans[p] = (ToDate(prev, progress.days), ToDate(last, progress.days), progress)
        needed = sorted({x for p in wanted for x in (p, *spans[p][:2])}, key=_span_order)
        return spans, needed

    def _neighbours_of(self, p: Period) -> tuple[Period, Period]:
        found = self._neighbours.get(p)
        if found is None:
            found = self._neighbours[p] = (self.calendar.previous(p),
                                           self.calendar.same_period_last_year(p))
        return found

    def pace_kind(self, m: MetricDef) -> PaceKind:
        """How a metric's open period is judged: the metric file's `pace.kind`, or worked out
        from the formula (a sum or count is a total; a percent, ratio, average or quotient a
        rate; a query or manual value a level, unless it is a percent or ratio)."""
        if self._memo is None:
            return self._pace_kind(m)
        key = ("pace", m.name, m.fingerprint)
        found: PaceKind | None = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._pace_kind(m)
        return found

    def _pace_kind(self, m: MetricDef) -> PaceKind:
        if m.pace.kind is not None:
            return m.pace.kind
        if m.cumulative:
            return "level"
        if m.unit in ("percent", "ratio", "days"):
            return "rate"
        if m.kind == "measure":
            return "total" if additive_measure(m.measure) else "rate"
        if m.kind == "expression":
            text = m.expression or ""
            parts = [self.pace_kind(self.catalog.get(r)) for r in m.referenced_metrics()]
            if "*" not in text and "/" not in text and parts and all(
                    k == "total" for k in parts):
                return "total"
            return "rate"
        return "level"

    def _judge(self, m: MetricDef, value: Number | None, target: float | None,
               progress: Progress | None, size: float = 1.0,
               ) -> tuple[str | None, float | None, float | None]:
        """(status, target to date, projected end value) of a value. A closed period is
        judged against its target; an open total against the target pro-rated to the time
        gone; an open rate against its target once the metric's minimum share is gone.
        `size` scales absolute bands (`_band_size`)."""
        if progress is None:
            return status_of(m, value, target, size=size), None, None
        kind = self.pace_kind(m)
        if kind == "total":
            share = progress.share
            if share == 0:  # nothing of it can be in yet (`pace.arrives: after_close`)
                return ("grey" if value is None else None), None, None
            projected = (float(value) / share if value is not None and share > 0 else None)
            return (status_of(m, value, target, scale=share, size=size),
                    None if target is None else target * share, projected)
        if kind == "rate" and progress.share < m.pace.minimum:
            return ("grey" if value is None else None), None, None
        return status_of(m, value, target), None, None

    def _prefetch(self, names: Sequence[str], periods: Sequence[Period] | None,
                  by: str | None, filters: dict[str, str], state: _State) -> None:
        """Run every statement the read will need, all at once, before the read.

        An engine that can run statements side by side (DuckDB, one per core) then does; the
        read finds the rows here and runs nothing itself. The statements are the very ones the
        read would run, made by the same functions from the same caches. Anything unusual (a
        metric that cannot be sliced, a missing model) is left to the read, which reports it."""
        if not self.engine.runs_side_by_side:
            return
        statements: dict[str, None] = {}
        try:
            for name in names:
                m = self.catalog.get(name)
                if any(tag not in m.dimensions for tag in ([by] if by else []) + list(filters)):
                    return
                wanted = self._wanted(m, periods)
                _, needed = self._spans(m, wanted)
                self._plan_values(m, needed, by, filters, state, statements)
                if not by:
                    statements.update(dict.fromkeys(self._target_statements(m, wanted, state)))
        except NorthstarError:
            return
        if len(statements) < 2:
            return
        texts = list(statements)
        found = self.engine.rows_side_by_side([self.engine.transpile(t) for t in texts])
        self._prefetched = {t: rows for t, rows in zip(texts, found, strict=True)
                            if rows is not None}

    def _plan_values(self, m: MetricDef, periods: Sequence[Span], by: str | None,
                     filters: dict[str, str], state: _State, out: dict[str, None]) -> None:
        """The statements `_values` will run for a metric (in `out`, in order)."""
        if m.kind == "expression":
            for ref in m.referenced_metrics():
                self._plan_values(self.catalog.get(ref), periods, by, filters, state, out)
        elif m.kind in ("measure", "sql"):
            key, version_key = _slice_key(by, filters), self._version_key(m, state)
            _, found = self._lookup(m, periods, key, state)
            missing = [p for p in found
                       if (m.name, m.fingerprint, p, key, version_key) not in self._cache]
            if missing and not self.waiting_for(m, state):
                out.update(dict.fromkeys(self._live_statements(m, missing, by, filters, state)))

    def late_data(self, name: str, periods: Sequence[Period]) -> list[LateData]:
        """Frozen periods among `periods` whose value today's ledger would change: rows that
        arrived after the period froze. Computed live, never frozen; `recompute` takes them in."""
        m = self.catalog.get(name)
        if m.kind not in ("measure", "sql"):
            return []
        state = self.state()
        key, version = _slice_key(None, {}), self._corrections_version(m, state)
        frozen: dict[Period, Number | None] = {}
        for p in periods:
            snap = state.snapshots.get((m.name, str(p), key)) if self._closed(p) else None
            if snap is not None and snap[1] == version:
                frozen[p] = dict((s, _decode(v)) for s, v in snap[0]).get(None)
        if not frozen or self.waiting_for(m, state):
            return []
        version_key = self._version_key(m, state)
        wanted = [p for p in frozen
                  if (m.name, m.fingerprint, p, key, version_key) not in self._cache]
        if wanted:
            for span, values in self._live(m, wanted, None, {}, state).items():
                self._cache[(m.name, m.fingerprint, span, key, version_key)] = values
        out = []
        for p, was in frozen.items():
            live = self._cache[(m.name, m.fingerprint, p, key, version_key)].get(None)
            if (was is None) != (live is None) or (
                    was is not None and live is not None
                    and abs(Decimal(str(was)) - Decimal(str(live))) > Decimal("0.005")):
                out.append(LateData(m.name, str(p), was, live))
        return out

    def recompute(self, name: str, period: Period, *, reason: str, author: str) -> MetricValue:
        """Recompute a frozen period from today's ledger and freeze the new value (logged)."""
        if not reason.strip():
            raise NorthstarError("recomputing a frozen period needs a reason")
        m = self.catalog.get(name)
        if m.kind not in ("measure", "sql"):
            raise NorthstarError(f"metric {name} is {m.kind}; only measure and query metrics "
                                 "are frozen")
        state = self.state()
        live = self._live(m, [period], None, {}, state)[period]
        broken = m.not_to_freeze(live)
        if broken is not None:
            raise NorthstarError(
                f"{name} for {period} would be {broken}, which its metric file does not "
                "allow: not frozen again, the frozen value stays until the data is fixed")
        self.corrections.freeze_many([(
            name, str(period), _slice_key(None, {}), [[s, _encode(v)] for s, v in live.items()],
            m.fingerprint, self._corrections_version(m, state), reason,
        )], author=author)
        return self.compute([name], [period])[0]

    def state(self) -> _State:
        if (self._state is not None and self.engine.single_writer
                and self.engine.writes == self._state_writes):
            return self._state  # nobody else can write, and this process has not
        head = int(self.engine.scalar(f"SELECT coalesce(max(load_id), 0) FROM {LOG_TABLE}"))
        if self._state is not None and self._state.head == head:
            self._state_writes = self.engine.writes
            return self._state
        versions = self.corrections.ledger.versions()
        record_versions = self.corrections.record_versions()
        if not self.read_only:
            self.models.ensure(_view_signature(versions, record_versions))
        self._state = _State(
            head=head, versions=versions, record_versions=record_versions,
            manual=self.corrections.manual_values(),
            adjustments=self.corrections.metric_adjustments(),
            snapshots=self.corrections.snapshots(),
        )
        self._state_writes = self.engine.writes
        return self._state

    # -- values ----------------------------------------------------------------------------
    def _now(self) -> datetime:
        return self.now or datetime.now(UTC)

    def _values(self, m: MetricDef, periods: Sequence[Span], by: str | None,
                filters: dict[str, str], state: _State) -> dict[tuple[Span, SliceValue], Cell]:
        cells: dict[tuple[Span, SliceValue], Cell] = {}
        if m.kind == "expression":
            assert m.expression is not None
            parts = {ref: self._values(self.catalog.get(ref), periods, by, filters, state)
                     for ref in m.referenced_metrics()}
            keys = {k for part in parts.values() for k in part}
            # a balance with no rows before a period's end is nothing owed, and a count of no
            # rows in a slice is none (no client lost by this manager), not "no data"
            empty: dict[str, Number | None] = {
                ref: Decimal(0) if (self.catalog.get(ref).cumulative
                                    or is_count(self.catalog.get(ref)))
                and not self.waiting_for(self.catalog.get(ref), state) else None
                for ref in parts}
            for key in keys:
                inputs = {ref: part.get(key, (empty[ref],))[0] for ref, part in parts.items()}
                inputs.update(_built_ins(m, key[0]))
                cells[key] = (_number(evaluate(m.expression, inputs)), "computed", None)
        elif m.kind in ("measure", "sql"):
            for p, by_slice in self._data_values(m, periods, by, filters, state).items():
                for s, (v, origin) in by_slice.items():
                    cells[(p, s)] = (v, origin, None)
            if not by and is_count(m) and not self.waiting_for(m, state):
                # a count of nothing is 0 once its tables have loaded (no new customers this
                # quarter), not "no data"; never frozen as such, so a backfill still fills it
                for p in periods:
                    value, origin, adj = cells.get((p, None), (None, "computed", None))
                    if value is None:
                        cells[(p, None)] = (Decimal(0), origin, adj)
        if by or filters:
            return cells
        for p in periods:  # a metric's own corrections apply to its whole value
            value, origin, _ = cells.get((p, None), (None, "computed", None))
            delta = state.adjustments.get((m.name, str(p)))
            if delta is not None:
                value = (Decimal(str(value)) if value is not None else Decimal(0)) + delta
                if not isinstance(cells.get((p, None), (None,))[0], Decimal | None):
                    value = float(value)
            manual = state.manual.get((m.name, str(p)))
            if manual is not None:
                value, origin, delta = manual[0], "manual", None
            if value is not None or (p, None) in cells:
                cells[(p, None)] = (value, origin, delta)
        return cells

    def _data_values(self, m: MetricDef, periods: Sequence[Span], by: str | None,
                     filters: dict[str, str], state: _State,
                     ) -> dict[Span, dict[SliceValue, tuple[Number | None, str]]]:
        key = _slice_key(by, filters)
        corrections_version = self._corrections_version(m, state)
        version_key = self._version_key(m, state)
        out, missing = self._lookup(m, periods, key, state)
        if missing:
            cached = {p: self._cache.get((m.name, m.fingerprint, p, key, version_key))
                      for p in missing}
            live = {p: v for p, v in cached.items() if v is not None}
            to_compute = [p for p in missing if cached[p] is None]
            if to_compute:
                live.update(self._live(m, to_compute, by, filters, state))
            for p in missing:
                values = live[p]
                self._cache[(m.name, m.fingerprint, p, key, version_key)] = values
                # A closed period with no data yet is not frozen: a backfill may still fill it;
                # nor one whose value breaks `non_negative` or `checks.expect_nonzero`: it
                # waits for the data's fix.
                frozen = self._freezable(m, p, values)
                if frozen:
                    prior = state.snapshots.get((m.name, str(p), key))
                    reason = ("period closed" if prior is None else
                              "record correction to a table this metric reads")
                    payload = [[s, _encode(v)] for s, v in values.items()]
                    self._pending.append((m.name, str(p), key, payload, m.fingerprint,
                                          corrections_version, reason))
                    state.snapshots[(m.name, str(p), key)] = (payload, corrections_version,
                                                              reason)
                out[p] = {s: (v, "frozen" if frozen else "computed") for s, v in values.items()}
        return out

    def _freezable(self, m: MetricDef, p: Span,
                   values: dict[SliceValue, Number | None]) -> bool:
        """A closed period with data, none of it breaking the metric's freeze rules."""
        return (self.freeze and self._closed(p) and any(v is not None for v in values.values())
                and m.not_to_freeze(values) is None)

    def _lookup(self, m: MetricDef, periods: Sequence[Span], key: str, state: _State,
                ) -> tuple[dict[Span, dict[SliceValue, tuple[Number | None, str]]],
                           list[Span]]:
        """The periods a frozen snapshot or the cache can answer, and those to compute (a
        cached closed period with data still to be frozen among them: `_data_values` freezes
        the cached values, `_plan_values` plans no statement for it)."""
        corrections_version = self._corrections_version(m, state)
        version_key = self._version_key(m, state)
        out: dict[Span, dict[SliceValue, tuple[Number | None, str]]] = {}
        missing: list[Span] = []
        for p in periods:
            snap = state.snapshots.get((m.name, str(p), key)) if self._closed(p) else None
            if snap is not None and snap[1] == corrections_version:
                out[p] = {s: (_decode(v), "frozen") for s, v in snap[0]}
                continue
            cached = self._cache.get((m.name, m.fingerprint, p, key, version_key))
            # A cached closed period is served as is unless it has data still to be frozen.
            to_freeze = cached is not None and self._freezable(m, p, cached)
            if cached is not None and not to_freeze:
                out[p] = {s: (v, "computed") for s, v in cached.items()}
            else:
                missing.append(p)
        return out, missing

    def _shared(self, m: MetricDef, by: str | None, filters: dict[str, str],
                ) -> list[MetricDef]:
        """The other measure metrics that read the same rows as `m` (the same model, time
        column, filter and cumulative) and can be sliced the same way: one scan computes them
        all, and the read after finds them in the cache (estimates, estimates sold and total
        booked are three sums over the same sales events)."""
        if self._memo is None:
            return []
        memo_key = ("shared", m.name, m.fingerprint, by, tuple(sorted(filters)))
        found: list[MetricDef] | None = self._memo.get(memo_key)
        if found is None:
            tags = ([by] if by else []) + list(filters)
            found = self._memo[memo_key] = [
                x for x in sorted(self.catalog, key=lambda x: x.name)
                if x.name != m.name and x.kind == "measure" and x.model == m.model
                and x.time_column == m.time_column and x.filter == m.filter
                and x.cumulative == m.cumulative and x.measure != m.measure
                and all(tag in x.dimensions for tag in tags)]
        return found

    def _live_statements(self, m: MetricDef, periods: Sequence[Span], by: str | None,
                         filters: dict[str, str], state: _State, *, share: bool = True,
                         ) -> list[str]:
        """The statements that compute a measure or query metric for `periods` (a measure's
        with the measures `_shared` with it, unless `share` is False)."""
        if m.kind == "measure":
            assert m.model and m.time_column
            columns = self._columns(m.model, state)
            if m.time_column not in columns:
                raise MetricError(f"metric {m.name}: model {m.model!r} has no column "
                                  f"{m.time_column!r} (time_column)")
            time_is_date = columns[m.time_column] == "DATE"
            # one statement per kind of period: periods of one kind never overlap, which the
            # CASE that puts each row in its period relies on (a year asked for with its
            # quarters must still see every row)
            also = self._shared(m, by, filters) if share else []
            return [measure_sql(m, [self._bounds(p) for p in periods if p.kind == kind],
                                time_is_date=time_is_date, by=by, filters=filters, also=also)
                    for kind in dict.fromkeys(p.kind for p in periods)]
        assert m.sql is not None
        return [sql for _, sql in self._per_period_statements(m.sql, periods)]

    def _live(self, m: MetricDef, periods: Sequence[Span], by: str | None,
              filters: dict[str, str], state: _State,
              ) -> dict[Span, dict[SliceValue, Number | None]]:
        out: dict[Span, dict[SliceValue, Number | None]] = {p: {} for p in periods}
        if self.waiting_for(m, state):
            return out  # a table it reads has never been loaded: no data yet
        if m.kind == "measure":
            also = self._shared(m, by, filters)
            try:
                found = self._measure(m, also, periods, by, filters, state)
            except MetricError:
                if not also:
                    raise
                also = []  # one of the others fails: the metric on its own
                found = self._measure(m, also, periods, by, filters, state)
            key = _slice_key(by, filters)
            for x, values in zip(also, found[1:], strict=True):
                version_key = self._version_key(x, state)
                for p, by_slice in values.items():
                    self._cache.setdefault((x.name, x.fingerprint, p, key, version_key),
                                           by_slice)
            out = found[0]
        else:
            assert m.sql is not None
            for p, rows in self._per_period(m, m.sql, periods).items():
                if len(rows) > 1:
                    raise MetricError(f"metric {m.name}: the query returned {len(rows)} rows; "
                                      "it must return one row with a column `value`")
                out[p][None] = _number(rows[0][-1]) if rows else None
        return out

    def _measure(self, m: MetricDef, also: list[MetricDef], periods: Sequence[Span],
                 by: str | None, filters: dict[str, str], state: _State,
                 ) -> list[dict[Span, dict[SliceValue, Number | None]]]:
        """The values of a measure metric over `periods`, and of each of `also` (computed in
        the same statements, as further columns)."""
        group = [m, *also]
        outs: list[dict[Span, dict[SliceValue, Number | None]]] = [
            {p: {} for p in periods} for _ in group]
        bounds = {str(p): p for p in periods}
        kinds = list(dict.fromkeys(p.kind for p in periods))
        width = 2 if by else 1
        statements = self._live_statements(m, periods, by, filters, state, share=bool(also))
        for kind, sql in zip(kinds, statements, strict=True):
            rows = self._run(m, sql)
            labels = [str(p) for p in sorted((p for p in periods if p.kind == kind),
                                             key=lambda p: self._bounds(p)[2])]
            for i, out in enumerate(outs):
                column = [(*row[:width], row[width + i]) for row in rows]
                if m.cumulative:  # each period's balance: the running total up to its end
                    column = running_totals(column, labels, by is not None)
                for row in column:
                    out[bounds[str(row[0])]][row[1] if by else None] = _number(row[-1])
        if not by:  # a balance of nothing is 0; any other measure of no rows is no data
            for out in outs:
                for p in periods:
                    out[p].setdefault(None, Decimal(0) if m.cumulative else None)
        return outs

    def _per_period(self, m: MetricDef, sql: str, periods: Sequence[Span],
                    ) -> dict[Span, list[tuple[Any, ...]]]:
        """Run a query once per period, as one statement: each period's copy of the query,
        tagged with its index, joined by UNION ALL."""
        found: dict[Span, list[tuple[Any, ...]]] = {p: [] for p in periods}
        for chunk, statement in self._per_period_statements(sql, periods):
            for row in self._run(m, statement):
                found[chunk[row[0]]].append(row[1:])
        return found

    def _per_period_statements(self, sql: str, periods: Sequence[Span],
                               ) -> list[tuple[list[Span], str]]:
        out = []
        for start in range(0, len(periods), 64):
            chunk = list(periods[start:start + 64])
            parts = [
                f"SELECT {i} AS ns_period, ns_q.* FROM ("
                + fill_placeholders(sql.strip().rstrip(";"), self._bounds(p),
                                    self._bounds(self._last_year(p)), self._as_of(p))
                + "\n) AS ns_q" for i, p in enumerate(chunk)
            ]
            out.append((chunk, "\nUNION ALL\n".join(parts)))
        return out

    def _target(self, m: MetricDef, p: Period, state: _State,
                periods: list[Period] | None = None) -> float | None:
        """A period's target; a formula target is computed for all of `periods` at once."""
        if m.target is not None and str(p) in m.target.periods:
            return m.target.periods[str(p)]
        if p.kind == "week" and m.weekly_target is not None:
            return m.weekly_target  # declared for the weekly meeting (docs/weekly.md)
        if m.target is None:
            return None
        if m.target.sql is not None:
            version_key = self._target_version(m, state)
            if version_key is None:
                return None  # the target reads a table that has never been loaded
            key = (m.name, "target", m.target.sql, p, version_key)
            if key not in self._cache:
                wanted = self._target_missing(m, periods or [p], version_key)
                for q, rows in self._per_period(m, m.target.sql, wanted or [p]).items():
                    self._cache[(m.name, "target", m.target.sql, q, version_key)] = {
                        None: _number(rows[0][-1]) if rows else None}
            value = self._cache[key][None]
            return None if value is None else float(value)
        if self._spread(m, p):
            # a total over a period of another grain: the targets of the metric's own periods
            # in it, each times the share of it inside (100 a month: 300 a quarter; a week of
            # 3 of a 22-working-day month's working days: 100 x 3 / 22)
            total = 0.0
            for own, share in self.shares(m, p):
                target = m.target.periods.get(str(own), m.target.value)
                if target is None:
                    return None  # one of its periods has no target: nor has the whole
                total += target * share
            return total
        return m.target.value

    def _spread(self, m: MetricDef, p: Period) -> bool:
        """True when a target (and absolute bands) of `m` are spread over period `p`: a
        total (not a figure per month) asked for a period of another grain."""
        return p.kind != m.grain and self.pace_kind(m) == "total" and not _per_month(m)

    def shares(self, m: MetricDef, p: Period) -> list[tuple[Period, float]]:
        """The periods of the metric's grain overlapping `p`, each with the share of it
        inside `p`: of its working days (Monday to Friday) when `p` is finer (a week of a
        month, a month of a quarter), of its days when coarser (the weeks of a month)."""
        finer = KINDS.index(p.kind) < KINDS.index(m.grain)
        return self.calendar.overlaps(m.grain, p, working_days=finer)

    def _band_size(self, m: MetricDef, p: Period) -> float:
        """How many of the metric's own periods `p` holds, for absolute bands of a total
        judged over another grain (a monthly "green at 400" is green at 400 x 3 / 22 in a
        week of 3 of the month's 22 working days); 1 otherwise."""
        if m.bands is None or m.bands.relative_to != "absolute" or not self._spread(m, p):
            return 1.0
        return sum(share for _, share in self.shares(m, p))

    def _slice_target(self, m: MetricDef, p: Period, tag: str, value: SliceValue,
                      ) -> float | None:
        """The target of one slice (`target.slices`), for a period of any grain: a total's
        targets summed over the metric's own periods in it, as for `value`."""
        if m.target is None or value is None:
            return None
        own = m.target.slices.get(tag, {}).get(value)
        if own is None:
            return None
        if p.kind != m.grain and self.pace_kind(m) == "total" and not _per_month(m):
            return sum(own * share for _, share in self.calendar.overlaps(m.grain, p))
        return own

    def _filtered_target(self, m: MetricDef, p: Period, filters: dict[str, str], state: _State,
                         periods: list[Period]) -> float | None:
        """The target of a value filtered on tags: a slice's own target (`target.slices`)
        where one of the filters has one, else the metric's."""
        if m.target is not None:
            for tag, value in sorted(filters.items()):
                if value in m.target.slices.get(tag, {}):
                    return self._slice_target(m, p, tag, value)
        return self._target(m, p, state, periods)

    def _target_version(self, m: MetricDef, state: _State) -> tuple[tuple[str, int], ...] | None:
        """Versions of the tables a SQL target reads; None while one was never loaded."""
        assert m.target is not None and m.target.sql is not None
        deps = self._dependencies(f"{m.name}#target", sql_probe(m.target.sql))
        if any(t.startswith(RAW_PREFIX) and t not in state.versions for t in deps):
            return None
        found = tuple(sorted((t, state.versions.get(t, 0)) for t in deps))
        if uses_as_of(m.target.sql):  # today's value moves with the calendar, too
            found += (("as_of", self.today().toordinal()),)
        return found

    def _target_missing(self, m: MetricDef, periods: list[Period],
                        version_key: tuple[tuple[str, int], ...]) -> list[Period]:
        assert m.target is not None
        return [q for q in periods
                if (m.name, "target", m.target.sql, q, version_key) not in self._cache]

    def _target_statements(self, m: MetricDef, periods: list[Period],
                           state: _State) -> list[str]:
        """The statements `_target` will run for a metric's SQL target over `periods`."""
        if m.target is None or m.target.sql is None:
            return []
        if all(str(p) in m.target.periods for p in periods):
            return []  # every period has a target of its own: the SQL never runs
        version_key = self._target_version(m, state)
        if version_key is None:
            return []
        wanted = self._target_missing(m, periods, version_key)
        return [sql for _, sql in self._per_period_statements(m.target.sql, wanted)]

    # -- helpers ---------------------------------------------------------------------------
    def _run(self, m: MetricDef, sql: str) -> list[tuple[Any, ...]]:
        try:
            found = self._prefetched.pop(sql, None)
            result = found if found is not None else self.engine.rows(self.engine.transpile(sql))
        except NorthstarError as exc:
            raise MetricError(f"metric {m.name} failed: {exc}") from None
        except Exception as exc:  # the driver's message names the column or table at fault
            raise MetricError(f"metric {m.name} failed: {str(exc).splitlines()[0]}") from None
        if result and len(result[0]) < 1:
            raise MetricError(f"metric {m.name}: the query returned no columns")
        return result

    def _last_year(self, p: Span) -> Span:
        if isinstance(p, ToDate):
            return ToDate(self.calendar.same_period_last_year(p.period), p.days)
        return self.calendar.same_period_last_year(p)

    def _bounds(self, p: Span) -> Bounds:
        found = self._period_bounds.get(p)
        if found is None:  # time-zone arithmetic; a period's bounds never change
            start, end = self.calendar.dates(p)
            ustart, uend = self.calendar.utc_bounds(p)
            found = self._period_bounds[p] = (str(p), start, end, ustart, uend)
        return found

    def today(self) -> date:
        """Today in the company's time zone (by the fixed clock, in tests)."""
        now = self._now()
        if now.utcoffset() is None:
            now = now.replace(tzinfo=UTC)
        return now.astimezone(self.calendar.tz).date()

    def _as_of(self, p: Span) -> date:
        """The day a span's value is for (`{as_of}`): its last day, or today while it runs."""
        return as_of_day(self._bounds(p), self.today())

    def _closed(self, p: Span) -> bool:
        """`Calendar.is_closed` after `freeze_after`, from the period's cached bounds. The first
        days of a period, compared with an open one, are never frozen."""
        if isinstance(p, ToDate):
            return False
        now = None if self._memo is None else self._memo.get("closed_at")
        if now is None:
            now = naive_utc(self._now() - self.freeze_after)
            if self._memo is not None:
                self._memo["closed_at"] = now
        return bool(self._bounds(p)[4] <= now)

    def _columns(self, relation: str, state: _State) -> dict[str, str]:
        if relation not in state.columns:
            cols = self.models.column_types(relation)
            if cols is None:
                raise MetricError(f"there is no model or table named {relation!r}")
            state.columns[relation] = cols
        return state.columns[relation]

    def _dependencies(self, key: str, sql: str) -> set[str]:
        if key not in self._deps:
            self._deps[key] = self.models.raw_dependencies(sql)
        return self._deps[key]

    def _metric_dependencies(self, m: MetricDef) -> set[str]:
        key = m.name + m.fingerprint
        if key in self._deps:
            return self._deps[key]
        if m.kind == "measure":
            assert m.model is not None
            self.models.require(m.model, f"metric {m.name}")  # a typo is not "waiting for data"
            self._deps[key] = self.models.relation_dependencies(m.model)
            return self._deps[key]
        if m.kind == "sql":
            assert m.sql is not None
            return self._dependencies(key, sql_probe(m.sql))
        return set()

    def statements(self, m: MetricDef, period: Period) -> list[str]:
        """The SQL (DuckDB's dialect, before it is turned into the engine's) a measure or
        query metric runs for one period, its bounds filled in; none for an expression or a
        manual metric. What the calculation reference prints."""
        if m.kind == "measure":
            return self._live_statements(m, [period], None, {}, self.state(), share=False)
        if m.kind == "sql":
            assert m.sql is not None
            return [fill_placeholders(m.sql.strip().rstrip(";"), self._bounds(period),
                                      self._bounds(self._last_year(period)),
                                      self._as_of(period))]
        return []

    def sources(self, name: str) -> list[str]:
        """The ledger tables a metric reads, through its models (for an expression, those
        of the metrics it combines)."""
        m = self.catalog.get(name)
        if m.kind == "expression":
            return sorted({t for ref in m.referenced_metrics() for t in self.sources(ref)})
        return sorted(self._metric_dependencies(m))

    def arrives_after_close(self, m: MetricDef) -> bool:
        """Whether a metric's data comes only once a period is over (`pace.arrives`); an
        expression's does when any of the metrics it combines does."""
        if m.pace.arrives == "after_close":
            return True
        return m.kind == "expression" and any(
            self.arrives_after_close(self.catalog.get(ref)) for ref in m.referenced_metrics())

    def waiting_for(self, m: MetricDef, state: _State | None = None) -> list[str]:
        """Ledger tables a metric reads that have never been loaded (its source is not
        connected yet); for an expression, those of the metrics it combines."""
        state = state or self.state()
        if m.kind == "expression":
            return sorted({t for ref in m.referenced_metrics()
                           for t in self.waiting_for(self.catalog.get(ref), state)})
        return sorted(t for t in self._metric_dependencies(m)
                      if t.startswith(RAW_PREFIX) and t not in state.versions)

    def _version_key(self, m: MetricDef, state: _State) -> str:
        """The versions of the tables a metric reads, as text: part of every cache key, and
        a string's hash is worked out once (a year of days looks the cache up often)."""
        found = tuple(sorted((t, state.versions.get(t, 0), state.record_versions.get(t, 0))
                             for t in self._metric_dependencies(m)))
        if uses_as_of(m.sql):  # today's value moves with the calendar, not only the ledger
            found += (("as_of", self.today().toordinal(), 0),)
        return repr(found)

    def _corrections_version(self, m: MetricDef, state: _State) -> int:
        return max((state.record_versions.get(t, 0) for t in self._metric_dependencies(m)),
                   default=0)


def _labelled(m: MetricDef, value: Number | None) -> tuple[Number | None, str | None]:
    """A value and the words its metric shows for it, if any: a label with a `value` puts
    that number in its place (a cap)."""
    found = m.label_for(value)
    if found is None:
        return value, None
    if found.value is None:
        return value, found.text
    return (Decimal(str(found.value)) if isinstance(value, Decimal)
            else float(found.value)), found.text


def is_count(m: MetricDef) -> bool:
    """A measure metric that counts rows (`count(*)`, `count(distinct id)`): over a period
    with no rows its value is 0, not "no data"."""
    return m.kind == "measure" and additive_measure(m.measure) == "count"


def _built_ins(m: MetricDef, span: Span) -> dict[str, Number | None]:
    """The values of the built-in names (`months`) an expression uses, for one span. The first
    days of a period count the months of the whole period, as the open period they are
    compared with does."""
    assert m.expression is not None
    period = span.period if isinstance(span, ToDate) else span
    return {name: months_in(period.kind) for name in built_ins_in(m.expression)}


def _per_month(m: MetricDef) -> bool:
    """An expression divided by `months` is a figure per month (or, times 12, per year): its
    target holds for a period of any length, never summed over a quarter's months."""
    return m.expression is not None and "months" in built_ins_in(m.expression)


def _span_order(s: Span) -> tuple[Any, ...]:
    """Whole periods first (by kind, year, index), then the first days of periods (plain
    numbers and text compared: a year of days is sorted on every read)."""
    if isinstance(s, ToDate):
        return (1, s.period.kind, s.period.year, s.period.index, s.days)
    return (0, s.kind, s.year, s.index)


def _slice_key(by: str | None, filters: dict[str, str]) -> str:
    return json.dumps({"by": by, "filters": filters}, sort_keys=True)


def _view_signature(versions: dict[str, int], record_versions: dict[str, int]) -> str:
    """Changes whenever a raw table or a record correction changes, or the corrections
    ledger first appears (`ns_explanations` reads it from then on); drives view rebuilds."""
    raw = {t: v for t, v in versions.items() if t.startswith("raw_")}
    return json.dumps([raw, record_versions, ADJUSTMENTS in versions], sort_keys=True)
