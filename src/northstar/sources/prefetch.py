"""Reading ahead: the next page is fetched in a worker thread while the current one is mapped.

A page's HTTP round trip mostly waits on the network and the vendor, so on a machine with two
or more cores the wait hides behind the mapping of the page before it. One page is read ahead,
no more, so memory stays one page larger than without it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["prefetched"]

T = TypeVar("T")
_END = object()


def prefetched(pages: Iterator[T], name: str = "northstar-fetch") -> Iterator[T]:
    """Yield what `pages` yields, fetching each next item while the caller works on the last.

    An error raised while fetching is raised here, at the page where it happened. When the
    caller stops early (an error of its own), the fetch in flight is finished and `pages` is
    closed before this returns, so no request outlives the run."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=name) as pool:
        ahead: Future[object] = pool.submit(next, pages, _END)
        try:
            while True:
                page = ahead.result()
                if page is _END:
                    return
                ahead = pool.submit(next, pages, _END)
                yield page  # type: ignore[misc]
        finally:
            ahead.cancel()
            # A request in flight finishes before the pages are closed; its error, if any,
            # gives way to the caller's own.
            with contextlib.suppress(BaseException):
                ahead.result()
            close = getattr(pages, "close", None)
            if close is not None:
                close()
