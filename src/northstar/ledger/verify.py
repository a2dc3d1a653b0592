"""`northstar verify`: re-hash the ledger and name every place it no longer matches its log."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from northstar.engines.base import Engine, quote
from northstar.ledger.hashing import GENESIS, RowHasher, chain
from northstar.ledger.schema import LOG_TABLE


@dataclass(frozen=True)
class Problem:
    table: str
    load_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"{self.table} load {self.load_id}" if self.load_id is not None else self.table
        return f"{where}: {self.what}"


@dataclass
class VerifyReport:
    loads: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(engine: Engine) -> VerifyReport:
    """Check the log's hash chain, then every load's rows against the hash the log holds."""
    report = VerifyReport()
    entries = engine.rows(
        f"SELECT load_id, table_name, source_name, row_count, replaced, started_at, finished_at, "
        f"status, error, columns, content_hash, prev_hash, chain_hash FROM {LOG_TABLE} "
        "ORDER BY load_id"
    )
    prev = GENESIS
    expected_id = 1
    loads_by_table: dict[str, set[int]] = {}
    for entry in entries:
        load_id, table, *_rest = entry
        content_hash, prev_hash, chain_hash = entry[10], entry[11], entry[12]
        if load_id != expected_id:
            report.problems.append(Problem(
                LOG_TABLE, int(load_id),
                f"collection log entries {expected_id}..{load_id - 1} are missing",
            ))
        if prev_hash != prev or chain(prev, *entry[:11]) != chain_hash:
            report.problems.append(Problem(
                LOG_TABLE, int(load_id), "collection log entry was changed (hash chain broken)"
            ))
        prev = str(chain_hash)
        expected_id = int(load_id) + 1
        report.loads += 1
        loads_by_table.setdefault(str(table), set())
        if entry[7] != "ok":
            continue
        loads_by_table[str(table)].add(int(load_id))
        _check_load(engine, report, str(table), int(load_id), int(entry[3]),
                    json.loads(entry[9]), str(content_hash))

    relations = engine.relations()
    for table, good in loads_by_table.items():
        if table not in relations:
            if good:
                report.problems.append(Problem(table, None, "table was dropped"))
            continue
        stray = engine.rows(
            f"SELECT load_id, count(*) FROM {quote(table)} GROUP BY load_id ORDER BY load_id"
        )
        for load_id, count in stray:
            if load_id not in good:
                report.problems.append(Problem(
                    table, None if load_id is None else int(load_id),
                    f"{count} row(s) were added outside any load",
                ))
    return report


def _check_load(engine: Engine, report: VerifyReport, table: str, load_id: int,
                row_count: int, columns: list[str], content_hash: str) -> None:
    have = engine.columns(table)
    if have is None:
        return  # reported once per table above
    missing = [c for c in columns if c not in {n for n, _ in have}]
    if missing:
        report.problems.append(Problem(table, load_id, f"column {missing[0]!r} was removed"))
        return
    hasher = RowHasher(columns)
    cols = ", ".join(quote(c) for c in columns)
    for batch in engine.batches(
        f"SELECT {cols} FROM {quote(table)} WHERE load_id = ? ORDER BY row_seq", [load_id]
    ):
        hasher.update(batch)
    report.rows += hasher.rows
    if hasher.rows < row_count:
        report.problems.append(Problem(
            table, load_id, f"{row_count - hasher.rows} row(s) deleted ({hasher.rows} of "
            f"{row_count} left)"
        ))
    elif hasher.rows > row_count:
        report.problems.append(Problem(
            table, load_id, f"{hasher.rows - row_count} row(s) added ({hasher.rows}, log says "
            f"{row_count})"
        ))
    elif hasher.hexdigest() != content_hash:
        report.problems.append(Problem(table, load_id, "row content was changed"))
