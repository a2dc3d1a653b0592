"""Marketing: ad campaigns per year and channel, and their daily spend, clicks and leads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.calibration import ADS_PER_LINE
from northstar.packs.marketplace.sample.years import Year
from northstar.packs.sample_arrays import (
    batches,
    const,
    dates,
    money,
    numbered,
    pick,
    stream,
)

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["CAMPAIGN_THEMES", "CHANNELS", "CHANNEL_CONVERSION", "CHANNEL_CPC", "CHANNEL_P",
           "CHANNEL_SPEND", "ads", "plan_campaigns"]

CHANNELS = ("google", "meta", "linkedin", "tiktok")
CHANNEL_P = np.array([0.40, 0.25, 0.25, 0.10])
CHANNEL_SPEND = np.array([320.0, 210.0, 380.0, 150.0])
CHANNEL_CPC = np.array([2.6, 1.4, 6.5, 0.9])
CHANNEL_CONVERSION = np.array([0.045, 0.03, 0.06, 0.02])
CAMPAIGN_THEMES = ("brand_sampling", "festival_season", "retail_launch", "campus_tour",
                    "fitness_partners", "holiday_push", "retargeting", "lookalike")


def plan_campaigns(co: Company) -> list[list[tuple[str, int]]]:
    """Ad campaigns per year index (0..3): (name, channel)."""
    total_days = co.end_day - co.years[0].first + 1
    ads = co.lines * ADS_PER_LINE
    per_channel = max(2, int(np.ceil(ads / (total_days * len(CHANNELS)) * 1.25)))
    out: list[list[tuple[str, int]]] = []
    for y in co.years:
        camps: list[tuple[str, int]] = []
        for c, channel in enumerate(CHANNELS):
            for k in range(per_channel):
                themes = len(CAMPAIGN_THEMES)
                theme = CAMPAIGN_THEMES[(k + c + y.index) % themes]
                suffix = f"_{k // themes + 1}" if k >= themes else ""
                camps.append((f"{channel}_{theme}_{y.year}{suffix}", c))
        out.append(camps)
    return out


def ads(co: Company, y: Year) -> Iterator[SampleTable]:
    rng = stream(co.seed, 40, y.index)
    days = y.last - y.first + 1
    if days <= 0:
        return
    total_days = co.end_day - co.years[0].first + 1
    camps = co.campaigns[y.index]
    cells = days * len(camps)
    n = min(cells, max(1, round(co.lines * ADS_PER_LINE * days / total_days)))
    cell = np.sort(rng.choice(cells, n, replace=False)).astype(np.int64)
    spend_day = y.first + cell // len(camps)
    camp = cell % len(camps)
    channel = np.array([ch for _, ch in camps], dtype=np.int64)[camp]
    spend = CHANNEL_SPEND[channel] * rng.lognormal(0.0, 0.45, n)
    clicks = rng.poisson(spend / CHANNEL_CPC[channel])
    leads = rng.binomial(clicks, CHANNEL_CONVERSION[channel])
    campaign = pick([name for name, _ in camps], camp)
    yield from batches("ad_spend", "ads", "id", pa.table({
        "id": numbered("AD-", co.numbers("ad", n), 7),
        "spend_date": dates(spend_day),
        "channel": pick(CHANNELS, channel),
        "campaign": campaign,
        "spend": money(np.rint(spend * 100).astype(np.int64)),
        "clicks": pa.array(clicks.astype(np.int64)),
        "leads": pa.array(leads.astype(np.int64)),
        "department": const("marketing", n),
        "utm_source": pick(CHANNELS, channel),
        "utm_medium": const("cpc", n),
        "utm_campaign": campaign,
    }))
