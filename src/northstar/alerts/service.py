"""`Alerts`: evaluate the rules of alerts.yml, and deliver what they raised.

Evaluating compares what each rule sees now with what it saw last time: a subject whose state
changed into an alarming one raises one alert (a rerun with nothing changed raises nothing);
within the rule's quiet period after an alert, a further change is logged as held back, not
sent. Each alert gets one delivery per recipient, sent by `deliver`: a transient failure is
retried at once a few times with backoff (tenacity), then again on later runs, 5 minutes
later, then twice as long each time, until `retries` runs have failed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt
from tenacity import wait_exponential as _exponential

from northstar.alerts import message as render
from northstar.alerts.channels import DeliveryError, Email, Senders
from northstar.alerts.message import Message
from northstar.alerts.observe import Observation, Snapshot, observe
from northstar.alerts.rules import ALERTS_FILE, AlertsFile, Rule, load_alerts
from northstar.alerts.store import AlertLog, Delivery
from northstar.errors import ConfigError

if TYPE_CHECKING:
    import httpx

    from northstar.project import Project

__all__ = ["Alerts", "Sent"]

log = logging.getLogger(__name__)

TRIES = 3
"""Tries of one delivery within a run (the first and two retries)."""
FIRST_WAIT = timedelta(minutes=5)
LONGEST_WAIT = timedelta(hours=6)


@dataclass(frozen=True)
class Sent:
    """How one delivery went in a run."""

    delivery: Delivery
    ok: bool
    error: str | None = None
    next_at: datetime | None = None


def _wait(state: RetryCallState) -> float:
    """Wait what the server asked (Retry-After, at most a minute), else 1 s, 2 s, 4 s..."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, DeliveryError) and exc.retry_after is not None:
        return min(max(exc.retry_after, 0.0), 60.0)
    return float(_exponential(multiplier=1, max=30)(state))


class Alerts:
    """The alerts of one open project. `clock` gives the time (aware); by default the metric
    layer's clock (`project.metrics.now`) or the real one, so a test moves both at once."""

    def __init__(self, project: Project, cfg: AlertsFile | None = None, *,
                 clock: Callable[[], datetime] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 environ: dict[str, str] | None = None,
                 client: httpx.Client | None = None) -> None:
        self.p = project
        found = cfg or load_alerts(project.root, set(project.catalog.metrics))
        if found is None:
            raise ConfigError(f"no {ALERTS_FILE} in {project.root}: docs/alerts.md says what "
                              "to write")
        self.cfg = found
        self.clock = clock or (lambda: project.metrics.now or datetime.now(UTC))
        self.sleep = sleep
        self.log = AlertLog(project.engine)
        self.senders = Senders(project.root, found.email, found.channels, environ=environ,
                               client=client)

    def close(self) -> None:
        self.senders.close()

    def __enter__(self) -> Alerts:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def now(self) -> datetime:
        """Naive UTC, the way the tables keep time."""
        now = self.clock()
        return (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(UTC).replace(
            tzinfo=None)

    # -- evaluating ----------------------------------------------------------------------------
    def evaluate(self) -> list[int]:
        """Run every rule once; returns the ids of the alerts raised (sent or held back)."""
        at = self.now()
        snap = Snapshot(self.p, self.cfg, at.replace(tzinfo=UTC))
        seen = {rule.name: observe(snap, rule) for rule in self.cfg.rules}  # reads first
        raised: list[int] = []
        with self.p.engine.transaction():  # then every write at once: all of them, or none
            self.log.forget_rules_except([r.name for r in self.cfg.rules])
            for rule in self.cfg.rules:
                raised += self._judge(rule, seen[rule.name], at)
        return raised

    def _judge(self, rule: Rule, observed: list[Observation], at: datetime) -> list[int]:
        states = self.log.states(rule.name)
        first_run = not states
        raised = []
        for o in observed:
            previous, alerted_at = states.get(o.subject, (None, None))
            if previous == o.state:
                continue  # no change, no alert
            if o.alarming and not (first_run and o.subject.startswith("load:")):
                quiet = (alerted_at is not None
                         and at - alerted_at < self.cfg.quiet_of(rule))
                alert_id = self.log.add_alert(
                    rule=rule.name, kind=rule.when, subject=o.subject, state=o.state,
                    previous=previous, outcome="quiet" if quiet else "sent", metric=o.metric,
                    title=o.message.title, message=o.message.as_dict(), at=at)
                if not quiet:
                    self._address(alert_id, rule, o, at)
                    alerted_at = at
                raised.append(alert_id)
            self.log.save_state(rule.name, o.subject, o.state, at, alerted_at)
        observed_subjects = {o.subject for o in observed}
        for subject, (state, alerted_at) in states.items():
            if subject not in observed_subjects and state != "gone":  # it may come back
                self.log.save_state(rule.name, subject, "gone", at, alerted_at)
        if first_run and not observed:
            self.log.save_state(rule.name, "", "started", at, None)
        return raised

    def _address(self, alert_id: int, rule: Rule, o: Observation, at: datetime) -> None:
        done: set[tuple[str, str]] = set()
        for target in rule.notify:
            for recipient, channel, address, error in self.recipients(target, o.metric):
                if (channel, address) in done and error is None:
                    continue  # the owner who also leads the department gets one email
                done.add((channel, address))
                self.log.add_delivery(alert_id, recipient, channel, address, at, error=error)

    def recipients(self, target: str, metric: str | None
                   ) -> list[tuple[str, str, str, str | None]]:
        """(recipient, channel kind, address, why it cannot be reached) for one `notify`."""
        cat = self.p.catalog
        if target in ("owner", "lead"):
            assert metric is not None  # rules checks: people only for metric rules
            if target == "owner":
                owner = cat.owner_of(metric)
                people = [owner] if owner else []
                missing = f"{metric} has no owner in people.yml"
            else:
                department = cat.get(metric).department
                people = sorted((x for x in cat.people.values()
                                 if x.lead and x.department == department), key=lambda x: x.id)
                missing = (f"the {department} department has no lead (`lead: true` in "
                           "people.yml)")
            if not people:
                return [(target, "email", "", missing)]
            return [(x.id, "email", x.email or "",
                     None if x.email else f"{x.name} has no email in people.yml")
                    for x in people]
        ch = self.cfg.channels[target]
        if ch.kind == "email":
            return [(target, "email", ", ".join(ch.to), None)]
        return [(target, ch.kind, target, None)]

    # -- delivering ------------------------------------------------------------------------------
    def deliver(self, lock: AbstractContextManager[Any] | None = None) -> list[Sent]:
        """Send every delivery that is due. `lock` guards the database (the server's lock):
        it is held to read and to record, never while a message is on its way."""
        guard = lock or nullcontext()
        with guard:
            at = self.now()
            due = self.log.due(at)
            messages = {d.alert_id: self.log.message(d.alert_id) for d in due}
        out = []
        for d in due:
            try:
                self._send_retrying(d, messages[d.alert_id])
            except DeliveryError as exc:
                attempt = d.attempts + 1
                wait = min(FIRST_WAIT * 2 ** d.attempts, LONGEST_WAIT)
                next_at = (self.now() + wait if exc.transient and attempt <= self.cfg.retries
                           else None)
                with guard:
                    self.log.attempt_failed(d.id, str(exc), next_at)
                log.warning("alert delivery %s to %s failed: %s", d.id, d.address, exc)
                out.append(Sent(d, False, str(exc), next_at))
            else:
                with guard:
                    self.log.delivered(d.id, self.now())
                out.append(Sent(d, True))
        return out

    def _send_retrying(self, d: Delivery, data: dict[str, Any]) -> None:
        retrying = Retrying(
            stop=stop_after_attempt(TRIES), wait=_wait, sleep=self.sleep, reraise=True,
            retry=retry_if_exception(lambda e: isinstance(e, DeliveryError) and e.transient))
        retrying(self._send, d, data)

    def _send(self, d: Delivery, data: dict[str, Any]) -> None:
        if "digest_text" in data:  # a weekly digest: its own text and HTML
            self.senders.email(Email(_addresses(d.address), data["subject"],
                                     data["digest_text"], data["digest_html"]))
            return
        m = Message.from_dict(data)
        if d.channel == "email":
            self.senders.email(Email(_addresses(d.address), m.title, render.text(m),
                                     render.html(m)))
        else:
            self.senders.post(d.address,
                              lambda kind: render.slack(m) if kind == "slack"
                              else render.teams(m))

    def check(self) -> tuple[list[int], list[Sent]]:
        """Evaluate, then deliver: `northstar alerts check`."""
        return self.evaluate(), self.deliver()


def _addresses(text: str) -> list[str]:
    return [a.strip() for a in text.split(",") if a.strip()]
