"""Admin pages: manual values and adjustments (editors), thresholds, users, tokens and the
audit log (admins), the collection log. Nothing here edits history."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from northstar.errors import NorthstarError
from northstar.ledger.corrections import parse_number
from northstar.web import notes, views
from northstar.web import thresholds as th
from northstar.web.api import sane_amount
from northstar.web.auth import ROLES, new_password
from northstar.web.context import client_of, ctx, require
from northstar.web.pages import check_form_csrf, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, status: int = 200, **values: Any) -> HTMLResponse:
    user = require(request, "editor", "admin.read")
    c = ctx(request)
    p = c.project
    extra: dict[str, Any] = {}
    if user.can("admin"):
        extra = {"users": c.auth.users(), "emails": c.auth.emails(), "tokens": c.auth.tokens(),
                 "thresholds": th.thresholds(p), "audit": c.audit.entries(50),
                 "audit_problems": c.audit.verify(), "roles": ROLES,
                 "people": sorted(p.catalog.people.values(), key=lambda x: x.name)}
    return render(request, "admin.html", status,
                  metrics=sorted(p.catalog, key=lambda m: m.title),
                  log=views.collection_log(p, 50),
                  health=views.source_health(p, c.settings.clock(), c.settings.stale_hours),
                  manual=views_manual(request), **extra, **values)


def views_manual(request: Request) -> list[dict[str, Any]]:
    p = ctx(request).project
    return [{"metric": m, "period": per, "value": str(v), "author": a, "note": n}
            for (m, per), (v, a, n) in sorted(p.corrections.manual_values().items())]


def _amount(text: str, what: str) -> Decimal:
    amount = parse_number(text, what)
    try:
        sane_amount(amount)
    except ValueError as exc:
        raise NorthstarError(f"{what} {exc}") from None
    return amount


@router.get("/admin", response_class=HTMLResponse)
async def admin(request: Request) -> Response:
    return _page(request)


@router.post("/admin/manual-value", response_class=HTMLResponse)
async def manual_value(request: Request, metric: str = Form(""), period: str = Form(""),
                       value: str = Form(""), note: str = Form(""),
                       csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "editor", "manual_value.set")
    c = ctx(request)
    try:
        amount = _amount(value, "the value")
        result = c.project.set_manual(metric, period, amount, author=user.username,
                                      note=note or None)
    except NorthstarError as exc:
        return _page(request, 400, error=str(exc))
    c.audit.record(c.settings.clock(), user.username, "manual_value.set", "ok",
                   {"metric": metric, "period": period, "value": value, "note": note,
                    "load_id": result.load_id}, client_of(request))
    return _page(request, message=f"Saved: {metric} for {period} is now {value}.")


@router.post("/admin/adjustment", response_class=HTMLResponse)
async def adjustment(request: Request, metric: str = Form(""), period: str = Form(""),
                     delta: str = Form(""), reason: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "editor", "adjustment.add")
    c = ctx(request)
    try:
        if not reason.strip():
            raise NorthstarError("an adjustment needs a reason")
        result = c.project.adjust_metric(metric, period, _amount(delta, "the change"),
                                         author=user.username, reason=reason)
    except NorthstarError as exc:
        return _page(request, 400, error=str(exc))
    c.audit.record(c.settings.clock(), user.username, "adjustment.add", "ok",
                   {"metric": metric, "period": period, "delta": delta, "reason": reason,
                    "load_id": result.load_id}, client_of(request))
    return _page(request, message=f"Adjustment of {delta} to {metric} for {period} recorded.")


@router.post("/admin/annotation", response_class=HTMLResponse)
async def annotation(request: Request, metric: str = Form(""), on: str = Form(""),
                     note: str = Form(""), csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "editor", "annotation.add")
    c = ctx(request)
    try:
        body = notes.AnnotationIn.model_validate({"metric": metric, "date": on, "note": note})
        notes.add(c.project, body, user.username, c.settings.clock())
    except NorthstarError as exc:
        return _page(request, 400, error=str(exc))
    except ValidationError as exc:
        first = exc.errors()[0]
        return _page(request, 400, error=f"{first['loc'][0]}: {first['msg']}")
    c.audit.record(c.settings.clock(), user.username, "annotation.add", "ok",
                   body.model_dump(mode="json"), client_of(request))
    return _page(request, message=f"Note added to {metric} on {on}.")


@router.post("/admin/thresholds", response_class=HTMLResponse)
async def thresholds(request: Request, metric: str = Form(""), green: str = Form(""),
                     yellow: str = Form(""), target: str = Form(""), reason: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "thresholds.change")
    c = ctx(request)
    try:
        body = th.ThresholdChange(
            metric=metric, reason=reason or "-",
            green=float(green) if green else None, yellow=float(yellow) if yellow else None,
            target=float(target) if target else None)
        if not reason.strip():
            raise NorthstarError("a threshold change needs a reason")
        th.change(c.project, body, user.username, c.settings.clock())
    except (NorthstarError, ValueError) as exc:
        return _page(request, 400, error=str(exc).splitlines()[0])
    c.audit.record(c.settings.clock(), user.username, "thresholds.change", "ok",
                   body.model_dump(), client_of(request))
    return _page(request, message=f"Thresholds of {metric} changed.")


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, username: str = Form(""), role: str = Form("viewer"),
                   person: str = Form(""), email: str = Form(""),
                   csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "user.add")
    c = ctx(request)
    password = new_password()
    try:
        if person not in c.project.catalog.people:
            raise NorthstarError(f"no person {person!r} in people.yml")
        c.auth.add_user(username, person, role, password, email or None)
    except NorthstarError as exc:
        return _page(request, 400, error=str(exc))
    c.audit.record(c.settings.clock(), user.username, "user.add", "ok",
                   {"username": username, "role": role, "person": person,
                    "email": email or None}, client_of(request))
    return _page(request, message=f"User {username} added.", secret_label="Password for "
                 f"{username} (shown once)", secret_value=password)


@router.post("/admin/tokens", response_class=HTMLResponse)
async def add_token(request: Request, username: str = Form(""), name: str = Form(""),
                    csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "token.add")
    c = ctx(request)
    try:
        token_id, token = c.auth.create_token(username, name)
    except NorthstarError as exc:
        return _page(request, 400, error=str(exc))
    c.audit.record(c.settings.clock(), user.username, "token.add", "ok",
                   {"username": username, "token": token_id}, client_of(request))
    return _page(request, message=f"Token {token_id} created.",
                 secret_label=f"API token for {username} (shown once)", secret_value=token)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_token(request: Request, token_id: str, csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "token.revoke")
    c = ctx(request)
    if not c.auth.revoke_token(token_id):
        return _page(request, 404, error=f"no live token {token_id!r}")
    c.audit.record(c.settings.clock(), user.username, "token.revoke", "ok",
                   {"token": token_id}, client_of(request))
    return _page(request, message=f"Token {token_id} revoked.")
