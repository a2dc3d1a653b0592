"""QuickBooks Desktop's "Profit & Loss by Month" report, exported as CSV or Excel, read as the
rows of the `profit_and_loss` table: one per account and month.

Desktop has no API, so the books come in as the report an accountant exports. The report is laid
out for paper: a few title lines (company, title, dates, basis) may come first, then a row of
column headings (`Jan 24`, `Feb 24`, ..., `TOTAL`), then the outline: groups (`Ordinary
Income/Expense`), sections (`Income`, `Cost of Goods Sold`, `Expense`, `Other Income`, `Other
Expense`), parent accounts with their sub-accounts indented under them (one column further right
in an export, or spaces) and closed by `Total <parent>`, section totals and computed rows
(`Gross Profit`, `Net Ordinary Income`, `Net Income`). Only accounts that carry amounts become
rows; every total is left out. A sub-account's name is its parents' names joined with `:` (the
account's full name in QuickBooks), a `4000 · Managed Services` label gives the account number,
and a `Parent - Other` row (what was posted to the parent itself) is the parent's own row.

The layout is read from the structure (headings, `Total` rows), with indentation only telling a
heading without sub-accounts from a parent. Anything that does not fit stops the file with the
row and what was expected there; nothing is returned half read. See docs/warehouse.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from northstar.config import LoadSettings
from northstar.errors import LoadError
from northstar.ledger.files import DEFAULT_LIMITS, check_size
from northstar.warehouse.files import ColumnMap, csv_dialect, csv_lines, number_parser, read_text

__all__ = ["PnlReport", "month_of", "read_pnl_by_month"]



@dataclass(frozen=True)
class _Uncalculated:
    """An Excel cell holding a formula whose value was never saved (the file was not written
    by Excel): there is no number to read."""

    formula: str


Cell = str | Decimal | datetime | _Uncalculated | None

_MONTHS = {name: n for n, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december")), start=1) for name in names}
_YEAR = r"'?(?P<year>\d{4}|\d{2})"
_MONTH = re.compile(rf"^(?P<mon>[a-z]+)\.?\s+{_YEAR}$")  # Jan 24, Jan 2024
_PART = re.compile(  # a partial month: Jan 15 - 31, 24
    rf"^(?P<mon>[a-z]+)\.?\s+\d{{1,2}}\s*-\s*\d{{1,2}},?\s+{_YEAR}$")
_ISO = re.compile(r"^(?P<year>\d{4})-(?P<m>\d{2})$")  # 2024-01
_SPAN = re.compile(r"^(?P<a>[a-z]+)\.?(\s+\d{1,2})?(,?\s+'?\d{2,4})?\s*(-|through|to)\s*"
                   r"(?P<b>[a-z]+)\.?(\s+\d{1,2})?,?\s+'?\d{2,4}$")         # Jan - Dec 24
_NUMBERED = re.compile(r"^(?P<num>[^\s·•]+)\s*[·•]\s*(?P<name>.+)$")        # 4000 · Rent
_TOTAL_COLUMN = {"total"}
_GROUPS = {"ordinary income/expense", "other income/expense"}
_SECTIONS = {  # heading -> how its total row may name it
    "income": {"income"}, "cost of goods sold": {"cogs", "cost of goods sold"},
    "expense": {"expense", "expenses"}, "expenses": {"expense", "expenses"},
    "other income": {"other income"}, "other expense": {"other expense", "other expenses"},
    "other expenses": {"other expense", "other expenses"},
}
_COMPUTED = {"gross profit", "net ordinary income", "net other income", "net income",
             "net operating income"}
_CENT = Decimal("0.01")
_SECTION_NAMES = "Income, Cost of Goods Sold, Expense, Other Income or Other Expense"


@dataclass(frozen=True)
class PnlReport:
    """What an export says: its rows and the months its columns cover."""

    rows: list[dict[str, Any]]
    """`id`, `month`, `account_number`, `account`, `amount`, in the report's order."""
    months: tuple[date, ...]
    """Every month the report has a column for (an account missing there had no activity)."""


@dataclass
class _Heading:
    label: str
    name: str
    number: str | None
    depth: tuple[int, int]
    row: int
    children: int = 0


@dataclass
class _State:
    unit: str
    flat: bool
    section: str | None = None
    parents: list[_Heading] = field(default_factory=list)


def month_of(cell: Cell) -> date | None:
    """The month a column heading names (`Jan 24`, `Jan 2024`, `Jan 1 - 15, 24`, `2024-01`),
    or None when it names none."""
    if isinstance(cell, datetime):
        return cell.date().replace(day=1) if cell.day == 1 else None
    if not isinstance(cell, str):
        return None
    text = " ".join(cell.lower().split())
    iso = _ISO.match(text)
    if iso:
        number = int(iso["m"])
        return date(int(iso["year"]), number, 1) if 1 <= number <= 12 else None
    found = _MONTH.match(text) or _PART.match(text)
    if not found or found["mon"] not in _MONTHS:
        return None
    year = int(found["year"])
    return date(year + 2000 if year < 100 else year, _MONTHS[found["mon"]], 1)


def _spans_months(text: str) -> bool:
    span = _SPAN.match(" ".join(text.lower().split()))
    return bool(span and span["a"] in _MONTHS and span["b"] in _MONTHS
                and _MONTHS[span["a"]] != _MONTHS[span["b"]])


# -- reading the grid ------------------------------------------------------------------------
def _csv_rows(path: Path, encoding: str, delimiter: str | None, limits: LoadSettings
              ) -> Iterator[tuple[int, list[Cell]]]:
    found, text, offset = csv_dialect(read_text(path, encoding, limits), delimiter)
    for line, record in csv_lines(path, text, found, offset, limits):
        yield line, [c if c.strip() else None for c in record]


def _excel_rows(path: Path, sheet: str | None) -> tuple[str, list[tuple[int, list[Cell]]]]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise LoadError(f"{path.name}: not an Excel workbook that can be read ({exc})") from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise LoadError(f"{path.name}: no sheet {sheet!r}; sheets: {', '.join(names)}")
        if not names:
            raise LoadError(f"{path.name}: the workbook has no sheets")
        first: list[tuple[int, list[Cell]]] | None = None
        for name in [sheet] if sheet is not None else names:
            grid: list[tuple[int, list[Cell]]] = []
            rows = zip(book[name].iter_rows(min_row=1, values_only=True),
                       formulas[name].iter_rows(min_row=1, values_only=True), strict=False)
            for number, (values, written) in enumerate(rows, start=1):
                grid.append((number, [_excel_cell(v, w) for v, w in
                                      zip(values, [*written, *[None] * len(values)],
                                          strict=False)]))
            if sheet is not None or _header(grid) is not None:
                return name, grid
            first = grid if first is None else first
        return names[0], first or []
    finally:
        book.close()
        formulas.close()


def _excel_cell(value: Any, written: Any) -> Cell:
    if value is None and isinstance(written, str) and written.startswith("="):
        return _Uncalculated(written)
    if value is None or isinstance(value, datetime):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return Decimal(repr(value))
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    text = str(value)
    return text if text.strip() else None


# -- the report's structure ------------------------------------------------------------------
def _header(grid: list[tuple[int, list[Cell]]]) -> int | None:
    """Index in `grid` of the column-heading row: the first with a month, a TOTAL or a span of
    months to the right of a label column."""
    for i, (_, cells) in enumerate(grid):
        for cell in cells[1:]:
            if month_of(cell) is not None or (isinstance(cell, str) and (
                    cell.strip().lower() in _TOTAL_COLUMN or _spans_months(cell))):
                return i
    return None


def _columns(where: str, cells: list[Cell]) -> list[tuple[int, str, date]]:
    """(index, heading, month) of each month column; TOTAL and spacer columns are left out,
    and so is whatever heads the label columns left of the first month."""
    first = next((i for i, c in enumerate(cells) if i > 0 and (
        month_of(c) is not None or (isinstance(c, str) and _spans_months(c)))), None)
    if first is None:
        raise LoadError(f"{where}: the report has no month columns, only a total: this is not a "
                        "report by month; export 'Profit & Loss by Month'")
    months: list[tuple[int, str, date]] = []
    seen: dict[date, str] = {}
    for index in range(first, len(cells)):
        cell = cells[index]
        if cell is None:
            continue
        heading = f"{cell:%Y-%m-%d}" if isinstance(cell, datetime) else str(cell).strip()
        month = month_of(cell)
        if month is not None:
            if month in seen:
                raise LoadError(f"{where}: columns {seen[month]!r} and {heading!r} are both "
                                f"{month:%B %Y}")
            seen[month] = heading
            months.append((index, heading, month))
        elif heading.lower() in _TOTAL_COLUMN:
            continue
        elif isinstance(cell, datetime):
            raise LoadError(f"{where}: the column heading {heading} is a date, not a month "
                            "(was a heading such as 'Jan 24' turned into a date?)")
        elif _spans_months(heading):
            raise LoadError(f"{where}: the column {heading!r} spans several months: this is not a "
                            "report by month; export 'Profit & Loss by Month' (or set the "
                            "report's columns to Month)")
        else:
            raise LoadError(f"{where}: the column heading {heading!r} is neither a month (such "
                            "as 'Jan 24') nor TOTAL")
    return months


def _label(cells: list[Cell], before: int) -> tuple[str, tuple[int, int]] | None:
    for index, cell in enumerate(cells[:before]):
        if isinstance(cell, str) and cell.strip():
            return cell.strip(), (index, len(cell) - len(cell.lstrip()))
        if cell is not None:
            return str(cell), (index, 0)
    return None


def _amount(cell: Cell) -> Decimal:
    if isinstance(cell, _Uncalculated):
        raise ValueError(f"the formula {cell.formula} has no saved value (the file was not "
                         "saved by Excel); open it in Excel, save it, and load it again")
    if isinstance(cell, datetime):
        raise ValueError(f"{cell:%Y-%m-%d} is a date, not an amount")
    value = cell if isinstance(cell, Decimal) else _PARSE(str(cell))
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_EVEN)
    if abs(rounded - value) > Decimal("0.000001"):
        raise ValueError(f"{cell!s} has more than 2 digits after the point")
    return rounded


_PARSE = number_parser(ColumnMap(type="money"))


def _split_number(label: str) -> tuple[str | None, str]:
    numbered = _NUMBERED.match(label)
    if numbered:
        return numbered["num"], numbered["name"].strip()
    return None, label


def read_pnl_by_month(path: str | Path, *, encoding: str = "utf-8-sig",
                      delimiter: str | None = None, sheet: str | None = None,
                      limits: LoadSettings = DEFAULT_LIMITS) -> PnlReport:
    """Read an export (`.xlsx`/`.xlsm` as Excel, anything else as CSV); LoadError names the
    file, the row and what was expected."""
    file = Path(path)
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        check_size(file, limits)
        name, grid = _excel_rows(file, sheet)
        where, unit = f"{file.name}, sheet {name}", "row"
    else:
        grid = list(_csv_rows(file, encoding, delimiter, limits))
        where, unit = file.name, "line"
    if not any(any(c is not None for c in cells) for _, cells in grid):
        raise LoadError(f"{file.name}: the file is empty")
    start = _header(grid)
    if start is None:
        raise LoadError(f"{where}: no row of month column headings (such as 'Jan 24', "
                        "'Feb 24', ..., 'TOTAL') was found: is this a 'Profit & Loss by Month' "
                        "export?")
    head_line, head = grid[start]
    months = _columns(f"{where}: {unit} {head_line}", head)
    first = months[0][0]
    body = grid[start + 1:]
    depths = {found[1] for _, cells in body if (found := _label(cells, first)) is not None}
    state = _State(unit=unit, flat=len(depths) <= 1)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells in body:
        at = f"{where}: {unit} {line}"
        found = _label(cells, first)
        present = [(heading, month, cells[index]) for index, heading, month in months
                   if index < len(cells) and cells[index] is not None]
        if found is None:
            if present:
                raise LoadError(f"{at}: amounts without an account name")
            continue
        label, depth = found
        leaf = _classify(at, line, label, depth, bool(present), state)
        if leaf is None:
            continue
        amounts: list[tuple[date, Decimal]] = []
        for heading, month, cell in present:
            try:
                amounts.append((month, _amount(cell)))
            except ValueError as exc:
                raise LoadError(f"{at}, column {heading}: {exc}") from None
        number, account = leaf
        if account in seen:
            raise LoadError(f"{at}: the account {account!r} is also on {unit} {seen[account]}")
        seen[account] = line
        rows.extend({"id": f"PL-{month:%Y-%m}-{account}", "month": month,
                     "account_number": number, "account": account, "amount": amount}
                    for month, amount in amounts)
    _close(f"{where}: at the end", state)
    if not seen:
        raise LoadError(f"{where}: no account rows under the month columns")
    return PnlReport(rows, tuple(m for _, _, m in months))


def _classify(at: str, line: int, label: str, depth: tuple[int, int], has: bool,
              state: _State) -> tuple[str | None, str] | None:
    """Follow the outline one row; an account with amounts gives (number, full name)."""
    key = label.lower()
    # a heading that never got sub-accounts (an account with no amounts) ends where a row at
    # its own level or above begins (a report without indentation cannot tell, so there a
    # heading is a parent until its Total)
    while (not state.flat and state.parents and not state.parents[-1].children
           and state.parents[-1].depth >= depth):
        state.parents.pop()
    if not has and key in _GROUPS:
        _close(at, state)
        state.section = None
        return None
    if not has and key in _SECTIONS and not state.parents and state.section != key:
        state.section = key
        return None
    if key.startswith("total ") and _total(at, label[6:].strip(), state):
        return None
    if key in _COMPUTED:
        _close(at, state)
        state.section = None
        return None
    if state.section is None:
        raise LoadError(f"{at}: the account {label!r} is outside any section (expected it under "
                        f"{_SECTION_NAMES})")
    number, name = _split_number(label)
    if not has:
        if state.parents:
            state.parents[-1].children += 1
        state.parents.append(_Heading(label, name, number, depth, line))
        return None
    path = [p.name for p in state.parents]
    if state.parents:
        parent = state.parents[-1]
        parent.children += 1
        if re.fullmatch(rf"{re.escape(parent.name)}\s*[-\u2013\u2014]\s*other", name, re.I):
            return parent.number, ":".join(path)
    return number, ":".join([*path, name])


def _total(at: str, target: str, state: _State) -> bool:
    """Close what `Total <target>` names; False when it names nothing open (then the row is an
    account whose name starts with "Total")."""
    wanted = target.lower()
    if any(p.label.lower() == wanted for p in state.parents):
        while state.parents[-1].label.lower() != wanted:
            _drop_empty(at, state)
        state.parents.pop()
        return True
    if state.section is not None and wanted in _SECTIONS[state.section]:
        _close(at, state)
        state.section = None
        return True
    if wanted in _GROUPS:
        _close(at, state)
        return True
    return False


def _drop_empty(at: str, state: _State) -> None:
    top = state.parents[-1]
    if top.children:
        raise LoadError(f"{at}: the parent account {top.label!r} ({state.unit} {top.row}) has no "
                        f"'Total {top.label}' row before this")
    state.parents.pop()


def _close(at: str, state: _State) -> None:
    while state.parents:
        _drop_empty(at, state)
