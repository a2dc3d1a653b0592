"""The agency pack's sales metrics on a funnel small enough to work out by hand, on both
engines: GA4's opt-ins, GoHighLevel's triage calls and strategy sessions (showed, no-show,
cancelled, not marked yet, one deleted, one on a calendar the pack does not know), its deals
(the closers' tracker sheet reports two again, and loses), and the ad spend CPL and cost per
booked call divide.

Every expected figure below is worked out in the comments from the rows, never from the SQL.
The project's timezone is Denver (UTC-7 in winter): a GoHighLevel timestamp belongs to the local
day its UTC instant falls on there, so 05:00 UTC on 1 February is 22:00 on 31 January. GA4 and
the ad platforms report by day (a date)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from agency_oracle.money import rows_of
from agency_oracle.sales import SalesOracle
from agency_sample import SAMPLE_END, SAMPLE_ROWS, SAMPLE_SEED, TIMEZONE, dashboards_as, tiny_agency
from agency_sample import values as metric_values
from northstar.checks import run_checks
from northstar.metrics.catalog import load_catalog
from northstar.models.views import read_model_files
from northstar.packs.agency import PACK
from northstar.people import load_people
from northstar.project import Project
from sample_helpers import oracle_mismatches

D = Decimal
TS = pa.timestamp("us")
MONEY = pa.decimal128(18, 2)

SALES_METRICS = (
    "opt_ins", "booked_calls", "triage_calls_held", "strategy_sessions_held", "deals_won",
    "won_deal_value", "show_rate", "close_rate", "optin_to_booked_rate", "booked_to_triage_rate",
    "triage_to_strategy_rate", "team_output", "cpl", "cost_per_booked_call")
"""This module's metrics: the pack's sales ones."""

# -- the company -------------------------------------------------------------------------------
# GA4: (id, date, source, medium, campaign, funnel, event, count)
GA4 = [
    ("E1", "2025-01-31", "facebook", "paid_social", "vsl_story", "vsl", "opt_in", 20),
    ("E2", "2025-02-03", "facebook", "paid_social", "vsl_story", "vsl", "opt_in", 40),
    ("E3", "2025-02-03", "facebook", "paid_social", "vsl_story", "vsl", "page_view", 150),
    ("E4", "2025-02-10", "google", "organic", "(organic)", "lead_magnet", "opt_in", 10),
    ("E5", "2025-02-17", "youtube", "paid_video", "yt_instream", "vsl", "opt_in", 30),
    # GA4's own count of booked calls: GoHighLevel owns the pipeline, so it counts nowhere
    ("E6", "2025-02-17", "facebook", "paid_social", "vsl_story", "vsl", "booked_call", 5),
    # the name as someone typed it in the tag manager: compared in lower case, trimmed
    ("E7", "2025-03-03", "facebook", "paid_social", "vsl_story", "vsl", " Opt_In", 25),
]
# Opt-ins: Jan E1 20;  Feb E2 40 + E4 10 + E5 30 = 80 (E3 is a page view, E6 a booking);
#   Mar E7 25;  Q1 125.  Feb by campaign: vsl_story 40, (organic) 10, yt_instream 30.

# Ad spend: (platform, id, date, campaign, funnel, source, medium, spend)
ADS = [
    ("meta", "M1", "2025-01-31", "vsl_story", "vsl", "facebook", "paid_social", "1000.00"),
    ("meta", "M2", "2025-02-03", "vsl_story", "vsl", "facebook", "paid_social", "3200.00"),
    ("google", "G1", "2025-02-17", "yt_instream", "vsl", "youtube", "paid_video", "2700.00"),
    ("meta", "M3", "2025-03-03", "vsl_story", "vsl", "facebook", "paid_social", "1500.00"),
]
# Ad spend: Jan 1,000;  Feb 3,200 + 2,700 = 5,900;  Mar 1,500;  Q1 8,400.

# GoHighLevel appointments: (id, calendar, status, booked UTC, due UTC, rep, team, campaign)
TRIAGE, STRATEGY, KICKOFF = "cal_triage_calls", "cal_strategy_sessions", "cal_onboarding_kickoff"
CALLS = [
    # booked at 22:00 on 31 January in Denver: January's booking, February's call
    ("T1", TRIAGE, "showed", "2025-02-01 05:00", "2025-02-03 17:00", "maya_chen", "vsl_story"),
    ("T2", TRIAGE, "showed", "2025-02-03 18:00", "2025-02-05 17:00", "maya_chen", "vsl_story"),
    ("T3", TRIAGE, "noshow", "2025-02-04 18:00", "2025-02-06 17:00", "maya_chen",
     "yt_instream"),
    ("T4", TRIAGE, "cancelled", "2025-02-10 18:00", "2025-02-12 17:00", "luis_ortega",
     "(organic)"),
    ("T5", TRIAGE, "showed", "2025-02-11 18:00", "2025-02-13 17:00", "luis_ortega",
     "yt_instream"),
    ("T6", TRIAGE, "Showed", "2025-02-20 18:00", "2025-02-24 17:00", "luis_ortega",
     "vsl_story"),
    # due at 22:00 on 28 February in Denver: February's call
    ("T7", TRIAGE, "showed", "2025-02-25 18:00", "2025-03-01 05:00", "maya_chen", "vsl_story"),
    # March's call, not marked yet: not due, so in no show rate
    ("T8", TRIAGE, "confirmed", "2025-02-26 18:00", "2025-03-03 17:00", "maya_chen",
     "yt_instream"),
    # deleted in GoHighLevel (removed_at below): counts nowhere
    ("T9", TRIAGE, "showed", "2025-02-27 18:00", "2025-03-04 17:00", "luis_ortega",
     "vsl_story"),
    ("T10", TRIAGE, "showed", "2025-03-05 18:00", "2025-03-07 17:00", "maya_chen", "vsl_story"),
    ("S1", STRATEGY, "showed", "2025-02-03 18:00", "2025-02-07 18:00", "derek_holt",
     "vsl_story"),
    ("S2", STRATEGY, "showed", "2025-02-05 18:00", "2025-02-10 18:00", "sofia_ramirez",
     "vsl_story"),
    ("S3", STRATEGY, "noshow", "2025-02-13 18:00", "2025-02-18 18:00", "derek_holt",
     "yt_instream"),
    ("S4", STRATEGY, "showed", "2025-02-24 18:00", "2025-02-27 18:00", "derek_holt",
     "vsl_story"),
    ("S5", STRATEGY, "showed", "2025-02-28 05:00", "2025-03-04 18:00", "sofia_ramirez",
     "vsl_story"),
    # a calendar the calendars list does not know: no sales call (the check lists it)
    ("K1", KICKOFF, "noshow", "2025-02-14 18:00", "2025-02-20 18:00", "derek_holt",
     "vsl_story"),
]
REMOVED = {"T9": "2025-03-05 12:00"}
SETTERS = ("maya_chen", "luis_ortega")
FUNNEL = {"vsl_story": "vsl", "yt_instream": "vsl", "(organic)": "lead_magnet"}
SOURCE = {"vsl_story": ("facebook", "paid_social"), "yt_instream": ("youtube", "paid_video"),
          "(organic)": ("google", "organic")}
# Booked calls (triage, by the local day booked): Jan T1;  Feb T2 T3 T4 T5 T6 T7 T8 = 7 (T9 is
#   deleted);  Mar T10;  Q1 9.  Feb by setter: maya_chen T2 T3 T7 T8 = 4, luis_ortega T4 T5
#   T6 = 3.  Feb by campaign: vsl_story T2 T6 T7 = 3, yt_instream T3 T5 T8 = 3,
#   (organic) T4 = 1.
# Triage calls held (by the local day due): Feb T1 T2 T5 T6 T7 = 5 (maya_chen 3, luis_ortega
#   2);  Mar T10;  Q1 6.
# Strategy sessions held: Feb S1 S2 S4 = 3 (derek_holt 2, sofia_ramirez 1);  Mar S5;  Q1 4.
# Team output (calls held): Feb 5 + 3 = 8 (maya_chen 3, luis_ortega 2, derek_holt 2,
#   sofia_ramirez 1);  Q1 6 + 4 = 10.
# Show rate Feb: due T1 T2 T3 T4 T5 T6 T7 and S1 S2 S3 S4 = 11 (K1 is no sales call), held 8:
#   8 / 11.  By rep: maya_chen T1 T2 T3 T7 3 / 4, luis_ortega T4 T5 T6 2 / 3, derek_holt S1 S3
#   S4 2 / 3 (with K1 it would be 2 / 4), sofia_ramirez S2 1 / 1.  By team: setters 5 / 7,
#   closers 3 / 4.  Q1: February's and March's T10 and S5 (T8 not marked, T9 deleted): 10 / 13.
#   January: no call due, no rate.

# GoHighLevel opportunities: (id, status, value, last status change UTC, closer, campaign)
DEALS = [
    ("O1", "won", "15000.00", "2025-02-09 17:00", "derek_holt", "vsl_story"),
    ("O2", "lost", "18000.00", "2025-02-12 17:00", "sofia_ramirez", "vsl_story"),
    # won at 23:00 on 28 February in Denver: February's
    ("O3", "won", "24000.00", "2025-03-01 06:00", "derek_holt", "vsl_story"),
    ("O4", "abandoned", "12000.00", "2025-02-20 17:00", "derek_holt", "yt_instream"),
    ("O5", "open", "15000.00", "2025-02-13 17:30", "luis_ortega", "yt_instream"),
    ("O6", "won", "12000.00", "2025-03-06 17:00", "sofia_ramirez", "vsl_story"),
    # won, then deleted in GoHighLevel (removed_at below): counts nowhere
    ("O7", "won", "30000.00", "2025-02-15 17:00", "sofia_ramirez", "vsl_story"),
]
DEALS_REMOVED = {"O7": "2025-02-20 12:00"}
# The closers' tracker sheet: O3 typed at 25,000 and O2 (lost in GoHighLevel) typed won.
# GoHighLevel owns the pipeline: its 24,000 and its "lost" win.
TRACKER = [("O3", "won", "25000.00"), ("O2", "won", "18000.00")]
# Deals won: Feb O1 + O3 = 2 (derek_holt both), worth 15,000 + 24,000 = 39,000;  Mar O6
#   12,000;  Q1 3, worth 51,000.  January: none (0 deals; no value, not $0).
# Close rate Feb 2 / 3 (derek_holt 2 / 2, sofia_ramirez 0 / 1);  Q1 3 / 4.
# Opt-in to booked Feb 7 / 80;  Q1 9 / 125.  Booked to triage Feb 5 / 7;  Q1 6 / 9.
# Triage to strategy Feb 3 / 5;  Q1 4 / 6.
# CPL Feb 5,900 / 80 = 73.75;  Q1 8,400 / 125 = 67.20.  Feb by campaign: vsl_story 3,200 / 40
#   = 80, yt_instream 2,700 / 30 = 90.
# Cost per booked call Feb 5,900 / 7 = 842.86;  Q1 8,400 / 9 = 933.33.


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _tag_columns(campaigns: list[str], department: str, **more: list[Any]) -> dict[str, Any]:
    return {"department": [department] * len(campaigns),
            "source_funnel": [FUNNEL[c] for c in campaigns],
            "utm_source": [SOURCE[c][0] for c in campaigns],
            "utm_medium": [SOURCE[c][1] for c in campaigns], "utm_campaign": campaigns, **more}


def tables() -> list[tuple[str, str, pa.Table]]:
    """(raw table, source, rows) in load order, with the connectors' column types."""
    ga4 = pa.table({
        "id": [e[0] for e in GA4], "date": pa.array([date.fromisoformat(e[1]) for e in GA4]),
        "source": [e[2] for e in GA4], "medium": [e[3] for e in GA4],
        "campaign": [e[4] for e in GA4], "event_name": [e[6] for e in GA4],
        "event_count": pa.array([e[7] for e in GA4], pa.int64()),
        "key_events": pa.array([D(0)] * len(GA4), MONEY),
        "other_row_loss": [False] * len(GA4),
        "utm_source": [e[2] for e in GA4], "utm_medium": [e[3] for e in GA4],
        "utm_campaign": [e[4] for e in GA4], "department": ["marketing"] * len(GA4),
        "source_funnel": [e[5] for e in GA4]})
    meta = [a for a in ADS if a[0] == "meta"]
    gads = [a for a in ADS if a[0] == "google"]

    def ads(rows: list[tuple[str, ...]], spend: str) -> dict[str, Any]:
        return {"id": [a[1] for a in rows],
                "date": pa.array([date.fromisoformat(a[2]) for a in rows]),
                "campaign_id": [a[3] for a in rows], "campaign_name": [a[3] for a in rows],
                spend: pa.array([D(a[7]) for a in rows], MONEY),
                **{k: pa.array([1000, 10][i:i + 1] * len(rows), pa.int64())
                   for i, k in enumerate(("impressions", "clicks"))},
                **_tag_columns([a[3] for a in rows], "marketing")}

    meta_table = pa.table({**ads(meta, "spend"),
                           **{k: pa.array([0] * len(meta), pa.int64())
                              for k in ("leads", "video_plays", "video_3s_views",
                                        "thruplays")}})
    gads_table = pa.table({**ads(gads, "cost"), "channel_type": ["VIDEO"] * len(gads),
                           "conversions": pa.array([D(0)] * len(gads), MONEY),
                           "video_views": pa.array([0] * len(gads), pa.int64())})
    calls = pa.table({
        "id": [c[0] for c in CALLS], "calendar_id": [c[1] for c in CALLS],
        "contact_id": [f"ct_{c[0]}" for c in CALLS], "title": [f"Call {c[0]}" for c in CALLS],
        "status": [c[2] for c in CALLS],
        "assigned_user_id": [f"ghl_{c[5]}" for c in CALLS],
        "start_time": pa.array([ts(c[4]) for c in CALLS], TS),
        "end_time": pa.array([ts(c[4]) for c in CALLS], TS),
        "created_at": pa.array([ts(c[3]) for c in CALLS], TS),
        "updated_at": pa.array([ts(c[4]) for c in CALLS], TS),
        "removed_at": pa.array([ts(REMOVED.get(c[0])) for c in CALLS], TS),
        **_tag_columns([c[6] for c in CALLS], "sales", owner_id=[c[5] for c in CALLS],
                       team=["setters" if c[1] == TRIAGE else "closers" for c in CALLS])})

    def deals(rows: list[tuple[str, str, str, str, str, str]]) -> pa.Table:
        return pa.table({
            "id": [d[0] for d in rows], "name": [f"Deal {d[0]}" for d in rows],
            "monetary_value": pa.array([D(d[2]) for d in rows], MONEY),
            "pipeline_id": ["pl_sales"] * len(rows), "stage_id": ["stg_held"] * len(rows),
            "status": [d[1] for d in rows], "contact_id": [f"ct_{d[0]}" for d in rows],
            "last_status_change_at": pa.array([ts(d[3]) for d in rows], TS),
            "created_at": pa.array([ts("2025-01-20 17:00")] * len(rows), TS),
            "updated_at": pa.array([ts(d[3]) for d in rows], TS),
            "removed_at": pa.array([ts(DEALS_REMOVED.get(d[0])) for d in rows], TS),
            **_tag_columns([d[5] for d in rows], "sales", owner_id=[d[4] for d in rows],
                           team=["setters" if d[4] in SETTERS else "closers" for d in rows])})

    by_id = {d[0]: d for d in DEALS}
    typed = [(i, status, value, *by_id[i][3:]) for i, status, value in TRACKER]
    stages = pa.table({"id": ["stg_held"], "pipeline_id": ["pl_sales"],
                       "pipeline_name": ["Sales"], "name": ["Strategy Session Held"],
                       "position": pa.array([4], pa.int64())})
    return [("ga4_events", "ga4", ga4), ("meta_campaign_insights", "meta_ads", meta_table),
            ("gads_campaign_stats", "google_ads", gads_table),
            ("ghl_stages", "gohighlevel", stages), ("ghl_appointments", "gohighlevel", calls),
            ("ghl_opportunities", "gohighlevel", deals(DEALS)),
            # loaded after GoHighLevel's: newer, and still the loser
            ("ghl_opportunities", "close_tracker", deals(typed))]


@pytest.fixture
def agency(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    project = tiny_agency(tmp_path / "agency", engine_url, tables())
    yield project
    project.close()


def values(project: Project, period: str) -> dict[str, float | None]:
    return metric_values(project, SALES_METRICS, period)


FEBRUARY: dict[str, float | None] = {
    "opt_ins": 80, "booked_calls": 7, "triage_calls_held": 5, "strategy_sessions_held": 3,
    "deals_won": 2, "won_deal_value": 39_000, "show_rate": 8 / 11, "close_rate": 2 / 3,
    "optin_to_booked_rate": 7 / 80, "booked_to_triage_rate": 5 / 7,
    "triage_to_strategy_rate": 3 / 5, "team_output": 8, "cpl": 73.75,
    "cost_per_booked_call": 5_900 / 7,
}
QUARTER: dict[str, float | None] = {
    "opt_ins": 125, "booked_calls": 9, "triage_calls_held": 6, "strategy_sessions_held": 4,
    "deals_won": 3, "won_deal_value": 51_000, "show_rate": 10 / 13, "close_rate": 3 / 4,
    "optin_to_booked_rate": 9 / 125, "booked_to_triage_rate": 6 / 9,
    "triage_to_strategy_rate": 4 / 6, "team_output": 10, "cpl": 67.2,
    "cost_per_booked_call": 8_400 / 9,
}
JANUARY: dict[str, float | None] = {
    "opt_ins": 20, "booked_calls": 1, "triage_calls_held": 0, "strategy_sessions_held": 0,
    "deals_won": 0, "won_deal_value": None, "show_rate": None, "close_rate": None,
    "optin_to_booked_rate": 1 / 20, "booked_to_triage_rate": 0.0,
    "triage_to_strategy_rate": None, "team_output": 0, "cpl": 1_000 / 20,
    "cost_per_booked_call": 1_000,
}


def _close(got: dict[str, float | None], expected: dict[str, float | None]) -> list[Any]:
    return [(name, got.get(name), want) for name, want in expected.items()
            if (want is None) != (got.get(name) is None)
            or (want is not None and got[name] != pytest.approx(want, rel=1e-9))]


def test_the_expected_figures_cover_every_sales_metric() -> None:
    files = {p.stem for p in PACK.metrics_dir.glob("*.yml")}
    assert set(SALES_METRICS) <= files
    assert set(FEBRUARY) == set(QUARTER) == set(JANUARY) == set(SALES_METRICS)


@pytest.mark.parametrize(("period", "expected"), [
    ("2025-02", FEBRUARY), ("2025-Q1", QUARTER), ("2025-01", JANUARY)])
def test_every_sales_metric(agency: Project, period: str,
                            expected: dict[str, float | None]) -> None:
    assert _close(values(agency, period), expected) == []


def test_gohighlevel_owns_the_pipeline(agency: Project) -> None:
    findings = {(f["record_key"], f["field"]) for f in agency.findings()}
    assert {("O3", "monetary_value"), ("O2", "status")} <= findings


def _by(project: Project, metric: str, tag: str, **kw: Any) -> dict[str, float | None]:
    return {v.slice[tag]: None if v.value is None else float(v.value)
            for v in project.compute([metric], ["2025-02"], by=tag, **kw)}


def test_each_reps_scorecard_and_each_funnel(agency: Project) -> None:
    assert _by(agency, "team_output", "owner_id") == {
        "maya_chen": 3, "luis_ortega": 2, "derek_holt": 2, "sofia_ramirez": 1}
    assert _by(agency, "show_rate", "owner_id") == pytest.approx({
        "maya_chen": 3 / 4, "luis_ortega": 2 / 3, "derek_holt": 2 / 3, "sofia_ramirez": 1.0})
    assert _by(agency, "show_rate", "team") == pytest.approx({"setters": 5 / 7,
                                                              "closers": 3 / 4})
    assert _by(agency, "booked_calls", "owner_id") == {"maya_chen": 4, "luis_ortega": 3}
    close = _by(agency, "close_rate", "owner_id", filters={"team": "closers"})
    assert close == pytest.approx({"derek_holt": 1.0, "sofia_ramirez": 0.0})
    assert _by(agency, "won_deal_value", "owner_id") == {"derek_holt": 39_000}
    # one rep's scorecard is the same rows filtered to the rep
    maya = agency.compute(["show_rate", "booked_calls"], ["2025-02"],
                          filters={"owner_id": "maya_chen"})
    assert [float(v.value or 0) for v in maya] == pytest.approx([3 / 4, 4])
    booking = _by(agency, "optin_to_booked_rate", "utm_campaign")
    assert booking == pytest.approx({"vsl_story": 3 / 40, "yt_instream": 3 / 30,
                                     "(organic)": 1 / 10})
    cpl = _by(agency, "cpl", "utm_campaign")
    assert (cpl["vsl_story"], cpl["yt_instream"]) == pytest.approx((80, 90))
    assert cpl.get("(organic)") is None  # no ad spend: no cost per lead


def test_targets_and_status(agency: Project) -> None:
    def one(metric: str, period: str = "2025-02", **kw: Any) -> tuple[Any, ...]:
        v = agency.compute([metric], [period], **kw)[0]
        return (None if v.target is None else float(v.target)), v.status

    assert one("show_rate") == (0.70, "green")  # 72.7%
    assert one("close_rate") == (0.25, "green")  # 66.7%
    assert one("optin_to_booked_rate") == (0.15, "red")  # 8.75%: yellow from 10%
    assert one("booked_to_triage_rate") == (0.65, "green")  # 71.4%
    assert one("triage_to_strategy_rate") == (0.35, "green")  # 60%
    # lower is better: CPL $73.75 under $80; a booked call at $842.86 over yellow's $650
    assert one("cpl") == (80, "green")
    assert one("cost_per_booked_call") == (500, "red")
    assert one("cpl", "2025-01") == (80, "green")  # $50
    # team output: 8 calls of the team's 105 (red, under 80%); a quarter's target is three
    # months' 315; each rep against the rep's own (maya_chen 3 of 25)
    assert one("team_output") == (105, "red")
    assert one("team_output", "2025-Q1")[0] == pytest.approx(315)
    assert one("team_output", filters={"owner_id": "maya_chen"}) == (25, "red")
    # a week: the month's target spread over its working days (February 2025 has 20): the
    # team's 105 x 5 / 20 = 26.25, maya_chen's 25 x 5 / 20 = 6.25; Monday 10 to Sunday 16
    # February held S2 (the 10th) and T5 (the 13th), none of them maya_chen's
    week = agency.compute(["team_output"], ["2025-W07"])[0]
    assert (week.value, float(week.target or 0), week.status) == (2, 26.25, "red")
    assert one("team_output", "2025-W07", filters={"owner_id": "maya_chen"}) == (6.25, "red")
    reps = {v.slice["owner_id"]: float(v.target or 0)
            for v in agency.compute(["team_output"], ["2025-02"], by="owner_id")}
    assert reps == {"maya_chen": 25, "luis_ortega": 25, "derek_holt": 10, "sofia_ramirez": 10}


def test_the_calendar_check_finds_the_unknown_calendar(agency: Project) -> None:
    failing = {r.name: r.failing for r in run_checks(agency) if not r.passed}
    assert failing.get("sales_calendars_are_known") == 1  # the onboarding kick-off calendar


def test_the_sales_models_read_ga4_gohighlevel_and_the_calendars_list() -> None:
    mine = {"funnel_events", "sales_calls", "deals"}
    models = [m for m in read_model_files(PACK.models_dir) if m.name in mine]
    assert {m.name for m in models} == mine
    assert {r for m in models for r in m.references} == {
        "ga4_events", "ghl_appointments", "ref_calendars", "ghl_opportunities", "ghl_stages"}


def test_the_owners_are_the_heads_of_sales_and_marketing_and_a_setter() -> None:
    catalog = load_catalog(PACK.root, *load_people(PACK.root))
    owners = {name: catalog.owner_of(name) for name in SALES_METRICS}
    assert {n: p.id for n, p in owners.items() if p is not None} == {
        "close_rate": "grant_wilson", "show_rate": "maya_chen", "cpl": "elena_vasquez"}
    people = {p.id: p for p in load_people(PACK.root)[0]}
    assert all(people[i].proposal for i in ("grant_wilson", "maya_chen", "elena_vasquez"))


# -- the sample company against the oracle -------------------------------------------------------
SAMPLE_PERIODS = ["2024-03", "2025-03", "2025-Q4", "2025", "2026-05", "2026-06"]
"""A month of the first year, a month, a quarter, a year, the last closed month and the month
under way (15 June 2026, when the sample ends)."""


@pytest.fixture(scope="module")
def oracle() -> SalesOracle:
    with (PACK.root / "reference" / "calendars.csv").open() as f:
        calendars = {r["calendar_id"]: r["kind"] for r in csv.DictReader(f)}
    batches = PACK.sample(SAMPLE_ROWS, seed=SAMPLE_SEED, end=SAMPLE_END)
    return SalesOracle(rows_of(batches), calendars, TIMEZONE, SAMPLE_END)



def test_every_sales_metric_equals_the_oracle_on_the_sample_company(
        summit: Project, oracle: SalesOracle) -> None:
    """Every sales metric, for six periods, on both engines: money to the cent, ratios to
    1e-9."""
    got = {(v.metric, v.period): v.value
           for v in summit.compute(list(SALES_METRICS), SAMPLE_PERIODS)}
    assert oracle_mismatches(got, oracle.value, SALES_METRICS, SAMPLE_PERIODS) == []
    # the oracle is not vacuous: a year of calls, deals and a close rate a closer would know
    assert (oracle.value("strategy_sessions_held", "2025") or 0) > 30
    close = oracle.value("close_rate", "2025")
    assert close is not None and Decimal("0.1") < close < Decimal("0.4")


def test_the_sample_companys_calls_by_rep_and_funnel_add_up(
        summit: Project, oracle: SalesOracle) -> None:
    for metric, tag in (("team_output", "owner_id"), ("booked_calls", "source_funnel"),
                        ("deals_won", "owner_id")):
        parts = [Decimal(str(v.value)) for v in summit.compute([metric], ["2025"], by=tag)
                 if v.value is not None]
        assert len(parts) >= 2 and sum(parts) == oracle.value(metric, "2025")
    assert all(r.passed for r in run_checks(summit) if r.name == "sales_calendars_are_known")


def test_the_sales_marketing_and_leadership_dashboards_render(summit: Project) -> None:
    pages = dashboards_as(summit, "grant_wilson", ("sales", "marketing", "leadership"))
    assert {n: p.status_code for n, p in pages.items()} == dict.fromkeys(pages, 200)
    assert "Calls held by rep, against each rep" in pages["sales"].text
    assert "Close rate by closer" in pages["sales"].text
    assert "Cost per lead (CPL)" in pages["marketing"].text
    assert "Close rate" in pages["leadership"].text
