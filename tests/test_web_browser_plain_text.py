"""Stored text shown as typed in Debian's Chromium (driven by Playwright) against a real
server: an editor adds a note holding a link and bold markup through the admin form, and the
metric page and the owner's home page draw it on the trend as plain text, with no link in
the chart (plotly.js would otherwise render its HTML subset: a live `<a href>`).

Runs whenever /usr/bin/chromium exists; with CI or NORTHSTAR_REQUIRE_BROWSER set it must run
(.ci/browser-deps installs chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from northstar.web import create_app
from web_helpers import PASSWORDS, fast_settings, launch_chromium, open_copy, serve, shared_template

pytestmark = pytest.mark.slow

NOTE = '<a href="https://evil.example/pay">pay the invoice here</a> & <b>now</b>'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    project = open_copy(
        shared_template(tmp_path_factory), tmp_path_factory.mktemp("browser-plain") / "p"
    )
    yield from serve(create_app(project, fast_settings(), schedule=False))


@pytest.fixture
def page(server: tuple[str, Any]) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        pg = browser.new_page(viewport={"width": 1280, "height": 900})
        pg.set_default_timeout(15000)
        errors: list[str] = []
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield pg
        browser.close()
        assert errors == [], errors  # no script errors, no CSP violations


def log_in(page: Any, base: str, user: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


# The trend's annotations as drawn: each one's text, and every <a> inside the chart.
DRAWN = """() => {
  const chart = document.querySelector('#trend-chart');
  return {notes: [...chart.querySelectorAll('.annotation-text')].map(e => e.textContent),
          links: [...chart.querySelectorAll('a')].map(e => e.outerHTML),
          bold: chart.querySelectorAll('.annotation-text tspan[style*="bold"]').length};
}"""


def test_a_note_with_a_link_is_drawn_as_plain_text(server: tuple[str, Any], page: Any) -> None:
    base, app = server
    project = app.state.ns.project
    last = project.calendar.previous(project.calendar.current("month"))
    day = project.calendar.dates(last)[0].replace(day=3)
    log_in(page, base, "eve")  # an editor writes the note
    page.goto(base + "/admin")
    page.select_option("#an-metric", "net_revenue")
    page.fill("#an-date", day.isoformat())
    page.fill("#an-note", NOTE)
    page.click("#note-form button[type=submit]")
    page.wait_for_selector("#admin-message")
    log_in(page, base, "ada")  # net revenue is ada's metric: her home page shows it
    for url in ("/", "/metric/net_revenue"):
        page.goto(base + url)
        page.wait_for_selector("#trend-chart .annotation-text")
        drawn = page.evaluate(DRAWN)
        assert drawn == {"notes": [NOTE], "links": [], "bold": 0}, url
        assert page.locator("#annotations li").inner_text().startswith(f"{day}: {NOTE}")
        assert page.locator("#annotations a").count() == 0
