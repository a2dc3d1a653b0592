"""The REST API over a real DuckDB project holding the marketplace sample company."""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from northstar.errors import ConfigError, NorthstarError
from northstar.packs import get_pack
from northstar.web import create_app
from northstar.web.dashboards import load_dashboard
from web_helpers import PASSWORDS, csrf_of, fast_settings, open_copy, shared_template


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return shared_template(tmp_path_factory)


@pytest.fixture
def app_client(template: Path, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(open_copy(template, tmp_path / "p"), fast_settings())
    with TestClient(app) as client:
        yield client
    app.state.ns.project.close()


@pytest.fixture(scope="module")
def shared(template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the tests that only read."""
    app = create_app(open_copy(template, tmp_path_factory.mktemp("ro") / "p"),
                     fast_settings())
    with TestClient(app) as client:
        yield client
    app.state.ns.project.close()


def token(client: TestClient, user: str) -> dict[str, str]:
    _, raw = client.app.state.ns.auth.create_token(user, "test")  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {raw}"}


def month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def test_metric_value_matches_the_ledger(shared: TestClient) -> None:
    project = shared.app.state.ns.project  # type: ignore[attr-defined]
    period = project.calendar.previous(project.period(month()))
    start, end = project.calendar.dates(period)
    expected = project.engine.scalar(
        "SELECT sum(amount) FROM revenue_lines WHERE txn_date >= ? AND txn_date < ?",
        [start, end])
    r = shared.get(f"/api/metrics?metric=net_revenue&period={period}",
                       headers=token(shared, "vic"))
    assert r.status_code == 200
    body = r.json()
    assert body["success"] is True
    [value] = body["data"]["metrics"]
    assert value["period"] == str(period)
    assert Decimal(str(value["value"])) == pytest.approx(Decimal(expected))
    # a month's net revenue may be negative in the small sample (-$1.86K): still dollars
    assert value["formatted"]["value"].removeprefix("-").startswith("$")
    assert value["status"] in ("green", "yellow", "red")


def test_owner_and_department_pick_metrics(shared: TestClient) -> None:
    h = token(shared, "vic")
    project = shared.app.state.ns.project  # type: ignore[attr-defined]
    ceo = project.catalog.owner_of("net_revenue")
    r = shared.get(f"/api/metrics?owner={ceo.id}", headers=h)
    assert [m["metric"] for m in r.json()["data"]["metrics"]] == ["net_revenue"]
    r = shared.get("/api/metrics?department=finance", headers=h)
    names = {m["metric"] for m in r.json()["data"]["metrics"]}
    assert names == {m.name for m in project.catalog if m.department == "finance"}
    r = shared.get("/api/metrics?metric=net_revenue&by=owner_id", headers=h)
    slices = r.json()["data"]["metrics"]
    assert len(slices) > 1 and all("owner_id" in s["slice"] for s in slices)


def test_scorecard_per_quarter_sums_months_and_groups_the_yearly_rows(
        shared: TestClient) -> None:
    project = shared.app.state.ns.project  # type: ignore[attr-defined]
    cal = project.calendar
    r = shared.get("/api/scorecard?grain=quarter", headers=token(shared, "vic"))
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["grain"] == "quarter" and data["periods"] == 8
    main, *others = data["groups"]
    current = cal.current("quarter")
    last = cal.previous(current)
    assert (main["per"], main["main"]) == ("quarter", True)
    assert [c["period"] for c in main["columns"][-2:]] == [str(last), str(current)]
    assert [c["label"] for c in main["columns"][-2:]] == [
        f"Q{last.index} {last.year}", f"Q{current.index} {current.year}"]
    assert [c["open"] for c in main["columns"][-2:]] == [False, True]
    assert [g["per"] for g in others] == ["year"]
    rows = {row["metric"]: row for row in data["rows"]}
    assert {m for m, row in rows.items() if row["per"] == "year"} == {
        m for m, row in rows.items() if row["grain"] == "year"}
    # net revenue (monthly) for the last closed quarter: the sum of its rows, against its SQL
    # target run for the quarter: 110% of the same quarter last year
    cell = next(c for c in rows["net_revenue"]["cells"] if c["period"] == str(last))
    start, end = cal.dates(last)
    ly_start, ly_end = cal.dates(cal.same_period_last_year(last))
    total = "SELECT sum(amount) FROM revenue_lines WHERE txn_date >= ? AND txn_date < ?"
    assert cell["value"] == pytest.approx(float(project.engine.scalar(total, [start, end])))
    assert cell["goal"] == pytest.approx(
        1.1 * float(project.engine.scalar(total, [ly_start, ly_end])))
    # new suppliers: a monthly goal of 3 is 9 a quarter
    assert {c["goal"] for c in rows["new_suppliers"]["cells"]} == {9.0}
    assert rows["new_suppliers"]["goal"] == "9"
    r = shared.get("/api/scorecard?grain=week&periods=4", headers=token(shared, "vic"))
    weekly = r.json()["data"]
    weeks = weekly["groups"][0]["columns"]
    assert len(weeks) == 4 and weeks[-1]["label"] == f"W{cal.current('week').index}"


@pytest.mark.parametrize(("url", "status", "code"), [
    ("/api/metrics?period=2025-13", 400, "INVALID_PERIOD"),
    ("/api/metrics?period=last-week", 400, "INVALID_PERIOD"),
    ("/api/metrics?metric=no_such_metric", 404, "UNKNOWN_METRIC"),
    ("/api/metrics?by=shoe_size", 422, "VALIDATION_ERROR"),
    ("/api/metrics?owner=nobody", 404, "UNKNOWN_PERSON"),
    ("/api/scorecard?periods=abc", 422, "VALIDATION_ERROR"),
    ("/api/scorecard?periods=0", 422, "VALIDATION_ERROR"),
    ("/api/scorecard?grain=year", 422, "VALIDATION_ERROR"),
    ("/api/drill/net_revenue?period=2025-W99", 400, "INVALID_PERIOD"),
    ("/api/drill/no_such_metric", 404, "UNKNOWN_METRIC"),
    ("/api/nothing-here", 404, "NOT_FOUND"),
])
def test_bad_requests_get_a_code_never_a_500(shared: TestClient, url: str, status: int,
                                             code: str) -> None:
    r = shared.get(url, headers=token(shared, "vic"))
    assert r.status_code == status, r.text
    assert r.json() == {"success": False, "error": {"code": code, "status": status,
                                                    "message": r.json()["error"]["message"]}}
    assert r.json()["error"]["message"]


def error_message(html: str) -> str:
    """The message an error page shows, as text."""
    found = re.search(r'id="error-message">(.*?)</p>', html, re.S)
    assert found, html
    return unescape(found.group(1))


def test_an_unknown_metric_says_which_metric_it_looks_like(shared: TestClient) -> None:
    h = token(shared, "vic")
    message = "unknown metric 'net_revenu' — did you mean 'net_revenue'?"
    r = shared.get("/api/metrics?metric=net_revenu", headers=h)
    assert (r.status_code, r.json()["error"]) == (
        404, {"code": "UNKNOWN_METRIC", "status": 404, "message": message})
    page = shared.get("/metric/net_revenu", headers=h)
    assert page.status_code == 404
    assert error_message(page.text) == message


def test_logged_out_gets_401(shared: TestClient) -> None:
    for url in ("/api/metrics", "/api/scorecard", "/api/collection-log", "/api/thresholds"):
        r = shared.get(url)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "UNAUTHENTICATED"
    r = shared.get("/api/metrics", headers={"Authorization": "Bearer nst_abc_def"})
    assert r.status_code == 401


def test_editor_enters_a_manual_value_and_the_number_moves(app_client: TestClient) -> None:
    h = token(app_client, "eve")
    period = month()
    body = {"metric": "net_revenue", "period": period, "value": "123456.78", "note": "test"}
    r = app_client.post("/api/manual-values", json=body, headers=h)
    assert r.status_code == 200, r.text
    r = app_client.get(f"/api/metrics?metric=net_revenue&period={period}", headers=h)
    [v] = r.json()["data"]["metrics"]
    assert v["value"] == 123456.78 and v["origin"] == "manual"
    assert v["formatted"]["value"] == "$123.46K"
    r = app_client.post("/api/manual-values", json={**body, "value": None, "release": True},
                        headers=h)
    assert r.status_code == 200
    r = app_client.get(f"/api/metrics?metric=net_revenue&period={period}", headers=h)
    assert r.json()["data"]["metrics"][0]["origin"] != "manual"


def test_wrong_types_in_a_write_are_422(app_client: TestClient) -> None:
    h = token(app_client, "eve")
    for body in ({"metric": "net_revenue", "period": month(), "value": "lots"},
                 {"metric": "net_revenue", "period": month(), "value": "NaN"},
                 {"metric": "net_revenue", "period": month(), "value": 1, "extra": 2},
                 {"period": month(), "value": 1}):
        r = app_client.post("/api/manual-values", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == "VALIDATION_ERROR"
    r = app_client.post("/api/manual-values", headers=h, content=b"{not json",
                        )
    assert r.status_code == 422
    r = app_client.post("/api/manual-values", json={"metric": "net_revenue", "period": "2025-99",
                                                    "value": 1}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["code"] == "INVALID_PERIOD"


def test_adjustment_needs_a_reason_and_nets_in(app_client: TestClient) -> None:
    h = token(app_client, "eve")
    period = month()
    before = app_client.get(f"/api/metrics?metric=net_revenue&period={period}",
                            headers=h).json()["data"]["metrics"][0]["value"] or 0.0
    r = app_client.post("/api/adjustments", json={"metric": "net_revenue", "period": period,
                                                  "delta": 1000, "reason": ""}, headers=h)
    assert r.status_code == 422
    r = app_client.post("/api/adjustments", json={"metric": "net_revenue", "period": period,
                                                  "delta": "1000.50", "reason": "late invoice"},
                        headers=h)
    assert r.status_code == 200, r.text
    after = r.json()["data"]["value"]["value"]
    assert after == pytest.approx(before + 1000.50)


def test_viewer_cannot_write_and_is_audited(app_client: TestClient) -> None:
    h = token(app_client, "vic")
    body = {"metric": "net_revenue", "period": month(), "value": 1}
    r = app_client.post("/api/manual-values", json=body, headers=h)
    assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
    r = app_client.post("/api/adjustments", json={**body, "delta": 1, "reason": "x"}, headers=h)
    assert r.status_code in (403, 422)
    r = app_client.post("/api/adjustments", json={"metric": "net_revenue", "period": month(),
                                                  "delta": 1, "reason": "x"}, headers=h)
    assert r.status_code == 403
    entries = app_client.app.state.ns.audit.entries()  # type: ignore[attr-defined]
    denied = [e for e in entries if e.outcome == "denied" and e.actor == "vic"]
    assert {e.action for e in denied} == {"manual_value.set", "adjustment.add"}


def test_thresholds_admin_only_and_change_status(app_client: TestClient) -> None:
    period = month()
    r = app_client.get("/api/thresholds", headers=token(app_client, "vic"))
    rows = {t["metric"]: t for t in r.json()["data"]}
    assert rows["net_revenue"]["source"] == "file"
    change = {"metric": "net_revenue", "relative_to": "absolute", "green": 1, "yellow": 0,
              "reason": "everything is green"}
    r = app_client.post("/api/thresholds", json=change, headers=token(app_client, "eve"))
    assert r.status_code == 403
    r = app_client.post("/api/thresholds", json=change, headers=token(app_client, "ada"))
    assert r.status_code == 200, r.text
    assert r.json()["data"]["source"] == "override"
    assert r.json()["data"]["bands"] == {"relative_to": "absolute", "green": 1.0, "yellow": 0.0}
    ada = token(app_client, "ada")
    app_client.post("/api/manual-values", json={"metric": "net_revenue", "period": period,
                                                "value": 5}, headers=ada)
    v = app_client.get(f"/api/metrics?metric=net_revenue&period={period}",
                       headers=ada).json()["data"]["metrics"][0]
    assert v["status"] == "green"  # 5 >= 1 absolute
    app_client.post("/api/manual-values", json={"metric": "net_revenue", "period": period,
                                                "value": -5}, headers=ada)
    v = app_client.get(f"/api/metrics?metric=net_revenue&period={period}",
                       headers=ada).json()["data"]["metrics"][0]
    assert v["status"] == "red"  # below 0


def test_a_dashboards_colours_follow_a_threshold_change_at_once(app_client: TestClient) -> None:
    def revenue_status() -> str:
        html = app_client.get("/dashboards/cfo", headers=token(app_client, "vic")).text
        tile = html.split('data-metric="net_revenue"', 1)[1].split('class="card tile', 1)[0]
        found = re.search(r'class="status (\w+)"', tile)
        assert found, tile[:400]
        return found.group(1)

    revenue_status()  # the page is computed and kept
    for green, yellow, expected in ((-1e12, -2e12, "green"), (1e12, 1e11, "red")):
        r = app_client.post("/api/thresholds", headers=token(app_client, "ada"), json={
            "metric": "net_revenue", "relative_to": "absolute", "green": green, "yellow": yellow,
            "reason": "test"})
        assert r.status_code == 200, r.text
        assert revenue_status() == expected  # no restart, no new load


def test_revoked_token_stops_working(app_client: TestClient) -> None:
    auth = app_client.app.state.ns.auth  # type: ignore[attr-defined]
    token_id, raw = auth.create_token("eve", "script")
    h = {"Authorization": f"Bearer {raw}"}
    assert app_client.get("/api/me", headers=h).json()["data"]["username"] == "eve"
    stored = auth.engine.scalar("SELECT token_hash FROM ns_web_tokens WHERE id = ?", [token_id])
    assert raw not in stored and stored != raw
    assert auth.revoke_token(token_id)
    assert app_client.get("/api/me", headers=h).status_code == 401
    assert not auth.revoke_token(token_id)


def test_session_writes_need_the_csrf_header(app_client: TestClient) -> None:
    page = app_client.get("/login")
    app_client.post("/login", data={"username": "eve", "password": PASSWORDS["eve"],
                                    "csrf_token": csrf_of(page.text)})
    body = {"metric": "net_revenue", "period": month(), "value": 7}
    r = app_client.post("/api/manual-values", json=body)
    assert r.status_code == 403 and r.json()["error"]["code"] == "CSRF_FAILED"
    csrf = csrf_of(app_client.get("/scorecard").text)
    r = app_client.post("/api/manual-values", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200


def test_collection_log_shows_a_failed_source_on_every_page(app_client: TestClient) -> None:
    project = app_client.app.state.ns.project  # type: ignore[attr-defined]
    table = next(t for t in project.ledger.tables() if t.startswith("raw_"))
    source = project.engine.scalar("SELECT source_name FROM ns_loads WHERE table_name = ?",
                                   [table])
    project.ledger.record_failure(table, source, datetime.now(UTC).replace(tzinfo=None),
                                  "HTTP 503 from the vendor")
    r = app_client.get("/api/collection-log", headers=token(app_client, "vic"))
    data = r.json()["data"]
    assert data["loads"][0]["status"] != "ok"
    failed = [s for s in data["sources"] if s["status"] == "failed"]
    assert [(f"raw_{s['table']}", s["source"]) for s in failed] == [(table, source)]
    page = app_client.get("/login")
    app_client.post("/login", data={"username": "vic", "password": PASSWORDS["vic"],
                                    "csrf_token": csrf_of(page.text)})
    for url in ("/", "/scorecard", "/dashboards", "/drill/net_revenue"):
        html = app_client.get(url).text
        assert 'data-source-status="failed"' in html and "HTTP 503 from the vendor" in html


def test_drill_pages_and_csv(app_client: TestClient) -> None:
    h = token(app_client, "vic")
    project = app_client.app.state.ns.project  # type: ignore[attr-defined]
    period = str(project.calendar.previous(project.period(month())))
    d = app_client.get(f"/api/drill/net_revenue?period={period}&size=2", headers=h).json()
    total = d["data"]["total"]
    assert total > 2 and len(d["data"]["rows"]) == 2
    r = app_client.get(f"/drill/net_revenue/csv?period={period}", headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert len(rows) == total + 1
    amounts = sum(Decimal(row[rows[0].index("Amount (USD)")]) for row in rows[1:])
    value = app_client.get(f"/api/metrics?metric=net_revenue&period={period}",
                           headers=h).json()["data"]["metrics"][0]["value"]
    assert float(amounts) == pytest.approx(value)


def test_openapi_is_served(shared: TestClient) -> None:
    doc = shared.get("/api/openapi.json").json()
    for path in ("/api/metrics", "/api/scorecard", "/api/thresholds", "/api/manual-values",
                 "/api/adjustments", "/api/collection-log"):
        assert path in doc["paths"], path
    assert set(doc["paths"]["/api/thresholds"]) == {"get", "post"}
    assert not any(p.startswith("/admin") or p == "/" for p in doc["paths"])


def test_audit_log_is_hash_chained(app_client: TestClient) -> None:
    h = token(app_client, "ada")
    app_client.post("/api/manual-values", json={"metric": "net_revenue", "period": month(),
                                                "value": 1}, headers=h)
    r = app_client.get("/api/audit", headers=h).json()["data"]
    assert r["problems"] == [] and r["entries"][0]["action"] == "manual_value.set"
    assert app_client.get("/api/audit", headers=token(app_client, "eve")).status_code == 403
    audit = app_client.app.state.ns.audit  # type: ignore[attr-defined]
    audit.engine.execute("UPDATE ns_web_audit SET actor = 'mallory' WHERE seq = 1")
    assert audit.verify() == ["entry 1 was changed after it was written"]


def test_web_sql_cannot_reach_files(app_client: TestClient, tmp_path: Path) -> None:
    engine = app_client.app.state.ns.project.engine  # type: ignore[attr-defined]
    secret = tmp_path / "p" / ".northstar" / "secret.key"
    with pytest.raises(Exception, match="disabled by configuration"):
        engine.query(f"SELECT * FROM read_csv('{secret}')")
    with pytest.raises(Exception, match="configuration has been locked"):
        engine.execute("SET enable_external_access = true")


def test_secret_is_owner_only(app_client: TestClient, tmp_path: Path) -> None:
    secret = tmp_path / "p" / ".northstar" / "secret.key"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert len(secret.read_text().strip()) == 64
    os.chmod(secret, 0o644)
    from northstar.secret import load_or_create_secret

    with pytest.raises(ConfigError, match="readable by others"):
        load_or_create_secret(tmp_path / "p")


def test_dashboard_pages(shared: TestClient) -> None:
    h = token(shared, "vic")
    boards = shared.get("/api/dashboards", headers=h).json()["data"]
    # The pack's dashboard files, with the pack's cfo.yml replaced by the test's own.
    pack = sorted(f.stem for f in get_pack("marketplace").dashboards_dir.glob("*.yml"))
    assert len(pack) == 9 and "cfo" in pack
    assert sorted(b["name"] for b in boards) == pack
    html = shared.get("/dashboards/cfo", headers=h).text
    assert html.count('class="card tile"') == 4
    assert shared.get("/dashboards/nope", headers=h).status_code == 404


def test_a_model_tile_has_a_json_twin_with_the_tiles_filter(shared: TestClient) -> None:
    h = token(shared, "vic")
    board = "supply_account_management"
    tiles = load_dashboard(get_pack("marketplace").dashboards_dir / f"{board}.yml",
                           shared.app.state.ns.project.catalog).tiles  # type: ignore[attr-defined]
    dev = next(i for i, t in enumerate(tiles) if t.model == "supplier_development")
    url = f"/api/models/supplier_development?dashboard={board}&tile={dev}"
    first = shared.get(url, headers=h).json()["data"]
    assert [c["name"] for c in first["columns"]] == tiles[dev].select
    engine = shared.app.state.ns.project.engine  # type: ignore[attr-defined]
    count = int(engine.scalar("SELECT count(*) FROM supplier_development"))
    # the tile shows its `limit` biggest suppliers, of all the model holds
    assert first["total"] == min(count, tiles[dev].limit) > 25 and len(first["rows"]) == 25
    second = shared.get(url + "&page=2", headers=h).json()["data"]
    payouts = [Decimal(r["total_payout"]) for r in first["rows"] + second["rows"]]
    assert payouts == sorted(payouts, reverse=True)  # the tile's order: total_payout desc
    biggest = engine.scalar("SELECT max(total_payout) FROM supplier_development")
    assert payouts[0] == Decimal(str(biggest))  # amounts as exact decimal strings
    # the page's table starts with the same supplier, and links this twin
    html = unescape(shared.get(f"/dashboards/{board}", headers=h).text)
    assert f'href="{url}"' in html
    assert first["rows"][0]["supplier_name"] in html

    # a tile with pinned totals: those on every page, the rest the tile's condition
    at = next(i for i, t in enumerate(tiles) if t.model == "supply_npr_by_supplier")
    npr = shared.get(f"/api/models/supply_npr_by_supplier?dashboard={board}&tile={at}&size=5",
                     headers=h).json()["data"]
    def names(where: str) -> set[str]:
        table = engine.query(f"SELECT DISTINCT supplier_name FROM supply_npr_by_supplier "
                             f"WHERE {where}")
        return set(table.column("supplier_name").to_pylist())

    assert npr["pinned"]
    assert {r["supplier_name"] for r in npr["pinned"]} == names("row_kind <> 'supplier'")
    assert len(npr["rows"]) == 5
    big = names("row_kind = 'supplier' AND total_ltv >= 10000")
    assert {r["supplier_name"] for r in npr["rows"]} <= big
    assert npr["pivot"] == {"rows": "supplier_name", "columns": "year", "value": "net_payout"}

    def error(path: str, headers: dict[str, str] = h) -> tuple[int, str]:
        r = shared.get(path, headers=headers)
        return r.status_code, r.json()["error"]["code"]

    assert error("/api/models/nope") == (404, "UNKNOWN_MODEL")
    assert error(f"/api/models/invoices?dashboard={board}&tile={dev}") == (404, "UNKNOWN_TILE")
    assert error(f"/api/models/supplier_development?dashboard={board}") == (400, "BAD_REQUEST")
    assert shared.get("/api/models/invoices").status_code == 401
    plain = shared.get("/api/models/invoices?size=3", headers=h).json()["data"]
    assert len(plain["rows"]) == 3 and plain["filter"]["where"] is None


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\ntitle: X\ntiles:\n  - metric: net_revenue\n", "must match the file name"),
    ("name: board\ntitle: X\ncolour: red\ntiles:\n  - metric: net_revenue\n",
     "board.yml:3: unknown key 'colour'"),
    ("name: board\ntitle: X\ntiles:\n  - metric: net_revenue\n  - metric: nope\n",
     "board.yml:5: tiles.1.metric: no metric 'nope'"),
    ("name: board\ntitle: X\ntiles:\n  - metric: net_revenue\n    visual: pie\n",
     "board.yml:5: tiles.0.visual"),
    ("name: board\ntitle: X\ntiles:\n  - metric: net_revenue\n    by: shoe_size\n",
     "board.yml:5: tiles.0: 'shoe_size' is not a tag"),
])
def test_dashboard_file_mistakes_name_file_and_line(template: Path, tmp_path: Path, text: str,
                                                    message: str) -> None:
    from northstar.metrics.catalog import load_catalog
    from northstar.people import load_people

    path = tmp_path / "board.yml"
    path.write_text(text, encoding="utf-8")
    catalog = load_catalog(template, *load_people(template))
    with pytest.raises(NorthstarError) as exc:
        load_dashboard(path, catalog)
    assert message in str(exc.value)


def test_pacing_for_a_running_total(app_client: TestClient) -> None:
    import calendar

    project = app_client.app.state.ns.project  # type: ignore[attr-defined]
    today = datetime.now(UTC)
    days = calendar.monthrange(today.year, today.month)[1]
    project.metrics.now = datetime(today.year, today.month, 1, tzinfo=UTC) + timedelta(days=10)
    data = app_client.get("/api/my-metric?metric=net_revenue",
                          headers=token(app_client, "vic")).json()["data"]
    current = data["current"]
    assert current["period"] == today.strftime("%Y-%m")
    assert data["pacing"]["share"] == pytest.approx(10 / days)
    assert data["pacing"]["expected"] == pytest.approx(current["target"] * 10 / days)
    assert data["pacing"]["on_pace"] == ((current["value"] or 0) >= data["pacing"]["expected"])
    assert len(data["trend"]) == 13
    # a closed period has no pacing
    last = project.calendar.previous(project.period(current["period"]))
    data = app_client.get(f"/api/my-metric?metric=net_revenue&period={last}",
                          headers=token(app_client, "vic")).json()["data"]
    assert data["pacing"] is None


def test_annotations_show_on_the_trend(app_client: TestClient) -> None:
    project = app_client.app.state.ns.project  # type: ignore[attr-defined]
    last = project.calendar.previous(project.period(month()))
    day = project.calendar.dates(last)[0].replace(day=3)
    body = {"metric": "net_revenue", "date": day.isoformat(), "note": "price change"}
    r = app_client.post("/api/annotations", json=body, headers=token(app_client, "vic"))
    assert r.status_code == 403
    r = app_client.post("/api/annotations", json=body, headers=token(app_client, "eve"))
    assert r.status_code == 200, r.text
    r = app_client.post("/api/annotations", json={**body, "date": "2025-02-30"},
                        headers=token(app_client, "eve"))
    assert r.status_code == 422
    data = app_client.get("/api/my-metric?metric=net_revenue",
                          headers=token(app_client, "vic")).json()["data"]
    assert [(n["period"], n["note"], n["author"]) for n in data["annotations"]] == [
        (str(last), "price change", "eve")]
    page = app_client.get("/login")
    app_client.post("/login", data={"username": "ada", "password": PASSWORDS["ada"],
                                    "csrf_token": csrf_of(page.text)})
    html = app_client.get("/").text
    assert "price change" in html and "&#34;annotations&#34;: [{" in html


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/api/manual-values", {"metric": "net_revenue", "period": "2025-01", "value": "1E+400"},
     "value: must be a finite number smaller than 1e15"),
    ("/api/manual-values", {"metric": "net_revenue", "period": "2025-01", "value": "1e-25"},
     "value: at most 10 decimal places"),
    ("/api/adjustments", {"metric": "net_revenue", "period": "2025-01", "delta": "-1e16",
                          "reason": "x"}, "delta: must be a finite number smaller than 1e15"),
    ("/api/annotations", {"metric": "net_revenue", "date": "0001-01-01", "note": "x"},
     "date: the year must be within 1900..2999"),
])
def test_absurd_values_are_refused(app_client: TestClient, path: str, body: dict[str, str],
                                   message: str) -> None:
    r = app_client.post(path, json=body, headers=token(app_client, "ada"))
    assert r.status_code == 422
    assert r.json()["error"]["message"] == message
    assert app_client.get("/api/my-metric?metric=net_revenue",
                          headers=token(app_client, "ada")).status_code == 200
