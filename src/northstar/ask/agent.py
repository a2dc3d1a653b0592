"""The conversation with the language model (pydantic-ai, the `ask-model` extra): its tools
read the visible catalogue only, and it ends by calling `answer_with_plan` with a `Plan`, which
the core checks (a failing plan goes back to the model with the reason, twice at most)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from openai import AsyncOpenAI
from pydantic_ai import Agent, ModelRetry, RunContext, ToolOutput
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
        context: ModelContext) -> Plan:
    """One conversation with the model, on an event loop of its own (call it in a thread of
    its own: the web app's loop is busy serving the request)."""

    async def talk() -> Plan:
        async with AsyncOpenAI(base_url=settings.base_url, api_key=key,
                               timeout=settings.timeout, max_retries=0) as client:
            model = OpenAIChatModel(settings.model,
                                    provider=OpenAIProvider(openai_client=client))
            found = await _agent(model).run(question, deps=context, instructions=instructions)
            return found.output

    return asyncio.run(talk())
