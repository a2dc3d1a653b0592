"""`attach(project, spec)`: read the tables Fivetran lands in a warehouse, map them to the
canonical raw tables, and append them to the ledger — each object all rows or none.

The mapped rows are read in record batches of `BATCH_ROWS`; each batch is checked, tagged,
compared with the ledger and staged (`northstar.ledger.staging`), and the staged batches are
moved into the raw table in one transaction at the end (one load per batch), so memory is
bounded by the batch, not by the warehouse.

Incremental and idempotent:
- `_fivetran_synced` is the cursor. Each mapped row carries `fivetran_synced` (the newest sync
  of the rows it was built from); the next attach reads only rows synced at or after the newest
  value already in the ledger. Objects whose tables have no `_fivetran_synced` are read whole.
- The ledger appends a new version whenever an id is appended again, so rows whose content is
  the same as the ledger's latest version of that id are skipped: re-attaching an unchanged
  warehouse appends nothing.
- Rows Fivetran marks deleted (`_fivetran_deleted`, HubSpot `is_deleted`) are not loaded. When a
  record that is already in the ledger is deleted later, a new version with `is_deleted = true`
  is appended, so the deletion is on record without editing history."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from northstar.engines.base import quote
from northstar.errors import ConfigError, LoadError, NorthstarError
from northstar.ledger.schema import RESERVED, arrow_type_of
from northstar.ledger.staging import Stage, bounded_writes
from northstar.ledger.store import raw_table, utcnow
from northstar.ledger.versions import ID_COLUMN, newest
from northstar.warehouse.adapters import Warehouse, open_warehouse
from northstar.warehouse.mapping import BUILTIN, Mapping, load_mapping, render
from northstar.warehouse.spec import AttachSpec
from northstar.warehouse.tags import TagRule, apply_tags, load_tag_rules

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["AttachReport", "ObjectReport", "attach", "map_batches", "map_object",
           "people_emails", "unchanged_filter"]

BATCH_ROWS = 50_000
"""Mapped rows read, checked and staged at a time."""
CURSOR_COLUMN = "fivetran_synced"
DELETED_COLUMN = "is_deleted"


@dataclass
class ObjectReport:
    """What one object's attach did."""

    name: str
    source: str
    read: int = 0
    """Rows the mapping returned (after the cursor)."""
    deleted_skipped: int = 0
    """Rows deleted in the warehouse that the ledger never had: not loaded."""
    tombstones: int = 0
    """Records already in the ledger and now deleted: appended as `is_deleted` versions."""
    unchanged: int = 0
    """Rows identical to the ledger's latest version: skipped."""
    appended: int = 0
    load_id: int | None = None
    """The newest load this attach appended (one per batch read)."""
    cursor: datetime | None = None
    """The cursor the read started from (None: a full read)."""


@dataclass
class AttachReport:
    warehouse: str
    objects: list[ObjectReport] = field(default_factory=list)

    @property
    def appended(self) -> int:
        return sum(o.appended for o in self.objects)


def people_emails(project: Project) -> dict[str, str]:
    """email -> person id, from people.yml (for rules with `people_email: true`)."""
    from northstar.people import PEOPLE_FILE, load_people

    if not (project.root / PEOPLE_FILE).exists():
        return {}
    people, _, _ = load_people(project.root)
    return {p.email.lower(): p.id for p in people if p.email}


def attach(project: Project, spec: AttachSpec,
           progress: Callable[[ObjectReport], Any] | None = None) -> AttachReport:
    """Read every object the spec names and append what is new or changed to the ledger."""
    mapping = load_mapping(spec.path(spec.mapping) if spec.mapping else BUILTIN)
    rules = load_tag_rules(spec.path(spec.tags) if spec.tags else BUILTIN / "tags.yml")
    emails = people_emails(project)
    report = AttachReport(spec.url)
    with open_warehouse(spec.url, spec.base) as warehouse, bounded_writes(project.engine):
        for connector, conn in spec.connectors().items():
            names = conn.objects or [n for n, o in mapping.objects.items()
                                     if o.connector == connector]
            for name in names:
                obj = mapping.objects.get(name)
                if obj is None or obj.connector != connector:
                    known = ", ".join(n for n, o in mapping.objects.items()
                                      if o.connector == connector)
                    raise ConfigError(f"{connector}.objects names {name!r}, which the mapping "
                                      f"does not map from {connector}; it maps: {known}")
                result = _attach_object(project, warehouse, mapping, name, conn.schema_,
                                        conn.source or connector, rules, emails, spec.accounts,
                                        obj.values(project.settings.vars))
                report.objects.append(result)
                if progress is not None:
                    progress(result)
    return report


def _mapping_sql(warehouse: Warehouse, mapping: Mapping, name: str, schema: str,
                 cursor: datetime | None, values: dict[str, str] | None = None) -> str:
    obj = mapping.objects[name]
    qualified = warehouse.qualify(schema)
    columns = {t: warehouse.columns(schema, t) for t in obj.tables}
    return render(obj, mapping, warehouse.dialect, columns, qualified, cursor, values)


def _reading(name: str, warehouse: Warehouse, exc: Exception) -> NorthstarError:
    text = str(exc) if isinstance(exc, NorthstarError) else str(exc).splitlines()[0]
    return NorthstarError(f"reading {name} from {warehouse.url}: {text}")


def map_object(warehouse: Warehouse, mapping: Mapping, name: str, schema: str,
               cursor: datetime | None = None, values: dict[str, str] | None = None
               ) -> pa.Table:
    """Run one object's mapping on a warehouse and return the mapped rows."""
    sql = _mapping_sql(warehouse, mapping, name, schema, cursor, values)
    try:
        return warehouse.read(sql)
    except Exception as exc:  # the driver's error names the column or table
        raise _reading(name, warehouse, exc) from None


def map_batches(warehouse: Warehouse, mapping: Mapping, name: str, schema: str,
                cursor: datetime | None = None, rows: int | None = None,
                values: dict[str, str] | None = None) -> Iterator[pa.Table]:
    """One object's mapped rows in batches of about `rows` (default `BATCH_ROWS`)."""
    sql = _mapping_sql(warehouse, mapping, name, schema, cursor, values)
    batches = warehouse.batches(sql, rows or BATCH_ROWS)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except Exception as exc:  # the driver's error names the column or table
            raise _reading(name, warehouse, exc) from None
        yield batch


def _attach_object(project: Project, warehouse: Warehouse, mapping: Mapping, name: str,
                   schema: str, source: str, rules: list[TagRule], emails: dict[str, str],
                   accounts: dict[str, str], values: dict[str, str]) -> ObjectReport:
    obj = mapping.objects[name]
    table = raw_table(obj.table)
    ledger_columns = dict(project.engine.columns(table) or [])
    cursor = _cursor(project, table, source) if CURSOR_COLUMN in ledger_columns else None
    result = ObjectReport(name, source, cursor=cursor)
    started = utcnow()
    stage = Stage(project.ledger, table, source, obj.id_column)
    try:
        stage.claim()
        for batch in map_batches(warehouse, mapping, name, schema, cursor, values=values):
            data = _prepare(project, obj.id_column, obj.table, table, source, batch, result,
                            rules, emails, accounts, ledger_columns, stage)
            if data.num_rows:
                result.appended += stage.add(data)
        with project.engine.transaction():
            loads = stage.move()
        if loads:
            result.load_id = loads[-1].load_id
    except NorthstarError as exc:
        stage.discard()
        project.ledger.record_failure(table, source, started, str(exc))
        raise
    finally:
        stage.release()
    return result


def _prepare(project: Project, id_column: str, name: str, table: str, source: str,
             data: pa.Table, result: ObjectReport, rules: list[TagRule],
             emails: dict[str, str], accounts: dict[str, str], ledger_columns: dict[str, str],
             stage: Stage) -> pa.Table:
    """One batch of mapped rows as they are appended: checked, normalised, deletions
    resolved, accounts translated, tagged, and without rows the ledger already holds."""
    result.read += data.num_rows
    if id_column not in data.column_names:
        raise LoadError(f"the mapping of {name} has no id column {id_column!r}")
    for column in data.column_names:
        if column in RESERVED:
            raise LoadError(f"the mapping of {name} returns {column!r}, a name the ledger "
                            "keeps for itself; rename it")
    data = _normalise(data).sort_by(id_column)  # same row order on every engine
    ids = pc.cast(data.column(id_column), pa.string())
    known = _known_ids(project, table, source, ids) if ledger_columns \
        else pa.array([], pa.string())
    data, skipped, tombstones = _deletions(data, id_column, known)
    result.deleted_skipped += skipped
    result.tombstones += tombstones
    if "account_number" in data.column_names:
        data = _translate_accounts(data, accounts)
    data = apply_tags(data, name, rules, emails)
    if (ledger_columns or stage.batches) and data.num_rows:
        before = data.num_rows
        data = unchanged_filter(project, table, source, data, id_column,
                                ledger_columns or dict(stage.columns or []), stage)
        result.unchanged += before - data.num_rows
    return data


def _cursor(project: Project, table: str, source: str) -> datetime | None:
    value = project.engine.scalar(
        f"SELECT max({quote(CURSOR_COLUMN)}) FROM {quote(table)} WHERE source_name = ?",
        [source])
    return value if isinstance(value, datetime) else None


def _normalise(data: pa.Table) -> pa.Table:
    """Plain Arrow types the ledger stores: no time zones, no dictionary or large strings."""
    columns = []
    for col in data.columns:
        t = col.type
        if pa.types.is_timestamp(t):
            if t.tz is not None:
                col = pc.cast(col, pa.timestamp("us", "UTC"))
            col = pc.cast(col, pa.timestamp("us"))
        elif pa.types.is_large_string(t) or pa.types.is_dictionary(t):
            col = pc.cast(col, pa.string())
        elif pa.types.is_integer(t):
            col = pc.cast(col, pa.int64())
        columns.append(col)
    return pa.table(columns, names=data.column_names)


def _known_ids(project: Project, table: str, source: str, ids: pa.ChunkedArray | pa.Array
               ) -> pa.Array:
    """Which of `ids` the ledger holds for `source`."""
    found = project.engine.query(
        f"SELECT DISTINCT source_id FROM {quote(table)} WHERE source_name = ? AND source_id IN "
        "(SELECT unnest(CAST(? AS VARCHAR[])))", [source, ids.to_pylist()])
    return pc.cast(found.column(0), pa.string()).combine_chunks() if found.num_rows \
        else pa.array([], pa.string())


def _deletions(data: pa.Table, id_column: str, known: pa.Array) -> tuple[pa.Table, int, int]:
    if DELETED_COLUMN not in data.column_names or data.num_rows == 0:
        return data, 0, 0
    deleted = pc.fill_null(pc.cast(data.column(DELETED_COLUMN), pa.bool_()), False)
    in_ledger = pc.is_in(pc.cast(data.column(id_column), pa.string()), value_set=known)
    drop = pc.and_(deleted, pc.invert(in_ledger))
    tombstones = int(pc.sum(pc.and_(deleted, in_ledger)).as_py() or 0)
    dropped = int(pc.sum(drop).as_py() or 0)
    return data.filter(pc.invert(drop)), dropped, tombstones


def _translate_accounts(data: pa.Table, accounts: dict[str, str]) -> pa.Table:
    original = pc.cast(data.column("account_number"), pa.string())
    translated = original
    if accounts:
        keys = pa.array(list(accounts), pa.string())
        found = pc.index_in(original, value_set=keys)
        translated = pc.coalesce(pa.array(list(accounts.values()), pa.string()).take(found),
                                 original)
    index = data.column_names.index("account_number")
    data = data.set_column(index, "account_number", translated)
    return data.add_column(index + 1, "source_account_number", original)


def unchanged_filter(project: Project, table: str, source: str, data: pa.Table, id_column: str,
                     ledger_columns: dict[str, str], stage: Stage | None = None) -> pa.Table:
    """The rows whose content differs from the newest version of the same id (in the ledger,
    or staged earlier in the same run)."""
    import duckdb

    shared = [c for c in data.column_names if c in ledger_columns]
    extra = [c for c in data.column_names if c not in ledger_columns]
    ids = pc.cast(data.column(id_column), pa.string()).to_pylist()
    latest = newest(project.engine, table, shared, ids=ids, source=source, stage=stage)
    incoming = data
    for c in shared:  # compare as the ledger stores it
        target = arrow_type_of(ledger_columns[c])
        col = incoming.column(c)
        if col.type != target:
            try:
                col = pc.cast(col, target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                continue  # the append will report the value that does not fit
            incoming = incoming.set_column(incoming.column_names.index(c), c, col)
    incoming = incoming.append_column("ns_row", pa.array(range(data.num_rows), pa.int64()))
    con = duckdb.connect()
    try:
        con.register("incoming", incoming)
        con.register("latest", latest)
        differs = [f"i.{quote(c)} IS DISTINCT FROM l.{quote(c)}" for c in shared]
        differs += [f"i.{quote(c)} IS NOT NULL" for c in extra]
        rows = con.sql(
            f"SELECT i.ns_row FROM incoming AS i LEFT JOIN latest AS l "
            f"ON l.{ID_COLUMN} = CAST(i.{quote(id_column)} AS VARCHAR) "
            f"WHERE l.{ID_COLUMN} IS NULL OR {' OR '.join(differs) or 'FALSE'} ORDER BY i.ns_row"
        ).to_arrow_table()
    finally:
        con.close()
    return data.take(rows.column(0))
