"""The alerts page (every alert raised and how each delivery went; admins edit alerts.yml
there, checked before it is saved) and the digest preview.

The editor writes the same file the rules are read from: the file stays the one source, as
reviewable in git as a metric file; the app only refuses to save one that would not load."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from northstar.alerts import ALERTS_FILE
from northstar.alerts.rules import AlertsFile, load_alerts, parse_alerts
from northstar.alerts.store import AlertLog
from northstar.errors import NorthstarError
from northstar.project import Project
from northstar.web.context import client_of, ctx, require
from northstar.web.pages import check_form_csrf, render

router = APIRouter(include_in_schema=False)

STARTER = """\
# Alerts: when Northstar tells someone, and whom. docs/alerts.md is the reference.
base_url: http://127.0.0.1:8000
quiet: 24h
# email:
#   host: smtp.example.com
#   port: 587
#   username: kpi@example.com
#   password_env: NORTHSTAR_SMTP_PASSWORD
#   from: Northstar <kpi@example.com>
rules: []
"""


def asana_goals(p: Project) -> list[dict[str, Any]]:
    """Every metric that names an Asana goal, with how its last push went (docs/asana.md)."""
    from northstar.asana.push import linked
    from northstar.asana.store import GoalLog

    links = linked(p)
    states = GoalLog(p.engine, create=False).states() if links else {}
    out = []
    for m in links:
        assert m.asana is not None
        s = states.get(m.asana.goal)
        out.append({"metric": m, "goal": m.asana.goal, "set_target": m.asana.set_target,
                    "overwrite": m.asana.overwrite, "state": s,
                    "outcome": s.outcome if s else "waiting"})
    return out


def _page(request: Request, status: int = 200, *, text: str | None = None,
          error: str | None = None, saved: bool = False) -> HTMLResponse:
    user = require(request, "editor", "alerts.read")
    c = ctx(request)
    p = c.project
    path = p.root / ALERTS_FILE
    log = AlertLog(p.engine)
    problem = None
    cfg: AlertsFile | None = None
    try:
        cfg = load_alerts(p.root, set(p.catalog.metrics))
    except NorthstarError as exc:
        problem = str(exc)
    runner = getattr(request.app.state, "alert_runner", None)
    return render(request, "alerts.html", status, alerts=log.alerts(100), counts=log.counts(),
                  goals=asana_goals(p), asana_on=p.settings.asana.enabled,
                  cfg=cfg, problem=problem, can_edit=user.can("admin"),
                  text=text if text is not None else (
                      path.read_text(encoding="utf-8") if path.is_file() else STARTER),
                  error=error, saved=saved, exists=path.is_file(),
                  next_digest=runner.next_digest() if runner is not None else None)


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(request: Request, saved: int = 0) -> Response:
    return _page(request, saved=bool(saved))


@router.post("/alerts/file", response_class=HTMLResponse)
async def save_file(request: Request, text: str = Form(""), csrf_token: str = Form("")
                    ) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "alerts.edit")
    c = ctx(request)
    p = c.project
    path = p.root / ALERTS_FILE
    text = text.replace("\r\n", "\n")
    try:
        cfg = parse_alerts(text, path, set(p.catalog.metrics))
    except NorthstarError as exc:
        return _page(request, 400, text=text, error=str(exc))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    c.audit.record(c.settings.clock(), user.username, "alerts.edit", "ok",
                   {"rules": [r.name for r in cfg.rules], "channels": sorted(cfg.channels)},
                   client_of(request))
    runner = getattr(request.app.state, "alert_runner", None)
    if runner is not None:
        runner.reload()
    return RedirectResponse("/alerts?saved=1#file-card", status_code=303)


@router.post("/alerts/deliveries/{delivery_id}/retry", response_class=HTMLResponse)
async def retry(request: Request, delivery_id: int, csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "alerts.retry")
    c = ctx(request)
    now = (c.project.metrics.now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    if not AlertLog(c.project.engine).retry_now(delivery_id, now):
        raise NorthstarError(f"no failed delivery {delivery_id}")
    c.audit.record(c.settings.clock(), user.username, "alerts.retry", "ok",
                   {"delivery": delivery_id}, client_of(request))
    runner = getattr(request.app.state, "alert_runner", None)
    if runner is not None:
        runner.wake()
    return RedirectResponse("/alerts#log-card", status_code=303)


@router.get("/digest", response_class=HTMLResponse)
async def digest_preview(request: Request, person: str = "") -> Response:
    """This week's digest as it would be sent: one's own, or (editors) anyone's."""
    from northstar.alerts import digest

    user = require(request, "viewer", "digest.preview")
    c = ctx(request)
    p = c.project
    wanted = person or user.person_id
    if wanted != user.person_id:
        require(request, "editor", "digest.preview_other")
    found = p.catalog.people.get(wanted)
    if found is None:
        raise NorthstarError(f"no person {wanted!r} in people.yml")
    try:
        cfg = load_alerts(p.root) or AlertsFile()
    except NorthstarError:
        cfg = AlertsFile()
    now = p.metrics.now or datetime.now(UTC)
    d = digest.build(p, found, cfg.base_url, now)
    people: list[Any] = (sorted(p.catalog.people.values(), key=lambda x: x.name)
                         if user.can("editor") else [])
    return render(request, "digest.html", digest=d, people=people, cfg=cfg)
