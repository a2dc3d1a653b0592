"""A Profit & Loss by Month export as a load of `profit_and_loss` (`load-mapped` with
`format: qbd_pnl_by_month`): the report's rows, plus what the report says by leaving out.

An export states the whole P&L of every month it has a column for, so an account the ledger
holds for such a month that the export no longer shows (its cell is blank now: the posting was
moved or deleted) gets a new version with amount 0 — never a silent leftover. Months outside the
export's columns are not touched. The accounts the project's accounts reference does not list are
returned, so the caller can say so: a new account in the books must not vanish from the
reports unnoticed."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from northstar.engines.base import quote
from northstar.ledger.store import raw_table
from northstar.reference import reference_ids
from northstar.sources.quality import note_finding
from northstar.warehouse.qbd import read_pnl_by_month

if TYPE_CHECKING:
    from northstar.project import Project
    from northstar.warehouse.files import FileMapping

__all__ = ["PNL_SCHEMA", "pnl_load", "report_unmapped"]

PNL_SCHEMA = pa.schema([("id", pa.string()), ("month", pa.date32()),
                        ("account_number", pa.string()), ("account", pa.string()),
                        ("amount", pa.decimal128(18, 2))])
"""The `profit_and_loss` raw table (docs: the MSP pack's contract)."""


def pnl_load(project: Project, path: Path, spec: FileMapping) -> tuple[pa.Table, list[str]]:
    """The rows to offer the ledger (before dropping unchanged ones) and the unmapped accounts."""
    report = read_pnl_by_month(path, encoding=spec.encoding, delimiter=spec.delimiter,
                               sheet=spec.sheet, limits=project.settings.load)
    rows = report.rows + _vanished(project, spec, report.months,
                                   {r["id"] for r in report.rows})
    data = pa.Table.from_pylist(rows, schema=PNL_SCHEMA)
    mapped = (reference_ids(project, spec.accounts_reference)
              if spec.accounts_reference else None)
    accounts = {str(r["account"]) for r in report.rows}
    unmapped = sorted(accounts - mapped) if mapped is not None else []
    return data, unmapped


def _vanished(project: Project, spec: FileMapping, months: tuple[date, ...], ids: set[str]
              ) -> list[dict[str, Any]]:
    table = raw_table(spec.table)
    columns = {name for name, _ in project.engine.columns(table) or []}
    if not {"month", "account", "amount"} <= columns or not months:
        return []
    number = "account_number" if "account_number" in columns else "CAST(NULL AS VARCHAR)"
    held = project.engine.rows(
        f"SELECT source_id, month, {number}, account FROM (SELECT *, row_number() OVER "
        f"(PARTITION BY source_id ORDER BY load_id DESC, row_seq DESC) AS ns_n "
        f"FROM {quote(table)} WHERE source_name = ?) AS v "
        f"WHERE ns_n = 1 AND amount <> 0 AND month >= ? AND month <= ?",
        [spec.source, min(months), max(months)])
    covered = set(months)
    return [{"id": sid, "month": month, "account_number": acct_number, "account": account,
             "amount": Decimal("0.00")}
            for sid, month, acct_number, account in sorted(held)
            if sid not in ids and month in covered]


def report_unmapped(project: Project, spec: FileMapping, file: Path, accounts: list[str]
                    ) -> None:
    """Keep a finding (shown by `northstar status` and the web app) for unmapped accounts."""
    key = hashlib.sha256("\n".join(accounts).encode()).hexdigest()[:12]
    listed = ", ".join(accounts)
    note_finding(project.ledger, spec.source, "load-mapped", spec.table, "unmapped_accounts",
                 "warning", key,
                 f"{file.name}: {len(accounts)} account(s) are not in reference/"
                 f"{spec.accounts_reference}.csv, so no metric counts them: {listed}; add each "
                 "with its category and run `northstar reference`")
