"""The plan of an answer: which metrics, which periods, which slice, which comparison, and
whether to say why. Both ways of understanding a question (the built-in parser and the
optional language model) produce one, and the answering core runs nothing else."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from northstar.ledger.schema import TAGS

__all__ = ["Choice", "Clarification", "Comparison", "Plan", "Rank", "Refusal", "Slice"]

Comparison = Literal["previous", "last_year", "target"]
Rank = Literal["highest", "lowest"]
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Slice(_Strict):
    """Which rows of the metric: split by a tag, and/or only the rows with given tag values."""

    by: str | None = None
    """Split the number by this tag: department, team, owner_id, client_id, source_funnel,
    utm_source, utm_medium or utm_campaign (the metric file's `dimensions` allow which)."""
    filters: dict[str, str] = {}
    """Only the rows with these tag values, e.g. {"owner_id": "nora_fitzgerald"}."""

    @field_validator("by")
    @classmethod
    def _tag(cls, v: str | None) -> str | None:
        if v is not None and v not in TAGS:
            raise ValueError(f"{v!r} is not a tag; tags are: {', '.join(TAGS)}")
        return v

    @field_validator("filters")
    @classmethod
    def _filters(cls, v: dict[str, str]) -> dict[str, str]:
        for tag, value in v.items():
            if tag not in TAGS:
                raise ValueError(f"{tag!r} is not a tag; tags are: {', '.join(TAGS)}")
            if not value or len(value) > 200 or any(ord(c) < 32 for c in value):
                raise ValueError(f"the value of {tag} must be 1 to 200 printable characters")
        return v


class Plan(_Strict):
    """What to compute: the same numbers a page shows, never anything else."""

    metrics: list[str] = Field(min_length=1, max_length=12)
    """Metric names from the catalogue (`northstar metrics`)."""
    period: str | None = None
    """A period (2025-01, 2025-Q1, 2025-W03, 2025) or words for one ("last month", "Q3",
    "this year so far"); none: each metric's current period, as its page shows."""
    last: int = Field(1, ge=1, le=60)
    """How many periods, ending with `period`: 13 for "the last 13 weeks" (a trend)."""
    slice: Slice = Slice()
    comparison: Comparison | None = None
    """Show the number against the previous period, the same period last year, or its
    target."""
    why: bool = False
    """Say why the number moved: the slices that moved most against the previous period, the
    parts of a ratio, and the corrections and data findings on the number."""
    rank: Rank | None = None
    """With `slice.by`: order the slices, highest or lowest first."""
    limit: int | None = Field(None, ge=1, le=100)
    """With `rank`: how many slices to show (1 for "which rep has the lowest ...")."""
    person: str | None = Field(None, pattern=r"^[a-z][a-z0-9_]{0,99}$")
    """A person the question named for the one metric they own in people.yml when that
    metric cannot be split by person ("Hannah Lee's NRR"): the number is the company's, and
    the answer says so. A metric that can be split by person is filtered to the person's
    rows instead (`slice.filters.owner_id`)."""

    @field_validator("metrics")
    @classmethod
    def _names(cls, v: list[str]) -> list[str]:
        for name in v:
            if not _NAME.match(name):
                raise ValueError(f"{name[:60]!r} is not a metric name (lower case letters, "
                                 "digits and _)")
        return list(dict.fromkeys(v))

    @model_validator(mode="after")
    def _ranked_slices(self) -> Plan:
        if self.rank is not None and self.slice.by is None:
            raise ValueError("rank orders slices: give slice.by too")
        if self.limit is not None and self.rank is None:
            raise ValueError("limit goes with rank")
        if self.person is not None and self.slice.filters.get("owner_id") is not None:
            raise ValueError("person is for a metric with no split by person; a metric "
                             "that has one takes slice.filters.owner_id")
        return self


class Choice(_Strict):
    """One reading of an unclear question, ready to run."""

    label: str
    plan: Plan


class Clarification(_Strict):
    """The question could be read more than one way: the closest readings, to pick from."""

    kind: Literal["clarify"] = "clarify"
    question: str
    message: str
    choices: list[Choice]


class Refusal(_Strict):
    """A question Ask will not or cannot answer, and why, in words."""

    kind: Literal["refused"] = "refused"
    question: str | None = None
    message: str
    reason: Literal["sql", "write", "private", "unknown", "invalid", "model"] = "invalid"
    """`sql`, `write`, `private`: what Ask never does; `unknown`: no metric found; `invalid`:
    a plan it cannot run (a slice the metric lacks, a period that is not one); `model`: the
    language model failed."""
