"""Google Analytics 4 (Data API v1beta, `runReport`): the universal event log, counted per
day, session source, medium and campaign, and event (page views, opt-ins, booked calls, ...).

Auth: OAuth2 refresh-token grant at `https://oauth2.googleapis.com/token` (client id and secret
in the form body), scope `analytics.readonly`; the access token as a bearer token (auth.py).

`POST /v1beta/properties/{property}:runReport` with dimensions `date`, `sessionSource`,
`sessionMedium`, `sessionCampaignName`, `eventName` and metrics `eventCount`, `keyEvents`, one
window of at most 30 days at a time (the last one ends `today`, the property's today), ordered
by every dimension so that paging is stable. Paged with `limit` (up to 250,000 rows; 100,000
by default) and `offset` until `rowCount` rows are read; an empty report has neither `rows` nor
`rowCount`. Values arrive as text, dates as `YYYYMMDD` in the property's time zone. `events` in
sources.toml keeps only the events named (a `dimensionFilter` on `eventName`).

GA4 keeps processing a day for up to two days and its export fills a day for up to three, so
every run re-reads the 3 days before the newest day held (`ObjectSpec.lookback`); a changed
count is a new version of `<date>|<source>|<medium>|<campaign>|<event>`. When a report is too
fine for GA4 it folds rows into `(other)` and says so (`metadata.dataLossFromOtherRow`): each row
of such a report carries `other_row_loss` true.

Quotas are per property (standard: 200,000 tokens a day, 40,000 an hour, 10 concurrent
requests); a 429 `RESOURCE_EXHAUSTED` is retried with our own back-off until the retry budget
runs out, then the run fails with Google's words."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa

from northstar.errors import ConfigError
from northstar.ledger.store import utcnow
from northstar.sources.auth import OAuth2Refresh
from northstar.sources.base import Connector, Lookup, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import offset_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, boolean, quantity, text

S, N, D = pa.string(), pa.int64(), pa.date32()
TOKEN_URL = "https://oauth2.googleapis.com/token"
LOOKBACK = timedelta(days=3)
WINDOW = timedelta(days=30)
HISTORY = timedelta(days=2 * 365)
MAX_PAGE = 250_000
DEFAULT_PAGE = 100_000
DIMENSIONS = ("date", "sessionSource", "sessionMedium", "sessionCampaignName", "eventName")
METRICS = ("eventCount", "keyEvents")

_EVENTS = TableSpec("ga4_events", (
    ("id", S), ("date", D), ("source", S), ("medium", S), ("campaign", S), ("event_name", S),
    ("event_count", N), ("key_events", pa.decimal128(18, 2)), ("other_row_loss", pa.bool_()),
    ("utm_source", S), ("utm_medium", S), ("utm_campaign", S),
))


def property_of(cfg: SourceConfig) -> str:
    """The property's number (`property_id`, `properties/` optional)."""
    raw = (cfg.property_id or "").strip().removeprefix("properties/")
    if not raw.isdigit():
        shown = f"not {cfg.property_id!r}" if cfg.property_id else "and it is not set"
        raise ConfigError(f"source {cfg.name!r} needs its property_id: the GA4 property's "
                          f"number (Admin > Property details), in sources.toml, {shown}")
    return raw


def _ga_date(value: Any) -> date:
    raw = text(value) or ""
    try:
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8])) if len(raw) == 8 else \
            date.fromisoformat(raw)
    except ValueError:
        raise RecordError(f"{value!r} is not a GA4 date (YYYYMMDD)") from None


def _count(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise RecordError(f"{value!r} is not a count") from None


def _values(record: Record, key: str, size: int) -> list[Any]:
    values = record.get(key)
    if not isinstance(values, list) or len(values) != size or not all(
            isinstance(v, dict) for v in values):
        raise RecordError(f"a row's {key} is not {size} values")
    return [v.get("value") for v in values]


class GA4(Connector):
    kind = "ga4"
    default_base_url = "https://analyticsdata.googleapis.com"
    objects = (ObjectSpec("events", (_EVENTS,), lookback=LOOKBACK),)

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        super().__init__(cfg, client, lookup)
        self.property = property_of(cfg)

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        property_of(cfg)
        auth = OAuth2Refresh(
            store, cfg.name, cfg.token_url or TOKEN_URL,
            client_id=store.require(cfg.name, "client_id", cfg.client_id_env),
            client_secret=store.require(cfg.name, "client_secret", cfg.client_secret_env),
            refresh_env=cfg.refresh_token_env, timeout=cfg.retry.timeout, client_in_body=True)
        return ApiClient(cfg.name, (cfg.base_url or cls.default_base_url).rstrip("/"),
                         cfg.retry, auth=auth, headers={"Accept": "application/json"})

    # -- fetching --------------------------------------------------------------------------
    def request(self, start: str, end: str) -> dict[str, Any]:
        """The runReport body for one window (without `offset`)."""
        body: dict[str, Any] = {
            "dateRanges": [{"startDate": start, "endDate": end}],
            "dimensions": [{"name": d} for d in DIMENSIONS],
            "metrics": [{"name": m} for m in METRICS],
            "orderBys": [{"dimension": {"dimensionName": d}} for d in DIMENSIONS],
            "limit": str(self.page_size(MAX_PAGE) if self.cfg.page_size else DEFAULT_PAGE),
            "keepEmptyRows": False, "returnPropertyQuota": True}
        if self.cfg.events:
            body["dimensionFilter"] = {"filter": {"fieldName": "eventName", "inListFilter": {
                "values": list(self.cfg.events), "caseSensitive": True}}}
        return body

    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        yesterday = utcnow().date() - timedelta(days=1)
        first = min(since.date() if since is not None else yesterday - HISTORY, yesterday)
        low = first
        while low <= yesterday:
            high = min(low + WINDOW - timedelta(days=1), yesterday)
            # the last window ends `today` in the property's time zone, whichever day that is
            end = "today" if high == yesterday else high.isoformat()
            yield from self._report(self.request(low.isoformat(), end))
            low = high + timedelta(days=1)

    def _report(self, body: dict[str, Any]) -> Iterator[list[Record]]:
        path = f"/v1beta/properties/{self.property}:runReport"
        size = int(body["limit"])
        total: int | None = None

        def page(offset: int, limit: int) -> list[Record]:
            nonlocal total
            if total is not None and offset >= total:
                return []
            answer = self.client.request("POST", path, json_body={
                **body, **({"offset": str(offset)} if offset else {})})
            if not isinstance(answer, dict):
                raise SourceError(f"{self.cfg.name}: POST {path} answered "
                                  f"{type(answer).__name__}, not a report")
            self._check_headers(path, answer)
            rows = answer.get("rows", [])  # absent when the report is empty
            count = answer.get("rowCount", 0)
            if not isinstance(rows, list) or isinstance(count, bool) or not isinstance(
                    count, int):
                raise SourceError(f"{self.cfg.name}: POST {path} answered rows or a rowCount "
                                  "that are not a report's")
            total = count
            meta = answer.get("metadata") or {}
            loss = boolean(meta.get("dataLossFromOtherRow")) or False
            found = [{**r, "_other_row_loss": loss} if isinstance(r, dict) else r
                     for r in rows]
            if len(found) < limit and offset + len(found) < count:
                # GA4 sent fewer than asked although more remain: ask for the rest
                return [*found, *page(offset + len(found), limit - len(found))]
            return found

        for rows in offset_pages(page, size=size):
            if rows:
                yield rows

    def _check_headers(self, path: str, answer: dict[str, Any]) -> None:
        if "rows" not in answer:
            return
        dims = [h.get("name") for h in answer.get("dimensionHeaders") or []
                if isinstance(h, dict)]
        mets = [h.get("name") for h in answer.get("metricHeaders") or [] if isinstance(h, dict)]
        if dims != list(DIMENSIONS) or mets != list(METRICS):
            raise SourceError(f"{self.cfg.name}: POST {path} answered columns {dims + mets}, "
                              f"not the {list(DIMENSIONS + METRICS)} asked for")

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        values = record.get("dimensionValues")
        if not isinstance(values, list) or not values or not isinstance(values[0], dict):
            return None
        return datetime.combine(_ga_date(values[0].get("value")), datetime.min.time())

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        if not isinstance(record, dict):
            raise RecordError(f"events: a report row is a {type(record).__name__}")
        try:
            when, source, medium, campaign, event = _values(record, "dimensionValues",
                                                            len(DIMENSIONS))
            count, keys = _values(record, "metricValues", len(METRICS))
            day = _ga_date(when)
            names = [text(v) for v in (source, medium, campaign, event)]
            yield _EVENTS.key, {
                "id": "|".join([day.isoformat(), *(n or "" for n in names)]), "date": day,
                "source": names[0], "medium": names[1], "campaign": names[2],
                "event_name": names[3], "event_count": _count(count),
                "key_events": quantity(keys, 2),
                "other_row_loss": record.get("_other_row_loss") is True,
                "utm_source": names[0], "utm_medium": names[1], "utm_campaign": names[2]}
        except RecordError as exc:
            raise RecordError(f"events: {exc}") from None
