"""Which columns a SELECT reads from each table, and the canonical shape a load must have.

`columns_read(sql)` walks the query's scopes (SQLGlot) and attributes every column reference to
the table it comes from: `b.doc_number` to the table aliased `b`, an unqualified column to the
one table of a single-table SELECT. A reference it cannot place (unqualified, several tables in
scope) is left out, so the answer is what the query surely needs.

`check_canonical_shape(project, table, columns)` is what `load-mapped`, `northstar load` and
`attach` ask before anything is appended: the project's models read these columns of `table`;
does the load (with what the ledger already has) bring them all?"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from northstar.errors import LoadError
from northstar.ledger.schema import RAW_PREFIX, SYSTEM_COLUMNS, TAGS

if TYPE_CHECKING:
    from sqlglot import exp

    from northstar.project import Project

__all__ = ["check_canonical_shape", "columns_read", "needed_columns"]

_ALWAYS_THERE = {n for n, _ in SYSTEM_COLUMNS} | set(TAGS) | {"is_adjusted"}
"""Columns every base view has, whatever was loaded."""


def columns_read(query: str | exp.Expr) -> dict[str, set[str]]:
    """Table name -> the columns the query reads from it (its own CTEs left out). A column read
    from a CTE or subquery that passes a table through with `t.*` is the table's."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.optimizer.scope import Scope, traverse_scope

    tree = sqlglot.parse_one(query, read="duckdb") if isinstance(query, str) else query
    found: dict[str, set[str]] = {}

    def outputs(scope: Scope) -> tuple[set[str], list[exp.Table | Scope]]:
        """The names a scope's SELECT gives, and the sources it passes through with a star."""
        select = scope.expression
        if not isinstance(select, exp.Select):
            return set(), []
        names = {s.alias_or_name for s in select.selects if not isinstance(s, exp.Star)}
        starred: list[exp.Table | Scope] = []
        for s in select.selects:
            star = s if isinstance(s, exp.Star) else (
                s if isinstance(s, exp.Column) and isinstance(s.this, exp.Star) else None)
            if star is None:
                continue
            qualifier = star.table if isinstance(star, exp.Column) else ""
            selected = {a: src for a, (_, src) in scope.selected_sources.items()}
            if qualifier:
                names.discard(qualifier)
                if qualifier in selected:
                    starred.append(selected[qualifier])
            else:
                starred += list(selected.values())
        return names, starred

    def attribute(source: exp.Table | Scope | None, name: str, depth: int = 0) -> None:
        if source is None or depth > 20:
            return
        if isinstance(source, exp.Table):
            found.setdefault(source.name, set()).add(name)
            return
        names, starred = outputs(source)
        if name not in names and len(starred) == 1:
            attribute(starred[0], name, depth + 1)

    for scope in traverse_scope(tree):
        sources = {alias: source for alias, (_, source) in scope.selected_sources.items()}
        for source in sources.values():
            if isinstance(source, exp.Table):
                found.setdefault(source.name, set())
        select = scope.expression
        aliases = {s.alias for s in select.selects if isinstance(s, exp.Alias)} \
            if isinstance(select, exp.Select) else set()
        only = next(iter(sources.values())) if len(sources) == 1 else None
        for column in scope.columns:
            name = column.name
            if not name or isinstance(column.this, exp.Star):
                continue
            if column.table:
                attribute(sources.get(column.table), name)
            elif not (name in aliases
                      and column.find_ancestor(exp.Order, exp.Group, exp.Having) is not None):
                attribute(only, name)  # (an ORDER BY / GROUP BY of an output is not a column)
    return found


@functools.lru_cache(maxsize=256)
def _model_reads(sql: str) -> dict[str, frozenset[str]]:
    return {t: frozenset(c) for t, c in columns_read(sql).items()}


def needed_columns(project: Project, table: str) -> dict[str, list[str]]:
    """Column -> the models that read it, for the ledger table `table` (its canonical name,
    without `raw_`), over the project's model files."""
    models = project.models.by_name
    needed: dict[str, list[str]] = {}
    for name, model in sorted(models.items()):
        try:
            reads = _model_reads(model.sql)
        except Exception:
            continue
        for column in sorted(reads.get(table, ())):
            if column not in _ALWAYS_THERE:
                needed.setdefault(column, []).append(name)
    return needed


def check_canonical_shape(project: Project, table: str, columns: list[str], what: str) -> None:
    """Refuse a load of `table` that would leave a column the models read missing: neither in
    `columns` (what the load brings) nor in the ledger's table already. `what` names the load
    in the message (a file, an attach object)."""
    name = table[len(RAW_PREFIX):] if table.startswith(RAW_PREFIX) else table
    needed = needed_columns(project, name)
    if not needed:
        return
    have = set(columns) | {c for c, _ in project.engine.columns(RAW_PREFIX + name) or []}
    missing = {c: m for c, m in needed.items() if c not in have}
    if not missing:
        return
    listed = "; ".join(f"{c} (read by {', '.join(m)})" for c, m in sorted(missing.items()))
    raise LoadError(
        f"{what}: {name} lacks {len(missing)} column(s) the project's models read: {listed}. "
        f"Nothing was appended. Add them to the load (for a file, a `columns:` entry with "
        f"`to: <column>` in the mapping), then load again; {name} needs: "
        f"{', '.join(sorted(needed))}")
