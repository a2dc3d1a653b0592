"""`GoalPush`: set each linked Asana goal's current value (and target, where asked) from its
metric, never over a goal someone edited by hand.

For every metric whose file names a goal (`asana: {goal: "..."}`):

1. its value is the newest period that has one: the current period (so far), else the one
   before it; its target is the metric's target for that period;
2. when that is what Northstar wanted to push last time, and the last push went through (or
   found the goal edited by hand), nothing is sent: a rerun makes no call;
3. otherwise the goal is read first. If it shows anything but what Northstar last pushed,
   someone changed it in Asana: it is left alone and shown as edited by hand, unless the
   metric file says `overwrite: true`;
4. else the value goes out in the goal's unit (a percent metric's 0.25 is 25% on a
   percentage goal, 25 on a plain number goal; money only to a USD goal), rounded to the
   goal's precision, by `setMetricCurrentValue`, or by `setMetric` when the target changes
   too.

Each push, skip and failure is written to the collection run log (source `asana`) and the
goal's row in `ns_asana_goals`. Reading the metrics and writing the log happen under the
caller's lock; the calls to Asana happen outside it, so a slow or throttling Asana never holds
up a page or a collection."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from northstar.asana.client import AsanaError, GoalMetric, GoalsClient
from northstar.asana.store import GoalLog, GoalState
from northstar.collection import log as runlog
from northstar.errors import NorthstarError
from northstar.sources.secrets import Secret, SecretStore

if TYPE_CHECKING:
    from northstar.metrics.definition import MetricDef
    from northstar.project import Project

__all__ = ["SOURCE", "GoalPush", "Plan", "Result", "linked"]

SOURCE = "asana"
"""The collection run log's `source` for pushes."""


def linked(project: Project) -> list[MetricDef]:
    """The metrics whose file names an Asana goal, by name."""
    return sorted((m for m in project.catalog if m.asana is not None), key=lambda m: m.name)


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class Plan:
    """What one metric would push, worked out from the project (no call made yet)."""

    metric: MetricDef
    period: str | None
    value: float | None
    target: float | None
    state: GoalState | None
    overwrite: bool
    error: str | None = None
    """The metric could not be computed."""

    @property
    def goal(self) -> str:
        assert self.metric.asana is not None
        return self.metric.asana.goal

    @property
    def set_target(self) -> bool:
        assert self.metric.asana is not None
        return self.metric.asana.set_target

    @property
    def unchanged(self) -> bool:
        """Northstar wants what it wanted last time, and that is settled: no call."""
        s = self.state
        if s is None or s.metric != self.metric.name or s.period != self.period:
            return False
        if s.wanted_value != self.value or (self.set_target and s.wanted_target != self.target):
            return False
        return s.outcome == "pushed" or (s.outcome == "edited" and not self.overwrite)


@dataclass(frozen=True)
class Result:
    """How one goal went."""

    plan: Plan
    outcome: str
    """pushed, unchanged, edited, failed, no_value, or in a dry run would_push."""
    message: str
    goal: GoalMetric | None = None
    """The goal as Asana showed it when read (None: not read)."""
    pushed_value: float | None = None
    pushed_target: float | None = None
    wrote: bool = False
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def called(self) -> bool:
        """A request went to Asana for this goal."""
        return self.goal is not None or self.wrote

    @property
    def ok(self) -> bool:
        return self.outcome != "failed"

    def as_dict(self) -> dict[str, Any]:
        p = self.plan
        return {"metric": p.metric.name, "goal": p.goal, "period": p.period,
                "value": p.value, "target": p.target if p.set_target else None,
                "outcome": self.outcome, "message": self.message,
                "goal_name": self.goal.name if self.goal else None,
                "goal_value": self.goal.current if self.goal else None}


class Mismatch(NorthstarError):
    """The metric's unit cannot be written in the goal's."""


def decimals(goal: GoalMetric) -> int:
    """Digits after the point that Asana shows (a percentage's 0.25 is 25%: two more)."""
    return max(0, min(goal.precision, 6)) + (2 if goal.unit == "percentage" else 0)


def same(a: float | None, b: float | None, goal: GoalMetric) -> bool:
    """Equal as the goal shows them."""
    if a is None or b is None:
        return a is b
    d = decimals(goal)
    return round(a, d) == round(b, d)


def in_goal_unit(value: float, unit: str, goal: GoalMetric) -> float:
    """A metric value (in Northstar's `unit`) as the goal holds it, rounded as it shows."""
    if goal.unit == "percentage":
        if unit not in ("percent", "ratio"):
            raise Mismatch(f"the goal is a percentage and the metric is in {unit}: give the "
                           "goal a number metric, or link a percent metric")
        out = value
    elif goal.unit == "currency":
        code = (goal.currency_code or "USD").upper()
        if unit != "usd" or code != "USD":
            raise Mismatch(f"the goal is in {code} and the metric in {unit}: Northstar only "
                           "writes US dollars to a currency goal")
        out = value
    else:
        out = value * 100 if unit == "percent" else value
    return round(out, decimals(goal))


def shown(value: float | None, goal: GoalMetric) -> str:
    """A goal's number as Asana writes it."""
    if value is None:
        return "nothing"
    p = max(0, min(goal.precision, 6))
    if goal.unit == "percentage":
        return f"{value * 100:.{p}f}%"
    if goal.unit == "currency":
        return f"{(goal.currency_code or 'USD').upper()} {value:,.{p}f}"
    return f"{value:,.{p}f}"


class GoalPush:
    """The goal pushes of one open project. `environ` and `sleep` are for tests (the token's
    environment variable, and how a retry waits)."""

    def __init__(self, project: Project, *, environ: dict[str, str] | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.p = project
        self.settings = project.settings.asana
        self.secrets = SecretStore(project.root, environ)
        self.sleep = sleep
        self._log: GoalLog | None = None

    @property
    def log(self) -> GoalLog:
        if self._log is None:
            self._log = GoalLog(self.p.engine, create=not self.p.read_only)
        return self._log

    # -- planning (reads the project) ----------------------------------------------------------
    def plan(self, metrics: Iterable[str] | None = None,
             overwrite: Iterable[str] = ()) -> list[Plan]:
        """What each linked metric (or each of `metrics`) would push now; `overwrite` names
        metrics to push over a hand edit this once."""
        found = linked(self.p)
        if metrics is not None:
            wanted = list(metrics)
            for name in wanted:
                m = self.p.catalog.get(name)  # an unknown name says which ones it looks like
                if m.asana is None:
                    raise NorthstarError(f"{name} names no Asana goal: add `asana: {{goal: "
                                         f'"..."}}` to its metric file (docs/asana.md)')
            found = [m for m in found if m.name in wanted]
        forced = set(overwrite)
        states = self.log.states()
        return [self._plan(m, states.get(m.asana.goal), m.name in forced)
                for m in found if m.asana is not None]

    def _plan(self, m: MetricDef, state: GoalState | None, forced: bool) -> Plan:
        assert m.asana is not None
        overwrite = m.asana.overwrite or forced
        cal = self.p.calendar
        period = cal.current(m.grain, self.p.metrics.now or datetime.now(UTC))
        for candidate in (period, cal.previous(period)):
            values, errors = self.p.metrics.compute_each([m.name], [candidate])
            if errors:
                return Plan(m, str(candidate), None, None, state, overwrite,
                            error=f"{m.name} cannot be computed: {errors[m.name]}")
            v = values[0] if values else None
            if v is not None and v.value is not None:
                target = v.target if m.asana.set_target else None
                return Plan(m, str(candidate), float(v.value),
                            None if target is None else float(target), state, overwrite)
        return Plan(m, str(period), None, None, state, overwrite)

    # -- sending (only Asana; no database) -----------------------------------------------------
    def token(self) -> Secret | None:
        return self.secrets.get("asana", "token", self.settings.token_env)

    def _where(self) -> str:
        env = self.settings.token_env
        return (f" as asana.token in {self.secrets.path}"
                + (f" or in the environment variable {env}" if env else ""))

    def client(self) -> GoalsClient:
        token = self.token()
        if token is None:
            raise AsanaError(f"no Asana token: set a personal access token or service account "
                             f"token{self._where()}")
        s = self.settings
        return GoalsClient(s.base_url, token, token_hint=self._where(), attempts=s.attempts,
                           max_wait=s.max_wait, timeout=s.timeout, sleep=self.sleep)

    def send(self, plans: list[Plan], *, dry_run: bool = False) -> list[Result]:
        """Push every plan that needs it; a token Asana refuses stops the rest (each says so)."""
        out: list[Result] = []
        client: GoalsClient | None = None
        stop: str | None = None
        try:
            for plan in plans:
                at = _utcnow()
                quiet = self._without_call(plan)
                if quiet is not None:
                    out.append(replace(quiet, started_at=at, finished_at=at))
                    continue
                if stop is None and client is None:
                    try:
                        client = self.client()
                    except AsanaError as exc:
                        stop = str(exc)
                if stop is not None or client is None:
                    out.append(Result(plan, "failed", stop or "no Asana client",
                                      started_at=at, finished_at=_utcnow()))
                    continue
                try:
                    result = self._push(client, plan, dry_run)
                except AsanaError as exc:
                    result = Result(plan, "failed", str(exc))
                    if exc.bad_token:
                        stop = str(exc)
                out.append(replace(result, started_at=at, finished_at=_utcnow()))
        finally:
            if client is not None:
                client.close()
        return out

    def _without_call(self, plan: Plan) -> Result | None:
        """The result when no call is needed (or none can help)."""
        if plan.error is not None:
            return Result(plan, "failed", plan.error)
        if plan.value is None:
            return Result(plan, "no_value", f"{plan.metric.title} has no value for "
                          f"{plan.period} or the period before it yet: nothing to push")
        if plan.unchanged:
            s = plan.state
            assert s is not None
            if s.outcome == "edited":
                return Result(plan, "unchanged", "still edited by hand in Asana (left alone); "
                              "Northstar's value has not changed since: no call")
            return Result(plan, "unchanged", "already pushed, and the value has not changed: "
                          "no call")
        return None

    def _push(self, client: GoalsClient, plan: Plan, dry_run: bool) -> Result:
        assert plan.value is not None
        m, s = plan.metric, plan.state
        goal = client.goal(plan.goal)
        if not goal.has_metric:
            return Result(plan, "failed", "the goal has no metric in Asana: open it, add a "
                          "number, percentage or currency metric, and the next push sets it",
                          goal)
        if goal.automatic:
            return Result(plan, "failed", f"Asana works this goal's progress out itself "
                          f"(progress source {goal.progress_source}): set it to manual in "
                          "Asana for Northstar to set it", goal)
        try:
            current = in_goal_unit(plan.value, m.unit, goal)
            target = (None if plan.target is None or not plan.set_target
                      else in_goal_unit(plan.target, m.unit, goal))
        except Mismatch as exc:
            return Result(plan, "failed", str(exc), goal)
        before = shown(goal.current, goal)
        hand = []
        if s is not None and s.pushed_value is not None and not same(goal.current,
                                                                     s.pushed_value, goal):
            hand.append(f"it shows {before}, Northstar last pushed {shown(s.pushed_value, goal)}")
        if (plan.set_target and s is not None and s.pushed_target is not None
                and not same(goal.target, s.pushed_target, goal)):
            hand.append(f"its target is {shown(goal.target, goal)}, Northstar last set "
                        f"{shown(s.pushed_target, goal)}")
        if hand and not plan.overwrite:
            when = f" on {s.pushed_at:%Y-%m-%d %H:%M} UTC" if s and s.pushed_at else ""
            return Result(plan, "edited", f"edited by hand in Asana: {'; '.join(hand)}{when}. "
                          "Left alone; `overwrite: true` under the metric file's asana: "
                          "replaces it", goal)
        new_target = target is not None and not same(goal.target, target, goal)
        if same(goal.current, current, goal) and not new_target:
            return Result(plan, "pushed", f"Asana already shows {shown(current, goal)}", goal,
                          pushed_value=goal.current,
                          pushed_target=goal.target if plan.set_target else None)
        change = f"{shown(current, goal)} (was {before})"
        if new_target:
            change += f", target {shown(target, goal)} (was {shown(goal.target, goal)})"
        if hand:
            change += f"; replaced a hand edit ({'; '.join(hand)}): overwrite is on"
        elif s is None or s.pushed_value is None:
            change += "; Northstar's first push to this goal"
        if dry_run:
            return Result(plan, "would_push", f"would set {change}", goal)
        if new_target:
            assert target is not None
            if goal.initial is not None and same(goal.initial, target, goal):
                return Result(plan, "failed", f"Asana refuses a target equal to the goal's "
                              f"start value ({shown(goal.initial, goal)}): change the start "
                              "value in Asana", goal)
            after = client.set_metric(goal, current, target)
        else:
            after = client.set_current(goal.gid, current)
        pushed = after.current if after.has_metric and after.current is not None else current
        pushed_target = None
        if plan.set_target:
            pushed_target = (after.target if after.has_metric and after.target is not None
                             else target if target is not None else goal.target)
        return Result(plan, "pushed", f"set {change}", goal, pushed_value=pushed,
                      pushed_target=pushed_target, wrote=True)

    # -- recording (the database) --------------------------------------------------------------
    def record(self, results: list[Result], author: str | None = None) -> None:
        """Each goal's row, and the run log entry of every push, skip and failure."""
        for r in results:
            if r.outcome in ("unchanged", "would_push"):
                continue
            p, s = r.plan, r.plan.state
            at = r.finished_at or _utcnow()
            pushed = r.outcome == "pushed"
            self.log.save(GoalState(
                goal=p.goal, metric=p.metric.name, period=p.period, wanted_value=p.value,
                wanted_target=p.target if p.set_target else None,
                pushed_value=r.pushed_value if pushed else (s.pushed_value if s else None),
                pushed_target=r.pushed_target if pushed else (s.pushed_target if s else None),
                pushed_at=at if r.wrote else (s.pushed_at if s else None),
                goal_value=r.goal.current if r.goal else (s.goal_value if s else None),
                goal_name=r.goal.name if r.goal else (s.goal_name if s else None),
                outcome=r.outcome, message=r.message, checked_at=at))
            if r.outcome == "no_value" or (pushed and not r.wrote and s is not None
                                           and s.outcome == "pushed"):
                continue  # nothing was pushed, nothing went wrong: not a log entry
            status = {"pushed": "ok", "edited": "skipped"}.get(r.outcome, "failed")
            summary = f"{p.metric.name} -> Asana goal {p.goal}"
            if r.goal is not None:
                summary += f" ({r.goal.name})"
            runlog.record(self.p, runlog.Entry(
                SOURCE, "push", p.period or "", r.started_at or at, at, status=status,
                error=None if status == "ok" else r.message[:2000], objects=1,
                read=1 if r.goal is not None else 0, appended=1 if r.wrote else 0,
                reason=f"{summary}: {r.message}"[:2000], author=author))

    # -- all of it -----------------------------------------------------------------------------
    def run(self, metrics: Iterable[str] | None = None, *, dry_run: bool = False,
            overwrite: Iterable[str] = (), author: str | None = None,
            lock: AbstractContextManager[Any] | None = None) -> list[Result]:
        """Plan (under `lock`), send (outside it), record (under it again; not in a dry run)."""
        guard = lock or nullcontext()
        with guard:
            plans = self.plan(metrics, overwrite)
        results = self.send(plans, dry_run=dry_run)
        if not dry_run:
            with guard:
                self.record(results, author)
        return results
