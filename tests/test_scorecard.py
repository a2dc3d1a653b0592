"""The scorecard at a chosen grain: which rows convert, their goals and colours, worked by hand.

The company is the one of test_metrics (Chicago time; invoices of 100 and 50 in January 2025,
70 on 3 February, 40 in January 2024 and 25 on 31 December 2024), with a few more metrics and
an owner for each. Its clock stands at 2025-02-15 12:00 UTC, 06:00 in Chicago: 14.25 of
February's 28 days and 45.25 of the first quarter's 90 are gone."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from northstar.formatting import format_value
from northstar.periods import Calendar, Period
from northstar.project import Project
from northstar.web.scorecard import dates_text, overlaps, period_label, scorecard, shown_per
from test_metrics import make_project
from test_open_periods import EXTRA as OPEN_PERIOD_METRICS

pytestmark = pytest.mark.fast

FEB = 14.25 / 28
Q1 = 45.25 / 90

EXTRA = {
    "weekly_revenue": """
        name: weekly_revenue
        title: Weekly revenue
        description: Sum of invoiced amounts, per week.
        department: finance
        unit: usd
        grain: week
        model: invoices
        measure: sum(amount)
        time_column: txn_date
        target: {value: 70}
    """,
    "weekly_invoices": """
        name: weekly_invoices
        title: Invoices a week
        description: Invoices sent, per week; two a week is good.
        department: marketing
        unit: count
        grain: week
        model: invoices
        measure: count(*)
        time_column: txn_date
        bands: {relative_to: absolute, green: 2, yellow: 1}
    """,
    "big_invoice_share": OPEN_PERIOD_METRICS["big_invoice_share"],  # a monthly rate, 50%
    "invoices_to_date": """
        name: invoices_to_date
        title: Invoices ever sent
        description: Every invoice sent before the period's end, a level.
        department: finance
        unit: count
        sql: select count(*) as value from invoices where txn_date < {period_end}
        target: {value: 4}
    """,
}
PEOPLE = """\
people:
  - {id: ann, name: Ann Lee, department: finance, metric: revenue}
  - {id: bob, name: Bob Ray, department: finance, metric: weekly_revenue}
  - {id: cy, name: Cy Park, department: finance, metric: big_invoice_share}
  - {id: di, name: Di Moss, department: finance, metric: retention}
  - {id: ed, name: Ed Hale, department: finance, metric: cost_per_invoice}
  - {id: flo, name: Flo Dunn, department: finance, metric: invoices_to_date}
  - {id: gus, name: Gus Orr, department: marketing, metric: weekly_invoices}
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("scorecard") / "proj"
    p = make_project(root, f"duckdb:///{root.parent / 'ledger.duckdb'}")
    for name, body in EXTRA.items():
        (p.root / "metrics" / f"{name}.yml").write_text(textwrap.dedent(body))
    (p.root / "people.yml").write_text(PEOPLE)
    p.close()
    p = Project.open(p.root)
    yield p
    p.close()


@pytest.fixture
def at(project: Project) -> Iterator[Any]:
    """Set the project's clock (UTC); back to 2025-02-15 12:00 afterwards."""
    def move(*when: int) -> Project:
        project.metrics.now = datetime(*when, tzinfo=UTC)
        return project

    yield move
    move(2025, 2, 15, 12)


def row(card: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(r for r in card["rows"] if r["metric"] == metric)


def cells(card: dict[str, Any], metric: str) -> dict[str, dict[str, Any]]:
    return {c["period"]: c for c in row(card, metric)["cells"]}


def dates(cal: Calendar, period: str) -> str:
    """`dates_text`, its en dash written as a hyphen."""
    text = dates_text(cal, cal.parse(period))
    assert text.count("\N{EN DASH}") == 1 and "-" not in text
    return text.replace("\N{EN DASH}", "-")


def test_periods_have_the_names_people_use() -> None:
    cal = Calendar("UTC")
    assert [period_label(cal, cal.parse(t)) for t in ("2026-11", "2026-Q4", "2026", "2026-W49")
            ] == ["Nov 2026", "Q4 2026", "2026", "W49 2026"]
    assert period_label(cal, cal.parse("2026-W49"), short=True) == "W49"
    assert dates(cal, "2026-11") == "1-30 Nov 2026"
    assert dates(cal, "2026-W49") == "30 Nov - 6 Dec 2026"
    assert dates(cal, "2026-W53") == "28 Dec 2026 - 3 Jan 2027"
    fiscal = Calendar("UTC", fiscal_year_start_month=7)  # FY2027 starts in July 2026
    assert period_label(fiscal, fiscal.parse("2027-Q1")) == "Q1 FY2027"
    assert dates(fiscal, "2027-Q1") == "1 Jul - 30 Sep 2026"


def test_overlaps_share_a_period_out_by_days() -> None:
    cal = Calendar("America/Chicago")
    q1 = cal.parse("2025-Q1")
    assert overlaps(cal, "month", q1) == [(Period("month", 2025, i), 1.0) for i in (1, 2, 3)]
    # January 2025 holds 5 days of W01 (30 Dec - 5 Jan), W02-W04 whole, 5 days of W05
    january = overlaps(cal, "week", cal.parse("2025-01"))
    assert [(str(w), round(s * 7)) for w, s in january] == [
        ("2025-W01", 5), ("2025-W02", 7), ("2025-W03", 7), ("2025-W04", 7), ("2025-W05", 5)]
    assert sum(s for _, s in january) == pytest.approx(31 / 7)


def test_which_rows_can_be_shown_at_which_grain(project: Project) -> None:
    per = {(m, g): shown_per(project, project.catalog.get(m), g)
           for m in ("revenue", "weekly_revenue", "big_invoice_share", "retention",
                     "cost_per_invoice", "invoices_to_date")
           for g in ("week", "month", "quarter")}
    # a total or a rate goes coarser, never finer
    assert [per[("revenue", g)] for g in ("week", "month", "quarter")] == [
        "month", "month", "quarter"]
    assert [per[("weekly_revenue", g)] for g in ("week", "month", "quarter")] == [
        "week", "month", "quarter"]
    assert [per[("big_invoice_share", g)] for g in ("week", "month", "quarter")] == [
        "month", "month", "quarter"]
    assert {per[("retention", g)] for g in ("week", "month", "quarter")} == {"year"}
    # a level goes anywhere; a manual metric only has the periods it was entered for
    assert [per[("invoices_to_date", g)] for g in ("week", "month", "quarter")] == [
        "week", "month", "quarter"]
    assert {per[("cost_per_invoice", g)] for g in ("week", "month", "quarter")} == {"month"}


def test_a_monthly_total_per_quarter_is_the_sum_against_the_sum_of_its_goals(at: Any) -> None:
    card = scorecard(at(2025, 4, 10, 12), grain="quarter", n=3)  # 07:00 on 10 April, Chicago
    q = cells(card, "revenue")
    # Q1 2025: 150 + 70 = 220 against 120 (January) + 60 (February's own) + 120 (March) = 300;
    # 73% of it is red, though 220 beats the monthly 120 the metric layer judges by
    assert (q["2025-Q1"]["value"], q["2025-Q1"]["goal"], q["2025-Q1"]["status"]) == (
        220.0, 300.0, "red")
    # attainment 220 / 300 = 0.733: 73%
    assert q["2025-Q1"]["title"] == "Q1 2025: $220, goal $300: red; 73% of goal"
    assert q["2025-Q1"]["attainment"] == pytest.approx(220 / 300)
    # Q4 2024: 25 on 31 December, against 3 x 120
    assert (q["2024-Q4"]["value"], q["2024-Q4"]["goal"], q["2024-Q4"]["status"]) == (
        25.0, 360.0, "red")
    # Q2 2025 is open: 9 days and 7 hours of 91 gone; nothing yet, against 360 x that share
    share = (9 + 7 / 24) / 91
    open_ = q["2025-Q2"]
    assert open_["open"] and open_["elapsed"] == pytest.approx(share)
    assert (open_["value"], open_["goal"], open_["status"]) == (0.0, 360.0, "red")
    assert open_["goal_to_date"] == pytest.approx(360 * share)  # 36.76
    assert open_["title"] == ("Q2 2025 so far: $0, goal by today $37 of $360: red; "
                              "0% of goal by today")
    r = row(card, "revenue")
    assert (r["per"], r["goal"], r["goal_period"], r["goal_varies"]) == (
        "quarter", "$300", "2025-Q1", True)


def test_a_weekly_total_per_month_counts_its_weeks_by_days(project: Project) -> None:
    card = scorecard(project, grain="month", n=2)
    c = cells(card, "weekly_revenue")
    # January: 150 against 70 a week x 31/7 = 310: red (the weekly 70 alone would be green)
    assert (c["2025-01"]["value"], c["2025-01"]["status"]) == (150.0, "red")
    assert c["2025-01"]["goal"] == pytest.approx(310.0)
    # February is open: 70 so far against 70 x 28/7 = 280, of which 142.5 by today
    feb = c["2025-02"]
    assert feb["goal"] == pytest.approx(280.0)
    assert feb["goal_to_date"] == pytest.approx(280 * FEB)
    assert (feb["value"], feb["status"]) == (70.0, "red")
    by_today = format_value(280 * FEB, "usd")  # $142 or $143: 142.5 in binary floating point
    # attainment against the goal by today: 70 / 142.5 = 0.491
    assert feb["title"] == (f"Feb 2025 so far: $70, goal by today {by_today} of $280: red; "
                            "49% of goal by today")
    assert feb["attainment"] == pytest.approx(70 / 142.5)


def test_absolute_bands_of_a_total_grow_with_the_period(project: Project) -> None:
    card = scorecard(project, grain="month", n=2)
    jan = cells(card, "weekly_invoices")["2025-01"]
    # two invoices in January: green for one week (2), red for 31/7 weeks (yellow from 4.4)
    assert (jan["value"], jan["goal"], jan["status"]) == (2.0, None, "red")
    assert jan["title"] == "Jan 2025: 2, no goal: red"


def test_a_rate_per_quarter_is_the_rate_over_the_quarter(at: Any) -> None:
    card = scorecard(at(2025, 4, 10, 12), grain="quarter", n=2)
    q1 = cells(card, "big_invoice_share")["2025-Q1"]
    # 2 of the 3 invoices of Q1 are of 60 or more (not the mean of January's 1/2 and
    # February's 1/1); judged against the target itself
    assert q1["value"] == pytest.approx(2 / 3)
    assert (q1["goal"], q1["status"]) == (0.5, "green")
    # a ratio of ratios: (2/3) / 0.5 = 1.333
    assert q1["title"] == "Q1 2025: 66.7%, goal 50.0%: green; 133% of goal"


def test_a_level_shows_at_a_finer_grain_as_of_each_periods_end(project: Project) -> None:
    card = scorecard(project, grain="week", n=3)
    c = cells(card, "invoices_to_date")
    # W05 runs to 2 February: invoices 1, 2, 4 and 5 came before it ended; W07 is under way
    assert [(p, c[p]["value"], c[p]["status"]) for p in ("2025-W05", "2025-W06", "2025-W07")
            ] == [("2025-W05", 4.0, "green"), ("2025-W06", 5.0, "green"),
                  ("2025-W07", 5.0, "green")]
    assert c["2025-W07"]["title"] == "W7 2025 as of today: 5, goal 4: green; 125% of goal"
    assert row(card, "invoices_to_date")["goal_varies"] is False


def test_rows_that_cannot_be_shown_at_the_grain_are_grouped_at_their_own(
        project: Project) -> None:
    card = scorecard(project, grain="month")
    groups = {g["per"]: g for g in card["groups"]}
    assert list(groups) == ["month", "year"]  # the weekly metrics are shown per month
    main = groups["month"]
    assert main["main"] and len(main["columns"]) == 13
    assert [c["label"] for c in main["columns"][-2:]] == ["Jan 2025", "Feb 2025"]
    assert [c["place"] for c in main["columns"][-3:]] == ["older", "last-closed", "open"]
    assert main["columns"][-1]["open"] and not main["columns"][-2]["open"]
    # the yearly row covers the same months as the grid: 2024 and 2025, not 13 years
    year = groups["year"]
    assert (year["title"], year["note"]) == (
        "Yearly measurables", "Measured per year: they cannot be shown per month.")
    assert [c["label"] for c in year["columns"]] == ["2024", "2025"]
    assert [r["metric"] for r in card["rows"] if r["per"] == "year"] == ["retention"]
    assert row(card, "cost_per_invoice")["per"] == "month"
    # per week, the monthly totals and rates and the manual metric go to their own group
    weekly = scorecard(project, grain="week")
    by = {r["metric"]: r["per"] for r in weekly["rows"]}
    assert by == {"revenue": "month", "weekly_revenue": "week", "big_invoice_share": "month",
                  "retention": "year", "cost_per_invoice": "month",
                  "invoices_to_date": "week", "weekly_invoices": "week"}
    months = next(g for g in weekly["groups"] if g["per"] == "month")
    assert [c["label"] for c in months["columns"]] == [
        "Nov 2024", "Dec 2024", "Jan 2025", "Feb 2025"]  # 13 weeks back reach November
    assert [c["label"] for c in weekly["groups"][0]["columns"][-2:]] == ["W6", "W7"]
    assert weekly["groups"][0]["columns"][-1]["starts"] == "10 Feb"


def test_the_goal_column_is_the_last_closed_periods_goal(project: Project) -> None:
    card = scorecard(project, grain="month", n=3)
    r = row(card, "revenue")
    # January's goal is 120; February has its own 60, so the goal varies
    assert (r["goal"], r["goal_period"], r["goal_varies"]) == ("$120", "2025-01", True)
    jan = cells(card, "revenue")["2025-01"]
    assert jan["title"] == "Jan 2025: $150, goal $120: green; 125% of goal"  # 150 / 120
    feb = cells(card, "revenue")["2025-02"]
    # 70 against 60 x 14.25/28 = 30.54 by today: 2.292
    assert feb["title"] == ("Feb 2025 so far: $70, goal by today $31 of $60: green; "
                            "229% of goal by today")
    steady = row(card, "big_invoice_share")
    assert (steady["goal"], steady["goal_varies"]) == ("50.0%", False)


def test_a_department_shows_only_its_owners(project: Project) -> None:
    card = scorecard(project, "marketing", grain="month")
    assert [r["person"] for r in card["rows"]] == ["gus"]


def test_a_metric_that_fails_is_its_rows_message_and_the_others_still_show(
        tmp_path: Any) -> None:
    """A metric whose query fails when it runs (a column the table does not have) shows its
    error in its own row; every other row keeps its numbers, and freezing is not stopped."""
    p = make_project(tmp_path / "proj", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    (p.root / "metrics" / "typo.yml").write_text(textwrap.dedent("""\
        name: typo
        title: Typo
        description: A query naming a column the invoices do not have.
        department: finance
        unit: usd
        sql: select sum(amonut) as value from invoices where txn_date >= {period_start}
    """))
    (p.root / "people.yml").write_text(
        "people:\n  - {id: ann, name: Ann Lee, department: finance, metric: revenue}\n"
        "  - {id: zed, name: Zed Fox, department: finance, metric: typo}\n")
    p.close()
    p = Project.open(p.root)
    try:
        p.metrics.now = datetime(2025, 2, 15, 12, tzinfo=UTC)
        card = scorecard(p, grain="month", n=3)
        broken = row(card, "typo")
        assert broken["cells"] == [] and "amonut" in broken["error"]
        fine = row(card, "revenue")
        assert fine["error"] is None
        assert [c["period"] for c in fine["cells"]] == ["2024-12", "2025-01", "2025-02"]
        # revenue (test_metrics' invoices): 2025-01 is 100.00 + 50.00 = $150
        assert cells(card, "revenue")["2025-01"]["formatted"] == "$150"
        values, errors = p.metrics.compute_each(["revenue", "typo"], [p.period("2025-01")])
        assert [v.metric for v in values] == ["revenue"] and list(errors) == ["typo"]
    finally:
        p.close()
