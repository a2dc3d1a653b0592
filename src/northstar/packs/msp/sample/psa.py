"""The PSA's (ConnectWise Manage's) slow-moving lists: the three service boards, the client
companies (and Lakeside IT itself), one managed-services agreement per client, a backup
agreement for some, and the products billed on each agreement (its additions)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.msp.sample.calendar import Calendar
from northstar.packs.msp.sample.clients import Clients
from northstar.packs.sample_arrays import DAY_US, EPOCH, batches, money, stream, timestamps

__all__ = ["BOARDS", "agreements_tables", "boards_table", "companies_table"]

BOARDS = (("1", "Help Desk"), ("2", "Projects"), ("3", "Alerts"))
OWN_COMPANY = ("19250", "LakesideIT", "Lakeside IT")


def _day(cal: Calendar, m: int, offset: int = 0) -> date:
    return EPOCH + timedelta(days=int(cal.start_day[m]) + offset)


def boards_table(cal: Calendar) -> Iterator[SampleTable]:
    updated = timestamps(np.full(len(BOARDS), cal.start_day[0] * DAY_US, dtype=np.int64))
    yield from batches("cw_boards", "connectwise", "id", pa.table({
        "id": [b[0] for b in BOARDS], "name": [b[1] for b in BOARDS],
        "location": ["Chicago"] * 3, "department": ["Service", "Professional Services",
                                                   "Service"],
        "inactive": [False] * 3, "updated_at": updated}))


def companies_table(seed: int, cal: Calendar, clients: Clients) -> Iterator[SampleTable]:
    rng = stream(seed, 4, 1)
    since = np.where(clients.joined < 0,
                     cal.start_day[0] - rng.integers(30, 6 * 365, clients.n),
                     cal.start_day[np.maximum(clients.joined, 0)] - rng.integers(10, 60, clients.n))
    gone = clients.left < cal.n
    ids = [OWN_COMPANY[0], *clients.ids]
    entered = np.concatenate([[cal.start_day[0] - 9 * 365], since]) * DAY_US
    updated = np.where(np.concatenate([[False], gone]),
                       cal.start_day[np.minimum(np.concatenate([[0], clients.left]),
                                                cal.n - 1)] * DAY_US, entered)
    yield from batches("cw_companies", "connectwise", "id", pa.table({
        "id": ids,
        "identifier": [OWN_COMPANY[1], *["".join(w[0] for w in name.split()) + str(i)
                                         for i, name in enumerate(clients.names)]],
        "name": [OWN_COMPANY[2], *clients.names],
        "status": ["Active", *np.where(gone, "Inactive", "Active").tolist()],
        "type": ["Owner", *["Client"] * clients.n], "deleted": [False] * (clients.n + 1),
        "date_entered": timestamps(entered), "updated_at": timestamps(updated),
        "client_id": ids}))


def agreements_tables(seed: int, cal: Calendar, clients: Clients, seats: np.ndarray,
                      servers: np.ndarray) -> Iterator[SampleTable]:
    """Managed services (every client) and backup (some): in force from onboarding; a client
    that leaves ends its agreements on the last day before the month it left in. Additions bill
    the seats and servers at the end (or at leaving), at the client's prices."""
    rng = stream(seed, 4, 2)
    rows: list[dict[str, Any]] = []
    adds: list[dict[str, Any]] = []
    for c in range(clients.n):
        if clients.joined[c] < 0:
            start = _day(cal, 0, -int(rng.integers(60, 5 * 365)))
        else:
            start = _day(cal, int(clients.joined[c]))
        gone = clients.left[c] < cal.n
        end = _day(cal, int(clients.left[c]), -1) if gone else None
        last = int(min(clients.left[c], cal.n) - 1)
        kinds = [("MS", "Managed Services - Per Device")]
        if clients.backup_price[c] > 0:
            kinds.append(("BK", "Backup & BDR"))
        for code, kind in kinds:
            aid = f"{clients.ids[c]}{code}"
            price = (seats[c, last] * clients.seat_price[c] + servers[c, last]
                     * clients.server_price[c]) if code == "MS" else clients.backup_price[c]
            rows.append({
                "id": aid, "name": f"{clients.names[c]} - {kind}", "type": kind,
                "company_id": clients.ids[c], "start_date": start, "end_date": end,
                "cancelled_flag": False, "no_ending_date": not gone,
                "bill_amount": round(float(price) * 100), "billing_cycle": "Monthly",
                "updated_at": (end or start), "client_id": clients.ids[c]})
            lines = ([("SEAT", "Managed workstation", seats[c, last], clients.seat_price[c], 19),
                      ("SERVER", "Managed server", servers[c, last], clients.server_price[c], 38)]
                     if code == "MS" else
                     [("BDR", "Backup appliance and cloud retention", 1, clients.backup_price[c],
                       round(clients.backup_price[c] * 0.35))])
            for n, (product, text, qty, unit, cost) in enumerate(lines, 1):
                adds.append({
                    "id": f"{aid}-{n}", "agreement_id": aid, "product": product,
                    "description": text, "quantity": int(qty), "unit_price": int(unit * 100),
                    "unit_cost": int(cost * 100), "effective_date": start,
                    "cancelled_date": end, "bill_customer": "Billable",
                    "updated_at": (end or start)})
    if clients.n > 3:  # a client that cancelled an add-on agreement before it started
        c = int(np.argmax(clients.joined))
        rows.append({**rows[-1], "id": f"{clients.ids[c]}VO", "name":
                     f"{clients.names[c]} - VoIP", "type": "VoIP", "company_id": clients.ids[c],
                     "start_date": _day(cal, max(int(clients.joined[c]), 0), 14),
                     "end_date": None, "cancelled_flag": True, "no_ending_date": True,
                     "bill_amount": 45_000, "client_id": clients.ids[c]})
    yield from batches("cw_agreements", "connectwise", "id", _arrow(rows, {
        "id": pa.string(), "name": pa.string(), "type": pa.string(), "company_id": pa.string(),
        "start_date": pa.date32(), "end_date": pa.date32(), "cancelled_flag": pa.bool_(),
        "no_ending_date": pa.bool_(), "bill_amount": "money", "billing_cycle": pa.string(),
        "updated_at": "ts", "client_id": pa.string()}))
    yield from batches("cw_agreement_additions", "connectwise", "id", _arrow(adds, {
        "id": pa.string(), "agreement_id": pa.string(), "product": pa.string(),
        "description": pa.string(), "quantity": "qty", "unit_price": "money",
        "unit_cost": "money", "effective_date": pa.date32(), "cancelled_date": pa.date32(),
        "bill_customer": pa.string(), "updated_at": "ts"}))


def _arrow(rows: list[dict[str, Any]], types: dict[str, Any]) -> pa.Table:
    """The rows as a table of the contract's types ('money', 'qty', 'ts' or an Arrow type)."""
    cols: dict[str, pa.Array] = {}
    for name, kind in types.items():
        values = [r[name] for r in rows]
        if kind == "money":
            cols[name] = money(np.array(values, dtype=np.int64))
        elif kind == "qty":
            cols[name] = pa.array([Decimal(int(v)) for v in values], pa.decimal128(18, 4))
        elif kind == "ts":
            days = [(v - EPOCH).days for v in values]
            cols[name] = timestamps(np.array(days, dtype=np.int64) * DAY_US)
        else:
            cols[name] = pa.array(values, kind)
    return pa.table(cols)
