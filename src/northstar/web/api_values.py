"""The shape of a metric value in the REST API, as the OpenAPI document publishes it: every
field `views.value_dict` writes, typed and described (docs/api.md, "A metric value")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, WithJsonSchema


class FormattedValue(BaseModel):
    """The numbers of a value as a person reads them: $40.38K, 41.2%, 0.7x, +1.2 pts."""

    value: str = Field(description="The value, or the words shown for it (a label)")
    target: str
    previous: str
    last_year: str
    change_previous: str
    change_last_year: str
    pace_target: str
    projected: str
    attainment: str | None = Field(
        description="The attainment in whole percent (89%); null when there is none")


class MetricValueOut(BaseModel):
    """One metric's value for a period: target, status, attainment and comparisons."""

    metric: str
    title: str
    unit: str
    period: str
    slice: dict[str, str | None] = Field(description="The tag values it is filtered to")
    value: float | None
    target: float | None
    status: str | None = Field(description="green, yellow, red, grey (no value) or null "
                               "(neither bands nor target, or not graded yet)")
    action: str | None = Field(description="The metric file's text for the status")
    attainment: float | None = Field(
        description="How much of the target the value reaches: value / target, or target / "
        "value when lower is better (88% against 99% is 0.889); against the target by today "
        "for an open total. Null without a target, for a target of 0 or below, a "
        "lower-is-better value of 0 or below, a value shown in words, or one not graded yet")
    previous: float | None
    previous_period: str
    last_year: float | None
    last_year_period: str
    origin: Literal["computed", "frozen", "manual"]
    adjustment: float | None = Field(description="A correction netted into the value")
    owner: str | None
    department: str
    open: bool = Field(description="The period is under way: the value is so far")
    elapsed: float | None = Field(description="For an open period, the share of it gone")
    pace: str | None = Field(description="For an open period: total, rate or level")
    pace_target: float | None = Field(
        description="For an open total, the target pro-rated to the time gone")
    projected: float | None = Field(
        description="For an open total, where the period ends at today's pace")
    label: str | None = Field(description="Words shown instead of the value")
    previous_label: str | None
    last_year_label: str | None
    formatted: FormattedValue
    pace_text: str | None = Field(description="How an open period is judged, in a sentence")


class MetricValues(BaseModel):
    period: str | None
    metrics: list[MetricValueOut]


class MetricValuesEnvelope(BaseModel):
    success: Literal[True] = True
    data: MetricValues


class WrittenValue(BaseModel):
    load_id: int = Field(description="The ledger load the entry was appended in")
    value: MetricValueOut = Field(description="The metric's value for the period, after it")


class WrittenValueEnvelope(BaseModel):
    success: Literal[True] = True
    data: WrittenValue


class ManualEntry(BaseModel):
    author: str
    note: str | None


class MyMetric(BaseModel):
    """The home page's numbers."""

    metric: str
    title: str
    description: str
    unit: str
    direction: str
    grain: str
    kind: str
    owner: str | None
    owner_name: str | None
    department: str
    current: MetricValueOut
    trend: list[MetricValueOut]
    last_closed: MetricValueOut | None = Field(
        description="The newest closed period, while the current one is open")
    manual: ManualEntry | None
    bands: str | None
    findings: list[str]
    refreshed_at: Annotated[datetime | None, WithJsonSchema(
        {"anyOf": [{"type": "string"}, {"type": "null"}],
         "description": "The last good load, in UTC (ISO 8601, without an offset)"})]
    formula: str
    pacing: dict[str, Any] | None
    annotations: list[dict[str, Any]]


class MyMetricEnvelope(BaseModel):
    success: Literal[True] = True
    data: MyMetric
