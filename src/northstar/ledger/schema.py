"""The ledger's shape: the columns every ledger row carries, the collection log, type mapping."""

from __future__ import annotations

import json
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
ADJUSTMENTS = "ns_adjustments"
MANUAL = "ns_manual_values"
SNAPSHOTS = "ns_snapshots"
CORRECTION_TABLES = (ADJUSTMENTS, MANUAL, SNAPSHOTS)
"""The ledger tables of human corrections and frozen values (the others are `raw_*`)."""
RECORD_TABLES = ("ns_cursors", "ns_runs", "ns_findings", "ns_collection_runs",
                 "ns_source_schedule")
"""Northstar's own records kept as ledger tables, appended through loads like the facts: sync
cursors and object runs (`sources.state`), data-quality findings (`sources.quality`), the
collection run log (`collection.log`) and the schedule switches (`collection.switch`)."""


def is_ledger_table(name: str) -> bool:
    """True for a name only a load may create: `raw_*`, the corrections and the record
    tables. (The log and the definitions are ledger tables too, with a fixed shape; every
    other `ns_*` table is the app's state: users, sessions, alerts, stages, `ns_meta`.)"""
    return name.startswith(RAW_PREFIX) or name in CORRECTION_TABLES or name in RECORD_TABLES


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
  chain_hash VARCHAR NOT NULL,
  scheme VARCHAR,
  column_types VARCHAR,
  definitions BIGINT
)
"""

LOG_COLUMNS: tuple[str, ...] = (
    "load_id", "table_name", "source_name", "row_count", "replaced", "started_at",
    "finished_at", "status", "error", "columns", "content_hash", "prev_hash", "chain_hash",
    "scheme", "column_types", "definitions",
)
"""The log's columns in order. A keyed entry's link covers every one but `prev_hash` (which
starts it) and `chain_hash`; an unkeyed (older) entry's covers the first eleven."""

LOG_ADDED: tuple[tuple[str, str], ...] = (
    ("scheme", "VARCHAR"), ("column_types", "VARCHAR"), ("definitions", "BIGINT"),
)
"""Columns a log made before the chain was keyed lacks; added when such a ledger is opened
for writing (its older entries keep NULL there).

- `scheme`: how the entry is linked: NULL (SHA-256, before the key) or `hmac-sha256:<key id>`;
- `column_types`: the table's columns and their types once the load was written (JSON);
- `definitions`: the definitions version in force when the entry was written."""

def column_changes(recorded: list[tuple[str, str]], live: list[tuple[str, str]]) -> list[str]:
    """How a table's columns differ from the ones its newest load recorded, in words (empty
    when they are the same): a column added, dropped or given another type outside a load."""
    before, now = dict(recorded), dict(live)
    out = [f"column {name!r} ({t}) was added outside any load" for name, t in live
           if name not in before]
    out += [f"column {name!r} was dropped" for name, _ in recorded if name not in now]
    out += [f"column {name!r} was changed from {t} to {now[name]}" for name, t in recorded
            if name in now and now[name] != t]
    if not out and [n for n, _ in recorded] != [n for n, _ in live]:
        out.append("its columns were reordered")
    return out


def parse_column_types(text: object) -> list[tuple[str, str]]:
    """A log entry's `column_types`; ValueError when it is not a list of [name, type]."""
    data = json.loads(str(text))
    if not isinstance(data, list) or not data or not all(
            isinstance(c, list) and len(c) == 2 and all(isinstance(x, str) for x in c)
            for c in data):
        raise ValueError("its column_types are not a list of [name, type]")
    return [(str(n), str(t)) for n, t in data]


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
