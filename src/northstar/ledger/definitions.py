"""The project's definitions under the chain: the files and views that decide a number.

A number is its data and its formula. The data is in the load chain; the formula is in the
project folder (metric, model, check, dashboard and mapping files, `people.yml`,
`northstar.toml`) and in the model views built from it. Each *definitions version* records the
SHA-256 of every one of those files and of every view's SQL as the database keeps it, in
`ns_definitions`, a chain of its own linked like the log (HMAC under the ledger key):

- before every load, when the files differ from the newest version (the usual route: a
  committed file change, then any command that writes);
- whenever the model views are rebuilt and their SQL changed;
- on `northstar definitions record`, which rebuilds the views from the files first.

Every log entry names the version in force when it was written, and the head anchor holds the
newest version, so removing a version is seen. `verify` compares the newest version with the
files in the folder and the views in the database, and names each file or view that differs.

A view's SQL is recorded as the database echoes it back right after Northstar created it, so
the comparison does not depend on how an engine rewrites SQL. The first version of a project
made before definitions were recorded takes its views as they are then (trust on first use)."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from northstar.engines.base import quote
from northstar.errors import IntegrityError
from northstar.ledger.anchor import compare
from northstar.ledger.hashing import GENESIS, UNKEYED, chain
from northstar.ledger.schema import LOG_TABLE
from northstar.ledger.store import utcnow

if TYPE_CHECKING:
    from northstar.engines.base import Engine
    from northstar.ledger.anchor import HeadAnchor
    from northstar.ledger.hashing import ChainKey

__all__ = ["DEFINITIONS", "DEFINITION_FOLDERS", "Definitions", "Recorded", "definition_files",
           "link", "parse_manifest"]

DEFINITIONS = "ns_definitions"
DEFINITION_FOLDERS = ("models", "metrics", "checks", "dashboards", "mappings", "reference")
"""Folders whose every file (at any depth, hidden ones aside) is a definition. Keep mapping
and reference-list files (a warehouse mapping, tag rules, account lists) under `mappings/`
or `reference/`, or at the top of the folder, to have them covered."""
ROOT_SUFFIXES = (".toml", ".yml", ".yaml")
"""Files at the top of the project folder with these endings are definitions too
(`northstar.toml`, `people.yml`, `sources.toml`, attach specs, file mappings)."""

DDL = f"""
CREATE TABLE IF NOT EXISTS {DEFINITIONS} (
  version BIGINT PRIMARY KEY,
  recorded_at TIMESTAMP NOT NULL,
  after_load BIGINT NOT NULL,
  reason VARCHAR NOT NULL,
  manifest VARCHAR NOT NULL,
  scheme VARCHAR,
  prev_hash VARCHAR NOT NULL,
  chain_hash VARCHAR NOT NULL
)
"""
COLUMNS = ("version", "recorded_at", "after_load", "reason", "manifest", "scheme",
           "prev_hash", "chain_hash")


@dataclass(frozen=True)
class Recorded:
    """One definitions version as recorded."""

    version: int
    chain_hash: str
    after_load: int
    reason: str
    files: dict[str, str]
    """Project-relative path (with `/`) -> SHA-256 of the file's bytes."""
    views: dict[str, str]
    """View name -> SHA-256 of its SQL as the database keeps it."""


def definition_files(root: Path, cache: dict[str, tuple[int, int, int, str]] | None = None
                     ) -> dict[str, str]:
    """Every definition file of the project folder and its SHA-256. `cache` keeps digests by
    path, size, mtime and inode between calls of one process (a long-running server), so a
    file is read again only when it changed."""
    found: list[tuple[str, os.DirEntry[str]]] = []
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.name.endswith(ROOT_SUFFIXES) and _visible(entry.name) and entry.is_file():
                found.append((entry.name, entry))
    for folder in DEFINITION_FOLDERS:
        _walk(os.path.join(root, folder), folder, found)
    out: dict[str, str] = {}
    for rel, entry in found:
        st = entry.stat()
        stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        known = cache.get(rel) if cache is not None else None
        if known is not None and known[:3] == stamp:
            out[rel] = known[3]
            continue
        with open(entry.path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        if cache is not None:
            cache[rel] = (*stamp, digest)
        out[rel] = digest
    return dict(sorted(out.items()))


def _walk(path: str, rel: str, found: list[tuple[str, os.DirEntry[str]]]) -> None:
    try:
        entries = list(os.scandir(path))
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        if not _visible(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, f"{rel}/{entry.name}", found)
        elif entry.is_file():
            found.append((f"{rel}/{entry.name}", entry))


def _visible(name: str) -> bool:
    return not name.startswith(".") and name != "__pycache__"


def view_digests(sql: dict[str, str]) -> dict[str, str]:
    return {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(sql.items())}


def manifest_text(files: dict[str, str], views: dict[str, str]) -> str:
    return json.dumps({"files": files, "views": views}, sort_keys=True, separators=(",", ":"))


def parse_manifest(text: object) -> tuple[dict[str, str], dict[str, str]]:
    """Files and views of a recorded manifest; ValueError when it is not one."""
    data = json.loads(str(text))
    if not isinstance(data, dict):
        raise ValueError("not an object")
    parts: list[dict[str, str]] = []
    for key in ("files", "views"):
        part = data.get(key)
        if not isinstance(part, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in part.items()):
            raise ValueError(f"its {key} are not names and digests")
        parts.append(part)
    return parts[0], parts[1]


def link(key: ChainKey | None, prev_hash: str, fields: tuple[object, ...]) -> str:
    """A definitions version's link: like a log entry's, with its own domain word."""
    if key is None:
        return chain(prev_hash, "definitions", *fields)
    return key.link(prev_hash, "definitions", *fields)


class Definitions:
    """Records the project's definitions, as a ledger writer or a view build asks."""

    def __init__(self, engine: Engine, root: Path, key: ChainKey | None,
                 anchor: HeadAnchor | None) -> None:
        self.engine = engine
        self.root = root
        self.key = key
        self.anchor = anchor
        self.table = DEFINITIONS
        self._cache: dict[str, tuple[int, int, int, str]] = {}
        self._newest: Recorded | None = None
        """The newest version this process committed or read: a write whose log says it is
        still the newest need not read it again."""

    def prepare(self) -> None:
        """Create the definitions chain if it is missing (with the log, when the ledger is
        opened for writing)."""
        if not self.exists():
            self.engine.create_fixed_ledger_table(DEFINITIONS, DDL)

    def files(self) -> dict[str, str]:
        return definition_files(self.root, self._cache)

    def live_views(self) -> dict[str, str]:
        return view_digests(self.engine.view_sql())

    # -- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return DEFINITIONS in self.engine.relations()

    def newest(self) -> Recorded | None:
        """The newest version; IntegrityError when it cannot be read (see `verify`)."""
        if not self.exists():
            return None
        found = self.engine.rows(
            f"SELECT version, chain_hash, after_load, reason, manifest FROM {DEFINITIONS} "
            "ORDER BY version DESC LIMIT 1")
        if not found:
            return None
        version, chain_hash, after_load, reason, manifest = found[0]
        try:
            files, views = parse_manifest(manifest)
            newest = Recorded(int(version), str(chain_hash), int(after_load), str(reason),
                              files, views)
        except (ValueError, TypeError):
            raise IntegrityError(f"{DEFINITIONS} version {version} is damaged; run "
                                 "`northstar verify`") from None
        self._newest = newest
        return newest

    def _hash_of(self, version: int) -> str | None:
        found = self.engine.scalar(f"SELECT chain_hash FROM {DEFINITIONS} WHERE version = ?",
                                   [version])
        return None if found is None else str(found)

    def _check_anchor(self, newest: Recorded | None) -> None:
        if self.anchor is None:
            return
        head = self.anchor.read()
        if head is None:
            return
        problem = compare(head, (newest.version, newest.chain_hash) if newest else (0, ""),
                          self._hash_of, what="definitions version", file=self.anchor.path)
        if problem is not None:
            raise IntegrityError(f"{problem}; run `northstar verify`")

    # -- recording -----------------------------------------------------------------------
    def sync(self, version: int | None = -1) -> Recorded | None:
        """Before a load: record the files when they changed (the views as last recorded,
        or as they are when nothing was recorded yet). Returns the version in force.

        `version`: the newest version as the caller just read it (None: there is none yet;
        -1: not known), so that the newest need not be read again."""
        cached = self._newest
        if version is None:
            newest = None
        elif cached is not None and cached.version == version:
            newest = cached
        else:
            newest = self.newest()
        self._check_anchor(newest)
        files = self.files()
        if newest is not None and newest.files == files:
            return newest
        views = newest.views if newest is not None else self.live_views()
        return self._append(files, views, "files changed" if newest else "first recorded")

    def record(self, views: dict[str, str], reason: str) -> Recorded:
        """After the views were built: record the files and `views` when either changed."""
        newest = self.newest()
        self._check_anchor(newest)
        files = self.files()
        if newest is not None and newest.files == files and newest.views == views:
            return newest
        return self._append(files, views, reason)

    def _append(self, files: dict[str, str], views: dict[str, str], reason: str) -> Recorded:
        engine = self.engine
        with engine.transaction():
            if not self.exists():
                engine.create_fixed_ledger_table(DEFINITIONS, DDL)
            engine.lock_ledger(DEFINITIONS)
            head = engine.rows(f"SELECT version, chain_hash FROM {DEFINITIONS} "
                               "ORDER BY version DESC LIMIT 1")
            version, prev = (int(head[0][0]) + 1, str(head[0][1])) if head else (1, GENESIS)
            after_load = int(engine.scalar(f"SELECT coalesce(max(load_id), 0) FROM {LOG_TABLE}")
                             or 0)
            fields: tuple[Any, ...] = (version, utcnow(), after_load, reason,
                                       manifest_text(files, views),
                                       UNKEYED if self.key is None else self.key.scheme)
            chain_hash = link(self.key, prev, fields)
            engine.execute(
                f"INSERT INTO {DEFINITIONS} ({', '.join(quote(c) for c in COLUMNS)}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [*fields, prev, chain_hash])
            recorded = Recorded(version, chain_hash, after_load, reason, files, views)
            engine.on_commit(lambda: self._committed(recorded))
        return recorded

    def _committed(self, recorded: Recorded) -> None:
        self._newest = recorded
        if self.anchor is not None:
            self.anchor.advance(definitions=(recorded.version, recorded.chain_hash))
