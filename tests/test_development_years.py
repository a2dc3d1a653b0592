"""The supplier and customer development views with one column per year (seed 004), on the
hand-worked company of test_marketplace_fixture.py, worked out from its rows by hand:

Net payouts (bills on 4200-4230 less vendor credits, by the supplier remittances link them to):
Alpha Hall 2024 B1 500, 2025 B2 240; Beta Park 2024 B3 300, 2025 B4 400 - VC 50 = 350; Gamma
Club 2024 B6 200, 2025 nothing; Unlinked 2025 B5 100. GMV (the platform's line items): Alpha
Hall 2024 1000 + 1000, 2025 1200; Beta Park 2024 1000, 2025 550; Gamma Club 2024 800 + 200;
Unlinked 2025 INV-7 499. Net revenue = GMV - net payout; NPR = payout / the year before's.

Billings (GMV + discounts - credit memos): C1 2024 1000, 2025 1200 - 200 = 1000; C2 1000, then
550 - 50 = 500; C3 800 + 200 = 1000, then nothing; C4 1000, then 499. NRR = billed / the year
before's."""

from __future__ import annotations

import pytest

from northstar.project import Project
from northstar.web.dashboards import load_dashboards
from northstar.web.tables import model_grid
from test_marketplace_fixture import company as company


def rows(project: Project, sql: str) -> list[tuple[object, ...]]:
    project.compute(["gmv"], ["2025"])  # builds the views
    return [tuple(None if v is None else (float(v) if not isinstance(v, str | int) else v)
                  for v in r) for r in project.engine.rows(sql)]


def test_suppliers_get_a_row_a_year(company: Project) -> None:
    got = rows(company, "SELECT supplier_name, year, payout, gmv, net_revenue, npr "
                        "FROM supplier_development_years ORDER BY supplier_name, year")
    assert got == [
        ("Alpha Hall", 2024, 500.0, 2000.0, 1500.0, None),
        ("Alpha Hall", 2025, 240.0, 1200.0, 960.0, pytest.approx(0.48)),
        ("Beta Park", 2024, 300.0, 1000.0, 700.0, None),
        ("Beta Park", 2025, 350.0, 550.0, 200.0, pytest.approx(350 / 300)),
        ("Gamma Club", 2024, 200.0, 1000.0, 800.0, None),
        ("Gamma Club", 2025, 0.0, 0.0, 0.0, None),  # nothing paid: no NPR
        ("Unlinked (Not in Platform)", 2024, 0.0, 0.0, 0.0, None),
        ("Unlinked (Not in Platform)", 2025, 100.0, 499.0, 399.0, None),
    ]


def test_customers_get_a_row_a_year(company: Project) -> None:
    got = rows(company, "SELECT customer_id, year, billed, nrr "
                        "FROM customer_development_years ORDER BY customer_id, year")
    assert got == [
        ("C1", 2024, 1000.0, None), ("C1", 2025, 1000.0, pytest.approx(1.0)),
        ("C2", 2024, 1000.0, None), ("C2", 2025, 500.0, pytest.approx(0.5)),
        ("C3", 2024, 1000.0, None), ("C3", 2025, 0.0, None),
        ("C4", 2024, 1000.0, None), ("C4", 2025, 499.0, pytest.approx(0.499)),
    ]


def test_the_dashboard_tiles_show_a_column_a_year(company: Project) -> None:
    boards = load_dashboards(company.root, company.catalog)
    supply = [t for t in boards["supply_account_management"].tiles
              if t.model == "supplier_development_years"]
    demand = [t for t in boards["demand_account_management"].tiles
              if t.model == "customer_development_years"]
    assert len(supply) == 4 and len(demand) == 2
    # net payouts a year, suppliers by lifetime payouts (Alpha 740, Beta 650, Gamma 200,
    # Unlinked 100)
    grid = model_grid(company, supply[0])
    assert grid.note is None
    assert grid.header == ["Supplier name", "2024", "2025"]
    assert grid.matrix == (["Alpha Hall", "Beta Park", "Gamma Club",
                            "Unlinked (Not in Platform)"], ["2024", "2025"],
                           [[500.0, 240.0], [300.0, 350.0], [200.0, 0.0], [0.0, 100.0]])
    billed = model_grid(company, demand[0])
    assert billed.header == ["Customer name", "2024", "2025"]
