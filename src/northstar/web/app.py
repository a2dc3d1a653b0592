"""`create_app(project_folder)`: the FastAPI app that serves the pages and the API.

The web process owns the project while it runs (DuckDB allows one writing process). Requests
are handled on the event loop one at a time, so the one database connection is never used by
two requests at once."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from northstar import __version__
from northstar.checks import cached_checks
from northstar.config import CONFIG_FILE
from northstar.engines.base import Engine
from northstar.errors import ConfigError, NorthstarError
from northstar.formatting import format_value
from northstar.project import Project
from northstar.schedule import CollectionScheduler
from northstar.secret import load_or_create_secret
from northstar.web import (
    admin,
    alerts,
    api,
    pages,
    qbr_api,
    qbr_pages,
    sso,
    times,
    views,
    weekly,
    weekly_pages,
)
from northstar.web import ask as ask_web
from northstar.web.audit import AuditLog
from northstar.web.auth import Auth
from northstar.web.context import AuthRequired, Forbidden, WebContext
from northstar.web.oidc import OidcClient
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables
from northstar.web.thresholds import apply_overrides

if TYPE_CHECKING:
    from northstar.alerts.runner import AlertRunner
    from northstar.asana.runner import AsanaRunner

HERE = Path(__file__).parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")
STATIC = {"htmx.min.js": "application/javascript", "app.js": "application/javascript",
          "htmx-ext-sse.min.js": "application/javascript",
          "style.css": "text/css", "scorecard.css": "text/css", "qbr.css": "text/css",
          "weekly.css": "text/css"}



def prose(text: str | None) -> Markup:
    """A metric file's text for a page: escaped, with `backticks` shown as code."""
    parts = str(escape(text or "")).split("`")
    return Markup("".join(f"<code>{part}</code>" if i % 2 else part
                          for i, part in enumerate(parts)))

def harden(engine: Engine) -> None:
    """Keep SQL the web process runs away from files and the network, for good."""
    con = getattr(engine, "con", None)
    if engine.name == "duckdb" and con is not None:
        if engine.scalar("SELECT current_setting('lock_configuration')"):
            return  # hardened already: a second app over the same open project
        con.execute("SET enable_external_access = false")
        # what staging.bounded_writes sets around each collection, set for good here: the
        # scheduled syncs of this process cannot change settings once they are locked
        con.execute("SET write_buffer_row_group_count = 1")
        con.execute("SET lock_configuration = true")


def plotly_js() -> Path:
    """plotly.js as shipped inside the plotly wheel (not imported: only the file is needed)."""
    import importlib.util

    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise NorthstarError("the plotly package is missing; reinstall northstar")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def start_schedule(project: Project, lock: threading.RLock,
                   refresh: Callable[[], None] | None = None,
                   clock: Callable[[], datetime] | None = None) -> CollectionScheduler | None:
    """Collect every source declared in sources.toml on the project's schedule, in this
    process (it owns the database), through the same run as the systemd timer's `northstar
    collect` (a source whose schedule is off is skipped, and logged so). After each run,
    `refresh` (the pages people open first, computed again on the new data) and the data
    checks. `clock`: the time a run is made at (aware; default the real UTC time). None when
    no source is declared."""
    from northstar.collection.run import run_scheduled
    from northstar.sources import load_sources

    sources = sorted(load_sources(project.root))
    if not sources:
        return None

    def run(source: str, now: datetime) -> None:
        with lock:
            outcome = run_scheduled(project, source, now=now)
            if outcome.entry.status == "skipped":
                return
            if refresh is not None:  # the next visitor gets a warm page, not the new data's cost
                refresh()
            cached_checks(project)  # every refresh runs the checks; pages show failures

    scheduler = CollectionScheduler(project.settings.schedule, sources, run, clock)
    scheduler.start()
    return scheduler


def start_alerts(project: Project, lock: threading.RLock) -> AlertRunner:
    """Evaluate alerts.yml's rules on its schedule, deliver (and retry) in a thread of their
    own, and send the weekly digest at its time (docs/alerts.md)."""
    from northstar.alerts.runner import AlertRunner

    runner = AlertRunner(project, lock)
    runner.start()
    return runner


def start_asana(project: Project, lock: threading.RLock) -> AsanaRunner:
    """Push goal values to Asana after each collection from a thread of its own, so a slow
    Asana never holds the lock a page or the next collection waits on (docs/asana.md)."""
    from northstar.asana.runner import AsanaRunner

    runner = AsanaRunner(project, lock)
    runner.start()
    return runner


def oidc_client(project: Project, settings: WebSettings, secret: bytes) -> OidcClient | None:
    """Single sign-on as `[web.oidc]` asks; the client secret is read now (environment
    variable or secrets file), so a missing one stops the start, not a sign-in."""
    if settings.oidc is None:
        return None
    from northstar.sources.secrets import SecretStore

    store = SecretStore(project.root)
    client_secret = store.get("oidc", "client_secret", settings.oidc.client_secret_env)
    if client_secret is None:
        from northstar.files import toml_lines

        env = settings.oidc.client_secret_env
        where = f"the environment variable {env} or " if env else ""
        config = project.root / CONFIG_FILE
        line = (toml_lines(config.read_text(encoding="utf-8")).get(("web", "oidc"))
                if config.exists() else None)
        raise ConfigError(f"single sign-on (web.oidc) needs the client secret: set {where}"
                          f'{{"oidc": {{"client_secret": "..."}}}} in {store.path}',
                          path=str(config), line=line)
    return OidcClient(settings.oidc, client_secret, secret)


def warm_up(project: Project, templates: Jinja2Templates, settings: WebSettings) -> None:
    """What the first requests would otherwise pay for, done before the server listens:
    every template compiled, and the pages people open first computed (the scorecard with
    its table, which also computes each owner's metric for their home page, the weekly
    meeting's weeks, and every dashboard), so their closed periods are frozen and the first
    request is a warm one."""
    for name in templates.env.list_templates(extensions=["html"]):
        templates.env.get_template(name)
    views.source_health(project, settings.clock(), settings.stale_hours)
    # a page that cannot be computed shows its error when it is opened; the server starts
    with suppress(NorthstarError):
        pages.scorecard_table(project, templates, None)
    with suppress(NorthstarError):  # the weekly meeting's 13 weeks: cheap once they froze
        weekly.weekly(project)
    with suppress(NorthstarError):
        for board in views.dashboards(project).values():
            with suppress(NorthstarError):
                pages.dashboard_tiles(project, board)


def create_app(project_folder: str | Path | Project = ".",
               settings: WebSettings | None = None, *, schedule: bool = True,
               warm: bool | Literal["background"] = True) -> FastAPI:
    """The app; with `warm` (the default) the pages people open first are computed and the
    templates compiled before it is returned (see `warm_up`). With `warm="background"` (what
    `northstar serve` does) the server listens at once and warms up in a thread of its own
    when it starts: `GET /health` says `starting` meanwhile, and a page waits for the warm-up
    (the lock) rather than computing it a second time."""
    project = (project_folder if isinstance(project_folder, Project)
               else Project.open(project_folder))
    settings = settings or WebSettings.from_config(project.settings.web)
    secret = load_or_create_secret(project.root)
    oidc = oidc_client(project, settings, secret)
    ensure_tables(project.engine)
    project.catalog  # noqa: B018 - fail at start on a broken metric file, not on a request
    apply_overrides(project)
    project.metrics.state()  # builds the model views while files may still be read
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["fmt"] = format_value
    templates.env.filters["prose"] = prose
    tz = project.calendar.tz
    templates.env.filters["when"] = lambda at: times.time_tag(at, tz)
    templates.env.globals["timezone"] = project.settings.company.timezone
    templates.env.globals["version"] = __version__
    templates.env.globals["has_qbr"] = (project.root / "qbr.yml").is_file()
    lock = threading.RLock()
    app_lock = lock
    ready = threading.Event()

    def start_up() -> None:
        """Warm-up first: freezing closed periods moves the ledger head the checks key on;
        then the data checks, so their banner is right from the first page."""
        try:
            with lock:
                if warm:
                    warm_up(project, templates, settings)
                cached_checks(project)
        finally:
            ready.set()

    if warm != "background":
        start_up()
    harden(project.engine)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not ready.is_set():
            threading.Thread(target=start_up, name="northstar-warm-up", daemon=True).start()
        scheduler = start_schedule(
            project, lock, (lambda: warm_up(project, templates, settings)) if warm else None,
            lambda: settings.clock().replace(tzinfo=UTC),
        ) if schedule else None
        app.state.scheduler = scheduler
        app.state.alert_runner = start_alerts(project, lock) if schedule else None
        app.state.asana_runner = start_asana(project, lock) if schedule else None
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown()
            if app.state.alert_runner is not None:
                app.state.alert_runner.shutdown()
            if app.state.asana_runner is not None:
                app.state.asana_runner.shutdown()

    app = FastAPI(title="Northstar", version=__version__, openapi_url="/api/openapi.json",
                  docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.ns_lock = app_lock
    app.state.ns_ready = ready
    app.state.ns = WebContext(project, Auth(project.engine, secret, settings),
                              AuditLog(project.engine), settings, templates, HERE / "static",
                              oidc)
    app.include_router(api.router)
    app.include_router(ask_web.api_router)
    app.include_router(ask_web.page_router)
    app.include_router(qbr_api.router)
    app.include_router(qbr_pages.router)
    app.include_router(weekly_pages.api_router)
    app.include_router(weekly_pages.router)
    app.include_router(pages.router)
    app.include_router(sso.router)
    app.include_router(admin.router)
    app.include_router(alerts.router)
    _static_routes(app)
    _handlers(app)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response
        if ((request.method == "POST" and request.url.path == "/login")
                or request.url.path == "/health"):
            # the login takes the lock itself around its database work, not over its wait;
            # the health check answers while the warm-up or a collection holds the lock
            response = await call_next(request)
        else:
            with lock:  # a scheduled collection run and a request never share the connection
                response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app


def _static_routes(app: FastAPI) -> None:
    @app.get("/health", include_in_schema=False)
    async def health() -> Response:
        """For a load balancer or a service manager: 200 once the server has warmed up and
        serves pages, 503 while it is still starting. No login; it tells nothing else."""
        if app.state.ns_ready.is_set():
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "starting"}, status_code=503)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    async def plotly_file() -> Response:
        return FileResponse(plotly_js(), media_type="application/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        if name not in STATIC:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return FileResponse(HERE / "static" / name, media_type=STATIC[name],
                            headers={"Cache-Control": "public, max-age=3600"})


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api")


def _api_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"success": False, "error": {"code": code, "message": message,
                                                     "status": status}}, status_code=status)


def _page_error(request: Request, status: int, message: str) -> Response:
    return pages.render(request, "error.html", status, message=message)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(AuthRequired)
    async def auth_required(request: Request, exc: AuthRequired) -> Response:
        if _is_api(request):
            return _api_error(401, "UNAUTHENTICATED", "log in or send a bearer token")
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        message = f"your role does not allow this ({exc.action})"
        if _is_api(request):
            return _api_error(403, "FORBIDDEN", message)
        return _page_error(request, 403, message[0].upper() + message[1:] + ".")

    @app.exception_handler(api.ApiError)
    async def api_error(request: Request, exc: api.ApiError) -> Response:
        if _is_api(request):
            return _api_error(exc.status, exc.code, exc.message)
        return _page_error(request, exc.status, exc.message)

    @app.exception_handler(NorthstarError)
    async def northstar_error(request: Request, exc: NorthstarError) -> Response:
        e = api.error_for(exc)
        if _is_api(request):
            return _api_error(e.status, e.code, e.message)
        return _page_error(request, e.status, e.message)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(x) for x in first.get("loc", ()) if x != "body")
        msg = str(first.get("msg", "")).removeprefix("Value error, ")
        message = f"{where}: {msg}" if where else msg
        if _is_api(request):
            return _api_error(422, "VALIDATION_ERROR", message)
        return _page_error(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
        if _is_api(request):
            return _api_error(exc.status_code, code, str(exc.detail))
        return _page_error(request, exc.status_code, str(exc.detail))
