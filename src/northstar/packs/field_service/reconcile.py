"""`northstar reconcile`: a ServiceTitan report export (CSV or Excel) compared, row by row, with
Northstar's values, so that every KPI is known to match the vendor's own reports.

A report lists business units as ServiceTitan names them, one row per unit (and per day, when
it has a Date column; otherwise the whole date range its heading names), with a column per
figure. Each column the project's `reference/report_columns.csv` knows is a KPI; each unit goes
through the business-unit map (`reference/business_units.csv`) to the unit it is reported as,
so the rows of units folded together are added up. Every (unit, period, KPI) is compared with
the metric's value for that unit, and so is every unit Northstar has a value for that the
report does not list. What was compared is appended to the ledger table `reconciliation`, one
row per report, unit, period and KPI (a rerun is a new version of each; a row the report no
longer yields is marked deleted), and the check `reconcile` fails while one of them differs."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from northstar.errors import LoadError, NorthstarError
from northstar.reference import REFERENCE_DIR

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["TABLE", "Difference", "Reconciliation", "ReportRow", "read_report", "reconcile"]

TABLE = "reconciliation"
SOURCE = "reconcile"
TOLERANCE = Decimal("0.005")
ZERO = Decimal(0)
UNIT_COLUMN = "business unit"
DATE_COLUMN = "date"
_RANGE = re.compile(r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})\s*(?:-|\u2013|to)\s*"
                    r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2})")
_MONEY = re.compile(r"[$,\s]")


@dataclass(frozen=True)
class ReportRow:
    """One row of a report: the unit as ServiceTitan names it, its period, its figures by
    column, and its line in the file."""

    unit: str
    period: str
    values: dict[str, Decimal]
    line: int


@dataclass(frozen=True)
class Difference:
    business_unit: str
    """The unit as reported (the map's `reported_as`), or the report's name when unmapped."""
    period: str
    metric: str
    report: Decimal | None
    """None: the report has no row for the unit, while Northstar has a value."""
    northstar: Decimal | None
    lines: str
    """The report's lines the figure comes from."""
    why: str


@dataclass
class Reconciliation:
    report: str
    compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    """Report columns `report_columns.csv` does not name (left out of the comparison)."""


def _csv_map(path: Path, key: str) -> dict[str, dict[str, str]]:
    if not path.is_file():
        raise NorthstarError(f"{path} is missing: reconcile needs the project's "
                             f"{path.name} (the field-service pack's reference file)")
    with path.open(newline="", encoding="utf-8-sig") as f:
        return {r[key].strip().lower(): r for r in csv.DictReader(f) if r.get(key)}


def _number(text: Any, where: str) -> Decimal:
    if isinstance(text, (int, float, Decimal)) and not isinstance(text, bool):
        return Decimal(str(text))
    raw = str(text).strip()
    value = _MONEY.sub("", raw).rstrip("%")
    negative = value.startswith("(") and value.endswith(")")
    value = value.strip("()")
    if value in ("", "-"):
        return Decimal(0)
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise LoadError(f"{where}: {raw!r} is not a number") from None
    return -number if negative else number


def _day(text: Any, where: str) -> date:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    raw = str(text).strip()
    for form in ("%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y"):
        try:
            return datetime.strptime(raw, form).date()
        except ValueError:
            continue
    raise LoadError(f"{where}: {raw!r} is not a date (ServiceTitan writes 3/14/2025)")


def _period_of_range(first: date, last: date, where: str) -> str:
    """The period a report's date range is: a day, a month, a quarter or a year."""
    after = last + timedelta(days=1)
    if first == last:
        return first.isoformat()
    if first.day == 1 and after.day == 1:
        months = (after.year - first.year) * 12 + after.month - first.month
        if months == 1:
            return f"{first.year:04d}-{first.month:02d}"
        if months == 3 and first.month % 3 == 1:
            return f"{first.year:04d}-Q{first.month // 3 + 1}"
        if months == 12 and first.month == 1:
            return f"{first.year:04d}"
    raise LoadError(f"{where}: the date range {first:%m/%d/%Y} - {last:%m/%d/%Y} is not one "
                    "day, month, quarter or year; export the report by day (with a Date "
                    "column) or for a whole month")


def _grid(path: Path) -> list[tuple[int, list[Any]]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException

        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (InvalidFileException, OSError, KeyError, ValueError) as exc:
            raise LoadError(f"{path.name}: not an Excel workbook that can be read "
                            f"({exc})") from None
        try:
            sheet = book[book.sheetnames[0]]
            return [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), 1)]
        finally:
            book.close()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot read {path}: {exc}") from None
    return [(n, row) for n, row in enumerate(csv.reader(text.splitlines()), 1)]


def read_report(path: Path, period: str | None = None) -> tuple[list[ReportRow], list[str]]:
    """The rows of a report export and its columns (besides the unit and the date). The
    heading above the column names may say the date range (`Date Range: 3/1/2025 - 3/31/2025`);
    `period` overrides it."""
    grid = _grid(path)
    header: int | None = None
    found_range: tuple[date, date] | None = None
    for i, (_, cells) in enumerate(grid):
        texts = [str(c).strip() if c is not None else "" for c in cells]
        if UNIT_COLUMN in (t.lower() for t in texts):
            header = i
            break
        span = _RANGE.search(" ".join(texts))
        if span is not None:
            found_range = (_day(span[1], path.name), _day(span[2], path.name))
    if header is None:
        raise LoadError(f"{path.name}: no header row with a 'Business Unit' column; export "
                        "the report with its business units as rows")
    names = [str(c).strip() if c is not None else "" for c in grid[header][1]]
    lowered = [n.lower() for n in names]
    unit_at = lowered.index(UNIT_COLUMN)
    date_at = lowered.index(DATE_COLUMN) if DATE_COLUMN in lowered else None
    columns = [(i, n) for i, n in enumerate(names) if n and i not in (unit_at, date_at)]
    if date_at is None and period is None and found_range is None:
        raise LoadError(f"{path.name}: neither a Date column nor a date range above the "
                        "header; give the period (--period 2025-03)")
    whole = period or (None if found_range is None
                       else _period_of_range(*found_range, path.name))
    rows: list[ReportRow] = []
    for line, raw in grid[header + 1:]:
        cells = [*raw, *[None] * (len(names) - len(raw))]
        unit = str(cells[unit_at] or "").strip()
        if not unit or unit.lower().startswith("total"):
            continue  # a blank line, or the report's own totals
        where = f"{path.name}:{line}"
        when = whole if date_at is None else _day(cells[date_at], where).isoformat()
        assert when is not None
        rows.append(ReportRow(unit, when, {name: _number(cells[i], f"{where}: {name}")
                                           for i, name in columns}, line))
    return rows, [n for _, n in columns]


def reconcile(project: Project, path: str | Path, *, period: str | None = None,
              ) -> Reconciliation:
    """Compare one report export with the project's values; append what was compared."""
    report = Path(path)
    rows, columns = read_report(report, period)
    reference = project.root / REFERENCE_DIR
    metrics = {k: r["metric"] for k, r in _csv_map(reference / "report_columns.csv",
                                                   "column").items()}
    units = _csv_map(reference / "business_units.csv", "business_unit")
    result = Reconciliation(report.name)
    known = [c for c in columns if c.lower() in metrics]
    result.unknown_columns = [c for c in columns if c.lower() not in metrics]
    for c in known:
        project.catalog.get(metrics[c.lower()])  # a mapping to a metric that does not exist
    sums: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    lines: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    unmapped: set[tuple[str, str, str]] = set()
    for row in rows:
        mapped = units.get(row.unit.lower())
        team = mapped["reported_as"] if mapped else row.unit
        for column in known:
            key = (team, row.period, metrics[column.lower()])
            sums[key] += row.values[column]
            lines[key].append(row.line)
            if mapped is None:
                unmapped.add(key)
    wanted: dict[str, set[str]] = defaultdict(set)
    for _, p, metric in sums:
        wanted[metric].add(p)
    ours: dict[tuple[str, str, str], Decimal | None] = {}
    for metric, periods in wanted.items():
        for v in project.compute([metric], sorted(periods), by="team"):
            sliced = v.slice.get("team")
            if sliced is not None:
                ours[(str(sliced), v.period, metric)] = (None if v.value is None
                                                       else Decimal(str(v.value)))
    compared: list[dict[str, Any]] = []
    for key in sorted(set(sums) | {k for k, v in ours.items() if v}):
        team, p, metric = key
        theirs: Decimal | None = sums.get(key)
        mine = ours.get(key)
        where = ", ".join(str(n) for n in lines.get(key, []))
        if key in unmapped:
            why = f"{team!r} is not in the business-unit map (reference/business_units.csv)"
        elif theirs is None:
            why = "Northstar has a value; the report has no row for this unit"
        else:
            why = "the values differ"
        same = key not in unmapped and abs((theirs or ZERO) - (mine or ZERO)) <= TOLERANCE
        if not same:
            result.differences.append(Difference(team, p, metric, theirs, mine, where, why))
        compared.append({"business_unit": team, "period": p, "metric": metric,
                         "report_value": theirs, "northstar_value": mine, "matches": same,
                         "lines": where, "why": None if same else why})
    result.compared = len(compared)
    _record(project, report.name, compared)
    return result


def _record(project: Project, name: str, compared: list[dict[str, Any]]) -> None:
    """Append what was compared: each row's new version, and a deletion for each row an
    earlier comparison of this report had that this one has not."""
    import pyarrow as pa

    from northstar.ledger.store import raw_table
    from northstar.models.views import DELETED

    table = raw_table(TABLE)
    ids = [f"{name}|{c['business_unit']}|{c['period']}|{c['metric']}" for c in compared]
    gone: list[str] = []
    if table in project.engine.relations():
        held = project.engine.rows(
            f"SELECT id, {DELETED} FROM (SELECT id, {DELETED}, row_number() OVER (PARTITION BY "
            f"id ORDER BY load_id DESC, row_seq DESC) AS n FROM {table} WHERE report = ?) AS x "
            "WHERE n = 1", [name])
        gone = sorted({str(r[0]) for r in held if not r[1]} - set(ids))
    now = datetime.now(UTC).replace(tzinfo=None)
    money = pa.decimal128(18, 2)

    def amount(v: Decimal | None) -> Decimal | None:
        return None if v is None else v.quantize(Decimal("0.01"))

    data = pa.table({
        "id": ids + gone, "report": [name] * (len(ids) + len(gone)),
        "business_unit": [c["business_unit"] for c in compared] + [None] * len(gone),
        "period": [c["period"] for c in compared] + [None] * len(gone),
        "metric": [c["metric"] for c in compared] + [None] * len(gone),
        "report_value": pa.array([amount(c["report_value"]) for c in compared]
                                 + [None] * len(gone), money),
        "northstar_value": pa.array([amount(c["northstar_value"]) for c in compared]
                                    + [None] * len(gone), money),
        "difference": pa.array([amount((c["report_value"] or ZERO) - (c["northstar_value"] or ZERO))
                                for c in compared] + [None] * len(gone), money),
        "matches": pa.array([c["matches"] for c in compared] + [True] * len(gone)),
        "lines": pa.array([c["lines"] for c in compared] + [None] * len(gone), pa.string()),
        "why": pa.array([c["why"] for c in compared] + [None] * len(gone), pa.string()),
        "compared_at": pa.array([now] * (len(ids) + len(gone)), pa.timestamp("us")),
        DELETED: pa.array([False] * len(ids) + [True] * len(gone)),
    })
    if data.num_rows:
        project.append(TABLE, data, source=SOURCE)
