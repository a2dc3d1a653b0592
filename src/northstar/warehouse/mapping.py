"""The declarative mapping: one SELECT per canonical table over Fivetran's tables, kept in
`<folder>/<object>.sql` (DuckDB dialect) and listed in `<folder>/mapping.yml`.

`render()` makes a mapping runnable on one warehouse: table names get the connector's schema,
columns (or whole tables) an older Fivetran schema lacks get typed NULL stand-ins, an incremental
cursor is applied, and the result is transpiled with SQLGlot to the warehouse's dialect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import sqlglot
from pydantic import BaseModel, ConfigDict
from sqlglot import exp

from northstar.errors import ConfigError, NorthstarError
from northstar.files import load_yaml, validate
from northstar.ledger.schema import check_name

__all__ = ["BUILTIN", "MappedObject", "Mapping", "load_mapping", "render"]

BUILTIN = Path(__file__).parent / "fivetran"
"""The built-in mapping of Fivetran's QuickBooks Online and HubSpot schemas."""

ColumnType = Literal["varchar", "double", "bigint", "boolean", "date", "timestamp"]
_ALWAYS_OPTIONAL: dict[str, ColumnType] = {"_fivetran_deleted": "varchar",
                                           "_fivetran_synced": "timestamp"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ObjectEntry(_Strict):
    connector: str
    """Which connector's schema the SELECT reads (e.g. quickbooks, hubspot)."""
    id: str = "id"
    """Column with the record's stable id."""


class OptionalEntry(_Strict):
    table: bool = False
    """True: the whole table may be missing (read as empty)."""
    columns: dict[str, ColumnType] = {}
    """Columns that may be missing, with the type of their NULL stand-in."""


class MappingFile(_Strict):
    objects: dict[str, ObjectEntry]
    """Canonical raw tables, each with `<name>.sql` beside this file."""
    optional: dict[str, OptionalEntry] = {}
    """Per warehouse table, what may be missing from it."""


@dataclass(frozen=True)
class MappedObject:
    name: str
    connector: str
    id_column: str
    sql: str
    path: Path
    tables: frozenset[str]
    """Warehouse tables the SELECT reads."""
    tree: exp.Expr
    """The parsed SELECT (render works on a copy)."""


@dataclass(frozen=True)
class Mapping:
    folder: Path
    objects: dict[str, MappedObject]
    optional: dict[str, OptionalEntry]


def load_mapping(folder: Path = BUILTIN) -> Mapping:
    path = folder / "mapping.yml"
    if not path.exists():
        raise ConfigError("a mapping folder needs a mapping.yml", path=str(folder))
    data, lines = load_yaml(path)
    manifest = validate(MappingFile, data, path, lines)
    objects: dict[str, MappedObject] = {}
    for name, entry in manifest.objects.items():
        check_name(name, "object")
        sql_path = folder / f"{name}.sql"
        try:
            sql = sql_path.read_text(encoding="utf-8").strip().rstrip(";")
        except OSError as exc:
            raise ConfigError(f"cannot read the SELECT for {name}: {exc.strerror}",
                              path=str(sql_path)) from None
        try:
            tree = sqlglot.parse_one(sql, read="duckdb")
        except sqlglot.errors.ParseError as exc:
            raise ConfigError(f"not valid SQL: {str(exc).splitlines()[0]}",
                              path=str(sql_path)) from None
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        tables = frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)
        objects[name] = MappedObject(name, entry.connector, entry.id, sql, sql_path, tables,
                                     tree)
    return Mapping(folder, objects, manifest.optional)


def _null_select(columns: dict[str, ColumnType]) -> exp.Select:
    select = exp.select(*(exp.cast(exp.null(), t).as_(c) for c, t in columns.items()))
    return select.where(exp.false())


def render(obj: MappedObject, mapping: Mapping, dialect: str,
           columns: dict[str, set[str] | None], schema: tuple[str | None, str],
           cursor: datetime | None = None) -> str:
    """The object's SELECT for one warehouse. `columns` holds, per table the SELECT reads, the
    table's columns there (None: no such table); `schema` is (catalog, schema)."""
    tree = obj.tree.copy()
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    catalog, db = schema
    for table in list(tree.find_all(exp.Table)):
        name = table.name
        if name in ctes:
            continue
        optional = mapping.optional.get(name, OptionalEntry())
        have = columns.get(name)
        alias = table.alias_or_name
        if have is None:
            if not optional.table:
                where = f"{catalog}.{db}" if catalog else db
                raise NorthstarError(f"the warehouse has no table {where}.{name}, which "
                                     f"{obj.name} reads")
            table.replace(exp.Subquery(this=_null_select(optional.columns),
                                       alias=exp.TableAlias(this=exp.to_identifier(alias))))
            continue
        ref = exp.Table(this=exp.to_identifier(name), db=exp.to_identifier(db),
                        catalog=exp.to_identifier(catalog) if catalog else None)
        wanted = {**_ALWAYS_OPTIONAL, **optional.columns}
        missing = {c: t for c, t in wanted.items() if c not in have}
        if missing:
            inner = exp.select(exp.Star(), *(exp.cast(exp.null(), t).as_(c)
                                             for c, t in missing.items())).from_(ref)
            table.replace(exp.Subquery(this=inner,
                                       alias=exp.TableAlias(this=exp.to_identifier(alias))))
        else:
            ref.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            table.replace(ref)
    for node in list(tree.find_all(exp.Greatest)):
        # GREATEST ignores NULLs on DuckDB and PostgreSQL but returns NULL on BigQuery and
        # Snowflake: give each argument the others as fallbacks, so all engines agree.
        args = [node.this, *node.expressions]
        fallback = [exp.Coalesce(this=a.copy(), expressions=[o.copy() for o in args if o is not a])
                    for a in args]
        node.replace(exp.Greatest(this=fallback[0], expressions=fallback[1:]))
    if cursor is not None:
        # >= not >: rows synced in the same second as the last load are compared, not lost.
        outer = (exp.select(exp.Star()).from_(exp.Subquery(this=tree, alias=exp.TableAlias(
            this=exp.to_identifier("ns_mapped"))))
            .where(f"fivetran_synced IS NULL OR fivetran_synced >= "
                   f"CAST('{cursor.isoformat(sep=' ')}' AS TIMESTAMP)", dialect="duckdb"))
        tree = outer
    return tree.sql(dialect=dialect)
