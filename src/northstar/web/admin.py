"""Admin pages: manual values and adjustments (editors), thresholds, users, tokens, the
sources' schedules and the audit log (admins), the collection log and the data-quality
findings. Nothing here edits history.

Every form answers the same way. Refused, the page comes back (400) with what was typed and
the error next to the field at fault. Saved, the answer is a 303 to /admin at the form's card,
which says what was done, once (Post/Redirect/Get: reloading it posts nothing)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from northstar.collection.log import entries
from northstar.collection.switch import overview, set_schedule
from northstar.errors import NorthstarError
from northstar.ledger.corrections import parse_number
from northstar.project import Project
from northstar.sources.quality import findings
from northstar.web import notes, views
from northstar.web import thresholds as th
from northstar.web.api import sane_amount
from northstar.web.auth import RANK, ROLES, new_password
from northstar.web.context import client_of, ctx, require, who
from northstar.web.forms import FieldError, Flash, Sent, blame
from northstar.web.pages import check_form_csrf, render

router = APIRouter(include_in_schema=False)


def _page(request: Request, status: int = 200, *, sent: Sent | None = None,
          flash: Flash | None = None) -> HTMLResponse:
    user = require(request, "editor", "admin.read")
    c = ctx(request)
    p = c.project
    metrics = sorted(p.catalog, key=lambda m: m.title)
    extra: dict[str, Any] = {}
    if user.can("admin"):
        users = c.auth.users()
        people = sorted(p.catalog.people.values(), key=lambda x: x.name)
        extra = {"users": users, "emails": c.auth.emails(), "tokens": c.auth.tokens(),
                 "thresholds": th.thresholds(p), "audit": c.audit.entries(50),
                 "audit_problems": c.audit.verify(),
                 "role_options": [(r, r) for r in sorted(ROLES, key=RANK.__getitem__)],
                 "person_options": [(x.id, x.name) for x in people],
                 "user_options": [(u.username, u.username) for u, _ in users]}
    if user.can("admin"):
        extra["sources"] = overview(p)
    return render(request, "admin.html", status,
                  metric_options=[(m.name, m.title) for m in metrics],
                  log=views.collection_log(p, 50), runs=entries(p, 30),
                  findings=findings(p.ledger, 30),
                  health=views.source_health(p, c.settings.clock(), c.settings.stale_hours),
                  manual=views_manual(request), sent=sent or Sent(), flash=flash, **extra)


def _saved(request: Request, form: str, message: str, secret_label: str = "",
           secret_value: str = "") -> Response:
    """Keep what was done for the next page of this session and send the browser there."""
    _, session = who(request)
    assert session is not None  # check_form_csrf let only a session's form in
    ctx(request).flashes.put(session.id_hash, Flash(form, message, secret_label, secret_value))
    return RedirectResponse(f"/admin#{form}-card", status_code=303)


def _refused(request: Request, form: str, values: Mapping[str, str], exc: NorthstarError,
             status: int = 400) -> HTMLResponse:
    return _page(request, status, sent=Sent.refused(form, values, exc))


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


def _optional_amount(text: str, what: str) -> float | None:
    return None if not text.strip() else float(_amount(text, what))


def _known(p: Project, metric: str, period: str | None = None) -> None:
    """The metric exists and (when given) the period is one, each blamed on its own field."""
    with blame("metric"):
        p.catalog.get(metric)
    if period is not None:
        with blame("period"):
            p.period(period)


def _invalid(exc: ValidationError, fields: Mapping[str, str]) -> FieldError:
    """A pydantic error as the fault of the form field (`fields`: model field -> form field)."""
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    message = str(first["msg"]).removeprefix("Value error, ")
    return FieldError(fields.get(name, name), message)


@router.get("/admin", response_class=HTMLResponse)
async def admin(request: Request) -> Response:
    require(request, "editor", "admin.read")
    _, session = who(request)
    flash = ctx(request).flashes.pop(session.id_hash) if session is not None else None
    return _page(request, flash=flash)


@router.post("/admin/manual-value", response_class=HTMLResponse)
async def manual_value(request: Request, metric: str = Form(""), period: str = Form(""),
                       value: str = Form(""), note: str = Form(""),
                       csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "editor", "manual_value.set")
    c = ctx(request)
    sent = {"metric": metric, "period": period, "value": value, "note": note}
    try:
        _known(c.project, metric, period)
        with blame("value"):
            amount = _amount(value, "the value")
        result = c.project.set_manual(metric, period, amount, author=user.username,
                                      note=note or None)
    except NorthstarError as exc:
        return _refused(request, "manual-value", sent, exc)
    c.audit.record(c.settings.clock(), user.username, "manual_value.set", "ok",
                   {"metric": metric, "period": period, "value": value, "note": note,
                    "load_id": result.load_id}, client_of(request))
    return _saved(request, "manual-value", f"Saved: {metric} for {period} is now {value}.")


@router.post("/admin/adjustment", response_class=HTMLResponse)
async def adjustment(request: Request, metric: str = Form(""), period: str = Form(""),
                     delta: str = Form(""), reason: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "editor", "adjustment.add")
    c = ctx(request)
    sent = {"metric": metric, "period": period, "delta": delta, "reason": reason}
    try:
        _known(c.project, metric, period)
        with blame("delta"):
            amount = _amount(delta, "the change")
        if not reason.strip():
            raise FieldError("reason", "an adjustment needs a reason")
        result = c.project.adjust_metric(metric, period, amount, author=user.username,
                                         reason=reason)
    except NorthstarError as exc:
        return _refused(request, "adjustment", sent, exc)
    c.audit.record(c.settings.clock(), user.username, "adjustment.add", "ok",
                   {"metric": metric, "period": period, "delta": delta, "reason": reason,
                    "load_id": result.load_id}, client_of(request))
    return _saved(request, "adjustment",
                  f"Adjustment of {delta} to {metric} for {period} recorded.")


@router.post("/admin/annotation", response_class=HTMLResponse)
async def annotation(request: Request, metric: str = Form(""), on: str = Form(""),
                     note: str = Form(""), csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "editor", "annotation.add")
    c = ctx(request)
    sent = {"metric": metric, "on": on, "note": note}
    try:
        _known(c.project, metric)
        try:
            body = notes.AnnotationIn.model_validate({"metric": metric, "date": on,
                                                      "note": note})
        except ValidationError as exc:
            raise _invalid(exc, {"date": "on"}) from None
        if not note.strip():
            raise FieldError("note", "a note needs some text")
        notes.add(c.project, body, user.username, c.settings.clock())
    except NorthstarError as exc:
        return _refused(request, "annotation", sent, exc)
    c.audit.record(c.settings.clock(), user.username, "annotation.add", "ok",
                   body.model_dump(mode="json"), client_of(request))
    return _saved(request, "annotation", f"Note added to {metric} on {on}.")


@router.post("/admin/thresholds", response_class=HTMLResponse)
async def thresholds(request: Request, metric: str = Form(""), green: str = Form(""),
                     yellow: str = Form(""), target: str = Form(""), reason: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "thresholds.change")
    c = ctx(request)
    sent = {"metric": metric, "green": green, "yellow": yellow, "target": target,
            "reason": reason}
    try:
        _known(c.project, metric)
        lines: dict[str, float | None] = {}
        for name, text in (("green", green), ("yellow", yellow), ("target", target)):
            with blame(name):
                lines[name] = _optional_amount(text, name)
        if not reason.strip():
            raise FieldError("reason", "a threshold change needs a reason")
        body = th.ThresholdChange(metric=metric, reason=reason, green=lines["green"],
                                  yellow=lines["yellow"], target=lines["target"])
        # the bands' errors: a missing half of the pair, or the pair the wrong way round
        with blame("yellow" if lines["green"] is not None and lines["yellow"] is None
                   else "green"):
            th.change(c.project, body, user.username, c.settings.clock())
    except NorthstarError as exc:
        return _refused(request, "thresholds", sent, exc)
    c.audit.record(c.settings.clock(), user.username, "thresholds.change", "ok",
                   body.model_dump(), client_of(request))
    return _saved(request, "thresholds", f"Thresholds of {metric} changed.")


@router.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, username: str = Form(""), role: str = Form("viewer"),
                   person: str = Form(""), email: str = Form(""),
                   csrf_token: str = Form("")) -> Response:
    """A new user; the least privilege (viewer) unless the form asks for more."""
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "user.add")
    c = ctx(request)
    sent = {"username": username, "role": role, "person": person, "email": email}
    password = new_password()
    try:
        if person not in c.project.catalog.people:
            raise FieldError("person", f"no person {person!r} in people.yml")
        c.auth.add_user(username, person, role, password, email or None)
    except NorthstarError as exc:
        return _refused(request, "users", sent, exc)
    c.audit.record(c.settings.clock(), user.username, "user.add", "ok",
                   {"username": username, "role": role, "person": person,
                    "email": email or None}, client_of(request))
    return _saved(request, "users", f"User {username} added as {role}.",
                  f"Password for {username} (shown once)", password)


@router.post("/admin/users/{username}/unlock", response_class=HTMLResponse)
async def unlock_user(request: Request, username: str, csrf_token: str = Form("")) -> Response:
    """Clear a user's failed logins, so their next attempt does not wait."""
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "user.unlock")
    c = ctx(request)
    try:
        cleared = c.auth.unlock(username)
    except NorthstarError as exc:
        return _refused(request, "users", {}, exc, 404)
    c.audit.record(c.settings.clock(), user.username, "user.unlock", "ok",
                   {"username": username, "failures": cleared}, client_of(request))
    return _saved(request, "users", f"{username}: {cleared} failed login(s) cleared; their "
                  "next login does not wait.")


@router.post("/admin/tokens", response_class=HTMLResponse)
async def add_token(request: Request, username: str = Form(""), name: str = Form(""),
                    csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "token.add")
    c = ctx(request)
    try:
        with blame("username"):
            token_id, token = c.auth.create_token(username, name)
    except NorthstarError as exc:
        return _refused(request, "tokens", {"username": username, "name": name}, exc)
    c.audit.record(c.settings.clock(), user.username, "token.add", "ok",
                   {"username": username, "token": token_id}, client_of(request))
    return _saved(request, "tokens", f"Token {token_id} created.",
                  f"API token for {username} (shown once)", token)


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_token(request: Request, token_id: str, csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "token.revoke")
    c = ctx(request)
    if not c.auth.revoke_token(token_id):
        return _refused(request, "tokens", {}, NorthstarError(f"no live token {token_id!r}"),
                        404)
    c.audit.record(c.settings.clock(), user.username, "token.revoke", "ok",
                   {"token": token_id}, client_of(request))
    return _saved(request, "tokens", f"Token {token_id} revoked.")


@router.post("/admin/sources/{source}/schedule", response_class=HTMLResponse)
async def source_schedule(request: Request, source: str, on: str = Form(""),
                          reason: str = Form(""), csrf_token: str = Form("")) -> Response:
    """Turn a source's schedule on (once its backfill is reviewed) or off."""
    check_form_csrf(request, csrf_token)
    user = require(request, "admin", "source.schedule")
    c = ctx(request)
    want = on == "1"
    try:
        set_schedule(c.project, source, want, author=user.username, reason=reason or None)
    except NorthstarError as exc:
        return _refused(request, "sources", {}, exc)
    c.audit.record(c.settings.clock(), user.username, "source.schedule", "ok",
                   {"source": source, "enabled": want, "reason": reason or None},
                   client_of(request))
    return _saved(request, "sources", f"The schedule of {source} is {'on' if want else 'off'}.")
