"""The marketplace pack's data checks: they pass on the sample company and each one fails when
the data is broken the way it guards against, on DuckDB and on PostgreSQL."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from northstar.checks import parse_check, read_checks, run_checks
from northstar.errors import ConfigError
from northstar.packs import SampleTable, get_pack
from northstar.project import Project

END = date(2026, 11, 15)
NOW = datetime(2026, 11, 15, 18, tzinfo=UTC)
PACK = get_pack("marketplace")
CHECKS = {"pnl_match", "supplier_total_matches_summary", "supplier_cohort_total_matches_pnl",
          "customer_cohort_total_matches_pnl", "action_states_cover_all_suppliers",
          "invoice_reconciliation", "bill_reconciliation"}


@pytest.fixture(scope="module")
def sample() -> list[SampleTable]:
    return list(PACK.sample(1_500, seed=5, end=END))


def build(root: Path, url: str, sample: list[SampleTable]) -> Project:
    project = Project.init(root, pack=PACK, engine_url=url, timezone="UTC")
    # Project.init does not copy a pack's checks/ yet; copying again later is harmless
    shutil.copytree(PACK.checks_dir, root / "checks", dirs_exist_ok=True)
    for batch in sample:
        project.append(batch.name, batch.data, source=batch.source, id_column=batch.id_column)
    project.metrics.now = NOW
    return project


def status(project: Project) -> dict[str, bool]:
    results = run_checks(project)
    assert all(r.error is None for r in results), [(r.name, r.error) for r in results]
    return {r.name: r.passed for r in results}


def add(project: Project, name: str, source: str, rows: list[dict[str, Any]]) -> None:
    project.append(name, pa.Table.from_pylist(rows), source=source)


def test_every_check_file_has_a_description_and_severity() -> None:
    checks = read_checks(PACK.checks_dir)
    assert {c.name for c in checks} == CHECKS
    for c in checks:
        assert len(c.description) > 40, c.name
        assert c.severity == "error"
        assert c.sql.lower().startswith(("select", "with")), c.name


def test_a_check_without_a_description_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sql"
    bad.write_text("select 1 as x where false\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="description"):
        parse_check(bad)
    bad.write_text("-- description: two statements are not one check\nselect 1; select 2\n",
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="one SELECT"):
        parse_check(bad)
    bad.write_text("-- description: x is never wrong\n--   and this goes on\n-- severity: "
                   "warning\nselect 1 as x where false\n", encoding="utf-8")
    check = parse_check(bad)
    assert (check.description, check.severity) == ("x is never wrong and this goes on",
                                                   "warning")


def test_checks_pass_on_the_sample_and_fail_on_broken_data(
        engine_url: str, tmp_path: Path, sample: list[SampleTable]) -> None:
    project = build(tmp_path / "p", engine_url, sample)
    engine = project.engine

    def platform_invoice_off_by_500() -> None:
        """The platform's export disagrees with the books on one old invoice by $500."""
        invoice_id, total = engine.rows(
            "SELECT id, total FROM platform_invoices ORDER BY id LIMIT 1")[0]
        add(project, "platform_invoices", "platform", [{
            "id": invoice_id, "invoice_date": date(2024, 2, 1),
            "total": Decimal(total) + Decimal("500.00"), "department": "finance"}])

    def remittance_without_bill() -> None:
        """A remittance for a bill the books never received."""
        add(project, "remittance_lines", "platform", [{
            "id": "REM-8888888", "bill_id": "BILL-8888888", "supplier_id": "SUP-0001",
            "remitted_date": date(2024, 3, 1), "amount": Decimal("900.00")}])

    def payment_to_unknown_supplier() -> None:
        """A remittance paying a supplier that is not on the platform's supplier list."""
        add(project, "remittance_lines", "platform", [{
            "id": "REM-7777777", "bill_id": "BILL-7777777", "supplier_id": "SUP-9999",
            "remitted_date": date(2024, 3, 5), "amount": Decimal("0.00")}])

    def invoice_after_pnl_export() -> None:
        """An invoice booked after the P&L was exported: billings no longer match the P&L."""
        customer = engine.scalar("SELECT min(id) FROM customers")
        add(project, "invoice_lines", "quickbooks", [{
            "id": "INV-9999999-1", "invoice_id": "INV-9999999", "customer_id": customer,
            "txn_date": date(2024, 5, 2), "due_date": date(2024, 6, 1),
            "account_number": "4110", "amount": Decimal("2500.00"), "client_id": customer}])

    def credit_outside_any_cohort() -> None:
        """A vendor credit for a supplier that never had a positive payout belongs to no
        cohort. The P&L is re-exported with the credit, so only the cohort total is off."""
        pnl = engine.scalar("SELECT amount FROM profit_and_loss WHERE id = 'PL-2024-03-4200'")
        add(project, "vendor_credit_lines", "quickbooks", [{
            "id": "VC-999999-1", "vendor_credit_id": "VC-999999", "bill_id": "BILL-7777777",
            "supplier_id": "SUP-9999", "txn_date": date(2024, 3, 10), "account_number": "4200",
            "amount": Decimal("300.00")}])
        add(project, "profit_and_loss", "quickbooks", [{
            "id": "PL-2024-03-4200", "month": date(2024, 3, 1), "account_number": "4200",
            "amount": Decimal(pnl) - Decimal("300.00")}])

    def bill_linked_twice() -> None:
        """One bill linked to two suppliers: the supplier detail counts it twice."""
        bill_id = engine.scalar(
            "SELECT min(bill_id) FROM remittance_lines WHERE supplier_id <> 'SUP-0002' "
            "AND bill_id IN (SELECT bill_id FROM bill_lines)")
        add(project, "remittance_lines", "platform", [{
            "id": "REM-6666666", "bill_id": bill_id, "supplier_id": "SUP-0002",
            "remitted_date": date(2024, 4, 1), "amount": Decimal("0.00")}])

    def bill_after_pnl_export() -> None:
        """An organiser bill booked after the P&L was exported."""
        add(project, "bill_lines", "quickbooks", [{
            "id": "BILL-5555555-1", "bill_id": "BILL-5555555", "txn_date": date(2025, 6, 1),
            "due_date": date(2025, 7, 1), "account_number": "4210",
            "amount": Decimal("1234.56"), "bill_pay_status": "Pending"}])

    # each step breaks its check, which passed until then (the damage accumulates)
    steps = [("invoice_reconciliation", platform_invoice_off_by_500),
             ("bill_reconciliation", remittance_without_bill),
             ("action_states_cover_all_suppliers", payment_to_unknown_supplier),
             ("customer_cohort_total_matches_pnl", invoice_after_pnl_export),
             ("supplier_cohort_total_matches_pnl", credit_outside_any_cohort),
             ("supplier_total_matches_summary", bill_linked_twice),
             ("pnl_match", bill_after_pnl_export)]
    assert {name for name, _ in steps} == CHECKS
    try:
        now = status(project)
        assert now == dict.fromkeys(CHECKS, True)
        for check, damage in steps:
            assert now[check], f"{check} failed before {damage.__name__}"
            damage()
            now = status(project)
            assert not now[check], f"{check} still passes after {damage.__name__}"
            if check == "supplier_cohort_total_matches_pnl":
                assert now["pnl_match"]  # the re-exported P&L agrees with the summary
    finally:
        project.close()


def test_a_check_that_cannot_run_fails_with_the_reason(tmp_path: Path,
                                                       sample: list[SampleTable]) -> None:
    # only customers, suppliers and quotas: the models the checks read cannot exist yet
    project = build(tmp_path / "p", f"duckdb:///{tmp_path / 'p.duckdb'}", sample[:3])
    try:
        results = run_checks(project)
        assert {r.name for r in results} == CHECKS
        assert all(not r.passed and r.error for r in results)
        for model in project.root.glob("models/*.sql"):
            model.unlink()
        (project.root / "checks" / "broken.sql").write_text(
            "-- description: reads a model that does not exist\nselect * from no_such_model\n",
            encoding="utf-8")
        project.close()
        project = Project.open(tmp_path / "p")
        broken = {r.name: r for r in run_checks(project)}["broken"]
        assert not broken.passed
        assert broken.error is not None and "no_such_model" in broken.error
    finally:
        project.close()


def test_a_failing_check_reports_its_row_count_and_a_sample(tmp_path: Path,
                                                            sample: list[SampleTable]) -> None:
    project = build(tmp_path / "p", f"duckdb:///{tmp_path / 'p.duckdb'}", sample[:3])
    try:
        for path in (project.root / "checks").glob("*.sql"):
            path.unlink()
        (project.root / "checks" / "suppliers_listed.sql").write_text(
            "-- description: lists every supplier, so it fails once per supplier\n"
            "-- severity: warning\nselect id, name from suppliers\n", encoding="utf-8")
        [result] = run_checks(project, sample_rows=5)
        assert (result.passed, result.severity, result.failing) == (False, "warning", 150)
        assert len(result.sample) == 5 and set(result.sample[0]) == {"id", "name"}
        assert result.as_dict()["failing"] == 150
    finally:
        project.close()
