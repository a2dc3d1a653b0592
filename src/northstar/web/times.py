"""Timestamps for people. Every time is stored as naive UTC; a page shows it as wall-clock time
in the company's timezone (`[company] timezone`, the one its periods are cut in), in the
server's rendering, so what a page says does not depend on the browser that reads it. The
label next to it names the timezone; the tooltip and the `datetime` attribute carry the UTC
instant."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup


def _utc(at: datetime) -> datetime:
    """An aware UTC datetime (a naive one is UTC, as stored)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def utc_iso(at: datetime) -> str:
    """`2026-01-15T15:00:00Z`."""
    return _utc(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def wall_clock(at: datetime, tz: ZoneInfo) -> str:
    """What a clock on the wall in `tz` showed at that instant: `2026-01-15 10:00`."""
    return _utc(at).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def time_tag(at: datetime | None, tz: ZoneInfo) -> Markup:
    """`<time>` showing the wall-clock time in `tz`, the UTC instant in its tooltip; empty for
    None."""
    if at is None:
        return Markup("")
    iso = utc_iso(at)
    return Markup('<time datetime="{0}" title="{0}">{1}</time>').format(iso, wall_clock(at, tz))
