"""Goal pushes inside `northstar serve`: after each scheduled collection the push is started
in a thread of its own. It reads the metrics and records under the server's lock, and calls
Asana without holding it, so a throttling Asana never holds up a page or a collection."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from northstar.asana import push_in_background

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["AsanaRunner"]

log = logging.getLogger(__name__)


class AsanaRunner:
    def __init__(self, project: Project, lock: threading.RLock) -> None:
        self.p = project
        self.lock = lock
        self._wanted = threading.Event()
        self._stopping = False
        self._idle = threading.Event()
        self._idle.set()
        self.thread = threading.Thread(target=self._loop, name="asana-push", daemon=True)

    def wake(self) -> None:
        """Push soon (a push under way finishes first; wakes during it make one more)."""
        self._idle.clear()
        self._wanted.set()

    def push(self) -> None:
        from northstar.asana.push import GoalPush

        try:
            GoalPush(self.p).run(lock=self.lock)
        except Exception:  # logged; the next collection tries again
            log.exception("pushing goal values to Asana failed")

    def _loop(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            self._wanted.clear()
            self.push()
            if not self._wanted.is_set():
                self._idle.set()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no push is wanted or under way (for shutdown and tests)."""
        return self._idle.wait(timeout)

    def start(self) -> None:
        self.thread.start()
        push_in_background(self.p, self.wake)

    def shutdown(self) -> None:
        push_in_background(self.p, None)
        self._stopping = True
        self._wanted.set()
        if self.thread.is_alive():
            self.thread.join(timeout=60)
