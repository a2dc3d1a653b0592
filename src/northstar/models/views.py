"""Model views: raw versions turned into canonical facts.

For every raw table `raw_<object>` there is a base view `<object>`: the latest version of each
record (the owner source's version first, where a field-ownership rule names one), with record
corrections from `adjustments` netted in. Project model files (`models/*.sql`, one SELECT each)
build on the base views; they may call the SQL macros (`models/templating.py`), expanded before
the SQL is parsed. Views hold formulas, never numbers.

A model file may hold several SELECTs, one per part, split by a comment line of its own:
- `-- otherwise`: alternatives, in order of preference; the first whose tables are all there
  is built (the P&L built from the books, otherwise the P&L as the accounting system reports
  it);
- `-- union all when loaded`: parts added together; a part whose tables are not all there is
  left out (a table a source does not always sync), and the model waits only when every part
  does.
One file uses one of the two separators, not both."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from northstar.config import OwnershipRule
from northstar.engines.base import Engine, quote
from northstar.errors import ConfigError, IntegrityError, MetricError, NorthstarError
from northstar.ledger.schema import ADJUSTMENTS, LOG_TABLE, RAW_PREFIX, SYSTEM_COLUMNS, TAGS
from northstar.ledger.store import changed_tables, newest_columns
from northstar.models import parsecache
from northstar.models.templating import SqlTemplates, uses_templating
from northstar.suggest import did_you_mean

META = "ns_meta"
DISAGREEMENTS = "ns_disagreements"
EXPLANATIONS = "ns_explanations"
"""The explanations of rows checks flag (`northstar explain`): check, record, period, reason,
author and date, from the corrections ledger; always there, empty until the first."""
DELETED = "is_deleted"
"""A boolean payload column of this name marks a version that deletes its record."""
_SYSTEM = [name for name, _ in SYSTEM_COLUMNS if name != "row_seq"]
OTHERWISE = "otherwise"
UNION = "union all when loaded"
_SEPARATOR = re.compile(r"^[ \t]*--[ \t]*(otherwise|union all when loaded)[ \t]*$",
                        re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ModelFile:
    name: str
    path: Path
    text: str
    """The file as written (macro calls not expanded)."""
    templates: SqlTemplates

    @cached_property
    def _parts(self) -> tuple[str, list[str]]:
        """(how the parts combine: "" for one SELECT, OTHERWISE or UNION; the SELECTs, macros
        expanded)."""
        rendered = self.templates.render(self.text, self.path)
        pieces = _SEPARATOR.split(rendered)
        kinds = {k.lower() for k in pieces[1::2]}
        if len(kinds) > 1:
            raise ConfigError(f"a model file combines its SELECTs one way: '-- {OTHERWISE}' "
                              f"or '-- {UNION}', not both", path=str(self.path))
        selects = [p.strip().rstrip(";").strip() for p in pieces[0::2]]
        if not any(selects):
            raise ConfigError("model file is empty once its macros are expanded",
                              path=str(self.path))
        if not all(selects):
            raise ConfigError("a part of the model file is empty (a separator with no SELECT "
                              "on one side)", path=str(self.path))
        return (kinds.pop() if kinds else ""), selects

    @property
    def combine(self) -> str:
        """"" (one SELECT), OTHERWISE or UNION."""
        return self._parts[0]

    @property
    def selects(self) -> list[str]:
        """The file's SELECTs, macros expanded (one, unless it has separators)."""
        return self._parts[1]

    @cached_property
    def sql(self) -> str:
        """The SELECT, macros expanded: of a file of alternatives, the first; of a file of
        parts, all of them added together."""
        if self.combine == UNION:
            return "\nUNION ALL\n".join(f"SELECT * FROM ({s}) AS ns_part{i}"
                                         for i, s in enumerate(self.selects))
        return self.selects[0]

    @cached_property
    def part_references(self) -> list[set[str]]:
        """The tables and views each SELECT reads."""
        try:
            return [set(table_references(s)) for s in self.selects]
        except SqlSyntaxError as exc:
            raise ConfigError(f"not valid SQL: {exc}", path=str(self.path)) from None

    @cached_property
    def references(self) -> set[str]:
        """Everything any of its SELECTs reads."""
        return set().union(*self.part_references)

    def choose(self, present: Callable[[str], bool]) -> tuple[str, set[str]] | None:
        """The SQL to build with what is `present`, and the tables it reads; None when it
        cannot build (a table of every alternative, or of every part, is missing)."""
        usable = [(s, r) for s, r in zip(self.selects, self.part_references, strict=True)
                  if all(present(t) for t in r)]
        if not usable:
            return None
        if self.combine != UNION:
            return usable[0][0], usable[0][1]
        sql = "\nUNION ALL\n".join(f"SELECT * FROM ({s}) AS ns_part{i}"
                                    for i, (s, _) in enumerate(usable))
        return sql, set().union(*(r for _, r in usable))


class SqlSyntaxError(ValueError):
    """A query SQLGlot cannot parse; the message is the parser's first line."""


@functools.lru_cache(maxsize=1024)
def table_references(sql: str) -> frozenset[str]:
    """Names of the tables and views a query reads (its own CTEs left out). Parsed once per
    text and process, and remembered between commands in the project's parse cache
    (parsecache.py); metric files are checked with the same call when they are loaded."""
    cache = parsecache.active()
    found = None if cache is None else cache.get(sql)
    if found is not None:
        return found
    import sqlglot  # only on a text not seen before: most commands never import SQLGlot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SqlSyntaxError(str(exc).splitlines()[0]) from None
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    found = frozenset({t.name for t in tree.find_all(exp.Table) if t.name} - ctes)
    if cache is not None:
        cache.put(sql, found)
    return found


@functools.lru_cache(maxsize=1024)
def check_expression(text: str) -> None:
    """Raise SqlSyntaxError unless `text` parses as one SQL expression (a measure or a
    filter); remembered like `table_references`."""
    cache = parsecache.active()
    marked = "\x00expression\x00" + text
    if cache is not None and cache.get(marked) is not None:
        return
    import sqlglot

    try:
        sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise SqlSyntaxError(str(exc).splitlines()[0]) from None
    if cache is not None:
        cache.put(marked, frozenset())


def read_model_files(folder: Path, templates: SqlTemplates | None = None) -> list[ModelFile]:
    """The model files of `folder`, read but not rendered (their macros: `templates`, by
    default the platform's and those in `macros/` beside the folder)."""
    templates = templates or SqlTemplates.for_folder(folder)
    found = []
    for path in sorted(folder.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if not text.strip().rstrip(";"):
            raise ConfigError("model file is empty", path=str(path))
        found.append(ModelFile(path.stem, path, text, templates))
    return found


def ordered(models: list[ModelFile]) -> list[ModelFile]:
    """Models in dependency order (a model after every model it reads)."""
    by_name = {m.name: m for m in models}
    done: dict[str, int] = {}
    out: list[ModelFile] = []

    def visit(m: ModelFile, chain: list[str]) -> None:
        if done.get(m.name) == 2:
            return
        if done.get(m.name) == 1:
            raise ConfigError("models read each other in a cycle: "
                              + " -> ".join([*chain, m.name]), path=str(m.path))
        done[m.name] = 1
        for ref in sorted(m.references):
            if ref in by_name and ref != m.name:
                visit(by_name[ref], [*chain, m.name])
        done[m.name] = 2
        out.append(m)

    for m in models:
        visit(m, [])
    return out


class ModelBuilder:
    """Creates and refreshes the views; knows which raw tables any SQL text depends on."""

    def __init__(self, engine: Engine, models_dir: Path,
                 ownership: dict[str, OwnershipRule],
                 templates: SqlTemplates | None = None,
                 on_built: Callable[[list[str]], None] | None = None) -> None:
        """`on_built(views)` runs in the build's transaction once the views exist (the
        project records its definitions there)."""
        self.engine = engine
        self.models_dir = models_dir
        self.ownership = ownership
        self.templates = templates or SqlTemplates.for_folder(models_dir)
        self.on_built = on_built
        if not engine.read_only:
            self.engine.execute(
                f"CREATE TABLE IF NOT EXISTS {META} (key VARCHAR PRIMARY KEY, value VARCHAR)"
            )
        self._found: dict[str, ModelFile] | None = None
        self._files: list[ModelFile] | None = None
        self._built: dict[str, Any] = {}
        """What the last build recorded (references, column types), read by `ensure` when the
        views are current: a fresh process need not parse model files or ask the catalogue."""

    @property
    def by_name(self) -> dict[str, ModelFile]:
        """The model files as read, by name (not parsed)."""
        if self._found is None:
            self._found = {m.name: m for m in read_model_files(self.models_dir,
                                                                self.templates)}
        return self._found

    @property
    def files(self) -> list[ModelFile]:
        """The model files in dependency order (every file parsed)."""
        if self._files is None:
            self._files = ordered(list(self.by_name.values()))
        return self._files

    def references(self, name: str) -> set[str]:
        """Relations a model file reads: as recorded by the build of the current views, or
        parsed."""
        known = self._built.get("references", {}).get(name)
        return set(known) if known is not None else self.by_name[name].references

    def column_types(self, relation: str) -> dict[str, str] | None:
        """Column name -> type (DuckDB spelling, upper case) of a view or table."""
        known = self._built.get("columns", {}).get(relation)
        if known is not None:
            return dict(known)
        cols = self.engine.columns(relation)
        return None if cols is None else {n: t.upper() for n, t in cols}

    def require(self, relation: str, reader: str) -> None:
        """Refuse a name that is a typo of a known one (a metric's `model: invoice_line` next
        to `invoice_lines`) rather than have its metric wait for a table nobody will load.

        A model file, a relation in the database and a ledger table some model reads are
        known; any other name with no known name close to it is taken as a ledger table whose
        source is not connected yet (its metric waits for data)."""
        if relation in self.by_name or relation.startswith((RAW_PREFIX, "ns_")):
            return
        if self.column_types(relation) is not None:
            return
        expected = {ref for name in self.by_name for ref in self.references(name)}
        if relation in expected:
            return
        known = {r for r in self.engine.relations() | expected | set(self.by_name)
                 if not r.startswith((RAW_PREFIX, "ns_"))}
        hint = did_you_mean(relation, known)
        if hint is not None:
            raise MetricError(f"{reader}: there is no model named {relation!r} — {hint}")

    # -- dependencies ----------------------------------------------------------------------
    def raw_dependencies(self, sql: str) -> set[str]:
        """Ledger tables a query reads, through models and base views."""
        return self._deps(set(table_references(sql)), set())

    def relation_dependencies(self, relation: str) -> set[str]:
        """Ledger tables a model or base view reads (`SELECT * FROM relation`, unparsed)."""
        return self._deps({relation}, set())

    def _deps(self, names: set[str], seen: set[str]) -> set[str]:
        by_name = self.by_name
        out: set[str] = set()
        for name in names - seen:
            seen.add(name)
            if name in by_name:
                out |= self._deps(self.references(name), seen)
            elif name.startswith(RAW_PREFIX) or name.startswith("ns_"):
                out.add(name)
            else:
                out.add(RAW_PREFIX + name)
        return out

    # -- building --------------------------------------------------------------------------
    def ensure(self, ledger_state: str) -> None:
        """Rebuild the views when the ledger or the model files changed since the last build."""
        signature = self._signature(ledger_state)
        raw = self.engine.scalar(f"SELECT value FROM {META} WHERE key = 'models'")
        stored = json.loads(raw) if raw else None
        if stored is not None and stored.get("signature") == signature:
            self._built = stored
            return
        self._built = {}
        self.rebuild(signature, stored["views"] if stored else [])

    def _signature(self, ledger_state: str) -> str:
        # the files by name, as written, not in dependency order: ordering would parse every
        # file, rendering them would import Jinja. The macros are in by their own hash.
        parts = [ledger_state, json.dumps({k: v.model_dump() for k, v in
                                               sorted(self.ownership.items())})]
        if any(uses_templating(m.text) for m in self.by_name.values()):
            parts.append(f"macros:{self.templates.signature}")
        parts += [f"{name}:{m.text}" for name, m in sorted(self.by_name.items())]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def refresh(self) -> None:
        """Build the views again from the files now, even when the last build looks current
        (its signature kept: `ensure` rebuilds on its own when the ledger moves on)."""
        raw = self.engine.scalar(f"SELECT value FROM {META} WHERE key = 'models'")
        stored = json.loads(raw) if raw else {}
        self._found = self._files = None
        self.rebuild(str(stored.get("signature", "")), stored.get("views", []))

    def rebuild(self, signature: str, previous: list[str]) -> None:
        relations = self.engine.relations()
        # Only tables a load made (one that appeared behind the ledger's back is never read),
        # and only while they have the columns their newest load recorded: a column added,
        # dropped or retyped outside a load would change what the views compute.
        logged = newest_columns(self.engine)
        raw = sorted(r for r in relations if r.startswith(RAW_PREFIX) and r in logged)
        read = [*raw, *([ADJUSTMENTS] if ADJUSTMENTS in logged and ADJUSTMENTS in relations
                        else [])]
        changed = changed_tables(self.engine, read, logged)
        if changed:
            raise IntegrityError(f"{changed[0]}; the views were not rebuilt, so no number is "
                                 "computed over it (run `northstar verify`)")
        created: list[str] = []
        with self.engine.transaction():
            for view in reversed(previous):
                self.engine.execute(f"DROP VIEW IF EXISTS {quote(view)} CASCADE"
                                    if self.engine.name == "postgres"
                                    else f"DROP VIEW IF EXISTS {quote(view)}")
            corrections = self._corrections(relations, logged)
            for table in raw:
                name = table[len(RAW_PREFIX):]
                if name in relations - set(previous):
                    raise NorthstarError(f"cannot create view {name}: a table of that name exists")
                self._create(name, self.base_view_sql(table, corrections.get(name, [])))
                created.append(name)
            disagreements = self.disagreements_sql(raw)
            self._create(DISAGREEMENTS, disagreements)
            created.append(DISAGREEMENTS)
            self._create(EXPLANATIONS, self.explanations_sql(relations, logged))
            created.append(EXPLANATIONS)
            # A model that reads a table with no rows yet (a source not connected) is left out;
            # metrics over it have no data until the table's first load.
            waiting: dict[str, list[str]] = {}
            existing = relations - set(previous)
            chose: dict[str, list[str]] = {}
            for model in self.files:
                chosen = model.choose(lambda r: r in created or r in existing)
                if chosen is None:
                    waiting[model.name] = sorted(r for r in model.references
                                                 if r not in created and r not in existing)
                    continue
                sql, read_now = chosen
                chose[model.name] = sorted(read_now)
                try:
                    self._create(model.name, sql)
                except NorthstarError as exc:
                    raise ConfigError(f"model does not build: {exc}",
                                      path=str(model.path)) from None
                except Exception as exc:  # the driver's error names the column or table
                    raise ConfigError(f"model does not build: {str(exc).splitlines()[0]}",
                                      path=str(model.path)) from None
                created.append(model.name)
            # Recorded with the views, so that a process that finds them current knows what
            # each model reads and each view's column types without parsing or asking.
            # (a model of alternatives or parts: what the build chose, so a metric or check
            # over it waits only for the tables of that choice)
            built = {"signature": signature, "views": created, "waiting": waiting,
                     "references": {m.name: chose.get(m.name, sorted(m.references))
                                    for m in self.files},
                     "columns": {name: [[c, t.upper()] for c, t in cols] for name, cols in
                                 self.engine.columns_of(created).items()}}
            self.engine.execute(f"DELETE FROM {META} WHERE key = 'models'")
            self.engine.execute(f"INSERT INTO {META} VALUES ('models', ?)", [json.dumps(built)])
            if self.on_built is not None:
                self.on_built(created)
        self._built = built

    def waiting(self) -> dict[str, list[str]]:
        """Models left out of the last build, with the tables they wait for."""
        stored = self.engine.scalar(f"SELECT value FROM {META} WHERE key = 'models'")
        found: dict[str, list[str]] = json.loads(stored).get("waiting", {}) if stored else {}
        return found

    def _create(self, name: str, select_sql: str) -> None:
        sql = f"CREATE VIEW {quote(name)} AS {select_sql}"
        self.engine.execute(self.engine.transpile(sql))

    def _corrections(self, relations: set[str], logged: Collection[str]
                     ) -> dict[str, list[str]]:
        if ADJUSTMENTS not in relations or ADJUSTMENTS not in logged:
            return {}  # none yet, or a table no load made (never read)
        found = self.engine.rows(
            f"SELECT DISTINCT target_table, field FROM {ADJUSTMENTS} WHERE kind = 'record' "
            "ORDER BY 1, 2"
        )
        out: dict[str, list[str]] = {}
        for table, fld in found:
            out.setdefault(str(table), []).append(str(fld))
        return out

    def base_view_sql(self, table: str, corrected: list[str]) -> str:
        name = table[len(RAW_PREFIX):]
        columns = self.engine.columns(table) or []
        types = dict(columns)
        payload = [c for c, _ in columns if c not in {n for n, _ in SYSTEM_COLUMNS}
                   and c not in TAGS]
        rule = self.ownership.get(name)
        tombstones = types.get(DELETED) == "BOOLEAN"
        versions = rule is not None or tombstones or bool(self.engine.scalar(
            f"SELECT count(*) FROM {LOG_TABLE} WHERE table_name = ? AND replaced > 0", [table]))
        if versions:
            key = quote(rule.key) if rule else "source_id"
            owner_first = (f"CASE WHEN source_name = '{_lit(rule.owner)}' THEN 0 ELSE 1 END, "
                           if rule else "")
            source = (f"(SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY {owner_first}"
                      f"load_id DESC, row_seq DESC) AS ns_rn FROM {quote(table)}) AS r")
            where = " WHERE r.ns_rn = 1"
            if tombstones:  # a record whose latest version says it was deleted is gone
                where += f" AND r.{DELETED} IS NOT TRUE"
        else:
            source, where = f"{quote(table)} AS r", ""
        select = [f"r.{quote(c)}" for c in (*_SYSTEM, *TAGS)]
        joins = []
        adjusted = []
        for i, column in enumerate(payload):
            if column in corrected:
                alias = f"a{i}"
                joins.append(
                    f" LEFT JOIN (SELECT record_id, new_value FROM (SELECT record_id, new_value, "
                    f"row_number() OVER (PARTITION BY record_id ORDER BY load_id DESC) AS n "
                    f"FROM {ADJUSTMENTS} WHERE kind = 'record' AND target_table = '{_lit(name)}' "
                    f"AND field = '{_lit(column)}') AS l WHERE n = 1) AS {alias} "
                    f"ON {alias}.record_id = r.source_id"
                )
                select.append(
                    f"CASE WHEN {alias}.record_id IS NOT NULL THEN CAST({alias}.new_value AS "
                    f"{types[column]}) ELSE r.{quote(column)} END AS {quote(column)}"
                )
                adjusted.append(f"{alias}.record_id IS NOT NULL")
            else:
                select.append(f"r.{quote(column)}")
        select.append(f"({' OR '.join(adjusted)}) AS is_adjusted" if adjusted
                      else "FALSE AS is_adjusted")
        return f"SELECT {', '.join(select)} FROM {source}{''.join(joins)}{where}"

    def explanations_sql(self, relations: set[str], logged: Collection[str]) -> str:
        columns = ("check_name", "record_key", "period", "reason", "author")
        if ADJUSTMENTS not in relations or ADJUSTMENTS not in logged:
            empty = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}" for c in columns)
            return f"SELECT {empty}, CAST(NULL AS DATE) AS explained_on WHERE FALSE"
        return ("SELECT target_table AS check_name, record_id AS record_key, period, reason, "
                f"author, effective_date AS explained_on FROM {ADJUSTMENTS} WHERE kind = 'note'")

    def disagreements_sql(self, raw: list[str]) -> str:
        parts = []
        for name, rule in sorted(self.ownership.items()):
            table = RAW_PREFIX + name
            if table not in raw:
                continue
            have = {c for c, _ in self.engine.columns(table) or []}
            key = quote(rule.key)
            latest = (f"(SELECT *, row_number() OVER (PARTITION BY {key}, source_name ORDER BY "
                      f"load_id DESC, row_seq DESC) AS ns_rn FROM {quote(table)})")
            for column in rule.fields:
                if column not in have:
                    raise ConfigError(f"ownership.{name}.fields names {column!r}, which "
                                      f"{table} does not have")
                c = quote(column)
                parts.append(
                    f"SELECT '{_lit(name)}' AS object, CAST(o.{key} AS VARCHAR) AS record_key, "
                    f"'{_lit(column)}' AS field, o.source_name AS owner_source, "
                    f"CAST(o.{c} AS VARCHAR) AS owner_value, x.source_name AS other_source, "
                    f"CAST(x.{c} AS VARCHAR) AS other_value "
                    f"FROM {latest} AS o JOIN {latest} AS x ON o.{key} = x.{key} "
                    f"AND o.ns_rn = 1 AND x.ns_rn = 1 AND o.source_name = '{_lit(rule.owner)}' "
                    f"AND x.source_name <> '{_lit(rule.owner)}' "
                    f"WHERE o.{c} IS DISTINCT FROM x.{c}"
                )
        if not parts:
            return ("SELECT CAST(NULL AS VARCHAR) AS object, CAST(NULL AS VARCHAR) AS record_key, "
                    "CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS owner_source, "
                    "CAST(NULL AS VARCHAR) AS owner_value, CAST(NULL AS VARCHAR) AS other_source, "
                    "CAST(NULL AS VARCHAR) AS other_value WHERE FALSE")
        return " UNION ALL ".join(parts)


def _lit(text: str) -> str:
    return text.replace("'", "''")
