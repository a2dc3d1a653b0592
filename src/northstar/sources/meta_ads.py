"""Meta Ads (Marketing API, Ads Insights): campaign-level daily spend, impressions, clicks,
leads and the video figures behind hook and hold rates.

Auth: a long-lived (or system-user) access token with `ads_read`, sent as a bearer token.

Each run first reads the ad account (`GET /{version}/act_{id}?fields=name,currency,
timezone_name`): Meta buckets days in the account's time zone and states spend in its currency,
so "today" is the account's today and every row carries the currency. Then
`GET /{version}/act_{id}/insights?level=campaign&time_increment=1&time_range={"since","until"}`
with the fields below, one window of at most 30 days at a time, paged with
`after=<paging.cursors.after>` while the answer has `paging.next`. With `time_increment=1`
each row is one campaign-day (`date_start == date_stop`). Every metric arrives as text and is
parsed to a decimal or a whole number; action counts are read out of the `actions` list
(`lead`, `video_view` = 3-second plays) and the video lists.

Meta restates recent days (conversions and deduplication settle for days), so every run re-reads
the 28 days before the newest day it holds (`ObjectSpec.lookback`): an unchanged day adds
nothing, a restated day is appended as a new version of the same record (`<campaign>:<day>`),
never edited, and the base view reads the newest. The cursor is the newest day read. A first
run starts at `start_date`, or 37 months back (what Meta keeps).

Throttling: Meta answers a rate limit with HTTP 400 and an error code (4, 17, 32, 613, or 80000
to 80014 for the business-use-case limits), and marks other passing failures `is_transient`.
Those are retried after the wait the `X-Business-Use-Case-Usage` header estimates
(`estimated_time_to_regain_access`, minutes), or after a minute; 5xx answers like every source.
Any other error (an expired token is code 190) fails the run with Meta's message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import pyarrow as pa

from northstar.errors import ConfigError
from northstar.ledger.store import utcnow
from northstar.sources.auth import BearerAuth
from northstar.sources.base import MONEY, Connector, Lookup, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import cursor_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, day, money, text

S, N, D = pa.string(), pa.int64(), pa.date32()
VERSION = "v25.0"
LOOKBACK = timedelta(days=28)
"""Re-read this far back on every run: Meta restates recent days."""
WINDOW = timedelta(days=30)
"""One insights request covers at most this many days."""
KEPT_MONTHS = 37
"""Meta keeps insights this long: where a first run without `start_date` starts."""
MAX_PAGE = 500
THROTTLE_WAIT = 60.0
"""Seconds to wait after a throttle answer that estimates no wait of its own."""
TRANSIENT_WAIT = 5.0
"""Seconds to wait after another error Meta marks `is_transient`."""
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})

FIELDS = ("account_id", "campaign_id", "campaign_name", "date_start", "date_stop", "spend",
          "impressions", "clicks", "inline_link_clicks", "actions", "video_play_actions",
          "video_thruplay_watched_actions", "video_p25_watched_actions",
          "video_p50_watched_actions", "video_p75_watched_actions",
          "video_p95_watched_actions", "video_p100_watched_actions")
_INSIGHTS = TableSpec("meta_campaign_insights", (
    ("id", S), ("date", D), ("account_id", S), ("campaign_id", S), ("campaign_name", S),
    ("currency", S), ("spend", MONEY), ("impressions", N), ("clicks", N), ("link_clicks", N),
    ("leads", N), ("video_plays", N), ("video_3s_views", N), ("thruplays", N),
    ("video_p25", N), ("video_p50", N), ("video_p75", N), ("video_p95", N),
    ("video_p100", N),
))
_VIDEO = {"video_plays": "video_play_actions", "thruplays": "video_thruplay_watched_actions",
          "video_p25": "video_p25_watched_actions", "video_p50": "video_p50_watched_actions",
          "video_p75": "video_p75_watched_actions", "video_p95": "video_p95_watched_actions",
          "video_p100": "video_p100_watched_actions"}


def account_of(cfg: SourceConfig) -> str:
    """The ad account's digits (`ad_account_id`, with or without `act_`)."""
    raw = (cfg.ad_account_id or "").strip().removeprefix("act_")
    if not raw.isdigit():
        shown = f"not {cfg.ad_account_id!r}" if cfg.ad_account_id else "and it is not set"
        raise ConfigError(f"source {cfg.name!r} needs its ad_account_id: the Meta ad account "
                          f"id, `act_` and digits, in sources.toml, {shown}")
    return raw


def _count(value: Any) -> int | None:
    """A whole-number metric, which Meta sends as text ("361324")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RecordError(f"{value!r} is not a count")
    try:
        return int(value)
    except ValueError:
        raise RecordError(f"{value!r} is not a count") from None


def _action(value: Any, kind: str | None = None) -> int | None:
    """The count of one action type in an action list (`[{action_type, value}]`); None when
    the list or the type is absent. Without `kind`: every entry's sum (the video lists hold one
    `video_view` entry)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordError(f"expected a list of actions, got {value!r}")
    found: int | None = None
    for entry in value:
        if not isinstance(entry, dict):
            raise RecordError(f"expected an action, got {entry!r}")
        if kind is None or entry.get("action_type") == kind:
            count = _count(entry.get("value"))
            found = (found or 0) + (count or 0)
    return found


def throttled(status: int, headers: httpx.Headers, body: Any) -> float | None:
    """Seconds to wait before trying again when Meta's error says "later", else None."""
    err = body.get("error") if isinstance(body, dict) else None
    if status >= 500 or not isinstance(err, dict):
        return None  # a 5xx is retried with our own back-off
    if err.get("code") not in THROTTLE_CODES:
        return TRANSIENT_WAIT if err.get("is_transient") is True else None
    minutes = 0
    try:
        usage = json.loads(headers.get("X-Business-Use-Case-Usage") or "{}")
        for entries in usage.values():
            for entry in entries:
                minutes = max(minutes, int(entry.get("estimated_time_to_regain_access") or 0))
    except (ValueError, TypeError, AttributeError):
        minutes = 0
    return minutes * 60.0 if minutes else THROTTLE_WAIT


class MetaAds(Connector):
    kind = "meta_ads"
    default_base_url = "https://graph.facebook.com"
    objects = (ObjectSpec("campaign_insights", (_INSIGHTS,), lookback=LOOKBACK),)

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        super().__init__(cfg, client, lookup)
        self.account = account_of(cfg)
        self.version = cfg.api_version or VERSION
        self.currency: str | None = None

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        account_of(cfg)
        token = store.require(cfg.name, "token", cfg.token_env)
        return ApiClient(cfg.name, (cfg.base_url or cls.default_base_url).rstrip("/"),
                         cfg.retry, auth=BearerAuth(token),
                         headers={"Accept": "application/json"}, transient=throttled)

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        path = f"/{self.version}/act_{self.account}"
        info = self.client.request("GET", path, params={"fields": "name,currency,timezone_name"})
        if not isinstance(info, dict):
            raise SourceError(f"{self.cfg.name}: GET {path} answered {type(info).__name__}, "
                              "not the ad account")
        self.currency = text(info.get("currency"))
        today = utcnow().date()
        zone = text(info.get("timezone_name"))
        if zone:
            try:
                today = datetime.now(ZoneInfo(zone)).date()
            except (ZoneInfoNotFoundError, ValueError):
                raise SourceError(f"{self.cfg.name}: the ad account's time zone {zone!r} is "
                                  "not one Northstar knows") from None
        first = since.date() if since is not None else _months_back(today, KEPT_MONTHS)
        low = first
        while low <= today:
            high = min(low + WINDOW - timedelta(days=1), today)
            yield from self._window(path + "/insights", low, high)
            low = high + timedelta(days=1)

    def _window(self, path: str, since: date, until: date) -> Iterator[list[Record]]:
        params: dict[str, Any] = {
            "level": "campaign", "time_increment": 1, "fields": ",".join(FIELDS),
            "time_range": json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
            "limit": self.page_size(MAX_PAGE)}

        def page(after: str | None) -> tuple[list[Record], str | None]:
            body = self.client.request("GET", path, params={**params, **(
                {"after": after} if after else {})})
            if not isinstance(body, dict) or not isinstance(body.get("data"), list):
                raise SourceError(f"{self.cfg.name}: GET {path} answered "
                                  f"{type(body).__name__} without a `data` list")
            data: list[Record] = body["data"]
            for record in data:
                if not isinstance(record, dict):
                    raise RecordError(f"GET {path} listed a {type(record).__name__}, not a "
                                      "row")
            paging = body.get("paging")
            if not isinstance(paging, dict) or not paging.get("next") or not data:
                return data, None  # no `paging.next`: the last page
            cursors = paging.get("cursors")
            after = text(cursors.get("after")) if isinstance(cursors, dict) else None
            if after is None:
                raise SourceError(f"{self.cfg.name}: GET {path} named a next page but no "
                                  "`paging.cursors.after`")
            return data, after

        yield from cursor_pages(page)

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        when = day(record.get("date_start"))
        return datetime.combine(when, datetime.min.time()) if when else None

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        try:
            yield _INSIGHTS.key, self._row(record)
        except RecordError as exc:
            key = f"{record.get('campaign_id')}:{record.get('date_start')}"
            raise RecordError(f"{obj} {key}: {exc}") from None

    def _row(self, r: Record) -> Row:
        campaign, when = text(r.get("campaign_id")), day(r.get("date_start"))
        if campaign is None or when is None:
            raise RecordError("a row has no campaign_id or date_start")
        if day(r.get("date_stop")) != when:
            raise RecordError(f"the row spans {r.get('date_start')} to {r.get('date_stop')}, "
                              "not one day")
        row: Row = {
            "id": f"{campaign}:{when.isoformat()}", "date": when,
            "account_id": text(r.get("account_id")), "campaign_id": campaign,
            "campaign_name": text(r.get("campaign_name")), "currency": self.currency,
            "spend": money(r.get("spend")), "impressions": _count(r.get("impressions")),
            "clicks": _count(r.get("clicks")), "link_clicks": _count(r.get("inline_link_clicks")),
            "leads": _action(r.get("actions"), "lead"),
            "video_3s_views": _action(r.get("actions"), "video_view")}
        for column, field in _VIDEO.items():
            row[column] = _action(r.get(field))
        return row


def _months_back(today: date, months: int) -> date:
    """The first day of the month `months` before today's (what Meta still holds)."""
    index = today.year * 12 + today.month - 1 - months + 1
    return date(index // 12, index % 12 + 1, 1)
