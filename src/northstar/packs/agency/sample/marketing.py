"""The paid funnels: campaigns on Meta, YouTube and Google Search (and the organic traffic beside
them), each day's opt-ins per campaign, what the ad platforms report for the day (spend,
impressions, clicks, their own lead count, the video plays behind hook and hold rates) and the
GA4 event log (page views, opt-ins, booked calls by source, medium and campaign)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.agency.sample.calendar import Calendar
from northstar.packs.sample_arrays import batches, const, dates, money, stream

__all__ = ["SOURCES", "Source", "ads_tables", "ga4_table", "plan_opt_ins"]

OPT_INS_A_DAY = 17.0
"""Opt-ins a day at the default size (`rows` 75,000), before season, weekday and growth."""


@dataclass(frozen=True)
class Source:
    platform: str
    """meta, youtube, google (Search) or organic (no ad platform)."""
    campaign_id: str
    campaign_name: str
    funnel: str
    """The `source_funnel` tag: vsl, webinar or lead_magnet."""
    utm_source: str
    utm_medium: str
    utm_campaign: str
    share: float
    """Its share of the opt-ins."""
    cpl: float
    """What an opt-in costs on it (0 for organic)."""
    book_rate: float
    """The share of its opt-ins that book a triage call."""
    hook: float = 0.0
    """3-second views per impression (Meta video) or views per impression (YouTube)."""
    hold: float = 0.0
    """ThruPlays per 3-second view."""


SOURCES = (
    Source("meta", "23851710001", "VSL - Founder Story - Broad", "vsl", "facebook",
           "paid_social", "vsl_founder_story", 0.27, 91.0, 0.17, 0.31, 0.19),
    Source("youtube", "20871330001", "YT - VSL In-Stream", "vsl", "youtube", "paid_video",
           "yt_vsl_instream", 0.18, 119.0, 0.19, 0.27),
    Source("meta", "23851710002", "Webinar - Scale Masterclass", "webinar", "facebook",
           "paid_social", "webinar_masterclass", 0.19, 71.8, 0.13, 0.26, 0.14),
    Source("meta", "23851710003", "Lead Magnet - Client Playbook", "lead_magnet", "facebook",
           "paid_social", "lm_client_playbook", 0.12, 57.8, 0.08),
    Source("google", "20871330002", "Search - Agency Coaching", "lead_magnet", "google", "cpc",
           "search_agency_coaching", 0.08, 154.0, 0.15),
    Source("meta", "23851710004", "Retargeting - Case Studies", "vsl", "facebook",
           "paid_social", "rt_case_studies", 0.06, 50.8, 0.22, 0.36, 0.24),
    Source("organic", "", "(organic)", "lead_magnet", "google", "organic", "(organic)", 0.10,
           0.0, 0.12),
)
META_ACCOUNT, GOOGLE_CUSTOMER = "act_1029384756", "5551234567"
CPM = {"meta": 17.5, "youtube": 11.0, "google": 45.0}
CTR = {"meta": 0.011, "youtube": 0.006, "google": 0.055}


def sources_for(scale: float) -> tuple[Source, ...]:
    """The campaigns a company of this size runs (at least two paid), and the organic traffic."""
    paid = int(np.clip(round(6 * scale), 2, 6))
    return (*SOURCES[:paid], SOURCES[-1])


def plan_opt_ins(seed: int, cal: Calendar, sources: tuple[Source, ...], scale: float
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Expected and drawn opt-ins, days x sources."""
    rng = stream(seed, 1, 1)
    share = np.array([s.share for s in sources])
    share = share / share.sum()
    demand = np.array([cal.demand(int(d)) for d in cal.days])
    expected = OPT_INS_A_DAY * scale * demand[:, None] * share[None, :]
    return expected, rng.poisson(expected).astype(np.int64)


def ads_tables(seed: int, cal: Calendar, sources: tuple[Source, ...], expected: np.ndarray,
               opt_ins: np.ndarray) -> Iterator[SampleTable]:
    """Meta's campaign insights and Google Ads' campaign stats, one row per campaign and day.
    Spend follows the opt-ins the budget was set for; Meta's own lead count is its pixel's
    (it misses some opt-ins and claims a few it did not drive)."""
    rng = stream(seed, 1, 2)
    meta: dict[str, list[object]] = {k: [] for k in (
        "id", "date", "campaign_id", "campaign_name", "spend", "impressions", "clicks",
        "link_clicks", "leads", "video_plays", "video_3s_views", "thruplays", "video_p25",
        "video_p50", "video_p75", "video_p95", "video_p100", "source_funnel", "utm_source",
        "utm_medium", "utm_campaign")}
    gads: dict[str, list[object]] = {k: [] for k in (
        "id", "date", "campaign_id", "campaign_name", "channel_type", "cost", "cost_micros",
        "impressions", "clicks", "conversions", "video_views", "video_p25_rate",
        "video_p50_rate", "video_p75_rate", "video_p100_rate", "source_funnel", "utm_source",
        "utm_medium", "utm_campaign")}
    for j, s in enumerate(sources):
        if s.platform == "organic":
            continue
        noise = rng.lognormal(0.0, 0.18, cal.n)
        hook = np.clip(s.hook * rng.lognormal(0.0, 0.08, cal.n), 0, 0.9)
        hold = np.clip(s.hold * rng.lognormal(0.0, 0.1, cal.n), 0, 0.9)
        for i, day in enumerate(cal.days.tolist()):
            cents = round(expected[i, j] * s.cpl * noise[i] * 100)
            impressions = round(cents / 100 / CPM[s.platform] * 1000)
            clicks = int(rng.binomial(impressions, CTR[s.platform]))
            tags = (s.funnel, s.utm_source, s.utm_medium, s.utm_campaign)
            if s.platform == "meta":
                row = meta
                row["id"].append(f"{s.campaign_id}:{_iso(day)}")
                row["spend"].append(cents)
                views = round(impressions * hook[i]) if s.hook else 0
                thru = round(views * hold[i]) if s.hook else 0
                leads = int(rng.binomial(opt_ins[i, j], 0.92) + rng.poisson(0.2))
                for k, v in (("link_clicks", int(clicks * 0.8)), ("leads", leads),
                             ("video_plays", int(views * 1.6) if views else 0),
                             ("video_3s_views", views), ("thruplays", thru),
                             ("video_p25", int(views * 0.55)), ("video_p50", int(views * 0.3)),
                             ("video_p75", int(thru * 0.8)), ("video_p95", int(thru * 0.55)),
                             ("video_p100", int(thru * 0.5))):
                    row[k].append(v)
            else:
                row = gads
                row["id"].append(f"{s.campaign_id}:{_iso(day)}")
                row["channel_type"].append("VIDEO" if s.platform == "youtube" else "SEARCH")
                row["cost"].append(cents)
                row["cost_micros"].append(cents * 10_000)
                row["conversions"].append(Decimal(int(opt_ins[i, j])))
                views = round(impressions * hook[i]) if s.hook else 0
                row["video_views"].append(views)
                for k, v in (("video_p25_rate", 0.62), ("video_p50_rate", 0.41),
                             ("video_p75_rate", 0.29), ("video_p100_rate", 0.2)):
                    row[k].append(Decimal(f"{v:.6f}") if views else None)
            row["date"].append(day)
            row["campaign_id"].append(s.campaign_id)
            row["campaign_name"].append(s.campaign_name)
            row["impressions"].append(impressions)
            row["clicks"].append(clicks)
            for k, v in zip(("source_funnel", "utm_source", "utm_medium", "utm_campaign"), tags,
                            strict=True):
                row[k].append(v)
    yield from _meta_table(meta)
    yield from _gads_table(gads)


def _iso(day: int) -> str:
    return str(np.datetime64(day, "D"))


def _tag_columns(row: dict[str, list[object]], n: int) -> dict[str, pa.Array]:
    return {"department": const("marketing", n),
            **{k: pa.array(row[k], pa.string()) for k in (
                "source_funnel", "utm_source", "utm_medium", "utm_campaign")}}


def _meta_table(row: dict[str, list[object]]) -> Iterator[SampleTable]:
    n = len(row["id"])
    counts = ("impressions", "clicks", "link_clicks", "leads", "video_plays", "video_3s_views",
              "thruplays", "video_p25", "video_p50", "video_p75", "video_p95", "video_p100")
    yield from batches("meta_campaign_insights", "meta_ads", "id", pa.table({
        "id": pa.array(row["id"], pa.string()),
        "date": dates(np.array(row["date"], dtype=np.int64)),
        "account_id": const(META_ACCOUNT.removeprefix("act_"), n),
        "campaign_id": pa.array(row["campaign_id"], pa.string()),
        "campaign_name": pa.array(row["campaign_name"], pa.string()),
        "currency": const("USD", n), "spend": money(np.array(row["spend"], dtype=np.int64)),
        **{k: pa.array(row[k], pa.int64()) for k in counts},
        **_tag_columns(row, n)}))


def _gads_table(row: dict[str, list[object]]) -> Iterator[SampleTable]:
    n = len(row["id"])
    rate = pa.decimal128(12, 6)
    yield from batches("gads_campaign_stats", "google_ads", "id", pa.table({
        "id": pa.array(row["id"], pa.string()),
        "date": dates(np.array(row["date"], dtype=np.int64)),
        "customer_id": const(GOOGLE_CUSTOMER, n),
        "campaign_id": pa.array(row["campaign_id"], pa.string()),
        "campaign_name": pa.array(row["campaign_name"], pa.string()),
        "campaign_status": const("ENABLED", n),
        "channel_type": pa.array(row["channel_type"], pa.string()), "currency": const("USD", n),
        "cost": money(np.array(row["cost"], dtype=np.int64)),
        "cost_micros": pa.array(row["cost_micros"], pa.int64()),
        "impressions": pa.array(row["impressions"], pa.int64()),
        "clicks": pa.array(row["clicks"], pa.int64()),
        "conversions": pa.array(row["conversions"], pa.decimal128(18, 2)),
        "conversions_value": pa.array([Decimal(0)] * n, pa.decimal128(18, 2)),
        "video_views": pa.array(row["video_views"], pa.int64()),
        **{k: pa.array(row[k], rate) for k in (
            "video_p25_rate", "video_p50_rate", "video_p75_rate", "video_p100_rate")},
        **_tag_columns(row, n)}))


def ga4_table(seed: int, cal: Calendar, sources: tuple[Source, ...], opt_ins: np.ndarray,
              booked: np.ndarray) -> Iterator[SampleTable]:
    """GA4's report by date, session source, medium, campaign and event: page views of the
    funnels' landing pages, opt-ins (the form's thank-you page) and booked calls (the calendar's
    confirmation page), as many as GoHighLevel recorded. `booked`: days x sources."""
    rng = stream(seed, 1, 3)
    cols: dict[str, list[object]] = {k: [] for k in (
        "id", "date", "source", "medium", "campaign", "event_name", "event_count", "key_events",
        "source_funnel")}
    for i, day in enumerate(cal.days.tolist()):
        for j, s in enumerate(sources):
            views = int(rng.poisson(opt_ins[i, j] / 0.28 + 3)) + int(opt_ins[i, j])
            for event, count in (("page_view", views), ("opt_in", int(opt_ins[i, j])),
                                 ("booked_call", int(booked[i, j]))):
                if count == 0:
                    continue
                cols["id"].append("|".join((_iso(day), s.utm_source, s.utm_medium,
                                            s.utm_campaign, event)))
                cols["date"].append(day)
                cols["source"].append(s.utm_source)
                cols["medium"].append(s.utm_medium)
                cols["campaign"].append(s.utm_campaign)
                cols["event_name"].append(event)
                cols["event_count"].append(count)
                cols["key_events"].append(Decimal(count if event != "page_view" else 0))
                cols["source_funnel"].append(s.funnel)
    n = len(cols["id"])
    text = {k: pa.array(cols[k], pa.string()) for k in ("id", "source", "medium", "campaign",
                                                      "event_name", "source_funnel")}
    yield from batches("ga4_events", "ga4", "id", pa.table({
        "id": text["id"], "date": dates(np.array(cols["date"], dtype=np.int64)),
        "source": text["source"], "medium": text["medium"], "campaign": text["campaign"],
        "event_name": text["event_name"],
        "event_count": pa.array(cols["event_count"], pa.int64()),
        "key_events": pa.array(cols["key_events"], pa.decimal128(18, 2)),
        "other_row_loss": pa.array([False] * n, pa.bool_()),
        "utm_source": text["source"], "utm_medium": text["medium"],
        "utm_campaign": text["campaign"], "department": const("marketing", n),
        "source_funnel": text["source_funnel"]}))
