"""Settings of the web process: session lifetimes, login throttling, cookie security, single
sign-on. They come from the `[web]` section of northstar.toml (`WebConfig`, where every key is
documented), which `NORTHSTAR__WEB__*` environment variables override."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
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
    """Failed logins on one user name (real or not) after which each attempt on it waits."""
    slow_seconds: float = _DEFAULTS.slow_seconds
    """The first wait; it doubles with each further failure."""
    max_wait_seconds: float = _DEFAULTS.max_wait_seconds
    """The longest an attempt waits: the right password always gets in after at most this."""
    client_slow_after: int = _DEFAULTS.client_slow_after
    """Failed logins from one address after which its attempts wait."""
    all_slow_after: int = _DEFAULTS.all_slow_after
    """Failed logins from everywhere together after which every attempt waits."""
    forget_minutes: float = _DEFAULTS.forget_minutes
    """A count of failed logins is forgotten this long after its last failure."""
    trusted_proxies: list[str] = field(default_factory=list)
    """Reverse proxies whose `X-Forwarded-For` names the real client."""
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
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    """How a login attempt waits; tests replace it to see the wait asked for."""

    @classmethod
    def from_config(cls, config: WebConfig, **overrides: Any) -> WebSettings:
        """The settings a project's `[web]` section asks for, with `overrides` on top."""
        values = {f.name: getattr(config, f.name) for f in fields(cls)
                  if f.name not in ("clock", "sleep")}
        return cls(**{**values, **overrides})
