"""The QBR page, its PDF and the QBR API, on the hand-made help-desk company of
tests/qbr_fixture.py (every expected figure is worked out there, by hand)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import qbr_fixture
from northstar.web import create_app
from web_helpers import PASSWORDS, fast_settings, log_in

USERS = {"ada": ("admin", "fred_fin"), "eve": ("editor", "olive_ops"),
         "vic": ("viewer", "olive_ops")}


def _app(root: Path) -> Any:
    app = create_app(qbr_fixture.build(root), fast_settings(), schedule=False, warm=False)
    for name, (role, person) in USERS.items():
        app.state.ns.auth.add_user(name, person, role, PASSWORDS[name])
    return app


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the tests that only read."""
    app = _app(tmp_path_factory.mktemp("qbr") / "p")
    with TestClient(app, follow_redirects=False) as client:
        log_in(client, "vic")  # the pages; the API calls send a token
        yield client
    app.state.ns.project.close()


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[TestClient]:
    app = _app(tmp_path / "p")
    with TestClient(app, follow_redirects=False) as client:
        yield client
    app.state.ns.project.close()


def token(client: TestClient, user: str) -> dict[str, str]:
    _, raw = client.app.state.ns.auth.create_token(user, "test")  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {raw}"}


def scorecard_status(client: TestClient, metric: str, period: str) -> str:
    card = client.get("/api/scorecard?grain=quarter", headers=token(client, "vic")).json()
    cells = next(r for r in card["data"]["rows"] if r["metric"] == metric)["cells"]
    return str({c["period"]: c["status"] for c in cells}[period])


def row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}".*?</tr>', html, re.S)
    assert found, row_id
    return found.group(0)


def pill(html: str, cls: str) -> tuple[str, str]:
    """(status, text) of the status pill of class `cls` in a row."""
    found = re.search(rf'class="status (\w+) {cls}" data-status="(\w+)"[^>]*>([^<]*)<', html)
    assert found, cls
    assert found.group(1) == found.group(2)
    return found.group(1), unescape(found.group(3))


def texts(html: str, cls: str) -> list[str]:
    return [unescape(t) for t in re.findall(rf'class="{cls}[^"]*"[^>]*>([^<]*)<', html)]


def inputs(html: str, metric: str) -> list[str]:
    """The three months' and the quarter's values of an input row."""
    cells = re.findall(r'<td class="num[^"]*" data-period="[^"]+">(.*?)</td>',
                       row(html, f"in-{metric}"))
    return [unescape(re.sub(r"<[^>]+>", "", c)) for c in cells]


# -- the page ---------------------------------------------------------------------------------
def test_qbr_goes_to_the_last_closed_quarter(shared: TestClient) -> None:
    r = shared.get("/qbr")
    assert (r.status_code, r.headers["location"]) == (303, "/qbr/2025-Q1")  # today: 2025-04-15
    r = shared.get("/qbr?quarter=2024-Q3")
    assert r.headers["location"] == "/qbr/2024-Q3"


def test_the_page_shows_every_smartnumber_against_both_comparisons(shared: TestClient) -> None:
    page = shared.get("/qbr/2025-Q1")
    assert page.headers["link"] == ('</api/qbr/smartnumbers?period=2025-Q1>; rel="alternate"; '
                                    'type="application/json"')
    html = page.text
    assert "Q1 2025" in html and "Q4 2024" in html and "Q1 2024" in html
    assert '<a href="/qbr">QBR</a>' in html  # in the navigation
    # tickets per endpoint: 42 / 22, against 33 / 12 and 6 / 10; lower is better, green <= 1,
    # yellow <= 2
    tpe = row(html, "sn-tickets_per_endpoint")
    assert pill(tpe, "sn-value") == ("yellow", "1.91")
    assert pill(tpe, "sn-previous") == ("red", "2.75")
    assert pill(tpe, "sn-last-year") == ("green", "0.60")
    assert texts(tpe, "num sn-change-previous") == ["-30.6%"]  # (1.909 - 2.75) / 2.75
    assert texts(tpe, "num sn-change-last-year") == ["+218.2%"]  # (1.909 - 0.6) / 0.6
    assert texts(tpe, "trend-value ") == ["0.60", "1.00", "1.60", "2.75", "1.91"]
    assert "<svg class=\"sparkline\"" in tpe and tpe.count("<circle") == 5
    # hours per ticket: 42 / 42 against 66 / 33 and 9 / 6
    hpt = row(html, "sn-hours_per_ticket")
    assert pill(hpt, "sn-value") == ("green", "1.00")
    assert pill(hpt, "sn-previous") == ("red", "2.00")
    assert pill(hpt, "sn-last-year") == ("yellow", "1.50")
    assert texts(hpt, "trend-value ") == ["1.50", "1.50", "1.50", "2.00", "1.00"]
    # revenue per endpoint: 42,000 / 22 against a target of 2,000 (yellow from 1,800)
    rpe = row(html, "sn-revenue_per_endpoint")
    assert pill(rpe, "sn-value") == ("yellow", "$1.91K")
    assert pill(rpe, "sn-previous") == ("green", "$2.75K")
    assert pill(rpe, "sn-last-year") == ("red", "$600")
    assert texts(rpe, "num sn-target") == ["$2.00K"]
    assert texts(rpe, "trend-value ") == ["$600", "$1.00K", "$1.60K", "$2.75K", "$1.91K"]


def test_the_page_shows_the_monthly_inputs_and_the_quarter(shared: TestClient) -> None:
    html = shared.get("/qbr/2025-Q1").text
    assert "Jan 2025" in html and "Feb 2025" in html and "Mar 2025" in html
    assert inputs(html, "tickets_created") == ["13", "14", "15", "42"]  # flow: summed
    assert inputs(html, "ticket_hours") == ["13.0", "14.0", "15.0", "42.0"]
    assert inputs(html, "endpoints") == ["12", "22", "22", "22"]  # level: at the quarter's end
    assert inputs(html, "revenue") == ["$13.00K", "$14.00K", "$15.00K", "$42.00K"]
    sections = re.findall(r'data-section="([^"]+)"', html)
    assert sections == ["Operations", "Revenue"]
    # an earlier quarter: 2024-Q4's endpoints fell to 12 when three devices were removed
    html = shared.get("/qbr/2024-Q4").text
    assert inputs(html, "endpoints") == ["15", "12", "12", "12"]
    assert inputs(html, "tickets_created") == ["10", "11", "12", "33"]


def test_the_picker_and_print_stylesheet(shared: TestClient) -> None:
    html = shared.get("/qbr/2025-Q1").text
    options = re.findall(r'<option value="([^"]+)"( selected)?>', html)
    assert options[0] == ("2025-Q2", "")  # under way
    assert ("2025-Q1", " selected") in options and len(options) == 8
    css = shared.get("/static/qbr.css").text
    assert "@media print" in css and "break-before: page" in css
    assert "print-color-adjust: exact" in css and "size: A4 landscape" in css


def test_a_wrong_quarter_is_refused(shared: TestClient) -> None:
    assert shared.get("/qbr/2025-05").status_code == 400  # a month
    assert shared.get("/qbr/2025-Q7").status_code == 400


def test_the_page_needs_a_login(shared: TestClient) -> None:
    anonymous = TestClient(shared.app, follow_redirects=False)
    r = anonymous.get("/qbr/2025-Q1")
    assert (r.status_code, r.headers["location"]) == (303, "/login")


def test_the_pdf_download_is_the_same_report(shared: TestClient) -> None:
    from pypdf import PdfReader

    r = shared.get("/qbr/2025-Q1/pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    # the stylesheets go into the document as they are, not HTML-escaped (quotes kept)
    from northstar.web import qbr_pdf

    project = shared.app.state.ns.project  # type: ignore[attr-defined]
    document = qbr_pdf.html(project, project.period("2025-Q1"))
    assert 'font-family: "DejaVu Sans"' in document and "&#34;" not in document
    for expected in ("Q1 2025", "Tickets per endpoint", "1.91", "$1.91K", "$42.00K"):
        assert expected in text, expected


# -- the API ----------------------------------------------------------------------------------
def test_monthly_metrics_envelope_and_filters(shared: TestClient) -> None:
    h = token(shared, "vic")
    body = shared.get("/api/qbr/metrics/monthly?period=2025-02&organization_id=1",
                      headers=h).json()
    assert body["success"] is True
    assert body["data"]["period"] == "2025-02" and body["data"]["organization_id"] == 1
    items = {m["metric_name"]: m for m in body["data"]["metrics"]}
    assert list(items) == ["tickets_created", "ticket_hours", "endpoints", "revenue"]
    assert items["tickets_created"]["value"] == 14
    assert items["endpoints"]["formatted_value"] == "22"
    assert items["revenue"]["formatted_value"] == "$14.00K"
    assert items["revenue"]["unit"] == "usd"
    # the vendor of the source each reads (qbr.yml vendors), when it was collected
    assert {n: m["vendor_id"] for n, m in items.items()} == {
        "tickets_created": 3, "ticket_hours": 3, "endpoints": 2, "revenue": 4}
    assert all(m["data_source"] == "collected" and m["collected_at"] for m in items.values())
    assert all(m["manually_entered_by"] is None for m in items.values())
    by_vendor = shared.get("/api/qbr/metrics/monthly?period=2025-02&vendor_id=2",
                           headers=h).json()["data"]["metrics"]
    assert [m["metric_name"] for m in by_vendor] == ["endpoints"]
    one = shared.get("/api/qbr/metrics/monthly?period=2025-02&metric_name=ticket_hours",
                     headers=h).json()["data"]["metrics"]
    assert [(m["metric_name"], m["value"], m["formatted_value"]) for m in one] == [
        ("ticket_hours", 14.0, "14.0")]


def test_quarterly_metrics_and_smartnumbers(shared: TestClient) -> None:
    h = token(shared, "vic")
    body = shared.get("/api/qbr/metrics/quarterly?period=2025-Q1", headers=h).json()
    values = {m["metric_name"]: m["value"] for m in body["data"]["metrics"]}
    assert values == {"tickets_created": 42, "ticket_hours": 42.0, "endpoints": 22,
                      "revenue": 42000}
    sn = shared.get("/api/qbr/smartnumbers?period=2025-Q1", headers=h).json()["data"]
    items = {m["metric_name"]: m for m in sn["metrics"]}
    tpe = items["tickets_per_endpoint"]
    assert tpe["value"] == pytest.approx(42 / 22)
    assert (tpe["status"], tpe["formatted_value"]) == ("yellow", "1.91")
    assert tpe["previous"] == pytest.approx(33 / 12) and tpe["previous_period"] == "2024-Q4"
    assert tpe["last_year"] == pytest.approx(0.6) and tpe["last_year_period"] == "2024-Q1"
    assert tpe["vendor_id"] is None and tpe["vendor_ids"] == [2, 3]  # reads two sources
    assert tpe["sources"] == ["helpdesk", "rmm"]
    assert items["revenue_per_endpoint"]["target"] == 2000
    month = shared.get("/api/qbr/smartnumbers?period=2025-02", headers=h).json()["data"]
    hpt = next(m for m in month["metrics"] if m["metric_name"] == "hours_per_ticket")
    assert (hpt["value"], hpt["status"]) == (1.0, "green")  # 14 hours / 14 tickets


@pytest.mark.parametrize(("path", "message"), [
    ("/api/qbr/metrics/monthly?period=2025-Q1", "Period format must be YYYY-MM"),
    ("/api/qbr/metrics/monthly?period=25-01", "Period format must be YYYY-MM"),
    ("/api/qbr/metrics/quarterly?period=2025-01", "Period format must be YYYY-QN"),
    ("/api/qbr/smartnumbers?period=2025", "Period format must be YYYY-MM or YYYY-QN"),
])
def test_a_period_in_the_wrong_format_is_invalid_period(shared: TestClient, path: str,
                                                        message: str) -> None:
    r = shared.get(path, headers=token(shared, "vic"))
    assert r.status_code == 400
    assert r.json() == {"success": False, "error": {"code": "INVALID_PERIOD",
                                                    "message": message, "status": 400}}


def test_errors_no_data_unknown_metric_organization_and_auth(shared: TestClient) -> None:
    h = token(shared, "vic")
    r = shared.get("/api/qbr/metrics/monthly?period=2025-13", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "INVALID_PERIOD")
    r = shared.get("/api/qbr/metrics/monthly?period=2023-06", headers=h)  # before any data
    assert r.status_code == 404
    assert r.json()["error"] == {"code": "NO_DATA", "message": "no data for 2023-06",
                                 "status": 404}
    r = shared.get("/api/qbr/metrics/quarterly?period=2025-Q3", headers=h)  # not begun
    assert r.json()["error"] == {"code": "NO_DATA", "message": "no data for 2025-Q3: it has "
                                 "not begun", "status": 404}
    r = shared.get("/api/qbr/metrics/monthly?period=2025-01&metric_name=nope", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "UNKNOWN_METRIC")
    r = shared.get("/api/qbr/metrics/monthly?period=2025-01&organization_id=2", headers=h)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "UNKNOWN_ORGANIZATION")
    r = TestClient(shared.app).get("/api/qbr/metrics/monthly?period=2025-01")
    assert (r.status_code, r.json()["error"]["code"]) == (401, "UNAUTHENTICATED")


def test_thresholds_post_changes_the_status_the_page_shows(fresh: TestClient) -> None:
    listed = fresh.get("/api/qbr/thresholds", headers=token(fresh, "vic")).json()["data"]
    hpt = next(t for t in listed["thresholds"] if t["metric_name"] == "hours_per_ticket")
    assert (hpt["relative_to"], hpt["green"], hpt["yellow"], hpt["source"]) == (
        "absolute", 1.2, 1.6, "file")
    assert hpt["section"] == "SmartNumbers"
    change = {"metric_name": "hours_per_ticket", "green": 2.0, "yellow": 2.5,
              "reason": "the new contract allows two hours"}
    r = fresh.post("/api/qbr/thresholds", json=change, headers=token(fresh, "eve"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "FORBIDDEN")  # editors cannot
    log_in(fresh, "vic")
    assert scorecard_status(fresh, "tickets_per_endpoint", "2024-Q4") == "red"  # 2.75
    before = row(fresh.get("/qbr/2025-Q1").text, "sn-hours_per_ticket")
    assert pill(before, "sn-previous") == ("red", "2.00")
    assert pill(before, "sn-last-year") == ("yellow", "1.50")
    r = fresh.post("/api/qbr/thresholds", json=change, headers=token(fresh, "ada"))
    assert r.status_code == 200, r.text
    assert (r.json()["data"]["green"], r.json()["data"]["source"]) == (2.0, "override")
    after = row(fresh.get("/qbr/2025-Q1").text, "sn-hours_per_ticket")
    assert pill(after, "sn-previous") == ("green", "2.00")  # 2.00 <= 2.0 now
    assert pill(after, "sn-last-year") == ("green", "1.50")
    api = fresh.get("/api/qbr/smartnumbers?period=2024-Q4&metric_name=hours_per_ticket",
                    headers=token(fresh, "vic")).json()["data"]["metrics"][0]
    assert api["status"] == "green"
    # the scorecard (owners' metrics), kept until the ledger moves, follows too
    assert scorecard_status(fresh, "tickets_per_endpoint", "2024-Q4") == "red"  # kept
    r = fresh.post("/api/qbr/thresholds", headers=token(fresh, "ada"), json={
        "metric_name": "tickets_per_endpoint", "green": 3.0, "yellow": 4.0, "reason": "test"})
    assert r.status_code == 200, r.text
    assert scorecard_status(fresh, "tickets_per_endpoint", "2024-Q4") == "green"
    # the metric page, computed by the same metric layer, agrees
    assert "green" in fresh.get("/metric/hours_per_ticket?period=2024-12").text
    r = fresh.post("/api/qbr/thresholds", json={**change, "metric_name": "nope"},
                   headers=token(fresh, "ada"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "UNKNOWN_METRIC")
    r = fresh.post("/api/qbr/thresholds", json={**change, "green": 3.0},
                   headers=token(fresh, "ada"))  # lower is better: green above yellow
    assert (r.status_code, r.json()["error"]["code"]) == (400, "BAD_REQUEST")


def test_a_manual_value_overrides_and_collection_keeps_it(fresh: TestClient) -> None:
    project = fresh.app.state.ns.project  # type: ignore[attr-defined]
    entry = {"metric_name": "tickets_created", "period": "2025-02", "value": "20",
             "notes": "recounted by hand: the help desk was down for a day"}
    r = fresh.post("/api/qbr/metrics/manual", json=entry, headers=token(fresh, "vic"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "FORBIDDEN")  # viewers cannot
    r = fresh.post("/api/qbr/metrics/manual", json=entry, headers=token(fresh, "eve"))
    assert r.status_code == 200, r.text
    item = r.json()["data"]
    assert (item["value"], item["data_source"], item["manually_entered_by"]) == (
        20, "manual", "eve")
    assert item["notes"] == entry["notes"] and item["manually_entered_at"]
    assert item["collected_at"] is None and item["vendor_id"] == 3
    # stored through the ledger's manual values, as the admin page enters them
    assert project.engine.rows("SELECT metric, period, value, author, note FROM "
                               "ns_manual_values") == [
        ("tickets_created", "2025-02", "20", "eve", entry["notes"])]
    # a collection run brings the month's tickets again, and one more: the hand value stays
    extra = qbr_fixture.tickets().filter([t.startswith("T202502")
                                          for t in qbr_fixture.tickets()["id"].to_pylist()])
    project.append("tickets", extra, source="helpdesk")
    h = token(fresh, "vic")
    got = fresh.get("/api/qbr/metrics/monthly?period=2025-02&metric_name=tickets_created",
                    headers=h).json()["data"]["metrics"][0]
    assert (got["value"], got["data_source"]) == (20, "manual")
    log_in(fresh, "vic")
    html = fresh.get("/qbr/2025-Q1").text
    assert inputs(html, "tickets_created") == ["13", "20 (manual)", "15", "42"]
    # handed back to collection: the collected value again
    r = fresh.post("/api/qbr/metrics/manual", headers=token(fresh, "ada"),
                   json={"metric_name": "tickets_created", "period": "2025-02",
                         "data_source": "collected"})
    assert r.status_code == 200, r.text
    assert (r.json()["data"]["value"], r.json()["data"]["data_source"]) == (14, "collected")
    r = fresh.post("/api/qbr/metrics/manual", headers=token(fresh, "eve"),
                   json={**entry, "period": "2025/02"})
    assert (r.status_code, r.json()["error"]["code"]) == (400, "INVALID_PERIOD")


def test_the_qbr_endpoints_are_in_the_openapi_document(shared: TestClient) -> None:
    paths = shared.get("/api/openapi.json").json()["paths"]
    assert {"/api/qbr/metrics/monthly", "/api/qbr/metrics/quarterly", "/api/qbr/smartnumbers",
            "/api/qbr/thresholds", "/api/qbr/metrics/manual"} <= set(paths)
    assert set(paths["/api/qbr/thresholds"]) == {"get", "post"}


def test_a_project_without_qbr_yml_says_how_to_get_one(fresh: TestClient) -> None:
    project = fresh.app.state.ns.project  # type: ignore[attr-defined]
    (project.root / "qbr.yml").unlink()
    log_in(fresh, "vic")
    r = fresh.get("/qbr/2025-Q1")
    assert r.status_code == 400 and "has no qbr.yml" in unescape(r.text)
    r = fresh.get("/api/qbr/smartnumbers?period=2025-Q1", headers=token(fresh, "vic"))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "NO_QBR")
