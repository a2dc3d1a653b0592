"""Fake Asana Goals API (the part Northstar calls), under `/api/1.0`.

As the reference says (shared/reference/vendor_apis.md §7, checked against
developers.asana.com):

- auth is `Authorization: Bearer <token>` (a personal access token or a service account's);
  none or another is 401 `{"errors": [{"message": "Not Authorized"}]}`;
- every answer is `{"data": ...}`, and so must every request body be;
- `GET /goals/{gid}` answers the goal; `opt_fields` (comma-separated, `metric.unit` style)
  narrows it to those fields, plus `gid` and `resource_type`;
- `POST /goals/{gid}/setMetricCurrentValue` with `{"data": {"current_number_value": n}}`
  updates the existing metric and answers the updated goal; a goal without a metric is 400;
- `POST /goals/{gid}/setMetric` replaces the metric with the one sent; a target equal to the
  start value (`initial_number_value`) is refused (400), as the docs say it cannot be;
- errors are `{"errors": [{"message", "help"}]}`, a 500 adds a `phrase`; an unknown gid is
  404 `goal: Not a recognized ID: ...`, one that is not a number 400 `goal: Not a Long`;
- a throttled request is 429 with `Retry-After: <seconds>` (the fault switch
  `fail("429", retry_after=...)`), a server error 500 (`fail("500")`).

Assumed (not confirmed by Asana's docs; said so in docs/asana.md): the exact 400 messages, and
that a write to a goal whose progress Asana computes (from sub-goals, projects or tasks) is a
400. `edit(gid, ...)` is a person changing the goal in Asana's app; `writes` keeps every write
accepted, in order."""

from __future__ import annotations

import re
from typing import Any

from fakes.server import Answer, FakeServer, Request

TOKEN = "2/1204000000000001/1209999999999999:0f1e2d3c4b5a69788796a5b4c3d2e1f0"
HELP = ("For more information on API status codes and how to handle them, read the docs on "
        "errors: https://developers.asana.com/docs/errors")
PREFIX = "/api/1.0"
AUTOMATIC = {"subgoal_progress", "project_task_completion", "project_milestone_completion",
             "task_completion"}
_PATH = re.compile(r"^/api/1\.0/goals/([^/]+)(?:/(setMetricCurrentValue|setMetric))?$")


class AsanaFake(FakeServer):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self.goals: dict[str, dict[str, Any]] = {}
        self.writes: list[tuple[str, str, dict[str, Any]]] = []
        """(gid, endpoint, data) of every write accepted."""

    @property
    def api_url(self) -> str:
        return self.url + PREFIX

    # -- the workspace -------------------------------------------------------------------------
    def add_goal(self, gid: str, name: str, *, unit: str = "none", precision: int = 0,
                 current: float | None = 0.0, target: float | None = 100.0,
                 initial: float | None = 0.0, currency_code: str | None = None,
                 progress_source: str = "manual", metric: bool = True) -> dict[str, Any]:
        goal: dict[str, Any] = {
            "gid": gid, "resource_type": "goal", "name": name, "notes": "",
            "html_notes": "<body></body>", "due_on": "2025-06-30", "start_on": "2025-04-01",
            "status": "green", "is_workspace_level": True, "liked": False, "num_likes": 0,
            "owner": {"gid": "1204000000000001", "resource_type": "user", "name": "Ada"},
            "team": None,
            "workspace": {"gid": "1200000000000000", "resource_type": "workspace",
                          "name": "Example Co"},
            "time_period": {"gid": "1201000000000002", "resource_type": "time_period",
                            "display_name": "Q2 FY25", "period": "Q2",
                            "start_on": "2025-04-01", "end_on": "2025-06-30"},
            "followers": [], "metric": None,
        }
        if metric:
            goal["metric"] = self._metric(gid, unit, precision, current, target, initial,
                                          currency_code, progress_source)
        self.goals[gid] = goal
        return goal

    def _metric(self, gid: str, unit: str, precision: int, current: float | None,
                target: float | None, initial: float | None, currency_code: str | None,
                progress_source: str) -> dict[str, Any]:
        m = {"gid": f"9{gid}", "resource_type": "goal_metric", "resource_subtype": "number",
             "unit": unit, "precision": precision, "initial_number_value": initial,
             "target_number_value": target, "current_number_value": current,
             "currency_code": currency_code if unit == "currency" else None,
             "progress_source": progress_source, "can_manage": True,
             "is_custom_weight": False}
        m["current_display_value"] = self._display(m)
        return m

    @staticmethod
    def _display(m: dict[str, Any]) -> str:
        v = m.get("current_number_value")
        if v is None:
            return ""
        p = int(m.get("precision") or 0)
        return f"{v * 100:.{p}f}" if m.get("unit") == "percentage" else f"{v:.{p}f}"

    def edit(self, gid: str, *, current: float | None = None,
             target: float | None = None) -> None:
        """Someone changes the goal by hand in Asana."""
        m = self.goals[gid]["metric"]
        if current is not None:
            m["current_number_value"] = current
        if target is not None:
            m["target_number_value"] = target
        m["current_display_value"] = self._display(m)

    def current(self, gid: str) -> float | None:
        m = self.goals[gid]["metric"]
        return None if m is None else m["current_number_value"]

    def target(self, gid: str) -> float | None:
        m = self.goals[gid]["metric"]
        return None if m is None else m["target_number_value"]

    def calls(self, method: str | None = None) -> list[Request]:
        """The requests that reached the API (every try, faults included)."""
        return [r for r in self.requests if method is None or r.method == method]

    # -- the API -------------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        if status >= 500:
            return {"errors": [{"message": "Server Error",
                                "phrase": "6 sad squid snuggle softly"}]}
        return {"errors": [{"message": message, "help": HELP}]}

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return 429, headers, {"errors": [{
            "message": "You've made too many requests and hit a rate limit. Please retry "
                       "after the given amount of time.", "help": HELP}]}

    def _error(self, status: int, message: str) -> Answer:
        return status, {}, self.error_body(status, message)

    def route(self, req: Request) -> Answer:
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, {"errors": [{"message": "Not Authorized"}]}
        found = _PATH.match(req.path)
        if found is None:
            return self._error(404, "Not Found")
        gid, action = found.group(1), found.group(2)
        if not gid.isdigit():
            return self._error(400, f"goal: Not a Long: {gid}")
        goal = self.goals.get(gid)
        if goal is None:
            return self._error(404, f"goal: Not a recognized ID: {gid}")
        if action is None:
            if req.method != "GET":
                return self._error(404, "Not Found")
            return 200, {}, {"data": self._fields(goal, req.arg("opt_fields"))}
        if req.method != "POST":
            return self._error(404, "Not Found")
        try:
            body = req.json()
        except ValueError:
            return self._error(400, "Could not parse request data, invalid JSON")
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            return self._error(400, "data: Missing input")
        answer = (self._set_current(goal, data) if action == "setMetricCurrentValue"
                  else self._set_metric(goal, data))
        if answer is not None:
            return answer
        self.writes.append((gid, action, data))
        return 200, {}, {"data": self._fields(goal, req.arg("opt_fields"))}

    def _set_current(self, goal: dict[str, Any], data: dict[str, Any]) -> Answer | None:
        m = goal["metric"]
        if m is None:
            return self._error(400, "Goal does not have a metric to update")
        if m["progress_source"] in AUTOMATIC:
            return self._error(400, "metric: the current value of a goal whose progress is "
                               "automatic cannot be set")
        value = data.get("current_number_value")
        if not isinstance(value, int | float) or isinstance(value, bool):
            return self._error(400, "current_number_value: Not a number")
        m["current_number_value"] = float(value)
        m["current_display_value"] = self._display(m)
        return None

    def _set_metric(self, goal: dict[str, Any], data: dict[str, Any]) -> Answer | None:
        unit = data.get("unit", "none")
        if unit not in ("none", "currency", "percentage"):
            return self._error(400, f"unit: Unknown value: {unit}")
        precision = data.get("precision", 0)
        if not isinstance(precision, int) or not 0 <= precision <= 6:
            return self._error(400, "precision: must be between 0 and 6")
        initial = data.get("initial_number_value", 0.0)
        target = data.get("target_number_value")
        if target is None:
            return self._error(400, "target_number_value: Missing input")
        if initial is not None and float(target) == float(initial):
            return self._error(400, "target_number_value: cannot equal initial_number_value")
        goal["metric"] = self._metric(
            goal["gid"], unit, precision, data.get("current_number_value", initial),
            float(target), initial, data.get("currency_code"),
            data.get("progress_source", "manual"))
        return None

    @staticmethod
    def _fields(goal: dict[str, Any], opt_fields: str | None) -> dict[str, Any]:
        if not opt_fields:
            return goal
        out: dict[str, Any] = {"gid": goal["gid"], "resource_type": "goal"}
        for field in (f.strip() for f in opt_fields.split(",") if f.strip()):
            head, _, sub = field.partition(".")
            if head not in goal:
                continue
            value = goal[head]
            if not sub or not isinstance(value, dict):
                if head not in out or not isinstance(value, dict):
                    out[head] = ({"gid": value["gid"], "resource_type": value["resource_type"]}
                                 if isinstance(value, dict) and "gid" in value else value)
                continue
            part = out.setdefault(head, {"gid": value.get("gid"),
                                         "resource_type": value.get("resource_type")})
            if sub in value:
                part[sub] = value[sub]
        return out
