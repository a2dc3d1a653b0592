"""Fake Google Analytics Data API (`v1beta`) and Google's token endpoint, one GA4 property.

- `POST /token`: as the Google Ads fake (`GoogleOAuth`), scope `analytics.readonly`.
- `POST /v1beta/properties/<PROPERTY>:runReport`: needs a live bearer token (401
  UNAUTHENTICATED); another property is 403 PERMISSION_DENIED. The body: one `dateRanges`
  entry (`YYYY-MM-DD`, `today`, `yesterday` or `NdaysAgo`, in the property's time zone,
  America/Chicago; start after end is 400), `dimensions` and `metrics` by name (unknown names
  are 400), `orderBys` on dimensions, `limit` and `offset` as strings (limit 1..250,000; more is
  cut to 250,000, as GA4 does), `dimensionFilter` with an `inListFilter` on `eventName`,
  `keepEmptyRows`, `returnPropertyQuota`. The answer: `dimensionHeaders`, `metricHeaders` (with
  types), `rows` of `dimensionValues`/`metricValues` (every value text, dates `YYYYMMDD`),
  `rowCount`, `metadata` (`currencyCode`, `timeZone`, and `dataLossFromOtherRow` when the range
  touches a day in `other_row_days`), `propertyQuota` when asked, `kind`. An empty report has no
  `rows` and no `rowCount` (proto3 JSON leaves out what is empty).
- Data: `days` days up to the property's today, three sources (Google cpc, Facebook paid
  social, direct) and four events (`page_view`, `session_start`, `generate_lead` and
  `book_call`, the last two key events); no booked calls come direct, and Facebook's only on
  even days. `restate(day, source, event, count)` changes a count; `reset()` undoes it.
- The "429" fault is RESOURCE_EXHAUSTED ("Exhausted property tokens per hour ...")."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fakes.clock import FakeClock
from fakes.google_ads import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, GoogleOAuth
from fakes.server import Answer, FakeServer, Request

PROPERTY = "321654987"
ZONE = "America/Chicago"
ENV = {"NS_TEST_GA4_CLIENT_ID": CLIENT_ID, "NS_TEST_GA4_CLIENT_SECRET": CLIENT_SECRET,
       "NS_TEST_GA4_REFRESH": REFRESH_TOKEN}
SOURCES = [("google", "cpc", "brand"), ("facebook", "paid_social", "spring_webinar"),
           ("(direct)", "(none)", "(direct)")]
EVENTS = {"page_view": 120, "session_start": 80, "generate_lead": 6, "book_call": 2}
KEY_EVENTS = {"generate_lead", "book_call"}
KNOWN_DIMENSIONS = {"date", "sessionSource", "sessionMedium", "sessionCampaignName",
                    "eventName"}
KNOWN_METRICS = {"eventCount": "TYPE_INTEGER", "keyEvents": "TYPE_FLOAT"}
MAX_ROWS = 250_000
_AGO = re.compile(r"^(\d+)daysAgo$")


def today() -> date:
    """The property's today."""
    return datetime.now(ZoneInfo(ZONE)).date()


def sources_toml(name: str, days: int = 20) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), from `days - 1` days ago."""
    return f"""
[{name}]
kind = "ga4"
base_url = "{{url}}"
token_url = "{{url}}/token"
property_id = "{PROPERTY}"
client_id_env = "NS_TEST_GA4_CLIENT_ID"
client_secret_env = "NS_TEST_GA4_CLIENT_SECRET"
refresh_token_env = "NS_TEST_GA4_REFRESH"
start_date = "{(today() - timedelta(days=days - 1)).isoformat()}"
page_size = 25
"""


def count(source: int, event: str, offset: int) -> int | None:
    """How many `event`s came from source `source` on the fake's day `offset` (None: none)."""
    if event == "book_call" and (source == 2 or (source == 1 and offset % 2)):
        return None
    return EVENTS[event] * (source + 1) + offset


class GA4Fake(FakeServer, GoogleOAuth):
    scope = "https://www.googleapis.com/auth/analytics.readonly"

    def __init__(self, days: int = 20, clock: FakeClock | None = None,
                 token_life: float = 3599) -> None:
        super().__init__()
        self.clock = clock or FakeClock()
        self.token_life = token_life
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.first = today() - timedelta(days=days - 1)
        self.other_row_days: set[date] = set()
        self.original: dict[tuple[date, str, str, str, str], int] = {}
        for offset in range(days):
            when = self.first + timedelta(days=offset)
            for k, (source, medium, campaign) in enumerate(SOURCES):
                for event in EVENTS:
                    found = count(k, event, offset)
                    if found is not None:
                        self.original[(when, source, medium, campaign, event)] = found
        self.reset()

    def reset(self) -> None:
        self.counts = dict(self.original)

    def restate(self, when: date, source: str, event: str, value: int) -> None:
        key = next(k for k in self.counts if k[0] == when and k[1] == source and k[4] == event)
        self.counts[key] = value

    # -- vendor shapes ---------------------------------------------------------------------
    def _rpc(self, status: int, rpc: str, message: str) -> dict[str, Any]:
        return {"error": {"code": status, "message": message, "status": rpc}}

    def error_body(self, status: int, message: str) -> Any:
        return self._rpc(status, "INTERNAL", "Internal error encountered.")

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return 429, headers, self._rpc(
            429, "RESOURCE_EXHAUSTED", "Exhausted property tokens per hour for a project per "
            "property. These quota tokens will return in under an hour.")

    def route(self, req: Request) -> Answer:
        if req.path == "/token" and req.method == "POST":
            return self._token(req)
        if self.expired:
            self.expired = False
            self.tokens.clear()
        bearer = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.get(bearer, float("-inf")) <= self.clock.now:
            return 401, {}, self._rpc(401, "UNAUTHENTICATED", "Request had invalid "
                                      "authentication credentials. Expected OAuth 2 access "
                                      "token.")
        found = re.fullmatch(r"/v1beta/properties/(\d+):runReport", req.path)
        if req.method != "POST" or not found:
            return 404, {}, self._rpc(404, "NOT_FOUND", f"Not found: {req.path}")
        if found.group(1) != PROPERTY:
            return 403, {}, self._rpc(403, "PERMISSION_DENIED", "User does not have "
                                      "sufficient permissions for this property. To learn more "
                                      "about Property ID, see https://developers.google.com/"
                                      "analytics/devguides/reporting/data/v1/property-id.")
        try:
            return self._report(req.json())
        except ValueError as exc:
            return 400, {}, self._rpc(400, "INVALID_ARGUMENT", str(exc))

    def _day(self, value: Any) -> date:
        text = str(value)
        if text == "today":
            return today()
        if text == "yesterday":
            return today() - timedelta(days=1)
        ago = _AGO.match(text)
        if ago:
            return today() - timedelta(days=int(ago.group(1)))
        return date.fromisoformat(text)

    def _report(self, body: dict[str, Any]) -> Answer:
        ranges = body.get("dateRanges") or []
        if len(ranges) != 1:
            raise ValueError("this fake answers one date range")
        start, end = self._day(ranges[0]["startDate"]), self._day(ranges[0]["endDate"])
        if start > end:
            raise ValueError("Invalid dateRange: startDate must not be after endDate.")
        dims = [d["name"] for d in body.get("dimensions") or []]
        mets = [m["name"] for m in body.get("metrics") or []]
        unknown = [n for n in dims if n not in KNOWN_DIMENSIONS] + [
            n for n in mets if n not in KNOWN_METRICS]
        if unknown:
            raise ValueError(f"Field {unknown[0]} is not a valid dimension or metric. For a "
                             "list of valid dimensions and metrics, see https://developers."
                             "google.com/analytics/devguides/reporting/data/v1/api-schema")
        limit = min(int(body.get("limit") or 10_000), MAX_ROWS)
        offset = int(body.get("offset") or 0)
        if limit < 1 or offset < 0:
            raise ValueError("limit must be positive and offset not negative")
        wanted: set[str] | None = None
        flt = body.get("dimensionFilter")
        if flt:
            inner = flt["filter"]
            if inner["fieldName"] != "eventName":
                raise ValueError("this fake filters on eventName only")
            wanted = set(inner["inListFilter"]["values"])
        rows = []
        for (when, source, medium, campaign, event), value in self.counts.items():
            if start <= when <= end and (wanted is None or event in wanted):
                by_name = {"date": when.strftime("%Y%m%d"), "sessionSource": source,
                           "sessionMedium": medium, "sessionCampaignName": campaign,
                           "eventName": event}
                metric = {"eventCount": str(value),
                          "keyEvents": str(value if event in KEY_EVENTS else 0)}
                rows.append(([by_name[d] for d in dims], [metric[m] for m in mets]))
        order = [o["dimension"]["dimensionName"] for o in body.get("orderBys") or []]
        rows.sort(key=lambda r: tuple(r[0][dims.index(name)] for name in order))
        answer: dict[str, Any] = {
            "dimensionHeaders": [{"name": d} for d in dims],
            "metricHeaders": [{"name": m, "type": KNOWN_METRICS[m]} for m in mets],
            "metadata": {"currencyCode": "USD", "timeZone": ZONE},
            "kind": "analyticsData#runReport"}
        page = rows[offset:offset + limit]
        if page:
            answer["rows"] = [{"dimensionValues": [{"value": v} for v in d],
                               "metricValues": [{"value": v} for v in m]} for d, m in page]
        if rows:
            answer["rowCount"] = len(rows)
        if any(start <= d <= end for d in self.other_row_days):
            answer["metadata"]["dataLossFromOtherRow"] = True
        if body.get("returnPropertyQuota"):
            answer["propertyQuota"] = {"tokensPerDay": {"consumed": 1, "remaining": 199_990},
                                       "tokensPerHour": {"consumed": 1, "remaining": 39_990},
                                       "concurrentRequests": {"consumed": 0, "remaining": 10}}
        return 200, {}, answer
