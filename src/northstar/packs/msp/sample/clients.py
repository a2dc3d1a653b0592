"""Lakeside IT's clients: who they are, when they joined or left, how many endpoints each has at
the end of every month (as planned; the RMM's devices are drawn to follow it) and what each
pays a seat and a server a month."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from northstar.packs.msp.sample.calendar import Calendar
from northstar.packs.sample_arrays import Floats, Ints, stream

__all__ = ["CLIENT_NAMES", "Clients", "plan_clients"]

CLIENT_NAMES = (
    "Harbor Dental Group", "Prairie Logistics", "North Shore Orthopedics", "Wicker Park Law",
    "Midway Freight Brokers", "Lakeview Family Medicine", "Oak Brook Wealth Partners",
    "Fulton Market Architects", "Des Plaines Tool & Die", "Evanston Pediatrics",
    "Naperville Insurance Agency", "Riverside Veterinary Clinic", "Loop Accounting Associates",
    "Skokie Plumbing Supply", "Hyde Park Montessori", "Schaumburg Auto Group",
    "Elmhurst Physical Therapy", "Gold Coast Realty", "Cicero Precision Machining",
    "Lincoln Square Bakery Co", "Joliet Title & Escrow", "Aurora Community Credit Union",
    "Bridgeport Engineering", "West Loop Marketing", "Oak Park Eye Care", "Arlington Roofing",
    "Lombard Dermatology", "Pilsen Printing Works", "Highland Park Counseling",
    "Glenview Property Management", "Wheaton Chiropractic", "Rogers Park Nonprofit Alliance",
    "Downers Grove HVAC", "Palatine Dental Studio", "Berwyn Electric Supply",
    "Logan Square Coworking", "Tinley Park Orthodontics", "Hinsdale Financial Planning",
    "Bolingbrook Distribution", "Streeterville Legal Group",
)
ENDPOINTS_PER_ROW = 1 / 46.0
"""Endpoints at the end per ledger row over three years (about 1.4 rows per endpoint-month
from tickets and time, plus the devices, the P&L and the rest)."""


@dataclass(frozen=True)
class Clients:
    n: int
    ids: list[str]
    """ConnectWise company ids."""
    org_ids: list[str]
    """NinjaOne organisation ids."""
    names: list[str]
    joined: Ints
    """Month index the client was onboarded in (-1: a client from before the history)."""
    left: Ints
    """Month index the client left in (its agreement ended the day before); n: still a client."""
    endpoints: Floats
    """Planned endpoints at each month's end, clients x months (0 when not a client)."""
    seat_price: Floats
    server_price: Floats
    backup_price: Floats
    """A month's backup agreement, 0 for a client without one."""
    ticket_rate: Floats
    """How much more (or less) often than the average each client's users open a ticket."""


def plan_clients(seed: int, cal: Calendar, rows: int) -> Clients:
    rng = stream(seed, 2, 1)
    scale = max(60.0, rows * ENDPOINTS_PER_ROW)  # endpoints at the end
    n = int(np.clip(round(scale / 62), 8, len(CLIENT_NAMES)))
    m = cal.n
    # sizes at the end: a few large clients and many small ones
    size = rng.lognormal(0.0, 0.8, n)
    size = np.maximum(1.0, size / size.sum() * scale)
    # the last six clients joined during the history, four others leave during it
    joined = np.full(n, -1, dtype=np.int64)
    new = max(1, n * 6 // 40)
    joined[n - new:] = np.sort(rng.choice(np.arange(2, m - 1), size=new, replace=m - 3 < new))
    left = np.full(n, m, dtype=np.int64)
    leaving = max(1, n // 10)
    leavers = rng.choice(np.arange(1, n - new), size=leaving, replace=False)
    left[leavers] = np.sort(rng.choice(np.arange(4, m - 1), size=leaving, replace=m - 5 < leaving))
    growth = rng.uniform(0.0, 0.012, n)  # a month
    month = np.arange(m, dtype=np.float64)
    # planned endpoints: grow towards the size at the end (or at leaving)
    last = np.minimum(left, m) - 1
    endpoints = size[:, None] * (1 + growth[:, None]) ** (month[None, :] - last[:, None])
    active = (month[None, :] >= joined[:, None]) & (month[None, :] < left[:, None])
    endpoints = np.where(active, np.maximum(1.0, endpoints), 0.0)
    backup = np.where(rng.random(n) < 0.4, np.round(rng.uniform(250, 1200, n), -1), 0.0)
    return Clients(
        n=n, ids=[str(19_300 + i * 7) for i in range(n)],
        org_ids=[str(100 + i) for i in range(n)], names=list(CLIENT_NAMES[:n]),
        joined=joined, left=left, endpoints=endpoints,
        seat_price=np.round(rng.uniform(70, 95, n)),
        server_price=np.round(rng.uniform(120, 180, n)),
        backup_price=backup, ticket_rate=rng.lognormal(0.0, 0.3, n))
