"""The running web app's state, and who is asking: a session cookie or a bearer token."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from fastapi.templating import Jinja2Templates

from northstar.project import Project
from northstar.web.audit import AuditLog
from northstar.web.auth import Auth, Role, Session, User
from northstar.web.forms import Flashes
from northstar.web.oidc import OidcClient
from northstar.web.settings import WebSettings

SESSION_COOKIE = "ns_session"


class AuthRequired(Exception):
    """Nobody is logged in (pages redirect to /login; the API answers 401)."""


class Forbidden(Exception):
    """Logged in, but the role does not allow this."""

    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


@dataclass
class WebContext:
    project: Project
    auth: Auth
    audit: AuditLog
    settings: WebSettings
    templates: Jinja2Templates
    static_dir: Path
    oidc: OidcClient | None = None
    """Single sign-on, when `[web.oidc]` is configured."""
    flashes: Flashes = field(default_factory=Flashes)
    """What each session's last saved form did, for the page it is redirected to."""
    extra: dict[str, object] = field(default_factory=dict)


def ctx(request: Request) -> WebContext:
    found: WebContext = request.app.state.ns
    return found


def client_of(request: Request) -> str:
    """The client's address: the connecting one, or, when that is a trusted proxy
    (`trusted_proxies`), the right-most address in `X-Forwarded-For` that is not one."""
    host = request.client.host if request.client else ""
    trusted = ctx(request).settings.trusted_proxies
    if host not in trusted:
        return host
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed(hops):
        if hop in trusted:
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            return host  # a forged or garbled header: the proxy is all we know
    return host


def who(request: Request) -> tuple[User | None, Session | None]:
    """The user making this request, and their session when they came with a cookie."""
    cached = getattr(request.state, "ns_who", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    c = ctx(request)
    header = request.headers.get("authorization", "")
    found: tuple[User | None, Session | None] = (None, None)
    if header.lower().startswith("bearer "):
        user = c.auth.token_user(header[7:].strip())
        found = (user, None)
    else:
        session = c.auth.session(request.cookies.get(SESSION_COOKIE))
        if session is not None:
            found = (session.user, session)
    request.state.ns_who = found
    return found


def require(request: Request, role: Role = "viewer", action: str = "read") -> User:
    user, _ = who(request)
    if user is None:
        raise AuthRequired()
    if not user.can(role):
        c = ctx(request)
        c.audit.record(c.settings.clock(), user.username, action, "denied",
                       {"path": request.url.path, "role": user.role, "needs": role},
                       client_of(request))
        raise Forbidden(action)
    return user
