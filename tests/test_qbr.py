"""qbr.yml (the QBR's layout: strict, errors at file:line), init --pack copying it, and
`northstar report qbr` writing the PDF (figures from tests/qbr_fixture.py, worked by hand)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

import northstar
import qbr_fixture
from northstar.errors import ConfigError, NorthstarError
from northstar.packs import load_pack
from northstar.project import Project
from northstar.qbr import QBR_FILE, load_layout

TINY = Path(__file__).resolve().parent / "tiny_pack"
DOCS = Path(__file__).resolve().parent.parent / "docs"
SRC = str(Path(northstar.__file__).resolve().parents[1])


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = qbr_fixture.build(tmp_path / "p")
    yield p
    p.close()


def write(p: Project, text: str) -> None:
    (p.root / QBR_FILE).write_text(text, encoding="utf-8")


def test_the_layout_names_its_sections_smartnumbers_and_vendors(project: Project) -> None:
    layout = load_layout(project.root, project.catalog)
    assert layout is not None
    assert layout.smart == ["tickets_per_endpoint", "hours_per_ticket", "revenue_per_endpoint"]
    assert layout.input_sections == {"Operations": ["tickets_created", "ticket_hours",
                                                    "endpoints"], "Revenue": ["revenue"]}
    assert layout.vendors == {"rmm": 2, "helpdesk": 3, "books": 4}
    assert layout.section_of("revenue") == "Revenue"


def test_no_file_is_no_qbr(project: Project) -> None:
    (project.root / QBR_FILE).unlink()
    assert load_layout(project.root, project.catalog) is None


@pytest.mark.parametrize(("text", "error"), [
    ("sections:\n  Ops:\n    - tickets_created\n    - tickets_creatd\n"
     "  SmartNumbers: [hours_per_ticket]\n",
     r"qbr.yml:4: section 'Ops': no metric named 'tickets_creatd'; did you mean "
     r"'tickets_created' or 'ticket_hours'\?"),
    ("sections:\n  Ops: [tickets_created]\n  SmartNumbers:\n    - hours_per_ticket\n"
     "    - tickets_created\n",
     r"qbr.yml:5: 'tickets_created' is listed twice \(in 'Ops' and 'SmartNumbers'\)"),
    ("sections:\n  Ops: [tickets_created]\n  SmartNumbers: [hours_per_ticket]\ncolour: red\n",
     r"qbr.yml:4: unknown key 'colour'"),
    ("sections:\n  Ops: [tickets_created]\n  SmartNumbers: []\n",
     r"qbr.yml:\d: sections: .*section 'SmartNumbers' lists no metric"),
    ("smartnumbers: KPIs\nsections:\n  Ops: [tickets_created]\n",
     r"qbr.yml:1: smartnumbers names section 'KPIs', which is not one of the sections"),
    ("vendors: {rmm: two}\nsections:\n  Ops: [tickets_created]\n  SmartNumbers: [revenue]\n",
     r"qbr.yml:1: vendors.rmm: .*integer"),
    ("- tickets_created\n", r"qbr.yml:1: expected a mapping with `sections:`"),
])
def test_a_mistake_names_the_file_and_line(project: Project, text: str, error: str) -> None:
    write(project, text)
    with pytest.raises(ConfigError, match=error):
        load_layout(project.root, project.catalog)


def test_init_from_a_pack_copies_and_checks_its_layout(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p", pack=load_pack(TINY)) as p:
        assert (p.root / QBR_FILE).read_text() == (TINY / QBR_FILE).read_text()
        layout = load_layout(p.root, p.catalog)
        assert layout is not None and layout.smart == ["new_mrr"]
    broken = tmp_path / "tiny"
    shutil.copytree(TINY, broken, ignore=shutil.ignore_patterns("__pycache__"))
    (broken / QBR_FILE).write_text("sections:\n  Sales: [new_subscription]\n"
                                   "  SmartNumbers: [new_mrr]\n")
    with pytest.raises(NorthstarError, match=r"qbr.yml:2: section 'Sales': no metric named "
                                             r"'new_subscription'"):
        Project.init(tmp_path / "q", pack=load_pack(broken))


def test_the_documented_layout_is_valid(project: Project) -> None:
    """docs/qbr.md's example, on the fixture's metrics (it is the fixture's own file)."""
    doc = (DOCS / "qbr.md").read_text()
    example = re.search(r"```yaml\n(# qbr.yml.*?)```", doc, re.S)
    assert example, "docs/qbr.md has no qbr.yml example"
    assert example.group(1) == qbr_fixture.QBR
    write(project, example.group(1))
    assert load_layout(project.root, project.catalog) is not None


def test_the_report_is_the_same_on_duckdb_and_postgresql(tmp_path: Path,
                                                         engine_url: str) -> None:
    """The figures worked out by hand in tests/qbr_fixture.py, on each engine."""
    from northstar.web import qbr

    with qbr_fixture.build(tmp_path / "p", engine_url) as p:
        r = qbr.report(p, p.period("2025-Q1"))
        trends = {s["metric"]: [t["formatted"] for t in s["trend"]] for s in r["smartnumbers"]}
        assert trends == {
            "tickets_per_endpoint": ["0.60", "1.00", "1.60", "2.75", "1.91"],
            "hours_per_ticket": ["1.50", "1.50", "1.50", "2.00", "1.00"],
            "revenue_per_endpoint": ["$600", "$1.00K", "$1.60K", "$2.75K", "$1.91K"]}
        statuses = {s["metric"]: [t["status"] for t in s["trend"]] for s in r["smartnumbers"]}
        assert statuses["tickets_per_endpoint"] == ["green", "green", "yellow", "red", "yellow"]
        assert statuses["revenue_per_endpoint"] == ["red", "red", "red", "green", "yellow"]
        inputs = {row["metric"]: [c["value"] for c in row["months"]] + [row["quarter"]["value"]]
                  for sec in r["sections"] for row in sec["rows"]}
        assert inputs == {"tickets_created": [13, 14, 15, 42], "ticket_hours": [13, 14, 15, 42],
                          "endpoints": [12, 22, 22, 22],
                          "revenue": [13000, 14000, 15000, 42000]}
        assert r["months"] == ["2025-01", "2025-02", "2025-03"]
        assert r["quarters"] == ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2025-Q1"]


def test_report_qbr_writes_the_pdf(project: Project, tmp_path: Path) -> None:
    root = project.root
    project.close()
    out = tmp_path / "q1.pdf"
    proc = subprocess.run([sys.executable, "-m", "northstar", "report", "qbr", "2025-Q1",
                           "--out", str(out), "--project", str(root)], capture_output=True,
                          text=True, timeout=300, env={"COLUMNS": "200", "PYTHONPATH": SRC,
                                                       "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert f"Wrote the QBR for 2025-Q1 to {out}" in proc.stdout
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    reader = PdfReader(out)
    # the SmartNumbers, then a page per input section (Operations, Revenue)
    assert 3 <= len(reader.pages) <= 5
    size = reader.pages[0].mediabox
    assert float(size.width) > float(size.height)  # landscape
    assert round(float(size.width) / 72 * 25.4) == 297  # A4
    text = [page.extract_text() for page in reader.pages]
    assert "Quarterly business review: Q1 2025" in text[0]
    for expected in ("Tickets per endpoint", "1.91", "2.75", "0.60", "$1.91K", "$600",
                     "-30.6%", "+218.2%"):
        assert expected in text[0], expected
    everything = " ".join(text)
    for expected in ("Jan 2025", "Mar 2025", "$13.00K", "$42.00K", "Endpoints managed"):
        assert expected in everything, expected


def test_report_qbr_refuses_a_month(project: Project) -> None:
    root = project.root
    project.close()
    proc = subprocess.run([sys.executable, "-m", "northstar", "report", "qbr", "2025-03",
                           "--project", str(root)], capture_output=True, text=True,
                          timeout=120, env={"COLUMNS": "200", "PYTHONPATH": SRC,
                                            "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 2
    assert "'2025-03' is a month; a QBR is for a quarter, e.g. 2025-Q1" in proc.stderr


def test_the_documented_msp_layout_has_the_seeds_sections_and_18_smartnumbers() -> None:
    import yaml

    from northstar.qbr import QbrLayout

    doc = (DOCS / "qbr.md").read_text()
    example = re.search(r"```yaml\n(# packs/msp/qbr.yml.*?)```", doc, re.S)
    assert example
    layout = QbrLayout.model_validate(yaml.safe_load(example.group(1)))
    assert list(layout.input_sections) == ["Operations", "Revenue", "Expenses", "Profit",
                                           "General", "Sales"]
    assert len(layout.smart) == 18 and len(set(layout.smart + layout.inputs)) == 45
    assert layout.vendors == {"ninjaone": 2, "connectwise": 3, "quickbooks": 4, "manual": 5}


def test_letter_paper(project: Project) -> None:
    import io

    from northstar.web import qbr_pdf

    reader = PdfReader(io.BytesIO(qbr_pdf.pdf(project, project.period("2025-Q1"), "letter")))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (792, 612)  # 11 x 8.5 in
