"""Turning a vendor's JSON values into typed ledger values, loudly when they do not fit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from northstar.errors import NorthstarError


class RecordError(NorthstarError):
    """A record from a source has a value that cannot be what its field says it is."""


_CENT = Decimal("0.01")
_EXACT = 10**16
"""Integers below this in size are converted without rounding (DECIMAL(18,2) holds them)."""


def text(value: Any) -> str | None:
    if type(value) is str:  # the common case, first
        return value or None
    if value is None or value == "":
        return None
    if isinstance(value, (dict, list)):
        raise RecordError(f"expected a plain value, got {type(value).__name__}")
    return str(value)


def money(value: Any, minor_units: int | None = None) -> Decimal | None:
    """A decimal amount rounded to cents; `minor_units` divides integers (Stripe's cents)."""
    if type(value) is int and minor_units is not None and 0 <= minor_units <= 2 \
            and -_EXACT < value < _EXACT:
        # Minor units (Stripe's cents): exact, and the same Decimal (value and exponent) as
        # the general path below gives, without text or rounding.
        return Decimal(value * 10 ** (2 - minor_units)).scaleb(-2)
    return quantity(value, 2, minor_units)


def quantity(value: Any, places: int = 4, minor_units: int | None = None) -> Decimal | None:
    """A decimal rounded (half to even) to `places` decimals: hours, quantities, amounts."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{value!r} is not an amount")
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise RecordError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise RecordError(f"{value!r} is not an amount")
    if minor_units is not None:
        amount = amount.scaleb(-minor_units)
    return amount.quantize(_CENT if places == 2 else Decimal(1).scaleb(-places),
                           rounding=ROUND_HALF_EVEN)


def number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RecordError(f"{value!r} is not a number") from None


def boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1"):
        return True
    if str(value).lower() in ("false", "0"):
        return False
    raise RecordError(f"{value!r} is not true or false")


def utc(moment: datetime) -> datetime:
    """Naive UTC, the way the ledger stores timestamps."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def timestamp(value: Any) -> datetime | None:
    """ISO-8601 text (any offset), epoch milliseconds (as text or number) -> naive UTC."""
    if value is None or value == "":
        return None
    raw = str(value).strip()
    if raw.isdigit():
        try:
            return datetime.fromtimestamp(int(raw) / 1000, UTC).replace(tzinfo=None)
        except (ValueError, OverflowError, OSError):
            raise RecordError(f"{value!r} is not a timestamp") from None
    try:
        return utc(datetime.fromisoformat(raw.replace("Z", "+00:00")))
    except ValueError:
        raise RecordError(f"{value!r} is not a timestamp") from None


_EPOCH = datetime(1970, 1, 1)
_SECONDS = (-62_135_596_800, 253_402_300_799)
"""Unix seconds of 0001-01-01 and 9999-12-31 23:59:59: what a datetime can hold."""


def unix_seconds(value: Any) -> datetime | None:
    if type(value) is int and _SECONDS[0] <= value <= _SECONDS[1]:  # the common case
        return _EPOCH + timedelta(seconds=value)
    if value is None or value == "":
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None)
    except (TypeError, ValueError, OverflowError, OSError):  # OSError: past the C library's range
        raise RecordError(f"{value!r} is not a unix time") from None


_MICRO = Decimal(1_000_000)


def epoch_seconds(value: Any) -> datetime | None:
    """Seconds since 1970 with a fraction (`1728487941.72576`, NinjaOne) -> naive UTC, to the
    microsecond. Read through the number's text, so a float's binary error does not move it."""
    if value is None or value == "":
        return None
    if isinstance(value, (bool, dict, list)):
        raise RecordError(f"{value!r} is not a unix time")
    try:
        micros = int((Decimal(str(value).strip()) * _MICRO).to_integral_value(ROUND_HALF_EVEN))
        return _EPOCH + timedelta(microseconds=micros)
    except (InvalidOperation, ValueError, OverflowError):
        raise RecordError(f"{value!r} is not a unix time") from None


def day(value: Any) -> date | None:
    """A calendar date from `2024-01-31`, an ISO timestamp or epoch milliseconds."""
    if value is None or value == "":
        return None
    raw = str(value).strip()
    if len(raw) == 10 and raw[4] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise RecordError(f"{value!r} is not a date") from None
    moment = timestamp(raw)
    return moment.date() if moment else None


def ref(value: Any) -> str | None:
    """The id inside a reference like QuickBooks' `{"value": "42", "name": "..."}`."""
    if isinstance(value, dict):
        return text(value.get("value"))
    return text(value)
