"""The sample company end to end: every pack metric on DuckDB and on PostgreSQL gives the same
answer, and that answer matches a plain-Python computation written independently of the SQL."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import marketplace_oracle as oracle
from northstar.packs import SampleTable, get_pack
from northstar.project import Project

END = date(2026, 11, 15)
NOW = datetime(2026, 11, 15, 18, tzinfo=UTC)
PACK = get_pack("marketplace")
PERIODS = 4
"""Periods of each metric's grain compared, counting back from NOW (each also reads the
previous period and the same period last year, so about 15 periods per metric are computed)."""


@pytest.fixture(scope="module")
def sample() -> list[SampleTable]:
    return list(PACK.sample(6_000, seed=11, end=END))


def build(root: Path, url: str, sample: list[SampleTable]) -> Project:
    project = Project.init(root, pack=PACK, engine_url=url, timezone="UTC")
    for batch in sample:
        project.append(batch.name, batch.data, source=batch.source, id_column=batch.id_column)
    project.metrics.now = NOW
    return project


def all_values(project: Project) -> dict[tuple[str, str, str], dict[str, Any]]:
    out = {}
    for metric in project.catalog:
        periods = [str(p) for p in project.calendar.last_n(metric.grain, PERIODS, now=NOW)]
        for v in project.compute([metric.name], periods):
            out[(v.metric, v.period, str(v.slice))] = v.as_dict()
    return out


@pytest.fixture
def duck(tmp_path: Path, sample: list[SampleTable]) -> Iterator[Project]:
    p = build(tmp_path / "duck", f"duckdb:///{tmp_path / 'duck.duckdb'}", sample)
    yield p
    p.close()


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=1e-9)
    return bool(a == b)


@pytest.mark.postgres
@pytest.mark.slow
def test_every_metric_gives_the_same_answer_on_both_engines(
        duck: Project, pg_schema_url: str, tmp_path: Path, sample: list[SampleTable]) -> None:
    pg = build(tmp_path / "pg", pg_schema_url, sample)
    try:
        left, right = all_values(duck), all_values(pg)
    finally:
        pg.close()
    assert left.keys() == right.keys()
    assert len(left) >= PERIODS * 45
    differences = [
        (key, field, left[key][field], right[key][field])
        for key in left for field in ("value", "target", "status", "previous", "last_year")
        if not _same(left[key][field], right[key][field])
    ]
    assert differences == []
    assert sum(v["value"] is not None for v in left.values()) > 0.7 * len(left)


@pytest.mark.slow
def test_every_metric_matches_an_independent_computation(duck: Project,
                                                         sample: list[SampleTable]) -> None:
    tables = oracle.collect(sample)
    checked = 0
    for metric in duck.catalog:
        fn = getattr(oracle, metric.name, None)
        if fn is None:
            assert metric.kind == "manual", f"no oracle for {metric.name}"
            continue
        periods = duck.calendar.last_n(metric.grain, PERIODS, now=NOW)
        got = {v.period: v.value for v in duck.compute([metric.name], [str(p) for p in periods])}
        for period in periods:
            start, end = duck.calendar.dates(period)
            prior = duck.calendar.same_period_last_year(period)
            prior_start, prior_end = duck.calendar.dates(prior)
            # the day an "as of" metric's value is for: the period's last day, or today
            as_of = {"as_of": min(end - timedelta(days=1), NOW.date())} if (
                "as_of" in inspect.signature(fn).parameters) else {}
            expected = fn(tables, start, end, prior_start, prior_end, **as_of)
            if (expected is None and duck.calendar.is_open(period, NOW)
                    and duck.metrics.pace_kind(metric) == "total"):
                expected = 0  # the period in progress: no rows yet is "0 so far"
            value = got[str(period)]
            if expected is None or value is None:
                assert expected is None and value is None, (metric.name, str(period), value)
            else:
                assert Decimal(str(value)) == pytest.approx(Decimal(str(expected)),
                                                            rel=Decimal("1e-9")), (
                    metric.name, str(period))
            checked += 1
    assert checked >= PERIODS * 45
