"""An append-only, hash-chained audit log: logins, failed logins, denied actions and writes.

Each entry's hash covers its content and the previous entry's hash, so an entry changed,
removed or slipped in afterwards breaks the chain, which `verify_audit` reports."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from northstar.engines.base import Engine
from northstar.web.store import AUDIT

GENESIS = "0" * 64


def _digest(prev: str, seq: int, at: datetime, actor: str, action: str, outcome: str,
            detail: str, client: str) -> str:
    body = json.dumps([prev, seq, at.isoformat(), actor, action, outcome, detail, client])
    return hashlib.sha256(body.encode()).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    outcome: str
    detail: str
    client: str
    hash: str


class AuditLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def record(self, at: datetime, actor: str, action: str, outcome: str = "ok",
               detail: dict[str, Any] | str = "", client: str = "") -> AuditEntry:
        text = detail if isinstance(detail, str) else json.dumps(detail, sort_keys=True,
                                                                 default=str)
        with self.engine.transaction():
            head = self.engine.rows(f"SELECT seq, hash FROM {AUDIT} ORDER BY seq DESC LIMIT 1")
            seq, prev = (int(head[0][0]) + 1, str(head[0][1])) if head else (1, GENESIS)
            digest = _digest(prev, seq, at, actor, action, outcome, text, client)
            self.engine.execute(
                f"INSERT INTO {AUDIT} (seq, happened_at, actor, action, outcome, detail, client, "
                "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [seq, at, actor, action, outcome, text, client, prev, digest],
            )
        return AuditEntry(seq, at, actor, action, outcome, text, client, digest)

    def entries(self, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
        rows = self.engine.rows(
            f"SELECT seq, happened_at, actor, action, outcome, detail, client, hash FROM {AUDIT} "
            f"ORDER BY seq DESC LIMIT {int(limit)} OFFSET {int(offset)}"
        )
        return [AuditEntry(int(r[0]), r[1], str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                           str(r[6]), str(r[7])) for r in rows]

    def verify(self) -> list[str]:
        """Problems found walking the chain from the first entry; empty when intact."""
        problems: list[str] = []
        prev, expected = GENESIS, 1
        rows = self.engine.rows(
            f"SELECT seq, happened_at, actor, action, outcome, detail, client, prev_hash, hash "
            f"FROM {AUDIT} ORDER BY seq"
        )
        for seq, at, actor, action, outcome, detail, client, prev_hash, digest in rows:
            if int(seq) != expected:
                problems.append(f"entry {expected} is missing (found {seq})")
            if prev_hash != prev:
                problems.append(f"entry {seq} does not follow the entry before it")
            if _digest(str(prev_hash), int(seq), at, actor, action, outcome, detail,
                       client) != digest:
                problems.append(f"entry {seq} was changed after it was written")
            prev, expected = str(digest), int(seq) + 1
        return problems
