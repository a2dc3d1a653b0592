"""QuickBooks Desktop's "Profit & Loss by Month" export (CSV and Excel) loaded with
`northstar load-mapped` into `profit_and_loss`: sub-accounts, account numbers on and off,
negatives, totals left out, reloads and corrections, unmapped accounts, and the errors."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from northstar.cli import app
from northstar.errors import LoadError
from northstar.packs import get_pack
from northstar.project import Project
from northstar.sources.quality import findings
from northstar.warehouse import load_mapped
from northstar.warehouse.files import FileMapping
from northstar.warehouse.qbd import month_of

MAPPING = "format: qbd_pnl_by_month\ntable: profit_and_loss\nsource: quickbooks\n"

# Desktop's CSV export with account numbers on: the outline in columns A-D (one column per
# level), a spacer column after each month, the TOTAL column last, title lines first.
NUMBERS_ON = """\
"Lakeside IT (sample)"
"Profit & Loss by Month"
"January through March 2024"
"Accrual Basis"
,,,,"Jan 24",,"Feb 24",,"Mar 24",,"TOTAL"
"Ordinary Income/Expense"
,"Income"
,,"4000 · Managed Services",,"12,000.00",,"12,500.00",,"13,000.00",,"37,500.00"
,,"4100 · Project Services",,"3,250.50",,,,"(250.00)",,"3,000.50"
,,"4300 · Hardware & Software Sales",,"1,000.00",,"0.00",,"2,000.00",,"3,000.00"
,"Total Income",,,"16,250.50",,"12,500.00",,"14,750.00",,"43,500.50"
,"Cost of Goods Sold"
,,"5000 · Cost of Goods Sold"
,,,"5010 · Agreement Tools & Licences","1,100.00",,"1,150.00",,"1,200.00",,"3,450.00"
,,,"5020 · Hardware & Software","700.00",,"-50.00",,"1,400.00",,"2,050.00"
,,"Total 5000 · Cost of Goods Sold",,"1,800.00",,"1,100.00",,"2,600.00",,"5,500.00"
,"Total COGS",,,"1,800.00",,"1,100.00",,"2,600.00",,"5,500.00"
"Gross Profit",,,,"14,450.50",,"11,400.00",,"12,150.00",,"38,000.50"
,"Expense"
,,"6000 · Payroll - Technical",,"8,000.00",,"8,000.00",,"8,200.00",,"24,200.00"
,,"6500 · Professional Fees"
,,,"6510 · Legal","400.00",,,,,,"400.00"
,,,"6500 · Professional Fees - Other","150.00",,"75.00",,,,"225.00"
,,"Total 6500 · Professional Fees",,"550.00",,"75.00",,,,"625.00"
,,"6600 · Rent",,"2,500.00",,"2,500.00",,"2,500.00",,"7,500.00"
,"Total Expense",,,"11,050.00",,"10,575.00",,"10,700.00",,"32,325.00"
"Net Ordinary Income",,,,"3,400.50",,"825.00",,"1,450.00",,"5,675.50"
"Other Income/Expense"
,"Other Income"
,,"7000 · Interest Income",,"12.34",,,,,,"12.34"
,"Total Other Income",,,"12.34",,,,,,"12.34"
"Net Other Income",,,,"12.34",,,,,,"12.34"
"Net Income",,,,"3,412.84",,"825.00",,"1,450.00",,"5,687.84"
"""

JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


def _row(month: date, number: str | None, account: str, amount: str
         ) -> tuple[str, date, str | None, str, Decimal]:
    return (f"PL-{month:%Y-%m}-{account}", month, number, account, Decimal(amount))


# worked out from NUMBERS_ON by hand: blank cells give no row, "0.00" gives a 0 row, totals,
# Gross Profit and Net rows none; "Professional Fees - Other" is the parent's own posting
EXPECTED_ON = sorted([
    _row(JAN, "4000", "Managed Services", "12000.00"),
    _row(FEB, "4000", "Managed Services", "12500.00"),
    _row(MAR, "4000", "Managed Services", "13000.00"),
    _row(JAN, "4100", "Project Services", "3250.50"),
    _row(MAR, "4100", "Project Services", "-250.00"),
    _row(JAN, "4300", "Hardware & Software Sales", "1000.00"),
    _row(FEB, "4300", "Hardware & Software Sales", "0.00"),
    _row(MAR, "4300", "Hardware & Software Sales", "2000.00"),
    _row(JAN, "5010", "Cost of Goods Sold:Agreement Tools & Licences", "1100.00"),
    _row(FEB, "5010", "Cost of Goods Sold:Agreement Tools & Licences", "1150.00"),
    _row(MAR, "5010", "Cost of Goods Sold:Agreement Tools & Licences", "1200.00"),
    _row(JAN, "5020", "Cost of Goods Sold:Hardware & Software", "700.00"),
    _row(FEB, "5020", "Cost of Goods Sold:Hardware & Software", "-50.00"),
    _row(MAR, "5020", "Cost of Goods Sold:Hardware & Software", "1400.00"),
    _row(JAN, "6000", "Payroll - Technical", "8000.00"),
    _row(FEB, "6000", "Payroll - Technical", "8000.00"),
    _row(MAR, "6000", "Payroll - Technical", "8200.00"),
    _row(JAN, "6510", "Professional Fees:Legal", "400.00"),
    _row(JAN, "6500", "Professional Fees", "150.00"),
    _row(FEB, "6500", "Professional Fees", "75.00"),
    _row(JAN, "6600", "Rent", "2500.00"),
    _row(FEB, "6600", "Rent", "2500.00"),
    _row(MAR, "6600", "Rent", "2500.00"),
    _row(JAN, "7000", "Interest Income", "12.34"),
])


def _msp_books(root: Path, engine_url: str | None = None) -> Project:
    """A project with the MSP pack's account categories as its reference, and qbd.yml."""
    p = Project.init(root, timezone="UTC", engine_url=engine_url or "duckdb:///northstar.duckdb")
    shutil.copy2(get_pack("msp").reference_dir / "account_categories.csv",
                 p.root / "reference" / "account_categories.csv")
    p.load_reference()
    (p.root / "qbd.yml").write_text(MAPPING, encoding="utf-8")
    return p


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = _msp_books(tmp_path / "proj")
    yield p
    p.close()


@pytest.fixture
def any_engine(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    """The same on DuckDB and on PostgreSQL."""
    p = _msp_books(tmp_path / "proj", engine_url)
    yield p
    p.close()


def pnl(p: Project) -> list[tuple[str, date, str | None, str, Decimal]]:
    """The newest version of each row."""
    return sorted(p.engine.rows(
        "SELECT id, month, account_number, account, amount FROM (SELECT *, row_number() OVER "
        "(PARTITION BY source_id ORDER BY load_id DESC) AS n FROM raw_profit_and_loss) AS v "
        "WHERE n = 1"))


def test_csv_with_account_numbers_on_the_command_line(project: Project) -> None:
    export = project.root / "pl-2024-q1.csv"
    export.write_text(NUMBERS_ON, encoding="utf-8")
    root = project.root
    project.close()
    env = {**os.environ, "COLUMNS": "200"}
    proc = subprocess.run(
        [sys.executable, "-m", "northstar", "load-mapped", str(export), "--mapping",
         str(root / "qbd.yml"), "--project", str(root)],
        text=True, capture_output=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "pl-2024-q1.csv: 24 row(s) appended to raw_profit_and_loss" in proc.stdout
    # two accounts the MSP's categories do not list: named, not dropped
    assert ("Warning: 2 account(s) in pl-2024-q1.csv are not in reference/"
            "account_categories.csv, so no metric counts them: Interest Income, "
            "Professional Fees:Legal.") in proc.stdout
    status = subprocess.run([sys.executable, "-m", "northstar", "status", "-p", str(root)],
                            text=True, capture_output=True, timeout=120, env=env)
    assert status.returncode == 0, status.stderr
    # the finding is listed (its long message wraps inside the table's cell)
    assert "Data-quality findings" in status.stdout
    assert all(word in status.stdout for word in ("warning", "profit_and_loss", "account(s)"))
    with Project.open(root) as p:
        assert pnl(p) == EXPECTED_ON
        assert p.engine.scalar("SELECT count(DISTINCT source_name) FROM raw_profit_and_loss "
                               "WHERE source_name = 'quickbooks'") == 1
        found = findings(p.ledger)
        assert [(f["kind"], f["severity"]) for f in found] == [
            ("unmapped_accounts", "warning")]
        assert "Interest Income, Professional Fees:Legal" in found[0]["message"]


def _xlsx(path: Path, rows: list[list[object]], *, tips_first: bool = True) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    if tips_first:
        tips = book.active
        assert tips is not None
        tips.title = "QuickBooks Export Tips"
        tips.append(["Some things to know about exporting QuickBooks reports to Excel"])
        sheet = book.create_sheet("Sheet1")
    else:
        sheet = book.active
        assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# The same company with account numbers off, as Desktop's Excel export: the outline in columns
# A-E, amounts as numbers (one typed as text in parentheses), no title lines; the totals are
# formulas that were never calculated (openpyxl saves no values), which must not matter.
NUMBERS_OFF: list[list[object]] = [
    [None, None, None, None, None, "Jan 24", None, "Feb 24", None, "TOTAL"],
    ["Ordinary Income/Expense"],
    [None, "Income"],
    [None, None, "Managed Services", None, None, 12000, None, 12500.5, None, 24500.5],
    [None, None, "Cloud & Licensing", None, None, None, None, 800, None, 800],
    [None, "Total Income", None, None, None, "=SUM(F4:F5)", None, "=SUM(H4:H5)", None,
     "=F6+H6"],
    [None, "Cost of Goods Sold"],
    [None, None, "Cost of Goods Sold"],
    [None, None, None, "Hardware & Software", None, 640.25, None, -10, None, 630.25],
    [None, None, "Total Cost of Goods Sold", None, None, 640.25, None, -10, None, 630.25],
    [None, "Total COGS", None, None, None, 640.25, None, -10, None, 630.25],
    ["Gross Profit", None, None, None, None, 11359.75, None, 13310.5, None, 24670.25],
    [None, "Expense"],
    [None, None, "Marketing", None, None, "(75.00)", None, 300, None, 225],
    [None, None, "Rent", None, None, 2500, None, 2500, None, 5000],
    [None, "Total Expense", None, None, None, "=SUM(F14:F15)", None, "=SUM(H14:H15)", None,
     "=F16+H16"],
    ["Net Ordinary Income", None, None, None, None, 8934.75, None, 10510.5, None, 19445.25],
    ["Net Income", None, None, None, None, 8934.75, None, 10510.5, None, 19445.25],
]
EXPECTED_OFF = sorted([
    _row(JAN, None, "Managed Services", "12000.00"),
    _row(FEB, None, "Managed Services", "12500.50"),
    _row(FEB, None, "Cloud & Licensing", "800.00"),
    _row(JAN, None, "Cost of Goods Sold:Hardware & Software", "640.25"),
    _row(FEB, None, "Cost of Goods Sold:Hardware & Software", "-10.00"),
    _row(JAN, None, "Marketing", "-75.00"),
    _row(FEB, None, "Marketing", "300.00"),
    _row(JAN, None, "Rent", "2500.00"),
    _row(FEB, None, "Rent", "2500.00"),
])


def test_excel_export_with_account_numbers_off(project: Project) -> None:
    export = _xlsx(project.root / "pl.xlsx", NUMBERS_OFF)
    root = project.root
    project.close()
    result = CliRunner().invoke(app, ["load-mapped", str(export), "-m", str(root / "qbd.yml"),
                                      "-p", str(root)])
    assert result.exit_code == 0, result.output
    assert "pl.xlsx: 9 row(s) appended to raw_profit_and_loss" in result.output
    assert "Warning" not in result.output  # every account is in the categories
    with Project.open(root) as p:
        assert pnl(p) == EXPECTED_OFF


def test_reloads_append_only_changes_and_zero_what_left_a_month(any_engine: Project) -> None:
    project = any_engine
    first = project.root / "q1.csv"
    first.write_text(NUMBERS_ON, encoding="utf-8")
    load_mapped(project, first, project.root / "qbd.yml")
    again = load_mapped(project, first, project.root / "qbd.yml")
    assert (again.read, again.appended, again.load_id) == (24, 0, None)
    # The books were corrected: March managed services 13,000 -> 13,100; January's legal
    # fees were moved into Rent (the Legal row is gone); February is not in this export.
    corrected = [",,,,\"Jan 24\",,\"Mar 24\",,\"TOTAL\"", "\"Ordinary Income/Expense\"",
                 ",\"Income\"",
                 ",,\"4000 · Managed Services\",,\"12,000.00\",,\"13,100.00\",,\"25,100.00\"",
                 ",\"Total Income\",,,\"12,000.00\",,\"13,100.00\",,\"25,100.00\"",
                 ",\"Expense\"",
                 ",,\"6600 · Rent\",,\"2,900.00\",,\"2,500.00\",,\"5,400.00\"",
                 ",\"Total Expense\",,,\"2,900.00\",,\"2,500.00\",,\"5,400.00\"",
                 "\"Net Income\",,,,\"9,100.00\",,\"10,600.00\",,\"19,700.00\""]
    second = project.root / "q1-corrected.csv"
    second.write_text("\n".join(corrected) + "\n", encoding="utf-8")
    report = load_mapped(project, second, project.root / "qbd.yml")
    # changed: Managed Services Mar, Rent Jan (2). Zeroed, held non-zero but absent now:
    # January's Project Services, Hardware Sales, both COGS accounts, Payroll, Legal,
    # Professional Fees, Interest (8) and March's Project Services, Hardware Sales, both COGS
    # accounts, Payroll (5). Read: the 4 rows of the export and those 13.
    assert (report.read, report.appended, report.unchanged) == (17, 15, 2)
    now = {(r[1], r[3]): r[4] for r in pnl(project)}
    assert now[(MAR, "Managed Services")] == Decimal("13100.00")
    assert now[(JAN, "Rent")] == Decimal("2900.00")
    assert now[(JAN, "Professional Fees:Legal")] == Decimal("0.00")
    assert now[(MAR, "Project Services")] == Decimal("0.00")
    # February was not in the corrected export: untouched
    assert now[(FEB, "Professional Fees")] == Decimal("75.00")
    assert now[(FEB, "Managed Services")] == Decimal("12500.00")
    versions = project.engine.scalar(
        "SELECT count(*) FROM raw_profit_and_loss WHERE source_id = "
        "'PL-2024-03-Managed Services'")
    assert versions == 2  # the earlier figure stays in the ledger


def write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HEAD = ",,,\"Jan 24\",\"Feb 24\",\"TOTAL\""


@pytest.mark.parametrize(("lines", "message"), [
    ([",,,\"Jan - Mar 24\"", "\"Ordinary Income/Expense\""],
     r"a\.csv: line 1: the column 'Jan - Mar 24' spans several months: this is not a report "
     r"by month"),
    ([",,,\"TOTAL\"", ",\"Income\"", ",,\"Rent\",\"5.00\""],
     r"a\.csv: line 1: the report has no month columns, only a total"),
    ([HEAD, ",\"Income\"", ",,\"Managed Services\",\"1,000.00\",\"1O0.00\",\"1,100.00\""],
     r"a\.csv: line 3, column Feb 24: '1O0\.00' is not a number"),
    ([HEAD, ",,\"Managed Services\",\"1,000.00\",,\"1,000.00\""],
     r"a\.csv: line 2: the account 'Managed Services' is outside any section \(expected it "
     r"under Income, Cost of Goods Sold, Expense, Other Income or Other Expense\)"),
    ([HEAD, ",\"Income\"", ",,\"Services\"", ",,\"  Managed\",\"1.00\",\"2.00\",\"3.00\"",
      ",\"Total Income\",\"1.00\",\"2.00\",\"3.00\""],
     r"a\.csv: line 5: the parent account 'Services' \(line 3\) has no 'Total Services' row"),
    (["\"Lakeside IT\"", "\"Profit & Loss\"", "\"Accrual Basis\""],
     r"a\.csv: no row of month column headings \(such as 'Jan 24', 'Feb 24', \.\.\., 'TOTAL'\) "
     r"was found"),
    ([HEAD, ",\"Income\"", ",,\"Rent\",\"1.00\",,\"1.00\"", ",,\"Rent\",,\"2.00\",\"2.00\""],
     r"a\.csv: line 4: the account 'Rent' is also on line 3"),
    ([",,,\"Jan 24\",\"Jan 2024\""], r"columns 'Jan 24' and 'Jan 2024' are both January 2024"),
    ([",,,\"Jan 24\",\"% of Income\""],
     r"the column heading '% of Income' is neither a month \(such as 'Jan 24'\) nor TOTAL"),
    ([], r"a\.csv: the file is empty"),
])
def test_bad_exports_are_refused_whole(project: Project, lines: list[str], message: str
                                       ) -> None:
    path = write(project.root, "a.csv", lines)
    with pytest.raises(LoadError, match=message):
        load_mapped(project, path, project.root / "qbd.yml")
    assert "raw_profit_and_loss" not in project.engine.relations()


def test_errors_on_the_command_line_name_file_and_row_without_a_traceback(
        project: Project) -> None:
    _xlsx(project.root / "bad.xlsx", [
        [None, None, None, "Jan 24", "TOTAL"], [None, "Expense"],
        [None, None, "Rent", "twelve", None]], tips_first=False)
    root = project.root
    project.close()
    proc = subprocess.run(
        [sys.executable, "-m", "northstar", "load-mapped", str(root / "bad.xlsx"), "-m",
         str(root / "qbd.yml"), "-p", str(root)],
        text=True, capture_output=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("error: bad.xlsx, sheet Sheet: row 3, column Jan 24: "
                                   "'twelve' is not a number")


def test_an_account_amount_that_is_an_uncalculated_formula_is_refused(project: Project
                                                                      ) -> None:
    path = _xlsx(project.root / "f.xlsx", [
        [None, None, "Jan 24", "TOTAL"], [None, "Expense"],
        [None, "Rent", "=1000+1500", "=C3"], [None, "Total Expense", "=C3", "=C3"]],
        tips_first=False)
    with pytest.raises(LoadError, match=r"f\.xlsx, sheet Sheet: row 3, column Jan 24: the "
                                        r"formula =1000\+1500 has no saved value"):
        load_mapped(project, path, project.root / "qbd.yml")


def test_months_an_export_may_name() -> None:
    assert [month_of(t) for t in ("Jan 24", "Jan '24", "Jan 2024", "January 2024", "Sept 24",
                                  "Dec 1 - 15, 24", "2024-11", " Feb  24 ")] == [
        JAN, JAN, JAN, JAN, date(2024, 9, 1), date(2024, 12, 1), date(2024, 11, 1), FEB]
    assert [month_of(t) for t in ("TOTAL", "Jan - Dec 24", "Janvier 24", "2024-13",
                                  None)] == [None] * 5


def test_a_project_without_an_accounts_reference_warns_about_nothing(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p", timezone="UTC") as p:
        path = write(p.root, "a.csv", [HEAD, ",\"Income\"", ",,\"Odd Jobs\",\"1.00\",,\"1.00\"",
                                       ",\"Total Income\",\"1.00\",,\"1.00\""])
        report = load_mapped(p, path, FileMapping.model_validate(
            {"format": "qbd_pnl_by_month", "table": "profit_and_loss"}))
        assert (report.appended, report.unmapped_accounts) == (1, [])
        assert findings(p.ledger) == []


def test_the_mapping_refuses_what_does_not_apply() -> None:
    with pytest.raises(ValueError, match="`columns` does not apply to format qbd_pnl_by_month"):
        FileMapping.model_validate({"format": "qbd_pnl_by_month", "table": "profit_and_loss",
                                    "columns": {"Account": {"to": "account"}}})
    with pytest.raises(ValueError, match="`id` is required"):
        FileMapping.model_validate({"table": "remittance_lines"})


def test_the_desktop_example_in_the_docs_gives_the_rows_it_shows(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[1] / "docs" / "warehouse.md").read_text("utf-8")
    section = doc[doc.index("## QuickBooks Desktop: Profit & Loss by Month"):]
    mapping = re.search(r"```yaml\n(# qbd\.yml\n.*?)```", section, re.S)
    export = re.search(r"```csv file=(\S+)\n(.*?)```", section, re.S)
    assert mapping is not None and export is not None
    table = section[export.end():section.index("How the report is read")]
    shown = [[c.strip() for c in line.strip().strip("|").split("|")]
             for line in table.splitlines() if line.startswith("| PL-")]
    with Project.init(tmp_path / "p", timezone="UTC") as p:
        (p.root / "qbd.yml").write_text(mapping.group(1), encoding="utf-8")
        (p.root / export.group(1)).write_text(export.group(2), encoding="utf-8")
        load_mapped(p, p.root / export.group(1), p.root / "qbd.yml")
        got = pnl(p)
    assert len(shown) == 9
    assert sorted((i, date.fromisoformat(m), n or None, a, Decimal(v))
                  for i, m, n, a, v in shown) == got


@pytest.mark.parametrize("indent", ["    ", ""])
def test_one_label_column_indented_with_spaces_or_not_at_all(project: Project, indent: str
                                                              ) -> None:
    """Sub-accounts by leading spaces in a single label column; with no indentation at all the
    parents come from their Total rows alone."""
    i1, i2, i3 = indent, indent * 2, indent * 3
    path = write(project.root, "flat.csv", [
        "\"\",\"Jan 2024\",\"Feb 2024\",\"Total\"",
        f"\"{i1}Income\"",
        f"\"{i2}Managed Services\",\"100.00\",\"110.00\",\"210.00\"",
        f"\"{i1}Total Income\",\"100.00\",\"110.00\",\"210.00\"",
        f"\"{i1}Cost of Goods Sold\"",
        f"\"{i2}Cost of Goods Sold\"",
        f"\"{i3}Hardware & Software\",\"40.00\",,\"40.00\"",
        f"\"{i3}Agreement Tools & Licences\",,\"-5.00\",\"-5.00\"",
        f"\"{i2}Total Cost of Goods Sold\",\"40.00\",\"-5.00\",\"35.00\"",
        f"\"{i1}Total COGS\",\"40.00\",\"-5.00\",\"35.00\"",
        "\"Net Income\",\"60.00\",\"115.00\",\"175.00\""])
    report = load_mapped(project, path, project.root / "qbd.yml")
    assert (report.appended, report.unmapped_accounts) == (4, [])
    assert pnl(project) == sorted([
        _row(JAN, None, "Managed Services", "100.00"),
        _row(FEB, None, "Managed Services", "110.00"),
        _row(JAN, None, "Cost of Goods Sold:Hardware & Software", "40.00"),
        _row(FEB, None, "Cost of Goods Sold:Agreement Tools & Licences", "-5.00")])
