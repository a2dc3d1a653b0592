"""Reading CSV and JSON Lines files into typed batches for the ledger.

A column the ledger table already has keeps its type; a new column's type is inferred from
every value in the file. A value that does not fit stops the whole load with the file's line
number, the column and the reason — nothing from the file is written.

A file is bounded before it is read (`[load]` in northstar.toml, `LoadSettings`): its size is
checked first, each line is read at most `max_line_length` characters at a time, and the
header's width is checked before any record is, so a file past a bound fails in the time it
takes to read that much, not the whole file."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from northstar.config import LoadSettings
from northstar.errors import LoadError
from northstar.ledger.schema import arrow_type_of

_INT = re.compile(r"^[+-]?\d{1,18}$")
_DEC = re.compile(r"^[+-]?\d+\.(\d+)$")
_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TS = re.compile(
    r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2}| UTC)?$"
)
_BOOL = {"true": True, "false": False, "t": True, "f": False}
DEFAULT_LIMITS = LoadSettings()


def check_size(path: Path, limits: LoadSettings) -> None:
    """Refuse a file larger than `max_file_megabytes` before reading any of it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from None
    if size > limits.max_file_bytes:
        raise LoadError(f"{path.name}: {size / 1e6:,.1f} MB, more than the "
                        f"{limits.max_file_megabytes:g} MB a load accepts (max_file_megabytes "
                        "in [load] of northstar.toml)")


def bounded_lines(name: str, stream: IO[str], limits: LoadSettings, offset: int = 0
                  ) -> Iterator[str]:
    """The lines of `stream`, each read at most `max_line_length` characters (and its line
    end) at a time: a longer line stops the load when that much is read."""
    limit = limits.max_line_length
    number = offset
    while True:
        line = stream.readline(limit + 2)  # the line and a "\r\n"
        if not line:
            return
        number += 1
        if len(line.rstrip("\r\n")) > limit:
            raise LoadError(f"{name}: line {number} is longer than {limit:,} characters "
                            "(max_line_length in [load] of northstar.toml)")
        yield line


def check_columns(name: str, line: int, count: int, limits: LoadSettings) -> None:
    if count > limits.max_columns:
        raise LoadError(f"{name}: line {line}: {count:,} columns, more than the "
                        f"{limits.max_columns:,} a load accepts (max_columns in [load] of "
                        "northstar.toml)")


def normalise_column(name: str) -> str:
    """`Amount (USD)` -> `amount_usd`: ledger columns are plain lower-case identifiers."""
    out = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    if not out:
        raise LoadError(f"column header {name!r} has no letters or digits")
    return out if out[0].isalpha() else "c_" + out


def _to_timestamp(v: Any) -> datetime:
    if isinstance(v, datetime):
        return v
    text = str(v).strip()
    if not _TS.match(text):
        raise ValueError(f"{text!r} is not a timestamp (expected 2025-01-31 14:05:00)")
    text = text.replace(" UTC", "+00:00").replace("Z", "+00:00")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    return parsed


def _to_date(v: Any) -> date:
    text = str(v).strip()
    if not _DATE.match(text):
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)")
    return date.fromisoformat(text)


def _to_int(v: Any) -> int:
    if isinstance(v, bool) or not _INT.match(str(v).strip()):
        raise ValueError(f"{v!r} is not a whole number")
    return int(str(v).strip())


def _to_float(v: Any) -> float:
    if isinstance(v, bool) or not _FLOAT.match(str(v).strip()):
        raise ValueError(f"{v!r} is not a number")
    return float(str(v).strip())


def _to_bool(v: Any) -> bool:
    if isinstance(v, bool):
        return v
    key = str(v).strip().lower()
    if key not in _BOOL:
        raise ValueError(f"{v!r} is not true or false")
    return _BOOL[key]


def _decimal(scale: int) -> Callable[[Any], Decimal]:
    def convert(v: Any) -> Decimal:
        if isinstance(v, bool):
            raise ValueError(f"{v!r} is not a number")
        try:
            d = Decimal(str(v).strip())
        except InvalidOperation:
            raise ValueError(f"{v!r} is not a number") from None
        if not d.is_finite():
            raise ValueError(f"{v!r} is not a finite number")
        exponent = d.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            raise ValueError(f"{v!r} has more than {scale} digits after the point")
        return d

    return convert


def _to_text(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v) if isinstance(v, dict | list) else str(v)


def converter(duck_type: str) -> Callable[[Any], Any]:
    upper = duck_type.upper()
    if upper.startswith("DECIMAL"):
        return _decimal(arrow_type_of(upper).scale)
    return {
        "VARCHAR": _to_text, "BIGINT": _to_int, "INTEGER": _to_int, "DOUBLE": _to_float,
        "DATE": _to_date, "TIMESTAMP": _to_timestamp, "BOOLEAN": _to_bool,
    }.get(upper, _to_text)


def infer_type(values: list[Any]) -> str:
    """The narrowest ledger type every non-empty value fits."""
    present = [v for v in values if v is not None]
    if not present:
        return "VARCHAR"
    if all(isinstance(v, bool) for v in present):
        return "BOOLEAN"
    if any(isinstance(v, dict | list | bool) for v in present):
        return "VARCHAR"
    texts = [str(v).strip() for v in present]
    if all(_INT.match(t) for t in texts):
        return "BIGINT"
    if all(_INT.match(t) or _DEC.match(t) for t in texts) and not any(
        isinstance(v, float) for v in present
    ):
        scale = max((len(m.group(1)) for t in texts if (m := _DEC.match(t))), default=0)
        digits = max(len(t.lstrip("+-").replace(".", "")) for t in texts)
        if scale <= 6 and digits - scale <= 16:
            return f"DECIMAL(18,{max(scale, 2)})"
    if all(_FLOAT.match(t) for t in texts):
        return "DOUBLE"
    if all(_DATE.match(t) for t in texts):
        try:
            for t in texts:
                date.fromisoformat(t)
            return "DATE"
        except ValueError:
            return "VARCHAR"
    if all(_TS.match(t) for t in texts):
        return "TIMESTAMP"
    if all(t.lower() in ("true", "false") for t in texts):
        return "BOOLEAN"
    return "VARCHAR"


def read_records(path: Path, known_types: dict[str, str],
                 limits: LoadSettings = DEFAULT_LIMITS) -> pa.Table:
    """Read a .csv or .jsonl/.ndjson file into a typed Arrow table, within `limits`."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl", ".ndjson", ".json"):
        raise LoadError(f"{path.name}: only .csv and .jsonl files can be loaded")
    check_size(path, limits)
    try:
        lines, rows = (_read_csv(path, limits) if suffix == ".csv"
                       else _read_jsonl(path, limits))
    except OSError as exc:
        raise LoadError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise LoadError(f"{path.name}: not UTF-8 text ({exc.reason})") from None
    if not rows:
        raise LoadError(f"{path.name}: no records")
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    arrays: dict[str, pa.Array] = {}
    for name in columns:
        values = [row.get(name) for row in rows]
        duck = known_types.get(name) or infer_type(values)
        convert = converter(duck)
        out: list[Any] = []
        for line, value in zip(lines, values, strict=True):
            if value is None:
                out.append(None)
                continue
            try:
                out.append(convert(value))
            except ValueError as exc:
                raise LoadError(f"{path.name}: line {line}, column {name}: {exc} "
                                f"(the column holds {duck})") from None
        arrays[name] = pa.array(out, type=arrow_type_of(duck))
    return pa.table(arrays)


def _read_csv(path: Path, limits: LoadSettings) -> tuple[list[int], list[dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(bounded_lines(path.name, fh, limits))
        try:
            header = next(reader)
        except StopIteration:
            raise LoadError(f"{path.name}: the file is empty") from None
        except csv.Error as exc:
            raise LoadError(f"{path.name}: line 1: {exc}") from None
        check_columns(path.name, 1, len(header), limits)
        names = [normalise_column(h) for h in header]
        dupes = sorted(n for n, times in Counter(names).items() if times > 1)
        if dupes:
            raise LoadError(f"{path.name}: line 1: column {dupes[0]!r} appears twice")
        lines: list[int] = []
        rows: list[dict[str, Any]] = []
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise LoadError(f"{path.name}: line {reader.line_num}: {exc}") from None
            if not record or all(not c.strip() for c in record):
                continue
            if len(record) != len(names):
                raise LoadError(f"{path.name}: line {reader.line_num}: {len(record)} fields, "
                                f"the header has {len(names)}")
            lines.append(reader.line_num)
            rows.append({n: (v if v.strip() != "" else None) for n, v in
                         zip(names, record, strict=True)})
    return lines, rows


def _read_jsonl(path: Path, limits: LoadSettings) -> tuple[list[int], list[dict[str, Any]]]:
    lines: list[int] = []
    rows: list[dict[str, Any]] = []
    columns: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for number, text in enumerate(bounded_lines(path.name, fh, limits), start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                raise LoadError(f"{path.name}: line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise LoadError(f"{path.name}: line {number}: each line must be a JSON object")
            check_columns(path.name, number, len(record), limits)
            row = {normalise_column(k): v for k, v in record.items()}
            columns.update(row)
            check_columns(path.name, number, len(columns), limits)
            lines.append(number)
            rows.append(row)
    return lines, rows
