"""How the pages read a number: the open month by its pace, manual and derived metrics, late rows.

The project is the marketplace sample company (tests/web_helpers.py) with its clock set to the
6th of this month at 12:00 UTC (the company's timezone is UTC): 5.5 of the month's days are gone.
Expected figures are summed straight from the model rows, not through the metric layer."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from northstar.project import Project
from northstar.web import create_app
from web_helpers import PASSWORDS, csrf_of, fast_settings, open_copy, shared_template

TODAY = datetime.now(UTC).date()
MONTH_START = TODAY.replace(day=1)
NOW = datetime(TODAY.year, TODAY.month, 6, 12, tzinfo=UTC)
DAYS = calendar.monthrange(TODAY.year, TODAY.month)[1]
SHARE = 5.5 / DAYS
PREV_START = (MONTH_START - timedelta(days=1)).replace(day=1)
PREV = PREV_START.strftime("%Y-%m")
THIS = MONTH_START.strftime("%Y-%m")


@pytest.fixture
def web(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path / "p"), fast_settings(), schedule=False)
    app.state.ns.project.metrics.now = NOW
    yield app
    app.state.ns.project.close()


def login(app: Any, who: str = "ada") -> TestClient:
    c = TestClient(app, follow_redirects=False)
    page = c.get("/login")
    c.post("/login", data={"username": who, "password": PASSWORDS[who],
                           "csrf_token": csrf_of(page.text)})
    return c


def revenue(p: Project, start: date, end: date) -> Decimal:
    """Net revenue straight from its model rows: sum(amount) by txn_date in [start, end)."""
    found = p.engine.scalar("SELECT coalesce(sum(amount), 0) FROM revenue_lines "
                            f"WHERE txn_date >= DATE '{start}' AND txn_date < DATE '{end}'")
    return Decimal(str(found))


def text_of(html: str, element_id: str) -> str:
    """The text of the element with that id (up to its own closing tag, so no nesting of the
    same tag inside it)."""
    found = re.search(rf'<(\w+)[^>]*id="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, f"no #{element_id} on the page"
    return " ".join(re.sub(r"<[^>]+>", "", found.group(2)).split())


def test_the_open_month_is_judged_by_its_pace_and_shown_beside_the_last_closed(web: Any) -> None:
    c = login(web)
    p: Project = web.state.ns.project
    data = c.get("/api/my-metric?metric=net_revenue").json()["data"]
    cur = data["current"]
    assert (cur["period"], cur["open"], cur["pace"]) == (THIS, True, "total")
    assert cur["elapsed"] == pytest.approx(SHARE)
    assert cur["pace_target"] == pytest.approx(cur["target"] * SHARE)
    value = revenue(p, MONTH_START, date(TODAY.year, TODAY.month, DAYS) + timedelta(days=1))
    assert Decimal(str(cur["value"])) == pytest.approx(value)
    # like for like: the first 6 days of last month
    assert cur["previous_period"] == f"{PREV} days 1-6"
    assert Decimal(str(cur["previous"])) == pytest.approx(
        revenue(p, PREV_START, PREV_START + timedelta(days=6)))
    ratio = float(value) / cur["pace_target"]
    assert cur["status"] == ("green" if ratio >= 1 else "yellow" if ratio >= 0.9 else "red")
    assert data["last_closed"]["period"] == PREV
    assert not any(f.startswith("Moved") for f in data["findings"])

    html = c.get("/").text  # ada owns net revenue: her home page
    assert text_of(html, "metric-so-far") == "so far"
    assert f"{SHARE:.0%} of the month gone" in text_of(html, "metric-pacing")
    assert text_of(html, "metric-pace-target") == cur["formatted"]["pace_target"]
    assert f"Last closed, {PREV}" in text_of(html, "last-closed")
    assert "Moved" not in html


def test_a_manual_value_shows_with_its_author_and_note(web: Any) -> None:
    c = login(web, "ada")
    html = c.get("/metric/ebitda").text
    assert "`" not in text_of(html, "metric-action")  # code is shown as code, not backticks
    assert "<code>northstar set-manual</code>" in html
    assert "Target $0" not in html
    page = c.get("/admin")
    r = c.post("/admin/manual-value", data={
        "metric": "ebitda", "period": PREV, "value": "12500", "note": "from the closed books",
        "csrf_token": csrf_of(page.text)})
    assert r.status_code in (200, 303)
    html = c.get("/metric/ebitda").text
    assert text_of(html, "metric-value") == "$12.50K"
    assert f"for {PREV}" in html
    assert text_of(html, "metric-manual") == "Entered by hand by ada: “from the closed books”"
    assert text_of(html, "metric-status") == "green"  # absolute bands: green at $0 or more
    assert text_of(html, "metric-target") == "Green at $0 or more, yellow from -$50.00K"


def test_a_derived_metrics_drill_shows_its_parts_and_their_corrections(web: Any) -> None:
    c = login(web, "ada")
    p: Project = web.state.ns.project
    p.adjust_metric("net_revenue", PREV, "-250", author="dana", reason="duplicate fee")
    html = c.get(f"/drill/take_rate?period={PREV}").text
    [nr] = p.compute(["net_revenue"], [PREV])
    [gmv] = p.compute(["gmv"], [PREV])
    [take] = p.compute(["take_rate"], [PREV])
    assert nr.adjustment == Decimal("-250")
    parts = re.findall(r'<tr data-metric="([a-z_]+)">(.*?)</tr>', html, re.S)
    cells = {name: " ".join(re.sub(r"<[^>]+>", " ", row).split()) for name, row in parts}
    assert set(cells) == {"net_revenue", "gmv"}
    from northstar.formatting import format_value

    assert format_value(nr.value, "usd") in cells["net_revenue"]
    assert "-$250 by dana: duplicate fee" in cells["net_revenue"]
    assert format_value(gmv.value, "usd") in cells["gmv"] and "none" in cells["gmv"]
    assert float(take.value or 0) == pytest.approx(float(nr.value or 0) / float(gmv.value or 1))
    assert text_of(html, "drill-value") == format_value(take.value, "percent")
    assert "None on Take rate itself; the parts above carry theirs." in html


def test_a_late_row_for_a_frozen_month_is_a_finding_with_its_amount(web: Any) -> None:
    c = login(web, "ada")
    p: Project = web.state.ns.project
    old = str(p.calendar.previous(p.period(PREV)))  # ended over 10 grace days ago: frozen
    [before] = p.compute(["gmv"], [old])
    assert before.origin == "frozen" and before.value is not None
    assert "Late data" not in c.get("/metric/gmv").text
    # a copy of one of that month's GMV lines, under a new id, for $5,000: it arrives late
    start, end = p.calendar.dates(p.period(old))
    row = p.engine.query(
        "SELECT id, invoice_id, customer_id, txn_date, due_date, account_number, source_name "
        f"FROM raw_invoice_lines WHERE txn_date >= DATE '{start}' AND txn_date < DATE '{end}' "
        "AND account_number BETWEEN '4110' AND '4169' LIMIT 1").to_pylist()[0]
    (p.root / "late.csv").write_text(
        "id,invoice_id,customer_id,txn_date,due_date,account_number,amount\n"
        f"late-1,{row['invoice_id']},{row['customer_id']},{row['txn_date']},{row['due_date']},"
        f"{row['account_number']},5000.00\n")
    p.load_file("invoice_lines", p.root / "late.csv", source=row["source_name"])
    [after] = p.compute(["gmv"], [old])
    assert after.value == before.value  # frozen: the late row does not move it by itself
    html = c.get("/metric/gmv").text
    from northstar.formatting import format_value

    expected = (f"Late data for {old}: it froze at {format_value(before.value, 'usd')}, and "
                f"rows that arrived since would make it "
                f"{format_value(before.value + Decimal('5000'), 'usd')} (+$5.00K). To take them "
                f"in, an admin runs: northstar recompute gmv {old} --reason &#34;late rows&#34;")
    assert expected in html
    p.recompute("gmv", old, reason="late invoice line", author="dana")
    assert p.compute(["gmv"], [old])[0].value == before.value + Decimal("5000")
    assert "Late data" not in c.get("/metric/gmv").text
