"""Settings of the web process: session lifetimes, login throttling, cookie security."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC, the way every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


@dataclass
class WebSettings:
    idle_minutes: float = field(default_factory=lambda: _env_float(
        "NORTHSTAR__WEB__IDLE_MINUTES", 30))
    """A session unused for this long ends."""
    absolute_hours: float = field(default_factory=lambda: _env_float(
        "NORTHSTAR__WEB__ABSOLUTE_HOURS", 12))
    """A session ends this long after login, however busy."""
    slow_after: int = 3
    """Failed logins in a row after which each further attempt is answered slowly."""
    slow_seconds: float = 1.0
    """Extra wait per failed attempt past `slow_after`."""
    lock_after: int = 5
    """Failed logins in a row that lock the account."""
    lock_minutes: float = 15
    """How long a locked account stays locked."""
    secure_cookies: bool | None = None
    """Force the Secure flag on cookies; None means: when the request came over HTTPS."""
    stale_hours: float = 36
    """A source whose last good load is older than this is shown as stale."""
    clock: Callable[[], datetime] = utcnow
    """Current time (naive UTC); tests replace it to move time forward."""
