"""Server-rendered pages: my metric, scorecard, dashboards, drill-through, admin, login."""

from __future__ import annotations

import csv
import io
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from northstar.checks import CheckResult, cached_checks, latest_checks
from northstar.formatting import format_value
from northstar.project import Project
from northstar.web import charts, present, tables, views
from northstar.web import scorecard as scorecards
from northstar.web.auth import csrf_ok, same
from northstar.web.context import (
    SESSION_COOKIE,
    AuthRequired,
    Forbidden,
    client_of,
    ctx,
    require,
    who,
)
from northstar.web.dashboards import Dashboard, Tile

router = APIRouter(include_in_schema=False)
LOGIN_CSRF = "ns_login_csrf"


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    c = ctx(request)
    user, session = who(request)
    health = views.source_health(c.project, c.settings.clock(), c.settings.stale_hours)
    return c.templates.TemplateResponse(request, template, {
        "user": user, "csrf": session.csrf if session else "",
        "company": c.project.settings.company.name,
        "problems": [h for h in health if h.status != "ok"],
        "failing_checks": [r.name for r in latest_checks(c.project) or [] if r.alarming],
        **values,
    }, status_code=status)


def secure(request: Request) -> bool:
    forced = ctx(request).settings.secure_cookies
    return forced if forced is not None else request.url.scheme == "https"


def check_form_csrf(request: Request, sent: str) -> None:
    _, session = who(request)
    if session is None:
        raise AuthRequired()
    if not csrf_ok(session, sent):
        c = ctx(request)
        c.audit.record(c.settings.clock(), session.user.username, "form", "denied",
                       {"path": request.url.path, "why": "CSRF token missing or wrong"},
                       client_of(request))
        raise Forbidden("this form has expired; reload the page and try again")


# -- login -------------------------------------------------------------------------------
@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, error: str = "") -> Response:
    token = secrets.token_urlsafe(24)
    c = ctx(request)
    response = render(request, "login.html", login_csrf=token, error=error,
                      sso=c.oidc.name if c.oidc else None,
                      password_login=c.settings.password_login)
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="lax", secure=secure(request),
                        max_age=3600)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, username: str = Form(""), password: str = Form(""),
                csrf_token: str = Form("")) -> Response:
    """A password login. The app's lock is not held for this request as a whole (see the
    middleware in app.py), only around its database work: the throttle's wait, which can be
    long, must not hold up the scheduled collection runs."""
    c = ctx(request)
    client = client_of(request)
    lock = request.app.state.ns_lock
    with lock:
        expected = request.cookies.get(LOGIN_CSRF, "")
        if not expected or not same(expected, csrf_token):
            c.audit.record(c.settings.clock(), username or "-", "login", "denied",
                           {"why": "CSRF token missing or wrong"}, client)
            return RedirectResponse("/login?error=expired", status_code=303)
        if not c.settings.password_login:
            c.audit.record(c.settings.clock(), username or "-", "login", "denied",
                           {"why": "password login is turned off"}, client)
            return RedirectResponse("/login?error=sso-only", status_code=303)
        wait = c.auth.throttle.wait(username, client)
    if wait:
        # one attempt per address waits at a time; another is answered now, unchecked (and
        # not audited: it costs the sender nothing, so it could flood the log)
        if not c.auth.throttle.hold(client):
            return RedirectResponse("/login?error=busy", status_code=303)
        try:
            await c.settings.sleep(wait)
        finally:
            c.auth.throttle.release(client)
    with lock:
        result = c.auth.login(username, password, client)
        if result.user is None:
            detail: dict[str, object] = {"reason": result.reason}
            if wait:
                detail["waited_seconds"] = wait
            c.audit.record(c.settings.clock(), username or "-", "login", "failed", detail,
                           client)
            return RedirectResponse("/login?error=bad", status_code=303)
        raw, _ = c.auth.start_session(result.user)
        c.audit.record(c.settings.clock(), result.user.username, "login", "ok",
                       {"waited_seconds": wait} if wait else {}, client)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, raw, httponly=True, samesite="lax",
                        secure=secure(request), path="/")
    response.delete_cookie(LOGIN_CSRF)
    return response


@router.post("/logout")
async def logout(request: Request, csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    c = ctx(request)
    _, session = who(request)
    assert session is not None
    c.auth.end_session(session.id_hash)
    c.audit.record(c.settings.clock(), session.user.username, "logout", "ok", {},
                   client_of(request))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- my metric ---------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> Response:
    user = require(request)
    p = ctx(request).project
    person = p.catalog.people.get(user.person_id)
    if person is None or person.metric is None:
        return RedirectResponse("/scorecard", status_code=303)
    return _metric_page(request, person.metric, None, mine=True)


@router.get("/metric/{name}", response_class=HTMLResponse)
async def metric_page(request: Request, name: str, period: str | None = None) -> Response:
    require(request)
    return _metric_page(request, name, period, mine=False)


@router.get("/metric/{name}/tile", response_class=HTMLResponse)
async def metric_tile(request: Request, name: str, period: str | None = None) -> Response:
    """The big number alone, for htmx to refresh in place."""
    require(request)
    data = views.my_metric(ctx(request).project, name, period)
    return render(request, "_big_number.html", m=data)


def _metric_page(request: Request, name: str, period: str | None, *, mine: bool) -> Response:
    p = ctx(request).project
    data = views.my_metric(p, name, period)
    figure = charts.trend(data["trend"], data["unit"], p.catalog.get(name).decimals)
    figure = charts.with_annotations(figure, data["trend"], data["annotations"])
    if data["pacing"]:
        figure = charts.with_pacing(figure, data["current"]["period"],
                                    data["pacing"]["expected"], data["pacing"]["formatted"])
    return render(request, "my_metric.html", m=data, mine=mine,
                  figure=json.dumps(figure, default=float))


# -- scorecard ---------------------------------------------------------------------------
@router.get("/scorecard", response_class=HTMLResponse)
async def scorecard(request: Request, department: str = "",
                    grain: scorecards.Grain = scorecards.DEFAULT_GRAIN) -> Response:
    require(request)
    c = ctx(request)
    table = scorecard_table(c.project, c.templates, department or None, grain)
    if request.headers.get("hx-request"):
        return HTMLResponse(table)
    return render(request, "scorecard.html", table=table, department=department,
                  departments=views.departments(c.project), grain=grain,
                  grains=scorecards.GRAINS)


def scorecard_table(p: Project, templates: Jinja2Templates, department: str | None,
                    grain: scorecards.Grain = scorecards.DEFAULT_GRAIN) -> Markup:
    """The scorecard's tables, rendered once per page state, department and grain: their
    cells are most of the page's render, and they depend on nothing but the rows (not on
    the user)."""
    card = scorecards.scorecard(p, department, grain)
    return views.memo(p, ("scorecard-html", department, grain), lambda: Markup(
        templates.get_template("_scorecard_table.html").render(card=card)))


# -- data integrity ----------------------------------------------------------------------
@router.get("/integrity", response_class=HTMLResponse)
async def integrity(request: Request) -> Response:
    """Every data check: what it guards, pass or fail, and a few of the rows that are wrong."""
    require(request)
    p = ctx(request).project
    # a metric file that does not load is shown as a check that cannot run
    results = [CheckResult(f"metrics/{Path(e.path or '').name}", "A metric file that does not "
                           "load: its metric is left out until the file is fixed.", "error",
                           passed=False, failing=0, error=str(e)) for e in p.catalog.errors]
    results += cached_checks(p)
    counts = {s: sum(1 for r in results if r.status == s)
              for s in ("pass", "fail", "error", "waiting")}
    return render(request, "integrity.html", checks=results, counts=counts,
                  alarming=[r.name for r in results if r.alarming])


# -- dashboards --------------------------------------------------------------------------
@router.get("/dashboards", response_class=HTMLResponse)
async def dashboards(request: Request) -> Response:
    require(request)
    p = ctx(request).project
    return render(request, "dashboards.html", boards=views.dashboards(p))


@router.get("/dashboards/{name}", response_class=HTMLResponse)
async def dashboard(request: Request, name: str, tile: int | None = None,
                    page: int = Query(1, ge=1, le=10**6)) -> Response:
    """A dashboard; `tile` and `page` show that table tile at that page (the others at
    their first), for a page link opened without htmx."""
    require(request)
    p = ctx(request).project
    boards = views.dashboards(p)
    if name not in boards:
        return render(request, "error.html", 404, message=f"There is no dashboard {name!r}.")
    board = boards[name]
    return render(request, "dashboard.html", board=board, tiles=dashboard_tiles(p, board),
                  paged={tile: page} if tile is not None else {})


@router.get("/dashboards/{name}/tiles/{index}", response_class=HTMLResponse)
async def dashboard_tile(request: Request, name: str, index: int,
                         page: int = Query(1, ge=1, le=10**6)) -> Response:
    """One table tile of a dashboard at `page`, for htmx to swap in place."""
    require(request)
    p = ctx(request).project
    boards = views.dashboards(p)
    tiles = dashboard_tiles(p, boards[name]) if name in boards else []
    if not 0 <= index < len(tiles) or tiles[index]["model"] is None:
        return render(request, "error.html", 404, message=f"There is no table tile {index} "
                      f"on dashboard {name!r}.")
    return render(request, "_model_tile.html", board=boards[name], t=tiles[index], i=index,
                  page=page)


def dashboard_tiles(p: Project, board: Dashboard) -> list[dict[str, Any]]:
    """A dashboard's tiles, computed once per page state (see `views.memo`)."""
    def build() -> list[dict[str, Any]]:
        views.compute_tiles(p, board.tiles)
        return [_tile(p, t) for t in board.tiles]

    return views.memo(p, ("dashboard", board.model_dump_json()), build)


def _model_tile(p: Project, tile: Tile) -> dict[str, Any]:
    """A tile over a model view: a table, or a matrix coloured by a metric's bands."""
    grid = tables.model_grid(p, tile)
    figure = legend = None
    metric = p.catalog.get(tile.bands_from) if tile.bands_from else None
    lines = tables.thresholds(metric) if metric is not None else None
    if metric is not None and lines is not None and grid.matrix is not None:
        legend = tables.band_legend(lines, metric.direction != "lower",
                                    tile.units.get(tile.pivot.value) if tile.pivot else None,
                                    any("base" in row for row in grid.colours))
    if tile.visual == "cohort" and grid.matrix is not None and grid.matrix[0]:
        rows, cols, _ = grid.matrix
        texts = [[text for text, _ in row[1:]] for row in grid.rows]
        figure = json.dumps(charts.heatmap(rows, cols, texts, grid.colours), default=float)
    return {"tile": tile, "title": tile.heading, "metric": None, "model": tile.model,
            "figure": figure, "table": None, "grid": grid, "note": grid.note,
            "legend": legend}


def _tile(p: Project, tile: Tile) -> dict[str, Any]:
    if tile.model is not None:
        return _model_tile(p, tile)
    assert tile.metric is not None
    m = p.catalog.get(tile.metric)
    out: dict[str, Any] = {"tile": tile, "title": tile.title or m.title, "metric": m.name,
                           "unit": m.unit, "figure": None, "table": None}
    if tile.by:
        per = views.periods_for(p, m, 1)[-1]
        sliced = p.metrics.compute([m.name], [per], by=tile.by, filters=dict(tile.filter))
        labels = [_label(p, v.slice.get(tile.by)) for v in sliced]
        values = [None if v.value is None else float(v.value) for v in sliced]
        if tile.visual == "cohort":
            periods = views.periods_for(p, m, tile.periods)
            grid = p.metrics.compute([m.name], periods, by=tile.by, filters=dict(tile.filter))
            rows = sorted({str(v.slice.get(tile.by)) for v in grid})
            cols = [str(x) for x in periods]
            cell = {(str(v.slice.get(tile.by)), v.period): v.value for v in grid}
            lines = tables.thresholds(m)
            shades = [[None if cell.get((r, c)) is None
                       else tables.colour(float(cell[(r, c)]), lines,  # type: ignore[arg-type]
                                          m.direction != "lower") for c in cols] for r in rows]
            texts = [[format_value(cell.get((r, c)), m.unit, m.decimals) for c in cols]
                     for r in rows]
            out["figure"] = charts.heatmap(rows, cols, texts, shades)
            if lines is not None:
                out["legend"] = tables.band_legend(lines, m.direction != "lower", m.unit, False)
        elif tile.visual == "table" or tile.visual == "number":
            out["table"] = [(lbl, format_value(v, m.unit, m.decimals))
                            for lbl, v in zip(labels, values, strict=True)]
        else:
            out["figure"] = charts.bars(labels, values, m.unit, m.decimals,
                                        funnel=tile.visual == "funnel")
        out["period"] = str(per)
        if out["figure"] is not None:
            out["figure"] = json.dumps(out["figure"], default=float)
        return out
    span = views.tile_span(p, m, tile)
    points = [views.value_dict(p, v) for v in
              p.metrics.compute([m.name], span, filters=dict(tile.filter))]
    now = str(p.calendar.current(m.grain, p.metrics.now))
    current = next((pt for pt in points if pt["period"] == now), points[-1])
    out["current"] = current
    out["period"] = current["period"]
    if tile.visual == "trend":
        out["figure"] = charts.trend(points, m.unit, m.decimals)
    elif tile.visual == "waterfall" and tile.bars:
        b = p.catalog.get(tile.bars)
        amounts = [views.value_dict(p, v) for v in
                   p.metrics.compute([b.name], span, filters=dict(tile.filter))]
        out["figure"] = charts.banded_waterfall(amounts, points, b.unit, m.unit, b.decimals,
                                                m.decimals)
    elif tile.visual == "waterfall":
        out["figure"] = charts.waterfall(points, m.unit, m.decimals)
    elif tile.visual == "bullet" and current["value"] is not None:
        # an open total is judged against the target by today: the gauge's line is that one
        line = current["pace_target"] if current["pace_target"] is not None else current["target"]
        out["figure"] = charts.bullet(current["value"], line, m.unit, m.decimals)
    elif tile.visual == "table":
        out["table"] = [(pt["period"], pt["formatted"]["value"]) for pt in points]
    elif tile.visual in ("cohort", "funnel"):
        out["note"] = f"A {tile.visual} tile needs `by:` (a tag to split on)."
    if out["figure"] is not None:
        out["figure"] = json.dumps(out["figure"], default=float)
    return out


def _label(p: Any, value: str | None) -> str:
    """A slice's name for people: a person's name for an owner id; untagged rows say so."""
    if value is None:
        return "(not tagged)"
    person = p.catalog.people.get(value)
    return person.name if person is not None else str(value)


# -- drill-through -----------------------------------------------------------------------
@router.get("/drill/{metric}", response_class=HTMLResponse)
async def drill(request: Request, metric: str, period: str | None = None,
                page: int = Query(1, ge=1, le=10**6)) -> Response:
    require(request)
    p = ctx(request).project
    data = views.drill(p, metric, period, page, 50)
    pages = max(1, -(-data["total"] // data["size"]))
    return render(request, "drill.html", d=data, pages=pages,
                  table=present.drill_table(p, data))


@router.get("/drill/{metric}/csv")
async def drill_csv(request: Request, metric: str, period: str | None = None) -> Response:
    require(request)
    p = ctx(request).project
    columns, rows = views.drill_all_rows(p, metric, period)

    def lines() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(present.csv_header(p.catalog.get(metric), columns))
        for row in rows:
            writer.writerow([row[c] for c in columns])
            if buf.tell() > 65536:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    name = f"{metric}-{period or 'current'}.csv"
    return StreamingResponse(lines(), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
