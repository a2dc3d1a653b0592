"""The data-integrity page and GET /api/checks: every check of the marketplace pack on the
sample company, a loud red banner once an error-severity check fails, and results cached per
ledger head (a page view reruns nothing until a load or a check file changes)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from html import unescape
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from northstar import checks as checks_module
from northstar.checks import CheckResult, read_checks
from northstar.project import Project
from northstar.web import create_app
from web_helpers import (
    PASSWORDS,
    copy_project,
    csrf_of,
    fast_settings,
    open_copy,
    shared_template,
)


@pytest.fixture
def web(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path / "p"), fast_settings(), schedule=False)
    yield app
    app.state.ns.project.close()


def login(app: Any, who: str = "vic") -> TestClient:
    c = TestClient(app, follow_redirects=False)
    page = c.get("/login")
    c.post("/login", data={"username": who, "password": PASSWORDS[who],
                           "csrf_token": csrf_of(page.text)})
    return c


def statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="check-([a-z_0-9]+)" data-check-status="([a-z]+)"', html))


def card(html: str, name: str) -> str:
    return html.split(f'id="check-{name}"', 1)[1].split('class="card check"')[0]


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the real run_checks calls behind the cache."""
    calls: list[int] = []
    real = checks_module.run_checks

    def run(project: Project, *, sample_rows: int = 10) -> list[CheckResult]:
        calls.append(1)
        return real(project, sample_rows=sample_rows)

    monkeypatch.setattr(checks_module, "run_checks", run)
    return calls


def test_page_lists_every_check_and_turns_red_on_a_bad_row(
        web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project: Project = web.state.ns.project
    names = {c.name for c in read_checks(project.root / "checks")}
    assert len(names) >= 8 and "supplier_net_revenue_formula" in names
    calls = counting(monkeypatch)
    c = login(web)
    page = c.get("/integrity")
    assert page.status_code == 200
    # the general ledger's checks wait: the sample company keeps no chart of accounts
    books = {"gl_balances", "books_match_reported_pnl"}
    assert statuses(page.text) == {n: "waiting" if n in books else "pass" for n in names}
    assert 'id="integrity-alarm"' not in page.text
    passed = card(page.text, "bill_reconciliation")  # passed; the severity only if it fails
    assert '<span class="status green">passed</span> bill_reconciliation' in passed
    assert ('<p class="muted check-outcome">Passed: no wrong rows · would fail as: error</p>'
            in passed)
    assert "Severity" not in page.text
    assert "data-checks-failing" not in c.get("/").text
    assert '<a href="/integrity">Data integrity</a>' in page.text  # in the navigation
    assert "Net payouts in the NPR summary" in page.text  # the plain description
    assert c.get("/integrity").status_code == 200
    assert len(calls) == 0  # the app ran them at start; nothing loaded since: no rerun

    # a remittance for a bill the books never received
    project.append("remittance_lines", pa.Table.from_pylist([{
        "id": "REM-8888888", "bill_id": "BILL-8888888", "supplier_id": "SUP-0001",
        "remitted_date": date(2024, 3, 1), "amount": Decimal("900.00")}]), source="platform")
    page = c.get("/integrity")
    assert len(calls) == 1
    found = statuses(page.text)
    assert found["bill_reconciliation"] == "fail"
    assert 'id="integrity-alarm"' in page.text and 'class="banner failed"' in page.text
    alarm = page.text.split('id="integrity-alarm"', 1)[1].split("</p>", 1)[0]
    assert "bill_reconciliation" in alarm
    failed = card(page.text, "bill_reconciliation")
    assert '<span class="status red">failed</span> bill_reconciliation' in failed
    assert '<p class="muted check-outcome">Severity: error · 1 failing row</p>' in failed
    assert "BILL-8888888" in failed and "missing in accounting" in failed
    home = c.get("/").text  # every page now says so, from the cached results
    assert len(calls) == 1
    banner = home.split('data-checks-failing="1"', 1)[1].split("</p>", 1)[0]
    assert "bill_reconciliation" in banner and 'href="/integrity"' in banner

    api = c.get("/api/checks").json()
    assert len(calls) == 1  # the API shares the page's cached results
    assert api["success"] is True and api["data"]["alarming"] is True
    by_name = {r["name"]: r for r in api["data"]["checks"]}
    assert set(by_name) == names
    bad = by_name["bill_reconciliation"]
    assert (bad["status"], bad["passed"], bad["failing"]) == ("fail", False, 1)
    assert bad["sample"][0]["bill_id"] == "BILL-8888888"
    assert float(bad["sample"][0]["platform_total"]) == 900.0


def test_a_changed_check_file_is_rerun_and_a_warning_is_not_alarming(
        web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    project: Project = web.state.ns.project
    calls = counting(monkeypatch)
    c = login(web, "ada")
    assert c.get("/api/checks").json()["data"]["alarming"] is False
    (project.root / "checks" / "no_suppliers_named_x.sql").write_text(
        "-- description: lists every supplier, a warning that fails once per supplier\n"
        "-- severity: warning\nselect id, name from suppliers\n", encoding="utf-8")
    data = c.get("/api/checks").json()["data"]
    assert len(calls) == 1  # run at start, then again for the new file
    warning = next(r for r in data["checks"] if r["name"] == "no_suppliers_named_x")
    suppliers = project.engine.scalar("SELECT count(*) FROM suppliers")
    assert (warning["status"], warning["failing"]) == ("fail", suppliers)
    assert len(warning["sample"]) == 10
    assert data["alarming"] is False  # a failing warning does not raise the alarm
    page = c.get("/integrity").text
    assert 'id="integrity-alarm"' not in page
    assert f"The first 5 of {suppliers} rows." in page
    assert (f'<p class="muted check-outcome">Severity: warning · {suppliers} failing rows</p>'
            in card(page, "no_suppliers_named_x"))
    for name, sql in (("reads_nothing", "select * from no_such_table"),
                      ("reads_no_column", "select no_such_column from suppliers")):
        (project.root / "checks" / f"{name}.sql").write_text(
            f"-- description: {name}\n{sql}\n", encoding="utf-8")
    page = c.get("/integrity").text
    waiting = card(page, "reads_nothing")  # nothing loaded into it (yet)
    assert '<span class="status grey">waiting for data</span>' in waiting
    assert '<p class="muted check-outcome">Not run yet · would fail as: error</p>' in waiting
    broken = card(page, "reads_no_column")
    assert '<span class="status red">cannot run</span>' in broken
    assert '<p class="muted check-outcome">Severity: error · could not run</p>' in broken


def test_anonymous_visitors_are_sent_to_login(web: Any) -> None:
    c = TestClient(web, follow_redirects=False)
    assert c.get("/integrity").status_code == 303
    assert c.get("/api/checks").status_code == 401


def test_a_bad_metric_file_and_a_mistyped_model_are_shown_and_the_app_still_starts(
        tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    root = copy_project(shared_template(tmp_path_factory), tmp_path / "p").resolve()
    cash = root / "metrics" / "cash.yml"
    line = len(cash.read_text().splitlines()) + 1
    with cash.open("a") as f:
        f.write("colour: red\n")
    gmv = root / "metrics" / "gmv.yml"
    gmv.write_text(gmv.read_text().replace("model: gmv_lines\n", "model: gmv_line\n"))
    app = create_app(Project.open(root), fast_settings(), schedule=False)
    try:
        _, raw = app.state.ns.auth.create_token("vic", "test")
        c = TestClient(app, headers={"Authorization": f"Bearer {raw}"})
        broken = f"{cash}:{line}: unknown key 'colour'"

        page = c.get("/integrity")
        assert page.status_code == 200
        assert 'id="check-metrics/cash.yml" data-check-status="error"' in page.text
        assert broken in unescape(page.text)

        def message(url: str, status: int) -> str:
            r = c.get(url)
            assert r.status_code == status, r.text
            found = re.search(r'id="error-message">(.*?)</p>', r.text, re.S)
            assert found, r.text
            return unescape(found.group(1))

        assert message("/metric/cash", 422) == (
            f"metric 'cash' is left out until its file is fixed: {broken}")
        typo = "metric gmv: there is no model named 'gmv_line' — did you mean 'gmv_lines'?"
        assert message("/metric/gmv", 422) == typo
        r = c.get("/api/metrics?metric=gmv")
        assert (r.status_code, r.json()["error"]) == (
            422, {"code": "METRIC_FAILED", "status": 422, "message": typo})
        assert c.get("/api/metrics?metric=net_revenue").status_code == 200
    finally:
        app.state.ns.project.close()
