"""The weekly meeting's scorecard and issues on the hand-made company of tests/weekly_fixture.py,
on DuckDB and PostgreSQL alike. Every expected number is worked out by hand in the comments,
from the fixture's rows and its working-day counts (its docstring)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import weekly_fixture
from northstar.errors import ConfigError, NorthstarError
from northstar.metrics.attainment import attainment
from northstar.periods import Calendar, Period, working_days_between
from northstar.project import Project
from northstar.web import issues
from northstar.web.store import ensure_tables
from northstar.web.weekly import meeting_week, view, weekly


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    p = weekly_fixture.build(tmp_path / "p", engine_url)
    ensure_tables(p.engine)
    yield p
    p.close()


def cells(card: dict[str, Any], metric: str) -> dict[str, dict[str, Any]]:
    row = next(r for r in card["rows"] if r["metric"] == metric)
    return {c["week"]: c for c in row["cells"]}


def seen(card: dict[str, Any], metric: str, *weeks: str) -> list[tuple[Any, ...]]:
    """(value, goal, attainment rounded to 3 places, status) of a row's weeks."""
    got = cells(card, metric)
    return [(got[w]["value"], None if got[w]["goal"] is None else round(got[w]["goal"], 2),
             None if got[w]["attainment"] is None else round(got[w]["attainment"], 3),
             got[w]["status"]) for w in weeks]


W16_19 = ("2025-W16", "2025-W17", "2025-W18", "2025-W19")


def test_every_owner_metric_per_iso_week_worked_by_hand(project: Project) -> None:
    card = weekly(project)
    # 13 ISO weeks ending with the current one, W19 (5-11 May), in Tokyo time
    assert [c["week"] for c in card["columns"]] == [f"2025-W{i:02d}" for i in range(7, 20)]
    assert [c["open"] for c in card["columns"]] == [False] * 12 + [True]
    assert card["columns"][0]["starts"] == "10 Feb" and card["reviewed"] == "2025-W18"
    # every person with a metric, by department then name; gil owns none
    assert [r["person"] for r in card["rows"]] == ["ed", "flo", "ann", "cy", "bob", "di"]
    # sales, a monthly total: the weeks' goals are April's 2,200 spread by working days, 22 in
    # April, so 2,200 x 5/22 = 500 a full week; W18 holds 3 of April's working days and 2 of
    # May's (4,400 over 22): 2,200 x 3/22 + 4,400 x 2/22 = 300 + 400 = 700; W19, all in May,
    # 4,400 x 5/22 = 1,000. W16 550 / 500 = 110% green; W17 460 / 500 = 92% yellow (the
    # default bands: green from 100%, yellow from 90%); W18 350 / 700 = 50% red. W19 so far
    # is judged by the working days gone: Monday, Tuesday and half of Wednesday, 2.5 of 5,
    # so against 1,000 x 0.5 = 500: 400 / 500 = 80%, red.
    assert seen(card, "sales", *W16_19) == [
        (550.0, 500.0, 1.1, "green"), (460.0, 500.0, 0.92, "yellow"),
        (350.0, 700.0, 0.5, "red"), (400.0, 1000.0, 0.8, "red")]
    assert cells(card, "sales")["2025-W19"]["goal_to_date"] == pytest.approx(500)
    # a week with no deals is no data: W15 (7-13 Apr), goal 500
    assert seen(card, "sales", "2025-W15") == [(None, 500.0, None, "grey")]
    # demos: weekly_target 3 wins over the monthly 10. W16 3 (100%, green), W17 2 (67%: under
    # 90%, red), W18 3 green; W19 none yet, 0 so far against 3 x 2.5/7 of the week gone by
    # calendar days = 1.07: red, 0%
    assert seen(card, "demos", *W16_19) == [
        (3.0, 3.0, 1.0, "green"), (2.0, 3.0, 0.667, "red"), (3.0, 3.0, 1.0, "green"),
        (0.0, 3.0, 0.0, "red")]
    # response hours, an average and lower is better: the goal 4 holds every week (a rate is
    # not spread); attainment is goal / value. W16 (3 + 5) / 2 = 4.0: 100% green; W17 4.2:
    # 4 / 4.2 = 95.2%, yellow (up to 4 x 1.1 = 4.4); W18 (6 + 8) / 2 = 7.0: 57.1%, red;
    # W19 no ticket yet: grey
    assert seen(card, "response_hours", *W16_19) == [
        (4.0, 4.0, 1.0, "green"), (4.2, 4.0, 0.952, "yellow"), (7.0, 4.0, 0.571, "red"),
        (None, 4.0, None, "grey")]
    # tickets handled, absolute monthly bands 8.8 / 4.4 spread like a target: a week of 5 of
    # a 22-working-day month is green from 2, yellow from 1. W16 2 green, W17 1 yellow, W18
    # 2 green (3/22 + 2/22 of two 22-day months is 5/22 too); W19 0 so far: red
    assert seen(card, "tickets_handled", *W16_19) == [
        (2.0, None, None, "green"), (1.0, None, None, "yellow"), (2.0, None, None, "green"),
        (0.0, None, None, "red")]
    # signups, no target or bands: values without a colour (see the timezone test)
    assert seen(card, "signups", "2025-W18", "2025-W19") == [
        (1.0, None, None, None), (1.0, None, None, None)]
    # a manual metric shows the week it was entered for: 12 against a ceiling of 10: 83%, red
    assert seen(card, "cost_per_lead", "2025-W16", "2025-W17") == [
        (None, 10.0, None, "grey"), (12.0, 10.0, 0.833, "red")]
    # W18, the week the meeting reviews: sales and response hours red, demos and tickets
    # green, cost per lead without a value; signups has no colour
    assert card["counts"] == {"green": 2, "yellow": 0, "red": 2, "grey": 1}
    sales = next(r for r in card["rows"] if r["metric"] == "sales")
    assert (sales["goal_formatted"], sales["goal_varies"]) == ("$700", True)
    assert cells(card, "sales")["2025-W18"]["title"] == (
        "W18 2025 (28 Apr \N{EN DASH} 4 May 2025): $350, goal $700: red; 50% of goal")


def test_a_monthly_target_is_spread_by_working_days_at_month_edges_and_the_new_year(
        project: Project) -> None:
    def goal(week: str) -> float | None:
        return project.compute(["sales"], [week])[0].target

    # 2025-W14, Mon 31 Mar - Sun 6 Apr: 1 of March's 21 working days, 4 of April's 22
    # (Tue 1 - Fri 4): 2,200 / 21 + 2,200 x 4/22 = 104.76 + 400
    assert goal("2025-W14") == pytest.approx(2200 / 21 + 400)
    # 2025-W09, Mon 24 Feb - Sun 2 Mar: its 5 working days are February's (of 20); Saturday
    # 1 and Sunday 2 March are no working days: 2,200 x 5/20 = 550
    assert goal("2025-W09") == pytest.approx(550)
    # 2025-W01, Mon 30 Dec 2024 - Sun 5 Jan 2025: 2 of December 2024's 22 working days
    # (it starts on a Sunday: 4 x 5, plus Mon 30 and Tue 31), 3 of January 2025's 23 (it
    # starts on a Wednesday: 4 x 5, plus Wed 29 - Fri 31): 2,200 x 2/22 + 2,200 x 3/23
    assert goal("2025-W01") == pytest.approx(200 + 2200 * 3 / 23)
    # 2026 has 53 ISO weeks (1 January 2026 is a Thursday). W53 runs Mon 28 Dec 2026 - Sun 3
    # Jan 2027: 4 of December 2026's 23 working days (starts on a Tuesday: 4 x 5, plus Tue 29
    # - Thu 31) at 2,300, and Friday 1 January of January 2027's 21 (starts on a Friday:
    # 4 x 5, plus Fri 29) at 4,200: 2,300 x 4/23 + 4,200 x 1/21 = 400 + 200 = 600
    assert goal("2026-W53") == pytest.approx(600)
    assert goal("2026-W52") == pytest.approx(2300 * 5 / 23)  # 21-27 Dec: 500
    # 2027-W01, Mon 4 - Sun 10 Jan 2027, all in January: 4,200 x 5/21 = 1,000
    assert goal("2027-W01") == pytest.approx(1000)
    # the weekly view across the new year names the weeks as ISO does
    project.metrics.now = datetime(2027, 1, 6, 3, tzinfo=UTC)  # Wed 6 Jan 2027, 12:00 Tokyo
    card = weekly(project)
    assert [c["week"] for c in card["columns"][-3:]] == ["2026-W52", "2026-W53", "2027-W01"]
    assert [c["label"] for c in card["columns"][-3:]] == ["W52", "W53", "W1"]
    assert [cells(card, "sales")[w]["goal"] for w in ("2026-W52", "2026-W53", "2027-W01")
            ] == pytest.approx([500, 600, 1000])


def test_working_days_and_their_shares() -> None:
    # May 2025 begins on a Thursday: 4 weeks of 5, plus Thu 29 and Fri 30 (Sat 31 is not one)
    assert working_days_between(date(2025, 5, 1), date(2025, 6, 1)) == 22
    assert working_days_between(date(2025, 5, 3), date(2025, 5, 5)) == 0  # a weekend
    assert working_days_between(date(2025, 5, 5), date(2025, 5, 5)) == 0
    cal = Calendar("Asia/Tokyo")
    shares = cal.overlaps("month", cal.parse("2025-W18"), working_days=True)
    assert shares == [(Period("month", 2025, 4), pytest.approx(3 / 22)),
                      (Period("month", 2025, 5), pytest.approx(2 / 22))]
    # by calendar days, as the scorecard converts weeks into months: 3 of 30, 4 of 31
    assert cal.overlaps("month", cal.parse("2025-W18")) == [
        (Period("month", 2025, 4), pytest.approx(3 / 30)),
        (Period("month", 2025, 5), pytest.approx(4 / 31))]


def test_the_week_begins_at_monday_0030_local_not_in_utc(project: Project) -> None:
    # Monday 5 May 2025 00:30 in Tokyo is Sunday 4 May 15:30 UTC: still W18 in UTC, but the
    # company's week W19 has begun
    project.metrics.now = datetime(2025, 5, 4, 15, 30, tzinfo=UTC)
    assert Calendar("UTC").current("week", project.metrics.now) == Period("week", 2025, 18)
    assert str(meeting_week(project)) == "2025-W19"
    card = weekly(project)
    assert card["columns"][-1] == {**card["columns"][-1], "week": "2025-W19", "open": True}
    # the sign-up at Sunday 23:30 Tokyo (14:30 UTC) is W18's; the one at Monday 00:30 Tokyo
    # (15:30 UTC, the very instant W19 begins) is W19's. In UTC both are Sunday, W18.
    assert seen(card, "signups", "2025-W18", "2025-W19") == [
        (1.0, None, None, None), (1.0, None, None, None)]
    # half an hour into the week, on sales' working-day clock: half an hour of Monday's 24,
    # of 5 working days, gone: the goal by now is 1,000 x (0.5 / 24) / 5 = 4.17
    sales = cells(card, "sales")["2025-W19"]
    assert sales["goal_to_date"] == pytest.approx(1000 * (0.5 / 24) / 5)


def test_attainment_is_the_right_way_round() -> None:
    assert attainment(550, 500, "higher") == pytest.approx(1.1)
    assert attainment(4.2, 4, "lower") == pytest.approx(4 / 4.2)
    assert attainment(-50, 500, "higher") == pytest.approx(-0.1)
    # nothing to divide by
    assert attainment(None, 500, "higher") is None
    assert attainment(10, None, "higher") is None
    assert attainment(10, 0, "higher") is None
    assert attainment(0, 4, "lower") is None


def test_a_week_the_view_cannot_end_with_is_refused(project: Project) -> None:
    with pytest.raises(NorthstarError, match="2025-W20 has not begun yet"):
        meeting_week(project, "2025-W20")
    with pytest.raises(NorthstarError, match="is a month"):
        meeting_week(project, "2025-04")
    with pytest.raises(NorthstarError, match="1 to 53"):
        weekly(project, 54)
    # an earlier meeting: the 13 weeks ending with W17, which is closed
    card = weekly(project, 13, meeting_week(project, "2025-W17"))
    assert card["columns"][-1]["week"] == "2025-W17" and not card["columns"][-1]["open"]
    assert card["reviewed"] == "2025-W17"


def test_weekly_target_is_refused_on_a_weekly_metric(tmp_path: Path) -> None:
    p = Project.init(tmp_path / "p")
    (p.root / "metrics" / "calls.yml").write_text(
        "name: calls\ntitle: Calls\ndescription: Calls made.\ndepartment: sales\n"
        "grain: week\nmanual: true\nweekly_target: 40\n")
    p.close()
    p = Project.open(p.root)
    try:
        assert "calls" not in p.catalog.metrics
        (error,) = p.catalog.errors
        assert isinstance(error, ConfigError)
        assert "calls.yml:7:" in str(error) and "already per week" in str(error)
    finally:
        p.close()


def at(p: Project, *when: int) -> datetime:
    p.metrics.now = datetime(*when, tzinfo=UTC)
    return p.metrics.now


def listed(p: Project) -> list[tuple[int, str, int, bool]]:
    """(id, note, weeks carried, solved) of the issues the current week's view lists."""
    return [(i["id"], i["note"], i["carried"], i["solved"]) for i in view(p)["issues"]]


def test_an_issue_carries_to_every_meeting_until_it_is_solved(project: Project) -> None:
    # Monday 12 May 2025 10:00 Tokyo, W20's meeting: W19's sales cell is red
    now = at(project, 2025, 5, 12, 1)
    first = issues.open_issue(project, issues.IssueIn(
        metric="sales", week="2025-W19", person="ann", note="  Two deals slipped to June. "),
        "ada", now)
    other = issues.open_issue(project, issues.IssueIn(
        metric="demos", week="2025-W19", person="gil", note="No demo booked."), "eve", now)
    assert (first.note, first.opened_by, first.solved) == ("Two deals slipped to June.", "ada",
                                                           False)
    assert listed(project) == [(first.id, first.note, 0, False), (other.id, other.note, 0, False)]
    data = view(project)
    assert data["issues"][0] | {"person_name": "Ann Lee", "week_label": "W19 2025",
                                "raised_in": "2025-W20"} == data["issues"][0]
    # W21's meeting, Monday 19 May 09:00 Tokyo: both carried one week; the demos issue is
    # solved in it
    now = at(project, 2025, 5, 19, 0)
    assert listed(project) == [(first.id, first.note, 1, False), (other.id, other.note, 1, False)]
    issues.solve(project, other.id, "cy", now)
    assert listed(project) == [(first.id, first.note, 1, False), (other.id, other.note, 1, True)]
    with pytest.raises(NorthstarError, match="solved already, by cy"):
        issues.solve(project, other.id, "ada", now)
    # W22's meeting: only the sales issue is left, carried two weeks
    at(project, 2025, 5, 26, 0)
    assert listed(project) == [(first.id, first.note, 2, False)]
    # the view of an earlier week shows the issues as they stood then
    earlier = view(project, week="2025-W21")["issues"]
    assert [(i["id"], i["solved"]) for i in earlier] == [(first.id, False), (other.id, True)]
    assert view(project, week="2025-W19")["issues"] == []  # raised in W20
    # a department's view lists its own metrics' issues
    assert view(project, department="support")["issues"] == []


def test_an_issue_names_its_mistake(project: Project) -> None:
    now = at(project, 2025, 5, 12, 1)
    cases = [({"metric": "salez"}, "metric", "no metric 'salez'"),
             ({"week": "2025-05"}, "week", "not an ISO week"),
             ({"week": "2025-W60"}, "week", "has weeks 1..52"),
             ({"person": "zed"}, "person", "no person 'zed'"),
             ({"note": "   "}, "note", "say what is wrong")]
    for change, field, message in cases:
        body = issues.IssueIn.model_construct(**({"metric": "sales", "week": "2025-W19",
                                                  "person": "ann", "note": "x"} | change))
        with pytest.raises(issues.FieldError, match=message) as caught:
            issues.open_issue(project, body, "ada", now)
        assert caught.value.field == field
    assert view(project)["issues"] == []
    with pytest.raises(NorthstarError, match="no issue 99"):
        issues.solve(project, 99, "ada", now)
