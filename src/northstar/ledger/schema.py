"""The ledger's shape: the columns every ledger row carries, the collection log, type mapping."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from northstar.errors import LoadError

if TYPE_CHECKING:
    import pyarrow as pa

TAGS: tuple[str, ...] = (
    "department", "team", "owner_id", "client_id",
    "source_funnel", "utm_source", "utm_medium", "utm_campaign",
)
"""Dimension tags every fact carries: build once, filter many."""

SYSTEM_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_id", "VARCHAR"),
    ("source_name", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
    ("load_id", "BIGINT"),
    ("row_seq", "BIGINT"),
)
RESERVED = {name for name, _ in SYSTEM_COLUMNS}

RAW_PREFIX = "raw_"
LOG_TABLE = "ns_loads"

LOG_DDL = f"""
CREATE TABLE IF NOT EXISTS {LOG_TABLE} (
  load_id BIGINT PRIMARY KEY,
  table_name VARCHAR NOT NULL,
  source_name VARCHAR NOT NULL,
  row_count BIGINT NOT NULL,
  replaced BIGINT NOT NULL,
  started_at TIMESTAMP NOT NULL,
  finished_at TIMESTAMP NOT NULL,
  status VARCHAR NOT NULL,
  error VARCHAR,
  columns VARCHAR NOT NULL,
  content_hash VARCHAR NOT NULL,
  prev_hash VARCHAR NOT NULL,
  chain_hash VARCHAR NOT NULL
)
"""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def check_name(name: str, what: str = "table") -> str:
    if not _NAME.match(name):
        raise LoadError(
            f"{what} name {name!r} is not allowed: use lower-case letters, digits and _, "
            "starting with a letter"
        )
    return name


def duck_type_of(t: pa.DataType, column: str) -> str:
    """The SQL type a new ledger column gets for an Arrow type."""
    import pyarrow as pa  # here, not at the top: the CLI reads TAGS at start-up

    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t):
        return "VARCHAR"
    if pa.types.is_boolean(t):
        return "BOOLEAN"
    if pa.types.is_integer(t):
        return "BIGINT"
    if pa.types.is_floating(t):
        return "DOUBLE"
    if pa.types.is_decimal(t):
        return f"DECIMAL({min(t.precision, 38)},{t.scale})"
    if pa.types.is_date(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    raise LoadError(f"column {column!r} has type {t}, which the ledger cannot store")


_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def arrow_type_of(duck_type: str) -> pa.DataType:
    """The Arrow type that values for a ledger column are cast to before they are written."""
    import pyarrow as pa

    upper = duck_type.upper()
    simple = {
        "VARCHAR": pa.string(), "BOOLEAN": pa.bool_(), "BIGINT": pa.int64(),
        "INTEGER": pa.int32(), "DOUBLE": pa.float64(), "DATE": pa.date32(),
        "TIMESTAMP": pa.timestamp("us"),
    }
    if upper in simple:
        return simple[upper]
    m = _DECIMAL.match(upper)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    raise LoadError(f"ledger column type {duck_type} is not supported")
