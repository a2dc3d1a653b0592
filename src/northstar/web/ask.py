"""Ask your KPIs on the web: `POST /api/ask` (JSON) and the Ask box every page carries (htmx,
`POST /ask`, an HTML fragment). Both answer through `northstar.ask`, as the CLI does, and log
every question and answer in the audit log (action `ask`).

The box streams its answer in as it is worked out: its `POST /ask` (with `stream=1`) keeps the
question under a key for the session's user and gives back a block that htmx's sse extension
(static/htmx-ext-sse.min.js) connects to `GET /ask/stream/KEY`, a stream of server-sent events
(`northstar.ask.core.ask_steps`): how the question was read, the language model's tool calls,
each number as it is computed, the detail and "why" behind it, its links, and the end."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from northstar.ask.core import (
    Asker,
    Result,
    Step,
    answer_plan,
    ask,
    ask_steps,
    audit_detail,
    plan_steps,
)
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


def _given(plan: dict[str, Any] | str | None) -> Any:
    if isinstance(plan, str):
        try:
            return json.loads(plan)
        except json.JSONDecodeError:
            return {"metrics": []}  # not a plan: refused as one
    return plan


def run(request: Request, user: User, question: str | None,
        plan: dict[str, Any] | str | None) -> Result:
    """Answer as `user`, and log the question and the answer."""
    c = ctx(request)
    asker = asker_of(user)
    given = _given(plan)
    if given is not None:
        result: Result = answer_plan(c.project, given, asker)
    else:
        result = ask(c.project, question or "", asker)
    c.audit.record(c.settings.clock(), user.username, "ask", result.kind,
                   audit_detail(question, given, result), client_of(request))
    return result


STREAMED: dict[int | str, dict[str, Any]] = {200: {"content": {"text/event-stream": {"schema": {
    "type": "string", "description": "with `Accept: text/event-stream`: server-sent events "
    "`reading`, `model`, `number`, `detail`, `why`, `links`, `error`, then `result` (the "
    "answer's `data`), each a line of JSON"}}}}}


@api_router.post("/ask", response_model=Envelope, summary="Ask a question of the numbers",
                 responses=STREAMED)
async def api_ask(request: Request, body: AskIn) -> Any:
    """Answer a question in plain words (or run a plan): `kind` is `answer` (the numbers as
    the tiles show them, with period, target, status, formula and links), `clarify` (the
    closest readings, each with the plan that runs it) or `refused` (and why). Read-only;
    every question is logged in the audit log. With `Accept: text/event-stream` the answer
    streams in as it is worked out, as the Ask box's does."""
    user = require(request, "viewer", "ask")
    _user, session = who(request)
    if session is not None and not csrf_ok(session, request.headers.get("x-csrf-token")):
        raise ApiError(403, "CSRF_FAILED", "send the X-CSRF-Token header of your session")
    if "text/event-stream" in request.headers.get("accept", ""):
        return stream(request, user, body.question, _given(body.plan), _json_event)
    return ok(run(request, user, body.question, body.plan).model_dump(mode="json"))


def _json_event(step: Step) -> str:
    """A step as `POST /api/ask` streams it: the event is the step's stage, its data one JSON
    line: the message (`reading`, `model`, `error`), the metric's answer so far (`number`,
    `detail`, `why`, `links`, with its `index` in the plan) or the whole answer (`result`,
    the `data` `POST /api/ask` gives without streaming)."""
    if step.stage == "result":
        assert step.result is not None
        data: Any = step.result.model_dump(mode="json")
    elif step.item is not None:
        data = {"index": step.index, "item": step.item.model_dump(mode="json")}
    else:
        data = {"index": step.index, "message": step.message}
    return sse(step.stage, json.dumps(data, separators=(",", ":")))


@page_router.post("/ask", response_class=HTMLResponse)
async def page_ask(request: Request, question: str = Form(""), plan: str = Form(""),
                   csrf_token: str = Form(""), stream: str = Form("")) -> Response:
    """The Ask box: an answer fragment for htmx (with `stream`, the block its answer streams
    into), or a whole page without JavaScript."""
    from northstar.web.pages import check_form_csrf, render

    user = require(request, "viewer", "ask")
    check_form_csrf(request, csrf_token)
    asked = question.strip() or plan
    if request.headers.get("hx-request") == "true":
        c = ctx(request)
        _, session = who(request)
        if stream and asked:
            key = pending(request).add(user.username, question[:2000] or None, plan or None)
            return c.templates.TemplateResponse(request, "_ask_stream.html", {"key": key})
        result = run(request, user, question[:2000] or None, plan or None) if asked else None
        return c.templates.TemplateResponse(request, "_ask_answer.html", {
            "result": result, "csrf": session.csrf if session else "", "choice_json": _plan_json})
    result = run(request, user, question[:2000] or None, plan or None) if asked else None
    return render(request, "ask.html", result=result, question=question,
                  choice_json=_plan_json)


@page_router.get("/ask/stream/{key}")
async def page_ask_stream(request: Request, key: str) -> Response:
    """A question the Ask box posted, answered as a stream of server-sent events: `reading`,
    `model` (each tool the language model calls), `number` (a metric's number, as soon as it
    is computed), `part` (its detail, why and links, each into its metric's block) and `end`.
    The key is the box's, for one use, by the user who asked; the question is logged once."""
    user = require(request, "viewer", "ask")
    found = pending(request).take(key, user.username)
    if found is None:
        return Response("no such question (it was answered already, or asked too long ago)",
                        status_code=404, media_type="text/plain")
    c = ctx(request)
    _, session = who(request)
    template = c.templates.get_template("_ask_event.html")
    csrf = session.csrf if session else ""

    def html_event(step: Step) -> str:
        html = template.render(stage=step.stage, message=step.message, item=step.item,
                               index=step.index, key=key, result=step.result, csrf=csrf,
                               choice_json=_plan_json)
        return sse(EVENTS[step.stage], html)

    return stream(request, user, found.question, _given(found.plan), html_event)


def stream(request: Request, user: User, question: str | None, given: Any,
           event: Callable[[Step], str]) -> StreamingResponse:
    """Answer as `user`, step by step, each step sent as `event` writes it; the answer is
    logged once, or as `stopped` when the caller leaves before it is complete."""
    c = ctx(request)
    asker = asker_of(user)
    if given is not None:
        steps = plan_steps(c.project, given, asker)
    else:
        steps = ask_steps(c.project, question or "", asker)

    async def events() -> AsyncIterator[str]:
        logged = False
        try:
            for step in _steps(steps):
                if step.stage == "result":
                    assert step.result is not None
                    c.audit.record(c.settings.clock(), user.username, "ask", step.result.kind,
                                   audit_detail(question, given, step.result),
                                   client_of(request))
                    logged = True
                yield event(step)
                await asyncio.sleep(0)  # let the event go out before the next is computed
        finally:
            if not logged:  # the caller left before the answer was complete
                c.audit.record(c.settings.clock(), user.username, "ask", "stopped",
                               {"question": question, "given_plan": given},
                               client_of(request))

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


EVENTS = {"reading": "reading", "model": "model", "number": "number", "detail": "part",
          "why": "part", "links": "part", "error": "part", "result": "end"}
"""The server-sent event each step of an answer is sent as (_ask_stream.html swaps them)."""


def _steps(steps: Iterator[Step]) -> Iterator[Step]:
    """The steps, with a failure in one (a bug) ending the stream with a refusal in words
    rather than a cut connection, which the browser's EventSource would retry."""
    from northstar.ask.plan import Refusal
    from northstar.errors import NorthstarError

    try:
        yield from steps
    except NorthstarError as exc:
        yield Step("result", result=Refusal(message=str(exc)))


def sse(event: str, data: str) -> str:
    """One server-sent event: its name, and its data line by line."""
    lines = data.strip().splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


@dataclass(frozen=True)
class Pending:
    username: str
    question: str | None
    plan: str | None
    at: float


class PendingQuestions:
    """Questions the Ask box posted, kept until their stream takes them: for one use, by the
    user who asked, for `TTL` seconds, `MAX` at most (the oldest go first)."""

    TTL = 120.0
    MAX = 500

    def __init__(self) -> None:
        self._kept: dict[str, Pending] = {}

    def add(self, username: str, question: str | None, plan: str | None) -> str:
        now = time.monotonic()
        self._kept = {k: v for k, v in self._kept.items() if now - v.at < self.TTL}
        while len(self._kept) >= self.MAX:
            self._kept.pop(next(iter(self._kept)))
        key = "ask-" + secrets.token_hex(12)
        self._kept[key] = Pending(username, question, plan, now)
        return key

    def take(self, key: str, username: str) -> Pending | None:
        found = self._kept.get(key)
        if found is None or found.username != username:
            return None
        del self._kept[key]
        return found if time.monotonic() - found.at < self.TTL else None


def pending(request: Request) -> PendingQuestions:
    extra = ctx(request).extra
    found = extra.get("ask_pending")
    if not isinstance(found, PendingQuestions):
        found = extra["ask_pending"] = PendingQuestions()
    return found


def _plan_json(plan: Any) -> str:
    return json.dumps(plan.model_dump(mode="json", exclude_defaults=True))
