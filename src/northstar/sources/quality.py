"""Data-quality checks on every run, stored as findings in the ledger table `ns_findings`:

- zero rows read where rows are expected: a finding for review;
- a negative value in a column that forbids it: the run is rejected (nothing is kept);
- more than `max_change` (50%) between the last two closed months: a warning."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from northstar.errors import NorthstarError
from northstar.ledger.store import Ledger, raw_table, utcnow
from northstar.sources.config import CheckRule

FINDINGS = "ns_findings"
_SCHEMA = pa.schema([
    ("id", pa.string()), ("source", pa.string()), ("object", pa.string()),
    ("table_name", pa.string()), ("kind", pa.string()), ("severity", pa.string()),
    ("period", pa.string()), ("message", pa.string()), ("found_at", pa.timestamp("us")),
])


_DAY = timedelta(days=1)


class QualityRejected(NorthstarError):
    """A check that rejects a run failed; the run's rows are not kept."""


def check_row(rules: Sequence[CheckRule], table: str, row: dict[str, Any]) -> None:
    for rule in rules:
        if rule.table != table:
            continue
        for column in rule.non_negative:
            value = row.get(column)
            if value is not None and value < 0:
                raise QualityRejected(
                    f"{table}.{column} is negative ({value}) in record {row.get('id')}; "
                    "negative values are not allowed there, so the run is rejected")


def check_table(rules: Sequence[CheckRule], table: str, data: pa.Table) -> None:
    """`check_row` on every row of `data`, column by column: the same first bad row (and in
    it the same first column) is named."""
    import pyarrow.compute as pc

    for rule in rules:
        if rule.table != table:
            continue
        first: int | None = None
        for column in rule.non_negative:
            if column not in data.column_names:
                continue
            values = data.column(column)
            if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
                    or pa.types.is_decimal(values.type)):
                first = 0  # not a number: compared row by row, as check_row does
                break
            zero = pa.scalar(Decimal(0) if pa.types.is_decimal(values.type) else 0, values.type)
            negative = pc.fill_null(pc.less(values, zero), pa.scalar(False))
            if pc.any(negative).as_py():
                at = pc.index(negative, pa.scalar(True)).as_py()
                first = at if first is None else min(first, at)
        if first is not None:
            for row in data.slice(first).to_pylist():
                check_row([rule], table, row)


def _month_sums(ledger: Ledger, table: str, column: str, by: str) -> dict[date, Decimal]:
    rows = ledger.engine.rows(
        f'SELECT CAST(date_trunc(\'month\', "{by}") AS DATE) AS m, sum("{column}") FROM '
        f'(SELECT "{by}", "{column}", row_number() OVER (PARTITION BY source_id ORDER BY '
        f'load_id DESC) AS n FROM "{table}") AS x WHERE n = 1 AND "{by}" IS NOT NULL '
        "GROUP BY 1")
    return {m: Decimal(str(v or 0)) for m, v in rows}


def run_checks(ledger: Ledger, rules: Sequence[CheckRule], source: str, obj: str,
               rows_read: dict[str, int], today: date) -> list[dict[str, Any]]:
    """Append findings for one object's run (inside its transaction); returns them."""
    found: list[dict[str, Any]] = []
    this_month = today.replace(day=1)
    last = (this_month.replace(day=1) - _DAY).replace(day=1)
    before = (last - _DAY).replace(day=1)
    for rule in rules:
        if rule.table not in rows_read:
            continue
        table = raw_table(rule.table)
        if rule.expect_rows and rows_read[rule.table] == 0:
            found.append(_finding(source, obj, rule.table, "zero_rows", "review", None,
                                  f"{source} {obj} returned no {rule.table} rows; check that "
                                  "the source is still sending data"))
        if rule.change_of and rule.by and table in ledger.engine.relations():
            sums = _month_sums(ledger, table, rule.change_of, rule.by)
            a, b = sums.get(before), sums.get(last)
            if a and b is not None and abs(b - a) / abs(a) > Decimal(str(rule.max_change)):
                period = f"{last:%Y-%m}"
                found.append(_finding(
                    source, obj, rule.table, "change", "warning", period,
                    f"{rule.table}.{rule.change_of} moved {float((b - a) / abs(a)):+.0%} from "
                    f"{before:%Y-%m} ({a:,}) to {period} ({b:,}); check it is real"))
    fresh = [f for f in found if not _known(ledger, f["id"])]
    if fresh:
        ledger.append(FINDINGS, pa.Table.from_pylist(fresh, schema=_SCHEMA), source=source,
                      id_column="id")
    return found


def record_rejection(ledger: Ledger, source: str, obj: str, table: str, message: str) -> None:
    row = _finding(source, obj, table, "negative", "rejected", None, message)
    row["id"] += "." + utcnow().isoformat()
    ledger.append(FINDINGS, pa.Table.from_pylist([row], schema=_SCHEMA), source=source,
                  id_column="id")


def note_finding(ledger: Ledger, source: str, obj: str, table: str, kind: str, severity: str,
                 key: str, message: str, period: str | None = None) -> bool:
    """Append one finding unless the same one (source, table, kind, key) is already kept."""
    row = _finding(source, obj, table, kind, severity, period, message)
    row["id"] = f"{source}.{table}.{kind}.{key}"
    if _known(ledger, row["id"]):
        return False
    ledger.append(FINDINGS, pa.Table.from_pylist([row], schema=_SCHEMA), source=source,
                  id_column="id")
    return True


def findings(ledger: Ledger, limit: int = 50) -> list[dict[str, Any]]:
    """The newest findings first (for `northstar status`, the web app and the API)."""
    if FINDINGS not in ledger.engine.relations():
        return []
    table = ledger.engine.query(
        f"SELECT source, object, table_name, kind, severity, period, message, found_at "
        f"FROM {FINDINGS} ORDER BY load_id DESC LIMIT {int(limit)}")
    return list(table.to_pylist())


def _finding(source: str, obj: str, table: str, kind: str, severity: str, period: str | None,
             message: str) -> dict[str, Any]:
    now = utcnow()
    key = period or f"{now:%Y-%m-%d}"
    return {"id": f"{source}.{table}.{kind}.{key}", "source": source, "object": obj,
            "table_name": table, "kind": kind, "severity": severity, "period": period,
            "message": message, "found_at": now}


def _known(ledger: Ledger, finding_id: str) -> bool:
    if FINDINGS not in ledger.engine.relations():
        return False
    return bool(ledger.engine.scalar(
        f"SELECT count(*) FROM {FINDINGS} WHERE source_id = ?", [finding_id]))

