"""Every field-service KPI worked out in plain Python from ServiceTitan's raw tables, by the words
of docs/field-service.md and seed 003, never from the pack's SQL: the oracle the sample company
is checked against (tests/test_field_service_sample.py).

`tables` maps a raw table's name to its rows (dicts, the latest version of each record;
timestamps naive UTC as the ledger stores them). A period is '2025-03-14', '2025-03',
'2025-Q2' or '2025', in the company's timezone. `value(metric, period)` is the company's figure,
`by_unit(metric, period)` the figure of every business unit (as reported: the retired units
folded in) that has one. A figure that cannot be worked out (nothing to divide by, no rows) is
None; a balance with nothing before the period's end is 0."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

Rows = list[dict[str, Any]]
Value = Decimal | None
ZERO = Decimal(0)


def bounds(period: str) -> tuple[date, date]:
    """The period's first local day and the day after its last."""
    if len(period) == 10:
        first = date.fromisoformat(period)
        return first, first + timedelta(days=1)
    if "-Q" in period:
        year, q = int(period[:4]), int(period[-1])
        first, months = date(year, 3 * q - 2, 1), 3
    elif "-" in period:
        first, months = date(int(period[:4]), int(period[5:7]), 1), 1
    else:
        first, months = date(int(period), 1, 1), 12
    m = first.month - 1 + months
    return first, date(first.year + m // 12, m % 12 + 1, 1)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _live(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("active") is not False]


class Oracle:
    def __init__(self, tables: dict[str, Rows], reference: Path, tz: str) -> None:
        self.zone = ZoneInfo(tz)
        units = {r["business_unit"]: r for r in _csv(reference / "business_units.csv")}
        categories = {r["job_type"]: r["category"] for r in _csv(reference / "job_types.csv")}
        # a unit id -> (reported as, sales or production); unmapped units have neither
        self.unit: dict[str, tuple[str | None, str | None]] = {}
        for u in tables["st_business_units"]:
            m = units.get(u["name"])
            self.unit[u["id"]] = (m["reported_as"], m["department"]) if m else (None, None)
        self.category = {t["id"]: categories.get(t["name"]) for t in tables["st_job_types"]}
        starts = {a["id"]: a["start"] for a in tables["st_appointments"]}
        self.invoices = {i["id"]: i for i in _live(tables["st_invoices"])}
        self.jobs = {j["id"]: j for j in _live(tables["st_jobs"])}
        self._rows_estimates = _live(tables["st_estimates"])
        materials: dict[str, Decimal] = defaultdict(Decimal)
        for item in _live(tables["st_invoice_items"]):
            materials[item["invoice_id"]] += item["total_cost"] or ZERO
        labour: dict[str, Decimal] = defaultdict(Decimal)
        for g in _live(tables["st_gross_pay_items"]):
            labour[g["job_id"]] += (g["amount"] or ZERO) + (g["amount_adjustment"] or ZERO)
        self.job: dict[str, dict[str, Any]] = {}
        for j in self.jobs.values():
            invoice = self.invoices.get(j["invoice_id"])
            revenue = invoice["sub_total"] if invoice else j["total"]
            team, side = self.unit.get(j["business_unit_id"], (None, None))
            cost = (materials[invoice["id"]] if invoice else ZERO) + labour[j["id"]]
            self.job[j["id"]] = {
                "team": team, "side": side, "category": self.category.get(j["job_type_id"]),
                "created": j["created_on"], "start": starts.get(j["first_appointment_id"]),
                "canceled": j["job_status"] == "Canceled", "revenue": revenue, "cost": cost}
        # payments: each amount applied to an invoice in that invoice's unit (through its job),
        # the rest of a payment in the payment's own unit
        self.parts: list[tuple[datetime, Decimal, str | None, str | None, bool]] = []
        applications: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for a in tables["st_payment_applications"]:
            applications[a["payment_id"]].append(a)
        for p in _live(tables["st_payments"]):
            own = self.unit.get(p["business_unit_id"], (None, None))
            applied = ZERO
            for a in applications[p["id"]]:
                applied += a["amount"]
                invoice = self.invoices.get(a["invoice_id"])
                where = self.invoice_unit(invoice) if invoice else own
                self.parts.append((p["paid_on"], a["amount"], *where, invoice is not None))
            if p["total"] - applied != 0:
                self.parts.append((p["paid_on"], p["total"] - applied, *own, False))

    def invoice_unit(self, invoice: dict[str, Any]) -> tuple[str | None, str | None]:
        job = self.jobs.get(invoice["job_id"])
        unit = job["business_unit_id"] if job else invoice["business_unit_id"]
        return self.unit.get(unit, (None, None))

    def local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def instant(self, d: date) -> datetime:
        """The naive UTC instant of local midnight starting day `d`."""
        local = datetime(d.year, d.month, d.day, tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    # -- flows: rows whose local day is in the period, summed by unit ---------------------
    def _flow(self, period: str, rows: Iterable[tuple[datetime | None, Decimal, str | None]],
              ) -> dict[str | None, Decimal]:
        lo, hi = bounds(period)
        out: dict[str | None, Decimal] = {}
        for when, amount, team in rows:
            if when is not None and lo <= self.local_day(when) < hi:
                out[team] = out.get(team, ZERO) + (amount or ZERO)
        return out

    def _balance(self, period: str, rows: Iterable[tuple[datetime | None, Decimal, str | None]],
                 ) -> dict[str | None, Decimal]:
        end = self.instant(bounds(period)[1])
        out: dict[str | None, Decimal] = {}
        for when, amount, team in rows:
            if when is not None and when < end:
                out[team] = out.get(team, ZERO) + (amount or ZERO)
        return out

    def _jobs(self, category: str | tuple[str, ...], side: str) -> list[dict[str, Any]]:
        wanted = (category,) if isinstance(category, str) else category
        return [j for j in self.job.values() if j["category"] in wanted and j["side"] == side]

    @property
    def _events(self) -> tuple[list[Any], list[Any], list[Any]]:
        if not hasattr(self, "_sales_events"):
            presented, sold, booked = [], [], []
            for e in self._estimates:
                presented.append((e["created_on"], Decimal(1), e["team"]))
                sold.append((e["created_on"], ZERO, e["team"]))
                booked.append((e["created_on"], ZERO, e["team"]))
                if e["status"] == "Sold" and e["sold_on"] is not None:
                    presented.append((e["sold_on"], ZERO, e["team"]))
                    sold.append((e["sold_on"], Decimal(1), e["team"]))
                    booked.append((e["sold_on"], e["subtotal"], e["team"]))
            self._sales_events = (presented, sold, booked)
        return self._sales_events

    # -- the metrics ------------------------------------------------------------------------
    def inputs(self, name: str, period: str) -> dict[str | None, Decimal]:
        if name == "leads":
            return self._flow(period, ((j["created"], Decimal(1), j["team"])
                                       for j in self._jobs("estimate", "sales")))
        if name in ("estimates", "estimates_sold", "total_booked"):
            which = ("estimates", "estimates_sold", "total_booked").index(name)
            return self._flow(period, self._events[which])
        work = [j for j in self._jobs(("production", "warranty"), "production")
                if not j["canceled"]]
        if name == "dollars_produced":
            return self._flow(period, ((j["start"], j["revenue"], j["team"]) for j in work
                                       if j["category"] == "production"))
        if name == "job_costs":
            return self._flow(period, ((j["start"], j["cost"], j["team"]) for j in work
                                       if j["category"] == "production"))
        if name == "warranty_costs":
            return self._flow(period, ((j["start"], j["cost"] if j["category"] == "warranty"
                                        else ZERO, j["team"]) for j in work))
        if name == "dollars_collected":
            return self._flow(period, ((p[0], p[1], p[2]) for p in self.parts))
        if name == "ar_billed":
            end = bounds(period)[1]
            out: dict[str | None, Decimal] = {}
            for i in self.invoices.values():
                if i["invoice_date"] is not None and i["invoice_date"] < end:
                    team = self.invoice_unit(i)[0]
                    out[team] = out.get(team, ZERO) + i["total"]
            return out
        if name == "ar_paid":
            return self._balance(period, ((p[0], p[1], p[2]) for p in self.parts if p[4]))
        if name == "future_bookings":
            rows: list[tuple[datetime | None, Decimal, str | None]] = []
            for j in work:
                if j["category"] != "production":
                    continue
                rows.append((j["created"], j["revenue"], j["team"]))
                if j["start"] is not None:
                    rows.append((max(j["start"], j["created"]), -(j["revenue"] or ZERO),
                                 j["team"]))
            return self._balance(period, rows)
        raise KeyError(name)

    RATIOS: dict[str, tuple[tuple[str, ...], Callable[..., Value]]] = {
        "close_rate": (("estimates_sold", "estimates"), lambda s, e: _div(s, e)),
        "gross_margin": (("dollars_produced", "job_costs"),
                         lambda p, c: None if p is None or c is None else _div(p - c, p)),
        "warranty_share": (("warranty_costs", "dollars_produced"), lambda w, p: _div(w, p)),
        "outstanding_ar": (("ar_billed", "ar_paid"), lambda b, p: b - p),
    }
    COUNTS = frozenset({"leads"})
    """Metrics that count things (leads): 0 for a period with none, not "no data"."""
    BALANCES = ("ar_billed", "ar_paid", "future_bookings")

    def by_unit(self, name: str, period: str) -> dict[str | None, Value]:
        if name in self.RATIOS:
            parts, f = self.RATIOS[name]
            found = [self.by_unit(p, period) for p in parts]
            teams = {t for part in found for t in part}
            empty = [ZERO if p in self.BALANCES else None for p in parts]
            return {t: f(*(part.get(t, e) for part, e in zip(found, empty, strict=True)))
                    for t in teams}
        return dict(self.inputs(name, period))

    def value(self, name: str, period: str) -> Value:
        if name in self.RATIOS:
            parts, f = self.RATIOS[name]
            return f(*(self.value(p, period) for p in parts))
        found = self.inputs(name, period)
        if not found:  # a count of nothing is 0 (seed 004: no new leads is a fact), a balance too
            return ZERO if name in self.BALANCES or name in self.COUNTS else None
        return sum(found.values(), ZERO)

    # -- what the estimates count -------------------------------------------------------------
    @property
    def _estimates(self) -> list[dict[str, Any]]:
        if not hasattr(self, "_counted"):
            self._counted = []
            for e in self._rows_estimates:
                job = self.job.get(e["job_id"])
                unit = e["business_unit_id"] or (self.jobs[e["job_id"]]["business_unit_id"]
                                                 if job else None)
                team, side = self.unit.get(unit, (None, None)) if unit else (None, None)
                if (job is None or job["category"] != "estimate" or side != "sales"
                        or e["is_change_order"]):
                    continue
                self._counted.append({**e, "team": team})
        return self._counted


def _div(a: Value, b: Value) -> Value:
    if a is None or b is None or b == 0:
        return None
    return a / b


def rows_of(tables: dict[str, list[Any]]) -> dict[str, Rows]:
    """The generator's Arrow batches as rows, the latest version of each id."""
    out: dict[str, Rows] = {}
    for name, parts in tables.items():
        latest: dict[Any, dict[str, Any]] = {}
        for part in parts:
            for row in part.to_pylist():
                latest[row["id"]] = row
        out[name] = list(latest.values())
    return out

