"""QuickBooks Online's ProfitAndLoss report (Reports API) as `profit_and_loss` rows.

The report asked with `summarize_column_by=Month` has one `Money` column per month (its
`MetaData` gives `StartDate` and `EndDate`) and a `total` column, and nests its rows: sections
(`group` Income, COGS, Expenses, OtherIncome, OtherExpenses) hold `Data` rows, one per account
(`ColData[0]` is `{"value": name, "id": account id}`), and a parent account with sub-accounts is
itself a section whose `Header` names it and whose `Summary` is its `Total` row. Summaries and
the computed sections (GrossProfit, NetOperatingIncome, NetIncome) are left out, as in the
Desktop export. A sub-account's name is its parents' names joined with `:` (QuickBooks' fully
qualified name)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from northstar.sources.values import RecordError, day, money, text

__all__ = ["month_ranges", "report_rows"]

Record = dict[str, Any]


def month_ranges(first: date, last: date, months: int) -> Iterator[tuple[date, date]]:
    """(start, end) of consecutive spans of at most `months` months, from `first`'s month to
    `last`'s month, each from a month's first day to a month's last day."""
    start, end_month = first.replace(day=1), last.replace(day=1)
    while start <= end_month:
        stop, n = start, 1
        while n < months and stop < end_month:
            stop, n = _next_month(stop), n + 1
        yield start, _next_month(stop) - timedelta(days=1)
        start = _next_month(stop)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _columns(report: Record) -> list[tuple[int, date]]:
    """(ColData index, month) of each month column; the account and total columns are not."""
    found: list[tuple[int, date]] = []
    columns = ((report.get("Columns") or {}).get("Column")) or []
    for index, column in enumerate(columns):
        meta = {m.get("Name"): m.get("Value") for m in column.get("MetaData") or []}
        if column.get("ColType") != "Money" or str(meta.get("ColKey", "")).lower() == "total":
            continue
        start = day(meta.get("StartDate"))
        if start is None:
            raise RecordError(f"ProfitAndLoss column {column.get('ColTitle')!r} has no StartDate")
        found.append((index, start.replace(day=1)))
    if not found:
        header = report.get("Header") or {}
        raise RecordError("the ProfitAndLoss report has no month columns (SummarizeColumnsBy "
                          f"{header.get('SummarizeColumnsBy')!r}); it was asked by Month")
    return found


def report_rows(report: Record, numbers: dict[str, Any]) -> list[Record]:
    """One record per account and month with an amount: `id`, `month`, `account_id`,
    `account_number` (from `numbers`, account id -> number), `account`, `amount`."""
    months = _columns(report)
    out: list[Record] = []
    for row in ((report.get("Rows") or {}).get("Row")) or []:
        _walk(row, [], months, numbers, out)
    return out


def _walk(row: Record, path: list[str], months: list[tuple[int, date]],
          numbers: dict[str, Any], out: list[Record]) -> None:
    if row.get("type") == "Data" or "ColData" in row:
        _emit(row.get("ColData") or [], path, months, numbers, out)
        return
    header = (row.get("Header") or {}).get("ColData") or []
    inner = path
    if header and header[0].get("id"):  # a parent account: its sub-accounts are under it
        name = _name(header[0], numbers)
        inner = [*path, name]
        _emit(header, path, months, numbers, out)  # what was posted to the parent itself
    for child in ((row.get("Rows") or {}).get("Row")) or []:
        _walk(child, inner, months, numbers, out)


def _name(cell: Record, numbers: dict[str, Any]) -> str:
    name = text(cell.get("value")) or ""
    number = numbers.get(str(cell.get("id")))
    if number and name.startswith(f"{number} "):  # "Show account numbers" is on
        name = name[len(str(number)) + 1:]
    return name.strip()


def _emit(cells: list[Record], path: list[str], months: list[tuple[int, date]],
          numbers: dict[str, Any], out: list[Record]) -> None:
    if not cells:
        return
    account_id = text(cells[0].get("id"))
    account = ":".join([*path, _name(cells[0], numbers)])
    for index, month in months:
        value = cells[index].get("value") if index < len(cells) else None
        amount = money(value)
        if amount is None:
            continue
        out.append({"id": f"PL-{month:%Y-%m}-{account}", "month": month.isoformat(),
                    "account_id": account_id,
                    "account_number": text(numbers.get(account_id or "")),
                    "account": account, "amount": str(amount)})
