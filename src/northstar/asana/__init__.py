"""Goal values pushed to Asana: each metric file may name a goal, whose current value (and
target, where asked) Northstar sets after every collection, never over a hand edit
(docs/asana.md).

`GoalPush` (push.py) does the work; `after_collection` is the one call the collection path
makes; inside `northstar serve` the push runs in a thread of its own (runner.py), so the next
collection never waits on Asana."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["after_collection", "push_in_background"]

log = logging.getLogger(__name__)

_BACKGROUND: weakref.WeakKeyDictionary[Project, Callable[[], None]] = (
    weakref.WeakKeyDictionary())


def push_in_background(project: Project, wake: Callable[[], None] | None) -> None:
    """Say that a running server pushes this project's goals (`wake` starts a push in its own
    thread); None: push in line again."""
    if wake is None:
        _BACKGROUND.pop(project, None)
    else:
        _BACKGROUND[project] = wake


def after_collection(project: Project) -> None:
    """Push every linked goal once new data is in. Never raises: a push that fails is logged
    (the collection run log, the app) and tried again after the next collection; the
    collection stands either way."""
    if project.read_only or not project.settings.asana.enabled:
        return
    try:
        from northstar.asana.push import GoalPush, linked

        if not linked(project):
            return
        wake = _BACKGROUND.get(project)
        if wake is not None:
            wake()
            return
        GoalPush(project).run()
    except Exception:  # the collection must stand whatever goes wrong here
        log.exception("pushing goal values to Asana after the collection of %s failed",
                      project.root)
