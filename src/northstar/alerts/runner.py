"""Alerts inside `northstar serve`: the rules evaluated on alerts.yml's `schedule`, deliveries
sent (and retried) from a thread of their own, the weekly digest at its time.

The server owns the database; every job takes the server's lock to read and to record, and
lets go of it while a message is on its way, so a slow SMTP server never holds up a page or
a collection. alerts.yml is read again by every job: an edit in the admin page applies at
once (`reload` moves the schedule and the digest's time)."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from northstar.alerts import deliver_in_background
from northstar.alerts.rules import ALERTS_FILE, AlertsFile, load_alerts
from northstar.errors import NorthstarError
from northstar.schedule import crontab_trigger

if TYPE_CHECKING:
    from collections.abc import Callable

    from northstar.alerts.service import Alerts
    from northstar.project import Project

__all__ = ["AlertRunner"]

log = logging.getLogger(__name__)


class AlertRunner:
    def __init__(self, project: Project, lock: threading.RLock) -> None:
        self.p = project
        self.lock = lock
        self.tz = project.settings.company.timezone
        self.scheduler = BackgroundScheduler(timezone=ZoneInfo(self.tz))
        self.scheduler.add_job(self.deliver, IntervalTrigger(minutes=1), id="alerts-deliver",
                               name="deliver alerts", coalesce=True, max_instances=1)
        self.reload()

    def _config(self) -> AlertsFile | None:
        if not (self.p.root / ALERTS_FILE).is_file():
            return None
        with self.lock:
            return load_alerts(self.p.root, set(self.p.catalog.metrics))

    def reload(self) -> None:
        """Schedule the evaluation and the digest as alerts.yml says now."""
        try:
            cfg = self._config()
        except NorthstarError as exc:  # the old schedule stands; the admin page shows why
            log.warning("alerts.yml: %s", exc)
            return
        for job in ("alerts-evaluate", "alerts-digest"):
            if self.scheduler.get_job(job) is not None:
                self.scheduler.remove_job(job)
        if cfg is None:
            return
        self.scheduler.add_job(self.evaluate, crontab_trigger(cfg.schedule, self.tz),
                               id="alerts-evaluate", name="evaluate alert rules",
                               coalesce=True, max_instances=1, misfire_grace_time=3600)
        if cfg.digest.enabled:
            self.scheduler.add_job(self.digest, crontab_trigger(cfg.digest.cron, self.tz),
                                   id="alerts-digest", name="weekly digest", coalesce=True,
                                   max_instances=1, misfire_grace_time=6 * 3600)

    def evaluate(self) -> None:
        from northstar.alerts.service import Alerts

        try:
            with self.lock:
                if self._config() is None:
                    return
                with Alerts(self.p) as alerts:
                    alerts.evaluate()
            self.wake()
        except Exception:  # logged; the next run tries again
            log.exception("evaluating the alert rules failed")

    def deliver(self) -> None:
        self._outside_the_lock(lambda alerts: alerts.deliver(self.lock), "delivering alerts")

    def digest(self) -> None:
        from northstar.alerts import digest

        self._outside_the_lock(lambda alerts: digest.send(alerts, lock=self.lock),
                               "sending the weekly digest")

    def _outside_the_lock(self, job: Callable[[Alerts], object], what: str) -> None:
        """Open the alerts under the project lock, then run `job` without holding it (a message
        in transit never blocks collection); a failure is logged and the next run tries again."""
        from northstar.alerts.service import Alerts

        try:
            with self.lock:
                if self._config() is None:
                    return
                alerts = Alerts(self.p)
            with alerts:
                job(alerts)
        except Exception:
            log.exception("%s failed", what)

    def wake(self) -> None:
        """Deliver now (after an evaluation raised something), not at the next minute."""
        job = self.scheduler.get_job("alerts-deliver")
        if job is not None and self.scheduler.running:
            job.modify(next_run_time=datetime.now(UTC))

    def next_digest(self) -> datetime | None:
        job = self.scheduler.get_job("alerts-digest")
        return None if job is None else job.next_run_time

    def start(self) -> None:
        self.scheduler.start()
        deliver_in_background(self.p, self.wake)

    def shutdown(self) -> None:
        deliver_in_background(self.p, None)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
