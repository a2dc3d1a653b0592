"""The weekly meeting in the app, on the company of tests/weekly_fixture.py: the page and its
JSON twin, a red cell's issue form (refused with the error by the field, saved with a 303),
the issue at the top of the next week's view until marked solved, the audit entries, the
print stylesheet, and `northstar weekly`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import weekly_fixture
from northstar.cli import app as cli_app
from northstar.web import create_app
from web_helpers import PASSWORDS, csrf_of, fast_settings, log_in

USERS = {"ada": ("admin", "ann"), "vic": ("viewer", "bob")}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(weekly_fixture.build(tmp_path / "p"), fast_settings(), schedule=False,
                     warm=False)
    for name, (role, person) in USERS.items():
        app.state.ns.auth.add_user(name, person, role, PASSWORDS[name])
    with TestClient(app, follow_redirects=False) as c:
        log_in(c, "vic")
        yield c
    app.state.ns.project.close()


def cell(html: str, metric: str, week: str) -> str:
    row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', html, re.S)
    assert row, metric
    found = re.search(rf'<td class="cell ([^"]*)" data-week="{week}"[^>]*>(.*?)</td>',
                      row.group(1), re.S)
    assert found, (metric, week)
    return found.group(1) + " | " + found.group(2)


def move(client: TestClient, *when: int) -> None:
    client.app.state.ns.project.metrics.now = datetime(*when, tzinfo=UTC)  # type: ignore[attr-defined]


def test_the_page_shows_every_owner_per_week_with_attainment(client: TestClient) -> None:
    r = client.get("/weekly")
    assert r.status_code == 200
    html = r.text
    assert "Weekly meeting · W19 2025" in html and "weeks cut in Asia/Tokyo" in html
    assert html.count('<th class="num week') == 13
    # sales, worked by hand in test_weekly: W16 $550 at 110%, W18 $350 at 50% red
    w16 = cell(html, "sales", "2025-W16")
    assert "green" in w16.split(" | ")[0] and ">$550<" in w16 and ">110%<" in w16
    w18 = cell(html, "sales", "2025-W18")
    assert w18.split(" | ")[0].split()[0] == "red" and ">50%<" in w18
    # a red cell offers an issue; a green one does not
    assert "/weekly/issues/new?metric=sales&amp;week=2025-W18" in w18
    assert "+ issue" not in w16
    # the week under way is marked so
    assert "open" in cell(html, "sales", "2025-W19").split(" | ")[0]
    assert 'id="issues-none"' in html
    # the JSON twin
    assert r.headers["link"] == ('</api/weekly?week=2025-W19&weeks=13>; rel="alternate"; '
                                 'type="application/json"')
    data = client.get("/api/weekly").json()["data"]
    assert data["week"] == "2025-W19" and data["issues"] == []
    sales = next(x for x in data["rows"] if x["metric"] == "sales")
    assert [c["attainment"] for c in sales["cells"][-4:]] == pytest.approx([1.1, 0.92, 0.5, 0.8])


def test_a_red_cell_opens_an_issue_that_carries_to_next_week_until_solved(
        client: TestClient) -> None:
    move(client, 2025, 5, 12, 1)  # Monday 12 May 10:00 in Tokyo: W20's meeting
    form = client.get("/weekly/issues/new?metric=sales&week=2025-W19&back=/weekly")
    assert form.status_code == 200
    assert "Sales</strong>, W19 2025 (5\N{EN DASH}11 May 2025): $400" in form.text
    # the owner is who takes it unless someone else is chosen
    assert '<option value="ann" selected>Ann Lee</option>' in form.text
    token = csrf_of(form.text)
    # refused: nothing to say; the form comes back with the error by the field
    refused = client.post("/weekly/issues", data={
        "metric": "sales", "week": "2025-W19", "person": "ann", "note": "  ",
        "back": "/weekly", "csrf_token": token})
    assert refused.status_code == 400
    assert 'id="issue-note-error">say what is wrong<' in refused.text
    assert 'aria-invalid="true"' in refused.text
    too_long = client.post("/weekly/issues", data={
        "metric": "sales", "week": "2025-W19", "person": "gil", "note": "x" * 501,
        "back": "/weekly", "csrf_token": token})
    assert too_long.status_code == 400 and "at most 500 characters" in too_long.text
    assert '<option value="gil" selected>' in too_long.text  # what was chosen, kept
    # without the session's token: refused and audited
    assert client.post("/weekly/issues", data={
        "metric": "sales", "week": "2025-W19", "person": "ann", "note": "x",
        "csrf_token": "wrong"}).status_code == 403
    saved = client.post("/weekly/issues", data={
        "metric": "sales", "week": "2025-W19", "person": "ann",
        "note": "Two deals slipped to June.", "back": "https://elsewhere.example/",
        "csrf_token": token})
    assert saved.status_code == 303 and saved.headers["location"] == "/weekly#issue-1"
    page = client.get("/weekly").text
    assert 'id="issue-1"' in page and "Two deals slipped to June." in page
    assert '<span class="muted">new</span>' in page
    # the red cell now points at its issue instead of offering another
    w19 = cell(page, "sales", "2025-W19")
    assert 'href="#issue-1"' in w19 and "+ issue" not in w19
    # next week's meeting: still on top, carried one week
    move(client, 2025, 5, 19, 1)
    page = client.get("/weekly").text
    assert 'id="issue-1"' in page and "carried 1 week<" in page
    assert 'id="issues-count">(1 open)' in page
    solved = client.post("/weekly/issues/1/solve", data={"back": "/weekly",
                                                         "csrf_token": token})
    assert solved.status_code == 303
    page = client.get("/weekly").text
    assert 'class="issue solved"' in page and "Solved by vic" in page
    assert 'id="issues-count">(0 open)' in page
    assert client.post("/weekly/issues/1/solve", data={"csrf_token": token}).status_code == 400
    # the week after: gone
    move(client, 2025, 5, 26, 1)
    assert 'id="issue-1"' not in client.get("/weekly").text
    # every step is in the audit log, chained
    audit = client.app.state.ns.audit  # type: ignore[attr-defined]
    entries = [(e.actor, e.action, e.outcome) for e in reversed(audit.entries(50))
               if e.action.startswith("weekly.") or e.action == "form"]
    assert entries == [("vic", "form", "denied"), ("vic", "weekly.issue.open", "ok"),
                       ("vic", "weekly.issue.solve", "ok")]
    opened = next(e for e in audit.entries(50) if e.action == "weekly.issue.open")
    assert json.loads(opened.detail) == {"issue": 1, "metric": "sales", "week": "2025-W19",
                                         "person": "ann", "note": "Two deals slipped to June."}
    assert audit.verify() == []


def test_the_api_opens_and_solves_issues(client: TestClient) -> None:
    _, raw = client.app.state.ns.auth.create_token("vic", "test")  # type: ignore[attr-defined]
    auth = {"Authorization": f"Bearer {raw}"}
    move(client, 2025, 5, 12, 1)
    r = client.post("/api/weekly/issues", headers=auth, json={
        "metric": "response_hours", "week": "2025-W18", "person": "bob",
        "note": "Two tickets waited over a day."})
    assert r.status_code == 200, r.text
    issue = r.json()["data"]
    assert (issue["id"], issue["person_name"], issue["solved"]) == (1, "Bob Ray", False)
    bad = client.post("/api/weekly/issues", headers=auth, json={
        "metric": "response_hours", "week": "2025-05", "person": "bob", "note": "x"})
    assert bad.status_code == 400 and "not an ISO week" in bad.json()["error"]["message"]
    # a session's write without the CSRF header is refused
    assert client.post("/api/weekly/issues/1/solve").status_code == 403
    move(client, 2025, 5, 19, 1)
    assert [i["carried"] for i in client.get("/api/weekly").json()["data"]["issues"]] == [1]
    done = client.post("/api/weekly/issues/1/solve", headers=auth).json()["data"]
    assert (done["solved"], done["solved_by"]) == (True, "vic")


def test_the_view_prints_on_one_landscape_page(client: TestClient) -> None:
    page = client.get("/weekly").text
    assert '<link rel="stylesheet" href="/static/weekly.css">' in page
    css = client.get("/static/weekly.css").text
    assert "@page { size: A4 landscape;" in css
    printed = css[css.index("@media print"):]
    assert "header, nav, .banner, .ask-box, .no-print { display:none !important; }" in printed
    # the form controls and the issue links are not printed (the browser test prints the
    # page to a PDF and counts one page)
    assert 'class="weekly-filters no-print"' in page and 'class="open-issue no-print"' in page


def test_the_page_needs_a_login_and_a_real_week(client: TestClient) -> None:
    anonymous = TestClient(client.app, follow_redirects=False)
    assert anonymous.get("/weekly").headers["location"] == "/login"
    assert anonymous.get("/api/weekly").status_code == 401
    r = client.get("/weekly?week=2025-W20")
    assert r.status_code == 400 and "has not begun yet" in r.text
    assert client.get("/weekly?week=2025-W17").status_code == 200
    marketing = client.get("/weekly?department=marketing").text
    assert 'data-metric="signups"' in marketing and 'data-metric="sales"' not in marketing


def test_the_cli_prints_the_same_weeks(tmp_path: Path, monkeypatch: Any) -> None:
    p = weekly_fixture.build(tmp_path / "p")
    p.close()
    # the CLI runs on the real clock: ask for the fixture's week, long closed
    runner = CliRunner()
    r = runner.invoke(cli_app, ["weekly", "-p", str(tmp_path / "p"), "--week", "2025-W19",
                                "--weeks", "4", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert [c["week"] for c in data["columns"]] == ["2025-W16", "2025-W17", "2025-W18",
                                                    "2025-W19"]
    sales = next(x for x in data["rows"] if x["metric"] == "sales")
    assert [c["formatted"] for c in sales["cells"]] == ["$550", "$460", "$350", "$400"]
    assert [c["attainment_formatted"] for c in sales["cells"][:3]] == ["110%", "92%", "50%"]
    monkeypatch.setenv("COLUMNS", "200")
    text = runner.invoke(cli_app, ["weekly", "-p", str(tmp_path / "p"), "--week",
                                   "2025-W18", "--weeks", "3", "--department", "sales"])
    assert text.exit_code == 0, text.output
    assert "Weekly meeting W18 2025" in text.output and "No open issues." in text.output
    assert "Ann Lee" in text.output and "Bob Ray" not in text.output
    assert "110%" in text.output
