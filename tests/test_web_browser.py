"""A person using the app in Debian's Chromium (driven by Playwright) against a real server:
log in, see my metric, drill through, filter the scorecard, enter a manual value and see the
number move, be refused the admin page as a viewer, log out.

Runs whenever /usr/bin/chromium exists; with CI or NORTHSTAR_REQUIRE_BROWSER set it must run
(.ci/browser-deps installs chromium). Set NORTHSTAR_SCREENSHOTS=1 to refresh
docs/screenshots/."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fakes.oidc import CLIENT_ID, CLIENT_SECRET, OidcFake
from northstar.config import OidcSettings
from northstar.formatting import format_value
from northstar.web import create_app
from web_helpers import PASSWORDS, fast_settings, open_copy, people_for, shared_template

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = bool(os.environ.get("CI") or os.environ.get("NORTHSTAR_REQUIRE_BROWSER"))
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path_factory.mktemp("browser") / "p"),
                     fast_settings())
    yield from _serve(app)


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    """A second server with single sign-on against the fake provider; ada signs in by email."""
    project = open_copy(shared_template(tmp_path_factory),
                        tmp_path_factory.mktemp("browser-sso") / "p")
    secrets_file = project.root / ".secrets" / "secrets.json"
    secrets_file.parent.mkdir(mode=0o700)
    secrets_file.write_text(f'{{"oidc": {{"client_secret": "{CLIENT_SECRET}"}}}}')
    secrets_file.chmod(0o600)
    with OidcFake(email="ada@example.com") as fake:
        settings = fast_settings()
        settings.oidc = OidcSettings(issuer=fake.issuer, client_id=CLIENT_ID,
                                     name="Example ID", allowed_domains=["example.com"])
        app = create_app(project, settings)
        app.state.ns.auth.set_email("ada", "ada@example.com")
        yield from _serve(app)


def _serve(app: Any) -> Iterator[tuple[str, Any]]:
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", app
    srv.should_exit = True
    thread.join(10)
    app.state.ns.project.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if REQUIRED:
            pytest.fail(f"{CHROMIUM} is missing; run .ci/browser-deps")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium, or .ci/browser-deps)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations


def shot(page: Any, name: str) -> None:
    if os.environ.get("NORTHSTAR_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def log_in(page: Any, base: str, user: str) -> None:
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_owner_logs_in_drills_through_and_moves_the_number(server: tuple[str, Any],
                                                           page: Any) -> None:
    base, app = server
    project = app.state.ns.project
    person = project.catalog.people[people_for(project)["eve"]]
    metric = project.catalog.get(person.metric)
    page.goto(base + "/scorecard")
    assert page.url == base + "/login"
    shot(page, "login")
    log_in(page, base, "eve")
    assert page.inner_text("#metric-title") == metric.title
    page.wait_for_selector("#trend-chart .main-svg")  # plotly drew the trend
    shot(page, "my-metric")
    # drill-through to the rows behind the number
    page.click("#drill-link")
    page.wait_for_selector("#drill-formula")
    shot(page, "drill-through")
    # scorecard, filtered in place by htmx
    page.goto(base + "/scorecard")
    everyone = page.locator(".scorecard-table tbody tr").count()
    page.select_option("#department", person.department)
    page.wait_for_function(
        "n => document.querySelectorAll('.scorecard-table tbody tr').length < n", arg=everyone)
    owners = {p.id for p in project.catalog.people.values()
              if p.department == person.department and p.metric}
    assert page.locator(".scorecard-table tbody tr").count() == len(owners)
    shot(page, "scorecard")
    # a manual value, entered as an editor, moves the number on the home page
    period = str(project.calendar.current(metric.grain, datetime.now(UTC)))
    page.goto(base + "/admin")
    page.select_option("#mv-metric", metric.name)
    page.fill("#mv-period", period)
    page.fill("#mv-value", "4242")
    page.fill("#mv-note", "browser test")
    page.click("#manual-form button[type=submit]")
    page.wait_for_selector("#admin-message")
    shot(page, "admin")
    page.goto(base + "/")
    expected = format_value(Decimal(4242), metric.unit, metric.decimals)
    assert page.inner_text("#metric-value") == expected
    # log out: the session is gone
    page.click("text=Log out")
    page.wait_for_url(base + "/login")
    page.goto(base + "/")
    assert page.url == base + "/login"


# Where the scorecard's cells are, for the checks below: the scroll box, the sticky cells of
# the first row, and the header cells of the last closed and the open period.
SCORECARD_BOXES = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {left: r.left, right: r.right, width: r.width}; };
  const table = document.querySelector('#scorecard-table');
  const row = table.querySelector('tbody tr');
  return {scroll: box(table.parentElement), owner: box(row.querySelector('.owner')),
          metric: box(row.querySelector('.metric')), goal: box(row.querySelector('.goal')),
          first: box(row.querySelector('td.cell')),
          last: box(table.querySelector('th.last-closed')),
          open: box(table.querySelector('th.open'))};
}"""


def _in_view(boxes: dict[str, Any], name: str) -> bool:
    """The column is inside the scroll box, right of the sticky goal column (not under it)."""
    cell = boxes[name]
    return (cell["width"] > 0 and cell["left"] >= boxes["goal"]["right"] - 1
            and cell["right"] <= boxes["scroll"]["right"] + 1)


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (390, 844)])
def test_scorecard_fits_the_screen_with_the_newest_periods_in_view(
        server: tuple[str, Any], page: Any, width: int, height: int) -> None:
    base, app = server
    cal = app.state.ns.project.calendar
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, base, "vic")
    page.goto(base + "/scorecard")
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    # real period names; the open month marked "so far", the last closed one beside it
    current = cal.current("month")
    names = [cal.dates(p)[0].strftime("%b %Y") for p in (cal.previous(current), current)]
    labels = page.locator("#scorecard-table th.period").all_inner_texts()
    assert len(labels) == 13
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{4}(\nso far)?", t) for t in labels), labels
    assert labels[-2:] == [names[0], f"{names[1]}\nso far"]
    boxes = page.evaluate(SCORECARD_BOXES)
    assert _in_view(boxes, "last") and _in_view(boxes, "open"), boxes
    # each cell's hover names its goal and the colour it was judged by
    row = page.locator('#scorecard-table tr[data-metric="net_revenue"]')
    closed = row.locator("td.cell.last-closed").get_attribute("title")
    assert re.fullmatch(rf"{names[0]}: .+, goal .+: (green|yellow|red)", closed), closed
    running = row.locator("td.cell.open").get_attribute("title")
    assert re.fullmatch(rf"{names[1]} so far: .+, goal by today .+ of .+: (green|yellow|red)",
                        running), running
    if width < 640:  # a phone: the owner's name moves under the metric; older months hidden
        assert boxes["owner"]["width"] == 0
        assert page.locator("#scorecard-table .owner-inline").first.is_visible()
        assert not page.locator("#scorecard-table th.older").first.is_visible()
        shot(page, "scorecard-phone")
        return
    # on a laptop the period columns scroll inside the card; owner, metric and goal stay put
    scroll = page.locator("#scorecard-table").locator("xpath=..")
    assert scroll.evaluate("e => e.scrollWidth > e.clientWidth")
    for target in ("-(e.scrollWidth - e.clientWidth) / 2", "-(e.scrollWidth - e.clientWidth)"):
        scroll.evaluate(f"e => {{ e.scrollLeft = {target}; }}")
        moved = page.evaluate(SCORECARD_BOXES)
        assert moved["first"]["left"] > boxes["first"]["left"]  # the periods scrolled
        for sticky in ("owner", "metric", "goal"):
            assert moved[sticky] == boxes[sticky], sticky
        assert moved["owner"]["left"] >= moved["scroll"]["left"] - 1
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    # per quarter, in place: quarter names, and the yearly metrics under their own heading
    page.select_option("#grain", "quarter")
    page.wait_for_function(
        "() => /^Q\\d \\d{4}/.test(document.querySelector('#scorecard-table th.open')"
        ".innerText)")
    assert "grain=quarter" in page.url
    assert page.locator("#scorecard-table-year").count() == 1
    assert page.locator("h2", has_text="Yearly measurables").count() == 1
    shot(page, "scorecard-quarter")


def test_viewer_is_refused_the_admin_page(server: tuple[str, Any], page: Any) -> None:
    base, _ = server
    log_in(page, base, "vic")
    assert page.locator("a[href='/admin']").count() == 0
    response = page.goto(base + "/admin")
    assert response.status == 403
    assert "does not allow" in page.inner_text("#error-message")
    page.errors.clear()  # the browser logs the 403 itself


def test_dashboard_draws_its_charts(server: tuple[str, Any], page: Any) -> None:
    base, _ = server
    log_in(page, base, "ada")
    page.goto(base + "/dashboards/cfo")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-figure] .main-svg').length >= 3")
    shot(page, "dashboard-cfo")


def test_supply_dashboard_draws_the_cohort_matrix_and_the_supplier_tables(
        server: tuple[str, Any], page: Any) -> None:
    base, _ = server
    log_in(page, base, "ada")
    page.goto(base + "/dashboards/supply_account_management")
    page.wait_for_function(  # the waterfall, then the cohort heat map
        "() => document.querySelectorAll('[data-figure] .main-svg').length >= 2")
    assert page.locator('[data-model="supplier_cohort_matrix"] .heatmaplayer').count() == 1
    npr = page.locator('[data-model="supply_npr_by_supplier"]').nth(1)
    assert npr.locator("tr").last.locator("td").first.inner_text() == "TOTAL (P&L Match)"
    assert npr.locator("td.cell.green, td.cell.yellow, td.cell.red").count() > 0
    names = page.locator('[data-model="supplier_development"] tr td:first-child')
    assert names.count() >= 10
    shot(page, "dashboard-supply-am")


def test_sign_in_with_the_provider_lands_on_my_metric(sso_server: tuple[str, Any],
                                                      page: Any) -> None:
    base, app = sso_server
    page.goto(base + "/")
    assert page.url == base + "/login"
    page.click("text=Sign in with Example ID")  # to the provider, which approves at once
    page.wait_for_url(base + "/")
    assert page.inner_text("#metric-title") == "Net revenue"  # ada owns net_revenue
    page.wait_for_selector("#trend-chart .main-svg")
    entry = next(e for e in app.state.ns.audit.entries() if e.action == "login.sso")
    assert (entry.actor, entry.outcome) == ("ada", "ok")
