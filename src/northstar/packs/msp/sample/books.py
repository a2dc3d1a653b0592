"""The books: QuickBooks' Profit & Loss by month, one row per account and month, in the chart of
accounts of `reference/account_categories.csv` (income and expenses both positive, as the report
prints them). Managed services bill each client's seats and servers at its prices; the rest
follows the size of the company with some noise, product sales and projects in lumps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.msp.sample.calendar import Calendar
from northstar.packs.msp.sample.clients import Clients
from northstar.packs.msp.sample.service import BAD_MONTH
from northstar.packs.sample_arrays import Floats, batches, dates, money, stream

__all__ = ["Staff", "client_mrr", "plan_staff", "pnl_table"]

TECH_MONTH, ADMIN_MONTH = 9_000.0, 7_400.0
"""A technician's and an office employee's loaded monthly payroll, in the first year."""


@dataclass(frozen=True)
class Staff:
    technical: np.ndarray
    total: np.ndarray


def plan_staff(cal: Calendar, endpoints: np.ndarray) -> Staff:
    """One technician for every 185 endpoints or part of it, office staff half as many."""
    total_endpoints = endpoints.sum(axis=0)
    technical = np.maximum(1, np.ceil(total_endpoints / 185)).astype(np.int64)
    admin = np.maximum(2, np.round(technical * 0.5)).astype(np.int64)
    return Staff(technical, technical + admin)


def client_mrr(clients: Clients, seats: np.ndarray, servers: np.ndarray) -> Floats:
    """What each client's managed-services agreement bills a month, clients x months."""
    out: Floats = seats * clients.seat_price[:, None] + servers * clients.server_price[:, None]
    return out


def pnl_table(seed: int, cal: Calendar, clients: Clients, seats: np.ndarray,
              servers: np.ndarray, staff: Staff) -> Iterator[SampleTable]:
    rng = stream(seed, 6, 1)
    n = cal.n
    mrr = client_mrr(clients, seats, servers).sum(axis=0)
    active = (np.arange(n)[None, :] >= clients.joined[:, None]) & (
        np.arange(n)[None, :] < clients.left[:, None])
    backup = (clients.backup_price[:, None] * active).sum(axis=0)
    size = max(1.0, float(mrr[-1]) / 200_000)
    raise_ = 1.03 ** np.array([m.year - cal.months[0].year for m in cal.months])

    def noise(low: float, high: float) -> Floats:
        out: Floats = rng.uniform(low, high, n)
        return out

    def lumps(mean: float) -> Floats:
        """A share of MRR in lumps: most months some, about one in seven none."""
        out: Floats = rng.gamma(2.0, mean / 2.0, n) * (rng.random(n) < 0.85)
        return out

    q4 = np.array([1.4 if m.month in (10, 11, 12) else 0.9 if m.month in (1, 2) else 1.0
                   for m in cal.months])
    products = lumps(0.15) * mrr * q4
    recurring = mrr + mrr * 0.13 * noise(0.97, 1.03) + backup
    tech_pay = staff.technical * TECH_MONTH * raise_ * noise(0.98, 1.02)
    tech_pay[BAD_MONTH] *= 1.12  # overtime in the bad month
    lines = {
        "Managed Services": mrr,
        "Cloud & Licensing": mrr * 0.13 * noise(0.97, 1.03),
        "Backup & Security Subscriptions": backup,
        "Project Services": lumps(0.10) * mrr,
        "Time & Materials": mrr * 0.03 * noise(0.6, 1.4),
        "Hardware & Software Sales": products,
        "Cost of Goods Sold:Agreement Tools & Licences": recurring * 0.09 * noise(0.97, 1.03),
        "Cost of Goods Sold:Hardware & Software": products * noise(0.74, 0.82),
        "Payroll - Technical": tech_pay,
        "Payroll - Administrative & Sales": (staff.total - staff.technical) * ADMIN_MONTH
        * raise_ * noise(0.98, 1.02),
        "Rent": np.full(n, 9_500.0 * size) * raise_,
        "Insurance": np.full(n, 2_100.0 * size),
        "Software & Subscriptions": mrr * 0.05 * noise(0.95, 1.05),
        "Marketing": rng.uniform(3_000, 7_000, n) * size,
        "Professional Fees": np.where([m.month % 3 == 0 for m in cal.months], 3_500.0,
                                      600.0) * size,
        "Utilities & Telecom": 2_200.0 * size * noise(0.9, 1.1),
        "Travel & Vehicles": rng.uniform(1_500, 3_000, n) * size,
    }
    closed = cal.closed()  # the books of the month under way are not closed yet
    ids, months, accounts, cents = [], [], [], []
    for account, amounts in lines.items():
        for m in closed.tolist():
            value = round(float(amounts[m]) * 100)
            if value == 0:
                continue  # QuickBooks prints no row for an account without activity
            ids.append(f"PL-{cal.months[m]:%Y-%m}-{account}")
            months.append(int(cal.start_day[m]))
            accounts.append(account)
            cents.append(value)
    yield from batches("profit_and_loss", "quickbooks", "id", pa.table({
        "id": pa.array(ids, pa.string()), "month": dates(np.array(months, dtype=np.int64)),
        "account_number": pa.array([None] * len(ids), pa.string()),
        "account": pa.array(accounts, pa.string()),
        "amount": money(np.array(cents, dtype=np.int64))}))
