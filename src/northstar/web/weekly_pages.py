"""The weekly meeting: `/weekly` (the 13-week scorecard with the open issues on top), the issue
form a red cell opens, marking an issue solved, and their JSON twins under `/api/weekly`.

Anyone logged in may open and solve issues: the meeting's notes, not numbers. Every one is
in the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from northstar.errors import NorthstarError
from northstar.formatting import format_attainment, format_value
from northstar.web import issues, views
from northstar.web import weekly as weeklies
from northstar.web.api import ERRORS, Envelope, ok, writer
from northstar.web.context import client_of, ctx, require
from northstar.web.forms import FieldError, Sent
from northstar.web.pages import check_form_csrf, render
from northstar.web.scorecard import dates_text, period_label

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", responses=ERRORS)

WeeksQuery = Query(weeklies.DEFAULT_WEEKS, ge=1, le=weeklies.MAX_WEEKS,
                   description="How many ISO weeks, ending with `week`")


def now_of(request: Request) -> datetime:
    """The instant the weeks are cut by: the metric layer's clock when set (tests), else the
    app's."""
    c = ctx(request)
    return c.project.metrics.now or c.settings.clock()


def _back(week: str, department: str) -> str:
    query = urlencode({k: v for k, v in (("week", week), ("department", department)) if v})
    return "/weekly" + (f"?{query}" if query else "")


@router.get("/weekly", response_class=HTMLResponse)
async def weekly_page(request: Request, week: str = "", department: str = "",
                      weeks: int = WeeksQuery) -> Response:
    require(request)
    c = ctx(request)
    p = c.project
    data = weeklies.view(p, weeks, week or None, department or None)
    last = p.calendar.parse(data["week"])
    response = render(
        request, "weekly.html", w=data, marks=weeklies.marks(data), department=department,
        departments=views.departments(p), chosen=week,
        previous=str(p.calendar.previous(last)),
        next=None if data["week"] == str(weeklies.meeting_week(p)) else str(
            p.calendar.next(last)),
        back=_back(week, department))
    query = urlencode({k: v for k, v in (("week", data["week"]), ("weeks", weeks),
                                          ("department", department)) if v})
    response.headers["Link"] = f'</api/weekly?{query}>; rel="alternate"; type="application/json"'
    return response


def _issue_form(request: Request, metric: str, week: str, status: int = 200,
                sent: Sent | None = None, back: str = "") -> HTMLResponse:
    p = ctx(request).project
    m = p.catalog.get(metric)
    period = p.calendar.parse(week)
    if period.kind != "week":
        raise NorthstarError(f"{week!r} is not an ISO week (2025-W07)")
    v = p.metrics.compute([m.name], [period])[0]
    owner = p.catalog.owner_of(m.name)
    people = sorted(p.catalog.people.values(), key=lambda x: x.name)
    return render(request, "weekly_issue.html", status, m=m, week=str(period),
                  label=period_label(p.calendar, period),
                  dates=dates_text(p.calendar, period), v=v,
                  value=format_value(v.value, m.unit, m.decimals),
                  goal=format_value(v.pace_target if v.pace_target is not None else v.target,
                                    m.unit, m.decimals),
                  attainment=format_attainment(v.attainment),
                  person_options=[(x.id, x.name) for x in people],
                  owner=owner.id if owner else "", sent=sent or Sent(), flash=None,
                  back=back or "/weekly")


@router.get("/weekly/issues/new", response_class=HTMLResponse)
async def new_issue(request: Request, metric: str, week: str, back: str = "") -> Response:
    """The form a red cell opens: what is wrong, and who takes it."""
    require(request)
    return _issue_form(request, metric, week, back=_safe_back(back))


def _safe_back(back: str) -> str:
    """Where to return after the form: only the weekly view itself, never another site."""
    return back if back == "/weekly" or back.startswith("/weekly?") else "/weekly"


@router.post("/weekly/issues", response_class=HTMLResponse)
async def post_issue(request: Request, metric: str = Form(""), week: str = Form(""),
                     person: str = Form(""), note: str = Form(""), back: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "viewer", "weekly.issue.open")
    c = ctx(request)
    values = {"person": person, "note": note}
    try:
        body = issues.IssueIn.model_construct(metric=metric, week=week, person=person,
                                              note=note)
        if len(note) > issues.NOTE_LIMIT:
            raise FieldError("note", f"keep it short: at most {issues.NOTE_LIMIT} "
                                    f"characters (this is {len(note)})")
        found = issues.open_issue(c.project, body, user.username, now_of(request))
    except NorthstarError as exc:
        return _issue_form(request, metric, week, 400, Sent.refused("issue", values, exc),
                           _safe_back(back))
    _audit(request, user.username, "weekly.issue.open", found)
    return RedirectResponse(f"{_safe_back(back)}#issue-{found.id}", status_code=303)


@router.post("/weekly/issues/{issue_id}/solve", response_class=HTMLResponse)
async def post_solve(request: Request, issue_id: int, back: str = Form(""),
                     csrf_token: str = Form("")) -> Response:
    check_form_csrf(request, csrf_token)
    user = require(request, "viewer", "weekly.issue.solve")
    found = issues.solve(ctx(request).project, issue_id, user.username, now_of(request))
    _audit(request, user.username, "weekly.issue.solve", found)
    return RedirectResponse(f"{_safe_back(back)}#issue-{found.id}", status_code=303)


def _audit(request: Request, username: str, action: str, issue: issues.Issue) -> None:
    c = ctx(request)
    c.audit.record(c.settings.clock(), username, action, "ok",
                   {"issue": issue.id, "metric": issue.metric, "week": issue.week,
                    "person": issue.person, "note": issue.note}, client_of(request))


# -- the JSON twins ------------------------------------------------------------------------
@api_router.get("/weekly", response_model=Envelope,
                summary="The weekly meeting: 13 weeks of every owner's metric, and its issues")
async def api_weekly(request: Request, week: str | None = None,
                     department: str | None = None, weeks: int = WeeksQuery,
                     ) -> dict[str, Any]:
    """Every owner's metric for the ISO weeks ending with `week` (default: the current one),
    with each week's goal, attainment and status, and the issues open during that week."""
    require(request)
    return ok(weeklies.view(ctx(request).project, weeks, week, department))


@api_router.post("/weekly/issues", response_model=Envelope,
                 summary="Open an issue on a week's cell")
async def api_open_issue(request: Request, body: issues.IssueIn) -> dict[str, Any]:
    user = writer(request, "viewer", "weekly.issue.open")
    c = ctx(request)
    found = issues.open_issue(c.project, body, user.username, now_of(request))
    _audit(request, user.username, "weekly.issue.open", found)
    week = weeklies.meeting_week(c.project)
    return ok(issues.as_dict(c.project, found, week))


@api_router.post("/weekly/issues/{issue_id}/solve", response_model=Envelope,
                 summary="Mark an issue solved")
async def api_solve_issue(request: Request, issue_id: int) -> dict[str, Any]:
    user = writer(request, "viewer", "weekly.issue.solve")
    c = ctx(request)
    found = issues.solve(c.project, issue_id, user.username, now_of(request))
    _audit(request, user.username, "weekly.issue.solve", found)
    return ok(issues.as_dict(c.project, found, weeklies.meeting_week(c.project)))
