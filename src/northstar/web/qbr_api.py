"""The QBR API (seed 002, section 10) over the metric layer: the layout's inputs per month
and per quarter, the SmartNumbers, their thresholds, and manual entry.

Every value is the metric layer's (`Project.compute`), as the QBR page shows it; thresholds
go to the app's threshold overrides (`ns_web_thresholds`) and manual values to the ledger's
manual values (`ns_manual_values`), which collection never overwrites."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from northstar.qbr import QbrLayout
from northstar.web import qbr
from northstar.web import thresholds as th
from northstar.web.api import ERRORS, ApiError, sane_amount, writer
from northstar.web.context import client_of, ctx, require

router = APIRouter(prefix="/api/qbr", responses=ERRORS, tags=["qbr"])
MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")
QUARTER = re.compile(r"[0-9]{4}-Q[0-9]")
ORGANIZATION = 1
"""The one organization (seed 002, section 2): the project's company."""


class QbrMetric(BaseModel):
    """One metric's value for a period, and where it came from."""

    metric_name: str
    title: str
    section: str | None = Field(description="The qbr.yml section that lists it")
    period: str
    value: float | None
    unit: str
    formatted_value: str = Field(description="As the QBR page writes it, e.g. $42.00K")
    status: str | None = Field(description="green, yellow, red, grey (no value) or null")
    target: float | None
    formatted_target: str
    previous: float | None
    previous_period: str
    last_year: float | None
    last_year_period: str
    change_previous: str
    change_last_year: str
    data_source: Literal["collected", "manual"]
    vendor_id: int | None = Field(description="The vendor (qbr.yml `vendors`) of the source "
                                  "it reads; null when it reads several or none is mapped")
    vendor_ids: list[int]
    sources: list[str] = Field(description="Sources whose loads filled the tables it reads")
    open: bool = Field(description="The period is under way: the value is so far")
    collected_at: datetime | None = Field(description="Last good load of the tables it reads")
    manually_entered_by: str | None
    manually_entered_at: datetime | None
    notes: str | None


class QbrMetrics(BaseModel):
    period: str
    organization_id: int
    metrics: list[QbrMetric]


class QbrMetricsEnvelope(BaseModel):
    success: Literal[True] = True
    data: QbrMetrics


class QbrThreshold(BaseModel):
    metric_name: str
    title: str
    section: str | None
    unit: str
    direction: str
    relative_to: str | None = Field(description="target (fractions of it) or absolute")
    green: float | None
    yellow: float | None
    target: float | None
    source: Literal["file", "override"]


class QbrThresholds(BaseModel):
    thresholds: list[QbrThreshold]


class QbrThresholdsEnvelope(BaseModel):
    success: Literal[True] = True
    data: QbrThresholds


class QbrThresholdEnvelope(BaseModel):
    success: Literal[True] = True
    data: QbrThreshold


class QbrThresholdIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric_name: str = Field(min_length=1)
    relative_to: Literal["target", "absolute"] | None = None
    green: float | None = Field(None, allow_inf_nan=False)
    yellow: float | None = Field(None, allow_inf_nan=False)
    target: float | None = Field(None, allow_inf_nan=False)
    reason: str = Field(min_length=1, description="Why: kept with the change")


class QbrManualIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric_name: str = Field(min_length=1)
    period: str = Field(min_length=1, description="YYYY-MM or YYYY-QN")
    value: Decimal | None = Field(None, description="The value; omit with data_source "
                                  "'collected'")
    notes: str | None = None
    data_source: Literal["manual", "collected"] = Field(
        "manual", description="'collected' hands the period back to collection")

    _check_value = field_validator("value")(sane_amount)


class QbrManualEnvelope(BaseModel):
    success: Literal[True] = True
    data: QbrMetric


def _period(text: str, kinds: tuple[str, ...]) -> str:
    patterns = {"month": (MONTH, "YYYY-MM"), "quarter": (QUARTER, "YYYY-QN")}
    if not any(patterns[k][0].fullmatch(text) for k in kinds):
        forms = " or ".join(patterns[k][1] for k in kinds)
        raise ApiError(400, "INVALID_PERIOD", f"Period format must be {forms}")
    return text


def _layout(request: Request) -> QbrLayout:
    try:
        return qbr.layout(ctx(request).project)
    except qbr.NoQbr as exc:
        raise ApiError(404, "NO_QBR", str(exc)) from None


def _organization(organization_id: int) -> None:
    if organization_id != ORGANIZATION:
        raise ApiError(404, "UNKNOWN_ORGANIZATION",
                       f"organization {organization_id} does not exist; the only one is 1")


def _metrics(request: Request, which: Literal["inputs", "smart"], period: str,
             kinds: tuple[str, ...], organization_id: int, vendor_id: int | None,
             metric_name: str | None) -> dict[str, Any]:
    """The envelope of one QBR list (the inputs or the SmartNumbers) for a period."""
    require(request)
    _organization(organization_id)
    lay = _layout(request)
    names = lay.inputs if which == "inputs" else lay.smart
    _period(period, kinds)
    p = ctx(request).project
    if metric_name is not None:
        if metric_name not in names:
            raise ApiError(404, "UNKNOWN_METRIC", f"{metric_name!r} is not one of this "
                           "list's metrics in qbr.yml")
        names = [metric_name]
    start = p.calendar.utc_bounds(p.period(period))[0]
    if start > qbr.now_utc(p):  # the devices managed today say nothing of next year
        raise ApiError(404, "NO_DATA", f"no data for {period}: it has not begun")
    items = qbr.metric_items(p, p.compute(names, [period]))
    if vendor_id is not None:
        items = [i for i in items if vendor_id in i["vendor_ids"]]
    if not any(i["value"] for i in items):  # nothing, or nothing but zeros (a count of
        raise ApiError(404, "NO_DATA", f"no data for {period}")  # devices before any loaded)
    return {"success": True, "data": {"period": str(p.period(period)),
                                      "organization_id": ORGANIZATION, "metrics": items}}


@router.get("/metrics/monthly", response_model=QbrMetricsEnvelope,
            summary="The QBR's input metrics for a month")
async def monthly(request: Request, period: str, organization_id: int = ORGANIZATION,
                  vendor_id: int | None = None, metric_name: str | None = None,
                  ) -> dict[str, Any]:
    """Every metric of qbr.yml's input sections for `period` (YYYY-MM); `vendor_id` keeps the
    metrics read from that vendor's source, `metric_name` one metric."""
    return _metrics(request, "inputs", period, ("month",), organization_id, vendor_id,
                    metric_name)


@router.get("/metrics/quarterly", response_model=QbrMetricsEnvelope,
            summary="The QBR's input metrics for a quarter")
async def quarterly(request: Request, period: str, organization_id: int = ORGANIZATION,
                    vendor_id: int | None = None, metric_name: str | None = None,
                    ) -> dict[str, Any]:
    """The same for a quarter (YYYY-QN): flows summed, levels at the quarter's end, ratios
    from their parts, as each metric's formula computes them for the quarter."""
    return _metrics(request, "inputs", period, ("quarter",), organization_id, vendor_id,
                    metric_name)


@router.get("/smartnumbers", response_model=QbrMetricsEnvelope,
            summary="The SmartNumbers for a month or a quarter")
async def smartnumbers(request: Request, period: str, organization_id: int = ORGANIZATION,
                       metric_name: str | None = None) -> dict[str, Any]:
    """The SmartNumbers of qbr.yml for a month (YYYY-MM) or a quarter (YYYY-QN), each with the
    period before it and the same period last year."""
    return _metrics(request, "smart", period, ("month", "quarter"), organization_id, None,
                    metric_name)


def _threshold(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    lay = _layout(request)
    bands, target = row["bands"] or {}, row["target"] or {}
    return {"metric_name": row["metric"], "title": row["title"],
            "section": lay.section_of(row["metric"]), "unit": row["unit"],
            "direction": row["direction"], "relative_to": bands.get("relative_to"),
            "green": bands.get("green"), "yellow": bands.get("yellow"),
            "target": target.get("value"), "source": row["source"]}


@router.get("/thresholds", response_model=QbrThresholdsEnvelope,
            summary="Bands and targets of the QBR's metrics")
async def get_thresholds(request: Request) -> dict[str, Any]:
    require(request)
    p = ctx(request).project
    lay = _layout(request)
    wanted = set(lay.smart + lay.inputs)
    rows = [_threshold(request, t) for t in th.thresholds(p) if t["metric"] in wanted]
    return {"success": True, "data": {"thresholds": rows}}


@router.post("/thresholds", response_model=QbrThresholdEnvelope,
             summary="Change a QBR metric's bands or target (admins)")
async def post_thresholds(request: Request, body: QbrThresholdIn) -> dict[str, Any]:
    """Appended to the app's threshold overrides: every page's status follows at once."""
    user = writer(request, "admin", "thresholds.change")
    c = ctx(request)
    lay = _layout(request)
    if body.metric_name not in lay.smart + lay.inputs:
        raise ApiError(404, "UNKNOWN_METRIC", f"{body.metric_name!r} is not in qbr.yml")
    change = th.ThresholdChange(metric=body.metric_name, relative_to=body.relative_to,
                                green=body.green, yellow=body.yellow, target=body.target,
                                reason=body.reason)
    row = th.change(c.project, change, user.person_id or user.username, c.settings.clock())
    c.audit.record(c.settings.clock(), user.username, "thresholds.change", "ok",
                   change.model_dump(), client_of(request))
    return {"success": True, "data": _threshold(request, row)}


@router.post("/metrics/manual", response_model=QbrManualEnvelope,
             summary="Enter a metric's value by hand (editors and admins)")
async def manual(request: Request, body: QbrManualIn) -> dict[str, Any]:
    """Kept in the ledger's manual values with who entered it and the notes; it wins over
    collection until `data_source: "collected"` hands the period back."""
    user = writer(request, "editor", "manual_value.set")
    c = ctx(request)
    lay = _layout(request)
    if body.metric_name not in lay.smart + lay.inputs:
        raise ApiError(404, "UNKNOWN_METRIC", f"{body.metric_name!r} is not in qbr.yml")
    period = _period(body.period, ("month", "quarter"))
    release = body.data_source == "collected"
    if not release and body.value is None:
        raise ApiError(400, "BAD_REQUEST", "a manual value needs `value`")
    result = c.project.set_manual(body.metric_name, period, body.value, author=user.username,
                                  note=body.notes, release=release)
    c.audit.record(c.settings.clock(), user.username, "manual_value.set", "ok",
                   {**body.model_dump(mode="json"), "load_id": result.load_id},
                   client_of(request))
    v = c.project.compute([body.metric_name], [period])[0]
    return {"success": True, "data": qbr.metric_items(c.project, [v])[0]}
