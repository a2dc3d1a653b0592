"""Reference tables: the mappings and lists a project keeps as files (`reference/<name>.csv`:
board names, job types, account categories...), versioned with the ledger.

Each file is loaded through the ledger's ordinary append into `raw_ref_<name>` (so it is hashed,
chained and logged like any load) and read by models as the view `ref_<name>`. Its first column
is each row's id. Loading again appends only when the file differs from what the ledger holds: the
file's rows as a new version, and a tombstone (`is_deleted`) for each id the file no longer has,
so the view always shows the file as it is now and the ledger keeps every version before it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from northstar.engines.base import quote
from northstar.errors import LoadError
from northstar.ledger.schema import RESERVED
from northstar.ledger.store import raw_table
from northstar.models.views import DELETED

if TYPE_CHECKING:
    import pyarrow as pa

    from northstar.project import Project

__all__ = ["REFERENCE_DIR", "REFERENCE_PREFIX", "REFERENCE_SOURCE", "ReferenceLoad",
           "load_reference", "reference_files", "reference_ids"]

REFERENCE_DIR = "reference"
REFERENCE_PREFIX = "ref_"
"""A reference file `boards.csv` is the raw object `ref_boards` (table `raw_ref_boards`)."""
REFERENCE_SOURCE = "reference"
"""The source name reference rows carry."""


@dataclass(frozen=True)
class ReferenceLoad:
    """What loading one reference file did."""

    name: str
    """The view's name, `ref_<file stem>`."""
    rows: int
    """Rows in the file."""
    removed: int
    """Ids the ledger held that the file no longer has (each got a tombstone)."""
    load_id: int | None
    """The load that appended them, or None when the file was unchanged."""


def reference_files(root: Path) -> list[Path]:
    """A project's reference files, by name."""
    return sorted((root / REFERENCE_DIR).glob("*.csv"))


def load_reference(project: Project, paths: list[Path] | None = None) -> list[ReferenceLoad]:
    """Load each reference file (by default all of the project's) that differs from the ledger."""
    return [_load(project, path) for path in
            (reference_files(project.root) if paths is None else paths)]


def reference_ids(project: Project, name: str) -> set[str] | None:
    """The ids (first column) reference table `name` holds now; None when the project has no
    such table."""
    table = raw_table(REFERENCE_PREFIX + name)
    held = _latest(project, table, dict(project.engine.columns(table) or []))
    return None if held is None else set(held)


def _load(project: Project, path: Path) -> ReferenceLoad:
    import pyarrow as pa

    from northstar.ledger.files import read_records

    name = REFERENCE_PREFIX + path.stem
    table = raw_table(name)
    known = dict(project.engine.columns(table) or [])
    try:
        data = read_records(path, known, project.settings.load)
    except LoadError as exc:
        raise LoadError(f"{REFERENCE_DIR}/{path.name}: {exc}") from None
    key = data.column_names[0]
    if DELETED in data.column_names:
        raise LoadError(f"{REFERENCE_DIR}/{path.name}: the column {DELETED!r} is the ledger's "
                        "(a row removed from the file is marked deleted)")
    data = data.append_column(DELETED, pa.array([False] * data.num_rows, pa.bool_()))
    gone: list[str] = []
    held = _latest(project, table, known)
    if held is not None:
        # compare on every column either side has: a column added to or dropped from the file
        # is a change; a tag column the file does not name is empty on both sides
        columns = [c for c in known if c not in RESERVED] + [
            c for c in data.column_names if c not in known]
        wanted = {str(r[key]): r for r in data.to_pylist()}
        if set(wanted) == set(held) and all(
                wanted[i].get(c) == held[i].get(c) for i in wanted for c in columns):
            return ReferenceLoad(name, data.num_rows, 0, None)
        gone = sorted(set(held) - set(wanted))
        if gone:
            data = pa.concat_tables([data, _tombstones(data.schema, key, gone, held)])
    try:
        result = project.append(name, data, source=REFERENCE_SOURCE, id_column=key)
    except LoadError as exc:
        raise LoadError(f"{REFERENCE_DIR}/{path.name}: {exc}") from None
    return ReferenceLoad(name, data.num_rows - len(gone), len(gone), result.load_id)


def _latest(project: Project, table: str, known: dict[str, str],
            ) -> dict[str, dict[str, Any]] | None:
    """The rows the ledger holds now (the latest version of each id, tombstones left out), by
    id; None when nothing was loaded yet."""
    if not known:
        return None
    payload = [c for c in known if c not in RESERVED]
    rows = project.engine.query(
        f"SELECT source_id, {', '.join(quote(c) for c in payload)} FROM (SELECT *, row_number() "
        f"OVER (PARTITION BY source_id ORDER BY load_id DESC, row_seq DESC) AS ns_rn "
        f"FROM {quote(table)}) AS v WHERE ns_rn = 1").to_pylist()
    return {str(r.pop("source_id")): r for r in rows if not r.get(DELETED)}


def _tombstones(schema: pa.Schema, key: str, ids: list[str],
                held: dict[str, dict[str, Any]]) -> pa.Table:
    """One row per removed id: its id, every other column empty, `is_deleted` true."""
    import pyarrow as pa

    columns: dict[str, pa.Array] = {}
    for field in schema:
        if field.name == key:
            columns[key] = pa.array([held[i][key] for i in ids], field.type)
        elif field.name == DELETED:
            columns[DELETED] = pa.array([True] * len(ids), pa.bool_())
        else:
            columns[field.name] = pa.nulls(len(ids), field.type)
    return pa.table(columns)
