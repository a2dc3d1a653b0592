"""The optional language model (`[ask.model]` in northstar.toml): a question becomes a `Plan`
through a tool call, never a number.

The model is driven by pydantic-ai (the `ask-model` extra: `pip install
'northstar-kpi[ask-model]'`) against any OpenAI-compatible endpoint. Its tools only read the
catalogue as the asker may see it: the metrics, the people, a tag's values. It ends by calling
`answer_with_plan` with a plan of the very schema the built-in reader produces; the plan is
checked as any plan is (names, tags, periods, what the asker may see), and a plan that fails
goes back to the model with the reason, twice at most. It has no tool that computes, writes or
runs SQL, and whatever it says in words is dropped: the answer's numbers are the metric
layer's, computed by the core from the plan."""

from __future__ import annotations

import os
import queue
from collections.abc import Generator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING

from northstar.ask.plan import Plan, Refusal
from northstar.config import AskModelSettings
from northstar.errors import ConfigError

if TYPE_CHECKING:
    from northstar.ask.agent import ModelContext
    from northstar.ask.core import Asker, Step
    from northstar.project import Project

__all__ = ["model_steps"]

INSTRUCTIONS = """\
You turn a question about {company}'s KPIs into a plan that Northstar runs. You never answer
with numbers and never compute anything: Northstar computes every number from the plan.

Call list_metrics to see the metrics (names, titles, synonyms, the tags each can be split by),
list_people for people (a person's id is the owner_id tag value), tag_values for the values of
a tag. Then call answer_with_plan with:
- metrics: metric names from list_metrics;
- period: a period string (2025-01 month, 2025-Q1 quarter, 2025-W03 ISO week, 2025 year) or
  null for each metric's current period; `last`: how many periods ending with it (a trend: 13);
- slice.by: a tag to split by; slice.filters: tag values to keep, e.g. {{"owner_id": "ann"}};
- comparison: "previous", "last_year" or "target" when the question compares;
- why: true when the question asks why a number moved;
- rank ("highest" or "lowest") and limit, with slice.by, for "which ... has the most";
- a person named ("Marcus's client health") is slice.filters {{"owner_id": their id}} when
  the metric can be split by owner_id; when it cannot and it is the one metric they own,
  person: their id and no filter (the company's figure, said to be so).

Today is {today} in the company's timezone ({timezone}). The fiscal year starts in month
{fiscal} and is named by the calendar year it ends in. The current periods: week {week}, month
{month}, quarter {quarter}, year {year}. Last month was {last_month}, last quarter
{last_quarter}."""


def _context(p: Project, asker: Asker) -> ModelContext:
    from northstar.ask.agent import ModelContext
    from northstar.ask.core import check_plan, visible_metrics, vocabulary_of

    visible = visible_metrics(p, asker)
    metrics = [{"name": m.name, "title": m.title, "synonyms": m.synonyms,
                "description": " ".join(m.description.split())[:300], "unit": m.unit,
                "grain": m.grain, "department": m.department, "dimensions": m.dimensions}
               for m in p.catalog if m.name in visible]
    people = [{"id": x.id, "name": x.name, "title": x.title, "department": x.department,
               "team": x.team, "metric": x.metric} for x in p.catalog.people.values()]
    values: dict[str, list[str]] = {}
    for term in vocabulary_of(p).of_kind("value"):
        if term.tag is not None and term.target not in values.setdefault(term.tag, []):
            values[term.tag].append(term.target)
    return ModelContext(metrics, people, values, lambda plan: check_plan(p, plan, asker))


def _instructions(p: Project, now: datetime) -> str:
    cal = p.calendar
    month, quarter = cal.current("month", now), cal.current("quarter", now)
    return INSTRUCTIONS.format(
        company=p.settings.company.name, today=now.astimezone(cal.tz).date().isoformat(),
        timezone=cal.timezone, fiscal=cal.fiscal_year_start_month,
        week=cal.current("week", now), month=month, quarter=quarter,
        year=cal.current("year", now), last_month=cal.previous(month),
        last_quarter=cal.previous(quarter))


def _key(settings: AskModelSettings) -> str:
    if settings.api_key_env is None:
        return "none"  # a local endpoint: the client needs some key
    key = os.environ.get(settings.api_key_env)
    if not key:
        raise ConfigError(f"[ask.model] needs its API key in the environment variable "
                          f"{settings.api_key_env}, which is not set")
    return key


def model_steps(p: Project, question: str, asker: Asker, settings: AskModelSettings,
                now: datetime) -> Generator[Step, None, Plan | Refusal]:
    """The model's plan for a question, checked, or why there is none (the endpoint failed, or
    the model gave no plan Ask can run); on the way, a "model" step for each tool the model
    calls, as it calls it."""
    from northstar.ask.core import Step

    try:
        from northstar.ask.agent import run
    except ImportError:
        return Refusal(question=question, message=(
            "[ask.model] is set but pydantic-ai is not installed: pip install "
            "'northstar-kpi[ask-model]'"))
    key = _key(settings)
    context = _context(p, asker)
    instructions = _instructions(p, now)
    heard: queue.SimpleQueue[str] = queue.SimpleQueue()
    with ThreadPoolExecutor(1, thread_name_prefix="northstar-ask-model") as pool:
        future = pool.submit(run, settings, key, instructions, question, context, heard.put)
        while not future.done() or not heard.empty():
            try:
                yield Step("model", message=heard.get(timeout=0.05))
            except queue.Empty:
                continue
        from openai import APIError
        from pydantic_ai.exceptions import AgentRunError, UnexpectedModelBehavior

        try:
            return future.result()
        except UnexpectedModelBehavior as exc:
            return Refusal(question=question, message=(
                f"The language model gave no plan Ask can run ({_first(exc)})."))
        except (AgentRunError, APIError, OSError) as exc:  # the endpoint failed
            return Refusal(question=question, message=(
                f"The language model could not be reached ({type(exc).__name__}: "
                f"{_first(exc)})."))


def _first(exc: Exception) -> str:
    return (str(exc).splitlines() or [""])[0][:200]
