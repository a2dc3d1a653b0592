"""The alert log, in the project's database beside the ledger (tables `ns_alert_*`).

Why there and not in a ledger table or a file: a delivery's status changes in place (pending,
retrying, sent, failed), which a ledger table refuses by design; the state a rule last saw and
the alerts it raised are written in one transaction, so a crash never sends an alert twice or
forgets one; and the app, the CLI and backups already read this database. They are not part of
the ledger's hash chain: they record what Northstar said, not what the sources said.

- `ns_alert_state`: per rule and subject (a metric, a source table, a check), the state the
  rule last saw and when it last alerted: one alert per change, and the quiet period.
- `ns_alerts`: every alert raised (sent, or held back by the quiet period), with its message.
- `ns_alert_deliveries`: one row per recipient of an alert: status, attempts, last error and
  when it is tried next."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from northstar.engines.base import Engine

STATE = "ns_alert_state"
ALERTS = "ns_alerts"
DELIVERIES = "ns_alert_deliveries"

DDL = (
    f"""CREATE TABLE IF NOT EXISTS {STATE} (
      rule VARCHAR NOT NULL,
      subject VARCHAR NOT NULL,
      state VARCHAR NOT NULL,
      seen_at TIMESTAMP NOT NULL,
      alerted_at TIMESTAMP,
      PRIMARY KEY (rule, subject)
    )""",
    f"""CREATE TABLE IF NOT EXISTS {ALERTS} (
      id BIGINT PRIMARY KEY,
      rule VARCHAR NOT NULL,
      kind VARCHAR NOT NULL,
      subject VARCHAR NOT NULL,
      state VARCHAR NOT NULL,
      previous VARCHAR,
      outcome VARCHAR NOT NULL,
      metric VARCHAR,
      title VARCHAR NOT NULL,
      message VARCHAR NOT NULL,
      created_at TIMESTAMP NOT NULL
    )""",
    f"""CREATE TABLE IF NOT EXISTS {DELIVERIES} (
      id BIGINT PRIMARY KEY,
      alert_id BIGINT NOT NULL,
      recipient VARCHAR NOT NULL,
      channel VARCHAR NOT NULL,
      address VARCHAR NOT NULL,
      status VARCHAR NOT NULL,
      attempts INTEGER NOT NULL,
      last_error VARCHAR,
      next_at TIMESTAMP,
      sent_at TIMESTAMP,
      created_at TIMESTAMP NOT NULL
    )""",
)


@dataclass(frozen=True)
class Delivery:
    """One recipient of one alert, as the log holds it."""

    id: int
    alert_id: int
    recipient: str
    """A person id, or the channel's name."""
    channel: str
    """email, slack or teams."""
    address: str
    """The email address, or the channel's name (webhooks are secrets: never stored)."""
    status: str
    """pending, retrying, sent or failed."""
    attempts: int
    last_error: str | None
    next_at: datetime | None
    sent_at: datetime | None


class AlertLog:
    """Reads and writes the three tables; every timestamp is naive UTC."""

    def __init__(self, engine: Engine, *, create: bool = True) -> None:
        """`create`: make the tables when missing (not on a database opened read-only)."""
        self.engine = engine
        for ddl in DDL if create else ():
            engine.execute(ddl)

    # -- what a rule saw ---------------------------------------------------------------------
    def states(self, rule: str) -> dict[str, tuple[str, datetime | None]]:
        """subject -> (state, last alerted at) for one rule."""
        return {str(s): (str(st), at) for s, st, at in self.engine.rows(
            f"SELECT subject, state, alerted_at FROM {STATE} WHERE rule = ?", [rule])}

    def save_state(self, rule: str, subject: str, state: str, at: datetime,
                   alerted_at: datetime | None) -> None:
        self.engine.execute(f"DELETE FROM {STATE} WHERE rule = ? AND subject = ?",
                            [rule, subject])
        self.engine.execute(f"INSERT INTO {STATE} VALUES (?, ?, ?, ?, ?)",
                            [rule, subject, state, at, alerted_at])

    def forget_rules_except(self, rules: list[str]) -> None:
        """Drop the state of rules no longer in the file (a renamed rule starts afresh)."""
        if not rules:
            self.engine.execute(f"DELETE FROM {STATE}")
            return
        marks = ", ".join("?" for _ in rules)
        self.engine.execute(f"DELETE FROM {STATE} WHERE rule NOT IN ({marks})", rules)

    # -- alerts ----------------------------------------------------------------------------------
    def _next(self, table: str) -> int:
        return int(self.engine.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM {table}"))

    def add_alert(self, *, rule: str, kind: str, subject: str, state: str,
                  previous: str | None, outcome: str, metric: str | None, title: str,
                  message: dict[str, Any], at: datetime) -> int:
        alert_id = self._next(ALERTS)
        self.engine.execute(
            f"INSERT INTO {ALERTS} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [alert_id, rule, kind, subject, state, previous, outcome, metric, title,
             json.dumps(message, default=str), at])
        return alert_id

    def add_delivery(self, alert_id: int, recipient: str, channel: str, address: str,
                     at: datetime, *, error: str | None = None) -> int:
        """A delivery to make now; with `error` one that cannot be made (failed at once)."""
        delivery_id = self._next(DELIVERIES)
        self.engine.execute(
            f"INSERT INTO {DELIVERIES} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [delivery_id, alert_id, recipient, channel, address,
             "failed" if error else "pending", 0, error, None if error else at, None, at])
        return delivery_id

    def alerts(self, limit: int = 100) -> list[dict[str, Any]]:
        """The newest alerts first, each with its deliveries."""
        rows = self.engine.query(
            f"SELECT * FROM {ALERTS} ORDER BY id DESC LIMIT {int(limit)}").to_pylist()
        if not rows:
            return []
        low = min(r["id"] for r in rows)
        by_alert: dict[int, list[Delivery]] = {}
        for d in self.deliveries(f"alert_id >= {int(low)}"):
            by_alert.setdefault(d.alert_id, []).append(d)
        for r in rows:
            r["message"] = json.loads(r["message"])
            r["deliveries"] = by_alert.get(r["id"], [])
        return list(rows)

    def message(self, alert_id: int) -> dict[str, Any]:
        found = self.engine.scalar(f"SELECT message FROM {ALERTS} WHERE id = ?", [alert_id])
        return dict(json.loads(found)) if found else {}

    def sent_digest(self, subject: str) -> bool:
        """A digest with this subject (person and week) was raised already."""
        return bool(self.engine.scalar(
            f"SELECT count(*) FROM {ALERTS} WHERE kind = 'digest' AND subject = ?", [subject]))

    # -- deliveries ----------------------------------------------------------------------------
    def deliveries(self, where: str = "TRUE", params: list[Any] | None = None
                   ) -> list[Delivery]:
        return [Delivery(int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]),
                         int(r[6]), r[7], r[8], r[9]) for r in self.engine.rows(
            f"SELECT id, alert_id, recipient, channel, address, status, attempts, last_error, "
            f"next_at, sent_at FROM {DELIVERIES} WHERE {where} ORDER BY id", params or [])]

    def due(self, now: datetime) -> list[Delivery]:
        return self.deliveries("status IN ('pending', 'retrying') AND next_at <= ?", [now])

    def delivered(self, delivery_id: int, at: datetime) -> None:
        self.engine.execute(
            f"UPDATE {DELIVERIES} SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
            "next_at = NULL WHERE id = ?", [at, delivery_id])

    def attempt_failed(self, delivery_id: int, error: str, next_at: datetime | None) -> None:
        """A failed attempt: tried again at `next_at`, or given up on (None)."""
        self.engine.execute(
            f"UPDATE {DELIVERIES} SET status = ?, attempts = attempts + 1, last_error = ?, "
            "next_at = ? WHERE id = ?",
            ["retrying" if next_at is not None else "failed", error[:2000], next_at,
             delivery_id])

    def retry_now(self, delivery_id: int, now: datetime) -> bool:
        """Put a failed delivery back in line (the admin's "try again")."""
        found = self.deliveries("id = ? AND status IN ('failed', 'retrying')", [delivery_id])
        if not found:
            return False
        self.engine.execute(f"UPDATE {DELIVERIES} SET status = 'retrying', next_at = ? "
                            "WHERE id = ?", [now, delivery_id])
        return True

    def counts(self) -> dict[str, int]:
        """Deliveries per status (the admin page's summary)."""
        return {str(s): int(n) for s, n in self.engine.rows(
            f"SELECT status, count(*) FROM {DELIVERIES} GROUP BY status")}
