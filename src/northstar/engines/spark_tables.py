"""The Spark engine's tables: plain Parquet folders in a warehouse, made visible by one manifest.

Spark has no transactions over plain Parquet (Delta Lake or Iceberg would bring them, but need
jars from outside). So every table is a list of *parts*, each a folder of Parquet files written
once and never changed, and the file `manifest.json` names which parts belong to which table, the
tables' columns, and the views. A write goes to a new part that nothing names yet; the
transaction commits by writing a new manifest beside the old one and renaming it over it, which
the file system does at once. A reader sees the old manifest or the new one, never half of one;
a killed write leaves parts no manifest names, which the next writer deletes (`sweep`).

One writing process at a time holds `writer.lock` (as a DuckDB file has one writer); readers
take no lock and pick up a newer manifest on their next statement."""

from __future__ import annotations

import copy
import fcntl
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar

from northstar.errors import LedgerLockedError

MANIFEST = "manifest.json"
LOCK = "writer.lock"


@dataclass
class TableEntry:
    columns: list[tuple[str, str]]
    """Name and type, DuckDB's spelling (what `Engine.columns` reports)."""
    parts: list[str] = field(default_factory=list)
    """Part folders, relative to the warehouse, oldest first."""
    protected: bool = False
    """A ledger table: the adapter refuses UPDATE, DELETE and DROP on it."""

    def as_json(self) -> dict[str, Any]:
        return {"columns": [list(c) for c in self.columns], "parts": self.parts,
                "protected": self.protected}


@dataclass
class Manifest:
    version: int = 0
    tables: dict[str, TableEntry] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)
    """View name -> its SQL as Northstar wrote it (DuckDB's dialect), in creation order."""

    def parts(self) -> set[str]:
        return {p for t in self.tables.values() for p in t.parts}

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version,
                "tables": {n: t.as_json() for n, t in self.tables.items()},
                "views": self.views}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        tables = {str(n): TableEntry([(str(c), str(t)) for c, t in e["columns"]],
                                     [str(p) for p in e["parts"]], bool(e.get("protected")))
                  for n, e in data.get("tables", {}).items()}
        return cls(int(data.get("version", 0)), tables, dict(data.get("views", {})))


class Warehouse:
    """The warehouse folder: reads and commits manifests, holds the writer's lock."""

    _locks: ClassVar[dict[str, tuple[IO[str], int]]] = {}
    """Per warehouse, the lock file this process holds and how many engines share it."""

    def __init__(self, root: Path, data: str | None = None) -> None:
        """`root`: the folder of the manifest and the lock (and, in local mode, the parts);
        `data`: where the parts are when the cluster writes them elsewhere (Spark Connect)."""
        self.root = root
        self.data = data
        self._stamp: tuple[int, int] | None = None
        self._manifest = Manifest()
        self._locked = False

    @property
    def path(self) -> Path:
        return self.root / MANIFEST

    def lock(self) -> None:
        """Become the warehouse's writer (shared by the engines of this process)."""
        self.root.mkdir(parents=True, exist_ok=True)
        key = str(self.root.resolve())
        held = self._locks.get(key)
        if held is None:
            handle = open(self.root / LOCK, "a")  # noqa: SIM115 - held while the engine is open
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise LedgerLockedError(
                    f"{self.root} is open for writing in another process (is `northstar serve` "
                    "running?); stop it, or send the change through the running server") from None
            held = (handle, 0)
        self._locks[key] = (held[0], held[1] + 1)
        self._locked = True

    def unlock(self) -> None:
        if not self._locked:
            return
        self._locked = False
        key = str(self.root.resolve())
        handle, count = self._locks[key]
        if count <= 1:
            del self._locks[key]
            handle.close()
        else:
            self._locks[key] = (handle, count - 1)

    def read(self) -> Manifest:
        """The committed manifest (read again only when the file changed)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return self._manifest
        stamp = (st.st_mtime_ns, st.st_size)
        if stamp != self._stamp:
            self._manifest = Manifest.from_json(json.loads(self.path.read_text()))
            self._stamp = stamp
        return self._manifest

    def commit(self, manifest: Manifest) -> None:
        """Make `manifest` the committed one, all at once (write beside, fsync, rename)."""
        manifest.version += 1
        tmp = self.root / f".{MANIFEST}.{uuid.uuid4().hex}"
        with open(tmp, "w") as out:
            json.dump(manifest.as_json(), out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._manifest = copy.deepcopy(manifest)
        st = self.path.stat()
        self._stamp = (st.st_mtime_ns, st.st_size)

    def location(self, part: str) -> str:
        """Where a part's files are, as Spark reads and writes them."""
        if self.data is not None:
            return f"{self.data.rstrip('/')}/{part}"
        return str(self.root / part)

    def new_part(self, table: str) -> str:
        """A fresh part folder's name for `table` (nothing names it until a commit does)."""
        return f"{table}/part-{uuid.uuid4().hex}"

    def remove(self, parts: set[str]) -> None:
        if self.data is not None:
            return  # on the cluster's storage: its own retention removes them
        for part in parts:
            shutil.rmtree(self.root / part, ignore_errors=True)

    def sweep(self) -> int:
        """Delete what no committed manifest names: parts of killed or rolled-back writes,
        tables dropped, half-written manifests. Only the writer does it. Returns the count."""
        if self.data is not None:
            return 0  # the cluster's storage is not listed from here
        named = self.read().parts()
        gone = 0
        for child in self.root.iterdir():
            if child.name.startswith(f".{MANIFEST}."):
                child.unlink(missing_ok=True)
                gone += 1
            elif child.is_dir():
                for part in child.iterdir():
                    if f"{child.name}/{part.name}" not in named:
                        shutil.rmtree(part, ignore_errors=True)
                        gone += 1
                if not any(child.iterdir()):
                    child.rmdir()
        return gone
