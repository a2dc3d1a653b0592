"""Numbers formatted for people: $1.23M, 40.9%, 3.9x."""

from __future__ import annotations

from decimal import Decimal

Number = Decimal | float | int


def _short(v: float, decimals: int | None) -> str:
    a = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if a >= size:
            d = 2 if decimals is None else decimals
            return f"{v / size:,.{d}f}{suffix}"
    return f"{v:,.{0 if decimals is None else decimals}f}"


def format_value(value: Number | None, unit: str, decimals: int | None = None) -> str:
    """A value as a person reads it; an em dash when there is none."""
    if value is None:
        return "—"
    v = float(value)
    if unit == "usd":
        text = _short(abs(v), decimals)
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


def format_change(value: Number | None, base: Number | None) -> str:
    """Relative change against a comparison value: +12.5%, or an em dash."""
    if value is None or base is None or float(base) == 0:
        return "—"
    change = (float(value) - float(base)) / abs(float(base)) * 100
    return f"{change:+.1f}%"
