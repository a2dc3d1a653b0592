"""Asana's Goals API, the two calls Northstar makes: read a goal, set its metric's value.

- `GET /goals/{gid}` with `opt_fields` naming the metric's fields;
- `POST /goals/{gid}/setMetricCurrentValue` with `{"data": {"current_number_value": n}}`
  (Asana answers 400 when the goal has no metric);
- `POST /goals/{gid}/setMetric` with the whole metric (it replaces the one there), only when
  the target changes as well.

Every body is wrapped in `{"data": ...}` both ways; the token is a bearer token (a personal
access token or a service account's). An error is `{"errors": [{"message", "help",
"phrase"}]}`. A 429 (with `Retry-After` in seconds) or a 5xx is tried again, with tenacity;
any other refusal fails at once with Asana's own message (docs/asana.md)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_exponential as _exponential

from northstar.errors import NorthstarError
from northstar.sources.http import retry_after_seconds
from northstar.sources.secrets import Secret

__all__ = ["AsanaError", "GoalMetric", "GoalsClient"]

METRIC_FIELDS = ("unit", "precision", "currency_code", "current_number_value",
                 "target_number_value", "initial_number_value", "progress_source")
OPT_FIELDS = ",".join(["name", "metric", *(f"metric.{f}" for f in METRIC_FIELDS)])
AUTOMATIC = frozenset({"subgoal_progress", "project_task_completion",
                       "project_milestone_completion", "task_completion"})
"""`progress_source` values for which Asana works the value out itself."""


class AsanaError(NorthstarError):
    """Asana refused a request, or kept failing until the tries ran out."""

    def __init__(self, message: str, *, status: int | None = None,
                 transient: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        """The HTTP status (None: Asana was not reached)."""
        self.transient = transient
        self.retry_after = retry_after

    @property
    def bad_token(self) -> bool:
        """The token itself was refused: every other goal would fail the same way."""
        return self.status == 401


@dataclass(frozen=True)
class GoalMetric:
    """A goal as Northstar needs it: its name and its metric (None: it has no metric)."""

    gid: str
    name: str
    has_metric: bool
    unit: str = "none"
    """none, currency or percentage (a percentage's 0.25 shows as 25%)."""
    precision: int = 0
    currency_code: str | None = None
    current: float | None = None
    target: float | None = None
    initial: float | None = None
    progress_source: str | None = None

    @property
    def automatic(self) -> bool:
        """Asana computes this goal's progress (from sub-goals, projects or tasks)."""
        return self.progress_source in AUTOMATIC

    @classmethod
    def from_data(cls, gid: str, data: dict[str, Any]) -> GoalMetric:
        """From a goal record, or from a bare goal metric record (the answer to a write)."""
        if "metric" in data:
            metric = data["metric"]
        elif "current_number_value" in data or data.get("resource_type") == "goal_metric":
            metric = data
        else:
            metric = None
        if not isinstance(metric, dict):
            return cls(gid, str(data.get("name") or gid), False)

        def number(key: str) -> float | None:
            v = metric.get(key)
            return None if v is None else float(v)

        return cls(gid, str(data.get("name") or gid), True, str(metric.get("unit") or "none"),
                   int(metric.get("precision") or 0), metric.get("currency_code"),
                   number("current_number_value"), number("target_number_value"),
                   number("initial_number_value"), metric.get("progress_source"))


def _message(response: httpx.Response) -> str:
    """Asana's own words: every `errors[].message`, and the `phrase` support asks for."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200] or response.reason_phrase
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list) or not errors:
        return response.reason_phrase
    parts = []
    for e in errors:
        if isinstance(e, dict) and e.get("message"):
            text = str(e["message"])
            if e.get("phrase"):
                text += f" (phrase for Asana support: {e['phrase']})"
            parts.append(text)
    return "; ".join(parts)[:500] or response.reason_phrase


class GoalsClient:
    """One session with Asana. `sleep` is how a retry waits (a test passes a fake one)."""

    def __init__(self, base_url: str, token: Secret, *, token_hint: str = "",
                 attempts: int = 4, max_wait: float = 60.0, timeout: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.attempts = attempts
        self.max_wait = max_wait
        self.sleep = sleep
        self.token_hint = token_hint
        """Where the token comes from, said when Asana refuses it."""
        self.requests = 0
        self.http = httpx.Client(base_url=base_url.rstrip("/") + "/", timeout=timeout,
                                 headers={"Authorization": f"Bearer {token.reveal()}",
                                          "Accept": "application/json"})

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> GoalsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the calls ---------------------------------------------------------------------------
    def goal(self, gid: str) -> GoalMetric:
        data = self._request("GET", f"goals/{gid}", params={"opt_fields": OPT_FIELDS})
        return GoalMetric.from_data(gid, data)

    def set_current(self, gid: str, value: float) -> GoalMetric:
        data = self._request("POST", f"goals/{gid}/setMetricCurrentValue",
                             params={"opt_fields": OPT_FIELDS},
                             json={"data": {"current_number_value": value}})
        return GoalMetric.from_data(gid, data)

    def set_metric(self, goal: GoalMetric, current: float, target: float) -> GoalMetric:
        """Replace the goal's metric with the same one, but this current value and target."""
        metric: dict[str, Any] = {"unit": goal.unit, "precision": goal.precision,
                                  "current_number_value": current,
                                  "target_number_value": target}
        if goal.initial is not None:
            metric["initial_number_value"] = goal.initial
        if goal.unit == "currency" and goal.currency_code:
            metric["currency_code"] = goal.currency_code
        if goal.progress_source is not None:
            metric["progress_source"] = goal.progress_source
        data = self._request("POST", f"goals/{goal.gid}/setMetric",
                             params={"opt_fields": OPT_FIELDS}, json={"data": metric})
        return GoalMetric.from_data(goal.gid, data)

    # -- plumbing ----------------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, AsanaError) and exc.retry_after is not None:
            return exc.retry_after
        return float(_exponential(multiplier=1, max=self.max_wait)(state))

    def _retry(self, exc: BaseException) -> bool:
        if not isinstance(exc, AsanaError) or not exc.transient:
            return False
        # a Retry-After longer than we would wait: give up now rather than block
        return exc.retry_after is None or exc.retry_after <= self.max_wait

    def _request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        retrying = Retrying(stop=stop_after_attempt(self.attempts), wait=self._wait,
                            retry=retry_if_exception(self._retry), sleep=self.sleep,
                            reraise=True)
        tries = 0

        def once() -> dict[str, Any]:
            nonlocal tries
            tries += 1
            return self._once(method, path, **kwargs)

        try:
            return retrying(once)
        except AsanaError as exc:
            if exc.transient and tries > 1:
                raise AsanaError(f"{exc} (gave up after {tries} tries)", status=exc.status,
                                 transient=True) from None
            raise

    def _once(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        self.requests += 1
        endpoint = f"{method} /{path}"
        try:
            r = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AsanaError(f"could not reach Asana ({endpoint}): {type(exc).__name__}: {exc}",
                             transient=True) from None
        status = r.status_code
        if status == 429 or status >= 500:
            raise AsanaError(f"Asana answered HTTP {status} to {endpoint}: {_message(r)}",
                             status=status, transient=True,
                             retry_after=retry_after_seconds(r.headers.get("Retry-After")))
        if status == 401:
            raise AsanaError(f"Asana refused the token (HTTP 401: {_message(r)}): give a valid "
                             f"personal access token or service account token{self.token_hint}",
                             status=401)
        if status >= 400:
            hint = {403: " (the token's user cannot edit this goal)",
                    404: " (no such goal, or the token's user cannot see it)"}.get(status, "")
            raise AsanaError(f"Asana refused {endpoint} with HTTP {status}{hint}: "
                             f"{_message(r)}", status=status)
        try:
            body = r.json()
        except ValueError:
            raise AsanaError(f"Asana answered {endpoint} with something that is not JSON",
                             status=status, transient=True) from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise AsanaError(f"Asana answered {endpoint} without a `data` object",
                             status=status)
        return data
