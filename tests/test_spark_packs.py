"""Every pack on Apache Spark gives DuckDB's answers: each pack's sample company is built small on
both engines, and every metric (whole and sliced, over months, a quarter and a year), every model
view (rows and column sums), every check, the drill-through rows of the pack's north star and a
frozen period must come out the same, money to the cent.

DuckDB is the reference here because the packs' own tests (tests/test_<pack>_*.py) hold DuckDB and
PostgreSQL to independent oracles; this file holds Spark to DuckDB. One sample company per pack
is built on each engine for the whole module (a load on Spark costs seconds, not milliseconds),
and the metrics are computed in batches."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from northstar.checks import run_checks
from northstar.engines.base import quote
from northstar.packs import get_pack
from northstar.project import Project
from northstar.web.views import drill_all_rows

END = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 23, tzinfo=UTC)
PERIODS = ["2026-04", "2026-05", "2026-Q1", "2025"]
"""Two closed months, a quarter and a year (each metric also reads the period before and the
same period a year back)."""
SLICED = "2026-Q1"
PACKS = {  # the smallest company each pack's generator makes (pack.toml: min_rows)
    "marketplace": 1_000, "msp": 2_000, "field_service": 3_000, "agency": 12_000}
NUMERIC = ("DECIMAL", "INTEGER", "BIGINT", "DOUBLE", "FLOAT", "SMALLINT", "TINYINT", "HUGEINT")

pytestmark = [pytest.mark.slow, pytest.mark.spark_packs]


@dataclass
class Pair:
    pack: str
    duck: Project
    spark: Project


def _build(root: Path, url: str, pack: str) -> Project:
    p = get_pack(pack)
    project = Project.init(root, pack=p, engine_url=url, timezone=p.sample_company.timezone)
    project.load_sample(p, PACKS[pack], seed=7, end=END)
    project.metrics.now = NOW
    return project


@pytest.fixture(scope="module", params=sorted(PACKS))
def pair(request: pytest.FixtureRequest, spark_url: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """One pack's sample company on DuckDB and on Spark, built once for the module."""
    pack = str(request.param)
    folder = tmp_path_factory.mktemp(pack)
    duck = _build(folder / "duck", f"duckdb:///{folder / 'duck.duckdb'}", pack)
    spark = _build(folder / "spark", spark_url, pack)
    yield Pair(pack, duck, spark)
    duck.close()
    spark.close()


def same(a: Any, b: Any) -> bool:
    """Equal: money and counts exactly, ratios (floats) to 1e-9."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return float(a) == pytest.approx(float(b), rel=1e-9, abs=1e-9)
    if isinstance(a, Decimal) and isinstance(b, Decimal | int):
        return a == b
    return bool(a == b)


FIELDS = ("value", "target", "status", "previous", "last_year", "origin")


def values(project: Project, periods: list[str], by: str | None = None,
           names: list[str] | None = None) -> dict[tuple[str, str, str], dict[str, Any]]:
    found = project.compute(names or sorted(project.catalog.metrics), periods, by=by)
    return {(v.metric, v.period, str(v.slice)): {
        "value": v.value, "target": v.target, "status": v.status, "previous": v.previous,
        "last_year": v.last_year, "origin": v.origin} for v in found}


def differences(left: dict[Any, dict[str, Any]], right: dict[Any, dict[str, Any]],
                ) -> list[tuple[Any, ...]]:
    assert left.keys() == right.keys()
    return [(key, f, left[key][f], right[key][f]) for key in sorted(left) for f in left[key]
            if not same(left[key][f], right[key][f])]


@pytest.mark.spark
def test_every_metric_is_the_same_on_spark(pair: Pair) -> None:
    duck, spark = values(pair.duck, PERIODS), values(pair.spark, PERIODS)
    assert len(duck) == len(pair.duck.catalog.metrics) * len(PERIODS)
    assert differences(duck, spark) == []
    # the comparison is not of empty companies
    assert sum(v["value"] is not None for v in duck.values()) > 0.6 * len(duck)


@pytest.mark.spark
def test_every_sliceable_metric_is_the_same_by_slice(pair: Pair) -> None:
    """Each metric sliced by its first dimension, the metrics of one dimension in one batch."""
    by_tag: dict[str, list[str]] = {}
    for m in pair.duck.catalog:
        if m.dimensions and m.kind != "manual":
            by_tag.setdefault(m.dimensions[0], []).append(m.name)
    assert by_tag
    checked = 0
    for tag, names in sorted(by_tag.items()):
        duck = values(pair.duck, [SLICED], by=tag, names=sorted(names))
        spark = values(pair.spark, [SLICED], by=tag, names=sorted(names))
        assert differences(duck, spark) == [], tag
        checked += len(duck)
    assert checked > len(by_tag)


def _view_figures(project: Project) -> dict[str, tuple[Any, ...]]:
    """Per model view: its row count and the sum of each numeric column."""
    out = {}
    for name in sorted(project.models.by_name):
        cols = [c for c, t in project.engine.columns(name) or []
                if t.upper().startswith(NUMERIC)]
        sums = "".join(f", sum({quote(c)})" for c in cols)
        [row] = project.engine.rows(f"SELECT count(*){sums} FROM {quote(name)}")
        out[name] = tuple(row)
    return out


@pytest.mark.spark
def test_every_model_view_has_the_same_rows_and_sums(pair: Pair) -> None:
    pair.duck.metrics.state()
    pair.spark.metrics.state()
    duck, spark = _view_figures(pair.duck), _view_figures(pair.spark)
    assert duck.keys() == spark.keys()
    wrong = [(name, d, s) for name, d in duck.items() for d, s in [(d, spark[name])]
             if len(d) != len(s) or not all(same(a, b) for a, b in zip(d, s, strict=True))]
    assert wrong == []
    assert sum(row[0] for row in duck.values()) > 0


@pytest.mark.spark
def test_every_check_passes_or_fails_alike(pair: Pair) -> None:
    duck = {c.name: (c.status, c.failing) for c in run_checks(pair.duck)}
    spark = {c.name: (c.status, c.failing, c.error) for c in run_checks(pair.spark)}
    assert {k: v[:2] for k, v in spark.items()} == duck, spark
    assert all(status != "error" for status, _ in duck.values())


def _rows(project: Project, metric: str, period: str) -> list[tuple[Any, ...]]:
    columns, rows = drill_all_rows(project, metric, period)
    def key(v: Any) -> Any:
        return round(v, 6) if isinstance(v, float) else v
    return sorted((tuple(key(r[c]) for c in columns) for r in rows), key=repr)


@pytest.mark.spark
def test_the_rows_behind_a_number_are_the_same(pair: Pair) -> None:
    """The drill-through of the first measure metric (by name) that has rows in the month."""
    for m in sorted(pair.duck.catalog, key=lambda m: m.name):
        if m.kind != "measure":
            continue
        duck = _rows(pair.duck, m.name, "2026-05")
        if duck:
            assert _rows(pair.spark, m.name, "2026-05") == duck, m.name
            return
    pytest.fail("no measure metric has rows in 2026-05")


@pytest.mark.spark
def test_a_closed_period_freezes_alike(pair: Pair) -> None:
    """A closed month is frozen the first time it is read and read back from its snapshot."""
    first = {e: values(p, ["2026-04"]) for e, p in (("duck", pair.duck), ("spark", pair.spark))}
    again = {e: values(p, ["2026-04"]) for e, p in (("duck", pair.duck), ("spark", pair.spark))}
    assert differences(again["duck"], again["spark"]) == []
    assert differences(first["spark"], again["spark"]) == []
    # origins are compared above (a metric that never freezes stays computed on both)
    assert "frozen" in {v["origin"] for v in again["spark"].values()}
    snapshots = "SELECT count(*) FROM ns_snapshots WHERE period = '2026-04'"
    assert pair.spark.engine.scalar(snapshots) == pair.duck.engine.scalar(snapshots) > 0
