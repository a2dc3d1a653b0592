"""The head anchor: the newest log entry and definitions version, kept outside the database.

A hash chain shows every change to the entries it holds, but not the removal of its newest
entries, nor an older copy of the whole database put back: what is left is still a valid
chain. So after every commit that adds to the ledger, Northstar appends the newest load id and
chain hash (and the newest definitions version and hash) to `.northstar/ledger.head` in the
project folder; `verify` compares the database with it, and every write refuses to go on when
the database is behind it (else the next load would move the anchor onto the older history).

The file is append-only, one JSON line per commit, each written with a single `write` to a
file opened for appending, so no line is ever half-replaced: a line torn by a crash is skipped
and the anchor is then at most one commit behind the database, which it may always be (another
writer of the same PostgreSQL ledger may be ahead too). The head is the newest entry any line
names. Nothing is fsynced: a load pays no disk flush for its anchor (measured: an atomic
rewrite with fsync cost 5-7 ms a load here). A file past 1 MiB is rewritten (atomically) to its
head.

Each line also holds `keyed_from`, the first load linked with the ledger key: an entry from
there on that is not keyed is a downgrade, not an old entry."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from northstar.errors import IntegrityError

__all__ = ["ANCHOR_FILE", "AnchorDamaged", "Head", "HeadAnchor", "compare"]

ANCHOR_FILE = "ledger.head"
TAIL = 16_384
"""Bytes read from the end of the file: many lines, so a concurrent writer's older line
cannot hide the head."""
COMPACT = 1 << 20


@dataclass(frozen=True)
class Head:
    load_id: int = 0
    chain_hash: str = ""
    keyed_from: int | None = None
    definitions: int = 0
    definitions_hash: str = ""


class AnchorDamaged(IntegrityError):
    """The head file is there but no line of it can be read as a head."""


class HeadAnchor:
    """The head file of one project folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Head | None:
        """The recorded head; None when there is no file yet (or an empty one)."""
        try:
            with open(self.path, "rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                fh.seek(max(0, size - TAIL))
                data = fh.read()
        except FileNotFoundError:
            return None
        lines = data.split(b"\n")
        if size > TAIL:
            lines = lines[1:]  # the first may be cut
        heads = [h for h in map(_parse, lines) if h is not None]
        if not heads:
            if data.strip(b"\0 \n"):
                raise AnchorDamaged(f"the head anchor {self.path} is damaged (not a head)")
            return None
        newest = max(heads, key=lambda h: h.load_id)
        defs = max(heads, key=lambda h: h.definitions)
        keyed = [h.keyed_from for h in heads if h.keyed_from is not None]
        return Head(newest.load_id, newest.chain_hash, min(keyed) if keyed else None,
                    defs.definitions, defs.definitions_hash)

    def advance(self, *, load: tuple[int, str] | None = None, keyed_from: int | None = None,
                definitions: tuple[int, str] | None = None) -> None:
        """Record what was just committed (the anchor never moves back: a slower writer of
        an older entry adds nothing newer)."""
        try:
            head = self.read() or Head()
        except AnchorDamaged:
            head = Head()
        new = head
        if load is not None and load[0] > head.load_id:
            new = replace(new, load_id=load[0], chain_hash=load[1])
        if keyed_from is not None and new.keyed_from is None:
            new = replace(new, keyed_from=keyed_from)
        if definitions is not None and definitions[0] > head.definitions:
            new = replace(new, definitions=definitions[0], definitions_hash=definitions[1])
        if new == head:
            return
        line = (json.dumps({"load_id": new.load_id, "chain_hash": new.chain_hash,
                            "keyed_from": new.keyed_from, "definitions": new.definitions,
                            "definitions_hash": new.definitions_hash}) + "\n").encode()
        self.path.parent.mkdir(mode=0o700, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size > COMPACT:
            self._rewrite(line)

    def _rewrite(self, line: bytes) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)


def _parse(line: bytes) -> Head | None:
    try:
        data = json.loads(line)
        keyed = data.get("keyed_from")
        return Head(int(data["load_id"]), str(data["chain_hash"]),
                    None if keyed is None else int(keyed), int(data.get("definitions", 0)),
                    str(data.get("definitions_hash", "")))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def compare(anchor: Head, newest: tuple[int, str], hash_of: Callable[[int], str | None], *,
            what: str, file: Path) -> str | None:
    """Why the database's newest entry (`newest`: id and hash) cannot follow the anchored one,
    or None when it can. `hash_of(id)` looks up an older entry's hash (another writer of the
    same database may have moved on since this folder's anchor was written). `what` names the
    kind of entry ("load", "definitions version")."""
    anchored_id, anchored_hash = ((anchor.load_id, anchor.chain_hash) if what == "load"
                                  else (anchor.definitions, anchor.definitions_hash))
    if anchored_id == 0:
        return None
    newest_id, newest_hash = newest
    if newest_id < anchored_id:
        ends = f"ends at {what} {newest_id}" if newest_id else "is empty"
        return (f"the database {ends}, but the head anchor ({file}) records {what} "
                f"{anchored_id}: the newest entries were removed or an older copy of the "
                "database was put back")
    found = newest_hash if newest_id == anchored_id else hash_of(anchored_id)
    if found != anchored_hash:
        return (f"{what} {anchored_id} is not the one the head anchor ({file}) recorded: the "
                "history was rewritten or another database was put in its place")
    return None
