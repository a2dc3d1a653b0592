"""The one formatter: every expected text below is worked out by hand from the unit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from northstar.formatting import (
    column_title,
    format_cell,
    format_change,
    format_delta,
    format_period,
    format_tick,
    format_value,
    unit_label,
)


@pytest.mark.parametrize(("value", "unit", "decimals", "text"), [
    (5122.4, "usd", None, "$5.12K"),            # 5122.4 / 1000 = 5.1224 -> 2 decimals
    (-5122.4, "usd", None, "-$5.12K"),
    (1_234_567, "usd", None, "$1.23M"),
    (2_500_000_000, "usd", 1, "$2.5B"),
    (410, "usd", None, "$410"),
    (0.412, "percent", None, "41.2%"),
    (0.754, "percent", None, "75.4%"),
    (0.7, "ratio", None, "0.7x"),
    (17.14, "number", 1, "17.1"),
    (1204, "count", None, "1,204"),
    (12.5, "days", None, "12.5 days"),
    (Decimal("1234.5"), "number", None, "1,234.50"),
    (None, "usd", None, "—"),
])
def test_format_value(value: float | None, unit: str, decimals: int | None, text: str) -> None:
    assert format_value(value, unit, decimals) == text


def test_money_in_full_has_cents_and_thousands_separators() -> None:
    assert format_value(Decimal("10395.74"), "usd", compact=False) == "$10,395.74"
    assert format_value(Decimal("-1505.69"), "usd", compact=False) == "-$1,505.69"
    assert format_value(3370.6, "usd", 0, compact=False) == "$3,371"


def test_a_change_of_a_rate_is_in_points() -> None:
    # 41.2% against 40.0%: 1.2 points (a relative +3.0% would mislead)
    assert format_change(0.412, 0.400, unit="percent") == "+1.2 pts"
    assert format_change(0.70, 0.75, unit="percent") == "-5.0 pts"
    assert format_change(0.412, 0, unit="percent") == "+41.2 pts"  # points need no base
    assert format_change(None, 0.4, unit="percent") == "—"


def test_other_changes_stay_relative_and_positional_calls_still_work() -> None:
    assert format_change(110, 100) == "+10.0%"
    assert format_change(4.1, 3.85, unit="ratio") == "+6.5%"   # 0.25 / 3.85 = 6.49%
    assert format_change(90, 120, unit="usd") == "-25.0%"
    assert format_change(5, 0) == "—"
    assert format_change(5255.8, 100) == "52.6x"   # off a small base: a multiple, not +5155.8%
    assert format_change(1099, 100) == "+999.0%"   # under ten times: still a change
    assert format_change(-5000, 100) == "-5100.0%"  # a loss is a change, never a multiple
    assert format_change(5, None) == "—"


@pytest.mark.parametrize(("delta", "unit", "text"), [
    (1204.0, "usd", "+$1.20K"),
    (-410, "usd", "-$410"),
    (0.012, "percent", "+1.2 pts"),
    (-0.3, "ratio", "-0.3x"),
    (3, "count", "+3"),
    (None, "usd", "—"),
])
def test_format_delta(delta: float | None, unit: str, text: str) -> None:
    assert format_delta(delta, unit) == text


@pytest.mark.parametrize(("value", "unit", "text"), [
    (150_000, "usd", "$150K"),
    (1_500_000, "usd", "$1.5M"),
    (1_250_000, "usd", "$1.25M"),
    (-10_000, "usd", "-$10K"),
    (0, "usd", "$0"),
    (0.35, "percent", "35%"),
    (0.325, "percent", "32.5%"),
    (0.1 + 0.2, "percent", "30%"),   # 0.30000000000000004
    (2.5, "ratio", "2.5x"),
    (3, "ratio", "3x"),
    (1500, "count", "1,500"),
    (20, "days", "20 days"),
    (1200, "number", "1,200"),
])
def test_format_tick(value: float, unit: str, text: str) -> None:
    assert format_tick(value, unit) == text


@pytest.mark.parametrize(("period", "long", "short"), [
    ("2025-11", "Nov 2025", "Nov '25"),
    ("2026-01", "Jan 2026", "Jan '26"),
    ("2025-Q4", "Q4 2025", "Q4 '25"),
    ("2025-W07", "W7 2025", "W7 '25"),
    ("2025", "2025", "2025"),
    ("TOTAL", "TOTAL", "TOTAL"),
])
def test_format_period(period: str, long: str, short: str) -> None:
    assert format_period(period) == long
    assert format_period(period, short=True) == short


def test_column_titles_and_csv_headers() -> None:
    assert column_title("invoice_date") == "Invoice date"
    assert column_title("gmv_this_year") == "GMV this year"
    assert column_title("customer_id") == "Customer ID"
    assert column_title("npr") == "NPR"
    assert unit_label("amount", "usd") == "Amount (USD)"
    assert unit_label("take_rate", "percent") == "Take rate (fraction)"
    assert unit_label("coverage", "ratio") == "Coverage (x)"
    assert unit_label("quota", "number") == "Quota"
    assert unit_label("kind", None) == "Kind"


def test_format_cell() -> None:
    assert format_cell(None) == "—"
    assert format_cell(None, empty="") == ""
    assert format_cell("Alpha Hall") == "Alpha Hall"
    assert format_cell(True) == "True"
    assert format_cell(2024) == "2024"                   # a year or an id: as it is
    assert format_cell(Decimal("1951.13")) == "1,951.13"  # money-looking: separators
    assert format_cell(0.5) == "0.50"
    assert format_cell(date(2026, 11, 11)) == "2026-11-11"
    # a drill row's moment: the ledger's naive times are UTC; never microseconds
    assert format_cell(datetime(2026, 11, 11, 9, 30, 0, 123456)) == "2026-11-11 09:30 UTC"
    assert format_cell(datetime(2026, 11, 11, 9, 30, 7, 500000)) == "2026-11-11 09:30:07 UTC"
    assert format_cell(datetime(2026, 11, 11, 9, 30, tzinfo=UTC)) == "2026-11-11 09:30 UTC"
    chicago = timezone(timedelta(hours=-6))
    assert format_cell(datetime(2026, 11, 11, 3, 30, tzinfo=chicago)) == "2026-11-11 03:30 -0600"
    assert format_cell(12_345.6, "usd") == "$12.35K"
    assert format_cell(12_345.6, "usd", compact=False) == "$12,345.60"
    assert format_cell(0.594, "percent") == "59.4%"
