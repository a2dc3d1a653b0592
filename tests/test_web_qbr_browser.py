"""The QBR page in Debian's Chromium (driven by Playwright) against a real server on the
hand-made company of tests/qbr_fixture.py: it opens on the last closed quarter, the
SmartNumbers render with their colours and trends, the picker moves to another quarter, and
printing hides the navigation. Saves docs/screenshots/qbr.png.

Runs whenever /usr/bin/chromium exists; with CI or NORTHSTAR_REQUIRE_BROWSER set it must run
(.ci/browser-deps installs chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qbr_fixture
from northstar.web import create_app
from web_helpers import PASSWORDS, fast_settings, launch_chromium, serve

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "qbr.png"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    project = qbr_fixture.build(tmp_path_factory.mktemp("qbr-browser") / "p")
    app = create_app(project, fast_settings(), schedule=False)
    app.state.ns.auth.add_user("vic", "olive_ops", "viewer", PASSWORDS["vic"])
    for base, _ in serve(app):
        yield base


@pytest.fixture
def page(server: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        context = browser.new_context(viewport={"width": 1366, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(15000)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg
        browser.close()
        assert errors == [], errors  # no script errors, no CSP violations


def test_the_qbr_page_renders_its_smartnumbers_and_prints(server: str, page: Any) -> None:
    page.goto(server + "/login")
    page.fill("#username", "vic")
    page.fill("#password", PASSWORDS["vic"])
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.click("nav >> text=QBR")
    page.wait_for_url(server + "/qbr/2025-Q1")  # the last closed quarter on 2025-04-15
    assert page.inner_text("#qbr-quarter") == "Q1 2025"
    rows = page.locator("#qbr-smartnumbers tbody tr")
    assert rows.count() == 3
    value = page.locator("#sn-tickets_per_endpoint .sn-value")
    assert value.inner_text() == "1.91"
    # coloured by its thresholds: the status colour of the pill, as style.css paints yellow
    assert value.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(154, 103, 0)"
    assert page.locator("#sn-hours_per_ticket .sn-previous").evaluate(
        "e => getComputedStyle(e).backgroundColor") == "rgb(207, 34, 46)"  # red: 2.00
    spark = page.locator("#sn-tickets_per_endpoint svg.sparkline")
    box = spark.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 20
    assert spark.locator("circle").count() == 5
    assert page.locator("#in-endpoints td").all_inner_texts() == ["12", "22", "22", "22"]
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # printed: no navigation or picker, the colours kept
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator("#qbr-picker").is_visible()
    assert page.locator("#qbr-smartnumbers").is_visible()
    assert value.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"
    page.emulate_media(media="screen")
    # the picker moves to another quarter
    page.select_option("#quarter", "2024-Q4")
    page.click("#qbr-picker button[type=submit]")
    page.wait_for_url(server + "/qbr/2024-Q4")
    assert page.locator("#sn-tickets_per_endpoint .sn-value").inner_text() == "2.75"
