"""The agency pack's sales metrics worked out in plain Python from the raw rows, by the words of
docs/agency.md ("Sales"), never through the pack's SQL: the oracle tests/test_agency_sales.py
checks the sample company against.

`tables` maps a raw table's name to its records (money.rows_of: GoHighLevel's version of a deal
the closers' tracker reports again); `calendars` maps a calendar id to the step it books
(`triage`, `strategy`, or anything else: no sales call). A period is '2025-03', '2025-Q2' or
'2025' in the company's timezone; `today` is the local day the values are for. A count over no
rows is 0; a sum over none is no value for a closed period and 0 for the one under way; a
division by zero is no value (None)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from agency_oracle.money import MoneyOracle, Rows, bounds


def _div(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None or b is None or b == 0 else a / b


def _word(value: Any) -> str:
    return (value or "").strip().lower()


class SalesOracle:
    def __init__(self, tables: dict[str, Rows], calendars: dict[str, str], tz: str,
                 today: date) -> None:
        self.money = MoneyOracle(tables, tz, today)
        self.today = today
        self.events = tables.get("ga4_events", [])
        self.calls = [r for r in tables.get("ghl_appointments", []) if r["removed_at"] is None
                      and calendars.get(r["calendar_id"]) in ("triage", "strategy")]
        self.kind = {r["id"]: calendars[r["calendar_id"]] for r in self.calls}
        self.deals = [r for r in tables.get("ghl_opportunities", [])
                      if r["removed_at"] is None and _word(r["status"]) == "won"]

    def _in(self, moment: datetime | None, lo: date, hi: date) -> bool:
        return moment is not None and lo <= self.money.local_day(moment) < hi

    def _calls(self, lo: date, hi: date, kinds: tuple[str, ...], when: str = "start_time",
               showed: bool = False) -> Decimal:
        return Decimal(sum(1 for r in self.calls if self.kind[r["id"]] in kinds
                           and self._in(r[when], lo, hi)
                           and (not showed or _word(r["status"]) == "showed")))

    def value(self, metric: str, period: str) -> Decimal | None:
        lo, hi = bounds(period)
        open_ = lo <= self.today < hi

        def opt_ins() -> Decimal | None:
            counts = [Decimal(r["event_count"]) for r in self.events
                      if _word(r["event_name"]) == "opt_in" and lo <= r["date"] < hi]
            return sum(counts, Decimal(0)) if counts else Decimal(0) if open_ else None

        won = [r for r in self.deals
               if self._in(r["last_status_change_at"] or r["updated_at"], lo, hi)]

        def won_value() -> Decimal | None:
            if not won:
                return Decimal(0) if open_ else None
            return sum((Decimal(r["monetary_value"]) for r in won), Decimal(0))

        def show_rate() -> Decimal | None:
            due = [r for r in self.calls if self._in(r["start_time"], lo, hi)
                   and _word(r["status"]) in ("showed", "noshow", "cancelled")]
            held = [r for r in due if _word(r["status"]) == "showed"]
            return _div(Decimal(len(held)), Decimal(len(due)))

        both = ("triage", "strategy")
        get: dict[str, Callable[[], Decimal | None]] = {
            "opt_ins": opt_ins,
            "booked_calls": lambda: self._calls(lo, hi, ("triage",), when="created_at"),
            "triage_calls_held": lambda: self._calls(lo, hi, ("triage",), showed=True),
            "strategy_sessions_held": lambda: self._calls(lo, hi, ("strategy",), showed=True),
            "team_output": lambda: self._calls(lo, hi, both, showed=True),
            "deals_won": lambda: Decimal(len(won)),
            "won_deal_value": won_value,
            "show_rate": show_rate,
            "ad_spend": lambda: self.money.value("ad_spend", period),
        }
        ratios = {"close_rate": ("deals_won", "strategy_sessions_held"),
                  "optin_to_booked_rate": ("booked_calls", "opt_ins"),
                  "booked_to_triage_rate": ("triage_calls_held", "booked_calls"),
                  "triage_to_strategy_rate": ("strategy_sessions_held", "triage_calls_held"),
                  "cpl": ("ad_spend", "opt_ins"),
                  "cost_per_booked_call": ("ad_spend", "booked_calls")}
        if metric in ratios:
            top, bottom = ratios[metric]
            return _div(get[top](), get[bottom]())
        return get[metric]()
