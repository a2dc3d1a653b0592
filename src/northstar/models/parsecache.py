"""What each query reads, remembered between commands.

Checking the metric files means parsing every query with SQLGlot, which took a third of a
`northstar compute` on the demo (importing SQLGlot and parsing 50 files, about 0.3 s of CPU).
The answer only depends on the query's text, so a project keeps it in
`.northstar/cache/sql.json`: the SHA-256 of each text that parsed (with the SQLGlot version
and the dialect) and the tables it reads. A text seen before is not parsed again; a changed
file is a new text, so it is parsed. The file is never a source of numbers: it only saves
parsing, a damaged or foreign one is ignored and rewritten, and invalid SQL is never stored
(it is parsed, and refused, every time)."""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = ["ParseCache", "active", "use"]

_FORMAT = 1


def _parser_version() -> str:
    try:
        return version("sqlglot")
    except PackageNotFoundError:  # pragma: no cover - sqlglot is a dependency
        return "unknown"


class ParseCache:
    """Query text -> the tables it reads, read from and written to one JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = f"{_FORMAT}:sqlglot-{_parser_version()}:duckdb"
        self._tables: dict[str, list[str]] = {}
        self._dirty = False
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(body, dict) and body.get("stamp") == self._stamp:
                tables = body.get("tables")
                if isinstance(tables, dict):
                    self._tables = {k: v for k, v in tables.items() if isinstance(k, str)
                                    and isinstance(v, list)
                                    and all(isinstance(n, str) for n in v)}
        except (OSError, ValueError):
            pass  # no cache yet, or one that is not ours: start empty

    @staticmethod
    def key(sql: str) -> str:
        return hashlib.sha256(sql.encode("utf-8")).hexdigest()

    def get(self, sql: str) -> frozenset[str] | None:
        found = self._tables.get(self.key(sql))
        return None if found is None else frozenset(found)

    def put(self, sql: str, tables: frozenset[str]) -> None:
        key = self.key(sql)
        if self._tables.get(key) != sorted(tables):
            self._tables[key] = sorted(tables)
            self._dirty = True

    def save(self) -> None:
        """Write what was added (atomically: a reader never sees half a file)."""
        if not self._dirty:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"stamp": self._stamp, "tables": self._tables},
                                      sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.path)
            self._dirty = False
        except OSError:
            pass  # a read-only folder: parsing again next time is the only cost


_active: ParseCache | None = None


def use(cache: ParseCache | None) -> None:
    """Make `cache` the one `table_references` consults (None: parse every time)."""
    global _active
    _active = cache


def active() -> ParseCache | None:
    return _active
