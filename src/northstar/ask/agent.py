"""The conversation with the language model (pydantic-ai, the `ask-model` extra): its tools
read the visible catalogue only, and it ends by calling `answer_with_plan` with a `Plan`, which
the core checks (a failing plan goes back to the model with the reason, twice at most)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openai import AsyncOpenAI
from pydantic_ai import Agent, ModelRetry, RunContext, ToolOutput
from pydantic_ai.messages import ToolCallPart
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider

from northstar.ask.plan import Plan, Refusal
from northstar.config import AskModelSettings

__all__ = ["RETRIES", "ModelContext", "run"]

RETRIES = 2


@dataclass(frozen=True)
class ModelContext:
    """What the model's tools may read: the visible catalogue, nothing else."""

    metrics: list[dict[str, Any]]
    people: list[dict[str, Any]]
    values: dict[str, list[str]]
    check: Any
    """plan -> Plan | Refusal: the core's check of a plan for the asker."""


def _agent(model: OpenAIChatModel) -> Agent[ModelContext, Plan]:
    agent: Agent[ModelContext, Plan] = Agent(
        model, deps_type=ModelContext, retries=RETRIES,
        output_type=ToolOutput(Plan, name="answer_with_plan",
                               description="The plan that answers the question."))

    @agent.tool
    def list_metrics(ctx: RunContext[ModelContext]) -> list[dict[str, Any]]:
        """Every metric the asker may see: name, title, synonyms, description, unit, grain,
        department and the tags it can be split by (dimensions)."""
        return ctx.deps.metrics

    @agent.tool
    def list_people(ctx: RunContext[ModelContext]) -> list[dict[str, Any]]:
        """The people of people.yml: id (the owner_id tag value), name, title, department,
        team and the metric they own."""
        return ctx.deps.people

    @agent.tool
    def tag_values(ctx: RunContext[ModelContext], tag: str) -> list[str]:
        """The values a tag takes in the data (client_id, source_funnel, utm_source,
        utm_medium, utm_campaign)."""
        if tag not in ctx.deps.values:
            raise ModelRetry(f"no values known for {tag!r}; tags with values: "
                             + ", ".join(sorted(ctx.deps.values)))
        return ctx.deps.values[tag][:500]

    @agent.output_validator
    def checked(ctx: RunContext[ModelContext], plan: Plan) -> Plan:
        found = ctx.deps.check(plan)
        if isinstance(found, Refusal):
            raise ModelRetry(found.message)
        return plan

    return agent


def run(settings: AskModelSettings, key: str, instructions: str, question: str,
        context: ModelContext, progress: Callable[[str], None] = lambda _m: None) -> Plan:
    """One conversation with the model, on an event loop of its own (call it in a thread of
    its own: the web app's loop is busy serving the request). `progress` hears of each tool
    the model calls, as it calls it, in words."""

    async def talk() -> Plan:
        async with AsyncOpenAI(base_url=settings.base_url, api_key=key,
                               timeout=settings.timeout, max_retries=0) as client:
            model = OpenAIChatModel(settings.model,
                                    provider=OpenAIProvider(openai_client=client))
            agent = _agent(model)
            async with agent.iter(question, deps=context, instructions=instructions) as found:
                async for node in found:
                    if Agent.is_call_tools_node(node):
                        for part in node.model_response.parts:
                            if isinstance(part, ToolCallPart):
                                progress(said(part))
            assert found.result is not None
            return found.result.output

    return asyncio.run(talk())


def said(call: ToolCallPart) -> str:
    """A tool call in words: its name and its arguments, cut short."""
    args = call.args if isinstance(call.args, str) else json.dumps(call.args or {})
    args = "" if args in ("{}", "") else " " + args[:160] + ("…" if len(args) > 160 else "")
    return f"The model called {call.tool_name}{args}"
