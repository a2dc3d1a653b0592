"""Login throttling that slows guessing without ever locking anyone out.

Failed logins are counted on three keys: the user name that was typed (known or not, so a
real name and an unknown one behave alike), the client's address (password spraying from one
place) and everyone together (spraying from many). Once a key's count passes its threshold,
every attempt that touches it waits before its password is checked: `slow_seconds`, doubled
with each further failure, never more than `max_wait_seconds`. The right password is always
accepted after that wait, so an attacker can slow an account down but cannot shut its owner
out; an admin can clear a user name's count (`northstar user unlock`, Admin → Users).

A count is forgotten `forget_minutes` after its last failure. Counts live in the project's
database (`ns_web_login_failures`), so a restart does not reset them. One address may have one
attempt waiting at a time; another arriving meanwhile is answered at once without checking
its password (that refusal only ever reaches the address that sent it)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from northstar.engines.base import Engine
from northstar.web.settings import WebSettings
from northstar.web.store import LOGIN_FAILURES

EVERYONE = "all"
PRUNE_EVERY = timedelta(minutes=1)


def account_key(username: str) -> str:
    return f"account:{username}"


def client_key(client: str) -> str:
    """An IPv6 client counts by its /64 (one host usually holds the whole network)."""
    try:
        address = ipaddress.ip_address(client)
    except ValueError:
        return f"client:{client}"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"client:{address.ipv4_mapped}"
        return f"client:{ipaddress.ip_network(f'{address}/64', strict=False)}"
    return f"client:{address}"


@dataclass(frozen=True)
class Count:
    failures: int
    """Failures on the key not yet forgotten."""
    wait: float
    """Seconds the next attempt on the key waits for it."""


class LoginThrottle:
    def __init__(self, engine: Engine, settings: WebSettings) -> None:
        self.engine = engine
        self.settings = settings
        self._waiting: set[str] = set()
        """Client keys with an attempt waiting now (this process's memory: one entry per
        request in flight, removed when it ends)."""
        self._pruned: datetime | None = None

    # -- reading -----------------------------------------------------------------------------
    def _thresholds(self, username: str, client: str) -> dict[str, int]:
        s = self.settings
        return {account_key(username): s.slow_after, client_key(client): s.client_slow_after,
                EVERYONE: s.all_slow_after}

    def _failures(self, keys: list[str]) -> dict[str, int]:
        """Failures per key, the forgotten ones left out."""
        if not keys:
            return {}
        since = self.settings.clock() - timedelta(minutes=self.settings.forget_minutes)
        marks = ", ".join("?" for _ in keys)
        rows = self.engine.rows(f"SELECT throttle_key, failures, last_at FROM "
                                f"{LOGIN_FAILURES} WHERE throttle_key IN ({marks})", keys)
        return {str(k): int(n) for k, n, last in rows if last >= since}

    def wait_for(self, failures: int, threshold: int) -> float:
        """`slow_seconds` once `threshold` failures are counted, doubled with each further
        one, at most `max_wait_seconds`."""
        if failures < threshold:
            return 0.0
        s = self.settings
        steps = min(failures - threshold, 64)  # 2**64 seconds is past any cap already
        return float(min(s.max_wait_seconds, s.slow_seconds * 2 ** steps))

    def wait(self, username: str, client: str) -> float:
        """Seconds an attempt with this user name from this client waits before its password
        is checked: the longest wait of its three keys."""
        thresholds = self._thresholds(username, client)
        found = self._failures(list(thresholds))
        return max(self.wait_for(found.get(k, 0), t) for k, t in thresholds.items())

    def count(self, username: str) -> Count:
        """A user name's own count (what Admin shows and unlock clears)."""
        n = self._failures([account_key(username)]).get(account_key(username), 0)
        return Count(n, self.wait_for(n, self.settings.slow_after))

    def counts(self, usernames: list[str]) -> dict[str, Count]:
        found = self._failures([account_key(u) for u in usernames])
        out = {}
        for u in usernames:
            n = found.get(account_key(u), 0)
            out[u] = Count(n, self.wait_for(n, self.settings.slow_after))
        return out

    # -- writing -----------------------------------------------------------------------------
    def failed(self, username: str, client: str) -> None:
        """Count a failed attempt on all three keys (the same writes for any user name)."""
        now = self.settings.clock()
        keys = list(self._thresholds(username, client))
        found = self._failures(keys)
        marks = ", ".join("?" for _ in keys)
        with self.engine.transaction():
            self.engine.execute(f"DELETE FROM {LOGIN_FAILURES} WHERE throttle_key IN ({marks})",
                                keys)
            for key in keys:
                self.engine.execute(f"INSERT INTO {LOGIN_FAILURES} (throttle_key, failures, "
                                    "last_at) VALUES (?, ?, ?)", [key, found.get(key, 0) + 1, now])
        self._prune(now)

    def succeeded(self, username: str) -> None:
        """The right password clears the user name's count (not the address's: a guesser
        with an account of their own could otherwise clear it between guesses)."""
        self.engine.execute(f"DELETE FROM {LOGIN_FAILURES} WHERE throttle_key = ?",
                            [account_key(username)])

    def unlock(self, username: str) -> int:
        """Clear a user name's count; returns the failures it held."""
        held = self.count(username).failures
        self.succeeded(username)
        return held

    def _prune(self, now: datetime) -> None:
        """Drop forgotten counts, at most once a minute: typed user names that do not exist
        would otherwise pile up."""
        if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
            return
        self._pruned = now
        since = now - timedelta(minutes=self.settings.forget_minutes)
        self.engine.execute(f"DELETE FROM {LOGIN_FAILURES} WHERE last_at < ?", [since])

    # -- one waiting attempt per address -----------------------------------------------------
    def hold(self, client: str) -> bool:
        """Mark an attempt from this client as waiting; False when one already is."""
        key = client_key(client)
        if key in self._waiting:
            return False
        self._waiting.add(key)
        return True

    def release(self, client: str) -> None:
        self._waiting.discard(client_key(client))
