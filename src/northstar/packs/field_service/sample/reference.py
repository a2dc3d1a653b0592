"""ServiceTitan's settings as the sample company keeps them: its business units (a sales and a
production unit per branch, and the retired "Z-DO NOT USE - West" pair), its job types (the zoo
of estimate types, what each sells into, the warranty and excluded types, and two old types
nobody uses) and its marketing campaigns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.sample_arrays import DAY_US, batches, epoch_day, money, timestamps

__all__ = ["BRANCHES", "CAMPAIGNS", "EXCLUDED", "JOB_TYPES", "UNITS", "WARRANTY",
           "WEST_RETIRED", "Branch", "Offer", "campaigns_table", "job_types_table",
           "type_id", "units_table"]

WEST_RETIRED = date(2021, 7, 1)
"""The West branch's units take no new work from this day: their jobs go to Phoenix's."""

# (id, name, active)
UNITS = (("1001", "Phoenix-Sales", True), ("1002", "Phoenix-Production", True),
         ("1003", "Tucson-Sales", True), ("1004", "Tucson-Production", True),
         ("1005", "Commercial-AZ-Sales", True), ("1006", "Commercial-AZ-Production", True),
         ("1007", "Cabinets-Sales", True), ("1008", "Cabinets-Production", True),
         ("1011", "Z-DO NOT USE - West - Sales", False),
         ("1012", "Z-DO NOT USE - West- Production", False))


@dataclass(frozen=True)
class Offer:
    """What an estimate type sells: the production job type and its usual subtotal."""

    estimate_type: str
    production_type: str
    weight: float
    ticket: float


@dataclass(frozen=True)
class Branch:
    name: str
    sales_unit: str
    production_unit: str
    share: float
    """The branch's share of the leads."""
    close: float
    """The chance that a lead's estimate appointment sells."""
    offers: tuple[Offer, ...]
    opened: date | None = None


_RES = (Offer("ESTIMATE-RES-EXT", "Exterior Repaint", 0.30, 5200),
        Offer("ESTIMATE-RES-INT", "Interior Repaint", 0.22, 3600),
        Offer("ESTIMATE-RES-INT/EXT", "Interior/Exterior Repaint", 0.08, 8500),
        Offer("Estimate", "Exterior Repaint", 0.06, 4800),
        Offer("Estimate - Return Visit", "Exterior Repaint", 0.03, 4500),
        Offer("ESTIMATE-VIRTUAL", "Interior Repaint", 0.04, 3000),
        Offer("Color Consultation", "Interior Repaint", 0.02, 2800),
        Offer("ESTIMATE-STUCCO", "Stucco Repair", 0.05, 2200),
        Offer("ESTIMATE-DECK", "Deck Stain", 0.03, 1800),
        Offer("ESTIMATE-FENCE", "Fence Stain", 0.04, 1600),
        Offer("ESTIMATE-GARAGE-FLOOR", "Garage Floor Coating", 0.04, 2600),
        Offer("ESTIMATE-ROOF-COATING", "Roof Coating", 0.03, 6500),
        Offer("ESTIMATE-POPCORN", "Popcorn Removal", 0.03, 2400),
        Offer("ESTIMATE-DRYWALL", "Drywall Repair", 0.02, 900),
        Offer("ESTIMATE-WALLPAPER", "Wallpaper Removal", 0.01, 1500))
BRANCHES = (
    Branch("Phoenix", "1001", "1002", 0.46, 0.42, _RES),
    Branch("Tucson", "1003", "1004", 0.24, 0.40, _RES),
    Branch("Commercial", "1005", "1006", 0.12, 0.28, (
        Offer("ESTIMATE-COMM-EXT", "Commercial Exterior", 0.35, 22000),
        Offer("ESTIMATE-COMM-INT", "Commercial Interior", 0.25, 14000),
        Offer("ESTIMATE-HOA", "HOA Repaint", 0.15, 45000),
        Offer("ESTIMATE-MULTI-FAMILY", "Commercial Exterior", 0.10, 38000),
        Offer("Commercial Bid Walk", "Commercial Interior", 0.15, 12000))),
    Branch("Cabinets", "1007", "1008", 0.18, 0.40, (
        Offer("ESTIMATE-CABINETS", "Cabinet Refinish", 0.7, 6800),
        Offer("Cabinets", "Cabinet Refinish", 0.3, 6200)), opened=date(2022, 3, 1)),
)
WEST = ("1011", "1012")
"""The retired West branch's sales and production units: 40% of Phoenix's work before
`WEST_RETIRED`."""

WARRANTY = (("Warranty", 0.6), ("Touchup", 0.4))
EXCLUDED = (("PM Inspection", 0.5, 250), ("Safety Inspection", 0.2, 0),
            ("Window/Solar Washing", 0.3, 380))
"""Excluded job types, their share and their price."""

_PRODUCTION = ("Exterior Repaint", "Interior Repaint", "Interior/Exterior Repaint",
               "Commercial Exterior", "Commercial Interior", "HOA Repaint", "Cabinet Refinish",
               "Deck Stain", "Fence Stain", "Garage Floor Coating", "Stucco Repair",
               "Roof Coating", "Popcorn Removal", "Drywall Repair", "Wallpaper Removal")
_ESTIMATES = tuple(dict.fromkeys(o.estimate_type for b in BRANCHES for o in b.offers))
JOB_TYPES: tuple[tuple[str, str, bool], ...] = tuple(
    [(name, "Estimate", True) for name in _ESTIMATES]
    + [(name, "Production", True) for name in _PRODUCTION]
    + [(name, "Warranty", True) for name, _ in WARRANTY]
    + [(name, "Other", True) for name, _, _ in EXCLUDED]
    # the zoo's fossils: in ServiceTitan, inactive, used by no job in the history
    + [("Z-OLD Pressure Washing", "Other", False), ("Z-OLD Estimate Lite", "Estimate", False)])
"""(name, class, active) of every job type; ids are 2001, 2002, ... in this order."""
_TYPE_IDS = {name: str(2001 + i) for i, (name, _, _) in enumerate(JOB_TYPES)}

CAMPAIGNS = (("3001", "Google Ads", "Paid search", 0.22), ("3002", "Google LSA", "Paid search",
             0.12), ("3003", "Facebook", "Social", 0.08), ("3004", "Yard Signs", "Offline", 0.07),
             ("3005", "Referral", "Word of mouth", 0.14), ("3006", "Repeat Customer",
             "Word of mouth", 0.10), ("3007", "Angi", "Lead services", 0.06),
             ("3008", "Nextdoor", "Social", 0.04), ("3009", "Website", "Organic", 0.12),
             ("3010", "Direct Mail", "Offline", 0.03), ("3011", "Home Show", "Events", 0.02))


def type_id(name: str) -> str:
    return _TYPE_IDS[name]


def _changed(n: int) -> pa.Array:
    return timestamps(np.full(n, epoch_day(date(2019, 11, 1)) * DAY_US, dtype=np.int64))


def units_table(retired_us: int) -> Iterator[SampleTable]:
    n = len(UNITS)
    modified = np.full(n, epoch_day(date(2019, 11, 1)) * DAY_US, dtype=np.int64)
    modified[[i for i, u in enumerate(UNITS) if not u[2]]] = retired_us
    yield from batches("st_business_units", "servicetitan", "id", pa.table({
        "id": [u[0] for u in UNITS], "name": [u[1] for u in UNITS],
        "official_name": [f"Saguaro Painting Co. - {u[1]}" for u in UNITS],
        "active": [u[2] for u in UNITS], "created_on": _changed(n),
        "modified_on": timestamps(modified)}))


def job_types_table() -> Iterator[SampleTable]:
    n = len(JOB_TYPES)
    yield from batches("st_job_types", "servicetitan", "id", pa.table({
        "id": [type_id(t[0]) for t in JOB_TYPES], "name": [t[0] for t in JOB_TYPES],
        "business_unit_ids": [",".join(u[0] for u in UNITS if u[2])] * n,
        "class": [t[1] for t in JOB_TYPES], "priority": ["Normal"] * n,
        "duration": pa.array([14400 if t[1] == "Production" else 3600 for t in JOB_TYPES],
                             pa.int64()),
        "sold_threshold": money(np.zeros(n, dtype=np.int64)),
        "no_charge": [t[1] == "Warranty" for t in JOB_TYPES], "active": [t[2] for t in JOB_TYPES],
        "created_on": _changed(n), "modified_on": _changed(n)}))


def campaigns_table() -> Iterator[SampleTable]:
    n = len(CAMPAIGNS)
    yield from batches("st_campaigns", "servicetitan", "id", pa.table({
        "id": [c[0] for c in CAMPAIGNS], "name": [c[1] for c in CAMPAIGNS],
        "category_id": [str(3100 + sorted({x[2] for x in CAMPAIGNS}).index(c[2]))
                        for c in CAMPAIGNS],
        "category": [c[2] for c in CAMPAIGNS], "active": [True] * n,
        "created_on": _changed(n), "modified_on": _changed(n)}))
