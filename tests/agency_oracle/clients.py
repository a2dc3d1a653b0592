"""The agency pack's client-success, program-delivery and operations metrics worked out in
plain Python from the raw rows, by the words of docs/agency.md ("Clients and operations"),
never from the pack's SQL: the oracle the sample company is checked against
(tests/test_agency_clients.py).

Where the pack keeps a book of changes (onboarded +1, churned -1, each month's change of MRR)
and sums them, this oracle looks at the state: at a moment, which clients are active and what
their latest month says. `tables` maps a raw table's name to its rows (dicts, latest version of
each record). A period is '2025-03', '2025-Q2', '2025' or '2025-W07'; a figure that cannot be
worked out (nothing to divide by) is None."""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

Rows = list[dict[str, Any]]
DAYS_PER_MONTH = Decimal("30.4375")


def bounds(period: str) -> tuple[date, date, Decimal]:
    """First day, the day after the last, and the period's length in months."""
    if "-W" in period:
        start = date.fromisocalendar(int(period[:4]), int(period[6:]), 1)
        return start, start + timedelta(days=7), Decimal(7) / DAYS_PER_MONTH
    if "-Q" in period:
        start, months = date(int(period[:4]), 3 * int(period[-1]) - 2, 1), 3
    elif "-" in period:
        start, months = date(int(period[:4]), int(period[5:7]), 1), 1
    else:
        start, months = date(int(period), 1, 1), 12
    m = start.month - 1 + months
    return start, date(start.year + m // 12, m % 12 + 1, 1), Decimal(months)


def year_before(period: str) -> str:
    return f"{int(period[:4]) - 1}{period[4:]}"


def _div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None or b == 0 else a / b


class ClientsOracle:
    def __init__(self, tables: dict[str, Rows]) -> None:
        self.months: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in tables["client_snapshots"]:
            self.months[row["client_id"]].append(row)
        for rows in self.months.values():
            rows.sort(key=lambda r: r["month"])
        # a client's milestones: what its newest month says
        self.clients = {cid: rows[-1] for cid, rows in self.months.items()}
        self.runs = tables["automation_runs"]

    # -- a moment: the day after a period's last ---------------------------------------------
    def active(self, at: date) -> list[str]:
        """Clients onboarded before `at` and not churned before it."""
        return [cid for cid, c in self.clients.items() if c["onboarded_on"] < at
                and (c["churned_on"] is None or c["churned_on"] >= at)]

    def latest(self, cid: str, at: date) -> dict[str, Any] | None:
        """The client's last month begun before `at` (none before the file starts)."""
        rows = [r for r in self.months[cid] if r["month"] < at]
        return rows[-1] if rows else None

    def book(self, at: date, field: str, clients: list[str] | None = None) -> Decimal:
        """`field` (mrr or health_score) of the active clients' latest months, added up."""
        total = Decimal(0)
        for cid in self.active(at) if clients is None else clients:
            row = self.latest(cid, at)
            if row is not None and cid in self.active(at):
                total += Decimal(row[field])
        return total

    # -- every metric -----------------------------------------------------------------------
    def value(self, metric: str, period: str) -> Decimal | None:
        lo, hi, months = bounds(period)
        active = Decimal(len(self.active(hi)))
        new = Decimal(sum(lo <= c["onboarded_on"] < hi for c in self.clients.values()))
        lost = Decimal(sum(c["churned_on"] is not None and lo <= c["churned_on"] < hi
                           for c in self.clients.values()))
        past = Decimal(sum(self.clients[cid]["hit_100k_on"] is not None
                           and self.clients[cid]["hit_100k_on"] < hi
                           for cid in self.active(hi)))
        if metric == "active_clients":
            return active
        if metric == "mrr":
            return self.book(hi, "mrr")
        if metric == "new_clients":
            return new
        if metric == "clients_lost":
            return lost
        if metric == "health_score_total":
            return self.book(hi, "health_score")
        if metric == "clients_past_100k":
            return past
        if metric == "client_health":
            return _div(self.book(hi, "health_score"), active)
        if metric == "share_past_100k":
            return _div(past, active)
        if metric == "client_churn":  # lost over the clients at the start, per month
            at_start = Decimal(len(self.active(lo)))
            return _div(_div(lost, months), at_start)
        if metric == "nrr":
            _, then, _ = bounds(year_before(period))
            cohort = self.active(then)
            before = sum((Decimal(r["mrr"]) for cid in cohort
                          if (r := self.latest(cid, then)) is not None), Decimal(0))
            return _div(self.book(hi, "mrr", cohort), before)
        if metric == "median_days_to_first_lead":
            days = [(c["first_lead_on"] - c["onboarded_on"]).days for c in self.clients.values()
                    if c["first_lead_on"] is not None and lo <= c["first_lead_on"] < hi]
            return Decimal(str(statistics.median(days))) if days else None
        if metric == "automation_success":
            rows = [r for r in self.runs if lo <= r["date"] < hi]
            return _div(Decimal(sum(r["succeeded"] for r in rows)),
                        Decimal(sum(r["runs"] for r in rows)))
        raise KeyError(metric)
