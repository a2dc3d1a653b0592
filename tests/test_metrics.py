"""The metric layer on a small hand-made company, on DuckDB and PostgreSQL alike.

Every expected number below is worked out by hand from the rows in INVOICES and SIGNUPS."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from northstar.errors import NorthstarError
from northstar.metrics.compute import MetricValue
from northstar.project import Project

D = Decimal

INVOICES = """\
id,txn_date,amount,owner_id,customer
1,2025-01-05,100.00,ann,c1
2,2025-01-20,50.00,bob,c2
3,2025-02-03,70.00,ann,c1
4,2024-01-10,40.00,ann,c1
5,2024-12-31,25.00,bob,c2
"""
# 03:00 UTC on Feb 1 is 21:00 on Jan 31 in Chicago; 07:00 UTC is 01:00 on Feb 1.
SIGNUPS = """\
{"id": "s1", "created_at": "2025-02-01T03:00:00Z"}
{"id": "s2", "created_at": "2025-02-01T07:00:00Z"}
"""

METRICS = {
    "revenue": """
        name: revenue
        title: Revenue
        description: Sum of invoiced amounts.
        department: finance
        unit: usd
        model: invoices
        measure: sum(amount)
        time_column: txn_date
        dimensions: [owner_id]
        target:
          value: 120
          periods: {"2025-02": 60}
        actions:
          green: Keep going.
          yellow: Call two customers.
          red: Escalate.
          grey: Check collection.
    """,
    "invoice_count": """
        name: invoice_count
        title: Invoices
        description: Number of invoices.
        department: finance
        unit: count
        model: invoices
        measure: count(*)
        time_column: txn_date
        dimensions: [owner_id]
    """,
    "avg_invoice": """
        name: avg_invoice
        title: Average invoice
        description: Revenue divided by the number of invoices.
        department: finance
        unit: usd
        expression: revenue / invoice_count
        dimensions: [owner_id]
    """,
    "retention": """
        name: retention
        title: Net revenue retention
        description: This year's revenue from last year's customers over last year's revenue.
        department: finance
        unit: percent
        grain: year
        sql: |
          with cur as (select customer, sum(amount) as r from invoices
                       where txn_date >= {period_start} and txn_date < {period_end} group by 1),
               prev as (select customer, sum(amount) as r from invoices
                       where txn_date >= {prior_start} and txn_date < {prior_end} group by 1)
          select sum(coalesce(cur.r, 0)) / nullif(sum(prev.r), 0) as value
          from prev left join cur on cur.customer = prev.customer
        target: {value: 1.1}
        bands: {relative_to: absolute, green: 1.1, yellow: 1.0}
    """,
    "signups": """
        name: signups
        title: Signups
        description: New accounts created.
        department: marketing
        unit: count
        model: signups
        measure: count(*)
        time_column: created_at
    """,
    "cost_per_invoice": """
        name: cost_per_invoice
        title: Cost per invoice
        description: What one invoice costs us; lower is better.
        department: finance
        unit: usd
        direction: lower
        manual: true
        target: {value: 10}
    """,
}


def make_project(root: Path, engine_url: str, *, now: datetime | None = None) -> Project:
    project = Project.init(root, timezone="America/Chicago", engine_url=engine_url)
    for name, body in METRICS.items():
        (root / "metrics" / f"{name}.yml").write_text(textwrap.dedent(body))
    (root / "invoices.csv").write_text(INVOICES)
    (root / "signups.jsonl").write_text(SIGNUPS)
    project.close()
    project = Project.open(root)
    project.load_file("invoices", root / "invoices.csv", source="quickbooks")
    project.load_file("signups", root / "signups.jsonl", source="app")
    project.metrics.now = now or datetime(2025, 2, 15, 12, tzinfo=UTC)
    return project


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    p = make_project(tmp_path / "proj", engine_url)
    yield p
    p.close()


def one(project: Project, metric: str, period: str, **kw: Any) -> MetricValue:
    values = project.compute([metric], [period], **kw)
    assert len(values) == 1
    return values[0]


def add_invoice(project: Project, line: str) -> None:
    path = project.root / "late.csv"
    path.write_text("id,txn_date,amount,owner_id,customer\n" + line + "\n")
    project.load_file("invoices", path, source="quickbooks")


def test_value_target_status_and_both_comparisons(project: Project) -> None:
    v = one(project, "revenue", "2025-01")
    assert (v.value, v.target, v.status, v.action) == (Decimal("150.00"), 120, "green",
                                                       "Keep going.")
    assert (v.previous_period, v.previous) == ("2024-12", Decimal("25.00"))
    assert (v.last_year_period, v.last_year) == ("2024-01", Decimal("40.00"))


def test_a_periods_own_target_wins_and_bands_follow_it(project: Project) -> None:
    v = one(project, "revenue", "2025-02")
    # 70 against a February target of 60: at least 100% of target, green.
    assert (v.value, v.target, v.status) == (Decimal("70.00"), 60, "green")


def test_no_rows_is_no_data_and_grey(project: Project) -> None:
    v = one(project, "revenue", "2023-06")
    assert (v.value, v.status, v.action) == (None, "grey", "Check collection.")


def test_quarter_and_year_are_sums_of_their_months(project: Project) -> None:
    assert one(project, "revenue", "2025-Q1").value == Decimal("220.00")
    assert one(project, "revenue", "2024").value == Decimal("65.00")
    # ISO week 2025-W01 runs Mon 2024-12-30 .. Sun 2025-01-05: invoices 5 (25) and 1 (100).
    assert one(project, "revenue", "2025-W01").value == Decimal("125.00")


def test_slicing_by_a_tag_is_the_same_rows_through_a_filter(project: Project) -> None:
    by_owner = {v.slice["owner_id"]: v.value
                for v in project.compute(["revenue"], ["2025-01"], by="owner_id")}
    assert by_owner == {"ann": Decimal("100.00"), "bob": Decimal("50.00")}
    ann = project.compute(["revenue"], ["2025-01"], filters={"owner_id": "ann"})
    assert [v.value for v in ann] == [Decimal("100.00")]


def test_an_expression_is_computed_from_its_metrics(project: Project) -> None:
    assert one(project, "avg_invoice", "2025-01").value == pytest.approx(75.0)
    by_owner = {v.slice["owner_id"]: v.value
                for v in project.compute(["avg_invoice"], ["2025-01"], by="owner_id")}
    assert by_owner == {"ann": pytest.approx(100.0), "bob": pytest.approx(50.0)}


def test_a_query_metric_gets_the_period_and_the_prior_year(project: Project) -> None:
    project.metrics.now = datetime(2026, 1, 20, tzinfo=UTC)  # 2025 has closed: judged in full
    v = one(project, "retention", "2025")
    # 2024 customers: c1 (40) and c2 (25) = 65. Their 2025 revenue: c1 170, c2 50 = 220.
    assert float(v.value) == pytest.approx(220 / 65)
    assert v.status == "green"


def test_period_bounds_are_local_midnights_in_the_company_timezone(project: Project) -> None:
    assert one(project, "signups", "2025-01").value == 1
    assert one(project, "signups", "2025-02").value == 1


DAILY_SIGNUPS = """
    name: daily_signups
    title: Signups a day
    description: New accounts created, by local day.
    department: marketing
    unit: count
    grain: day
    model: signups
    measure: count(*)
    time_column: created_at
    target: {value: 2}
"""


def test_a_day_is_a_local_day_with_yesterday_and_the_same_weekday_last_year(
        project: Project) -> None:
    fresh = _with_metric(project, DAILY_SIGNUPS)
    fresh.metrics.now = datetime(2025, 2, 15, 12, tzinfo=UTC)  # 06:00 in Chicago
    try:
        # s1 at 03:00 UTC on 1 February is 21:00 on Friday 31 January in Chicago; s2 at 07:00
        # UTC is 01:00 on Saturday 1 February
        jan31, feb1 = one(fresh, "daily_signups", "2025-01-31"), one(fresh, "daily_signups",
                                                                      "2025-02-01")
        assert (jan31.value, feb1.value) == (1, 1)
        assert (feb1.previous_period, feb1.previous) == ("2025-01-31", 1)
        # the same weekday 52 weeks back: Saturday 3 February 2024, when nobody signed up: a
        # count of nothing is 0, not "no data" (docs/metric-files.md)
        assert (feb1.last_year_period, feb1.last_year) == ("2024-02-03", 0)
        # a day's target is its own; a month's is its days' targets summed (31 x 2)
        assert feb1.target == 2 and feb1.status == "red"
        month = one(fresh, "daily_signups", "2025-01")
        assert (month.value, month.target) == (1, pytest.approx(62))
        # the day under way (15 February, 06:00 local): nothing so far
        # is 0, a quarter of the day gone
        today = one(fresh, "daily_signups", "2025-02-15")
        assert (today.value, today.open, today.elapsed) == (0, True, pytest.approx(0.25))
        assert fresh.compute(["daily_signups"])[0].period == "2025-02-15"
    finally:
        fresh.close()


# Instants around Chicago's clock changes (UTC-6 in winter, UTC-5 from 02:00 on 9 March 2025
# to 02:00 on 2 November 2025; 9 March has 23 hours, 2 November 25).
CLOCK_EVENTS = [
    "2024-01-01T12:00:00Z",  # 1 January 2024, before every day asked for
    "2024-06-01T12:00:00Z",  # in the gap between last year's days and this year's
    "2025-03-08T05:59:00Z",  # 23:59 CST on 7 March
    "2025-03-08T06:00:00Z",  # 00:00 CST on 8 March
    "2025-03-09T05:59:00Z",  # 23:59 CST on 8 March
    "2025-03-09T06:00:00Z",  # 00:00 CST on 9 March
    "2025-03-10T04:59:00Z",  # 23:59 CDT on 9 March
    "2025-03-10T05:00:00Z",  # 00:00 CDT on 10 March
    "2025-03-11T04:30:00Z",  # 23:30 CDT on 10 March
    "2025-03-12T12:00:00Z",  # 07:00 CDT on 12 March
    "2025-11-02T05:30:00Z",  # 00:30 CDT on 2 November
    "2025-11-03T05:30:00Z",  # 23:30 CST on 2 November (the 25-hour day)
    "2025-11-03T06:00:00Z",  # 00:00 CST on 3 November
]


def test_many_days_at_once_fall_on_their_local_days_across_the_clock_changes(
        project: Project) -> None:
    """A year of days is computed in one statement that buckets rows by run of days at one
    UTC offset, with the days the clocks change on their own: the same days as one by one."""
    path = project.root / "clock.jsonl"
    path.write_text("".join(f'{{"id": "e{i}", "at": "{at}", "n": 1}}\n'
                            for i, at in enumerate(CLOCK_EVENTS)))
    project.load_file("clock_events", path, source="app")
    fresh = _with_metric(project, """
        name: events_a_day
        title: Events a day
        description: Events by local day.
        department: marketing
        unit: count
        grain: day
        model: clock_events
        measure: count(*)
        time_column: at
    """)
    fresh.close()
    fresh = _with_metric(project, """
        name: events_to_date
        title: Events to date
        description: Every event up to the end of the day.
        department: marketing
        unit: count
        grain: day
        model: clock_events
        measure: sum(n)
        time_column: at
        cumulative: true
    """)
    fresh.metrics.now = datetime(2025, 12, 1, tzinfo=UTC)
    try:
        march = [f"2025-03-{d:02d}" for d in range(1, 15)]
        daily = {v.period: v for v in fresh.compute(["events_a_day"], march)}
        # 7 March: e2; 8 March: e3, e4; 9 March (23 hours): e5, e6; 10 March: e7, e8;
        # 11 March: none; 12 March: e9
        assert [daily[f"2025-03-{d:02d}"].value for d in range(6, 13)] == [0, 1, 2, 2, 2, 0, 1]
        assert daily["2025-03-08"].previous == 1
        november = [f"2025-11-{d:02d}" for d in range(1, 5)]
        # 2 November (25 hours): e10 at 00:30 CDT and e11 at 23:30 CST; 3 November: e12
        assert [v.value for v in fresh.compute(["events_a_day"], november)] == [0, 2, 1, 0]
        # to date: e0 and e1 (before and between the days asked for) count from the first
        to_date = {v.period: v for v in fresh.compute(["events_to_date"], march)}
        assert [to_date[f"2025-03-{d:02d}"].value for d in range(6, 13)] == [
            2, 3, 5, 7, 9, 9, 10]
        # 1 March's previous day, 28 February: e0, e1; 7 March's same weekday last year,
        # Friday 8 March 2024: e0 alone
        assert to_date["2025-03-01"].previous == 2
        assert (to_date["2025-03-07"].last_year_period, to_date["2025-03-07"].last_year) == (
            "2024-03-08", 1)
    finally:
        fresh.close()


def test_slicing_a_metric_by_a_tag_it_does_not_allow_is_refused(project: Project) -> None:
    with pytest.raises(NorthstarError, match="cannot be sliced by 'client_id'"):
        project.compute(["revenue"], ["2025-01"], by="client_id")
    with pytest.raises(NorthstarError, match="cannot be sliced"):
        project.compute(["retention"], ["2025"], by="owner_id")


def test_a_record_correction_moves_the_number_by_exactly_the_correction(project: Project) -> None:
    before = one(project, "revenue", "2025-02").value  # February is still open
    project.adjust_record("invoices", "3", "amount", "75.50", author="dana", reason="typo")
    after = one(project, "revenue", "2025-02")
    assert after.value - before == Decimal("5.50")
    raw = project.engine.scalar("SELECT amount FROM raw_invoices WHERE source_id = '3'")
    assert raw == Decimal("70.00")  # the machine's version is kept
    assert project.engine.scalar("SELECT is_adjusted FROM invoices WHERE source_id = '3'")


def test_a_metric_correction_is_netted_and_reported(project: Project) -> None:
    project.adjust_metric("revenue", "2025-01", "-20", author="dana", reason="duplicate fee")
    v = one(project, "revenue", "2025-01")
    assert (v.value, v.adjustment) == (Decimal("130.00"), Decimal("-20"))
    # open February is compared with 1-15 January (invoice 1): the month's correction is for
    # the whole month, not for its first days
    feb = one(project, "revenue", "2025-02")
    assert (feb.previous_period, feb.previous) == ("2025-01 days 1-15", Decimal("100.00"))
    project.metrics.now = datetime(2025, 3, 5, tzinfo=UTC)  # February closed: whole months
    assert one(project, "revenue", "2025-02").previous == Decimal("130.00")


def test_closed_periods_stay_frozen_after_new_loads(project: Project) -> None:
    jan = one(project, "revenue", "2025-01")
    assert (jan.value, jan.origin) == (Decimal("150.00"), "frozen")
    add_invoice(project, "6,2025-01-25,30.00,bob,c2")
    add_invoice(project, "7,2025-02-10,10.00,bob,c2")
    assert one(project, "revenue", "2025-01").value == Decimal("150.00")
    feb = one(project, "revenue", "2025-02")  # open: the new row counts at once
    assert (feb.value, feb.origin) == (Decimal("80.00"), "computed")
    again = project.recompute("revenue", "2025-01", reason="late invoice 6", author="dana")
    assert again.value == Decimal("180.00")
    reasons = project.engine.rows(
        "SELECT reason, author FROM ns_snapshots WHERE metric = 'revenue' AND period = '2025-01' "
        "ORDER BY load_id")
    assert reasons == [("period closed", "northstar"), ("late invoice 6", "dana")]


def test_a_record_correction_refreezes_the_closed_period_it_touches(project: Project) -> None:
    assert one(project, "revenue", "2025-01").value == Decimal("150.00")
    project.adjust_record("invoices", "2", "amount", "45.00", author="dana", reason="credit")
    v = one(project, "revenue", "2025-01")
    assert (v.value, v.origin) == (Decimal("145.00"), "frozen")


def test_manual_values_win_until_handed_back(project: Project) -> None:
    assert one(project, "cost_per_invoice", "2025-01").status == "grey"
    project.set_manual("cost_per_invoice", "2025-01", "12", author="cfo", note="from the P&L")
    v = one(project, "cost_per_invoice", "2025-01")
    # Lower is better: green up to the target (10), yellow up to 110% of it (11), then red.
    assert (v.value, v.origin, v.status) == (Decimal("12"), "manual", "red")
    project.set_manual("cost_per_invoice", "2025-01", "10.5", author="cfo", note="restated")
    assert one(project, "cost_per_invoice", "2025-01").status == "yellow"
    project.set_manual("revenue", "2025-02", "999", author="cfo", note="board figure")
    assert one(project, "revenue", "2025-02").value == Decimal("999")
    project.set_manual("revenue", "2025-02", None, author="cfo", release=True)
    assert one(project, "revenue", "2025-02").value == Decimal("70.00")
    log = project.engine.rows("SELECT action, author FROM ns_manual_values ORDER BY load_id")
    assert log == [("set", "cfo"), ("set", "cfo"), ("set", "cfo"), ("release", "cfo")]


def test_measures_over_the_same_rows_are_computed_in_one_scan(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """revenue (sum(amount)) and invoice_count (count(*)) read the same invoices by the same
    date: computing one computes both, and reading the other runs nothing."""
    project.metrics.freeze = True
    calls = _live_calls(project, monkeypatch)
    by = {v.slice["owner_id"]: v for v in project.compute(["revenue"], ["2025-01"],
                                                           by="owner_id")}
    assert (by["ann"].value, by["bob"].value) == (D("100.00"), D("50.00"))
    counts = {v.slice["owner_id"]: v.value for v in project.compute(
        ["invoice_count"], ["2025-01"], by="owner_id")}
    # January: ann's invoice 1, bob's invoice 2; December 2024 (the previous month): bob's 5
    assert counts == {"ann": 1, "bob": 1}
    assert calls == ["revenue"]
    # closed January is frozen from what the shared scan found, without computing it again
    assert one(project, "invoice_count", "2025-01").value == 2
    assert calls == ["revenue", "invoice_count"]
    assert one(project, "invoice_count", "2025-01").origin == "frozen"
    assert calls == ["revenue", "invoice_count"]


def test_a_measure_that_fails_does_not_take_the_one_sharing_its_scan_down(
        project: Project) -> None:
    fresh = _with_metric(project, """
        name: broken_total
        title: Broken
        description: A measure over a column invoices do not have.
        department: finance
        unit: usd
        model: invoices
        measure: sum(no_such_column)
        time_column: txn_date
        dimensions: [owner_id]
    """)
    try:
        # invoices 1 (100.00) and 2 (50.00) are January's
        assert one(fresh, "revenue", "2025-01").value == D("150.00")
        with pytest.raises(NorthstarError, match="broken_total"):
            fresh.compute(["broken_total"], ["2025-01"])
    finally:
        fresh.close()


def test_handing_back_a_value_that_is_not_manual_is_refused(project: Project) -> None:
    with pytest.raises(NorthstarError, match="no manual value"):
        project.set_manual("revenue", "2025-02", None, author="cfo", release=True)


def _live_calls(project: Project, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the metrics the project computes from the ledger from now on, in order."""
    calls: list[str] = []
    real = project.metrics._live

    def spy(m: Any, *args: Any) -> Any:
        calls.append(m.name)
        return real(m, *args)

    monkeypatch.setattr(project.metrics, "_live", spy)
    return calls


def test_an_append_invalidates_exactly_the_metrics_that_read_it(
        project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _live_calls(project, monkeypatch)
    project.compute(["revenue", "signups"], ["2025-02"])
    assert sorted(set(calls)) == ["revenue", "signups"]
    calls.clear()
    project.compute(["revenue", "signups"], ["2025-02"])
    assert calls == []  # cached
    path = project.root / "more.jsonl"
    path.write_text('{"id": "s3", "created_at": "2025-02-10T12:00:00Z"}\n')
    project.load_file("signups", path, source="app")
    values = project.compute(["revenue", "signups"], ["2025-02"])
    assert calls == ["signups"]
    assert [v.value for v in values] == [Decimal("70.00"), 2]


def test_bad_periods_and_unknown_metrics_are_clear_errors(project: Project) -> None:
    with pytest.raises(NorthstarError, match="'2025-13' is not a period"):
        project.compute(["revenue"], ["2025-13"])
    with pytest.raises(NorthstarError, match="unknown metric 'revnue'"):
        project.compute(["revnue"], ["2025-01"])


def test_a_formula_that_fails_names_the_metric(project: Project) -> None:
    (project.root / "metrics" / "broken.yml").write_text(textwrap.dedent("""
        name: broken
        title: Broken
        description: Reads a column that is not there.
        department: finance
        model: invoices
        measure: sum(no_such_column)
        time_column: txn_date
    """))
    fresh = Project.open(project.root)
    try:
        with pytest.raises(NorthstarError, match="metric broken failed"):
            fresh.compute(["broken"], ["2025-02"])
    finally:
        fresh.close()


def _with_metric(project: Project, body: str) -> Project:
    name = textwrap.dedent(body).split("name:")[1].split()[0]
    (project.root / "metrics" / f"{name}.yml").write_text(textwrap.dedent(body))
    return Project.open(project.root)


MONTHLY_REVENUE = """
    name: monthly_revenue
    title: Revenue per month
    description: Revenue divided by the months in the period.
    department: finance
    unit: usd
    expression: revenue / months
    pace: {kind: total}
    target: {value: 100}
"""


def test_months_in_an_expression_is_the_calendar_months_of_the_period(project: Project) -> None:
    fresh = _with_metric(project, MONTHLY_REVENUE)
    fresh.metrics.now = datetime(2026, 1, 20, tzinfo=UTC)
    try:
        got = {p: one(fresh, "monthly_revenue", p) for p in ("2025-01", "2025-Q1", "2024",
                                                              "2025-W01")}
        assert float(got["2025-01"].value or 0) == pytest.approx(150)  # 150 / 1
        assert float(got["2025-Q1"].value or 0) == pytest.approx(220 / 3)  # 150 + 70 over 3
        assert float(got["2024"].value or 0) == pytest.approx(65 / 12)  # 40 + 25 over 12
        # a week is 7 days of an average month of 365.25 / 12 days: 125 / (7 / 30.4375)
        assert float(got["2025-W01"].value or 0) == pytest.approx(125 * 30.4375 / 7)
        # a figure per month keeps its monthly target over a quarter or a year (not 3 x 100)
        assert [got[p].target for p in ("2025-01", "2025-Q1", "2024")] == [100, 100, 100]
        assert (got["2025-Q1"].status, got["2024"].status) == ("red", "red")
        # months is not a metric the expression is built from
        assert fresh.catalog.get("monthly_revenue").referenced_metrics() == ["revenue"]
    finally:
        fresh.close()


def test_months_in_an_open_period_counts_the_whole_period(project: Project) -> None:
    fresh = _with_metric(project, MONTHLY_REVENUE)
    fresh.metrics.now = datetime(2025, 2, 15, 12, tzinfo=UTC)
    try:
        # 15 February 2025 12:00 UTC is 06:00 in Chicago: February is open, 14.25 of its 28
        # days gone; 70 so far over its 1 month, judged against the target pro-rated to the
        # time gone (100 x 14.25 / 28 = 50.9)
        v = one(fresh, "monthly_revenue", "2025-02")
        assert (float(v.value or 0), v.open, v.pace) == (pytest.approx(70), True, "total")
        assert v.elapsed == pytest.approx(14.25 / 28)
        assert v.pace_target == pytest.approx(100 * 14.25 / 28)
        assert v.status == "green"
        # compared with January's first days (invoice 1, 100 on the 5th) over January's 1 month
        assert float(v.previous or 0) == pytest.approx(100)
        q = one(fresh, "monthly_revenue", "2025-Q1")  # the open quarter: 220 so far over 3
        assert float(q.value or 0) == pytest.approx(220 / 3)
    finally:
        fresh.close()


def test_a_metric_may_not_be_named_months(project: Project) -> None:
    (project.root / "metrics" / "months.yml").write_text(textwrap.dedent("""
        name: months
        title: Months
        description: A name expressions keep for themselves.
        department: finance
        manual: true
    """))
    fresh = Project.open(project.root)
    try:
        assert any("'months' is a built-in name" in str(e) for e in fresh.catalog.errors)
    finally:
        fresh.close()


BILLED_TO_DATE = """
    name: billed_to_date
    title: Billed to date
    description: Every invoice ever sent, as a balance at each period's end.
    department: finance
    unit: usd
    model: invoices
    measure: sum(amount)
    time_column: txn_date
    cumulative: true
    dimensions: [owner_id]
    target:
      value: 200
      slices: {owner_id: {ann: 150}}
"""


def test_a_cumulative_measure_is_the_balance_at_each_periods_end(project: Project) -> None:
    fresh = _with_metric(project, BILLED_TO_DATE)
    fresh.metrics.now = datetime(2025, 6, 15, tzinfo=UTC)
    try:
        got = {v.period: v for v in fresh.compute(
            ["billed_to_date"], ["2024-12", "2025-01", "2025-02", "2025-Q1", "2025-01-05",
                                 "2023-06"])}
        # every invoice before the end: 2024-12: 4 (40) and 5 (25) = 65; January adds 1 (100)
        # and 2 (50): 215; February 3 (70): 285, which is also the quarter's end
        assert [got[p].value for p in ("2024-12", "2025-01", "2025-02", "2025-Q1")] == [
            D("65.00"), D("215.00"), D("285.00"), D("285.00")]
        # the end of 5 January: 4, 5 and 1 = 165; nothing before mid-2023: a balance of 0
        assert (got["2025-01-05"].value, got["2023-06"].value) == (D("165.00"), 0)
        # a level: compared with where the previous period ended; its target is not summed
        assert (got["2025-02"].previous, got["2025-Q1"].target) == (D("215.00"), 200)
        assert fresh.metrics.pace_kind(fresh.catalog.get("billed_to_date")) == "level"
        # by owner at January's end: ann 4 + 1 = 140, bob 5 + 2 = 75; bob has a balance in
        # February though none of his invoices is February's
        jan = {v.slice["owner_id"]: v for v in fresh.compute(["billed_to_date"], ["2025-01"],
                                                              by="owner_id")}
        assert {k: v.value for k, v in jan.items()} == {"ann": D("140.00"), "bob": D("75.00")}
        feb = {v.slice["owner_id"]: v.value for v in fresh.compute(
            ["billed_to_date"], ["2025-02"], by="owner_id")}
        assert feb == {"ann": D("210.00"), "bob": D("75.00")}
        # ann's own target (150): 140 is 93% of it, yellow; bob has none, so no status
        assert (jan["ann"].target, jan["ann"].status) == (150, "yellow")
        assert (jan["bob"].target, jan["bob"].status) == (None, None)
        ann = fresh.compute(["billed_to_date"], ["2025-01"], filters={"owner_id": "ann"})[0]
        bob = fresh.compute(["billed_to_date"], ["2025-01"], filters={"owner_id": "bob"})[0]
        assert (ann.value, ann.target, bob.target) == (D("140.00"), 150, 200)
    finally:
        fresh.close()


def test_a_slice_target_of_a_total_is_summed_over_a_longer_period(project: Project) -> None:
    fresh = _with_metric(project, """
        name: daily_revenue
        title: Revenue a day
        description: Invoiced amounts by day.
        department: finance
        unit: usd
        grain: day
        model: invoices
        measure: sum(amount)
        time_column: txn_date
        dimensions: [owner_id]
        target:
          value: 10
          slices: {owner_id: {ann: 3}}
    """)
    fresh.metrics.now = datetime(2025, 6, 15, tzinfo=UTC)
    try:
        by = {v.slice["owner_id"]: v for v in fresh.compute(["daily_revenue"], ["2025-01"],
                                                             by="owner_id")}
        # January's 31 days at 3 a day for ann: 93; ann invoiced 100 (green)
        assert (by["ann"].value, by["ann"].target, by["ann"].status) == (
            D("100.00"), pytest.approx(93), "green")
        day = fresh.compute(["daily_revenue"], ["2025-01-05"], filters={"owner_id": "ann"})[0]
        assert (day.value, day.target) == (D("100.00"), 3)
    finally:
        fresh.close()


@pytest.mark.parametrize(("extra", "message"), [
    ("measure: sum(amount) / count(*)", "must be a sum"),
    ("sql: select 1 as value", "cumulative is for a measure metric"),
])
def test_a_cumulative_metric_must_add_up(extra: str, message: str) -> None:
    from northstar.metrics.definition import MetricDef

    body: dict[str, Any] = {"name": "x", "title": "X", "description": "x.",
                            "department": "finance", "cumulative": True}
    key, _, value = extra.partition(": ")
    if key == "sql":
        body["sql"] = value
    else:
        body.update(model="invoices", measure=value, time_column="txn_date")
    with pytest.raises(ValueError, match=message):
        MetricDef.model_validate(body)


@pytest.mark.parametrize(("measure", "kind"), [
    ("sum(amount)", "sum"), ("  SUM (amount) ", "sum"), ("count(*)", "count"),
    ("count (distinct id)", "count"), ("Count(ID)", "count"),
    ("sum(amount) / count(*)", None), ("avg(amount)", None), (None, None), ("", None)])
def test_one_reading_of_whether_a_measure_adds_up(measure: str | None, kind: str | None) -> None:
    from northstar.metrics.definition import additive_measure

    assert additive_measure(measure) == kind
