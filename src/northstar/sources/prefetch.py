"""Reading ahead: pages are fetched in a worker thread while the caller maps earlier ones.

A page's HTTP round trip mostly waits on the network and the vendor, so on a machine with two
or more cores the wait hides behind the mapping of the pages before it. The caller maps a few
thousand records at a time, so the worker keeps up to `ahead` pages ready (default 4): with
one page it sat idle through every mapping (measured: about 40% of a backfill). Memory stays a
few pages larger than without it."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")
_END = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetched(pages: Iterator[T], name: str = "northstar-fetch", ahead: int = 4
               ) -> Iterator[T]:
    """Yield what `pages` yields, fetching up to `ahead` items before the caller asks.

    An error raised while fetching is raised here, at the page where it happened (the pages
    before it are yielded first). When the caller stops early (an error of its own), the
    fetch in flight is finished, `pages` is closed in the worker and the worker has ended
    before this returns, so no request outlives the run."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def put(item: object) -> bool:
        """Hand `item` over unless the caller stopped; False once it has."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_END)
        except BaseException as exc:  # handed to the caller, raised there
            put(_Failed(exc))
        finally:
            close = getattr(pages, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item = ready.get()
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()
