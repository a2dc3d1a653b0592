"""`northstar serve`, `northstar user add|email|unlock`, `northstar token add|revoke`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from northstar.errors import NorthstarError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ProjectDir = Annotated[Path, typer.Option(
    "--project", "-p", envvar="NORTHSTAR_PROJECT", help="Project folder (holds northstar.toml).")]


def check_bind(host: str, expose: bool) -> str | None:
    """None for loopback; a warning for anything else (which needs --expose)."""
    if host in LOOPBACK:
        return None
    if not expose:
        raise NorthstarError(f"binding {host} would expose Northstar beyond this machine; add "
                             "--expose if you mean it (and read docs/deploy.md first)")
    return (f"WARNING: serving on {host}: anyone who can reach this address sees the login "
            "page. Put Northstar behind a VPN, an identity-aware proxy or a TLS reverse proxy; "
            "it is not meant for the public internet.")


M_ARENA_MAX = -8
"""glibc's mallopt parameter for the number of malloc arenas (malloc.h)."""


def bound_malloc_arenas(arenas: int = 2) -> bool:
    """What `MALLOC_ARENA_MAX=2` in the service unit does, for a server started by hand:
    at most `arenas` malloc heaps, so the request threads do not each keep idle memory
    (docs/deploy.md, "Memory"). The environment variable, when set, wins. False where the C
    library is not glibc."""
    import ctypes
    import ctypes.util
    import os

    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def run_server(project: Path, host: str, port: int, out: Console) -> None:
    """Serve a project until Ctrl+C: listening at once, warming up in the background
    (`GET /health` answers 503 `starting` until the first pages are computed)."""
    import uvicorn

    from northstar.web.app import create_app

    bound_malloc_arenas()
    web = create_app(project, warm="background")
    out.print(f"Northstar on http://{host}:{port}/ (Ctrl+C to stop)", markup=False)
    uvicorn.run(web, host=host, port=port, log_level="warning",
                proxy_headers=False, server_header=False)


def register(app: typer.Typer) -> None:
    out = Console()
    err = Console(stderr=True)

    @app.command()
    def serve(
        project: ProjectDir = Path("."),
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        expose: Annotated[bool, typer.Option(
            "--expose", help="Allow an address other than loopback.")] = False,
    ) -> None:
        """Serve the web app and the REST API (loopback only unless --expose)."""
        warning = check_bind(host, expose)
        if warning:
            err.print(warning, style="bold yellow", markup=False)
        run_server(project, host, port, out)

    user_app = typer.Typer(help="Users of the web app.", no_args_is_help=True)
    app.add_typer(user_app, name="user")

    @user_app.command("add")
    def user_add(
        name: Annotated[str, typer.Argument(help="Login name.")],
        role: Annotated[str, typer.Option(help="admin, editor or viewer.")] = "viewer",
        person: Annotated[str, typer.Option(help="The person in people.yml this user is.")] = "",
        email: Annotated[str, typer.Option(
            help="Their email; single sign-on finds the user by it.")] = "",
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the password from standard input.")] = False,
        project: ProjectDir = Path("."),
    ) -> None:
        """Add a user; prints a generated password once (or reads one from stdin)."""
        from northstar.project import Project
        from northstar.secret import load_or_create_secret
        from northstar.web.audit import AuditLog
        from northstar.web.auth import ROLES, Auth, new_password
        from northstar.web.settings import WebSettings
        from northstar.web.store import ensure_tables

        if role not in ROLES:
            raise NorthstarError(f"--role must be one of {', '.join(ROLES)}")
        password = sys.stdin.readline().rstrip("\n") if password_stdin else new_password()
        with Project.open(project) as p:
            if not person:
                raise NorthstarError("--person is required: the person in people.yml this "
                                     "user is")
            if person not in p.catalog.people:
                raise NorthstarError(f"--person {person!r} is not in people.yml")
            settings = WebSettings()
            ensure_tables(p.engine)
            auth = Auth(p.engine, load_or_create_secret(p.root), settings)
            auth.add_user(name, person, role, password, email or None)
            AuditLog(p.engine).record(settings.clock(), "cli", "user.add", "ok",
                                      {"username": name, "role": role, "person": person,
                                       "email": email or None})
        out.print(f"Added {role} {name} ({person}{', ' + email if email else ''}).",
                  markup=False)
        if not password_stdin:
            out.print(f"Password (shown once): {password}", markup=False)

    @user_app.command("email")
    def user_email(
        name: Annotated[str, typer.Argument(help="Login name.")],
        email: Annotated[str, typer.Argument(
            help="Their email (single sign-on finds the user by it); '-' removes it.")],
        project: ProjectDir = Path("."),
    ) -> None:
        """Set the email single sign-on matches for an existing user."""
        from northstar.project import Project
        from northstar.secret import load_or_create_secret
        from northstar.web.audit import AuditLog
        from northstar.web.auth import Auth
        from northstar.web.settings import WebSettings
        from northstar.web.store import ensure_tables

        with Project.open(project) as p:
            ensure_tables(p.engine)
            settings = WebSettings()
            auth = Auth(p.engine, load_or_create_secret(p.root), settings)
            auth.set_email(name, None if email == "-" else email)
            AuditLog(p.engine).record(settings.clock(), "cli", "user.email", "ok",
                                      {"username": name, "email": email})
        out.print(f"{name}: email {'removed' if email == '-' else email}.", markup=False)

    @user_app.command("unlock")
    def user_unlock(
        name: Annotated[str, typer.Argument(help="Login name.")],
        project: ProjectDir = Path("."),
    ) -> None:
        """Clear a user's failed logins, so their next login does not wait (audited)."""
        from northstar.project import Project
        from northstar.secret import load_or_create_secret
        from northstar.web.audit import AuditLog
        from northstar.web.auth import Auth
        from northstar.web.settings import WebSettings
        from northstar.web.store import ensure_tables

        with Project.open(project) as p:
            ensure_tables(p.engine)
            settings = WebSettings.from_config(p.settings.web)
            auth = Auth(p.engine, load_or_create_secret(p.root), settings)
            cleared = auth.unlock(name)
            AuditLog(p.engine).record(settings.clock(), "cli", "user.unlock", "ok",
                                      {"username": name, "failures": cleared})
        out.print(f"{name}: {cleared} failed login(s) cleared; the next login does not wait.",
                  markup=False)

    # `northstar users unlock NAME` reads as naturally; the same commands
    app.add_typer(user_app, name="users", hidden=True)

    token_app = typer.Typer(help="API tokens for scripts.", no_args_is_help=True)
    app.add_typer(token_app, name="token")

    @token_app.command("add")
    def token_add(
        user: Annotated[str, typer.Argument(help="The user the token acts as.")],
        name: Annotated[str, typer.Option(help="What the token is for.")] = "script",
        project: ProjectDir = Path("."),
    ) -> None:
        """Create an API token; prints it once."""
        from northstar.project import Project
        from northstar.secret import load_or_create_secret
        from northstar.web.audit import AuditLog
        from northstar.web.auth import Auth
        from northstar.web.settings import WebSettings
        from northstar.web.store import ensure_tables

        with Project.open(project) as p:
            ensure_tables(p.engine)
            settings = WebSettings()
            auth = Auth(p.engine, load_or_create_secret(p.root), settings)
            token_id, token = auth.create_token(user, name)
            AuditLog(p.engine).record(settings.clock(), "cli", "token.add", "ok",
                                      {"username": user, "token": token_id})
        out.print(f"Token {token_id} for {user} (shown once):", markup=False)
        out.print(token, markup=False)

    @token_app.command("revoke")
    def token_revoke(
        token_id: Annotated[str, typer.Argument(help="The token's id.")],
        project: ProjectDir = Path("."),
    ) -> None:
        """Revoke an API token."""
        from northstar.project import Project
        from northstar.secret import load_or_create_secret
        from northstar.web.audit import AuditLog
        from northstar.web.auth import Auth
        from northstar.web.settings import WebSettings
        from northstar.web.store import ensure_tables

        with Project.open(project) as p:
            ensure_tables(p.engine)
            settings = WebSettings()
            auth = Auth(p.engine, load_or_create_secret(p.root), settings)
            if not auth.revoke_token(token_id):
                raise NorthstarError(f"no live token {token_id!r}")
            AuditLog(p.engine).record(settings.clock(), "cli", "token.revoke", "ok",
                                      {"token": token_id})
        out.print(f"Token {token_id} revoked.", markup=False)
