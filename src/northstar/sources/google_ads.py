"""Google Ads (API v26, REST), YouTube included: daily cost, impressions, clicks, conversions
and the video figures of every campaign of one customer account.

Auth: OAuth2 refresh-token grant at `https://oauth2.googleapis.com/token` (client id and secret
in the form body, as Google documents); the access token as a bearer token, renewed a minute
before it expires and once on a 401 (auth.py). Every call also carries the `developer-token`
header, and `login-customer-id` (the manager account, digits only) when access goes through a
manager account.

`POST /v26/customers/{customer}/googleAds:search` with a GAQL query over `campaign`, segmented
by `segments.date`, from the cursor to tomorrow (dates are in the account's time zone, which may
be ahead of UTC). Google answers a fixed 10,000 rows a page; the next page repeats the same query
with the answer's `nextPageToken`, absent on the last page. Rows are nested by resource and use
camelCase (`metrics.costMicros`); 64-bit numbers arrive as text. Cost is in micros of the
account's currency: divided by 1,000,000 exactly.

Conversions are credited to the day of the click and keep arriving for weeks, so every run
re-reads the 28 days before the newest day held (`ObjectSpec.lookback`): a changed day is a new
version of `<customer>:<campaign>:<day>`, never an edit. A first run starts at `start_date`, or
three years back.

Errors are Google RPC errors; the words that matter are in the `GoogleAdsFailure` detail
(`DEVELOPER_TOKEN_NOT_APPROVED`, `USER_PERMISSION_DENIED`, ...), shown with the message. A 429
(`RESOURCE_EXHAUSTED`) is retried after the `retryDelay` its quota detail names, or with our own
back-off."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pyarrow as pa

from northstar.errors import ConfigError
from northstar.ledger.store import utcnow
from northstar.sources.auth import OAuth2Refresh
from northstar.sources.base import MONEY, Connector, Lookup, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import cursor_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, day, quantity, text

S, N, D = pa.string(), pa.int64(), pa.date32()
RATE, CONV = pa.decimal128(12, 6), pa.decimal128(18, 2)
VERSION = "v26"
TOKEN_URL = "https://oauth2.googleapis.com/token"
LOOKBACK = timedelta(days=28)
HISTORY = timedelta(days=3 * 365)
_MICROS = Decimal(1_000_000)
_CENT = Decimal("0.01")

FIELDS = ("customer.id", "customer.currency_code", "campaign.id", "campaign.name",
          "campaign.status", "campaign.advertising_channel_type", "segments.date",
          "metrics.cost_micros", "metrics.impressions", "metrics.clicks", "metrics.conversions",
          "metrics.conversions_value", "metrics.video_trueview_views",
          "metrics.video_quartile_p25_rate", "metrics.video_quartile_p50_rate",
          "metrics.video_quartile_p75_rate", "metrics.video_quartile_p100_rate")
_STATS = TableSpec("gads_campaign_stats", (
    ("id", S), ("date", D), ("customer_id", S), ("campaign_id", S), ("campaign_name", S),
    ("campaign_status", S), ("channel_type", S), ("currency", S), ("cost", MONEY),
    ("cost_micros", N), ("impressions", N), ("clicks", N), ("conversions", CONV),
    ("conversions_value", MONEY), ("video_views", N), ("video_p25_rate", RATE),
    ("video_p50_rate", RATE), ("video_p75_rate", RATE), ("video_p100_rate", RATE),
))
_DELAY = re.compile(r"^(\d+(?:\.\d+)?)s$")


def digits(value: str | None, name: str, cfg: SourceConfig, *, required: bool) -> str | None:
    """A customer id as Google wants it: digits only (`123-456-7890` -> `1234567890`)."""
    raw = (value or "").replace("-", "").strip()
    if not raw and not required:
        return None
    if not raw.isdigit():
        shown = f"not {value!r}" if value else "and it is not set"
        raise ConfigError(f"source {cfg.name!r} needs its {name}: a Google Ads customer id "
                          f"(ten digits, dashes allowed), in sources.toml, {shown}")
    return raw


def retry_delay(status: int, headers: httpx.Headers, body: Any) -> float | None:
    """The `retryDelay` ("30s") a quota error's detail names, for a 429; else None."""
    if status != 429 or not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    for detail in body["error"].get("details") or []:
        for error in (detail.get("errors") or []) if isinstance(detail, dict) else []:
            quota = ((error.get("details") or {}).get("quotaErrorDetails") or {}
                     if isinstance(error, dict) else {})
            found = _DELAY.match(str(quota.get("retryDelay") or ""))
            if found:
                return float(found.group(1))
    return None


def _count(value: Any) -> int | None:
    """An int64 metric, which Google sends as text ("1234")."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise RecordError(f"{value!r} is not a count")
    try:
        return int(value)
    except ValueError:
        raise RecordError(f"{value!r} is not a count") from None


def _part(record: Record, name: str) -> dict[str, Any]:
    value = record.get(name) or {}
    if not isinstance(value, dict):
        raise RecordError(f"expected a `{name}` object, got {value!r}")
    return value


class GoogleAds(Connector):
    kind = "google_ads"
    default_base_url = "https://googleads.googleapis.com"
    objects = (ObjectSpec("campaign_stats", (_STATS,), lookback=LOOKBACK),)

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        super().__init__(cfg, client, lookup)
        customer = digits(cfg.customer_id, "customer_id", cfg, required=True)
        assert customer is not None
        self.customer = customer
        self.version = cfg.api_version or VERSION

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        digits(cfg.customer_id, "customer_id", cfg, required=True)
        manager = digits(cfg.login_customer_id, "login_customer_id", cfg, required=False)
        developer = store.require(cfg.name, "developer_token", cfg.developer_token_env)
        auth = OAuth2Refresh(
            store, cfg.name, cfg.token_url or TOKEN_URL,
            client_id=store.require(cfg.name, "client_id", cfg.client_id_env),
            client_secret=store.require(cfg.name, "client_secret", cfg.client_secret_env),
            refresh_env=cfg.refresh_token_env, timeout=cfg.retry.timeout, client_in_body=True)
        headers = {"Accept": "application/json", "developer-token": developer.reveal()}
        if manager:
            headers["login-customer-id"] = manager
        return ApiClient(cfg.name, (cfg.base_url or cls.default_base_url).rstrip("/"),
                         cfg.retry, auth=auth, headers=headers, transient=retry_delay)

    # -- fetching --------------------------------------------------------------------------
    def query(self, since: date, until: date) -> str:
        return (f"SELECT {', '.join(FIELDS)} FROM campaign WHERE segments.date BETWEEN "
                f"'{since.isoformat()}' AND '{until.isoformat()}'")

    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        today = utcnow().date()
        first = since.date() if since is not None else today - HISTORY
        body: dict[str, Any] = {"query": self.query(first, today + timedelta(days=1))}
        path = f"/{self.version}/customers/{self.customer}/googleAds:search"

        def page(token: str | None) -> tuple[list[Record], str | None]:
            answer = self.client.request("POST", path, json_body={
                **body, **({"pageToken": token} if token else {})})
            if not isinstance(answer, dict):
                raise SourceError(f"{self.cfg.name}: POST {path} answered "
                                  f"{type(answer).__name__}, not a page of results")
            results = answer.get("results", [])  # absent when nothing matched
            if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
                raise SourceError(f"{self.cfg.name}: POST {path} answered results that are "
                                  "not a list of rows")
            return results, text(answer.get("nextPageToken"))

        yield from cursor_pages(page)

    # -- mapping ---------------------------------------------------------------------------
    def modified(self, obj: str, record: Record) -> datetime | None:
        when = day(_part(record, "segments").get("date"))
        return datetime.combine(when, datetime.min.time()) if when else None

    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        campaign = record.get("campaign")
        try:
            yield _STATS.key, self._row(record)
        except RecordError as exc:
            cid = campaign.get("id") if isinstance(campaign, dict) else None
            raise RecordError(f"{obj} campaign {cid!r}: {exc}") from None

    def _row(self, r: Record) -> Row:
        customer, campaign = _part(r, "customer"), _part(r, "campaign")
        metrics, segments = _part(r, "metrics"), _part(r, "segments")
        cid, when = text(campaign.get("id")), day(segments.get("date"))
        if cid is None or when is None:
            raise RecordError("a row has no campaign.id or segments.date")
        micros = _count(metrics.get("costMicros"))
        return {
            "id": f"{self.customer}:{cid}:{when.isoformat()}", "date": when,
            "customer_id": text(customer.get("id")) or self.customer, "campaign_id": cid,
            "campaign_name": text(campaign.get("name")),
            "campaign_status": text(campaign.get("status")),
            "channel_type": text(campaign.get("advertisingChannelType")),
            "currency": text(customer.get("currencyCode")),
            "cost": None if micros is None else (Decimal(micros) / _MICROS).quantize(_CENT),
            "cost_micros": micros, "impressions": _count(metrics.get("impressions")),
            "clicks": _count(metrics.get("clicks")),
            "conversions": quantity(metrics.get("conversions"), 2),
            "conversions_value": quantity(metrics.get("conversionsValue"), 2),
            "video_views": _count(metrics.get("videoTrueviewViews")),
            "video_p25_rate": quantity(metrics.get("videoQuartileP25Rate"), 6),
            "video_p50_rate": quantity(metrics.get("videoQuartileP50Rate"), 6),
            "video_p75_rate": quantity(metrics.get("videoQuartileP75Rate"), 6),
            "video_p100_rate": quantity(metrics.get("videoQuartileP100Rate"), 6)}
