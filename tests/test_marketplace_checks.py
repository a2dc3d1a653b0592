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
          "invoice_reconciliation", "bill_reconciliation", "supplier_net_revenue_formula",
          "supplier_take_rate_explained", "linked_payout_share"}
BOOKS_CHECKS = {"gl_balances", "books_match_reported_pnl"}
"""The checks of the general ledger built from the books: the sample company keeps no chart of
accounts, so they wait on it (tests/test_marketplace_books.py runs them)."""


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
    assert all(r.waiting for r in results if r.name in BOOKS_CHECKS)
    results = [r for r in results if r.name not in BOOKS_CHECKS]
    assert all(r.error is None for r in results), [(r.name, r.error) for r in results]
    return {r.name: r.passed for r in results}


def add(project: Project, name: str, source: str, rows: list[dict[str, Any]]) -> None:
    project.append(name, pa.Table.from_pylist(rows), source=source)


def link_through_every_remittance(project: Project) -> Project:
    """The project reopened with its supplier_payouts changed to link a bill through every
    remittance naming it (a bill remitted to two suppliers then pays both)."""
    model = project.root / "models" / "supplier_payouts.sql"
    text = model.read_text(encoding="utf-8")
    start, end = text.index("with links as ("), text.index("lines as (")
    model.write_text(text[:start] + "with links as (select distinct bill_id, supplier_id "
                     "from bill_links),\n" + text[end:], encoding="utf-8")
    project.close()
    reopened = Project.open(project.root)
    reopened.metrics.now = project.metrics.now
    return reopened


def test_every_check_file_has_a_description_and_severity() -> None:
    checks = read_checks(PACK.checks_dir)
    assert {c.name for c in checks} == CHECKS | BOOKS_CHECKS
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
        """One bill remitted to two suppliers, and a project whose supplier_payouts was
        changed to link a bill through every remittance: the supplier detail counts it
        twice. (The pack's own model links it once: see test_supplier_net_revenue_by_hand.)"""
        nonlocal project, engine
        bill_id = engine.scalar(
            "SELECT min(bill_id) FROM remittance_lines WHERE supplier_id <> 'SUP-0002' "
            "AND bill_id IN (SELECT bill_id FROM bill_lines)")
        add(project, "remittance_lines", "platform", [{
            "id": "REM-6666666", "bill_id": bill_id, "supplier_id": "SUP-0002",
            "remitted_date": date(2024, 4, 1), "amount": Decimal("0.00")}])
        project = link_through_every_remittance(project)
        engine = project.engine

    def paid_more_than_its_gmv() -> None:
        """A supplier paid $50,000 more than its March 2024 GMV (a bill and its remittance),
        the P&L re-exported with it: its 2024 take rate goes negative, with no explanation."""
        supplier_id, name, gmv = engine.rows(
            "SELECT s.id, s.name, g.gmv FROM supplier_gmv AS g JOIN suppliers AS s "
            "ON s.name = g.supplier_name WHERE g.year = 2024 ORDER BY g.gmv DESC LIMIT 1")[0]
        paid = engine.scalar("SELECT sum(amount) FROM supplier_payouts "
                             f"WHERE supplier_name = '{name}' AND txn_year = 2024")
        extra = Decimal(gmv) - Decimal(paid) + Decimal("50000.00")
        add(project, "bill_lines", "quickbooks", [{
            "id": "BILL-4444444-1", "bill_id": "BILL-4444444", "txn_date": date(2024, 3, 12),
            "due_date": date(2024, 4, 11), "account_number": "4200", "amount": extra,
            "bill_pay_status": "Paid"}])
        add(project, "remittance_lines", "platform", [{
            "id": "REM-4444444", "bill_id": "BILL-4444444", "supplier_id": supplier_id,
            "remitted_date": date(2024, 3, 13), "amount": extra}])
        pnl = engine.scalar("SELECT amount FROM profit_and_loss WHERE id = 'PL-2024-03-4200'")
        add(project, "profit_and_loss", "quickbooks", [{
            "id": "PL-2024-03-4200", "month": date(2024, 3, 1), "account_number": "4200",
            "amount": Decimal(pnl) + extra}])

    def bill_after_pnl_export() -> None:
        """An organiser bill booked after the P&L was exported."""
        add(project, "bill_lines", "quickbooks", [{
            "id": "BILL-5555555-1", "bill_id": "BILL-5555555", "txn_date": date(2025, 6, 1),
            "due_date": date(2025, 7, 1), "account_number": "4210",
            "amount": Decimal("1234.56"), "bill_pay_status": "Pending"}])

    def payouts_on_unknown_bill_numbers() -> None:
        """A 2025 bill as big as the year's other payouts together, whose Bill # no
        remittance carries: half the year's payout dollars are unlinked (< 95%)."""
        paid = engine.scalar("SELECT sum(amount) FROM bill_lines WHERE txn_date >= "
                             "DATE '2025-01-01' AND txn_date < DATE '2026-01-01' "
                             "AND account_number BETWEEN '4200' AND '4230'")
        add(project, "bill_lines", "quickbooks", [{
            "id": "BILL-4444444-1", "bill_id": "BILL-4444444", "doc_number": "B-44444",
            "txn_date": date(2025, 6, 2), "due_date": date(2025, 7, 2),
            "account_number": "4200", "amount": Decimal(paid), "bill_pay_status": "Paid"}])

    # each step breaks its check, which passed until then (the damage accumulates)
    steps = [(("invoice_reconciliation",), platform_invoice_off_by_500),
             (("bill_reconciliation",), remittance_without_bill),
             (("action_states_cover_all_suppliers",), payment_to_unknown_supplier),
             (("customer_cohort_total_matches_pnl",), invoice_after_pnl_export),
             (("supplier_cohort_total_matches_pnl",), credit_outside_any_cohort),
             # a bill linked twice also gives its second supplier net revenue no accounting
             # line supports
             (("supplier_total_matches_summary", "supplier_net_revenue_formula"),
              bill_linked_twice),
             (("supplier_take_rate_explained",), paid_more_than_its_gmv),
             (("pnl_match",), bill_after_pnl_export),
             (("linked_payout_share",), payouts_on_unknown_bill_numbers)]
    assert {name for names, _ in steps for name in names} == CHECKS
    try:
        now = status(project)
        assert now == dict.fromkeys(CHECKS, True)
        for checks, damage in steps:
            for check in checks:
                assert now[check], f"{check} failed before {damage.__name__}"
            damage()
            now = status(project)
            for check in checks:
                assert not now[check], f"{check} still passes after {damage.__name__}"
            if checks[0] in ("supplier_cohort_total_matches_pnl",
                             "supplier_take_rate_explained"):
                assert now["pnl_match"]  # the re-exported P&L agrees with the summary
        # the check names the unlinked bills, largest first: the new one by its Bill #, at
        # half the year linked or less (it equals all the year's other payouts)
        linked = next(r for r in run_checks(project) if r.name == "linked_payout_share")
        first = linked.sample[0]
        assert (first["year"], first["bill_id"], first["bill_number"]) == (
            2025, "BILL-4444444", "B-44444")
        assert float(first["linked_share"]) <= 0.5 and float(first["required_share"]) == 0.95
    finally:
        project.close()


def test_net_revenue_formula_catches_a_metric_that_flips_a_sign(
        tmp_path: Path, sample: list[SampleTable]) -> None:
    """The formula check reads net revenue from revenue_lines, the net_revenue metric's lines:
    a project whose revenue_lines adds vendor credits with the wrong sign fails it (and only
    it), on the suppliers that had a vendor credit."""
    project = build(tmp_path / "p", f"duckdb:///{tmp_path / 'p.duckdb'}", sample)
    try:
        assert status(project)["supplier_net_revenue_formula"]
        model = project.root / "models" / "revenue_lines.sql"
        text = model.read_text(encoding="utf-8")
        wrong = text.replace("select id, txn_date, 'vendor_credit', null, supplier_id, "
                             "account_number, amount,",
                             "select id, txn_date, 'vendor_credit', null, supplier_id, "
                             "account_number, -amount,")
        assert wrong != text
        model.write_text(wrong, encoding="utf-8")
        project.close()
        project = Project.open(tmp_path / "p")
        results = {r.name: r for r in run_checks(project)}
        failed = {name for name, r in results.items() if not r.passed and not r.waiting}
        assert failed == {"supplier_net_revenue_formula"}
        credited = {str(n) for (n,) in project.engine.rows(
            "SELECT DISTINCT supplier_name FROM supplier_payouts WHERE kind = 'vendor_credit'")}
        result = results["supplier_net_revenue_formula"]
        assert result.failing > 0
        assert {str(r["supplier_name"]) for r in result.sample} <= credited
    finally:
        project.close()


def test_a_check_that_cannot_run_fails_with_the_reason(tmp_path: Path,
                                                       sample: list[SampleTable]) -> None:
    # only customers, suppliers and quotas: the models the checks read cannot exist yet
    project = build(tmp_path / "p", f"duckdb:///{tmp_path / 'p.duckdb'}", sample[:3])
    try:
        results = run_checks(project)
        assert {r.name for r in results} == CHECKS | BOOKS_CHECKS
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


def test_supplier_net_revenue_by_hand(engine_url: str, tmp_path: Path) -> None:
    """supplier_net_revenue and its check on rows small enough to work out by hand.

    2024: invoice 1000 (4110) with a -50 discount (4190), credit memo 100; bills B1 400 (S1
    Alpha Hall), B2 300 (S2 Beta Park), B3 50 (no remittance: unlinked); vendor credit 20 on B2.
    2025: invoice 500; bill B4 200 (S1).
    Rows: Demand 2024 = 1000 - 50 - 100 = 850; Alpha 2024 = -400; Beta 2024 = -300 + 20 = -280;
    Unlinked 2024 = -50; Demand 2025 = 500; Alpha 2025 = -200. The 2024 rows add up to
    850 - 400 - 280 - 50 = 120 = 1000 - 50 - 100 - 750 + 20, the company's net revenue."""
    day = date(2024, 5, 1)
    later = date(2025, 5, 1)

    def bill(bill_id: str, when: date, amount: str) -> dict[str, Any]:
        return {"id": f"{bill_id}-1", "bill_id": bill_id, "doc_number": bill_id,
                "supplier_id": None,
                "txn_date": when, "due_date": when,
                "account_number": "4200", "amount": Decimal(amount), "bill_pay_status": "Paid"}

    def remit(bill_id: str, supplier: str, rem: str = "") -> dict[str, Any]:
        return {"id": f"REM-{bill_id}{rem}", "bill_id": bill_id, "supplier_id": supplier,
                "remitted_date": day, "amount": Decimal("0.00")}

    tables: dict[str, tuple[str, list[dict[str, Any]]]] = {
        "suppliers": ("platform", [{"id": "S1", "name": "Alpha Hall"},
                                   {"id": "S2", "name": "Beta Park"}]),
        "invoice_lines": ("quickbooks", [
            {"id": "I1-1", "invoice_id": "I1", "customer_id": "C1", "txn_date": day,
             "due_date": day, "account_number": "4110", "amount": Decimal("1000.00")},
            {"id": "I1-2", "invoice_id": "I1", "customer_id": "C1", "txn_date": day,
             "due_date": day, "account_number": "4190", "amount": Decimal("-50.00")},
            {"id": "I2-1", "invoice_id": "I2", "customer_id": "C1", "txn_date": later,
             "due_date": later, "account_number": "4110", "amount": Decimal("500.00")}]),
        "credit_memo_lines": ("quickbooks", [
            {"id": "CM1-1", "customer_id": "C1", "txn_date": day, "account_number": "4110",
             "amount": Decimal("100.00")}]),
        "bill_lines": ("quickbooks", [bill("B1", day, "400.00"), bill("B2", day, "300.00"),
                                      bill("B3", day, "50.00"), bill("B4", later, "200.00")]),
        "vendor_credit_lines": ("quickbooks", [
            {"id": "VC1-1", "bill_id": "B2", "supplier_id": None, "txn_date": day,
             "account_number": "4200",
             "amount": Decimal("20.00")}]),
        "remittance_lines": ("platform", [remit("B1", "S1"), remit("B2", "S2"),
                                          remit("B4", "S1")]),
    }
    project = Project.init(tmp_path / "p", pack=PACK, engine_url=engine_url, timezone="UTC")
    try:
        for name, (source, rows) in tables.items():
            add(project, name, source, rows)
        project.metrics.state()
        found = {(str(n), int(y)): (str(k), float(v)) for n, k, y, v in project.engine.rows(
            "SELECT supplier_name, row_kind, year, net_revenue FROM supplier_net_revenue")}
        assert found == {
            ("Demand (no supplier on invoices)", 2024): ("demand", 850.0),
            ("Alpha Hall", 2024): ("supplier", -400.0),
            ("Beta Park", 2024): ("supplier", -280.0),
            ("Unlinked (Not in Platform)", 2024): ("unlinked", -50.0),
            ("Demand (no supplier on invoices)", 2025): ("demand", 500.0),
            ("Alpha Hall", 2025): ("supplier", -200.0)}
        demand = project.engine.rows(
            "SELECT gmv, discounts, credit_memos, payouts, vendor_credits, take_rate "
            "FROM supplier_net_revenue WHERE row_kind = 'demand' AND year = 2024")
        assert [tuple(float(x) for x in r) for r in demand] == [
            (1000.0, -50.0, 100.0, 0.0, 0.0, 0.85)]
        beta = project.engine.rows(
            "SELECT gmv, payouts, vendor_credits, take_rate FROM supplier_net_revenue "
            "WHERE supplier_name = 'Beta Park'")
        assert [(float(g), float(p), float(v), t) for g, p, v, t in beta] == [
            (0.0, 300.0, 20.0, None)]

        def formula() -> Any:
            return {r.name: r for r in run_checks(project)}["supplier_net_revenue_formula"]

        assert formula().status == "pass"
        # B1 remitted in a second part, to Beta Park: still one bill, counted once. Both
        # parts are $0, a tie, so it stays with the lowest id, S1 Alpha Hall (-400)
        add(project, "remittance_lines", "platform", [remit("B1", "S2", "-again")])
        assert formula().status == "pass"
        beta = project.engine.rows("SELECT year, net_revenue FROM supplier_net_revenue "
                                   "WHERE supplier_name IN ('Alpha Hall', 'Beta Park') "
                                   "ORDER BY supplier_name, year")
        assert [(int(y), float(v)) for y, v in beta] == [(2024, -400.0), (2025, -200.0),
                                                         (2024, -280.0)]
        # a supplier view changed to link a bill through every remittance pays Beta Park
        # B1's 400 as well, and the check says so
        project = link_through_every_remittance(project)
        result = formula()
        assert (result.status, result.failing) == ("fail", 1)
        [row] = result.sample
        assert (row["supplier_name"], int(row["year"])) == ("Beta Park", 2024)
        assert float(row["net_revenue"]) == -680.0  # what the changed views say
        assert float(row["from_accounting_lines"]) == -280.0  # B1 counted once, for Alpha Hall
    finally:
        project.close()
