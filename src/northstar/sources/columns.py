"""Column-wise conversion of a page: the fast path of `values.py` for well-formed pages.

Each function takes one field's values from every record of a page and returns an Arrow array
equal, value for value, to converting each with its `values.py` counterpart; or None when some
value is not of the plain form the fast path handles (an amount sent as text, an expanded
object, a time past year 9999). The caller then maps that page record by record, where a bad
value gets its own error, so the fast path never changes what is stored or what is refused."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["Column", "booleans", "money_minor", "pluck", "texts", "unix_times"]

Column = Callable[[list[Any]], "pa.Array | None"]

_NONE = type(None)
_TEXT: frozenset[type] = frozenset({str, _NONE})
_INT: frozenset[type] = frozenset({int, _NONE})
_BOOL: frozenset[type] = frozenset({bool, _NONE})
_EXACT = 10**16
"""As `values.money`: integers below this in size are amounts without rounding."""
_SECONDS = (-62_135_596_800, 253_402_300_799)
"""As `values.unix_seconds`: what a Python datetime can hold (0001-01-01 to 9999-12-31)."""
_CENT = pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
_NULL_TEXT = pa.scalar(None, pa.string())
_EMPTY = pa.scalar("", pa.string())
_HUNDRED = pa.scalar(100, pa.int64())
_FALSE = pa.scalar(False, pa.bool_())
# Arrow scalars, not Python values: pyarrow converts a Python value given to a compute function
# by first trying to import python-dateutil, which is not installed, so every call paid an
# import search (about 0.2 ms; 30 times the comparison itself).


def pluck(records: Sequence[dict[str, Any]], field: str) -> list[Any]:
    """`record.get(field)` of every record."""
    return [r.get(field) for r in records]


def _only(values: Iterable[Any], kinds: frozenset[type]) -> bool:
    return set(map(type, values)) <= kinds


def texts(values: list[Any]) -> pa.Array | None:
    """As `values.text`: strings, with "" and None both null."""
    if not _only(values, _TEXT):
        return None
    arr = pa.array(values, pa.string())
    return pc.if_else(pc.equal(arr, _EMPTY), _NULL_TEXT, arr)


def booleans(values: list[Any]) -> pa.Array | None:
    """As `values.boolean`, for JSON true/false/null."""
    if not _only(values, _BOOL):
        return None
    return pa.array(values, pa.bool_())


def _ints(values: list[Any], low: int, high: int) -> pa.Array | None:
    if not _only(values, _INT):
        return None
    try:
        arr = pa.array(values, pa.int64())
    except (OverflowError, pa.ArrowInvalid):  # past 64 bits
        return None
    if arr.null_count < len(arr):
        bounds = pc.min_max(arr)
        if bounds["min"].as_py() < low or bounds["max"].as_py() > high:
            return None
    return arr


def unix_times(values: list[Any]) -> pa.Array | None:
    """As `values.unix_seconds`, for integer seconds: naive UTC microsecond timestamps."""
    arr = _ints(values, *_SECONDS)
    if arr is None:
        return None
    return pc.cast(pc.cast(arr, pa.timestamp("s")), pa.timestamp("us"))


def money_minor(values: list[Any], scale_up: pa.Array | None = None) -> pa.Array | None:
    """As `values.money(v, minor_units)` for integer amounts in minor units: DECIMAL(18, 2).

    `scale_up` (booleans, one per value) marks amounts in a currency without minor units
    (`minor_units` 0): those are whole units, multiplied by 100 cents."""
    arr = _ints(values, -_EXACT + 1, _EXACT - 1)
    if arr is None:
        return None
    if scale_up is not None and len(arr):
        arr = pc.if_else(pc.fill_null(scale_up, _FALSE), pc.multiply(arr, _HUNDRED), arr)
    cents = pc.multiply(pc.cast(arr, pa.decimal128(19, 0)), _CENT)
    try:
        return pc.cast(cents, pa.decimal128(18, 2))
    except pa.ArrowInvalid:  # more than DECIMAL(18, 2) holds: the record path says which
        return None
