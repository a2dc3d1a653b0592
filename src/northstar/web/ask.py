"""Ask your KPIs on the web: `POST /api/ask` (JSON) and the Ask box every page carries (htmx,
`POST /ask`, an HTML fragment). Both answer through `northstar.ask`, as the CLI does, and log
every question and answer in the audit log (action `ask`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from northstar.ask.core import Asker, Result, answer_plan, ask, audit_detail
from northstar.web.api import ERRORS, ApiError, Envelope, ok
from northstar.web.auth import User, csrf_ok
from northstar.web.context import client_of, ctx, require, who

api_router = APIRouter(prefix="/api", responses=ERRORS)
page_router = APIRouter(include_in_schema=False)


class AskIn(BaseModel):
    """A question in plain words, or a plan to run (an asked-back choice's)."""

    model_config = ConfigDict(extra="forbid")

    question: str | None = Field(None, max_length=2000,
                                 description="e.g. \"what was net revenue last month?\"")
    plan: dict[str, Any] | None = Field(
        None, description="A plan as an answer or a choice carries it: metrics, period, last, "
        "slice {by, filters}, comparison, why, rank, limit")

    @model_validator(mode="after")
    def _one(self) -> AskIn:
        if (self.question is None) == (self.plan is None):
            raise ValueError("send a question or a plan (one of them)")
        return self


def asker_of(user: User) -> Asker:
    return Asker(user.username, user.role, user.person_id or None)


def run(request: Request, user: User, question: str | None,
        plan: dict[str, Any] | str | None) -> Result:
    """Answer as `user`, and log the question and the answer."""
    c = ctx(request)
    asker = asker_of(user)
    given: Any = plan
    if isinstance(plan, str):
        try:
            given = json.loads(plan)
        except json.JSONDecodeError:
            given = {"metrics": []}  # not a plan: refused as one below
    if given is not None:
        result: Result = answer_plan(c.project, given, asker)
    else:
        result = ask(c.project, question or "", asker)
    c.audit.record(c.settings.clock(), user.username, "ask", result.kind,
                   audit_detail(question, given, result), client_of(request))
    return result


@api_router.post("/ask", response_model=Envelope, summary="Ask a question of the numbers")
async def api_ask(request: Request, body: AskIn) -> dict[str, Any]:
    """Answer a question in plain words (or run a plan): `kind` is `answer` (the numbers as
    the tiles show them, with period, target, status, formula and links), `clarify` (the
    closest readings, each with the plan that runs it) or `refused` (and why). Read-only;
    every question is logged in the audit log."""
    user = require(request, "viewer", "ask")
    _user, session = who(request)
    if session is not None and not csrf_ok(session, request.headers.get("x-csrf-token")):
        raise ApiError(403, "CSRF_FAILED", "send the X-CSRF-Token header of your session")
    return ok(run(request, user, body.question, body.plan).model_dump(mode="json"))


@page_router.post("/ask", response_class=HTMLResponse)
async def page_ask(request: Request, question: str = Form(""), plan: str = Form(""),
                   csrf_token: str = Form("")) -> Response:
    """The Ask box: an answer fragment for htmx, or a whole page without JavaScript."""
    from northstar.web.pages import check_form_csrf, render

    user = require(request, "viewer", "ask")
    check_form_csrf(request, csrf_token)
    if not question.strip() and not plan:
        result: Result | None = None
    else:
        result = run(request, user, question[:2000] or None, plan or None)
    if request.headers.get("hx-request") == "true":
        c = ctx(request)
        _, session = who(request)
        return c.templates.TemplateResponse(request, "_ask_answer.html", {
            "result": result, "csrf": session.csrf if session else "", "choice_json": _plan_json})
    return render(request, "ask.html", result=result, question=question,
                  choice_json=_plan_json)


def _plan_json(plan: Any) -> str:
    return json.dumps(plan.model_dump(mode="json", exclude_defaults=True))
