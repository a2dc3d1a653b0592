"""What collection remembers, kept in the ledger like everything else (append-only, hashed):

- `ns_cursors`: per source object, how far it has been read (one new version per advance):
  the newest change time read, and for a continuation object the vendor's token too
  (`token`, a column added by the first such object);
- `ns_runs`: one row per object per run, ok or failed, with counts and the error."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from northstar.ledger.store import Ledger

CURSORS = "ns_cursors"
RUNS = "ns_runs"

_CURSOR_SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("object", pa.string()),
    ("cursor", pa.timestamp("us")), ("run_started_at", pa.timestamp("us")),
])
_RUN_SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("object", pa.string()),
    ("started_at", pa.timestamp("us")), ("finished_at", pa.timestamp("us")),
    ("status", pa.string()), ("pages", pa.int64()), ("fetched", pa.int64()),
    ("appended", pa.int64()), ("unchanged", pa.int64()), ("requests", pa.int64()),
    ("since", pa.timestamp("us")), ("cursor", pa.timestamp("us")), ("error", pa.string()),
])


@dataclass
class RunRecord:
    source: str
    object: str
    started_at: datetime
    finished_at: datetime | None = None
    status: str = "running"
    pages: int = 0
    fetched: int = 0
    appended: int = 0
    unchanged: int = 0
    requests: int = 0
    since: datetime | None = None
    cursor: datetime | None = None
    error: str | None = None


class SyncState:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger

    def cursor(self, source: str, obj: str) -> datetime | None:
        if CURSORS not in self.ledger.engine.relations():
            return None
        found = self.ledger.engine.rows(
            f"SELECT cursor FROM {CURSORS} WHERE source_id = ? ORDER BY load_id DESC LIMIT 1",
            [f"{source}.{obj}"],
        )
        return found[0][0] if found else None

    def token(self, source: str, obj: str) -> str | None:
        """The continuation token the newest cursor of a continuation object holds."""
        relations = self.ledger.engine.relations()
        if CURSORS not in relations:
            return None
        if "token" not in {n for n, _ in self.ledger.engine.columns(CURSORS) or []}:
            return None
        found = self.ledger.engine.rows(
            f"SELECT token FROM {CURSORS} WHERE source_id = ? ORDER BY load_id DESC LIMIT 1",
            [f"{source}.{obj}"],
        )
        return str(found[0][0]) if found and found[0][0] is not None else None

    def save_cursor(self, source: str, obj: str, cursor: datetime | None, started: datetime,
                    token: str | None = None) -> None:
        row: dict[str, Any] = {"id": f"{source}.{obj}", "source": source, "object": obj,
                               "cursor": cursor, "run_started_at": started}
        schema = _CURSOR_SCHEMA
        if token is not None:  # only continuation objects give `ns_cursors` its token column
            row["token"] = token
            schema = schema.append(pa.field("token", pa.string()))
        self.ledger.append(CURSORS, pa.Table.from_pylist([row], schema=schema),
                           source=source, id_column="id")

    def record_run(self, run: RunRecord) -> None:
        row = {"id": uuid.uuid4().hex, **run.__dict__}
        self.ledger.append(RUNS, pa.Table.from_pylist([row], schema=_RUN_SCHEMA),
                           source=run.source, id_column="id")

    def last_runs(self) -> list[dict[str, Any]]:
        """The newest run of every source object, newest first."""
        if RUNS not in self.ledger.engine.relations():
            return []
        table = self.ledger.engine.query(
            f"SELECT source, object, started_at, finished_at, status, pages, fetched, appended, "
            f"unchanged, cursor, error FROM (SELECT *, row_number() OVER (PARTITION BY source, "
            f"object ORDER BY load_id DESC) AS n FROM {RUNS}) AS r WHERE n = 1 "
            "ORDER BY source, started_at"
        )
        return list(table.to_pylist())
