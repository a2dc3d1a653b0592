"""Human corrections, appended like everything else: adjustments, manual values, snapshots.

Each is a ledger table of its own (`ns_adjustments`, `ns_manual_values`, `ns_snapshots`),
written through `Ledger.append`, so the hash chain and `verify` cover them too."""

from __future__ import annotations

import functools
import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from northstar.errors import NorthstarError
from northstar.ledger.schema import ADJUSTMENTS, MANUAL, SNAPSHOTS
from northstar.ledger.store import Ledger, LoadResult, utcnow

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ADJUSTMENTS", "MANUAL", "SNAPSHOTS", "Corrections", "parse_number"]

SOURCE = "northstar"

@functools.cache
def _schemas() -> dict[str, pa.Schema]:
    """The corrections tables' columns (built on first use: PyArrow is imported by writes)."""
    import pyarrow as pa

    return {
        ADJUSTMENTS: pa.schema([
            ("id", pa.string()), ("kind", pa.string()), ("target_table", pa.string()),
            ("record_id", pa.string()), ("field", pa.string()), ("new_value", pa.string()),
            ("metric", pa.string()), ("period", pa.string()), ("delta", pa.string()),
            ("author", pa.string()), ("reason", pa.string()), ("effective_date", pa.date32()),
        ]),
        MANUAL: pa.schema([
            ("id", pa.string()), ("metric", pa.string()), ("period", pa.string()),
            ("value", pa.string()), ("action", pa.string()), ("author", pa.string()),
            ("note", pa.string()), ("entered_at", pa.timestamp("us")),
        ]),
        SNAPSHOTS: pa.schema([
            ("id", pa.string()), ("metric", pa.string()), ("period", pa.string()),
            ("slice", pa.string()), ("payload", pa.string()), ("fingerprint", pa.string()),
            ("corrections_version", pa.int64()), ("reason", pa.string()),
            ("author", pa.string()), ("frozen_at", pa.timestamp("us")),
        ]),
    }


def parse_number(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except (InvalidOperation, AttributeError):
        raise NorthstarError(f"{what} must be a number, not {text!r}") from None
    if not value.is_finite():
        raise NorthstarError(f"{what} must be a finite number, not {text!r}")
    return value


def _require(text: str | None, what: str) -> str:
    if text is None or not text.strip():
        raise NorthstarError(f"{what} is required")
    return text.strip()


def _one(schema: pa.Schema, **values: Any) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist([{"id": uuid.uuid4().hex, **values}], schema=schema)


@dataclass(frozen=True)
class Corrections:
    ledger: Ledger

    def adjust_record(self, table: str, record_id: str, field: str, new_value: str | None, *,
                      author: str, reason: str, effective: date | None = None) -> LoadResult:
        """Correct one field of one record; the model view shows the corrected value."""
        return self.ledger.append(ADJUSTMENTS, _one(
            _schemas()[ADJUSTMENTS], kind="record", target_table=table, record_id=record_id,
            field=field,
            new_value=new_value, author=_require(author, "author"),
            reason=_require(reason, "a reason"), effective_date=effective or date.today(),
        ), source=SOURCE, id_column="id")

    def adjust_metric(self, metric: str, period: str, delta: Decimal, *, author: str,
                      reason: str, effective: date | None = None) -> LoadResult:
        """Net `delta` into a metric's value for one period."""
        return self.ledger.append(ADJUSTMENTS, _one(
            _schemas()[ADJUSTMENTS], kind="metric", metric=metric, period=period, delta=str(delta),
            author=_require(author, "author"), reason=_require(reason, "a reason"),
            effective_date=effective or date.today(),
        ), source=SOURCE, id_column="id")

    def explain(self, check: str, record: str, period: str, *, author: str,
                reason: str) -> LoadResult:
        """An explanation of a row a check flags (`record` in `period`): a note, not a
        correction; the check reads it from `ns_explanations` and passes for that row."""
        return self.ledger.append(ADJUSTMENTS, _one(
            _schemas()[ADJUSTMENTS], kind="note", target_table=_require(check, "the check"),
            record_id=_require(record, "the record"), period=_require(period, "the period"),
            author=_require(author, "author"), reason=_require(reason, "a reason"),
            effective_date=date.today(),
        ), source=SOURCE, id_column="id")

    def set_manual(self, metric: str, period: str, value: Decimal | None, *, author: str,
                   note: str | None, release: bool = False) -> LoadResult:
        """Enter a manual value (it wins over collection), or hand the period back."""
        return self.ledger.append(MANUAL, _one(
            _schemas()[MANUAL], metric=metric, period=period,
            value=None if value is None else str(value),
            action="release" if release else "set", author=_require(author, "author"),
            note=note, entered_at=utcnow(),
        ), source=SOURCE, id_column="id")

    def freeze_many(self, snapshots: list[tuple[str, str, str, list[Any], str, int, str]], *,
                    author: str) -> LoadResult:
        """Append frozen values: (metric, period, slice, payload, fingerprint,
        corrections version, reason) each, in one load."""
        now = utcnow()
        rows = [{"id": uuid.uuid4().hex, "metric": m, "period": p, "slice": s,
                 "payload": json.dumps(pl), "fingerprint": f, "corrections_version": v,
                 "reason": r, "author": author, "frozen_at": now}
                for m, p, s, pl, f, v, r in snapshots]
        import pyarrow as pa

        table = pa.Table.from_pylist(rows, schema=_schemas()[SNAPSHOTS])
        return self.ledger.append(SNAPSHOTS, table, source=SOURCE, id_column="id")

    # -- reading ---------------------------------------------------------------------------
    def _has(self, table: str) -> bool:
        """True once `table` had a load: a corrections table that appeared without one (made
        behind the ledger's back) is never read; `verify` reports it."""
        return self.ledger.has_loads(table)

    def manual_values(self) -> dict[tuple[str, str], tuple[Decimal, str, str | None]]:
        """Active manual values: (metric, period) -> (value, author, note)."""
        if not self._has(MANUAL):
            return {}
        rows = self.ledger.engine.rows(
            f"SELECT metric, period, value, action, author, note FROM (SELECT *, row_number() "
            f"OVER (PARTITION BY metric, period ORDER BY load_id DESC) AS n FROM {MANUAL}) AS m "
            "WHERE n = 1"
        )
        return {(str(m), str(p)): (Decimal(str(v)), str(a), n)
                for m, p, v, action, a, n in rows if action == "set"}

    def metric_adjustments(self) -> dict[tuple[str, str], Decimal]:
        """Sum of adjustment deltas per (metric, period)."""
        if not self._has(ADJUSTMENTS):
            return {}
        rows = self.ledger.engine.rows(
            f"SELECT metric, period, delta FROM {ADJUSTMENTS} WHERE kind = 'metric'"
        )
        out: dict[tuple[str, str], Decimal] = {}
        for m, p, d in rows:
            out[(str(m), str(p))] = out.get((str(m), str(p)), Decimal(0)) + Decimal(str(d))
        return out

    def record_versions(self) -> dict[str, int]:
        """Per raw table, the id of the newest record correction that targets it."""
        if not self._has(ADJUSTMENTS):
            return {}
        rows = self.ledger.engine.rows(
            f"SELECT target_table, max(load_id) FROM {ADJUSTMENTS} WHERE kind = 'record' "
            "GROUP BY target_table"
        )
        return {"raw_" + str(t): int(v) for t, v in rows}

    def snapshots(self) -> dict[tuple[str, str, str], tuple[list[Any], int, str]]:
        """Newest snapshot per (metric, period, slice): (payload, corrections version, reason)."""
        if not self._has(SNAPSHOTS):
            return {}
        rows = self.ledger.engine.rows(
            f"SELECT metric, period, slice, payload, corrections_version, reason FROM "
            f"(SELECT *, row_number() OVER (PARTITION BY metric, period, slice ORDER BY "
            f"load_id DESC) AS n FROM {SNAPSHOTS}) AS s WHERE n = 1"
        )
        return {(str(m), str(p), str(s)): (json.loads(pl), int(v), str(r))
                for m, p, s, pl, v, r in rows}

    def history(self, table: str, limit: int = 50) -> pa.Table:
        if not self._has(table):
            import pyarrow as pa

            return pa.table({})
        return self.ledger.engine.query(
            f"SELECT * FROM {table} ORDER BY load_id DESC LIMIT {int(limit)}"
        )
