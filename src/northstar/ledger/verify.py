"""`northstar verify`: re-hash the ledger and name every place it no longer matches its log.

What is checked, in order (docs/ledger.md says what this proves and what it cannot):

1. the collection log: ids without gaps, each entry linked to the one before it (HMAC under
   the ledger key for keyed entries, SHA-256 for those written before the key), no unkeyed
   entry after a keyed one, every field readable (a damaged entry is reported, never raised);
2. every successful load's rows against its content hash and row count, and the columns the
   load does not hash (added by a later load) empty in its rows;
3. every ledger table: still there, a table (not a view), its columns as its newest load
   recorded them, no rows outside a load; and no ledger table (`raw_*`, corrections) that no
   load created;
4. the database's own guard (PostgreSQL): both triggers on every ledger table, enabled and
   calling the untouched trigger function; once the roles are separate (`northstar db
   setup`), the project's role owns no ledger table, function or the schema, and may only
   INSERT and SELECT;
5. the definitions chain, and its newest version against the project's files and the views
   in the database;
6. the head anchor in the project folder against the newest entries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from northstar.engines.base import Engine, quote
from northstar.errors import NorthstarError
from northstar.ledger.anchor import AnchorDamaged, Head, compare
from northstar.ledger.definitions import (
    COLUMNS as DEFINITION_COLUMNS,
)
from northstar.ledger.definitions import (
    DEFINITIONS,
    definition_files,
    link,
    parse_manifest,
    view_digests,
)
from northstar.ledger.hashing import GENESIS, UNKEYED, RowHasher, chain, key_id_of
from northstar.ledger.schema import (
    LOG_COLUMNS,
    LOG_TABLE,
    check_name,
    column_changes,
    is_ledger_table,
    parse_column_types,
)

if TYPE_CHECKING:
    from northstar.ledger.anchor import HeadAnchor
    from northstar.ledger.hashing import ChainKey

__all__ = ["Problem", "VerifyReport", "verify"]

TREE_PREFIX = "tree1:"
"""How a content hash made by the engine itself begins (`engines.spark_sql.TREE`)."""
_REQUIRED = LOG_COLUMNS[:13]
"""The log's columns since its first version (the others were added with the keyed chain)."""


@dataclass(frozen=True)
class Problem:
    table: str
    """Where: a table, `view <name>`, a project file or the head anchor file."""
    load_id: int | None
    what: str
    unit: str = "load"
    """What `load_id` counts (`version` for the definitions chain)."""

    def __str__(self) -> str:
        where = (f"{self.table} {self.unit} {self.load_id}" if self.load_id is not None
                 else self.table)
        return f"{where}: {self.what}"


@dataclass
class VerifyReport:
    loads: int = 0
    rows: int = 0
    definitions: int = 0
    """Definitions versions checked."""
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What verify could not prove here, in words (not failures)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, table: str, load_id: int | None, what: str, unit: str = "load") -> None:
        self.problems.append(Problem(table, load_id, what, unit))


def verify(engine: Engine, *, key: ChainKey | None = None, anchor: HeadAnchor | None = None,
           root: Path | None = None) -> VerifyReport:
    """Check the ledger of `engine`. `key`: the ledger key keyed entries are checked with;
    `anchor`: the project's head file; `root`: the project folder whose definition files are
    compared with the newest recorded definitions (each left out: that part is not checked)."""
    report = VerifyReport()
    head: Head | None = None
    damaged = False
    if anchor is not None:
        try:
            head = anchor.read()
        except AnchorDamaged:
            damaged = True
            report.add(str(anchor.path), None, "the head anchor is damaged: it does not hold "
                       "a head")
    walk = _Chain(report, key, head.keyed_from if head else None)
    log = _read(engine, report, LOG_TABLE, LOG_COLUMNS, _REQUIRED, "load_id")
    tables = _check_log(engine, report, walk, log)
    present = _check_tables(engine, report, tables)
    problems, notes = engine.guard_report(present)
    for where, what in problems:
        report.add(where, None, what)
    versions = _check_definitions(engine, report, key, root, tables.references)
    if anchor is not None and head is not None:
        loads = {r[0]: str(r[12]) for r in log if isinstance(r[0], int)}
        for table, what, hashes in ((LOG_TABLE, "load", loads),
                                    (DEFINITIONS, "definitions version", versions)):
            newest = max(hashes, default=0)
            problem = compare(head, (newest, hashes.get(newest, "")), hashes.get, what=what,
                              file=anchor.path)
            if problem is not None:
                report.add(table, None, problem)
    elif anchor is not None and report.loads and not damaged:
        report.notes.append(
            f"this folder has no head anchor ({anchor.path}): removing the newest loads "
            "together with their log entries, or putting back an older database, cannot be "
            "told apart from a ledger that ended there (the next write creates the anchor)")
    walk.notes("load")
    report.notes += notes
    return report


# -- the chain ------------------------------------------------------------------------------
class _Chain:
    """Checks links, for the log and the definitions alike."""

    def __init__(self, report: VerifyReport, key: ChainKey | None,
                 keyed_from: int | None) -> None:
        self.report = report
        self.key = key
        self.keyed_from = keyed_from
        self.first_keyed: int | None = None
        self.unkeyed = 0
        self.foreign: dict[str, int] = {}
        """Key ids this folder lacks -> the first load linked with one."""

    def check(self, table: str, number: int, unit: str, scheme: Any, prev: str,
              given_prev: Any, given_hash: Any, fields: tuple[Any, ...],
              legacy: tuple[Any, ...] | None) -> bool:
        """True when the entry's link holds (or cannot be checked here: another key);
        reports what is wrong. `legacy`: the fields of an entry from before the `scheme`
        column (None where there is no such thing)."""
        report = self.report
        key_id = key_id_of(scheme) if isinstance(scheme, str) else None
        if key_id is None and not (scheme == UNKEYED or (scheme is None and legacy)):
            report.add(table, number, f"entry is damaged: its hash scheme {scheme!r} is not "
                       "one Northstar writes", unit)
            return False
        since = self.first_keyed or (self.keyed_from if unit == "load" else None)
        if key_id is not None:
            self.first_keyed = self.first_keyed or number
            if self.key is None or key_id != self.key.id:
                self.foreign.setdefault(key_id, number)
                return True
            expected = (self.key.link(prev, *fields) if unit == "load"
                        else link(self.key, prev, fields))
        elif since is not None and number >= since:
            report.add(table, number, f"entry is not keyed, though the chain is keyed from "
                       f"{unit} {since} on: its hash was recomputed without the ledger key", unit)
            return False
        else:
            self.unkeyed += 1
            expected = (chain(prev, *legacy) if scheme is None and legacy
                        else chain(prev, *fields) if unit == "load" else link(None, prev, fields))
        if given_prev != prev or expected != given_hash:
            what = ("collection log entry was changed (hash chain broken)" if unit == "load"
                    else "entry was changed (hash chain broken)")
            report.add(table, number, what, unit)
            return False
        return True

    def notes(self, unit: str) -> None:
        """Report what the walk could not check; for the log, say how far keying reaches."""
        table = LOG_TABLE if unit == "load" else DEFINITIONS
        for key_id, first in self.foreign.items():
            self.report.add(table, None, f"entries from {unit} {first} on are linked with "
                            f"ledger key {key_id}, which this folder does not have: they "
                            "cannot be checked (copy .northstar/ledger.key from the project "
                            "folder that wrote them)")
        if not self.unkeyed or unit != "load":
            return
        if self.first_keyed is None:
            self.report.notes.append(
                "the chain is not keyed yet: someone who can write the database could "
                "recompute it; the next write from the project links with its ledger key")
        elif self.first_keyed > 1:
            self.report.notes.append(
                f"loads 1..{self.first_keyed - 1} were linked before the ledger was keyed: "
                f"load {self.first_keyed} and every keyed entry after it fix them, but a change "
                "made to them before that entry was written cannot be told from the original")


def _read(engine: Engine, report: VerifyReport, table: str, columns: tuple[str, ...],
          required: tuple[str, ...], order: str) -> list[tuple[Any, ...]]:
    """Every row of a log table, a missing column read as NULL (and reported)."""
    have = engine.columns(table)
    if have is None:
        return []
    names = {n for n, _ in have}
    for c in required:
        if c not in names:
            report.add(table, None, f"column {c!r} was removed")
    select = ", ".join(quote(c) if c in names else f"NULL AS {quote(c)}" for c in columns)
    return engine.rows(f"SELECT {select} FROM {quote(table)} ORDER BY {quote(order)}")


@dataclass
class _Tables:
    good: dict[str, set[int]] = field(default_factory=dict)
    """Each table named by the log -> its successful loads."""
    recorded: dict[str, tuple[int, list[tuple[str, str]]]] = field(default_factory=dict)
    """Each table -> its newest load that recorded the table's columns, and those columns."""
    references: dict[int, int] = field(default_factory=dict)
    """Definitions version -> the newest load that names it."""


def _check_log(engine: Engine, report: VerifyReport, walk: _Chain,
               rows: list[tuple[Any, ...]]) -> _Tables:
    tables = _Tables()
    todo: list[_Load] = []
    live: dict[str, dict[str, str] | None] = {}
    prev, expected_id = GENESIS, 1
    for row in rows:
        e = dict(zip(LOG_COLUMNS, row, strict=True))
        load_id = e["load_id"]
        if not isinstance(load_id, int):
            report.add(LOG_TABLE, None, "a collection log entry is damaged: it has no load id")
            continue
        if load_id != expected_id:
            report.add(LOG_TABLE, load_id,
                       f"collection log entries {expected_id}..{load_id - 1} are missing")
        walk.check(LOG_TABLE, load_id, "load", e["scheme"], prev, e["prev_hash"],
                   e["chain_hash"], tuple(e[c] for c in LOG_COLUMNS if c not in
                                          ("prev_hash", "chain_hash")), tuple(row[:11]))
        prev, expected_id = str(e["chain_hash"]), load_id + 1
        report.loads += 1
        damage, table = _damage(e)
        if damage is not None:
            report.add(LOG_TABLE, load_id, f"collection log entry is damaged: {damage}")
            if table and e["status"] == "ok":  # its rows are a load's, though not checkable
                tables.good.setdefault(table, set()).add(load_id)
            continue
        tables.good.setdefault(table, set())
        if isinstance(e["definitions"], int):
            tables.references[e["definitions"]] = load_id
        if e["status"] != "ok":
            continue
        tables.good[table].add(load_id)
        if e["column_types"] is not None:
            tables.recorded[table] = (load_id, parse_column_types(e["column_types"]))
        if table not in live:
            cols = engine.columns(table)
            live[table] = None if cols is None else dict(cols)
        have = live[table]
        if have is None:
            continue  # reported once per table
        todo.append(_Load(table, load_id, int(e["row_count"]), json.loads(e["columns"]),
                          str(e["content_hash"]), have))
    _check_loads(engine, report, todo)
    return tables


@dataclass(frozen=True)
class _Load:
    """A successful load to re-hash: what its log entry says, and its table's live columns."""

    table: str
    load_id: int
    row_count: int
    columns: list[str]
    content_hash: str
    have: dict[str, str]


def _check_loads(engine: Engine, report: VerifyReport, loads: list[_Load]) -> None:
    """Re-hash every load: where the engine hashes rows itself (Spark), the loads of a table
    that hash the same columns in one query run side by side in the engine; else each load's
    rows are streamed here in batches."""
    grouped: dict[tuple[str, tuple[str, ...]], list[_Load]] = {}
    for load in loads:
        if engine.HASHES_IN_SQL and not load.content_hash.startswith(TREE_PREFIX):
            pass  # a load hashed the streaming way (written on another engine)
        elif engine.HASHES_IN_SQL and all(c in load.have for c in load.columns):
            grouped.setdefault((load.table, tuple(load.columns)), []).append(load)
            continue
        try:
            _check_load(engine, report, load.table, load.load_id, load.row_count,
                        load.columns, load.content_hash, load.have)
        except NorthstarError as exc:
            report.add(load.table, load.load_id, f"its rows could not be read: {exc}")
    for (table, columns), group in grouped.items():
        have = group[0].have
        extra = [c for c in have if c not in columns and c != "load_id"]
        try:
            found = engine.hash_loads(table, [g.load_id for g in group], list(columns), extra)
        except NorthstarError as exc:
            for g in group:
                report.add(table, g.load_id, f"its rows could not be read: {exc}")
            continue
        for g in group:
            digest, rows, filled = found.get(g.load_id, ("", 0, [0] * len(extra)))
            _judge(report, table, g.load_id, g.row_count, rows, digest == g.content_hash,
                   dict(zip(extra, filled, strict=True)))


def _damage(e: dict[str, Any]) -> tuple[str | None, str]:
    """What makes a log entry unreadable (None when nothing), and its table."""
    table = e["table_name"]
    try:
        check_name(str(table))
    except NorthstarError:
        return "its table name is not one a load writes", ""
    status = e["status"]
    if status not in ("ok", "failed"):
        return f"its status {status!r} is neither ok nor failed", str(table)
    if status == "failed":
        return None, str(table)
    try:
        columns = json.loads(str(e["columns"]))
    except ValueError:
        columns = None
    if not isinstance(columns, list) or not columns or not all(
            isinstance(c, str) for c in columns):
        return "its columns field is not a list of column names", str(table)
    if not isinstance(e["row_count"], int) or e["row_count"] < 0:
        return "its row count is not a count", str(table)
    if not isinstance(e["content_hash"], str):
        return "it has no content hash", str(table)
    if e["column_types"] is not None:
        try:
            parse_column_types(e["column_types"])
        except ValueError as exc:
            return str(exc), str(table)
    return None, str(table)


def _check_load(engine: Engine, report: VerifyReport, table: str, load_id: int,
                row_count: int, columns: list[str], content_hash: str,
                have: dict[str, str]) -> None:
    missing = [c for c in columns if c not in have]
    if missing:
        report.add(table, load_id, f"column {missing[0]!r} was removed")
        return
    # Columns this load does not hash (a later load added them) must be empty in its rows.
    extra = [c for c in have if c not in columns and c != "load_id"]
    hasher = RowHasher(columns)
    filled = dict.fromkeys(extra, 0)
    cols = ", ".join(quote(c) for c in [*columns, *extra])
    for batch in engine.batches(
        f"SELECT {cols} FROM {quote(table)} WHERE load_id = ? ORDER BY row_seq", [load_id]
    ):
        hasher.update(batch)
        for c in extra:
            column = batch.column(c)
            filled[c] += len(column) - column.null_count
    _judge(report, table, load_id, row_count, hasher.rows,
           hasher.hexdigest() == content_hash, filled)


def _judge(report: VerifyReport, table: str, load_id: int, row_count: int, rows: int,
           same: bool, filled: dict[str, int]) -> None:
    """Report what re-hashing a load found: rows deleted or added, content changed, values in
    columns the load did not write."""
    report.rows += rows
    if rows < row_count:
        report.add(table, load_id, f"{row_count - rows} row(s) deleted ({rows} "
                   f"of {row_count} left)")
    elif rows > row_count:
        report.add(table, load_id, f"{rows - row_count} row(s) added ({rows}, "
                   f"log says {row_count})")
    elif not same:
        report.add(table, load_id, "row content was changed")
    for c, n in filled.items():
        if n:
            report.add(table, load_id, f"column {c!r} holds values in {n} row(s), but this "
                       "load did not write that column (set outside any load)")


# -- tables ---------------------------------------------------------------------------------
def _check_tables(engine: Engine, report: VerifyReport, tables: _Tables) -> list[str]:
    """Check every ledger table the log names; returns those that are there (with the log
    and the definitions), for the check of the database's own guard."""
    relations = engine.relations()
    views = set(engine.view_sql())
    unrecorded: list[str] = []
    present = [t for t in (LOG_TABLE, DEFINITIONS, *tables.good)
               if t in relations and t not in views]
    for table, good in tables.good.items():
        if table not in relations:
            if good:
                report.add(table, None, "table was dropped")
            continue
        if table in views:
            report.add(table, None, "is a view, not the ledger table (replaced outside "
                       "Northstar)")
            continue
        stray = engine.rows(
            f"SELECT load_id, count(*) FROM {quote(table)} GROUP BY load_id ORDER BY load_id"
        )
        for load_id, count in stray:
            if load_id not in good:
                report.add(table, None if load_id is None else int(load_id),
                           f"{count} row(s) were added outside any load")
        if table in tables.recorded:
            newest, recorded = tables.recorded[table]
            for change in column_changes(recorded, engine.columns(table) or []):
                report.add(table, None, f"{change} (the columns load {newest} recorded)")
        elif good:
            unrecorded.append(table)
    for name in sorted(relations - views - set(tables.good)):
        if is_ledger_table(name):
            count = engine.scalar(f"SELECT count(*) FROM {quote(name)}")
            report.add(name, None, f"table is not in the collection log: it was created "
                       f"outside Northstar ({count} row(s))")
    if unrecorded:
        report.notes.append(
            f"the columns of {', '.join(sorted(unrecorded))} are not recorded yet (their "
            "newest loads were written before loads recorded them): a column dropped or "
            "filled in behind the ledger's back is still seen, one added empty or retyped "
            "may not be, until the next load of the table")
    return present


# -- definitions ----------------------------------------------------------------------------
def _check_definitions(engine: Engine, report: VerifyReport, key: ChainKey | None,
                       root: Path | None, references: dict[int, int]) -> dict[int, str]:
    """Check the definitions chain and its newest version; returns each version's hash."""
    rows = _read(engine, report, DEFINITIONS, DEFINITION_COLUMNS, DEFINITION_COLUMNS,
                 "version")
    walk = _Chain(report, key, None)
    prev, expected = GENESIS, 1
    newest: tuple[int, int, dict[str, str], dict[str, str]] | None = None
    hashes: dict[int, str] = {}
    for row in rows:
        version, _at, after_load, _reason, manifest, scheme, given_prev, given_hash = row
        if not isinstance(version, int):
            report.add(DEFINITIONS, None, "a definitions entry is damaged: it has no version")
            continue
        if version != expected:
            report.add(DEFINITIONS, version, f"versions {expected}..{version - 1} are missing",
                       "version")
        walk.check(DEFINITIONS, version, "version", scheme, prev, given_prev, given_hash,
                   tuple(row[:6]), None)
        prev, expected = str(given_hash), version + 1
        hashes[version] = prev
        report.definitions += 1
        try:
            files, views = parse_manifest(manifest)
            newest = (version, int(after_load), files, views)
        except (ValueError, TypeError) as exc:
            report.add(DEFINITIONS, version, f"entry is damaged: {exc}", "version")
    walk.notes("version")
    last = max(hashes, default=0)
    for version, load_id in sorted(references.items()):
        if version > last:
            report.add(DEFINITIONS, None, f"version {version}, which load {load_id} names, is "
                       "missing: the newest versions were removed")
            break
    if newest is None:
        if root is not None:
            report.notes.append(
                "the project's definitions are not recorded yet: the next write records them, "
                "or `northstar definitions record`")
        return hashes
    version, after_load, files, views = newest
    since = f"since the recorded definitions (version {version}, after load {after_load})"
    if root is not None:
        now = definition_files(root)
        for path in sorted(set(files) | set(now)):
            if files.get(path) == now.get(path):
                continue
            what = ("added" if path not in files else "removed" if path not in now
                    else "changed")
            report.add(path, None, f"{what} {since}; `northstar definitions record` records "
                       "the change")
    live = view_digests(engine.view_sql())
    for name in sorted(set(views) | set(live)):
        if name not in live:
            report.add(f"view {name}", None, f"was dropped {since}")
        elif name not in views:
            report.add(f"view {name}", None, f"was created outside Northstar (it is not in "
                       f"definitions version {version})")
        elif live[name] != views[name]:
            report.add(f"view {name}", None, f"was redefined in the database: its SQL is not "
                       f"the SQL Northstar built (definitions version {version})")
    return hashes
