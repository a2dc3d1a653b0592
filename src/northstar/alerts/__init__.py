"""Alerts and the weekly digest: Northstar telling people, instead of waiting to be opened.

Rules live in the project's `alerts.yml` (docs/alerts.md); `Alerts` evaluates them and
delivers what they raise; `after_collection` is the one call the collection path makes."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["ALERTS_FILE", "after_collection", "deliver_in_background"]

ALERTS_FILE = "alerts.yml"
"""The rules' file, in the project folder (docs/alerts.md)."""

log = logging.getLogger(__name__)

_BACKGROUND: weakref.WeakKeyDictionary[Project, Callable[[], None]] = (
    weakref.WeakKeyDictionary())


def deliver_in_background(project: Project, wake: Callable[[], None] | None) -> None:
    """Say that a running server delivers this project's alerts (`wake` starts a delivery
    at once, in its own thread); None: deliver in line again."""
    if wake is None:
        _BACKGROUND.pop(project, None)
    else:
        _BACKGROUND[project] = wake


def after_collection(project: Project) -> None:
    """Evaluate the rules once new data is in. Never raises: a wrong alerts.yml or an SMTP
    server that is down is logged and shown in the app; the collection stands either way.

    Inside `northstar serve` the messages go out from the server's delivery thread, so the
    next collection never waits on them; elsewhere (the CLI) they are sent before returning."""
    if project.read_only or not (project.root / ALERTS_FILE).is_file():
        return
    from northstar.alerts.service import Alerts

    try:
        with Alerts(project) as alerts:
            alerts.evaluate()
            wake = _BACKGROUND.get(project)
            if wake is not None:
                wake()
            else:
                alerts.deliver()
    except Exception:  # the collection must stand whatever goes wrong here
        log.exception("alerts after the collection of %s failed", project.root)
