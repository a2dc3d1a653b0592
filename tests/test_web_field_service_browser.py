"""The field-service boards in Debian's Chromium (driven by Playwright) against a real server on
the sample painting contractor: a branch's daily board shows each KPI of its sales unit and its
production unit today against the unit's own target, with the trends drawn; the sales units'
board draws its 14-day heat maps by unit; the branch comparison its bars. Saves
docs/screenshots/field-service-daily.png.

Runs whenever /usr/bin/chromium exists; with CI or NORTHSTAR_REQUIRE_BROWSER set it must run
(.ci/browser-deps installs chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from northstar.formatting import format_value
from northstar.packs import get_pack
from northstar.project import Project
from northstar.web import create_app
from web_helpers import PASSWORDS, fast_settings, launch_chromium, serve

SCREENSHOT = (Path(__file__).resolve().parent.parent / "docs" / "screenshots"
              / "field-service-daily.png")
PACK = get_pack("field_service")
NOW = datetime(2026, 6, 16, 1, tzinfo=UTC)  # 18:00 on Monday 15 June in Phoenix

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Project]]:
    project = Project.init(tmp_path_factory.mktemp("fsm-browser") / "p", pack=PACK,
                           timezone="America/Phoenix", name="Saguaro Painting Co. (sample)")
    project.load_sample(PACK, PACK.sample_company.rows, seed=7, end=date(2026, 6, 15))
    project.metrics.now = NOW
    app = create_app(project, fast_settings(), schedule=False)
    app.state.ns.auth.add_user("vic", "rosa_delgado", "viewer", PASSWORDS["vic"])
    for base, _ in serve(app):
        yield base, project


@pytest.fixture
def page(served: tuple[str, Project]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    base, _ = served
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(20000)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.goto(base + "/login")
        pg.fill("#username", "vic")
        pg.fill("#password", PASSWORDS["vic"])
        pg.click("button[type=submit]")
        pg.wait_for_url(base + "/")
        yield pg
        browser.close()
        assert errors == [], errors  # no script errors, no CSP violations


def test_a_branch_board_shows_each_units_kpis_against_its_own_target(
        served: tuple[str, Project], page: Any) -> None:
    base, project = served
    page.goto(base + "/dashboards/phoenix_daily")
    page.wait_for_function(  # the four trends
        "() => document.querySelectorAll('[data-figure] .main-svg').length >= 4")
    tiles = page.locator('.tile[data-visual="number"]')
    assert tiles.count() == 10
    leads = page.locator('.tile[data-metric="leads"][data-visual="number"]')
    assert leads.locator("h2").inner_text() == "Leads, Phoenix-Sales"
    # today so far (18:00 local), judged against Phoenix-Sales' own 3 a day, pro-rated
    [v] = project.compute(["leads"], ["2026-06-15"], filters={"team": "Phoenix-Sales"})
    assert leads.locator(".headline").inner_text() == format_value(v.value, "count")
    assert "Target 3" in leads.inner_text() and "2026-06-15 so far" in leads.inner_text()
    produced = page.locator('.tile[data-metric="dollars_produced"][data-visual="number"]')
    assert "Target $4.40K" in produced.inner_text()
    backlog = page.locator('.tile[data-metric="future_bookings"][data-visual="number"]')
    assert "Target $80.00K" in backlog.inner_text()
    # the day under way is held against the whole of yesterday
    assert "vs 2026-06-14 (whole day)" in page.locator(
        '.tile[data-metric="total_booked"][data-visual="number"]').inner_text()
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_the_unit_heat_maps_and_the_branch_comparison_are_drawn(page: Any,
                                                                served: tuple[str, Project]
                                                                ) -> None:
    base, _ = served
    page.goto(base + "/dashboards/sales_daily")
    page.wait_for_function("() => document.querySelectorAll('.heatmaplayer').length >= 5")
    rows = page.locator('.tile[data-metric="leads"][data-visual="cohort"] .heatmaplayer')
    assert rows.count() == 1
    page.goto(base + "/dashboards/branches")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-figure] .main-svg').length >= 9")
    text = page.locator('.tile[data-metric="dollars_collected"]').inner_text()
    assert "Dollars collected" in text
