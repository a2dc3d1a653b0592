"""The REST API under /api. Every answer is {"success": true, "data": ...} or
{"success": false, "error": {"code", "message", "status"}}. Token or session auth; session
writes also need the X-CSRF-Token header."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from northstar.checks import cached_checks
from northstar.errors import NorthstarError
from northstar.ledger.schema import TAGS
from northstar.web import notes, views
from northstar.web import scorecard as scorecards
from northstar.web import thresholds as th
from northstar.web.api_values import MetricValuesEnvelope, MyMetricEnvelope, WrittenValueEnvelope
from northstar.web.auth import Role, User, csrf_ok
from northstar.web.context import client_of, ctx, require, who
from northstar.web.dashboards import Tile, load_dashboards

TagName = StrEnum("TagName", {t: t for t in TAGS})  # type: ignore[misc]
"""A dimension tag, as the OpenAPI document lists them."""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ErrorBody(BaseModel):
    code: str
    message: str
    status: int


class Envelope(BaseModel):
    success: Literal[True] = True
    data: Any


class ErrorEnvelope(BaseModel):
    success: Literal[False] = False
    error: ErrorBody


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorEnvelope} for code in (400, 401, 403, 404, 422)}
router = APIRouter(prefix="/api", responses=ERRORS)


def ok(data: Any) -> dict[str, Any]:
    return {"success": True, "data": data}


def writer(request: Request, role: Role, action: str) -> User:
    """The user allowed to make this write; session callers must send the CSRF token."""
    _user, session = who(request)
    if session is not None and not csrf_ok(session, request.headers.get("x-csrf-token")):
        c = ctx(request)
        c.audit.record(c.settings.clock(), session.user.username, action, "denied",
                       {"why": "missing or wrong CSRF token"}, client_of(request))
        raise ApiError(403, "CSRF_FAILED", "send the X-CSRF-Token header of your session")
    return require(request, role, action)


LIMIT = Decimal("1e15")


def sane_amount(v: Decimal | None) -> Decimal | None:
    """Amounts people type: below a quadrillion, at most 10 decimal places."""
    if v is None:
        return v
    if not v.is_finite() or abs(v) >= LIMIT:
        raise ValueError("must be a finite number smaller than 1e15")
    if v != 0 and v.as_tuple().exponent < -10:  # type: ignore[operator]
        raise ValueError("at most 10 decimal places")
    return v


class ManualValueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1, description="Metric name, e.g. ebitda")
    period: str = Field(min_length=1,
                        description="2025-03-14, 2025-01, 2025-Q1, 2025-W03 or 2025")
    value: Decimal | None = Field(None, description="The value; omit with release=true")
    note: str | None = None
    release: bool = Field(False, description="Hand the period back to collection")

    _check_value = field_validator("value")(sane_amount)


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1)
    period: str = Field(min_length=1)
    delta: Decimal = Field(description="Amount netted into the metric's value for the period")
    reason: str = Field(min_length=1, description="Why: required, kept in the audit trail")

    _check_delta = field_validator("delta")(sane_amount)


@router.get("/me", response_model=Envelope, summary="Who is asking")
async def me(request: Request) -> dict[str, Any]:
    user = require(request)
    person = ctx(request).project.catalog.people.get(user.person_id)
    return ok({"username": user.username, "role": user.role, "person": user.person_id,
               "metric": person.metric if person else None})


@router.get("/metrics", response_model=MetricValuesEnvelope,
            summary="Metric values for a period")
async def metrics(request: Request, metric: str | None = None, period: str | None = None,
                  owner: str | None = None, department: str | None = None,
                  by: TagName | None = None) -> dict[str, Any]:
    """Values with target, status, attainment and comparisons. `owner` and `department` pick
    the metrics (owned by that person, of that department); `by` slices each by a tag."""
    require(request)
    p = ctx(request).project
    tag = None if by is None else str(by.value)
    names = [metric] if metric else list(p.catalog.metrics)
    if metric:
        p.catalog.get(metric)
    if owner:
        if owner not in p.catalog.people:
            raise ApiError(404, "UNKNOWN_PERSON", f"no person {owner!r} in people.yml")
        names = [n for n in names if (o := p.catalog.owner_of(n)) and o.id == owner]
    if department:
        names = [n for n in names if p.catalog.get(n).department == department]
    if tag:
        names = [n for n in names if tag in p.catalog.get(n).dimensions]
    values = p.compute(names, [period] if period else None, by=tag)
    return ok({"period": period, "metrics": [views.value_dict(p, v) for v in values]})


@router.get("/my-metric", response_model=MyMetricEnvelope,
            summary="The home page's numbers")
async def my_metric(request: Request, metric: str | None = None,
                    period: str | None = None) -> dict[str, Any]:
    user = require(request)
    p = ctx(request).project
    name = metric
    if name is None:
        person = p.catalog.people.get(user.person_id)
        name = person.metric if person else None
    if name is None:
        raise ApiError(404, "NO_METRIC", "you own no metric; pass ?metric=")
    return ok(views.my_metric(p, name, period))


@router.get("/scorecard", response_model=Envelope,
            summary="Every owner's metric, goal and last periods at one grain")
async def scorecard(request: Request, department: str | None = None,
                    grain: scorecards.Grain = scorecards.DEFAULT_GRAIN,
                    periods: int | None = Query(None, ge=1, le=60)) -> dict[str, Any]:
    require(request)
    p = ctx(request).project
    return ok(scorecards.scorecard(p, department, grain, periods))


@router.get("/thresholds", response_model=Envelope, summary="Bands and targets per metric")
async def get_thresholds(request: Request) -> dict[str, Any]:
    require(request)
    return ok(th.thresholds(ctx(request).project))


@router.post("/thresholds", response_model=Envelope, summary="Change a metric's bands/target")
async def post_thresholds(request: Request, body: th.ThresholdChange) -> dict[str, Any]:
    user = writer(request, "admin", "thresholds.change")
    c = ctx(request)
    result = th.change(c.project, body, user.person_id or user.username, c.settings.clock())
    c.audit.record(c.settings.clock(), user.username, "thresholds.change", "ok",
                   body.model_dump(), client_of(request))
    return ok(result)


@router.post("/manual-values", response_model=WrittenValueEnvelope,
             summary="Enter a manual value")
async def manual_values(request: Request, body: ManualValueIn) -> dict[str, Any]:
    user = writer(request, "editor", "manual_value.set")
    c = ctx(request)
    result = c.project.set_manual(body.metric, body.period, body.value, author=user.username,
                                  note=body.note, release=body.release)
    c.audit.record(c.settings.clock(), user.username, "manual_value.set", "ok",
                   {**body.model_dump(mode="json"), "load_id": result.load_id}, client_of(request))
    v = c.project.compute([body.metric], [body.period])[0]
    return ok({"load_id": result.load_id, "value": views.value_dict(c.project, v)})


@router.post("/adjustments", response_model=WrittenValueEnvelope,
             summary="Net a correction into a value")
async def adjustments(request: Request, body: AdjustmentIn) -> dict[str, Any]:
    user = writer(request, "editor", "adjustment.add")
    c = ctx(request)
    if not body.reason.strip():
        raise ApiError(422, "REASON_REQUIRED", "an adjustment needs a reason")
    result = c.project.adjust_metric(body.metric, body.period, body.delta,
                                     author=user.username, reason=body.reason)
    c.audit.record(c.settings.clock(), user.username, "adjustment.add", "ok",
                   {**body.model_dump(mode="json"), "load_id": result.load_id}, client_of(request))
    v = c.project.compute([body.metric], [body.period])[0]
    return ok({"load_id": result.load_id, "value": views.value_dict(c.project, v)})


@router.get("/annotations", response_model=Envelope, summary="Dated notes on a metric")
async def get_annotations(request: Request, metric: str) -> dict[str, Any]:
    require(request)
    return ok(notes.for_metric(ctx(request).project, metric))


@router.post("/annotations", response_model=Envelope, summary="Add a dated note to a metric")
async def post_annotation(request: Request, body: notes.AnnotationIn) -> dict[str, Any]:
    user = writer(request, "editor", "annotation.add")
    c = ctx(request)
    result = notes.add(c.project, body, user.username, c.settings.clock())
    c.audit.record(c.settings.clock(), user.username, "annotation.add", "ok",
                   body.model_dump(mode="json"), client_of(request))
    return ok(result)


@router.get("/collection-log", response_model=Envelope, summary="Loads, newest first")
async def collection_log(request: Request,
                         limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    require(request)
    c = ctx(request)
    health = views.source_health(c.project, c.settings.clock(), c.settings.stale_hours)
    return ok({"loads": views.collection_log(c.project, limit),
               "sources": [h.__dict__ for h in health]})


@router.get("/drill/{metric}", response_model=Envelope, summary="Rows behind a number")
async def drill(request: Request, metric: str, period: str | None = None,
                page: int = Query(1, ge=1, le=10**6), size: int = Query(50, ge=1, le=1000),
                ) -> dict[str, Any]:
    require(request)
    return ok(views.drill(ctx(request).project, metric, period, page, size))


@router.get("/checks", response_model=Envelope, summary="Data checks and their results")
async def checks(request: Request) -> dict[str, Any]:
    """Every data check of the project on the current ledger (cached until the next load):
    status pass / fail / error / waiting, failing-row count and the first failing rows.
    `alarming` is true when an error-severity check failed or could not run."""
    require(request)
    results = cached_checks(ctx(request).project)
    return ok({"alarming": any(r.alarming for r in results),
               "checks": [r.as_dict() for r in results]})


@router.get("/dashboards", response_model=Envelope, summary="Dashboard files")
async def dashboards(request: Request) -> dict[str, Any]:
    require(request)
    p = ctx(request).project
    return ok([b.model_dump() for b in load_dashboards(p.root, p.catalog).values()])


@router.get("/models/{name}", response_model=Envelope, summary="A model table's rows")
async def model_rows(request: Request, name: str, dashboard: str | None = None,
                     tile: int | None = Query(None, ge=0, le=1000),
                     page: int = Query(1, ge=1, le=10**6),
                     size: int = Query(25, ge=1, le=1000)) -> dict[str, Any]:
    """The rows of model view `name`, unformatted. With `dashboard` and `tile` (its position
    on the dashboard, from 0), the rows that tile shows: its columns, condition, order, limit
    and pinned totals, paged as the page pages them. Without, every column, at most 200 rows."""
    from northstar.web.tables import model_json

    require(request)
    p = ctx(request).project
    if name not in p.models.by_name:
        raise ApiError(404, "UNKNOWN_MODEL", f"There is no model {name!r}; the models are: "
                       + ", ".join(sorted(p.models.by_name)) + ".")
    if (dashboard is None) != (tile is None):
        raise ApiError(400, "BAD_REQUEST", "Give both dashboard and tile, or neither.")
    shown = Tile(model=name, visual="table")
    if dashboard is not None and tile is not None:
        board = views.dashboards(p).get(dashboard)  # read again only when a file changed
        if board is None or tile >= len(board.tiles) or board.tiles[tile].model != name:
            raise ApiError(404, "UNKNOWN_TILE", f"Dashboard {dashboard!r} has no tile {tile} "
                           f"showing model {name!r}.")
        shown = board.tiles[tile]
    return ok(model_json(p, shown, page, size))


@router.get("/audit", response_model=Envelope, summary="The audit log (admins)")
async def audit(request: Request, limit: int = Query(200, ge=1, le=5000),
                offset: int = Query(0, ge=0, le=10**9)) -> dict[str, Any]:
    require(request, "admin", "audit.read")
    log = ctx(request).audit
    return ok({"entries": [e.__dict__ for e in log.entries(limit, offset)],
               "problems": log.verify()})


def error_for(exc: Exception) -> ApiError:
    """The API error a NorthstarError becomes."""
    from northstar.errors import MetricError, PeriodError, UnknownMetricError

    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, PeriodError):
        return ApiError(400, "INVALID_PERIOD", str(exc))
    if isinstance(exc, UnknownMetricError):
        return ApiError(404, "UNKNOWN_METRIC", str(exc))
    if isinstance(exc, MetricError):
        return ApiError(422, "METRIC_FAILED", str(exc))
    if isinstance(exc, NorthstarError):
        return ApiError(400, "BAD_REQUEST", str(exc))
    raise exc
