"""`load_mapped`: CSV and spreadsheet CSV exports with a declared column mapping."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from northstar.errors import ConfigError, LoadError
from northstar.project import Project
from northstar.warehouse import load_file_mapping, load_mapped

MAPPING = """\
table: platform_invoice_lines
source: platform
id: [invoice_number, line]
columns:
  "Invoice #": {to: invoice_number, required: true}
  Line: {to: line, type: bigint}
  Invoice Date: {to: invoice_date, type: date, format: "%m/%d/%Y"}
  Amount: {to: amount, type: money}
  Brand: {to: customer_name}
  Paid: {to: paid, type: boolean}
tags:
  - {tag: department, value: demand}
  - {tag: client_id, from: customer_name, map: {"Harbor Lager Co.": c1}, strict_map: true}
"""


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    p = Project.init(tmp_path / "proj", engine_url=engine_url)
    yield p
    p.close()


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(project: Project) -> list[dict[str, object]]:
    return project.engine.query(
        "SELECT * FROM raw_platform_invoice_lines ORDER BY load_id, row_seq").to_pylist()


def test_spreadsheet_export_with_bom_semicolons_and_thousands(project: Project) -> None:
    mapping = write(project.root, "map.yml", MAPPING)
    export = write(project.root, "export.csv", (
        "\ufeffInvoice #;Line;Invoice Date;Amount;Brand;Paid;Notes\n"
        'INV-1;1;01/31/2025;"$1,234.50";Harbor Lager Co.;Yes;first\n'
        "INV-1;2;01/31/2025;(200.00);Harbor Lager Co.;yes;\n"
        "\n"
        "INV-2;1;02/03/2025;€ 99;Juniper Kombucha;No;x\n"
    ))
    report = load_mapped(project, export, mapping)
    assert (report.read, report.appended, report.unchanged) == (3, 3, 0)
    got = rows(project)
    assert [r["id"] for r in got] == ["INV-1-1", "INV-1-2", "INV-2-1"]
    assert [r["amount"] for r in got] == [Decimal("1234.50"), Decimal("-200.00"),
                                          Decimal("99.00")]
    assert [r["invoice_date"] for r in got] == [date(2025, 1, 31), date(2025, 1, 31),
                                                date(2025, 2, 3)]
    assert [r["paid"] for r in got] == [True, True, False]
    assert [r["client_id"] for r in got] == ["c1", "c1", None]
    assert {r["department"] for r in got} == {"demand"}
    assert {r["source_name"] for r in got} == {"platform"}
    assert "notes" not in got[0]  # unmapped columns are dropped by default


def test_loading_the_same_export_twice_adds_nothing(project: Project) -> None:
    mapping = write(project.root, "map.yml", MAPPING)
    text = ("Invoice #,Line,Invoice Date,Amount,Brand,Paid\n"
            "INV-1,1,01/31/2025,\"1,000.00\",Harbor Lager Co.,no\n"
            "INV-1,2,01/31/2025,10,Harbor Lager Co.,no\n")
    export = write(project.root, "export.csv", text)
    load_mapped(project, export, mapping)
    again = load_mapped(project, export, mapping)
    assert (again.appended, again.unchanged, again.load_id) == (0, 2, None)
    changed = write(project.root, "export2.csv", text.replace("INV-1,2,01/31/2025,10",
                                                              "INV-1,2,01/31/2025,11"))
    third = load_mapped(project, changed, mapping)
    assert (third.appended, third.unchanged) == (1, 1)
    assert [r["amount"] for r in rows(project)][-1] == Decimal("11.00")


def test_european_numbers_excel_sep_line_and_cp1252(project: Project) -> None:
    mapping = write(project.root, "map.yml", (
        "table: platform_invoice_lines\nid: ref\nencoding: cp1252\nunmapped: keep\n"
        "columns:\n  Ref: {to: ref}\n"
        "  Betrag: {to: amount, type: money, decimal: ','}\n"
        "  Datum: {to: invoice_date, type: date, format: '%d.%m.%Y'}\n"))
    export = write(project.root, "export.csv", (
        "sep=;\nRef;Betrag;Datum;Kunde\nA;1.234,50 €;31.01.2025;Müller\nB;-7,25;01.02.2025;Zoë\n"
    ), encoding="cp1252")
    load_mapped(project, export, mapping)
    got = rows(project)
    assert [(r["id"] if "id" in r else r["ref"], r["amount"], r["kunde"]) for r in got] == [
        ("A", Decimal("1234.50"), "Müller"), ("B", Decimal("-7.25"), "Zoë")]
    assert got[1]["invoice_date"] == date(2025, 2, 1)


def test_errors_name_the_line_and_the_column(project: Project) -> None:
    mapping = write(project.root, "map.yml", MAPPING)
    bad_amount = write(project.root, "a.csv", (
        "Invoice #,Line,Invoice Date,Amount,Brand,Paid\n"
        "INV-1,1,01/31/2025,10,x,no\n"
        "INV-1,2,01/31/2025,12x.00,x,no\n"))
    with pytest.raises(LoadError, match=r"a.csv: line 3, column Amount: '12x.00' is not a "
                                        r"number"):
        load_mapped(project, bad_amount, mapping)
    bad_date = write(project.root, "b.csv", (
        "Invoice #,Line,Invoice Date,Amount,Brand,Paid\n"
        "INV-1,1,2025-01-31,10,x,no\n"))
    with pytest.raises(LoadError, match=r"b.csv: line 2, column Invoice Date: '2025-01-31' does "
                                        r"not match the date format %m/%d/%Y"):
        load_mapped(project, bad_date, mapping)
    missing = write(project.root, "c.csv", "Invoice #,Line,Amount,Brand,Paid\nI,1,1,x,no\n")
    with pytest.raises(LoadError, match=r"c.csv: line 1: the mapping names column 'Invoice "
                                        r"Date', which the header does not have"):
        load_mapped(project, missing, mapping)
    empty_id = write(project.root, "d.csv", (
        "Invoice #,Line,Invoice Date,Amount,Brand,Paid\n,1,01/31/2025,1,x,no\n"))
    with pytest.raises(LoadError, match=r"d.csv: line 2, column Invoice #: empty, but the "
                                        r"mapping says it is required"):
        load_mapped(project, empty_id, mapping)
    ragged = write(project.root, "e.csv", (
        "Invoice #,Line,Invoice Date,Amount,Brand,Paid\nI,1,01/31/2025,1,x\n"))
    with pytest.raises(LoadError, match=r"e.csv: line 2: 5 fields, the header has 6"):
        load_mapped(project, ragged, mapping)
    # nothing was written, every failure is in the collection log
    assert "raw_platform_invoice_lines" not in project.engine.relations()
    failed = project.engine.scalar("SELECT count(*) FROM ns_loads WHERE status = 'failed'")
    assert failed == 5


def test_mapping_file_mistakes(tmp_path: Path) -> None:
    bad = write(tmp_path, "m.yml", "table: x\nid: id\ncolumns:\n  A: {to: a, type: money2}\n")
    with pytest.raises(ConfigError, match=r"m.yml:4: columns.A.type"):
        load_file_mapping(bad)
    tag = write(tmp_path, "t.yml", "table: x\nid: id\ntags:\n  - {tag: region, value: x}\n")
    with pytest.raises(ConfigError, match=r"t.yml:4: .*'region' is not a tag"):
        load_file_mapping(tag)
