"""A person using the app in Debian's Chromium (driven by Playwright) against a real server:
log in, see my metric, drill through, filter the scorecard, enter a manual value and see the
number move, be refused the admin page as a viewer, log out; and every kind of tile read as
drawn (bullet, number, trend and waterfall axes, hover labels, funnel, tables, the cohort
matrix, the drill table), each number checked against its metric's unit and nothing cut off.

Runs whenever /usr/bin/chromium exists; with CI or NORTHSTAR_REQUIRE_BROWSER set it must run
(.ci/browser-deps installs chromium). docs/screenshots/ is taken by `make screenshots`
(scripts/screenshots.py), not here."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from fakes.oidc import CLIENT_ID, CLIENT_SECRET, OidcFake
from northstar.config import OidcSettings
from northstar.formatting import format_value
from northstar.web import create_app
from web_helpers import (
    browser_log_in,
    fast_settings,
    launch_chromium,
    open_copy,
    people_for,
    serve,
    shared_template,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path_factory.mktemp("browser") / "p"),
                     fast_settings())
    yield from serve(app)


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
        yield from serve(app)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
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


def test_owner_logs_in_drills_through_and_moves_the_number(server: tuple[str, Any],
                                                           page: Any) -> None:
    base, app = server
    project = app.state.ns.project
    person = project.catalog.people[people_for(project)["eve"]]
    metric = project.catalog.get(person.metric)
    page.goto(base + "/scorecard")
    assert page.url == base + "/login"
    browser_log_in(page, base, "eve")
    assert page.inner_text("#metric-title") == metric.title
    page.wait_for_selector("#trend-chart .main-svg")  # plotly drew the trend
    # drill-through to the rows behind the number
    page.click("#drill-link")
    page.wait_for_selector("#drill-formula")
    # scorecard, filtered in place by htmx
    page.goto(base + "/scorecard")
    everyone = page.locator(".scorecard-table tbody tr").count()
    page.select_option("#department", person.department)
    page.wait_for_function(
        "n => document.querySelectorAll('.scorecard-table tbody tr').length < n", arg=everyone)
    owners = {p.id for p in project.catalog.people.values()
              if p.department == person.department and p.metric}
    assert page.locator(".scorecard-table tbody tr").count() == len(owners)
    # a manual value, entered as an editor, moves the number on the home page
    period = str(project.calendar.current(metric.grain, datetime.now(UTC)))
    page.goto(base + "/admin")
    page.select_option("#mv-metric", metric.name)
    page.fill("#mv-period", period)
    page.fill("#mv-value", "4242")
    page.fill("#mv-note", "browser test")
    page.click("#manual-form button[type=submit]")
    page.wait_for_selector("#admin-message")
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
    browser_log_in(page, base, "vic")
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
    assert _in_view(boxes, "last") and _in_view(boxes, "open"), (
        boxes["last"], boxes["open"], boxes["goal"], boxes["scroll"])
    # each cell's hover names its goal and the colour it was judged by
    row = page.locator('#scorecard-table tr[data-metric="net_revenue"]')
    closed = row.locator("td.cell.last-closed").get_attribute("title")
    att = r"(; -?[\d,]+% of goal)?"  # the attainment, where it has one
    assert re.fullmatch(rf"{names[0]}: .+, goal .+: (green|yellow|red){att}", closed), closed
    running = row.locator("td.cell.open").get_attribute("title")
    assert re.fullmatch(rf"{names[1]} so far: .+, goal by today .+ of .+: (green|yellow|red)"
                        rf"{att.replace('goal', 'goal by today')}",
                        running), running
    if width < 640:  # a phone: the owner's name moves under the metric; older months hidden
        assert boxes["owner"]["width"] == 0
        assert page.locator("#scorecard-table .owner-inline").first.is_visible()
        assert not page.locator("#scorecard-table th.older").first.is_visible()
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


def test_viewer_is_refused_the_admin_page(server: tuple[str, Any], page: Any) -> None:
    base, _ = server
    browser_log_in(page, base, "vic")
    assert page.locator("a[href='/admin']").count() == 0
    response = page.goto(base + "/admin")
    assert response.status == 403
    assert "does not allow" in page.inner_text("#error-message")
    page.errors.clear()  # the browser logs the 403 itself


def test_a_refused_form_keeps_what_was_typed_and_a_reload_posts_nothing(
        server: tuple[str, Any], page: Any) -> None:
    base, app = server
    browser_log_in(page, base, "ada")
    page.goto(base + "/admin")
    assert page.input_value("#user-role") == "viewer"  # the least privilege, unless chosen
    page.fill("#user-name", "browser.user")
    page.fill("#user-email", "browser@localhost")  # the browser lets it through; we do not
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#user-email-error")
    page.errors.clear()  # the browser logs the 400 itself
    assert page.inner_text("#user-email-error") == "'browser@localhost' is not an email address"
    assert page.input_value("#user-name") == "browser.user"
    assert page.input_value("#user-email") == "browser@localhost"
    page.fill("#user-email", "browser@example.com")
    page.click("#user-form button[type=submit]")
    page.wait_for_selector("#secret-value")
    assert page.url == base + "/admin#users-card"
    assert page.inner_text("#users-card #admin-message") == "User browser.user added as viewer."
    added = [e.seq for e in app.state.ns.audit.entries() if e.action == "user.add"]
    page.reload()  # Post/Redirect/Get: a reload shows the page again and posts nothing
    assert page.locator("#secret-value").count() == 0
    assert [e.seq for e in app.state.ns.audit.entries() if e.action == "user.add"] == added
    assert app.state.ns.auth.get_user("browser.user").role == "viewer"


def test_dashboard_draws_its_charts(server: tuple[str, Any], page: Any) -> None:
    base, _ = server
    browser_log_in(page, base, "ada")
    page.goto(base + "/dashboards/cfo")
    page.wait_for_function(
        "() => document.querySelectorAll('[data-figure] .main-svg').length >= 3")


def test_supply_dashboard_draws_the_cohort_matrix_and_the_supplier_tables(
        server: tuple[str, Any], page: Any) -> None:
    base, _ = server
    browser_log_in(page, base, "ada")
    page.goto(base + "/dashboards/supply_account_management")
    page.wait_for_function(  # the waterfall, then the cohort heat map
        "() => document.querySelectorAll('[data-figure] .main-svg').length >= 2")
    assert page.locator('[data-model="supplier_cohort_matrix"] .heatmaplayer').count() == 1
    npr = page.locator('[data-model="supply_npr_by_supplier"]').nth(1)
    assert npr.locator("tr").last.locator("td").first.inner_text() == "TOTAL (P&L Match)"
    assert npr.locator("td.cell.green, td.cell.yellow, td.cell.red").count() > 0
    names = page.locator('[data-model="supplier_development"] tr td:first-child')
    assert names.count() >= 10


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


# -- every number read in its unit, as the page draws it -------------------------------------
UNIT_TEXT = {  # a value as it reads, by unit (format_value's forms, written out by hand)
    "usd": r"-?\$\d{1,3}(,\d{3})*(\.\d\d[KMB])?", "percent": r"-?\d+\.\d%",
    "ratio": r"-?\d+\.\dx", "count": r"-?\d{1,3}(,\d{3})*", "days": r"-?[\d,]+\.\d days",
    "number": r"-?\d{1,3}(,\d{3})*\.\d+"}
TICK_TEXT = {  # an axis tick: no trailing zeros
    "usd": r"-?\$\d+(\.\d+)?[KMB]?", "percent": r"-?\d+(\.\d+)?%", "ratio": r"-?\d+(\.\d+)?x",
    "count": r"-?\d{1,3}(,\d{3})*", "number": r"-?\d{1,3}(,\d{3})*(\.\d+)?"}
MONTH_TICK = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) '\d\d"

# each text of a chart, with whether it lies wholly inside the chart's drawing (not cut off)
TEXTS_JS = """(tile, sel) => {
  const svg = tile.querySelector('svg.main-svg').getBoundingClientRect();
  return [...tile.querySelectorAll(sel)].map(t => {
    const r = t.getBoundingClientRect();
    return [t.textContent, r.left >= svg.left - 1 && r.right <= svg.right + 1
            && r.top >= svg.top - 1 && r.bottom <= svg.bottom + 1];
  });
}"""


def _drawn(page: Any, board: str, count: int) -> None:
    page.goto(page.base + f"/dashboards/{board}")
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-figure] .main-svg').length >= {count}")


def _texts(tile: Any, selector: str) -> list[str]:
    found = tile.evaluate(TEXTS_JS, selector)
    clipped = [text for text, inside in found if not inside]
    assert not clipped, f"cut off: {clipped}"
    return [text for text, _ in found]


def _value(page: Any, metric: str) -> Any:
    """The metric's current value, read the way the server reads it (under its lock: the
    server's thread owns the connection)."""
    from northstar.web import views

    with page.lock:
        return views.series(page.project, metric, 1)[-1]


@pytest.fixture
def ada(server: tuple[str, Any], page: Any) -> Any:
    base, app = server
    browser_log_in(page, base, "ada")
    page.base = base
    page.project = app.state.ns.project
    page.lock = app.state.ns_lock
    return page


def test_bullet_values_read_exactly_like_their_headlines(ada: Any) -> None:
    _drawn(ada, "company_kpis", 10)
    tiles = ada.locator('[data-visual="bullet"]:has(.main-svg)')
    units: set[str] = set()
    for i in range(tiles.count()):
        tile = tiles.nth(i)
        metric = ada.project.catalog.get(tile.get_attribute("data-metric"))
        headline = tile.locator(".headline").inner_text()
        (beside,) = _texts(tile, ".annotation-text")
        assert beside == headline, metric.name
        assert re.fullmatch(UNIT_TEXT[metric.unit], beside), (metric.name, beside)
        ticks = _texts(tile, ".xbulletaxistick text")
        assert ticks and all(re.fullmatch(TICK_TEXT[metric.unit], t) for t in ticks), ticks
        units.add(metric.unit)
        v = _value(ada, metric.name).value
        if metric.unit == "percent" and metric.decimals is None:  # e.g. 0.7063 -> 70.6%
            assert beside == f"{float(v) * 100:.1f}%"
        elif metric.unit == "ratio" and metric.decimals is None:  # 4.08 -> 4.1x
            assert beside == f"{float(v):.1f}x"
    assert {"percent", "ratio"} <= units, units  # the cases plotly's ",.0f" got wrong


def test_trend_and_waterfall_axes_hover_and_changes_read_in_the_unit(ada: Any) -> None:
    _drawn(ada, "executive", 5)
    take = ada.locator('[data-metric="take_rate"][data-visual="trend"]')
    assert all(t.endswith("%") for t in _texts(take, ".ytick text"))
    assert all(re.fullmatch(MONTH_TICK, t) for t in _texts(take, ".xtick text"))
    change = take.locator("p").first.inner_text()  # a rate's change is in points
    assert re.search(r"(^| )([+-]\d+\.\d pts|—) vs \d{4}-\d{2}", change), change
    # the NPR waterfall draws net payouts in dollars by year (seed 004), each bar coloured by
    # the year's NPR status
    npr = ada.locator('[data-metric="npr"][data-visual="waterfall"]')
    ticks = _texts(npr, ".ytick text")
    assert ticks and all(re.fullmatch(TICK_TEXT["usd"], t) for t in ticks), ticks
    assert all(re.fullmatch(r"\d{4}", t) for t in _texts(npr, ".xtick text"))  # years
    revenue = ada.locator('[data-metric="net_revenue"][data-visual="trend"]')
    ticks = _texts(revenue, ".ytick text")
    assert ticks and all(re.fullmatch(TICK_TEXT["usd"], t) for t in ticks), ticks
    assert any(t.startswith("$") for t in ticks)
    # hovering a point shows its period in words and its value as the headline writes it
    points = revenue.locator(".scatterlayer .trace .point")
    points.nth(points.count() - 2).hover(force=True)
    ada.wait_for_selector(".hoverlayer .hovertext")
    hover = ada.locator(".hoverlayer .hovertext text").first.text_content()
    assert re.fullmatch(r"[A-Z][a-z]{2} \d{4}: " + UNIT_TEXT["usd"]
                        + r"( \((green|yellow|red|grey)\))?", hover), hover
    number = ada.locator('[data-metric="top_customer_share"][data-visual="number"] .headline')
    assert re.fullmatch(UNIT_TEXT["percent"] + "|—", number.inner_text())


def test_money_waterfall_funnel_and_slice_tables_read_in_the_unit(ada: Any) -> None:
    _drawn(ada, "cfo", 3)  # the test dashboard (web_helpers.DASHBOARD)
    fall = ada.locator('[data-metric="net_revenue"][data-visual="waterfall"]')
    ticks = _texts(fall, ".ytick text")
    assert ticks and all(re.fullmatch(TICK_TEXT["usd"], t) for t in ticks), ticks
    assert all(re.fullmatch(MONTH_TICK, t) for t in _texts(fall, ".xtick text"))
    _drawn(ada, "demand_sales", 3)
    funnel = ada.locator('[data-visual="funnel"]')  # pipeline_entering: usd
    labels = _texts(funnel, ".bartext")
    assert labels and all(re.fullmatch(UNIT_TEXT["usd"], t) for t in labels), labels
    coverage = ada.locator('[data-metric="pipeline_coverage"][data-visual="table"] td.num')
    cells = coverage.all_inner_texts()
    assert cells and all(re.fullmatch(UNIT_TEXT["ratio"] + "|—", c) for c in cells), cells


def test_cohort_cells_are_legible_and_the_cohorts_base_is_neutral(ada: Any) -> None:
    from test_web_charts import contrast

    _drawn(ada, "supply_account_management", 2)
    tile = ada.locator('[data-model="supplier_cohort_matrix"][data-visual="cohort"]')
    legend = tile.locator(".legend").inner_text()
    assert legend.startswith("Green: 100.0% or more · yellow: 50.0% or more"), legend
    rows = tile.locator("table tr")
    header = rows.first.locator("th").all_inner_texts()
    classes: list[str | None] = []
    for r in range(1, rows.count()):
        cells = rows.nth(r).locator("td")
        cohort = cells.first.inner_text()
        for c in range(1, cells.count()):
            cell = cells.nth(c)
            cls = cell.get_attribute("class") or ""
            text = cell.inner_text()
            classes.append(None if text == "—" else cls.split()[-1])
            assert re.fullmatch(UNIT_TEXT["percent"] + "|—", text)
            if header[c] == cohort:  # the cohort's first year: 100% by definition, neutral
                assert (text, cls) == ("100.0%", "cell base")
                assert cell.evaluate("e => getComputedStyle(e).backgroundColor") == (
                    "rgb(234, 238, 242)")
            else:
                assert "base" not in cls
    assert "base" in classes
    # the heat map writes each cell's value, in a colour that reads on the cell's colour
    drawn = tile.evaluate("""t => [...t.querySelectorAll('.heatmaplayer text')].map(x =>
        [x.textContent, getComputedStyle(x).fill])""")
    css = {"base": "#eaeef2", "green": "#1a7f37", "yellow": "#9a6700", "red": "#cf222e"}
    filled = [cls for cls in classes if cls is not None]  # an empty cell has no text
    for (text, fill), cls in zip([d for d in drawn if d[0]], filled, strict=True):
        assert re.fullmatch(UNIT_TEXT["percent"], text)
        r, g, b = (int(x) for x in re.findall(r"\d+", fill)[:3])
        assert contrast(f"#{r:02x}{g:02x}{b:02x}", css[cls]) >= 4.5, (text, fill, cls)


def test_long_tables_are_paged_in_place_with_their_totals_on_every_page(ada: Any) -> None:
    _drawn(ada, "supply_account_management", 2)
    tile = ada.locator('[data-model="supplier_development"]')
    first = tile.locator("table tr").nth(1).locator("td").first.inner_text()
    assert tile.locator("table tr").count() <= 1 + 25
    assert tile.locator("th").first.inner_text() == "Supplier name"
    assert "page 1 of 2" in tile.locator(".pager").inner_text()
    tile.locator(".pager a[rel=next]").click()
    ada.wait_for_function("() => document.querySelector("
                          "'[data-model=\"supplier_development\"] .pager').innerText"
                          ".includes('page 2 of 2')")
    tile = ada.locator('[data-model="supplier_development"]')
    assert tile.locator("table tr").nth(1).locator("td").first.inner_text() != first
    assert ada.url.endswith("/dashboards/supply_account_management")  # swapped in place
    for npr in (ada.locator('[data-model="supply_npr_by_supplier"]').nth(i) for i in (0, 1)):
        names = npr.locator("tr td:first-child").all_inner_texts()
        assert names[-2:] == ["Unlinked (Not in Platform)", "TOTAL (P&L Match)"]
        assert len(names) <= 25 + 2


def test_drill_rows_are_headed_in_words_in_the_unit_and_totalled(ada: Any) -> None:
    project = ada.project
    period = str(project.calendar.previous(project.calendar.current("month")))
    ada.goto(ada.base + f"/drill/net_revenue?period={period}")
    headers = ada.locator("#drill-rows th").all_inner_texts()
    assert "Amount" in headers and "Txn date" in headers and "Line ID" in headers
    assert not any("_" in h for h in headers), headers
    at = headers.index("Amount")
    amounts = ada.locator(f"#drill-rows tbody td:nth-child({at + 1})").all_inner_texts()
    assert amounts and all(re.fullmatch(r"-?\$\d{1,3}(,\d{3})*\.\d\d", a) for a in amounts)
    # the total is over every row of the period, from the raw CSV, written out by hand
    csv_text = ada.request.get(ada.base + f"/drill/net_revenue/csv?period={period}").text()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[0][at] == "Amount (USD)"
    total = sum(Decimal(r[at]) for r in rows[1:])
    by_hand = ("-" if total < 0 else "") + f"${abs(total):,.2f}"
    sum_row = ada.locator("#drill-sum td").all_inner_texts()
    assert sum_row[at] == by_hand
    assert sum_row[0] == f"Total of {len(rows) - 1:,} rows"
