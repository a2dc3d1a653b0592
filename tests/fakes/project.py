"""A Northstar project wired to fake vendor servers, for the source tests."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Any

import pyarrow as pa

from northstar.project import Project

FAST_RETRY = """
[{name}.retry]
backoff = 0.01
max_backoff = 0.05
attempts = 4
max_total = 20
timeout = 5
"""


OPEN: list[Project] = []
"""Projects opened by the current test; a test module's autouse fixture closes them."""


def close_all() -> None:
    while OPEN:
        OPEN.pop().close()


def make_project(root: Path, sources_toml: str, engine_url: str | None = None,
                 secrets: dict[str, Any] | None = None, pack: str | None = None,
                 timezone: str = "UTC") -> Project:
    """A project under `root/company` with these sources (and secrets), made from `pack`."""
    from northstar.packs import get_pack

    url = engine_url or f"duckdb:///{root / 'ledger.duckdb'}"
    project = Project.init(root / "company", engine_url=url, timezone=timezone,
                           pack=get_pack(pack) if pack else None)
    OPEN.append(project)
    (project.root / "sources.toml").write_text(sources_toml, encoding="utf-8")
    if secrets is not None:
        import json
        import os

        folder = project.root / ".secrets"
        folder.mkdir(mode=0o700, exist_ok=True)
        path = folder / "secrets.json"
        path.write_text(json.dumps(secrets), encoding="utf-8")
        os.chmod(path, 0o600)
    return project


def table_contents(project: Project, table: str, volatile: Collection[str] = ()
                   ) -> list[tuple[Any, ...]]:
    """A raw table's rows without the columns that differ between two equal runs; `volatile`
    columns (a run's own time, and hashes over it) only say whether they are set."""
    if table not in project.engine.relations():
        return []
    cols = [n for n, _ in project.engine.columns(table) or []
            if n not in ("load_id", "loaded_at", "row_seq")]
    quoted = ", ".join(f'("{c}" IS NULL) AS "{c}"' if c in volatile else f'"{c}"'
                       for c in cols)
    data: pa.Table = project.engine.query(f'SELECT {quoted} FROM "{table}"')
    return sorted(tuple(str(v) for v in row.values()) for row in data.to_pylist())


def raw_tables(project: Project) -> list[str]:
    return sorted(t for t in project.engine.relations() if t.startswith("raw_"))


def by_object(runs: list[Any]) -> dict[str, Any]:
    """A sync's run records by object name."""
    return {r.object: r for r in runs}
