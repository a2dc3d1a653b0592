"""The head anchor: the newest log entry and definitions version, kept outside the database.

A hash chain shows every change to the entries it holds, but not the removal of its newest
entries, nor an older copy of the whole database put back: what is left is still a valid
chain. So after every commit that adds to the ledger, Northstar writes the newest load id and
chain hash (and the newest definitions version and hash) to `.northstar/ledger.head` in the
project folder, atomically; `verify` compares the database with it, and every write refuses
to go on when the database is behind it (else the next load would move the anchor onto the
older history).

The file also holds `keyed_from`, the first load linked with the ledger key: an entry from
there on that is not keyed is a downgrade, not an old entry."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from northstar.errors import IntegrityError

__all__ = ["ANCHOR_FILE", "Head", "HeadAnchor", "compare"]

ANCHOR_FILE = "ledger.head"


@dataclass(frozen=True)
class Head:
    load_id: int = 0
    chain_hash: str = ""
    keyed_from: int | None = None
    definitions: int = 0
    definitions_hash: str = ""


class AnchorDamaged(IntegrityError):
    """The head file is there but cannot be read as a head."""


class HeadAnchor:
    """The head file of one project folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> Head | None:
        """The recorded head; None when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            keyed = data.get("keyed_from")
            return Head(int(data["load_id"]), str(data["chain_hash"]),
                        None if keyed is None else int(keyed), int(data.get("definitions", 0)),
                        str(data.get("definitions_hash", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise AnchorDamaged(f"the head anchor {self.path} is damaged (not a head)") from None

    def advance(self, *, load: tuple[int, str] | None = None, keyed_from: int | None = None,
                definitions: tuple[int, str] | None = None) -> None:
        """Move the anchor forward to what was just committed (never backwards: a slower
        writer of an older entry leaves a newer anchor alone)."""
        with self._locked():
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
            if new != head:
                self._write(new)

    def _write(self, head: Head) -> None:
        text = json.dumps({"load_id": head.load_id, "chain_hash": head.chain_hash,
                           "keyed_from": head.keyed_from, "definitions": head.definitions,
                           "definitions_hash": head.definitions_hash}, indent=1) + "\n"
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(mode=0o700, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


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
