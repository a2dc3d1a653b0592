"""Suppliers (venues and event organisers): who is listed when and how much each is paid,
their platform records, and the pick of an organiser for a bill or an invoice line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.years import Year
from northstar.packs.sample_arrays import (
    Bools,
    Floats,
    Ints,
    batches,
    const,
    dates,
    numbered,
    stream,
)

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = [
    "PLACES",
    "SUPPLIERS",
    "SUPPLIERS_AT_START",
    "VENUES",
    "Suppliers",
    "pick_suppliers",
    "plan_suppliers",
    "suppliers_table",
]

PLACES = (
    "Riverside", "Lakeshore", "Maple Street", "Old Mill", "Harborview", "Summit Park",
    "Eastside", "Canal Yard", "Prairie", "Bayfront", "Union Wharf", "Hillcrest", "Westgate",
    "Cypress", "Foundry", "Willow Creek", "Northgate", "Pier Nine", "Elm Grove", "Red Brick",
    "Gaslight", "Midtown", "Railyard", "Sandbar", "Valley",
)
VENUES = (
    ("Music Festival", "festival"), ("Run Club", "run_club"), ("Farmers Market", "market"),
    ("Food Truck Rally", "festival"), ("Yoga Collective", "fitness_studio"),
    ("Ballpark", "sports"), ("Student Union", "campus"), ("Cowork", "office"),
    ("Street Fair", "community_event"), ("Tech Summit", "conference"),
    ("Climbing Gym", "fitness_studio"), ("Amphitheater", "concert"),
)

SUPPLIERS = 150
SUPPLIERS_AT_START = 30


@dataclass(frozen=True)
class Suppliers:
    ids: pa.Array
    names: list[str]
    event_type: list[str]
    listed: Ints
    """First-listed epoch day, ascending (suppliers are numbered in listing order)."""
    weight: Floats
    """Share of payouts per supplier and year, shape (n, 4); 0 once a supplier has churned."""


def plan_suppliers(seed: int, years: list[Year], end_day: int) -> Suppliers:
    rng = stream(seed, 2)
    start = years[0].first
    n = SUPPLIERS
    listed = np.concatenate([
        start - rng.integers(1, 730, SUPPLIERS_AT_START),
        start + rng.integers(0, max(1, end_day - start + 1), n - SUPPLIERS_AT_START),
    ]).astype(np.int64)
    listed = np.minimum(np.sort(listed), end_day)
    size = rng.lognormal(0.0, 1.1, n)
    weight = np.zeros((n, 4))
    alive = np.ones(n, dtype=bool)
    listed_year = np.searchsorted([y.first for y in years[1:4]], listed, side="right")
    for y in years[:4]:
        # a supplier may stop hosting from the year after it was listed; the first ten stay
        churn = (listed_year < y.index) & (rng.random(n) < 0.2)
        churn[:10] = False
        alive &= ~churn
        weight[:, y.index] = np.where(alive & (listed <= y.last), size, 0.0)
    combos = rng.permutation(len(PLACES) * len(VENUES))[:n]
    names = [f"{PLACES[c // len(VENUES)]} {VENUES[c % len(VENUES)][0]}" for c in combos]
    event_type = [VENUES[c % len(VENUES)][1] for c in combos]
    ids = numbered("SUP-", np.arange(1, n + 1, dtype=np.int64), 4)
    return Suppliers(ids, names, event_type, listed, weight)


def suppliers_table(co: Company) -> Iterator[SampleTable]:
    s = co.suppliers
    n = len(s.names)
    yield from batches("suppliers", "platform", "id", pa.table({
        "id": s.ids, "name": pa.array(s.names, pa.string()),
        "first_listed_date": dates(s.listed),
        "event_type": pa.array(s.event_type, pa.string()),
        "department": const("supply", n), "client_id": s.ids,
    }))


def pick_suppliers(co: Company, rng: np.random.Generator, days: Ints,
                   year: int) -> tuple[Ints, Bools]:
    """A supplier for each day, weighted (by the year's weights) among the suppliers listed
    on or before it; the second array says whether any was listed by then."""
    s = co.suppliers
    cw = np.cumsum(s.weight[:, year])
    listed_before = np.searchsorted(s.listed, days, side="right")
    reach = np.where(listed_before > 0, cw[np.maximum(listed_before - 1, 0)], 0.0)
    supplier = np.searchsorted(cw, rng.random(len(days)) * reach, side="right")
    supplier = np.minimum(supplier, np.maximum(listed_before - 1, 0)).astype(np.int64)
    listed: Bools = reach > 0
    return supplier, listed
