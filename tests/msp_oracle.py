"""Every MSP metric worked out in plain Python from the raw tables, by the words of
docs/msp.md and seed 002, never from the pack's SQL: the oracle the sample company is checked
against (tests/test_msp_sample.py).

`tables` maps a raw table's name to its rows (dicts, latest version of each record; timestamps
naive UTC as the ledger stores them). A period is '2025-03', '2025-Q2' or '2025', in the
company's timezone. A figure that cannot be worked out (a division by zero, a part not entered)
is None."""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

Rows = list[dict[str, Any]]
INCOME = ("mrr", "orr", "nrr", "product_sales")


def bounds(period: str) -> tuple[date, date, int]:
    """First day, the day after the last, and the number of months."""
    if "-Q" in period:
        year, q = int(period[:4]), int(period[-1])
        start = date(year, 3 * q - 2, 1)
        months = 3
    elif "-" in period:
        start = date(int(period[:4]), int(period[5:7]), 1)
        months = 1
    else:
        start, months = date(int(period), 1, 1), 12
    m = start.month - 1 + months
    return start, date(start.year + m // 12, m % 12 + 1, 1), months


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


class Oracle:
    def __init__(self, tables: dict[str, Rows], reference: Path, tz: str) -> None:
        self.t = tables
        self.zone = ZoneInfo(tz)
        self.reactive_boards = {r["board"] for r in _csv(reference / "boards.csv")
                                if r["reactive"] == "true"}
        classes = _csv(reference / "node_classes.csv")
        self.endpoint_classes = {r["node_class"] for r in classes if r["endpoint"] == "true"}
        self.seat_classes = {r["node_class"] for r in classes if r["seat"] == "true"}
        self.category = {r["account"]: r["category"]
                         for r in _csv(reference / "account_categories.csv")}
        self.reactive_ids = {t["id"] for t in tables["cw_tickets"]
                             if t["board"] in self.reactive_boards
                             and t["parent_ticket_id"] is None}

    def local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def end_instant(self, end: date) -> datetime:
        """The naive UTC instant of local midnight starting `end`."""
        local = datetime(end.year, end.month, end.day, tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    # -- the inputs ------------------------------------------------------------------------
    def tickets_created(self, lo: date, hi: date) -> Decimal:
        return Decimal(sum(1 for t in self.t["cw_tickets"] if t["id"] in self.reactive_ids
                           and lo <= self.local_day(t["date_entered"]) < hi))

    def tickets_closed(self, lo: date, hi: date) -> Decimal:
        return Decimal(sum(1 for t in self.t["cw_tickets"] if t["id"] in self.reactive_ids
                           and t["closed_flag"] and t["closed_date"] is not None
                           and lo <= self.local_day(t["closed_date"]) < hi))

    def hours(self, lo: date, hi: date, reactive: bool) -> Decimal:
        return sum((e["actual_hours"] for e in self.t["cw_time_entries"]
                    if e["charge_to_type"] == "ServiceTicket"
                    and (not reactive or e["charge_to_id"] in self.reactive_ids)
                    and lo <= self.local_day(e["date_entered"]) < hi), Decimal(0))

    def devices(self, hi: date, classes: set[str]) -> Decimal:
        end = self.end_instant(hi)
        return Decimal(sum(1 for d in self.t["ninja_devices"]
                           if d["approval_status"] == "APPROVED" and d["node_class"] in classes
                           and d["created"] < end
                           and (d["removed_at"] is None or d["removed_at"] >= end)))

    def pnl(self, lo: date, hi: date, *categories: str) -> Decimal | None:
        rows = [r for r in self.t["profit_and_loss"] if lo <= r["month"] < hi]
        if not rows:
            return None
        return sum((r["amount"] for r in rows if self.category.get(r["account"]) in categories),
                   Decimal(0))

    def input_flow(self, lo: date, hi: date, name: str) -> Decimal | None:
        values = [r["value"] for r in self.t["monthly_inputs"]
                  if r["input"] == name and lo <= r["month"] < hi]
        return sum(values, Decimal(0)) if values else None

    def input_level(self, lo: date, hi: date, name: str) -> Decimal | None:
        rows = sorted((r["month"], r["value"]) for r in self.t["monthly_inputs"]
                      if r["input"] == name and lo <= r["month"] < hi)
        return rows[-1][1] if rows else None

    def agreements(self, hi: date) -> Decimal:
        last = date.fromordinal(hi.toordinal() - 1)
        return Decimal(sum(1 for a in self.t["cw_agreements"]
                           if a["start_date"] < hi and not a["cancelled_flag"]
                           and (a["no_ending_date"] or (a["end_date"] is not None
                                                        and a["end_date"] >= last))))

    # -- every metric ----------------------------------------------------------------------
    def value(self, metric: str, period: str) -> Decimal | None:
        lo, hi, months = bounds(period)
        v: dict[str, Callable[[], Decimal | None]] = {}
        get = lambda name: v[name]()  # noqa: E731

        def div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
            return None if a is None or b is None or b == 0 else a / b

        def add(*parts: Decimal | None) -> Decimal | None:
            return None if any(p is None for p in parts) else sum(parts, Decimal(0))  # type: ignore[arg-type]

        v.update({
            "reactive_tickets_created": lambda: self.tickets_created(lo, hi),
            "reactive_tickets_closed": lambda: self.tickets_closed(lo, hi),
            "reactive_hours": lambda: self.hours(lo, hi, reactive=True),
            "service_hours": lambda: self.hours(lo, hi, reactive=False),
            "endpoints_managed": lambda: self.devices(hi, self.endpoint_classes),
            "seats_managed": lambda: self.devices(hi, self.seat_classes),
            "mrr": lambda: self.pnl(lo, hi, "mrr"),
            "orr": lambda: self.pnl(lo, hi, "orr"),
            "nonrecurring_revenue": lambda: self.pnl(lo, hi, "nrr"),
            "product_sales": lambda: self.pnl(lo, hi, "product_sales"),
            "total_revenue": lambda: self.pnl(lo, hi, *INCOME),
            "service_revenue": lambda: self.pnl(lo, hi, "mrr", "orr", "nrr"),
            "technical_payroll": lambda: self.pnl(lo, hi, "technical_payroll"),
            "non_technical_payroll": lambda: self.pnl(lo, hi, "non_technical_payroll"),
            "cogs_agreements": lambda: self.pnl(lo, hi, "cogs_agreements"),
            "cogs_products": lambda: self.pnl(lo, hi, "cogs_products"),
            "cogs": lambda: self.pnl(lo, hi, "cogs_agreements", "cogs_products"),
            "other_expenses": lambda: self.pnl(lo, hi, "other_expenses"),
            "total_expenses": lambda: self.pnl(lo, hi, "technical_payroll",
                                               "non_technical_payroll", "cogs_agreements",
                                               "cogs_products", "other_expenses"),
            "net_profit": lambda: add(get("total_revenue"),
                                      None if get("total_expenses") is None
                                      else -get("total_expenses")),  # type: ignore[operator]
            "employees_total": lambda: self.input_level(lo, hi, "employees_total"),
            "employees_technical": lambda: self.input_level(lo, hi, "employees_technical"),
            "agreements": lambda: self.agreements(hi),
            **{name: (lambda name=name: self.input_flow(lo, hi, name)) for name in (
                "telemarketing_dials", "first_time_appointments", "prospects_to_pbr",
                "new_agreements", "new_mrr", "lost_mrr")},
        })
        n = Decimal(months)
        smart: dict[str, Callable[[], Decimal | None]] = {
            "reactive_tickets_per_endpoint": lambda: div(div(get("reactive_tickets_created"), n),
                                                         get("endpoints_managed")),
            "reactive_hours_per_endpoint": lambda: div(div(get("reactive_hours"), n),
                                                       get("endpoints_managed")),
            "hours_per_ticket": lambda: div(get("reactive_hours"), get("reactive_tickets_closed")),
            "close_ratio": lambda: div(get("reactive_tickets_closed"),
                                       get("reactive_tickets_created")),
            "endpoints_per_technician": lambda: div(get("endpoints_managed"),
                                                    get("employees_technical")),
            "recurring_revenue_share": lambda: div(add(get("mrr"), get("orr")),
                                                   get("total_revenue")),
            "all_in_seat_price": lambda: div(div(add(get("mrr"), get("orr")), n),
                                             get("seats_managed")),
            "service_revenue_per_employee": lambda: div(
                div(None if get("service_revenue") is None else get("service_revenue") * 12, n),  # type: ignore[operator]
                get("employees_total")),
            "service_revenue_per_technician": lambda: div(
                div(None if get("service_revenue") is None else get("service_revenue") * 12, n),  # type: ignore[operator]
                get("employees_technical")),
            "technical_payroll_share": lambda: div(get("technical_payroll"), get("total_revenue")),
            "cogs_share": lambda: div(get("cogs"), get("total_revenue")),
            "effective_hourly_rate": lambda: div(get("mrr"), get("service_hours")),
            "net_profit_share": lambda: div(get("net_profit"), get("total_revenue")),
            "agreement_gross_margin": lambda: div(
                add(get("mrr"), get("orr"),
                    None if get("technical_payroll") is None else -get("technical_payroll"),  # type: ignore[operator]
                    None if get("cogs_agreements") is None else -get("cogs_agreements")),  # type: ignore[operator]
                add(get("mrr"), get("orr"))),
            "net_mrr_gain": lambda: add(get("new_mrr"), None if get("lost_mrr") is None
                                        else -get("lost_mrr")),  # type: ignore[operator]
            "mrr_churn": lambda: div(get("lost_mrr"), get("mrr")),
            "dials_per_appointment": lambda: div(get("telemarketing_dials"),
                                                 get("first_time_appointments")),
            "appointment_to_agreement_rate": lambda: div(get("new_agreements"),
                                                         get("first_time_appointments")),
        }
        v.update(smart)
        return v[metric]()


def rows_of(tables: dict[str, Any]) -> dict[str, Rows]:
    """Arrow tables (or lists of them) by name as rows, latest version by id."""
    out: dict[str, Rows] = {}
    for name, parts in tables.items():
        latest: dict[Any, dict[str, Any]] = {}
        for part in parts if isinstance(parts, list) else [parts]:
            for row in part.to_pylist():
                latest[row["id"]] = row
        out[name] = list(latest.values())
    return out
