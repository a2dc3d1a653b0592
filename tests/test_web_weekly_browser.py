"""The weekly meeting in Debian's Chromium (driven by Playwright) against a real server on the
company of tests/weekly_fixture.py, with a few more weeks of deals, demos and tickets so the
13 weeks are not mostly grey: open /weekly from the navigation, open an issue on a red cell,
see it on top and on its cell, and print the view: one A4 landscape page, without the
navigation or the forms. Saves docs/screenshots/weekly.png.

Runs whenever /usr/bin/chromium exists; with CI or NORTHSTAR_REQUIRE_BROWSER set it must run
(.ci/browser-deps installs chromium)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

import weekly_fixture
from northstar.web import create_app
from web_helpers import PASSWORDS, fast_settings, launch_chromium, serve

SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "screenshots" / "weekly.png"

pytestmark = pytest.mark.slow

# Weeks W07-W13 (10 Feb - 30 Mar 2025): a deal, a demo or two and a ticket on some of their
# days. W14 and W15 stay empty, as test_weekly expects.
MORE = {
    "deals": ("id,closed_on,amount", [(f"x{i}", 10 + 7 * i, a) for i, a in
                                      enumerate((520, 610, 380, 560, 500, 300, 540))]),
    "demos": ("id,held_on", [(f"y{i}{j}", 11 + 7 * i + j) for i, n in
                             enumerate((3, 4, 2, 3, 3, 1, 3)) for j in range(n)]),
    "tickets": ("id,opened_on,hours", [(f"z{i}{j}", 12 + 7 * i + j, h) for i, hours in
                                       enumerate(((3.5, 3.6), (3.9, 4.1, 3.7), (4.3, 4.2),
                                                  (5.2,), (3.1, 3.3, 2.9), (3.8, 4.4),
                                                  (4.0, 3.6, 3.8)))
                                       for j, h in enumerate(hours)]),
}


def _more_rows(root: Path) -> dict[str, Path]:
    files = {}
    for table, (header, rows) in MORE.items():
        lines = [header]
        for row in rows:
            day = date(2025, 2, 1) + timedelta(days=row[1] - 1)
            lines.append(",".join([row[0], day.isoformat(), *(str(x) for x in row[2:])]))
        files[table] = root / f"more_{table}.csv"
        files[table].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("weekly-browser") / "p"
    project = weekly_fixture.build(root)
    for table, path in _more_rows(root).items():
        project.load_file(table, path, source="books")
    app = create_app(project, fast_settings(), schedule=False)
    app.state.ns.auth.add_user("vic", "bob", "viewer", PASSWORDS["vic"])
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


RED = "rgb(207, 34, 46)"


def test_a_red_cell_opens_an_issue_and_the_view_prints_on_one_page(server: str,
                                                                   page: Any) -> None:
    page.goto(server + "/login")
    page.fill("#username", "vic")
    page.fill("#password", PASSWORDS["vic"])
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.click("nav >> text=Weekly")
    page.wait_for_url(server + "/weekly")
    assert page.inner_text("#weekly-title") == "Weekly meeting · W19 2025"
    assert page.locator("#weekly-table thead th.week").count() == 13
    assert page.locator("#weekly-table tbody tr").count() == 6
    assert page.locator("#issues-none").is_visible()
    # sales W18: $350 of a $700 goal, 50%, red
    w18 = page.locator('tr[data-metric="sales"] td.cell[data-week="2025-W18"]')
    assert w18.locator("a.value").inner_text() == "$350"
    assert w18.locator(".att").inner_text() == "50%"
    assert w18.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    # the newest weeks are in view: the table is not cut off on the right
    box = w18.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1366
    # the red cell opens the issue form, on the owner by default
    w18.locator("a.open-issue").click()
    page.wait_for_url(re.compile(r"/weekly/issues/new\?metric=sales&week=2025-W18"))
    assert "W18 2025" in page.inner_text("#issue-cell")
    assert page.input_value("#issue-person") == "ann"
    page.fill("#issue-note", "Two April deals slipped into May; Ann calls both buyers.")
    page.click("#issue-form button[type=submit]")
    page.wait_for_url(server + "/weekly#issue-1")
    issue = page.locator("#issue-1")
    assert issue.locator(".issue-note").inner_text() == (
        "Two April deals slipped into May; Ann calls both buyers.")
    assert issue.locator(".issue-who").inner_text() == "Ann Lee"
    assert page.inner_text("#issues-count") == "(1 open)"
    assert w18.locator("a.issue-mark").inner_text() == "issue 1"
    assert w18.locator("a.open-issue").count() == 0
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    # printed: no navigation, filters or issue links; the colours kept
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator("#weekly-filters").is_visible()
    assert page.locator(".ask-box").count() == 1 and not page.locator(".ask-box").is_visible()
    assert not page.locator("a.open-issue").first.is_visible()
    assert not page.locator("button.solve").is_visible()
    assert page.locator("#issues-table").is_visible()
    assert w18.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"
    assert w18.evaluate("e => getComputedStyle(e).backgroundColor") == RED
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 1
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    assert (round(width), round(height)) == (842, 595)  # A4 landscape, in points
    page.emulate_media(media="screen")
    # marked solved, it leaves the list of open ones
    issue.locator("button.solve").click()
    page.wait_for_url(server + "/weekly#issue-1")
    assert page.inner_text("#issues-count") == "(0 open)"
    assert "Solved by vic" in page.inner_text("#issue-1")
