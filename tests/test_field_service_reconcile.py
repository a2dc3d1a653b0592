"""`northstar reconcile`: ServiceTitan report exports compared row by row with Northstar's
values. The sample company's exports (a daily CSV and a monthly Excel summary, made from the
generator's own plan, never from the ledger or the SQL) match to the cent on both engines; a
changed figure, a row missing, a unit not in the map are each named, with the report's line,
and the check `reconcile` fails until a rerun finds no difference."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from northstar.checks import run_checks
from northstar.errors import LoadError
from northstar.packs import get_pack
from northstar.packs.field_service.reconcile import read_report, reconcile
from northstar.project import Project

PACK = get_pack("field_service")
END = date(2026, 6, 15)
ROWS = 8_000
DAILY = "reports/business-unit-performance-2026-05.csv"
MONTHLY = "reports/business-unit-summary-2026-05.xlsx"


@pytest.fixture
def project(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "saguaro", pack=PACK, engine_url=engine_url,
                     timezone="America/Phoenix")
    p.load_sample(PACK, ROWS, seed=7, end=END)
    for name, body in PACK.sample_files(ROWS, seed=7, end=END).items():
        (p.root / name).parent.mkdir(exist_ok=True)
        (p.root / name).write_bytes(body)
    p.metrics.now = datetime(2026, 6, 16, 6, tzinfo=UTC)
    yield p
    p.close()


def failing(p: Project) -> int | None:
    [check] = [r for r in run_checks(p) if r.name == "reconcile"]
    return check.failing


def test_the_samples_report_exports_match_to_the_cent(project: Project) -> None:
    daily = reconcile(project, project.root / DAILY)
    monthly = reconcile(project, project.root / MONTHLY)
    # five KPIs for every unit and day of May with activity; six for every unit in the month
    assert daily.compared > 100 and monthly.compared > 20
    assert (daily.differences, monthly.differences) == ([], [])
    assert daily.unknown_columns == monthly.unknown_columns == []
    assert failing(project) == 0


def test_every_difference_is_named_and_the_check_fails_until_none_is_left(
        project: Project) -> None:
    path = project.root / DAILY
    original = path.read_text()
    lines = original.splitlines()
    # line 4 is the first data row; give it one lead more, and take out line 5
    unit, day, leads, *rest = lines[3].split(",", 3)
    lines[3] = ",".join([unit, day, str(int(leads) + 1), *rest])
    dropped = lines.pop(4)
    path.write_text("\n".join(lines) + "\n")
    found = reconcile(project, path)
    named = {(d.business_unit, d.period, d.metric): d for d in found.differences}
    when = datetime.strptime(day, "%m/%d/%Y").date().isoformat()
    first = named.pop((unit, when, "leads"))
    assert (first.report - (first.northstar or 0), first.lines, first.why) == (
        1, "4", "the values differ")
    # the row taken out: every non-zero figure Northstar has for it is named, "no row"
    gone_unit, gone_day, *_ = dropped.split(",")
    assert named and all(d.report is None and d.why.startswith("Northstar has a value")
                         and (d.business_unit, d.period) == (
                             gone_unit, datetime.strptime(gone_day, "%m/%d/%Y").date().isoformat())
                         for d in named.values())
    assert failing(project) == len(found.differences)
    path.write_text(original)
    assert reconcile(project, path).differences == []
    assert failing(project) == 0


def test_a_unit_not_in_the_map_and_a_column_nobody_knows(project: Project,
                                                         tmp_path: Path) -> None:
    report = tmp_path / "report.csv"
    report.write_text("Business Unit Performance\nDate Range: 05/04/2026 - 05/04/2026\n"
                      "Business Unit,Leads,Calls Booked\nHandyman,2,5\nTotal,2,5\n")
    found = reconcile(project, report)
    assert found.unknown_columns == ["Calls Booked"]
    [d] = [d for d in found.differences if d.business_unit == "Handyman"]
    assert (d.period, d.metric, d.report, d.lines) == ("2026-05-04", "leads", 2, "4")
    assert "not in the business-unit map" in d.why


def test_a_report_that_cannot_be_read_says_why(project: Project, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("Leads,Total Booked\n3,$100.00\n")
    with pytest.raises(LoadError, match="no header row with a 'Business Unit' column"):
        read_report(bad)
    bad.write_text("Business Unit,Leads\nPhoenix-Sales,3\n")
    with pytest.raises(LoadError, match=r"neither a Date column nor a date range"):
        read_report(bad)
    bad.write_text("Date Range: 05/03/2026 - 05/09/2026\nBusiness Unit,Leads\nPhoenix-Sales,3\n")
    with pytest.raises(LoadError, match="is not one day, month, quarter or year"):
        read_report(bad)
    bad.write_text("Business Unit,Date,Leads\nPhoenix-Sales,05/04/2026,three\n")
    with pytest.raises(LoadError, match=r"bad.csv:2: Leads: 'three' is not a number"):
        read_report(bad)


def test_northstar_reconcile_on_the_command_line(tmp_path: Path) -> None:
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"),
                                          os.environ.get("PYTHONPATH", "")])}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([sys.executable, "-m", "northstar", *args], cwd=tmp_path,
                              text=True, capture_output=True, timeout=300, env=env)
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    made = cli("demo", "d", "--pack", "field_service", "--rows", "4000", "--no-serve")
    assert made.returncode == 0, made.stderr
    reports = sorted((tmp_path / "d" / "reports").iterdir())
    assert [r.suffix for r in reports] == [".csv", ".xlsx"]
    ok = cli("reconcile", *map(str, reports), "-p", "d")
    assert ok.returncode == 0 and ok.stdout.count("0 differ") == 2, ok.stdout
    text = reports[0].read_text().splitlines()
    unit, day, leads, *rest = text[3].split(",", 3)
    text[3] = ",".join([unit, day, str(int(leads) + 2), *rest])
    reports[0].write_text("\n".join(text) + "\n")
    differs = cli("reconcile", str(reports[0]), "-p", "d")
    assert differs.returncode == 1
    assert "1 differ" in differs.stdout and f"{unit} " in differs.stdout
    assert "leads: report" in differs.stdout and "lines 4" in differs.stdout
