"""The three ways vendors page a list: an opaque cursor, an offset, a page number.

Each helper takes a function that fetches one page and yields pages until the vendor says
there are no more. Connectors keep only the vendor-specific part (where the cursor lives)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from northstar.sources.http import SourceError

Records = list[dict[str, Any]]


def cursor_pages(fetch: Callable[[str | None], tuple[Records, str | None]]) -> Iterator[Records]:
    """`fetch(cursor)` returns (records, next cursor or None on the last page)."""
    cursor: str | None = None
    seen: set[str] = set()
    while True:
        records, cursor = fetch(cursor)
        yield records
        if not cursor:
            return
        if cursor in seen:  # a vendor handing back a cursor twice would loop forever
            raise SourceError(f"the API returned page cursor {cursor!r} twice")
        seen.add(cursor)


def offset_pages(fetch: Callable[[int, int], Records], *, size: int, start: int = 0
                 ) -> Iterator[Records]:
    """`fetch(offset, size)`; a page shorter than `size` is the last one."""
    offset = start
    while True:
        records = fetch(offset, size)
        yield records
        if len(records) < size:
            return
        offset += size


def numbered_pages(fetch: Callable[[int], tuple[Records, bool]], *, first: int = 1
                   ) -> Iterator[Records]:
    """`fetch(page)` returns (records, has more); pages count from `first`."""
    page = first
    while True:
        records, more = fetch(page)
        yield records
        if not more or not records:
            return
        page += 1
