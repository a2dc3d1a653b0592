"""The metric layer's shortcuts for cold reads give the very numbers of the plain path.

Statements run side by side (DuckDB), what the views' build recorded (model references, column
types), and a page's reads freezing in one load: each is checked against the same read done
the plain way, on the small company of test_metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from northstar.engines.duckdb import DuckDBEngine
from northstar.models import views as model_views
from northstar.project import Project
from test_metrics import add_invoice, make_project

NAMES = ["revenue", "invoice_count", "avg_invoice", "signups", "revenue_vs_last_year"]
PERIODS = ["2024-12", "2025-01", "2025-02"]
SQL_TARGET = """\
name: revenue_vs_last_year
title: Revenue against last year
description: Revenue; the target is 10% above the same period last year.
department: finance
unit: usd
model: invoices
measure: sum(amount)
time_column: txn_date
target:
  sql: |
    select 1.10 * sum(amount) as value from invoices
    where txn_date >= {prior_start} and txn_date < {prior_end}
"""


def company(root: Path) -> Project:
    """test_metrics' company, with a metric whose target is SQL."""
    first = make_project(root, "duckdb:///northstar.duckdb")
    now = first.metrics.now
    first.close()
    (root / "metrics" / "revenue_vs_last_year.yml").write_text(SQL_TARGET)
    project = Project.open(root)
    project.metrics.now = now
    return project


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Project]:
    p = company(tmp_path / "proj")
    yield p
    p.close()


def numbers(project: Project) -> list[tuple[Any, ...]]:
    return [(v.metric, v.period, v.value, v.previous, v.last_year, v.target, v.status)
            for v in [*project.compute(NAMES, PERIODS), *project.compute(["retention"],
                                                                         ["2025"])]]


def test_side_by_side_reads_equal_one_at_a_time(duck: Project, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[int] = []
    real = DuckDBEngine.rows_side_by_side

    def spy(self: DuckDBEngine, statements: Any) -> Any:
        found = real(self, statements)
        ran.append(sum(1 for rows in found if rows is not None))
        return found

    monkeypatch.setattr(DuckDBEngine, "rows_side_by_side", spy)
    duck.engine._workers = 2  # type: ignore[attr-defined]
    duck.metrics.freeze = False
    fast = numbers(duck)
    assert ran and ran[0] >= 2  # the read's statements ran ahead of it
    assert any(row[5] is not None for row in fast if row[0] == "revenue_vs_last_year")
    plain = company(tmp_path / "plain")
    try:
        plain.engine._workers = 1  # type: ignore[attr-defined]
        plain.metrics.freeze = False
        assert numbers(plain) == fast
    finally:
        plain.close()


def test_no_side_by_side_inside_a_transaction(duck: Project) -> None:
    duck.engine._workers = 2  # type: ignore[attr-defined]
    assert duck.engine.runs_side_by_side
    with duck.engine.transaction():  # other cursors would not see the transaction's rows
        assert not duck.engine.runs_side_by_side
        add_invoice(duck, "6,2025-02-11,5.00,bob,c2")
        assert duck.compute(["revenue"], ["2025-02"])[0].value == 75


def test_a_failing_statement_is_reported_by_the_read(duck: Project) -> None:
    duck.engine._workers = 2  # type: ignore[attr-defined]
    assert duck.engine.rows_side_by_side(["SELECT 1", "SELECT * FROM nowhere"]) == [[(1,)], None]


def test_a_fresh_process_reads_the_views_build_instead_of_parsing(
        duck: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    before = numbers(duck)
    root = duck.root
    duck.close()
    model_views.table_references.cache_clear()
    parsed: list[str] = []
    real = model_views.table_references.__wrapped__

    def counting(sql: str) -> frozenset[str]:
        parsed.append(sql)
        return real(sql)

    monkeypatch.setattr(model_views, "table_references", counting)
    again = Project.open(root)
    try:
        again.metrics.now = duck.metrics.now
        asked: list[str] = []
        real_columns = again.engine.columns

        def columns(relation: str) -> Any:
            asked.append(relation)
            return real_columns(relation)

        monkeypatch.setattr(again.engine, "columns", columns)
        assert numbers(again) == before
        assert asked == []  # the measure metrics' column types came from the build
        assert not any(m.sql in parsed for m in again.models.by_name.values())
    finally:
        again.close()


def test_a_page_freezes_its_closed_periods_in_one_load(duck: Project) -> None:
    loads = "SELECT count(*) FROM ns_loads WHERE table_name = 'ns_snapshots'"
    with duck.metrics.freezing_together():
        duck.compute(["revenue"], ["2025-01"])
        duck.compute(["invoice_count"], ["2025-01"])
        assert duck.engine.scalar(loads) == 0  # not yet: served from memory meanwhile
        assert duck.compute(["revenue"], ["2025-01"])[0].origin == "frozen"
    assert duck.engine.scalar(loads) == 1
    frozen = duck.engine.rows("SELECT DISTINCT metric FROM ns_snapshots ORDER BY 1")
    assert frozen == [("invoice_count",), ("revenue",)]


def test_a_page_is_kept_until_the_ledger_moves(duck: Project) -> None:
    from northstar.web import views

    built: list[int] = []

    def build() -> int:
        built.append(1)
        return len(built)

    assert views.memo(duck, "page", build) == 1
    assert views.memo(duck, "page", build) == 1
    add_invoice(duck, "6,2025-02-11,5.00,bob,c2")
    assert views.memo(duck, "page", build) == 2
