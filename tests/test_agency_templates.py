"""The agency's files to fill in (packs/agency/templates/): `northstar init --pack agency`
copies them, and each loads with `northstar load-mapped` into the table its metrics read.

Worked out by hand from the templates' example rows:
- client_snapshots: Lantern Realty Group (CSM marcus_bell, webinar funnel) onboarded 4 Nov
  2024, first lead 20 Nov (16 days), $2,500 a month, health 82; Peak Solar Co (hannah_lee,
  vsl) onboarded 2 Dec 2024, first lead 30 Dec (28 days), $4,000, health 64; both rows are
  January 2025. End of January: 2 active clients, MRR 2,500 + 4,000 = 6,500, client health
  (82 + 64) / 2 = 73; Marcus's MRR 2,500, the vsl funnel's 4,000. End of November 2024: one
  client (Lantern). Median days to first lead in Q4 2024: the median of 16 and 28 = 22.
- automation_runs: 6 January 2025, reminders 117 of 120 and intake 80 of 80: January's
  automation success (117 + 80) / (120 + 80) = 0.985.
- finance_snapshots: January 2025's EBITDA 61,000 and cash plan 250,000."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fakes.cli import run
from northstar.packs.agency import PACK

TEMPLATES = ("client_snapshots", "automation_runs", "finance_snapshots")


@pytest.fixture(scope="module")
def summit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("templates")
    run("init", "summit", "--pack", "agency", "--timezone", "America/Denver", cwd=root)
    folder = root / "summit"
    for name in TEMPLATES:
        out = run("load-mapped", f"templates/{name}.csv", "--mapping",
                  f"templates/{name}.yml", cwd=folder)
        assert f"2 row(s) appended to raw_{name}" in out.stdout
    return folder


def value(folder: Path, metric: str, period: str, *where: str) -> float | None:
    args = ["compute", "--metric", metric, "--period", period, "--json"]
    for w in where:
        args += ["--where", w]
    [row] = json.loads(run(*args, cwd=folder).stdout)
    return None if row["value"] is None else float(row["value"])


def test_init_copies_the_templates_and_each_loads_once(summit: Path) -> None:
    for name in TEMPLATES:
        for ext in ("csv", "yml"):
            assert (summit / "templates" / f"{name}.{ext}").read_bytes() == \
                (PACK.root / "templates" / f"{name}.{ext}").read_bytes()
        again = run("load-mapped", f"templates/{name}.csv", "--mapping",
                    f"templates/{name}.yml", cwd=summit)
        assert "all 2 row(s) already in" in again.stdout


def test_the_client_file_gives_the_book_of_clients(summit: Path) -> None:
    assert value(summit, "active_clients", "2025-01") == 2
    assert value(summit, "active_clients", "2024-11") == 1
    assert value(summit, "mrr", "2025-01") == pytest.approx(6500)
    assert value(summit, "client_health", "2025-01") == pytest.approx(73)
    assert value(summit, "mrr", "2025-01", "owner_id=marcus_bell") == pytest.approx(2500)
    assert value(summit, "mrr", "2025-01", "source_funnel=vsl") == pytest.approx(4000)
    assert value(summit, "median_days_to_first_lead", "2024-Q4") == pytest.approx(22)


def test_the_run_log_and_finance_figures_give_their_metrics(summit: Path) -> None:
    assert value(summit, "automation_success", "2025-01") == pytest.approx(0.985)
    assert value(summit, "ebitda", "2025-01") == pytest.approx(61000)
    assert value(summit, "cash_plan", "2025-01") == pytest.approx(250000)


def test_a_bad_cell_names_its_line_and_column_and_loads_nothing(summit: Path) -> None:
    bad = summit / "clients-bad.csv"
    text = (PACK.root / "templates" / "client_snapshots.csv").read_text()
    bad.write_text(text.replace(",64,", ",6x,"))
    out = run("load-mapped", bad.name, "--mapping", "templates/client_snapshots.yml",
              cwd=summit, ok=False)
    assert out.returncode != 0
    assert "line 3, column Health score" in out.stdout + out.stderr
    assert value(summit, "mrr", "2025-01") == pytest.approx(6500)  # nothing appended
