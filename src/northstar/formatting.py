"""Numbers formatted for people: $1.23M, 40.9%, 3.9x, +1.2 pts.

Every page, chart, table, CLI table and CSV header formats through these functions, so a
number reads the same wherever it is shown."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Number = Decimal | float | int

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UNIT_LABELS = {"usd": "USD", "percent": "fraction", "ratio": "x", "days": "days",
                "count": "count"}
_ACRONYMS = {"id", "gmv", "ltv", "npr", "nrr", "utm", "usd", "crm", "url", "pnl"}


def _short(v: float, decimals: int | None) -> str:
    a = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size:
            d = 2 if decimals is None else decimals
            return f"{v / size:,.{d}f}{suffix}"
    return f"{v:,.{0 if decimals is None else decimals}f}"


def format_value(value: Number | None, unit: str, decimals: int | None = None, *,
                 compact: bool = True) -> str:
    """A value as a person reads it; an em dash when there is none.

    Money is compact ($5.12K, $1.23M) unless `compact` is off, then in full with cents
    ($5,122.40), as a row of a ledger reads."""
    if value is None:
        return "—"
    v = float(value)
    if unit == "usd":
        d = 2 if decimals is None else decimals
        text = _short(abs(v), decimals) if compact else f"{abs(v):,.{d}f}"
        return f"-${text}" if v < 0 else f"${text}"
    if unit == "percent":
        return f"{v * 100:.{1 if decimals is None else decimals}f}%"
    if unit == "ratio":
        return f"{v:.{1 if decimals is None else decimals}f}x"
    if unit == "days":
        return f"{v:,.{1 if decimals is None else decimals}f} days"
    if unit == "count":
        return f"{v:,.{0 if decimals is None else decimals}f}"
    return f"{v:,.{2 if decimals is None else decimals}f}"


def format_delta(delta: Number | None, unit: str, decimals: int | None = None) -> str:
    """A difference in the unit, signed: +$1.20K, -3, +0.4x; a difference of two rates is in
    percentage points (0.412 - 0.400 reads +1.2 pts)."""
    if delta is None:
        return "—"
    d = float(delta)
    if unit == "percent":
        return f"{d * 100:+.{1 if decimals is None else decimals}f} pts"
    return ("-" if d < 0 else "+") + format_value(abs(d), unit, decimals)


def format_change(value: Number | None, base: Number | None, *, unit: str | None = None) -> str:
    """A value against a comparison value: the relative change (+12.5%), or for a rate
    (`unit` percent) the change in points (+1.2 pts); an em dash when either is missing.
    Ten times the base or more reads as a multiple (52.6x): a change off a small base."""
    if value is None or base is None:
        return "—"
    if unit == "percent":
        return format_delta(float(value) - float(base), unit)
    if float(base) == 0:
        return "—"
    change = (float(value) - float(base)) / abs(float(base)) * 100
    if abs(change) >= 1000 and float(value) > 0 < float(base):
        return f"{float(value) / float(base):,.1f}x"  # off a small base: 52.6x, not +5155.8%
    return f"{change:+.1f}%"


def format_attainment(share: float | None) -> str | None:
    """An attainment (`northstar.metrics.attainment`) in whole percent: 0.8889 -> 89%,
    12.5 -> 1,250%; halves round away from zero, on the share as written (0.885 -> 89%, where
    binary floats would give 88%). None when there is no attainment: pages then show none."""
    if share is None:
        return None
    whole = (Decimal(repr(float(share))) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole + 0:,}%"  # + 0: a share just below nothing reads 0%, not -0%


def format_tick(value: Number, unit: str) -> str:
    """An axis tick: the value as `format_value` writes it, without trailing zeros ($150K,
    $1.5M, 35%, 2.5x), so ticks and the numbers they measure read alike."""
    text = format_value(round(float(value), 12), unit, 3)
    text = re.sub(r"(\.\d*?)0+(?!\d)", r"\1", text)
    return re.sub(r"\.(?!\d)", "", text)


def format_period(period: str, *, short: bool = False) -> str:
    """A period as people write it: 2025-11 -> Nov 2025 (short: Nov '25), 2025-Q4 -> Q4 2025,
    2025-W07 -> W7 2025; a year as it is. Anything else is returned unchanged."""
    found = re.fullmatch(r"(\d{4})-(Q|W)?(\d{1,2})", period)
    if found is None:
        return period
    year, kind, index = found[1], found[2], int(found[3])
    when = f"'{year[2:]}" if short else year
    if kind is None:
        return f"{_MONTHS[index - 1]} {when}" if 1 <= index <= 12 else period
    return f"{kind}{index} {when}"


def column_title(name: str) -> str:
    """A column name as a heading: invoice_date -> Invoice date, gmv_this_year -> GMV this
    year, customer_id -> Customer ID."""
    words = [w.upper() if w.lower() in _ACRONYMS else w for w in name.split("_") if w]
    if not words:
        return name
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def unit_label(name: str, unit: str | None) -> str:
    """A CSV header: the column's title with its unit, when it has one: Amount (USD); the
    values stay raw (a percent column holds fractions, so it says so)."""
    label = _UNIT_LABELS.get(unit or "")
    return f"{column_title(name)} ({label})" if label else column_title(name)


def _moment(value: datetime) -> str:
    """A moment to the minute, or to the second when it has seconds (never microseconds),
    with its zone: the ledger's naive times are UTC."""
    shown = value.strftime("%Y-%m-%d %H:%M" if value.second == 0 else "%Y-%m-%d %H:%M:%S")
    if value.tzinfo is None or value.utcoffset() == timedelta(0):
        return f"{shown} UTC"
    return f"{shown} {value.strftime('%z')}"


def format_cell(value: Any, unit: str | None = None, decimals: int | None = None, *,
                compact: bool = True, empty: str = "—") -> str:
    """A table cell: by the column's unit when it has one; text, dates and whole numbers (a
    year, an id, a count) as they are; other numbers with thousands separators and two
    decimals (1,234.50)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        return _moment(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return str(value)
    if unit is not None:
        return format_value(value, unit, decimals, compact=compact)
    if isinstance(value, int):
        return str(value)
    return format_value(value, "number", decimals)
