"""The clients: the ones the agency already had when the history starts, and one for every won
deal. Each pays a monthly retainer (MRR) that now and then steps up or down, has a health score
its success manager updates every month, reaches its first lead a few weeks after onboarding,
perhaps passes $100k in revenue months later, and may churn (sooner when its health is low).
The delivery team's file has one row per client and month: the month's MRR and health, and the
milestones reached by then."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.agency.sample.calendar import Calendar
from northstar.packs.agency.sample.marketing import Source
from northstar.packs.agency.sample.pipeline import CLOSERS, Deal
from northstar.packs.sample_arrays import batches, dates, money, stream

__all__ = ["CSMS", "Client", "client_table", "plan_clients"]

CSMS = ("hannah_lee", "marcus_bell", "tessa_grant")
"""The client-success managers (`owner_id` of a client's rows)."""
RETAINERS = (1_500, 2_000, 2_500, 3_000, 3_500)
WORDS = ("Peak", "Harbor", "Summit", "Cedar", "Granite", "Bluebird", "Ironwood", "Maple",
         "Copper", "Northway", "Riverstone", "Aspen", "Lantern", "Meridian", "Sterling")
TRADES = ("Roofing", "Dental", "Fitness", "Law", "HVAC", "Realty", "Med Spa", "Coaching",
          "Landscaping", "Plumbing", "Chiropractic", "Solar")
BASE_CLIENTS = 35
"""Clients when the history starts, at the default size."""


@dataclass
class Client:
    id: str
    name: str
    onboarded: int
    """Epoch day."""
    csm: str
    closer: str
    source: Source
    mrr: dict[int, int] = field(default_factory=dict)
    """Retainer in cents by history month (only months it was a client in)."""
    health: dict[int, int] = field(default_factory=dict)
    churned: int | None = None
    first_lead: int | None = None
    hit_100k: int | None = None
    deal: Deal | None = None


def _day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def plan_clients(seed: int, cal: Calendar, deals: list[Deal], sources: tuple[Source, ...],
                 scale: float) -> list[Client]:
    rng = stream(seed, 3, 1)
    clients: list[Client] = []
    base = max(3, round(BASE_CLIENTS * scale))
    for k in range(base):
        onboarded = cal.first_day - int(rng.integers(30, 720))
        clients.append(Client("", "", onboarded, "", CLOSERS[k % len(CLOSERS)],
                              sources[k % len(sources)]))
    for deal in deals:
        clients.append(Client("", "", cal.local_day(deal.won_us) + int(rng.integers(3, 11)), "",
                              deal.closer, deal.source, deal=deal))
    clients = [c for c in clients if c.onboarded <= cal.last_day]
    for n, c in enumerate(clients):
        c.id = f"cl{n + 1:04d}"
        c.name = (f"{WORDS[int(rng.integers(len(WORDS)))]} "
                  f"{TRADES[int(rng.integers(len(TRADES)))]} {'Co' if n % 3 else 'Group'}")
        c.csm = CSMS[n % len(CSMS)]
        _life(rng, cal, c)
    return clients


def _life(rng: np.random.Generator, cal: Calendar, c: Client) -> None:
    """Month by month from the later of onboarding and the history's start: MRR, health, the
    milestones and churn."""
    first_lead = c.onboarded + 3 + round(rng.lognormal(np.log(18), 0.5))
    to_100k = c.onboarded + round(rng.lognormal(np.log(270), 0.45))
    reaches = rng.random() < 0.75
    mrr = int(rng.choice(RETAINERS)) * 100
    health = int(np.clip(rng.normal(76, 9), 35, 100))
    start = max(0, cal.month_index(c.onboarded))
    for m in range(start, len(cal.months)):
        if m > start:
            draw = rng.random()
            if draw < 0.035:
                mrr += 50_000
            elif draw < 0.05 and mrr > 150_000:
                mrr -= 50_000
            health = int(np.clip(health + rng.normal(0, 6), 10, 100))
        c.mrr[m], c.health[m] = mrr, health
        month_start, month_end = _day(cal.months[m]), _next(cal, m) - 1
        risk = 0.02 + (0.06 if health < 55 else 0.0) + (
            0.03 if first_lead > month_end and month_start - c.onboarded > 60 else 0.0)
        if month_start > c.onboarded + 45 and rng.random() < risk:
            day = month_start + int(rng.integers(0, month_end - month_start + 1))
            if day <= cal.last_day:
                c.churned = day
                break
    stop = min(cal.last_day, c.churned if c.churned is not None else cal.last_day)
    c.first_lead = first_lead if first_lead <= stop else None
    c.hit_100k = to_100k if reaches and to_100k <= stop else None


def _next(cal: Calendar, m: int) -> int:
    d = cal.months[m]
    return _day(date(d.year + (d.month == 12), d.month % 12 + 1, 1))


def client_table(cal: Calendar, clients: list[Client]) -> Iterator[SampleTable]:
    """One row per client and month it was a client in: what the delivery file says at the
    month's end (or on `end`, for the month under way)."""
    cols: dict[str, list[object]] = {k: [] for k in (
        "id", "client_id", "client_name", "month", "mrr", "health_score", "onboarded_on",
        "first_lead_on", "hit_100k_on", "churned_on", "owner_id", "source_funnel")}
    for c in clients:
        for m, mrr in c.mrr.items():
            upto = min(_next(cal, m) - 1, cal.last_day)

            def known(day: int | None, upto: int = upto) -> int | None:
                return day if day is not None and day <= upto else None

            for k, v in (("id", f"{c.id}:{cal.months[m]:%Y-%m}"), ("client_id", c.id),
                         ("client_name", c.name), ("month", _day(cal.months[m])), ("mrr", mrr),
                         ("health_score", c.health[m]), ("onboarded_on", c.onboarded),
                         ("first_lead_on", known(c.first_lead)),
                         ("hit_100k_on", known(c.hit_100k)),
                         ("churned_on", known(c.churned)), ("owner_id", c.csm),
                         ("source_funnel", c.source.funnel)):
                cols[k].append(v)
    n = len(cols["id"])

    def day_col(name: str) -> pa.Array:
        return pa.array(cols[name], pa.int32()).cast(pa.date32())

    yield from batches("client_snapshots", "delivery", "id", pa.table({
        "id": pa.array(cols["id"], pa.string()),
        "client_id": pa.array(cols["client_id"], pa.string()),
        "client_name": pa.array(cols["client_name"], pa.string()),
        "month": dates(np.array(cols["month"], dtype=np.int64)),
        "mrr": money(np.array(cols["mrr"], dtype=np.int64)),
        "health_score": pa.array(cols["health_score"], pa.int64()),
        "onboarded_on": day_col("onboarded_on"), "first_lead_on": day_col("first_lead_on"),
        "hit_100k_on": day_col("hit_100k_on"), "churned_on": day_col("churned_on"),
        "department": pa.array(["client_success"] * n, pa.string()),
        "owner_id": pa.array(cols["owner_id"], pa.string()),
        "source_funnel": pa.array(cols["source_funnel"], pa.string())}))
