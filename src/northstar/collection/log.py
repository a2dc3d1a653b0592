"""The collection run log: one entry per run of a source, in the ledger and in a log file.

(The ledger's load log, `ns_loads` and `northstar log`, has one entry per load into a table;
this one has one per run of a source, however many loads and objects it made.)

Each entry says which source, which months (`period`), what kind of run (`scheduled`,
`backfill`, `month`, `manual`), how it went (`ok`, `failed`, `skipped`), the error, when it
started and finished and how long it took, what it read and added, and for a month re-run the
reason and who asked. The ledger table is `ns_collection_runs` (append-only, hashed; one row
per run, next to `ns_runs`, which has one per object).

The same entry is written first to the log file (`[schedule] log_file`, default
`.northstar/logs/collection.log`), so a run whose database is the problem still leaves a trace,
and `tail -f` or a log shipper can follow collection without opening the project: JSON lines,
one per object of the run (`"event": "object"`) and then one for the run (`"event": "run"`),
tied by the run's `id`. The file is rotated by size (`log_max_bytes`, `log_backups`) with the
standard library's `RotatingFileHandler`, opened for each run and closed after it, so a
process writing the next run never holds a file another one has rotated away.

Pushes of goal values to Asana are entries too (source `asana`, kind `push`, one per goal
written, skipped as edited by hand, or failed; `reason` says what was written, `error` why
not): docs/asana.md."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from northstar.errors import NorthstarError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from northstar.project import Project
    from northstar.sources.state import RunRecord

__all__ = ["COLLECTION_RUNS", "Entry", "entries", "log_path", "record", "write_file"]

COLLECTION_RUNS = "ns_collection_runs"


@dataclass
class Entry:
    source: str
    kind: str
    """`scheduled`, `backfill` (`--backfill-from`), `month` (`--month`), `manual`, or `push`
    (a goal value pushed to Asana)."""
    period: str
    """The months the run collected: `2025-03`, or `2024-04..2025-04`."""
    started_at: datetime
    """UTC, naive like every ledger timestamp."""
    finished_at: datetime
    status: str = "ok"
    """`ok`, `failed` or `skipped` (the schedule is off; for a push, the goal was edited by
    hand)."""
    error: str | None = None
    objects: int = 0
    read: int = 0
    appended: int = 0
    reason: str | None = None
    author: str | None = None
    skipped: list[str] = field(default_factory=list)
    """What the run left alone on purpose: `metric period` of every manual value in force."""
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def duration(self) -> float:
        """Seconds from start to finish."""
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["duration_s"] = round(self.duration, 3)
        return out


def log_path(project: Project) -> Path | None:
    """The log file (None when `[schedule] log_file` is empty)."""
    name = project.settings.schedule.log_file
    if not name:
        return None
    path = Path(name)
    return path if path.is_absolute() else project.root / path


def _schema() -> Any:
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()), ("source", pa.string()), ("kind", pa.string()),
        ("period", pa.string()), ("status", pa.string()), ("error", pa.string()),
        ("started_at", pa.timestamp("us")), ("finished_at", pa.timestamp("us")),
        ("duration_s", pa.float64()), ("objects", pa.int64()), ("read", pa.int64()),
        ("appended", pa.int64()), ("reason", pa.string()), ("author", pa.string()),
        ("skipped", pa.string()),
    ])


def _stamp(value: Any) -> Any:
    """A naive UTC timestamp as ISO 8601 with its `Z`; anything else as it is."""
    return value.isoformat() + "Z" if isinstance(value, datetime) else value


def _object_line(entry: Entry, run: RunRecord) -> dict[str, Any]:
    finished = run.finished_at or run.started_at
    return {
        "event": "object", "run": entry.id, "source": run.source, "object": run.object,
        "kind": entry.kind, "period": entry.period, "started_at": _stamp(run.started_at),
        "finished_at": _stamp(finished), "status": run.status, "error": run.error,
        "read": run.fetched, "appended": run.appended, "unchanged": run.unchanged,
        "pages": run.pages, "duration_s": round((finished - run.started_at).total_seconds(), 3),
    }


def write_file(project: Project, entry: Entry, runs: Sequence[RunRecord] = ()) -> None:
    """Append the run's lines to the log file, rotating it first when they would take it
    past `log_max_bytes`: a run's lines stay together in one file."""
    from logging.handlers import RotatingFileHandler

    path = log_path(project)
    if path is None:
        return
    settings = project.settings.schedule
    lines = [_object_line(entry, r) for r in runs]
    lines.append({"event": "run", **{k: _stamp(v) for k, v in entry.as_dict().items()}})
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    size = path.stat().st_size if path.exists() else 0
    if settings.log_max_bytes and size and size + len(data) > settings.log_max_bytes:
        if settings.log_backups:
            rotate = RotatingFileHandler(path, backupCount=settings.log_backups, delay=True)
            rotate.doRollover()  # collection.log -> .1 -> .2 ..., the oldest dropped
            rotate.close()
        else:
            path.write_bytes(b"")  # no backups kept: start the file again
    with path.open("ab") as f:
        f.write(data)


def record(project: Project, entry: Entry, runs: Sequence[RunRecord] = ()) -> None:
    """Write `entry` (and its objects' `runs`) to the log file, then append it to the
    ledger. A log file that cannot be written does not lose the ledger's entry: it is
    appended, then the file's problem is raised."""
    import pyarrow as pa

    problem: OSError | None = None
    try:
        write_file(project, entry, runs)
    except OSError as exc:
        problem = exc
    row = entry.as_dict()
    row["skipped"] = "; ".join(entry.skipped) or None
    project.ledger.append(COLLECTION_RUNS, pa.Table.from_pylist([row], schema=_schema()),
                          source="northstar", id_column="id")
    if problem is not None:
        raise NorthstarError(
            f"the collection log file {log_path(project)} cannot be written "
            f"({problem.strerror or problem}); the run is in the ledger's collection log. "
            "Fix the folder's permissions, or change [schedule] log_file in northstar.toml")


def entries(project: Project, limit: int = 20, source: str | None = None
            ) -> list[dict[str, Any]]:
    """The newest entries first (optionally of one source)."""
    if COLLECTION_RUNS not in project.engine.relations():
        return []
    where, args = ("WHERE source = ? ", [source]) if source else ("", [])
    table = project.engine.query(
        f"SELECT source, kind, period, status, error, started_at, finished_at, duration_s, "
        f"objects, read, appended, reason, author, skipped FROM {COLLECTION_RUNS} {where}"
        f"ORDER BY load_id DESC LIMIT {int(limit)}", args)
    return list(table.to_pylist())
