"""`northstar docs calc`: the calculation reference, on the small company of test_metrics
(five invoices; values worked out there by hand)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from northstar.calcref import calculation_reference
from test_metrics import make_project


def test_the_reference_gives_each_metric_its_formula_sources_sql_and_example(
        tmp_path: Path) -> None:
    p = make_project(tmp_path / "proj", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        text = calculation_reference(p, "2025-01")
    finally:
        p.close()
    revenue = text[text.index("#### Revenue (`revenue`)"):]
    revenue = revenue[:revenue.index("\n#### ", 1)]
    assert ("- Formula: `sum(amount)` over the rows of `invoices` whose `txn_date` falls in "
            "the period.") in revenue
    assert "- Reads: `raw_invoices` (quickbooks, 5 rows, last loaded " in revenue
    # January 2025 in Chicago: the statement compute runs, with the month's bounds
    assert "FROM \"invoices\"" in revenue and "DATE '2025-01-01'" in revenue
    assert "DATE '2025-02-01'" in revenue
    # invoices 1 (100.00) and 2 (50.00) are January's; the target is 120: green
    assert ("Worked example, Jan 2025 (2025-01): 2 rows of `invoices` in the period; "
            "`sum(amount)` = **$150.00** against a target of $120.00: green.") in revenue
    derived = text[text.index("## Derived metrics"):]
    assert "#### Average invoice (`avg_invoice`)" in derived
    # revenue / invoice_count: $150.00 over the 2 January invoices is $75.00
    assert ("- Formula: Revenue (`revenue`) \N{DIVISION SIGN} Invoices (`invoice_count`).\n"
            in derived)
    assert ("Revenue ($150.00) \N{DIVISION SIGN} Invoices (2) = **$75.00**" in derived)


def test_docs_calc_writes_the_file(tmp_path: Path) -> None:
    p = make_project(tmp_path / "proj", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    p.close()
    out = tmp_path / "calc.md"
    proc = subprocess.run([sys.executable, "-m", "northstar", "docs", "calc", "--project",
                           str(tmp_path / "proj"), "--out", str(out), "--period", "2025-01"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert " ".join(proc.stdout.split()) == f"Wrote the calculation reference to {out}"
    assert out.read_text(encoding="utf-8").startswith("# Calculation reference: ")
