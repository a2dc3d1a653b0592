"""The period in progress, judged by its pace; and late rows for a frozen period, never silent.

The project is the one of test_metrics (Chicago time, invoices of January and February 2025).
Its clock stands at 2025-02-15 12:00 UTC, 06:00 in Chicago: 14 days and 6 hours of February's
28 are gone, a share of 14.25 / 28 = 0.508928...; February's first 15 days have begun."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from northstar.project import Project
from test_metrics import add_invoice, make_project, one

pytestmark = pytest.mark.fast

SHARE = 14.25 / 28

EXTRA = {
    # 70 of a 130 target: red for a whole month, green at half time (130 x 0.509 = 66.2)
    "revenue_paced": """
        name: revenue_paced
        title: Revenue (paced)
        description: Sum of invoiced amounts, against a bigger target.
        department: finance
        unit: usd
        model: invoices
        measure: sum(amount)
        time_column: txn_date
        target: {value: 130}
    """,
    "revenue_workdays": """
        name: revenue_workdays
        title: Revenue (working days)
        description: The same, paced by working days.
        department: finance
        unit: usd
        model: invoices
        measure: sum(amount)
        time_column: txn_date
        target: {value: 130}
        pace: {by: working_days}
    """,
    # the same sum, from books that are exported once a month is closed
    "revenue_booked": """
        name: revenue_booked
        title: Revenue (booked)
        description: Sum of invoiced amounts, from books exported after the month closes.
        department: finance
        unit: usd
        model: invoices
        measure: sum(amount)
        time_column: txn_date
        target: {value: 130}
        pace: {arrives: after_close}
    """,
    "revenue_booked_net": """
        name: revenue_booked_net
        title: Booked revenue less a fixed fee
        description: An expression over a metric whose data comes after the close.
        department: finance
        unit: usd
        expression: revenue_booked - revenue_booked
    """,
    "big_invoice_share": """
        name: big_invoice_share
        title: Share of invoices of 60 or more
        description: Invoices of 60 or more over all invoices.
        department: finance
        unit: percent
        model: invoices
        measure: avg(case when amount >= 60 then 1.0 else 0.0 end)
        time_column: txn_date
        target: {value: 0.5}
    """,
}


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    p = make_project(tmp_path / "proj", engine_url)
    for name, body in EXTRA.items():
        (p.root / "metrics" / f"{name}.yml").write_text(textwrap.dedent(body))
    p.close()
    p = Project.open(p.root)
    p.metrics.now = datetime(2025, 2, 15, 12, tzinfo=UTC)
    yield p
    p.close()


def test_an_open_total_is_judged_against_the_target_pro_rated_to_the_time_gone(
        project: Project) -> None:
    v = one(project, "revenue_paced", "2025-02")
    assert v.open and v.pace == "total"
    assert v.elapsed == pytest.approx(SHARE)
    assert v.value == Decimal("70.00")
    assert v.pace_target == pytest.approx(130 * SHARE)  # 66.16
    assert v.status == "green"  # 70 >= 66.16; against all of 130 it would be red
    assert v.projected == pytest.approx(70 / SHARE)  # 137.54
    # like for like: February's first 15 days against January's and last February's
    assert (v.previous_period, v.previous) == ("2025-01 days 1-15", Decimal("100.00"))
    assert v.last_year_period == "2024-02 days 1-15"
    # once February is over it is judged in full: 70 of 130 is red
    project.metrics.now = datetime(2025, 3, 2, 12, tzinfo=UTC)
    closed = one(project, "revenue_paced", "2025-02")
    assert (closed.open, closed.status, closed.pace_target) == (False, "red", None)
    assert (closed.previous_period, closed.previous) == ("2025-01", Decimal("150.00"))


def test_working_days_count_monday_to_friday(project: Project) -> None:
    # February 2025 has 20 working days; by Saturday the 15th, 10 are done (3-7 and 10-14)
    v = one(project, "revenue_workdays", "2025-02")
    assert v.elapsed == pytest.approx(0.5)
    assert v.pace_target == pytest.approx(65.0)


def test_an_open_rate_is_graded_against_its_target_once_its_minimum_is_gone(
        project: Project) -> None:
    v = one(project, "big_invoice_share", "2025-02")  # invoice 3 (70): 100%
    assert (v.pace, float(v.value or 0), v.target, v.status) == ("rate", 1.0, 0.5, "green")
    assert v.pace_target is None
    # on 5 February, 06:00 in Chicago, 4.25 of 28 days are gone: 15%, under the 25% minimum
    project.metrics.now = datetime(2025, 2, 5, 12, tzinfo=UTC)
    early = one(project, "big_invoice_share", "2025-02")
    assert early.elapsed == pytest.approx(4.25 / 28)
    assert (float(early.value or 0), early.status, early.action) == (1.0, None, None)


def test_an_open_total_with_nothing_yet_is_zero_so_far(project: Project) -> None:
    project.metrics.now = datetime(2025, 3, 2, 12, tzinfo=UTC)  # March: no invoices yet
    v = one(project, "revenue", "2025-03")
    assert (v.open, v.value, v.previous) == (True, Decimal(0), Decimal(0))  # 1-2 Feb: none
    assert v.status == "red"  # 0 against 120 x 1.25/31
    assert v.action == "Escalate."


def test_a_level_compares_with_where_the_previous_period_ended(project: Project) -> None:
    # the yearly retention query is a rate (percent); a manual value is a level
    project.set_manual("cost_per_invoice", "2025-02", "8", author="dana", note="from the books")
    v = one(project, "cost_per_invoice", "2025-02")
    assert (v.open, v.pace, v.status) == (True, "level", "green")  # 8 <= 10, no pro-rating
    assert v.previous_period == "2025-01"


def test_the_grace_days_keep_a_closed_period_live_until_they_pass(project: Project) -> None:
    # January ended at 06:00 UTC on 1 February; with the default 10 grace days it freezes
    # from 06:00 UTC on 11 February. On the 5th a late invoice still counts at once.
    project.metrics.now = datetime(2025, 2, 5, 12, tzinfo=UTC)
    jan = one(project, "revenue", "2025-01")
    assert (jan.open, jan.origin, jan.value) == (False, "computed", Decimal("150.00"))
    add_invoice(project, "6,2025-01-25,30.00,bob,c2")
    assert one(project, "revenue", "2025-01").value == Decimal("180.00")


def test_a_late_row_for_a_frozen_period_is_reported_with_its_amount(project: Project) -> None:
    jan = one(project, "revenue", "2025-01")
    assert (jan.origin, jan.value) == ("frozen", Decimal("150.00"))
    assert project.metrics.late_data("revenue", [project.period("2025-01")]) == []
    add_invoice(project, "6,2025-01-25,30.00,bob,c2")
    assert one(project, "revenue", "2025-01").value == Decimal("150.00")  # frozen stays
    [late] = project.metrics.late_data("revenue", [project.period("2025-01")])
    assert (late.period, late.frozen, late.live, late.delta) == (
        "2025-01", Decimal("150.00"), Decimal("180.00"), Decimal("30.00"))
    project.recompute("revenue", "2025-01", reason="late invoice 6", author="dana")
    assert one(project, "revenue", "2025-01").value == Decimal("180.00")
    assert project.metrics.late_data("revenue", [project.period("2025-01")]) == []


def test_a_total_over_a_coarser_period_sums_its_months_targets(project: Project) -> None:
    project.metrics.now = datetime(2025, 4, 20, tzinfo=UTC)
    q1 = one(project, "revenue", "2025-Q1")
    # January 150 + February 70; targets 120 + 60 (February's own) + 120 = 300
    assert (q1.value, q1.target, q1.status) == (Decimal("220.00"), 300, "red")
    rate = one(project, "big_invoice_share", "2025-Q1")  # a rate keeps its target
    assert rate.target == 0.5


def test_data_that_comes_after_the_close_is_not_0_so_far_and_is_paced_by_closed_months(
        project: Project) -> None:
    """On 10 March 2025 at 12:00 UTC (07:00 in Chicago: daylight time began on the 9th) March
    has no invoice. A live total is 0 so far;
    one whose data comes once the month is closed has no value yet (grey, "not entered"), and so
    has an expression over it. Q1 is judged on its closed months: January and February are 59
    of its 90 days, so against the quarter's target (3 months x 130 = 390) x 59 / 90 = 255.67,
    with 150 + 70 = 220 in: under 90% of it (230.10), red."""
    project.metrics.now = datetime(2025, 3, 10, 12, tzinfo=UTC)
    live, booked = one(project, "revenue", "2025-03"), one(project, "revenue_booked", "2025-03")
    assert (live.value, live.open) == (Decimal(0), True)
    assert (booked.value, booked.status, booked.open) == (None, "grey", True)
    net = one(project, "revenue_booked_net", "2025-03")
    assert (net.value, net.status) == (None, "grey")
    quarter = one(project, "revenue_booked", "2025-Q1")
    assert quarter.value == Decimal("220.00")
    assert quarter.elapsed == pytest.approx(59 / 90)
    assert quarter.target == 390
    assert quarter.pace_target == pytest.approx(390 * 59 / 90)
    assert quarter.status == "red"
    # the live one counts March's nine days and seven hours gone as well
    assert one(project, "revenue", "2025-Q1").elapsed == pytest.approx((59 + 9 + 7 / 24) / 90)


def test_data_that_comes_after_the_close_is_not_graded_inside_its_open_month(
        project: Project) -> None:
    """February's invoice (70) is in on 15 February, but books that come after the close
    cannot be judged before February is over: no status and no target to date."""
    v = one(project, "revenue_booked", "2025-02")
    assert (v.value, v.status, v.pace_target) == (Decimal("70.00"), None, None)
