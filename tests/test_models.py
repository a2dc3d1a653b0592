"""Model views over sources that are not connected yet, and records deleted at the source —
on DuckDB and PostgreSQL alike."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from northstar.errors import MetricError
from northstar.project import Project

METRICS = {
    "paid": """
        name: paid
        title: Payments received
        description: Count of payments.
        department: finance
        unit: count
        model: settled
        measure: count(*)
        time_column: paid_on
    """,
    "refunded": """
        name: refunded
        title: Refunds
        description: Count of refunds; the refunds source is not connected at first.
        department: finance
        unit: count
        model: refund_lines
        measure: count(*)
        time_column: refunded_on
        target:
          sql: select count(*) from refund_lines
    """,
    "refund_rate": """
        name: refund_rate
        title: Refund rate
        description: Refunds per payment.
        department: finance
        unit: percent
        expression: refunded / paid
    """,
}
MODELS = {
    "settled": "select * from payments where status = 'settled'",
    "refund_lines": "select r.*, p.status from refunds r join settled p on p.id = r.payment_id",
}


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    root = tmp_path / "proj"
    Project.init(root, engine_url=engine_url).close()
    for name, body in METRICS.items():
        (root / "metrics" / f"{name}.yml").write_text(textwrap.dedent(body))
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql + "\n")
    p = Project.open(root)
    p.metrics.now = datetime(2025, 3, 1, tzinfo=UTC)
    yield p
    p.close()


def load(project: Project, table: str, text: str) -> None:
    path = project.root / f"{table}.csv"
    path.write_text(textwrap.dedent(text))
    project.load_file(table, path, source="app")


def test_a_source_not_connected_yet_leaves_its_metrics_without_data(project: Project) -> None:
    load(project, "payments", """\
        id,paid_on,status,is_deleted
        p1,2025-01-03,settled,false
        p2,2025-01-04,settled,false
        p3,2025-01-05,failed,false
    """)
    paid, refunded, rate = project.compute(["paid", "refunded", "refund_rate"], ["2025-01"])
    assert paid.value == 2
    assert (refunded.value, refunded.target, refunded.status) == (None, None, "grey")
    assert rate.value is None
    assert project.models.waiting() == {"refund_lines": ["refunds"]}
    assert project.metrics.waiting_for(project.catalog.get("refund_rate")) == ["raw_refunds"]

    load(project, "refunds", """\
        id,payment_id,refunded_on
        r1,p1,2025-01-20
    """)
    paid, refunded, rate = project.compute(["paid", "refunded", "refund_rate"], ["2025-01"])
    assert (paid.value, refunded.value, refunded.target) == (2, 1, 1)
    assert rate.value == pytest.approx(0.5)
    assert project.models.waiting() == {}


def test_a_record_deleted_at_the_source_leaves_the_models(project: Project) -> None:
    load(project, "payments", """\
        id,paid_on,status,is_deleted
        p1,2025-01-03,settled,false
        p2,2025-01-04,settled,false
    """)
    assert project.compute(["paid"], ["2025-01"])[0].value == 2
    project.metrics.now = datetime(2025, 1, 10, tzinfo=UTC)  # January still open: not frozen
    load(project, "payments", """\
        id,paid_on,status,is_deleted
        p2,2025-01-04,settled,true
    """)
    assert project.compute(["paid"], ["2025-01"])[0].value == 1
    # The deleted version is still in the ledger, next to the one it replaced.
    rows = project.engine.rows(
        "SELECT source_id, is_deleted FROM raw_payments ORDER BY load_id, source_id")
    assert rows == [("p1", False), ("p2", False), ("p2", True)]
    load(project, "payments", """\
        id,paid_on,status,is_deleted
        p2,2025-01-04,settled,false
    """)
    assert project.compute(["paid"], ["2025-01"])[0].value == 2  # restored at the source


def test_an_open_period_says_0_so_far_only_once_its_source_has_loaded(project: Project) -> None:
    from northstar.web import views

    load(project, "payments", """\
        id,paid_on,status,is_deleted
        p1,2025-01-03,settled,false
    """)
    project.metrics.now = datetime(2025, 3, 10, tzinfo=UTC)  # March is under way, no payments
    paid, refunded = project.compute(["paid", "refunded"], ["2025-03"])
    assert (paid.open, paid.value) == (True, 0)  # loaded, and none yet: 0 so far
    assert refunded.value is None  # refunds have never loaded: no number at all
    assert views.findings_for(project, refunded) == [
        "Waiting for refunds: it has never loaded, so this number cannot be computed yet."]
    assert views.findings_for(project, paid) == []


def test_a_model_name_like_a_known_one_is_a_typo_not_a_source_to_wait_for(
        tmp_path: Path) -> None:
    root = tmp_path / "proj"
    Project.init(root).close()
    for name, sql in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(sql + "\n")
    base = textwrap.dedent(METRICS["paid"])
    (root / "metrics" / "typo.yml").write_text(
        base.replace("name: paid", "name: typo").replace("model: settled", "model: setled"))
    # refunds is read by the refund_lines model: a table not loaded yet, not a typo of it
    (root / "metrics" / "direct.yml").write_text(
        base.replace("name: paid", "name: direct").replace("model: settled", "model: refunds")
        .replace("paid_on", "refunded_on"))
    with Project.open(root) as project:
        load(project, "payments", """\
            id,paid_on,status,is_deleted
            p1,2025-01-03,settled,false
        """)
        with pytest.raises(MetricError) as info:
            project.compute(["typo"], ["2025-01"])
        assert str(info.value) == ("metric typo: there is no model named 'setled' — did you "
                                   "mean 'settled'?")
        [direct] = project.compute(["direct"], ["2025-01"])
        assert direct.value is None
        assert project.metrics.waiting_for(project.catalog.get("direct")) == ["raw_refunds"]
