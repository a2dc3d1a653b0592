"""The agency pack's money and marketing metrics on a company small enough to work out by hand,
on both engines: ad spend, hook and hold rates from Meta and Google Ads, cash from Stripe (with
GoHighLevel's copies of two charges, which lose), refunds and chargebacks, MER, EBITDA and its
margin, the cash plan and revenue against it.

Every expected figure below is worked out in the comments from the rows, never from the SQL.
The project's timezone is Denver (UTC-7 in winter): a Stripe timestamp belongs to the local day
its UTC instant falls on there, so 06:00 UTC on 1 February is 23:00 on 31 January. Ad platforms
report by the account's day (a date), finance by month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from agency_oracle.money import MoneyOracle, rows_of
from agency_sample import SAMPLE_END, SAMPLE_ROWS, SAMPLE_SEED, TIMEZONE, dashboards_as, tiny_agency
from agency_sample import values as metric_values
from northstar.checks import read_checks, run_checks
from northstar.packs.agency import PACK
from northstar.project import Project
from sample_helpers import oracle_mismatches

D = Decimal
TS = pa.timestamp("us")
MONEY = pa.decimal128(18, 2)

MONEY_METRICS = (
    "ad_spend", "impressions", "video_impressions", "three_second_views", "thruplays",
    "hook_rate", "hold_rate", "gross_charges", "refunds", "chargebacks", "net_cash", "mer",
    "ebitda", "ebitda_margin", "cash_plan", "revenue_vs_plan")
"""This module's metrics: the pack's money and marketing ones (the others have their own)."""

# -- the company -------------------------------------------------------------------------------
# Meta: (id, date, campaign, funnel, utm_campaign, spend, impressions, plays, 3s views, thru)
META = [
    ("M1", "2025-01-31", "C1", "vsl", "vsl_story", "100.00", 10_000, 4_000, 3_000, 600),
    ("M2", "2025-02-01", "C1", "vsl", "vsl_story", "200.00", 20_000, 7_000, 5_000, 1_000),
    ("M3", "2025-02-15", "C1", "vsl", "vsl_story", "150.50", 15_000, 5_500, 4_500, 900),
    # an image ad: no video, so not in hook rate's impressions
    ("M4", "2025-02-10", "C2", "lead_magnet", "lm_playbook", "80.00", 8_000, 0, 0, 0),
    ("M5", "2025-03-03", "C1", "vsl", "vsl_story", "120.00", 12_000, 4_000, 3_600, 540),
]
# Google Ads: (id, date, channel type, funnel, source, medium, utm_campaign, cost, impressions,
# video views)
GADS = [
    ("G1", "2025-02-05", "VIDEO", "vsl", "youtube", "paid_video", "yt_instream", "300.00",
     50_000, 9_000),
    ("G2", "2025-02-20", "SEARCH", "lead_magnet", "google", "cpc", "search_coaching", "250.25",
     2_000, 0),
    ("G3", "2025-03-10", "VIDEO", "vsl", "youtube", "paid_video", "yt_instream", "100.00",
     20_000, 3_000),
]
# Ad spend:  Jan M1 100.00;  Feb M2 200.00 + M3 150.50 + M4 80.00 + G1 300.00 + G2 250.25
#   = 980.75;  Mar M5 120.00 + G3 100.00 = 220.00;  Q1 = 1,300.75.
# Feb by utm_source: facebook 200 + 150.50 + 80 = 430.50, youtube 300.00, google 250.25.
# Feb by funnel: vsl 200 + 150.50 + 300 = 650.50, lead_magnet 80 + 250.25 = 330.25.
# Impressions Feb: 20,000 + 15,000 + 8,000 + 50,000 + 2,000 = 95,000;
#   Q1: 10,000 + 95,000 + 12,000 + 20,000 = 137,000.
# Video impressions (Meta days with video) Feb: M2 20,000 + M3 15,000 = 35,000 (M4 has none);
#   Q1: 10,000 + 35,000 + 12,000 = 57,000.
# 3-second views Feb 5,000 + 4,500 = 9,500; Q1 3,000 + 9,500 + 3,600 = 16,100.
# ThruPlays Feb 1,000 + 900 = 1,900; Q1 600 + 1,900 + 540 = 3,040.
# Hook rate Feb 9,500 / 35,000 = 0.271429; Q1 16,100 / 57,000 = 0.282456.
# Hold rate Feb 1,900 / 9,500 = 0.2; Q1 3,040 / 16,100 = 0.188820.

# Stripe charges: (id, created UTC, amount, status, client, owner, funnel)
CHARGES = [
    # 06:00 UTC on 1 February is 23:00 on 31 January in Denver: January's
    ("CH1", "2025-02-01 06:00", "1000.00", "succeeded", "K0", "owen_park", "webinar"),
    ("CH2", "2025-02-03 17:00", "3000.00", "succeeded", "K1", "derek_holt", "vsl"),
    ("CH3", "2025-02-10 17:00", "2000.00", "failed", "K2", "sofia_ramirez", "webinar"),
    ("CH4", "2025-02-13 17:00", "2000.00", "succeeded", "K2", "sofia_ramirez", "webinar"),
    ("CH5", "2025-02-20 17:00", "1500.00", "succeeded", "K1", "derek_holt", "vsl"),
    # 06:30 UTC on 1 March is 23:30 on 28 February in Denver: February's
    ("CH6", "2025-03-01 06:30", "2500.00", "succeeded", "K3", "owen_park", "lead_magnet"),
    ("CH7", "2025-03-05 17:00", "1500.00", "succeeded", "K1", "derek_holt", "vsl"),
    ("CH8", "2025-03-15 17:00", "9000.00", "succeeded", "K4", "sofia_ramirez", "webinar"),
    ("CH9", "2025-06-10 17:00", "1800.00", "succeeded", "K1", "derek_holt", "vsl"),  # June
]
# GoHighLevel's order-form copies, under Stripe's ids: CH2 typed at 3,500 and CH3 (failed in
# Stripe) as succeeded. Stripe owns cash: its 3,000 and its "failed" win.
GHL_COPIES = [("CH2", "3500.00", "succeeded"), ("CH3", "2000.00", "succeeded")]
# Refunds: (id, charge, created UTC, amount, status); none carries tags of its own, so each
# takes its charge's.
REFUNDS = [
    ("RE1", "CH5", "2025-02-25 17:00", "750.00", "succeeded"),
    ("RE2", "CH4", "2025-03-03 17:00", "2000.00", "succeeded"),
    ("RE3", "CH2", "2025-02-26 17:00", "500.00", "failed"),  # failed: nothing paid back
]
# Disputes: (id, charge, created UTC, amount, status)
DISPUTES = [
    ("DP1", "CH1", "2025-02-18 17:00", "1000.00", "needs_response"),  # open: the money is gone
    ("DP2", "CH7", "2025-03-20 17:00", "1500.00", "won"),  # won: given back
    ("DP3", "CH4", "2025-03-25 17:00", "2000.00", "warning_closed"),  # an inquiry: took nothing
    ("DP4", "CH6", "2025-03-28 17:00", "2500.00", "lost"),
]
# Gross charges (succeeded): Jan CH1 1,000;  Feb CH2 3,000 + CH4 2,000 + CH5 1,500 + CH6 2,500
#   = 9,000 (CH3 failed, whatever GoHighLevel says);  Mar CH7 1,500 + CH8 9,000 = 10,500;
#   Q1 = 20,500.
# Refunds: Feb RE1 750 (RE3 failed);  Mar RE2 2,000;  Q1 2,750.
# Chargebacks: Feb DP1 1,000;  Mar DP4 2,500;  Q1 3,500.
# Net cash: Jan 1,000;  Feb 9,000 - 750 - 1,000 = 7,250;  Mar 10,500 - 2,000 - 2,500 = 6,000;
#   Q1 1,000 + 7,250 + 6,000 = 14,250 (= 20,500 - 2,750 - 3,500).
# Feb by closer: derek_holt CH2 3,000 + CH5 1,500 - RE1 750 = 3,750; sofia_ramirez CH4 2,000;
#   owen_park CH6 2,500 - DP1 1,000 (on CH1) = 1,500; together 7,250.
# Feb by funnel: vsl 3,000 + 1,500 - 750 = 3,750; webinar 2,000 - 1,000 = 1,000;
#   lead_magnet 2,500.
# MER Feb 7,250 / 980.75 = 7.392302; Q1 14,250 / 1,300.75 = 10.955218.
# MER Feb by funnel: vsl 3,750 / 650.50 = 5.764796; lead_magnet 2,500 / 330.25 = 7.570023;
#   webinar 1,000 / no ad spend: no value.

# Finance: (month, item, value)
FINANCE = [
    ("2025-01", "ebitda", "200.00"), ("2025-01", "cash_plan", "1000.00"),
    ("2025-02", "ebitda", "1450.00"), ("2025-02", "cash_plan", "8000.00"),
    ("2025-03", "ebitda", "900.00"), ("2025-03", "cash_plan", "7500.00"),
    ("2025-03", "EBIDTA", "100.00"),  # a typo: counts nowhere, the check lists it
    ("2025-06", "cash_plan", "9000.00"),  # June, the month under way: no EBITDA yet
]
# EBITDA Feb 1,450; Q1 200 + 1,450 + 900 = 2,550.  Margin Feb 1,450 / 7,250 = 0.2;
#   Q1 2,550 / 14,250 = 0.178947.
# Cash plan Feb 8,000; Q1 1,000 + 8,000 + 7,500 = 16,500.
# Revenue against plan Feb 7,250 / 8,000 = 0.90625; Q1 14,250 / 16,500 = 0.863636.


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _tags(n: int, department: str, **columns: list[Any]) -> dict[str, Any]:
    return {"department": [department] * n, **columns}


def tables() -> list[tuple[str, str, pa.Table]]:
    """(raw table, source, rows) in load order, with the connectors' column types."""
    meta = pa.table({
        "id": [m[0] for m in META], "date": pa.array([date.fromisoformat(m[1]) for m in META]),
        "account_id": ["1029"] * len(META), "campaign_id": [m[2] for m in META],
        "campaign_name": [f"Campaign {m[2]}" for m in META], "currency": ["USD"] * len(META),
        "spend": pa.array([D(m[5]) for m in META], MONEY),
        "impressions": [m[6] for m in META], "clicks": [m[6] // 100 for m in META],
        "leads": [3] * len(META), "video_plays": [m[7] for m in META],
        "video_3s_views": [m[8] for m in META], "thruplays": [m[9] for m in META],
        **_tags(len(META), "marketing", source_funnel=[m[3] for m in META],
                utm_source=["facebook"] * len(META), utm_medium=["paid_social"] * len(META),
                utm_campaign=[m[4] for m in META])})
    gads = pa.table({
        "id": [g[0] for g in GADS], "date": pa.array([date.fromisoformat(g[1]) for g in GADS]),
        "customer_id": ["555"] * len(GADS), "campaign_id": [f"G-{g[0]}" for g in GADS],
        "campaign_name": [g[6] for g in GADS], "campaign_status": ["ENABLED"] * len(GADS),
        "channel_type": [g[2] for g in GADS], "currency": ["USD"] * len(GADS),
        "cost": pa.array([D(g[7]) for g in GADS], MONEY),
        "cost_micros": [int(D(g[7]) * 1_000_000) for g in GADS],
        "impressions": [g[8] for g in GADS], "clicks": [g[8] // 50 for g in GADS],
        "conversions": pa.array([D("2.00")] * len(GADS), MONEY),
        "video_views": [g[9] for g in GADS],
        **_tags(len(GADS), "marketing", source_funnel=[g[3] for g in GADS],
                utm_source=[g[4] for g in GADS], utm_medium=[g[5] for g in GADS],
                utm_campaign=[g[6] for g in GADS])})

    def charges(rows: list[tuple[str, str, str, str, str, str, str]]) -> pa.Table:
        return pa.table({
            "id": [c[0] for c in rows], "amount": pa.array([D(c[2]) for c in rows], MONEY),
            "amount_captured": pa.array([D(c[2]) if c[3] == "succeeded" else D(0)
                                         for c in rows], MONEY),
            "amount_refunded": pa.array([D(0)] * len(rows), MONEY),
            "currency": ["usd"] * len(rows), "status": [c[3] for c in rows],
            "customer": [f"cus_{c[4]}" for c in rows],
            "created": pa.array([ts(c[1]) for c in rows], TS),
            **_tags(len(rows), "finance", client_id=[c[4] for c in rows],
                    owner_id=[c[5] for c in rows], source_funnel=[c[6] for c in rows])})

    by_id = {c[0]: c for c in CHARGES}
    copies = [(i, by_id[i][1], amount, status, *by_id[i][4:]) for i, amount, status in GHL_COPIES]
    refunds = pa.table({
        "id": [r[0] for r in REFUNDS], "charge": [r[1] for r in REFUNDS],
        "created": pa.array([ts(r[2]) for r in REFUNDS], TS),
        "amount": pa.array([D(r[3]) for r in REFUNDS], MONEY), "currency": ["usd"] * 3,
        "status": [r[4] for r in REFUNDS], "reason": ["requested_by_customer"] * 3})
    disputes = pa.table({
        "id": [d[0] for d in DISPUTES], "charge": [d[1] for d in DISPUTES],
        "created": pa.array([ts(d[2]) for d in DISPUTES], TS),
        "amount": pa.array([D(d[3]) for d in DISPUTES], MONEY), "currency": ["usd"] * 4,
        "status": [d[4] for d in DISPUTES], "reason": ["fraudulent"] * 4})
    finance = pa.table({
        "id": [f"{f[0]}:{f[1]}" for f in FINANCE],
        "month": pa.array([date.fromisoformat(f[0] + "-01") for f in FINANCE]),
        "item": [f[1] for f in FINANCE], "value": pa.array([D(f[2]) for f in FINANCE], MONEY),
        "entered_by": ["priya_nair"] * len(FINANCE), "department": ["finance"] * len(FINANCE)})
    return [("meta_campaign_insights", "meta_ads", meta),
            ("gads_campaign_stats", "google_ads", gads),
            ("stripe_charges", "stripe", charges(CHARGES)),
            # loaded after Stripe's: newer, and still the loser
            ("stripe_charges", "gohighlevel", charges(copies)),
            ("stripe_refunds", "stripe", refunds), ("stripe_disputes", "stripe", disputes),
            ("finance_snapshots", "finance", finance)]


@pytest.fixture
def agency(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    project = tiny_agency(tmp_path / "agency", engine_url, tables())
    yield project
    project.close()


def values(project: Project, period: str) -> dict[str, float | None]:
    return metric_values(project, MONEY_METRICS, period)


FEBRUARY: dict[str, float | None] = {
    "ad_spend": 980.75, "impressions": 95_000, "video_impressions": 35_000,
    "three_second_views": 9_500, "thruplays": 1_900,
    "hook_rate": 9_500 / 35_000, "hold_rate": 1_900 / 9_500,
    "gross_charges": 9_000, "refunds": 750, "chargebacks": 1_000, "net_cash": 7_250,
    "mer": 7_250 / 980.75,
    "ebitda": 1_450, "ebitda_margin": 1_450 / 7_250, "cash_plan": 8_000,
    "revenue_vs_plan": 7_250 / 8_000,
}
QUARTER: dict[str, float | None] = {
    "ad_spend": 1_300.75, "impressions": 137_000, "video_impressions": 57_000,
    "three_second_views": 16_100, "thruplays": 3_040,
    "hook_rate": 16_100 / 57_000, "hold_rate": 3_040 / 16_100,
    "gross_charges": 20_500, "refunds": 2_750, "chargebacks": 3_500, "net_cash": 14_250,
    "mer": 14_250 / 1_300.75,
    "ebitda": 2_550, "ebitda_margin": 2_550 / 14_250, "cash_plan": 16_500,
    "revenue_vs_plan": 14_250 / 16_500,
}


def _close(got: dict[str, float | None], expected: dict[str, float | None]) -> list[Any]:
    return [(name, got.get(name), want) for name, want in expected.items()
            if (want is None) != (got.get(name) is None)
            or (want is not None and got[name] != pytest.approx(want, rel=1e-9))]


def test_the_expected_figures_cover_every_money_metric() -> None:
    files = {p.stem for p in PACK.metrics_dir.glob("*.yml")}
    assert set(MONEY_METRICS) <= files
    assert set(FEBRUARY) == set(QUARTER) == set(MONEY_METRICS)


def test_every_money_metric_for_a_month(agency: Project) -> None:
    assert _close(values(agency, "2025-02"), FEBRUARY) == []


def test_every_money_metric_for_a_quarter_sums_the_months_and_recomputes_the_ratios(
        agency: Project) -> None:
    # the quarter's hook rate is its views over its impressions (0.282456), not the average
    # of the months' (Jan 3,000 / 10,000 = 0.3, Feb 0.271429, Mar 3,600 / 12,000 = 0.3: 0.290)
    assert _close(values(agency, "2025-Q1"), QUARTER) == []


def test_stripe_owns_cash_and_the_late_night_charges_fall_on_denvers_day(
        agency: Project) -> None:
    jan = values(agency, "2025-01")
    # CH1 at 23:00 on 31 January local; no refunds or disputes in January (no value, not 0)
    assert (jan["gross_charges"], jan["net_cash"], jan["refunds"]) == (1_000, 1_000, None)
    assert jan["ad_spend"] == 100
    findings = {(f["record_key"], f["field"]) for f in agency.findings()}
    assert {("CH2", "amount"), ("CH3", "status")} <= findings


def test_net_cash_and_mer_by_closer_and_by_funnel(agency: Project) -> None:
    def by(metric: str, tag: str) -> dict[str, float | None]:
        return {v.slice[tag]: None if v.value is None else float(v.value)
                for v in agency.compute([metric], ["2025-02"], by=tag)}

    assert by("net_cash", "owner_id") == {"derek_holt": 3_750, "sofia_ramirez": 2_000,
                                          "owen_park": 1_500}
    assert by("net_cash", "source_funnel") == {"vsl": 3_750, "webinar": 1_000,
                                               "lead_magnet": 2_500}
    assert by("ad_spend", "utm_source") == {"facebook": 430.50, "youtube": 300,
                                            "google": 250.25}
    mer = by("mer", "source_funnel")
    assert mer["vsl"] == pytest.approx(3_750 / 650.50)
    assert mer["lead_magnet"] == pytest.approx(2_500 / 330.25)
    assert mer.get("webinar") is None  # cash but no ad spend: no ratio


def test_targets_and_status(agency: Project) -> None:
    def one(metric: str, period: str) -> tuple[float | None, str | None]:
        v = agency.compute([metric], [period])[0]
        return (None if v.target is None else float(v.target)), v.status

    # net cash against the cash plan: 7,250 of 8,000 = 90.6%, yellow (green from 100%, yellow
    # from 90%); the quarter 14,250 of 16,500 = 86.4%, red
    assert one("net_cash", "2025-02") == (pytest.approx(8_000), "yellow")
    assert one("net_cash", "2025-Q1") == (pytest.approx(16_500), "red")
    assert one("revenue_vs_plan", "2025-02") == (1.0, "yellow")
    # MER 7.39x against 4.0x: green; hook rate 27.1%: yellow (green from 30%, yellow from 25%)
    assert one("mer", "2025-02") == (4.0, "green")
    assert one("hook_rate", "2025-02") == (0.30, "yellow")
    assert one("hold_rate", "2025-02") == (0.20, "green")  # exactly 20%
    # EBITDA target 20% of net cash: 0.2 x 7,250 = 1,450, met exactly; the margin 20%: green;
    # the quarter's 17.9% yellow (from 15%)
    assert one("ebitda", "2025-02") == (pytest.approx(1_450), "green")
    assert one("ebitda_margin", "2025-Q1") == (0.20, "yellow")
    # refunds at most 3% of gross charges: 0.03 x 9,000 = 270; 750 is 2.8x that: red
    # (yellow up to 1.5x); chargebacks at most 0.75%: 67.50, 1,000 is red too
    assert one("refunds", "2025-02") == (pytest.approx(270), "red")
    assert one("chargebacks", "2025-02") == (pytest.approx(67.5), "red")


def test_the_month_under_way(agency: Project) -> None:
    june = values(agency, "2025-06")
    # no EBITDA before June is closed (grey, not 0); no ad spend so far
    assert june["ebitda"] is None and june["ebitda_margin"] is None
    assert (june["cash_plan"], june["net_cash"], june["ad_spend"]) == (9_000, 1_800, 0)
    # the plan to date: 9,000 x 15 of June's 30 days (today, the 15th, included) = 4,500;
    # CH9's 1,800 is 40% of it (not 1,800 / 9,000 = 20% of the whole month's plan)
    assert june["revenue_vs_plan"] == pytest.approx(0.4)
    assert agency.compute(["revenue_vs_plan"], ["2025-06"])[0].status == "red"
    # no ad spend: no MER (not infinite)
    assert june["mer"] is None


def test_the_finance_check_finds_the_typo(agency: Project) -> None:
    assert "finance_items_are_known" in {c.name for c in read_checks(PACK.checks_dir)}
    failing = {r.name: r.failing for r in run_checks(agency) if not r.passed}
    assert failing.get("finance_items_are_known") == 1  # EBIDTA in March


# -- the sample company against the oracle -------------------------------------------------------
SAMPLE_PERIODS = ["2024-03", "2025-03", "2025-Q4", "2025", "2026-05", "2026-06"]
"""A month of the first year, a month, a quarter, a year, the last closed month and the month
under way (15 June 2026, when the sample ends)."""


@pytest.fixture(scope="module")
def oracle() -> MoneyOracle:
    batches = PACK.sample(SAMPLE_ROWS, seed=SAMPLE_SEED, end=SAMPLE_END)
    return MoneyOracle(rows_of(batches), TIMEZONE, SAMPLE_END)



def test_every_money_metric_equals_the_oracle_on_the_sample_company(
        summit: Project, oracle: MoneyOracle) -> None:
    """Every money and marketing metric, for six periods, on both engines: money to the cent,
    ratios to 1e-9."""
    got = {(v.metric, v.period): v.value
           for v in summit.compute(list(MONEY_METRICS), SAMPLE_PERIODS)}
    assert oracle_mismatches(got, oracle.value, MONEY_METRICS, SAMPLE_PERIODS) == []
    # the oracle is not vacuous: a year of cash, spend and a MER near the seed's 4.2x
    mer = oracle.value("mer", "2025")
    assert mer is not None and Decimal(3) < mer < Decimal(6)
    assert oracle.value("ebitda", "2026-06") is None  # the month under way: not closed


def test_the_sample_companys_cash_by_funnel_and_closer_adds_up(
        summit: Project, oracle: MoneyOracle) -> None:
    whole = oracle.value("net_cash", "2025")
    for tag in ("source_funnel", "owner_id"):
        parts = [Decimal(str(v.value)) for v in summit.compute(["net_cash"], ["2025"], by=tag)
                 if v.value is not None]
        assert len(parts) >= 2 and sum(parts) == whole  # 12,000 rows: two funnels, closers


def test_the_finance_and_marketing_dashboards_render(summit: Project) -> None:
    pages = dashboards_as(summit, "priya_nair", ("finance", "marketing"))
    finance, marketing = pages["finance"], pages["marketing"]
    assert finance.status_code == marketing.status_code == 200
    assert "Revenue against plan" in finance.text and "Net cash by closer" in finance.text
    assert "Hook rate by campaign" in marketing.text and "Ad spend by platform" in marketing.text
