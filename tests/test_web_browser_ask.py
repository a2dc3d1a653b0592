"""The Ask box in Debian's Chromium (driven by Playwright) against a real server: a person
types a question on a page, the answer appears in place with the tile's number, a question
that reads two ways offers its readings as buttons, and a click answers the one chosen. Runs
whenever /usr/bin/chromium exists (with CI or NORTHSTAR_REQUIRE_BROWSER it must)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from northstar.formatting import format_value
from northstar.web import create_app
from web_helpers import (
    browser_log_in,
    fast_settings,
    launch_chromium,
    open_copy,
    serve,
    shared_template,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    template = shared_template(tmp_path_factory)
    app = create_app(open_copy(template, tmp_path_factory.mktemp("browser-ask") / "p"),
                     fast_settings())
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
    yield pg
    context.close()
    assert errors == [], errors  # no script errors, no CSP violations


def test_a_person_asks_on_a_page_and_picks_a_reading(server: tuple[str, Any],
                                                     page: Any) -> None:
    base, app = server
    project = app.state.ns.project
    browser_log_in(page, base, "vic")
    page.goto(base + "/scorecard")
    url = page.url
    # a question, answered in place: the page stays, the number is the tile's
    page.fill("#ask-question", "What was GMV last month?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-answer .ask-item[data-metric=gmv]")
    assert page.url == url
    month = project.calendar.previous(project.calendar.current("month", project.metrics.now))
    v = project.compute(["gmv"], [str(month)])[0]
    assert page.inner_text("#ask-answer .ask-value") == format_value(v.value, "usd")
    assert page.get_attribute("#ask-answer .ask-item", "data-period") == str(month)
    drill = page.locator("#ask-answer .ask-links a", has_text="The rows behind it")
    assert drill.get_attribute("href") == f"/drill/gmv?period={month}"
    # a question that reads two ways: its readings are buttons
    page.fill("#ask-question", "bill reconciliation variance")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-answer .ask-choice")
    buttons = page.locator("#ask-answer .ask-choice")
    assert buttons.all_inner_texts() == ["Bill reconciliation variance (count)",
                                         "Bill reconciliation variance (dollars)"]
    buttons.nth(1).click()
    page.wait_for_selector("#ask-answer .ask-item[data-metric=bill_dollar_variance]")
    assert page.url == url
    # a question Ask refuses says why, in place
    page.fill("#ask-question", "set ebitda to 5")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-answer [data-ask=refused]")
    assert "only reads" in page.inner_text("#ask-answer")
    # the drill link of an answer opens the rows behind the number
    page.fill("#ask-question", "gmv last month")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-answer .ask-item[data-metric=gmv]")
    page.locator("#ask-answer .ask-links a", has_text="The rows behind it").click()
    page.wait_for_selector("#drill-formula")


def test_an_answer_streams_in_part_by_part_and_ends_with_the_tiles_number(
        server: tuple[str, Any], page: Any) -> None:
    base, app = server
    project = app.state.ns.project
    browser_log_in(page, base, "vic")
    page.goto(base + "/dashboards")
    audited = len(app.state.ns.audit.entries(1000))
    # what the page receives, in the order it arrives: each server-sent event's name, and
    # which parts of the answer are on the page when it arrives
    page.evaluate("""() => {
        window.seen = [];
        document.body.addEventListener("htmx:sseMessage", (e) => {
            const box = document.querySelector("#ask-answer");
            window.seen.push([e.detail.type,
                              box.querySelectorAll(".ask-value").length,
                              box.querySelectorAll("[data-part=why]").length,
                              box.querySelectorAll(".ask-links").length]);
        });
    }""")
    page.fill("#ask-question", "why did net revenue change last month?")
    page.click("#ask-form button[type=submit]")
    page.wait_for_selector("#ask-answer .ask-done[data-ask=answer]")
    seen = page.evaluate("window.seen")
    # the reading came first with no number yet; then the number; then why; then the links
    assert seen == [["reading", 0, 0, 0], ["number", 1, 0, 0], ["part", 1, 1, 0],
                    ["part", 1, 1, 1], ["end", 1, 1, 1]]
    reading = page.inner_text("#ask-answer .ask-reading")
    assert reading.startswith("Reading: Net revenue;") and "why it moved" in reading
    # every part landed in the metric's own block, and its number is the tile's: the one
    # the metric's page shows for that month, and the metric layer's
    month = project.calendar.previous(project.calendar.current("month", project.metrics.now))
    item = page.locator(f"#ask-answer .ask-item[data-metric=net_revenue][data-period='{month}']")
    assert item.locator("[data-part=why]").count() == 1
    assert item.locator(".ask-links a").first.get_attribute("href") == (
        f"/metric/net_revenue?period={month}")
    answered = item.locator(".ask-value").inner_text()
    v = project.compute(["net_revenue"], [str(month)])[0]
    assert answered == format_value(v.value, "usd")
    page.goto(base + f"/metric/net_revenue?period={month}")
    assert page.inner_text("#metric-value") == answered
    # the question is in the audit log once
    asked = app.state.ns.audit.entries(1000)
    new = asked[:len(asked) - audited]
    assert [(e.action, e.outcome) for e in new] == [("ask", "answer")]
