"""`load_mapped(project, path, mapping)`: a CSV or spreadsheet CSV export with a declared column
mapping (a YAML file) appended to one raw table — every row, or none. A mapping with
`format: qbd_pnl_by_month` reads QuickBooks Desktop's Profit & Loss by Month report instead
(CSV or Excel; see qbd.py and pnl.py).

Spreadsheet exports are messy, so the reader copes with what they do: a byte-order mark, an Excel
`sep=;` first line, `;`, `,`, tab or `|` delimiters (sniffed unless declared), thousands
separators (`1,234.50`, or `1.234,50` when the mapping says so), currency symbols, negatives in
parentheses, and dates such as `01/31/2025` in the format the mapping declares. A value that does
not fit stops the load with the file's line number and the column's header. The file's size,
line length and width are bounded as for `northstar load` (`[load]`, ledger/files.py)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from northstar.config import LoadSettings
from northstar.errors import LoadError
from northstar.files import load_yaml, validate
from northstar.ledger.files import (
    DEFAULT_LIMITS,
    bounded_lines,
    check_columns,
    check_size,
    converter,
    infer_type,
    normalise_column,
)
from northstar.ledger.schema import RESERVED, arrow_type_of, check_name
from northstar.ledger.store import raw_table, utcnow
from northstar.warehouse.attach import people_emails, unchanged_filter
from northstar.warehouse.tags import TagRule, apply_tags

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["ColumnMap", "FileMapping", "FileReport", "load_file_mapping", "load_mapped"]

FileFormat = Literal["csv", "qbd_pnl_by_month"]
ColumnType = Literal["varchar", "bigint", "double", "decimal", "money", "boolean", "date",
                     "timestamp"]
_DUCK = {"varchar": "VARCHAR", "bigint": "BIGINT", "double": "DOUBLE",
         "decimal": "DECIMAL(18,6)", "money": "DECIMAL(18,2)", "boolean": "BOOLEAN",
         "date": "DATE", "timestamp": "TIMESTAMP"}
_CURRENCY = re.compile(r"[$€£¥₹\s\u00a0\u202f]|USD|EUR|GBP|CAD|AUD")
_BOOLS = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
          "1": True, "0": False, "t": True, "f": False}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ColumnMap(_Strict):
    """How one column of the file becomes a ledger column."""

    to: str | None = None
    """Ledger column name (default: the header, normalised: `Amount (USD)` -> `amount_usd`)."""
    type: ColumnType = "varchar"
    """varchar, bigint, double, decimal (6 places), money (2 places), boolean, date, timestamp."""
    format: str | None = None
    """For dates and timestamps: a strftime format such as `%m/%d/%Y` (default ISO 8601)."""
    thousands: str | None = None
    """Thousands separator in numbers (default: `,`, or `.` when `decimal` is `,`)."""
    decimal: str = "."
    """Decimal mark in numbers: `.` or `,`."""
    required: bool = False
    """An empty cell is an error instead of NULL."""

    @field_validator("to")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None:
            check_name(value, "column")
        return value


class FileMapping(_Strict):
    """A mapping file: which raw table a file's rows go to, and how each column is read."""

    table: str
    """Raw table to append to (e.g. `platform_invoice_lines`)."""
    source: str = "file"
    """Source name the rows get in the ledger."""
    format: FileFormat = "csv"
    """How the file is laid out: `csv` (a header line, then one record a line) or
    `qbd_pnl_by_month` (QuickBooks Desktop's Profit & Loss by Month report, exported as CSV or
    Excel, read as the rows of `profit_and_loss`; `columns` and `id` are then not used)."""
    id: str | list[str] = ""
    """Ledger column holding the record id, or several joined with `-` to make one (required
    for `csv`)."""
    id_column: str = "id"
    """Name of the composed id column when `id` lists several columns."""
    delimiter: str | None = None
    """Field delimiter; default: sniffed from the file (`,`, `;`, tab or `|`)."""
    encoding: str = "utf-8-sig"
    """Text encoding (`utf-8-sig` also accepts a byte-order mark; `cp1252` for old Excel)."""
    columns: dict[str, ColumnMap] = {}
    """Per header of the file, how the column is read."""
    unmapped: Literal["keep", "drop", "error"] = "drop"
    """What to do with columns the mapping does not name: keep them (types inferred), drop them,
    or refuse the file."""
    tags: list[TagRule] = Field(default_factory=list)
    """Tag rules (same format as the warehouse tag rules; `tables` is not needed)."""
    sheet: str | None = None
    """`qbd_pnl_by_month` from Excel: the worksheet to read (default: the first that holds the
    report)."""
    accounts_reference: str | None = "account_categories"
    """`qbd_pnl_by_month`: the reference table (`reference/<name>.csv`) whose first column lists
    the accounts the project maps; accounts in the export that it lacks are reported after the
    load (nothing is reported when the project has no such table)."""

    @field_validator("table", "source")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value, "table")

    @model_validator(mode="after")
    def _format(self) -> FileMapping:
        if self.format == "csv":
            if not self.id:
                raise ValueError("`id` is required: the column holding each record's id")
        elif self.columns:
            raise ValueError(f"`columns` does not apply to format {self.format}: its columns "
                             "are fixed (id, month, account_number, account, amount)")
        elif self.id not in ("", "id"):
            raise ValueError(f"format {self.format} makes its own `id` column")
        else:
            self.id = "id"
        return self


@dataclass
class FileReport:
    table: str
    source: str
    read: int
    unchanged: int
    appended: int
    load_id: int | None
    unmapped_accounts: list[str] = field(default_factory=list)
    """`qbd_pnl_by_month`: accounts in the export that the accounts reference does not list."""
    accounts_reference: str | None = None
    """The reference table they were looked up in."""


def load_file_mapping(path: str | Path) -> FileMapping:
    file = Path(path)
    data, lines = load_yaml(file)
    return validate(FileMapping, data, file, lines)


def number_parser(spec: ColumnMap) -> Callable[[str], Decimal]:
    thousands = spec.thousands if spec.thousands is not None else (
        "." if spec.decimal == "," else ",")

    def parse(text: str) -> Decimal:
        raw = text
        negative = False
        value = _CURRENCY.sub("", text)
        if value.startswith("(") and value.endswith(")"):
            negative, value = True, value[1:-1]
        if value.endswith("-"):
            negative, value = True, value[:-1]
        if thousands:
            value = value.replace(thousands, "")
        if spec.decimal != ".":
            value = value.replace(spec.decimal, ".")
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{raw!r} is not a number")
        return -number if negative else number

    return parse


def _value_parser(spec: ColumnMap) -> Callable[[str], Any]:
    duck = _DUCK[spec.type]
    if spec.type in ("decimal", "money", "double", "bigint"):
        number = number_parser(spec)
        scale = 2 if spec.type == "money" else 6

        def to_number(text: str) -> Any:
            value = number(text)
            if spec.type == "bigint":
                if value != value.to_integral_value():
                    raise ValueError(f"{text!r} is not a whole number")
                return int(value)
            if spec.type == "double":
                return float(value)
            exponent = value.as_tuple().exponent
            if isinstance(exponent, int) and -exponent > scale:
                raise ValueError(f"{text!r} has more than {scale} digits after the point")
            return value

        return to_number
    if spec.type in ("date", "timestamp") and spec.format:
        fmt = spec.format

        def to_time(text: str) -> Any:
            try:
                parsed = datetime.strptime(text.strip(), fmt)
            except ValueError:
                raise ValueError(f"{text!r} does not match the date format {fmt}") from None
            return parsed.date() if spec.type == "date" else parsed

        return to_time
    if spec.type == "boolean":
        def to_bool(text: str) -> bool:
            key = text.strip().lower()
            if key not in _BOOLS:
                raise ValueError(f"{text!r} is not yes/no or true/false")
            return _BOOLS[key]

        return to_bool
    return converter(duck)


def read_text(path: Path, encoding: str, limits: LoadSettings = DEFAULT_LIMITS) -> str:
    """The file's text, its size checked first and its first line (the header) checked
    before the rest is read."""
    check_size(path, limits)
    try:
        with path.open(encoding=encoding) as fh:
            first = next(bounded_lines(path.name, fh, limits), "")
            return first + fh.read()
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, LookupError) as exc:
        raise LoadError(f"{path.name}: not {encoding} text ({exc}); set `encoding` in the "
                        "mapping (e.g. cp1252)") from None


def csv_dialect(text: str, delimiter: str | None) -> tuple[str, str, int]:
    """(delimiter, text, line offset) of a spreadsheet CSV: an Excel `sep=;` first line is obeyed
    and taken off, and the delimiter is sniffed unless given."""
    offset = 0
    first, _, rest = text.partition("\n")
    if first.strip().lower().startswith("sep=") and len(first.strip()) == 5:
        delimiter = delimiter or first.strip()[4]
        text, offset = rest, 1
    if delimiter is None:
        try:
            delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    return delimiter, text, offset


def csv_lines(path: Path, text: str, delimiter: str, offset: int,
              limits: LoadSettings = DEFAULT_LIMITS) -> Iterator[tuple[int, list[str]]]:
    """Each record with its line in the file; a record that cannot be read, or a line or
    header past `limits`, stops the file."""
    lines = bounded_lines(path.name, io.StringIO(text, newline=""), limits, offset)
    reader = csv.reader(lines, delimiter=delimiter)
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise LoadError(f"{path.name}: line {reader.line_num + offset}: {exc}") from None
        if reader.line_num == 1:
            check_columns(path.name, 1 + offset, len(record), limits)
        yield reader.line_num + offset, record


def _split(path: Path, text: str, delimiter: str | None, limits: LoadSettings
           ) -> tuple[list[str], list[tuple[int, list[str]]]]:
    delimiter, text, offset = csv_dialect(text, delimiter)
    records = csv_lines(path, text, delimiter, offset, limits)
    first = next(records, None)
    if first is None:
        raise LoadError(f"{path.name}: the file is empty")
    header = first[1]
    rows: list[tuple[int, list[str]]] = []
    for line, record in records:
        if not record or all(not c.strip() for c in record):
            continue
        if len(record) != len(header):
            raise LoadError(f"{path.name}: line {line}: {len(record)} fields, the header has "
                            f"{len(header)} (delimiter {delimiter!r})")
        rows.append((line, record))
    return [h.strip() for h in header], rows


def read_mapped(path: Path, mapping: FileMapping, limits: LoadSettings = DEFAULT_LIMITS
                ) -> pa.Table:
    """Read a file as the mapping says; a bad value raises LoadError naming line and column."""
    header, rows = _split(path, read_text(path, mapping.encoding, limits), mapping.delimiter,
                          limits)
    if not rows:
        raise LoadError(f"{path.name}: no records")
    by_header = {h.lower(): i for i, h in enumerate(header)}
    missing = [h for h in mapping.columns if h.lower() not in by_header]
    if missing:
        raise LoadError(f"{path.name}: line 1: the mapping names column {missing[0]!r}, which "
                        f"the header does not have; header: {', '.join(header)}")
    mapped = {h.lower() for h in mapping.columns}
    extra = [h for h in header if h.lower() not in mapped]
    if extra and mapping.unmapped == "error":
        raise LoadError(f"{path.name}: line 1: column {extra[0]!r} is not in the mapping")
    arrays: dict[str, pa.Array] = {}
    plan: list[tuple[str, int, ColumnMap | None]] = [
        (h, by_header[h.lower()], spec) for h, spec in mapping.columns.items()]
    if mapping.unmapped == "keep":
        plan += [(h, by_header[h.lower()], None) for h in extra]
    lines = [line for line, _ in rows]
    for head, index, spec in plan:
        values: list[str | None] = [r[index] if r[index].strip() != "" else None
                                    for _, r in rows]
        if spec is None:
            name, duck = normalise_column(head), infer_type(values)
            parse: Callable[[str], Any] = converter(duck)
        else:
            name, duck = spec.to or normalise_column(head), _DUCK[spec.type]
            parse = _value_parser(spec)
        if name in arrays:
            raise LoadError(f"{path.name}: two columns become {name!r}; rename one with `to`")
        if name in RESERVED:
            raise LoadError(f"{path.name}: column {head!r} becomes {name!r}, a name the ledger "
                            "keeps for itself; rename it with `to`")
        out: list[Any] = []
        for line, value in zip(lines, values, strict=True):
            if value is None:
                if spec is not None and spec.required:
                    raise LoadError(f"{path.name}: line {line}, column {head}: empty, but the "
                                    "mapping says it is required")
                out.append(None)
                continue
            try:
                out.append(parse(value))
            except ValueError as exc:
                raise LoadError(f"{path.name}: line {line}, column {head}: {exc}") from None
        arrays[name] = pa.array(out, type=arrow_type_of(duck))
    table = pa.table(arrays)
    if isinstance(mapping.id, list):
        parts = []
        for column in mapping.id:
            if column not in table.column_names:
                raise LoadError(f"the mapping's id names {column!r}, which is not a column; "
                                f"columns: {', '.join(table.column_names)}")
            parts.append(pc.cast(table.column(column), pa.string()))
        table = table.append_column(mapping.id_column,
                                    pc.binary_join_element_wise(*parts, "-"))
    return table


def load_mapped(project: Project, path: str | Path, mapping: FileMapping | str | Path
                ) -> FileReport:
    """Append a CSV export (or a QuickBooks Desktop P&L by month) to the raw table its mapping
    names: every row or none. Rows the ledger already holds with the same content are skipped,
    so loading a file twice adds nothing."""
    spec = mapping if isinstance(mapping, FileMapping) else load_file_mapping(mapping)
    file = Path(path)
    table = raw_table(spec.table)
    id_column = spec.id_column if isinstance(spec.id, list) else spec.id
    started = utcnow()
    unmapped: list[str] = []
    try:
        if spec.format == "qbd_pnl_by_month":
            from northstar.warehouse.pnl import pnl_load

            data, unmapped = pnl_load(project, file, spec)
        else:
            data = read_mapped(file, spec, project.settings.load)
        if id_column not in data.column_names:
            raise LoadError(f"the id column {id_column!r} is not in the mapped file; columns: "
                            f"{', '.join(data.column_names)}")
        data = apply_tags(data, spec.table, spec.tags, people_emails(project))
        read = data.num_rows
        known = dict(project.engine.columns(table) or [])
        if known:
            data = unchanged_filter(project, table, spec.source, data, id_column, known)
    except LoadError as exc:
        project.ledger.record_failure(table, spec.source, started, str(exc))
        raise
    if unmapped:
        from northstar.warehouse.pnl import report_unmapped

        report_unmapped(project, spec, file, unmapped)
    if data.num_rows == 0:
        return FileReport(spec.table, spec.source, read, read, 0, None, unmapped,
                          spec.accounts_reference)
    result = project.append(spec.table, data, source=spec.source, id_column=id_column)
    return FileReport(spec.table, spec.source, read, read - data.num_rows, result.rows,
                      result.load_id, unmapped, spec.accounts_reference)
