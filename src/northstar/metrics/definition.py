"""A metric file, as a typed object. docs/metric-files.md is the reference for users."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from northstar.ledger.schema import TAGS
from northstar.models.views import SqlSyntaxError, check_expression, table_references
from northstar.periods import KINDS, PeriodKind

Unit = Literal["usd", "percent", "ratio", "count", "days", "number"]
Status = Literal["green", "yellow", "red", "grey"]
PLACEHOLDERS = ("period_start", "period_end", "prior_start", "prior_end", "period_start_utc",
                "period_end_utc", "prior_start_utc", "prior_end_utc", "as_of")
_NAME = r"^[a-z][a-z0-9_]*$"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def uses_as_of(sql: str | None) -> bool:
    """Whether a query asks for `{as_of}`, the day its value is for: its value then moves with
    the calendar (today, for the open period), not only with the ledger."""
    return sql is not None and "{as_of}" in sql


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def additive_measure(measure: str | None) -> Literal["sum", "count"] | None:
    """Whether a measure adds up row by row: "sum" for `sum(...)`, "count" for `count(*)` or
    `count(distinct id)`, None for anything else (an average, a quotient). Spaces and case
    do not matter. The one reading of a measure's shape: cumulative metrics, the pace kind
    (a total or a rate) and a count's zero over a period without rows all use it."""
    text = re.sub(r"\s+", "", measure or "").lower()
    if "/" in text:
        return None
    if text.startswith("sum("):
        return "sum"
    if text.startswith("count("):
        return "count"
    return None


def sql_probe(sql: str) -> str:
    """A query metric's or target's SQL with every placeholder filled, so it parses."""
    return _PLACEHOLDER.sub("DATE '2000-01-01'", sql)


def _check_sql(sql: str, what: str) -> str:
    for name in _PLACEHOLDER.findall(sql):
        if name not in PLACEHOLDERS:
            raise ValueError(f"{what} uses {{{name}}}; the placeholders are "
                             + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
    try:
        table_references(sql_probe(sql))  # parsed once: the metric layer reads this result
    except SqlSyntaxError as exc:
        raise ValueError(f"{what} is not valid SQL: {exc}") from None
    return sql


class Target(_Strict):
    value: float | None = None
    """Target for every period of the metric's grain."""
    periods: dict[str, float] = {}
    """Targets for named periods ("2025-12": 800000); these win over `value` and `sql`."""
    sql: str | None = None
    """A query returning one row with a column `value`, e.g. total quota from the CRM."""
    slices: dict[str, dict[str, float]] = {}
    """Targets of one tag's values (`{team: {Phoenix-Sales: 12}}`), each for every period of
    the metric's grain: a value sliced by that tag, or filtered on one of its values, is judged
    against its own target instead of the whole company's."""

    @field_validator("slices")
    @classmethod
    def _slice_tags(cls, v: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for tag in v:
            if tag not in TAGS:
                raise ValueError(f"target slices: {tag!r} is not a tag; tags are: "
                                 f"{', '.join(TAGS)}")
        return v

    @field_validator("sql")
    @classmethod
    def _valid_sql(cls, v: str | None) -> str | None:
        return None if v is None else _check_sql(v, "target sql")


class Bands(_Strict):
    relative_to: Literal["target", "absolute"] = "target"
    """`target`: thresholds are fractions of the target; `absolute`: values in the metric's unit."""
    green: float
    """At or beyond this (above for `higher`, below for `lower`) the status is green."""
    yellow: float
    """At or beyond this the status is yellow; anything worse is red."""


class Pace(_Strict):
    """How the period in progress is judged (docs/metric-files.md, "Open periods")."""

    kind: Literal["total", "rate", "level"] | None = None
    """`total`: a running sum, judged against the target pro-rated to the time gone; `rate`: a
    ratio or average, judged against the target itself once `minimum` of the period is gone;
    `level`: a balance or count as of now, judged against the target itself. Default: worked
    out from the formula (a sum or count is a total; a percent, ratio or average a rate; a
    query or manual value a level)."""
    by: Literal["days", "working_days"] = "days"
    """What "time gone" counts: calendar days, or Monday-to-Friday working days."""
    minimum: float = Field(0.25, ge=0, le=1)
    """For a rate: the share of the period that must be gone before it gets a status."""
    arrives: Literal["live", "after_close"] = "live"
    """`live`: the data comes in as things happen, so a total with nothing yet is 0 so far;
    `after_close`: it comes once the period is over (a figure entered each month, the books
    exported after they are closed), so nothing yet means "not entered yet", not 0."""


class Actions(_Strict):
    green: str | None = None
    yellow: str | None = None
    red: str | None = None
    grey: str | None = None


class MetricChecks(_Strict):
    """Suspicious values, checked after every collection run (docs/collection.md); a negative
    value is `non_negative`'s business."""

    expect_nonzero: bool = False
    """A closed period whose value is zero or empty, once the metric has had a value, is recorded
    for review (zero tickets, zero endpoints: usually a source that stopped sending)."""
    max_change: float | None = Field(None, gt=0)
    """A closed period that moved more than this (0.5 = 50%) from the period before it is
    recorded as a warning."""

    @field_validator("max_change")
    @classmethod
    def _a_share(cls, v: float | None) -> float | None:
        if v is not None and v > 10:
            raise ValueError(f"max_change is a share of the period before (0.5 = 50%); {v:g} "
                             f"would allow a {v:,.0%} change. Write 0.5 for 50%")
        return v


class AsanaGoal(_Strict):
    """The Asana goal whose current value Northstar keeps up to date (docs/asana.md)."""

    goal: str
    """The goal's gid: the long number in its Asana address (`.../goal/1204...`). Quote it in
    YAML, or it is read as a number."""
    set_target: bool = False
    """Also set the goal's target to the metric's target for the period."""
    overwrite: bool = False
    """Push even when someone changed the goal by hand in Asana since Northstar last did."""

    @field_validator("goal", mode="before")
    @classmethod
    def _quoted(cls, v: object) -> object:
        if isinstance(v, int | float) and not isinstance(v, bool):
            raise ValueError(f'quote the goal gid ({v!r}): goal: "{v}", or YAML may round it')
        return v

    @field_validator("goal")
    @classmethod
    def _gid(cls, v: str) -> str:
        if not re.fullmatch(r"[0-9]{1,40}", v):
            found = re.findall(r"[0-9]{4,}", v)
            hint = f': goal: "{found[-1]}"' if found else ""
            raise ValueError(f"{v!r} is not a goal gid: give the long number in the goal's "
                             f"Asana address{hint}")
        return v


def phrase(text: str) -> str:
    """A name, title or synonym as a question would write it: lower case, `_` as a space,
    blanks collapsed (`Net_Revenue ` reads `net revenue`). Two metrics may not share one."""
    return " ".join(text.replace("_", " ").lower().split())


class ValueLabel(_Strict):
    """Words shown instead of a value a number would mislead on ("not burning" rather than 99
    months; "more than 36 months" rather than 300): docs/metric-files.md, "Labels"."""

    text: str = Field(min_length=1)
    """What pages, the API and the CLI show instead of the number."""
    above: float | None = None
    """The label is for values above this..."""
    at_least: float | None = None
    """...at or above this..."""
    below: float | None = None
    """...below this..."""
    at_most: float | None = None
    """...at or below this..."""
    equals: float | None = None
    """...or exactly this (give one or more; a value must meet all of them)."""
    value: float | None = None
    """The number a labelled value stands for: charts draw it, the status is judged on it and
    comparisons start from it (a cap: 36 for "more than 36 months"). Default: the value."""

    @model_validator(mode="after")
    def _a_condition(self) -> ValueLabel:
        if all(getattr(self, f) is None for f in ("above", "at_least", "below", "at_most",
                                                 "equals")):
            raise ValueError("a label needs a condition: above, at_least, below, at_most or "
                             "equals")
        return self

    def matches(self, v: float) -> bool:
        return ((self.above is None or v > self.above)
                and (self.at_least is None or v >= self.at_least)
                and (self.below is None or v < self.below)
                and (self.at_most is None or v <= self.at_most)
                and (self.equals is None or v == self.equals))


class MetricDef(_Strict):
    name: str = Field(pattern=_NAME)
    title: str
    description: str
    synonyms: list[str] = []
    """Other words people use for the metric ("sales", "top line"), so a question asked in
    them finds it (docs/ask.md); no two metrics may share one."""
    owner: str | None = None
    department: str
    unit: Unit = "number"
    decimals: int | None = Field(None, ge=0, le=6)
    direction: Literal["higher", "lower"] = "higher"
    grain: PeriodKind = "month"
    dimensions: list[str] = []
    non_negative: bool = False
    checks: MetricChecks = MetricChecks()
    target: Target | None = None
    weekly_target: float | None = None
    """The target of every ISO week, for a metric of another grain (the weekly meeting,
    docs/weekly.md); without it a week's target is worked out from `target`. A week named in
    `target.periods` ("2025-W03") keeps its own."""
    bands: Bands | None = None
    pace: Pace = Pace()
    actions: Actions = Actions()
    # exactly one way of computing the value
    model: str | None = None
    measure: str | None = None
    time_column: str | None = None
    filter: str | None = None
    cumulative: bool = False
    sql: str | None = None
    expression: str | None = None
    manual: bool = False
    asana: AsanaGoal | None = None
    labels: list[ValueLabel] = []

    def label_for(self, value: Decimal | float | None) -> ValueLabel | None:
        """The first of `labels` a value meets, if any (none for no value)."""
        if value is None or not self.labels:
            return None
        v = float(value)
        return next((lab for lab in self.labels if lab.matches(v)), None)

    @field_validator("name")
    @classmethod
    def _not_built_in(cls, v: str) -> str:
        from northstar.metrics.expression import BUILT_INS

        if v in BUILT_INS:
            raise ValueError(f"{v!r} is a built-in name of expressions ({BUILT_INS[v]}); "
                             "give the metric another name")
        return v

    @field_validator("synonyms")
    @classmethod
    def _synonyms(cls, v: list[str]) -> list[str]:
        seen: dict[str, str] = {}
        for word in v:
            key = phrase(word)
            if not key:
                raise ValueError("a synonym must have a word in it")
            if key in seen:
                raise ValueError(f"{word!r} is listed twice (as {seen[key]!r})")
            seen[key] = word
        return v

    @field_validator("grain", mode="before")
    @classmethod
    def _grain(cls, v: object) -> object:
        if isinstance(v, str) and v.lower() not in KINDS:
            raise ValueError(f"grain must be one of {', '.join(KINDS)}")
        return v

    @field_validator("weekly_target")
    @classmethod
    def _weekly_target(cls, v: float | None, info: ValidationInfo) -> float | None:
        if v is not None and info.data.get("grain") == "week":
            raise ValueError("a weekly metric's target is already per week: give it as "
                             "target: {value: ...}, not weekly_target")
        return v

    @field_validator("dimensions")
    @classmethod
    def _dimensions(cls, v: list[str]) -> list[str]:
        for tag in v:
            if tag not in TAGS:
                raise ValueError(f"{tag!r} is not a tag; tags are: {', '.join(TAGS)}")
        return v

    @field_validator("sql")
    @classmethod
    def _sql(cls, v: str | None) -> str | None:
        return None if v is None else _check_sql(v, "sql")

    @model_validator(mode="after")
    def _one_formula(self) -> MetricDef:
        kinds = [k for k, on in (
            ("model/measure", self.model is not None or self.measure is not None),
            ("sql", self.sql is not None),
            ("expression", self.expression is not None),
            ("manual", self.manual),
        ) if on]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "none"
            raise ValueError("give exactly one formula: model+measure+time_column, sql, "
                             f"expression or manual: true (found {found})")
        if kinds[0] == "model/measure":
            missing = [f for f in ("model", "measure", "time_column") if getattr(self, f) is None]
            if missing:
                raise ValueError(f"a measure metric needs {', '.join(missing)}")
            for what, text in (("measure", self.measure), ("filter", self.filter)):
                if text is not None:
                    try:
                        check_expression(text)
                    except SqlSyntaxError as exc:
                        raise ValueError(f"{what} is not valid SQL: {exc}") from None
        if self.cumulative:
            if kinds[0] != "model/measure":
                raise ValueError("cumulative is for a measure metric (model, measure, "
                                 "time_column)")
            if additive_measure(self.measure) is None:
                raise ValueError("a cumulative measure adds up every row before a period's end: "
                                 "it must be a sum(...) or count(...), not "
                                 f"{self.measure!r}")
        if self.target is not None and self.target.slices:
            unknown = [t for t in self.target.slices if t not in self.dimensions]
            if unknown:
                raise ValueError(f"target slices name {unknown[0]!r}, which is not one of the "
                                 "metric's dimensions")
        if kinds[0] != "model/measure" and kinds[0] != "expression" and self.dimensions:
            raise ValueError("only measure and expression metrics can be sliced by dimensions")
        if self.expression is not None:
            self.referenced_metrics()  # raises on a malformed expression
        return self

    @property
    def kind(self) -> Literal["measure", "sql", "expression", "manual"]:
        if self.model is not None:
            return "measure"
        if self.sql is not None:
            return "sql"
        if self.expression is not None:
            return "expression"
        return "manual"

    def referenced_metrics(self) -> list[str]:
        """Names of the metrics an expression metric is built from."""
        if self.expression is None:
            return []
        from northstar.metrics.expression import names_in

        try:
            return names_in(self.expression)
        except ValueError as exc:
            raise ValueError(f"expression: {exc}") from None

    def not_to_freeze(self, values: Mapping[str | None, object]) -> str | None:
        """Why a closed period with these values (by slice; `None` is the whole) must not be
        frozen, in words, or None: a negative value where `non_negative` is set, a zero or
        empty total where `checks.expect_nonzero` is. Such a period stays computed from the
        ledger, so the fix (a correction, the month collected again) shows at once, and
        collection reports it."""
        numbers = [v for v in values.values() if isinstance(v, int | float | Decimal)]
        if self.non_negative and any(v < 0 for v in numbers):
            return f"negative ({min(numbers)})"
        if self.checks.expect_nonzero and (not values or None in values):
            whole = values.get(None)
            if whole is None:
                return "empty (no value)"
            if isinstance(whole, int | float | Decimal) and whole == 0:
                return "zero"
        return None

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever anything that affects the computed value changes."""
        parts = self.model_dump(include={"model", "measure", "time_column", "filter", "sql",
                                         "expression", "manual"})
        if self.cumulative:  # only when set: the fingerprints of every other metric stay
            parts["cumulative"] = True
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
