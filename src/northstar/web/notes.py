"""Annotations: dated notes on a metric ("price change on 3 March") that editors add and that
show on the metric's trend. Appended, never edited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from northstar.periods import MAX_YEAR, MIN_YEAR
from northstar.project import Project
from northstar.web.store import ANNOTATIONS


class AnnotationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1)
    date: dt.date
    """The day the note is about (in the company's timezone)."""

    @field_validator("date")
    @classmethod
    def _in_range(cls, v: dt.date) -> dt.date:
        if not MIN_YEAR <= v.year <= MAX_YEAR:
            raise ValueError(f"the year must be within {MIN_YEAR}..{MAX_YEAR}")
        return v
    note: str = Field(min_length=1, max_length=500)


def add(p: Project, body: AnnotationIn, author: str, at: dt.datetime) -> dict[str, Any]:
    p.catalog.get(body.metric)
    seq = int(p.engine.scalar(f"SELECT coalesce(max(seq), 0) + 1 FROM {ANNOTATIONS}"))
    p.engine.execute(f"INSERT INTO {ANNOTATIONS} (seq, metric, on_date, note, author, "
                     "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                     [seq, body.metric, body.date, body.note.strip(), author, at])
    return {"id": seq, "metric": body.metric, "date": body.date.isoformat(),
            "note": body.note.strip(), "author": author}


def for_metric(p: Project, metric: str) -> list[dict[str, Any]]:
    """A metric's notes, oldest first, each with the period of the metric's grain it is in."""
    m = p.catalog.get(metric)
    rows = p.engine.rows(f"SELECT seq, on_date, note, author FROM {ANNOTATIONS} "
                         "WHERE metric = ? ORDER BY on_date, seq", [metric])
    return [{"id": int(seq), "date": d.isoformat(), "note": str(note), "author": str(author),
             "period": str(p.calendar.containing(m.grain, d))}
            for seq, d, note, author in rows if MIN_YEAR <= d.year <= MAX_YEAR]
