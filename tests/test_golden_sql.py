"""The golden SQL: what every pack's metrics and models compile to on DuckDB, PostgreSQL and
Spark is what was reviewed (tests/golden_sql/). A change to a metric file, a model, the metric
compiler or a transpiling step shows here as a diff to review; once it is right, refresh with
`.venv/bin/python scripts/golden_sql.py` and commit the files with the change."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from northstar.engines import connect

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "golden_sql.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("golden_sql", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("golden_sql", module)
    spec.loader.exec_module(module)
    return module


golden = _script()


@pytest.mark.slow
@pytest.mark.parametrize("pack", ["agency", "field_service", "marketplace", "msp"])
def test_each_metric_compiles_to_the_reviewed_sql_on_every_engine(pack: str) -> None:
    want = golden.pack_sql(pack)
    have = {k: v for k, v in golden.on_disk().items() if k.startswith(f"{pack}/")}
    assert golden.changes(want, have) == [], (
        "the compiled SQL differs from tests/golden_sql/: review the difference, then "
        "refresh with `.venv/bin/python scripts/golden_sql.py`")
    # three dialects of each: a model or metric in one dialect only would be a slip
    names = {k.rsplit(".", 2)[0] for k in want}
    assert len(want) == 3 * len(names) and any("/metrics/" in n for n in names)


DAYS = "SELECT date_diff('day', DATE '2026-05-01', DATE '2026-06-01') / 30.44 AS v"


@pytest.mark.spark
@pytest.mark.postgres
def test_a_difference_of_dates_is_days_on_every_engine(
        spark_url: str, pg_schema_url: str, tmp_path: Path) -> None:
    """The packs write a difference of two dates as date_diff('day', a, b): Spark reads `b - a`
    of two dates as an interval where DuckDB and PostgreSQL read days; date_diff is days on
    all three. May has 31 days."""
    assert "DATEDIFF(DAY, " in golden.DIALECTS["spark"](DAYS)
    for url in (f"duckdb:///{tmp_path / 'd.duckdb'}", pg_schema_url, spark_url):
        engine = connect(url, tmp_path)
        try:
            # a float on DuckDB and PostgreSQL, a decimal on Spark (30.44 is one there)
            value = float(engine.scalar(engine.transpile(DAYS)))
            assert value == pytest.approx(31 / 30.44), url
        finally:
            engine.close()


def test_a_compiled_file_that_differs_is_named() -> None:
    assert golden.changes({"a.sql": "x", "b.sql": "y"}, {"b.sql": "z", "c.sql": "w"}) == [
        "new: a.sql", "gone: c.sql", "changed: b.sql"]
