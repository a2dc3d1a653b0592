"""Customers (brands): the plan of who buys in which year and how much, their HubSpot
records, and one contract a year per buying customer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.calibration import (
    ACCOUNT_MANAGERS,
    MEAN_LINE,
    YEAR_BILLINGS,
)
from northstar.packs.marketplace.sample.years import Year
from northstar.packs.sample_arrays import (
    Bools,
    Floats,
    Ints,
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

__all__ = [
    "BRAND_PRODUCTS",
    "BRAND_WORDS",
    "CONTINUE_P",
    "CONTINUING",
    "CONTINUING_SHARE",
    "NEW_Y3_PER_YEAR",
    "NEW_Y3_SHARE",
    "SEGMENTS",
    "Customers",
    "Segment",
    "contracts",
    "customers_table",
    "plan_customers",
]

BRAND_WORDS = (
    "Harbor", "Juniper", "Copperline", "Tidewater", "Bramble", "Northfield", "Saltmarsh",
    "Ridgeback", "Lanternfly", "Ember", "Fernhollow", "Bluehaven", "Cobalt Bay", "Meadowlark",
    "Stonebridge", "Wildcrest", "Sunbarrow", "Driftwood", "Oak & Ivy", "Pinecrest", "Riverbend",
    "Goldleaf", "Silverpine", "Foxglove", "Kettle Rock", "Marigold", "Westwind", "Larkspur",
    "Orchard Lane", "Granite Peak", "Seabright", "Hollowtree", "Brightwater", "Clover Hill",
    "Redtail", "Moonrise", "Quarry Road", "Thistle", "Amberfield", "Cedar Hollow",
)
BRAND_PRODUCTS = (
    ("Lager Co.", "beer"), ("Sparkling Water", "beverage"), ("Snack Co.", "snacks"),
    ("Kombucha", "beverage"), ("Cold Brew", "coffee"), ("Protein Bars", "snacks"),
    ("Oat Milk", "dairy alternatives"), ("Hard Seltzer", "beer"), ("Skincare", "personal care"),
    ("Jerky Co.", "snacks"), ("Granola", "snacks"), ("Energy Drinks", "beverage"),
    ("Tea Co.", "beverage"), ("Kettle Chips", "snacks"), ("Hot Sauce", "pantry"),
    ("Popcorn", "snacks"), ("Coconut Water", "beverage"), ("Pet Treats", "pet"),
    ("Deodorant", "personal care"), ("Sun Care", "personal care"), ("Gummies", "wellness"),
    ("Distilling", "spirits"), ("Cider Works", "beer"), ("Electrolytes", "wellness"),
)

@dataclass(frozen=True)
class Segment:
    name: str
    count: int
    shares: tuple[float, float, float, float]
    """Share of each year's billings (0: not buying). Year 3 shares go to 'continuing' rows."""
    created_year: int
    before: float
    """Fraction created before the data starts (only for segments buying in year 0)."""


SEGMENTS = (
    Segment("top1", 1, (0.25, 0.30, 0.409, 0.40), 0, 1.0),
    Segment("top2", 1, (0.12, 0.15, 0.181, 0.17), 0, 1.0),
    Segment("core", 14, (0.22, 0.26, 0.23, 0.0), 0, 1.0),
    Segment("y0_y1", 24, (0.20, 0.13, 0.0, 0.0), 0, 0.5),
    Segment("y0_only", 50, (0.21, 0.0, 0.0, 0.0), 0, 0.4),
    Segment("y1_core", 10, (0.0, 0.09, 0.10, 0.0), 1, 0.0),
    Segment("y1_only", 20, (0.0, 0.07, 0.0, 0.0), 1, 0.0),
    Segment("y2_new", 24, (0.0, 0.0, 0.08, 0.0), 2, 0.0),
)
CONTINUING = ("core", "y1_core", "y2_new")
CONTINUING_SHARE = 0.36
CONTINUE_P = 0.6
NEW_Y3_SHARE = 0.07
NEW_Y3_PER_YEAR = 10


@dataclass(frozen=True)
class Customers:
    ids: pa.Array
    names: list[str]
    industry: list[str]
    created: Ints
    owner: Ints
    """Index into ACCOUNT_MANAGERS."""
    revenue: Floats
    """Planned GMV in dollars, shape (n, 4)."""
    lo: Ints
    hi: Ints
    """Per customer and year: the window (epoch days, inclusive) their invoices fall in."""
    annual: Floats
    """Planned GMV at a full year's rate (the current year not cut at `end`), shape (n, 4)."""


def plan_customers(seed: int, years: list[Year], target_lines: float) -> Customers:
    rng = stream(seed, 1)
    seg_index: list[int] = []
    for i, seg in enumerate(SEGMENTS):
        seg_index += [i] * seg.count
    elapsed = (years[3].last - years[3].first + 1) / (years[3].stop - years[3].first)
    n_new3 = round(NEW_Y3_PER_YEAR * elapsed)
    seg_arr = np.array(seg_index + [len(SEGMENTS)] * n_new3, dtype=np.int64)
    n = len(seg_arr)

    # creation dates: before the data starts, or in the first 85% of the first year they buy
    created = np.zeros(n, dtype=np.int64)
    start = years[0].first
    for i, segment in enumerate([*SEGMENTS, None]):
        rows = np.flatnonzero(seg_arr == i)
        if len(rows) == 0:
            continue
        if segment is None:
            y = years[3]
            created[rows] = y.first + rng.integers(0, y.last - y.first + 1, len(rows))
            continue
        y = years[segment.created_year]
        span = int((y.stop - y.first) * 0.85)
        created[rows] = y.first + rng.integers(0, span, len(rows))
        n_before = round(segment.before * len(rows))
        if n_before:
            created[rows[:n_before]] = start - rng.integers(60, 1800, n_before)

    # relative billings per customer and year
    size = rng.lognormal(0.0, 0.8, n)
    revenue = np.zeros((n, 4))
    lo = np.zeros((n, 4), dtype=np.int64)
    hi = np.zeros((n, 4), dtype=np.int64)
    for y in years[:4]:
        lo[:, y.index] = np.maximum(created, y.first)
        hi[:, y.index] = y.last
    continuing = np.isin(seg_arr, [i for i, s in enumerate(SEGMENTS) if s.name in CONTINUING])
    continuing &= rng.random(n) < CONTINUE_P
    for y in years[:4]:
        groups: list[tuple[Bools, float]] = []
        for i, seg in enumerate(SEGMENTS):
            if seg.shares[y.index] > 0:
                groups.append((seg_arr == i, seg.shares[y.index]))
        if y.index == 3:
            groups += [(continuing, CONTINUING_SHARE), (seg_arr == len(SEGMENTS), NEW_Y3_SHARE)]
        for members, share in groups:
            if not members.any():
                continue
            w = size[members] * rng.lognormal(0.0, 0.25, int(members.sum()))
            revenue[members, y.index] = share * YEAR_BILLINGS[y.index] * w / w.sum()
    # the current year: an annual rate times the part of the year already behind us
    y3 = years[3]
    annual = revenue.copy()
    revenue[:, 3] *= y3.mass(lo[:, 3], hi[:, 3]).sum(axis=1)
    revenue[:, 3] = np.where(lo[:, 3] <= hi[:, 3], revenue[:, 3], 0.0)

    dollars = target_lines * MEAN_LINE / revenue.sum()
    revenue *= dollars
    annual *= dollars
    revenue = np.where(revenue > 0, np.maximum(revenue, 1_200.0), 0.0)

    owner = rng.integers(0, len(ACCOUNT_MANAGERS), n).astype(np.int64)
    owner[0], owner[1] = 0, 1
    combos = rng.permutation(len(BRAND_WORDS) * len(BRAND_PRODUCTS))[:n]
    products = len(BRAND_PRODUCTS)
    names = [f"{BRAND_WORDS[c // products]} {BRAND_PRODUCTS[c % products][0]}" for c in combos]
    industry = [BRAND_PRODUCTS[c % products][1] for c in combos]
    ids = numbered("CUS-", np.arange(1, n + 1, dtype=np.int64), 5)
    return Customers(ids, names, industry, created, owner, revenue, lo, hi, annual)


def customers_table(co: Company) -> Iterator[SampleTable]:
    c = co.customers
    n = len(c.names)
    owner = pick(ACCOUNT_MANAGERS, c.owner)
    yield from batches("customers", "hubspot", "id", pa.table({
        "id": c.ids, "name": pa.array(c.names, pa.string()),
        "created_date": dates(c.created), "industry": pa.array(c.industry, pa.string()),
        "department": const("demand", n), "owner_id": owner, "client_id": c.ids,
    }))


def contracts(co: Company) -> Iterator[SampleTable]:
    """One contract a year per buying customer: a calendar-year commitment (from the day
    they became a customer) somewhat above what they go on to spend."""
    rng = stream(co.seed, 52)
    c = co.customers
    cust_l: list[Ints] = []
    year_l: list[int] = []
    for y in co.years:
        buying = np.flatnonzero(c.revenue[:, y.index] > 0)
        cust_l.append(buying)
        year_l += [y.index] * len(buying)
    cust = np.concatenate(cust_l).astype(np.int64)
    yi = np.array(year_l, dtype=np.int64)
    n = len(cust)
    value = c.annual[cust, yi] * rng.uniform(1.0, 1.3, n)
    value = np.maximum(1_000.0, np.round(value / 1_000.0) * 1_000.0)
    start = c.lo[cust, yi]
    stop = np.array([y.stop for y in co.years], dtype=np.int64)[yi] - 1
    signed = np.minimum(start - rng.integers(7, 46, n), co.end_day)
    customer_id = c.ids.take(pa.array(cust))
    yield from batches("contracts", "hubspot", "id", pa.table({
        "id": numbered("CTR-", co.numbers("ctr", n), 5),
        "customer_id": customer_id,
        "signed_date": dates(signed),
        "start_date": dates(start),
        "end_date": dates(stop),
        "amount": money(np.rint(value * 100).astype(np.int64)),
        "department": const("demand", n),
        "owner_id": pick(ACCOUNT_MANAGERS, c.owner[cust]),
        "client_id": customer_id,
    }))
