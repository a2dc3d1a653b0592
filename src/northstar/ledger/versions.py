"""The newest version of each record: what "unchanged" is measured against.

The ledger appends a new version whenever an id is appended again, so every writer that must
not append a record that did not change (collection from an API, a warehouse attach, a mapped
file) first reads the newest stored version of the ids it holds, here, and compares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

from northstar.engines.base import quote
from northstar.ledger.staging import BATCH_COLUMN

if TYPE_CHECKING:
    from northstar.engines.base import Engine
    from northstar.ledger.staging import Stage

__all__ = ["ID_COLUMN", "newest"]

ID_COLUMN = "ns_id"
"""The record id (`source_id`, as text) in `newest`'s answer."""


def newest(engine: Engine, table: str, columns: Sequence[str], *,
           ids: Sequence[str] | None = None, source: str | None = None,
           stage: Stage | None = None) -> pa.Table:
    """`ns_id` and `columns` of the newest version of each record of `table`.

    `ids` limits the answer to those records, `source` to one source's rows. The rows of
    `stage` (a run's batches not yet moved into the ledger) are newer than every load, and a
    later staged batch newer than an earlier one."""
    have = engine.columns(table)
    staged = stage is not None and stage.columns is not None
    if have is None and not staged:
        return pa.table({ID_COLUMN: pa.array([], pa.string()),
                         **{c: pa.array([], pa.null()) for c in columns}})
    cols = "".join(f", {quote(c)}" for c in columns)

    def picked(names: set[str]) -> str:  # a column the relation lacks is NULL there
        return "".join(f", {quote(c)}" if c in names else f", NULL AS {quote(c)}"
                       for c in columns)

    where: list[str] = []
    params: list[object] = []
    if source is not None:
        where.append("source_name = ?")
        params.append(source)
    if ids is not None:
        where.append("source_id IN (SELECT unnest(CAST(? AS VARCHAR[])))")
        params.append(list(ids))
    cond = f" WHERE {' AND '.join(where)}" if where else ""
    parts: list[str] = []
    args: list[object] = []
    if have is not None:
        parts.append(f"SELECT source_id{picked({n for n, _ in have})}, 0 AS ns_tier, "
                     f"load_id AS ns_n, row_seq AS ns_seq FROM {quote(table)}{cond}")
        args += params
    if staged:
        assert stage is not None
        staged_names = {n for n, _ in stage.columns or []}
        parts.append(f"SELECT source_id{picked(staged_names)}, 1 AS ns_tier, "
                     f"{BATCH_COLUMN} AS ns_n, row_seq AS ns_seq FROM {quote(stage.name)}{cond}")
        args += params
    union = " UNION ALL ".join(parts)
    return engine.query(
        f"SELECT CAST(source_id AS VARCHAR) AS {ID_COLUMN}{cols} FROM (SELECT *, "
        f"row_number() OVER (PARTITION BY source_id ORDER BY ns_tier DESC, ns_n DESC, "
        f"ns_seq DESC) AS ns_rn FROM ({union}) AS u) AS v WHERE ns_rn = 1", args)
