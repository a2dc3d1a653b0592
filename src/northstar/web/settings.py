"""Settings of the web process: session lifetimes, login throttling, cookie security, single
sign-on. They come from the `[web]` section of northstar.toml (`WebConfig`, where every key is
documented), which `NORTHSTAR__WEB__*` environment variables override."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from northstar.config import OidcSettings, WebConfig


def utcnow() -> datetime:
    """Naive UTC, the way every timestamp is stored."""
    return datetime.now(UTC).replace(tzinfo=None)


_DEFAULTS = WebConfig()


@dataclass
class WebSettings:
    idle_minutes: float = _DEFAULTS.idle_minutes
    """A session unused for this long ends."""
    absolute_hours: float = _DEFAULTS.absolute_hours
    """A session ends this long after login, however busy."""
    slow_after: int = _DEFAULTS.slow_after
    """Failed logins in a row after which each further attempt is answered slowly."""
    slow_seconds: float = _DEFAULTS.slow_seconds
    """Extra wait per failed attempt past `slow_after`."""
    lock_after: int = _DEFAULTS.lock_after
    """Failed logins in a row that lock the account."""
    lock_minutes: float = _DEFAULTS.lock_minutes
    """How long a locked account stays locked."""
    secure_cookies: bool | None = _DEFAULTS.secure_cookies
    """Force the Secure flag on cookies; None means: when the request came over HTTPS."""
    stale_hours: float = _DEFAULTS.stale_hours
    """A source whose last good load is older than this is shown as stale."""
    password_login: bool = _DEFAULTS.password_login
    """False: the login page offers single sign-on only and POST /login refuses."""
    oidc: OidcSettings | None = None
    """Single sign-on through OpenID Connect; None: password login only."""
    clock: Callable[[], datetime] = utcnow
    """Current time (naive UTC); tests replace it to move time forward."""

    @classmethod
    def from_config(cls, config: WebConfig, **overrides: Any) -> WebSettings:
        """The settings a project's `[web]` section asks for, with `overrides` on top."""
        values = {f.name: getattr(config, f.name) for f in fields(cls) if f.name != "clock"}
        return cls(**{**values, **overrides})
