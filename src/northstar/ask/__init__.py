"""Ask your KPIs: a question in plain words answered with exactly the tiles' numbers.

`parse` reads a question into a `Plan` (no language model needed); `answer_plan` runs a plan
through the metric layer, read-only; `ask` does both. docs/ask.md is the user's guide."""

from __future__ import annotations

from northstar.ask.core import Answer, Asker, Result, answer_plan, ask
from northstar.ask.plan import Clarification, Plan, Refusal

__all__ = ["Answer", "Asker", "Clarification", "Plan", "Refusal", "Result", "answer_plan", "ask"]
