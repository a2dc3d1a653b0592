"""The agency pack's money and marketing metrics worked out in plain Python from the sample
company's raw rows, by the words of docs/agency.md ("Money and marketing"), never through the
pack's SQL: the oracle tests/test_agency_money.py checks the sample company against.

`rows_of` takes the generator's batches and keeps, per table and id, Stripe's version of a
charge GoHighLevel reports again and GoHighLevel's of a deal the closers' tracker reports again
(the pack's field ownership), else the latest. A period is
'2025-03', '2025-Q2' or '2025' in the company's timezone; `today` is the local day the values
are for (the period under way is measured to it). A figure that cannot be worked out (a
division by zero, nothing entered, no rows) is None."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

Rows = list[dict[str, Any]]
OWNERS = {"stripe_charges": "stripe", "ghl_opportunities": "gohighlevel"}
"""Raw tables whose owner's version of a record wins over any other source's."""


def rows_of(batches: Iterable[Any]) -> dict[str, Rows]:
    """Each table's records (latest version by id; the owner's version first)."""
    latest: dict[str, dict[Any, tuple[bool, dict[str, Any]]]] = {}
    for b in batches:
        owned = OWNERS.get(b.name)
        table = latest.setdefault(b.name, {})
        for row in b.data.to_pylist():
            mine = owned is None or b.source == owned
            held = table.get(row[b.id_column])
            if held is None or mine or not held[0]:
                table[row[b.id_column]] = (mine, row)
    return {name: [row for _, row in t.values()] for name, t in latest.items()}


def bounds(period: str) -> tuple[date, date]:
    """First day and the day after the last."""
    if "-Q" in period:
        start, months = date(int(period[:4]), 3 * int(period[-1]) - 2, 1), 3
    elif "-" in period:
        start, months = date(int(period[:4]), int(period[5:7]), 1), 1
    else:
        start, months = date(int(period), 1, 1), 12
    m = start.month - 1 + months
    return start, date(start.year + m // 12, m % 12 + 1, 1)


def _div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None or b == 0 else a / b


class MoneyOracle:
    def __init__(self, tables: dict[str, Rows], tz: str, today: date) -> None:
        self.t = tables
        self.zone = ZoneInfo(tz)
        self.today = today

    def local_day(self, moment: datetime) -> date:
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def _sum(self, values: list[Decimal], open_: bool) -> Decimal | None:
        """A sum over no rows is no value for a closed period, 0 so far for the open one."""
        if values:
            return sum(values, Decimal(0))
        return Decimal(0) if open_ else None

    # -- the inputs, each a list of the period's amounts ----------------------------------
    def _ads(self, lo: date, hi: date) -> tuple[Rows, Rows]:
        meta = [r for r in self.t.get("meta_campaign_insights", []) if lo <= r["date"] < hi]
        gads = [r for r in self.t.get("gads_campaign_stats", []) if lo <= r["date"] < hi]
        return meta, gads

    def _cash(self, lo: date, hi: date) -> dict[str, list[Decimal]]:
        def inside(r: dict[str, Any]) -> bool:
            return lo <= self.local_day(r["created"]) < hi

        charges = [r["amount_captured"] for r in self.t.get("stripe_charges", [])
                   if r["status"] == "succeeded" and inside(r)]
        refunds = [r["amount"] for r in self.t.get("stripe_refunds", [])
                   if (r["status"] or "succeeded") not in ("failed", "canceled") and inside(r)]
        disputes = [r["amount"] for r in self.t.get("stripe_disputes", [])
                    if r["status"] != "won" and not (r["status"] or "").startswith("warning")
                    and inside(r)]
        return {"charges": charges, "refunds": refunds, "disputes": disputes}

    def _finance(self, item: str, lo: date, hi: date) -> list[Decimal]:
        return [r["value"] for r in self.t.get("finance_snapshots", [])
                if r["item"].strip().lower() == item and lo <= r["month"] < hi]

    def value(self, metric: str, period: str) -> Decimal | None:
        lo, hi = bounds(period)
        open_ = lo <= self.today < hi
        meta, gads = self._ads(lo, hi)
        cash = self._cash(lo, hi)

        def total(values: list[Any]) -> Decimal | None:
            return self._sum([Decimal(v) for v in values], open_)

        def ebitda() -> Decimal | None:
            return None if open_ else total(self._finance("ebitda", lo, hi))

        def net_cash() -> Decimal | None:
            return total([*cash["charges"], *(-v for v in cash["refunds"]),
                          *(-v for v in cash["disputes"])])

        def revenue_vs_plan() -> Decimal | None:
            # a query: its sums of no rows are null, open period or not
            moved = [*cash["charges"], *(-v for v in cash["refunds"]),
                     *(-v for v in cash["disputes"])]
            plans = self._finance("cash_plan", lo, hi)
            net = sum(moved, Decimal(0)) if moved else None
            plan = sum(plans, Decimal(0)) if plans else None
            if plan is not None and open_:  # the plan to date: the days gone, today included
                plan = plan * min(Decimal(1), Decimal((self.today - lo).days + 1)
                                  / Decimal((hi - lo).days))
            return _div(net, plan)

        video = [r for r in meta if (r["video_plays"] or 0) > 0 or (r["video_3s_views"] or 0) > 0]
        get: dict[str, Callable[[], Decimal | None]] = {
            "ad_spend": lambda: total([r["spend"] for r in meta] + [r["cost"] for r in gads]),
            "impressions": lambda: total([r["impressions"] for r in meta + gads]),
            "video_impressions": lambda: total([r["impressions"] for r in video]),
            "three_second_views": lambda: total([r["video_3s_views"] for r in meta]),
            "thruplays": lambda: total([r["thruplays"] for r in meta]),
            "gross_charges": lambda: total(cash["charges"]),
            "refunds": lambda: total(cash["refunds"]),
            "chargebacks": lambda: total(cash["disputes"]),
            "net_cash": net_cash,
            "ebitda": ebitda,
            "cash_plan": lambda: total(self._finance("cash_plan", lo, hi)),
            "revenue_vs_plan": revenue_vs_plan,
        }
        ratios = {"hook_rate": ("three_second_views", "video_impressions"),
                  "hold_rate": ("thruplays", "three_second_views"),
                  "mer": ("net_cash", "ad_spend"), "ebitda_margin": ("ebitda", "net_cash")}
        if metric in ratios:
            top, bottom = ratios[metric]
            return _div(get[top](), get[bottom]())
        return get[metric]()
