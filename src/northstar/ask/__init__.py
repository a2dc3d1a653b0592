"""Ask your KPIs: a question in plain words answered with exactly the tiles' numbers.

`parse` reads a question into a `Plan` (no language model needed); `answer_plan` runs a plan
through the metric layer, read-only; `ask` does both. docs/ask.md is the user's guide.

The names below are imported on first use: the CLI imports `northstar.ask.cli` at start-up
and must not pay for the metric layer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from northstar.lazy import lazy_attributes

if TYPE_CHECKING:
    from northstar.ask.core import Answer, Asker, Result, answer_plan, ask
    from northstar.ask.plan import Clarification, Plan, Refusal

__all__ = ["Answer", "Asker", "Clarification", "Plan", "Refusal", "Result", "answer_plan", "ask"]

_lazy = lazy_attributes(__name__, {
    "Answer": "northstar.ask.core", "Asker": "northstar.ask.core",
    "Result": "northstar.ask.core", "answer_plan": "northstar.ask.core",
    "ask": "northstar.ask.core", "Clarification": "northstar.ask.plan",
    "Plan": "northstar.ask.plan", "Refusal": "northstar.ask.plan",
})


def __getattr__(name: str) -> Any:
    return _lazy(name)
