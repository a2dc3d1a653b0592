"""Fake Google Ads API (REST `v26`) and Google's OAuth2 token endpoint, one customer under one
manager account.

- `POST /token`: the refresh-token grant with `client_id` and `client_secret` in the form body.
  A wrong client is 401 `invalid_client`, an unknown refresh token 400 `invalid_grant` ("Token
  has been expired or revoked."). Access tokens live `token_life` seconds on the fake's clock;
  the "expire" fault kills every token issued so far.
- `POST /v26/customers/<CUSTOMER>/googleAds:search`, body `{query, pageToken}`: needs
  `Authorization: Bearer <token>` (401 UNAUTHENTICATED), `developer-token` (403
  `DEVELOPER_TOKEN_INVALID`) and, since the customer is reached through the manager,
  `login-customer-id: <MANAGER>` (403 `USER_PERMISSION_DENIED`). `pageSize` is 400
  `PAGE_SIZE_NOT_SUPPORTED`. The query: `SELECT <fields> FROM campaign WHERE segments.date
  BETWEEN 'a' AND 'b'` (anything else is 400 `QUERY_ERROR`). Answers `page_rows` rows a page
  (Google: 10,000) ordered by day then campaign, each nested by resource in camelCase with
  int64 values as text, and `nextPageToken` until the last page; a token is good for the query
  it was issued with only (400 `INVALID_PAGE_TOKEN`). Google errors are RPC errors with a
  `GoogleAdsFailure` detail. The "429" fault is `RESOURCE_EXHAUSTED` with a quota detail whose
  `retryDelay` is the fault's `retry_after` (or no delay).
- Days run from `days - 1` days before today (UTC) to today. `restate(campaign, day, **metrics)`
  changes a day's metrics (conversions credited late); `reset()` undoes it."""

from __future__ import annotations

import base64
import re
import uuid
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fakes.clock import FakeClock
from fakes.server import Answer, FakeServer, Request

CLIENT_ID = "1234-fake.apps.googleusercontent.com"
CLIENT_SECRET = "GOCSPX-fake-secret"
REFRESH_TOKEN = "1//fake-refresh-token"
DEVELOPER_TOKEN = "fake-developer-token-22"
CUSTOMER, MANAGER = "1234567890", "9876543210"
ENV = {"NS_TEST_GADS_CLIENT_ID": CLIENT_ID, "NS_TEST_GADS_CLIENT_SECRET": CLIENT_SECRET,
       "NS_TEST_GADS_REFRESH": REFRESH_TOKEN, "NS_TEST_GADS_DEV": DEVELOPER_TOKEN}
VERSION = "v26"
CAMPAIGNS = [("111", "Brand - Search", "SEARCH"), ("222", "YouTube - VSL", "VIDEO"),
             ("333", "Performance Max - Webinar", "PERFORMANCE_MAX")]
KNOWN = {"customer.id", "customer.currency_code", "campaign.id", "campaign.name",
         "campaign.status", "campaign.advertising_channel_type", "segments.date",
         "metrics.cost_micros", "metrics.impressions", "metrics.clicks", "metrics.conversions",
         "metrics.conversions_value", "metrics.video_trueview_views",
         "metrics.video_quartile_p25_rate", "metrics.video_quartile_p50_rate",
         "metrics.video_quartile_p75_rate", "metrics.video_quartile_p100_rate"}
_QUERY = re.compile(r"^SELECT (?P<fields>[\w., ]+) FROM campaign WHERE segments\.date BETWEEN "
                    r"'(?P<since>\d{4}-\d{2}-\d{2})' AND '(?P<until>\d{4}-\d{2}-\d{2})'$")


def today() -> date:
    return datetime.now(UTC).date()


def sources_toml(name: str, days: int = 40) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), from `days - 1` days ago."""
    return f"""
[{name}]
kind = "google_ads"
base_url = "{{url}}"
token_url = "{{url}}/token"
customer_id = "123-456-7890"
login_customer_id = "987-654-3210"
client_id_env = "NS_TEST_GADS_CLIENT_ID"
client_secret_env = "NS_TEST_GADS_CLIENT_SECRET"
refresh_token_env = "NS_TEST_GADS_REFRESH"
developer_token_env = "NS_TEST_GADS_DEV"
start_date = "{(today() - timedelta(days=days - 1)).isoformat()}"
"""


def metrics(k: int, offset: int, channel: str) -> dict[str, Any]:
    """Campaign k's metrics `offset` days after the first day, as Google writes them."""
    found: dict[str, Any] = {
        "costMicros": str(45_000_000 + 2_500_000 * k + 1_230_000 * offset + 4_567 * (offset % 3)),
        "impressions": str(2_000 + 50 * offset + 300 * k), "clicks": str(80 + offset + k),
        "conversions": 2 + offset % 4 + (0.5 if offset % 2 else 0),
        "conversionsValue": 1_500 * (offset % 3)}
    if channel == "VIDEO":
        found.update(videoTrueviewViews=str(600 + 10 * offset), videoQuartileP25Rate=0.62,
                     videoQuartileP50Rate=0.41, videoQuartileP75Rate=0.27,
                     videoQuartileP100Rate=0.155)
    return found


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class GoogleOAuth:
    """Google's token endpoint (`POST /token`), for the Google fakes: the refresh-token grant
    with the client in the form body; tokens live `token_life` seconds on the fake's clock."""

    clock: FakeClock
    token_life: float
    tokens: dict[str, float]
    token_requests: int
    scope = "https://www.googleapis.com/auth/adwords"

    def _token(self, req: Request) -> Answer:
        self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != "refresh_token":
            return 400, {}, {"error": "unsupported_grant_type",
                             "error_description": "Invalid grant_type: "
                                                  f"{form.get('grant_type')}"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {}, {"error": "invalid_client", "error_description": "Unauthorized"}
        if form.get("refresh_token") != REFRESH_TOKEN:
            return 400, {}, {"error": "invalid_grant",
                             "error_description": "Token has been expired or revoked."}
        token = f"ya29.{uuid.uuid4().hex}"
        self.tokens[token] = self.clock.now + self.token_life
        return 200, {}, {"access_token": token, "expires_in": int(self.token_life),
                         "scope": self.scope,
                         "token_type": "Bearer"}


class GoogleAdsFake(FakeServer, GoogleOAuth):
    def __init__(self, days: int = 40, page_rows: int = 25, clock: FakeClock | None = None,
                 token_life: float = 3599) -> None:
        super().__init__()
        self.clock = clock or FakeClock()
        self.token_life = token_life
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.page_rows = page_rows
        self.first = today() - timedelta(days=days - 1)
        self.original: dict[tuple[str, date], dict[str, Any]] = {}
        for offset in range(days):
            for k, (cid, _, channel) in enumerate(CAMPAIGNS):
                self.original[(cid, self.first + timedelta(days=offset))] = metrics(
                    k, offset, channel)
        self.reset()

    def reset(self) -> None:
        self.rows = {key: dict(value) for key, value in self.original.items()}

    def restate(self, campaign: str, when: date, **fields: Any) -> None:
        self.rows[(campaign, when)].update(fields)

    # -- vendor shapes ---------------------------------------------------------------------
    def _failure(self, status: int, rpc: str, message: str, code: dict[str, str],
                 detail: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        error: dict[str, Any] = {"errorCode": code, "message": detail}
        if extra:
            error["details"] = extra
        return {"error": {"code": status, "message": message, "status": rpc, "details": [{
            "@type": f"type.googleapis.com/google.ads.googleads.{VERSION}.errors."
                     "GoogleAdsFailure", "errors": [error],
            "requestId": "fake-request-id"}]}}

    def error_body(self, status: int, message: str) -> Any:
        return {"error": {"code": status, "message": "Internal error encountered.",
                          "status": "INTERNAL"}}

    def throttle(self, retry_after: float | None) -> Answer:
        quota = {"rateScope": "DEVELOPER", "rateName": "Number of operations for basic access"}
        if retry_after is not None:
            quota["retryDelay"] = f"{retry_after:g}s"
        return 429, {}, self._failure(
            429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).",
            {"quotaError": "RESOURCE_EXHAUSTED"}, "Too many requests. Retry in 30 seconds.",
            {"quotaErrorDetails": quota})

    def route(self, req: Request) -> Answer:
        if req.path == "/token" and req.method == "POST":
            return self._token(req)
        if self.expired:
            self.expired = False
            self.tokens.clear()
        bearer = req.headers.get("authorization", "").removeprefix("Bearer ")
        if self.tokens.get(bearer, float("-inf")) <= self.clock.now:
            return 401, {}, {"error": {"code": 401, "message": "Request is missing required "
                                       "authentication credential. Expected OAuth 2 access "
                                       "token.", "status": "UNAUTHENTICATED"}}
        path = f"/{VERSION}/customers/{CUSTOMER}/googleAds:search"
        if req.method != "POST" or req.path != path:
            return 404, {}, {"error": {"code": 404, "message": f"Not found: {req.path}",
                                       "status": "NOT_FOUND"}}
        if req.headers.get("developer-token") != DEVELOPER_TOKEN:
            return 403, {}, self._failure(
                403, "PERMISSION_DENIED", "The caller does not have permission",
                {"authenticationError": "DEVELOPER_TOKEN_INVALID"},
                "The developer token is not valid.")
        if req.headers.get("login-customer-id") != MANAGER:
            return 403, {}, self._failure(
                403, "PERMISSION_DENIED", "The caller does not have permission",
                {"authorizationError": "USER_PERMISSION_DENIED"},
                "User doesn't have permission to access customer. Note: If you're accessing a "
                "client customer, the manager's customer id must be set in the "
                "'login-customer-id' header.")
        return self._search(req.json())

    def _bad(self, code: dict[str, str], detail: str) -> Answer:
        return 400, {}, self._failure(400, "INVALID_ARGUMENT", "Request contains an invalid "
                                      "argument.", code, detail)

    def _search(self, body: dict[str, Any]) -> Answer:
        if "pageSize" in body:
            return self._bad({"requestError": "PAGE_SIZE_NOT_SUPPORTED"},
                             "Setting the page size is not supported.")
        query = str(body.get("query") or "")
        found = _QUERY.match(query)
        fields = [f.strip() for f in found.group("fields").split(",")] if found else []
        if not found or not set(fields) <= KNOWN:
            return self._bad({"queryError": "UNRECOGNIZED_FIELD"}, f"Error in query: {query}")
        since, until = date.fromisoformat(found["since"]), date.fromisoformat(found["until"])
        start = 0
        if body.get("pageToken"):
            token = str(body["pageToken"])
            try:
                start_text, _, digest = base64.urlsafe_b64decode(token).decode().partition("|")
                start = int(start_text)
            except (ValueError, UnicodeDecodeError):
                digest = ""
            if digest != str(zlib.crc32(query.encode())):
                return self._bad({"requestError": "INVALID_PAGE_TOKEN"},
                                 "Page token is invalid.")
        keys = sorted((k for k in self.rows if since <= k[1] <= until),
                      key=lambda k: (k[1], k[0]))
        results = [self._result(cid, when, fields) for cid, when in keys]
        page = results[start:start + self.page_rows]
        answer: dict[str, Any] = {"fieldMask": ",".join(_camel(f) for f in fields),
                                  "requestId": uuid.uuid4().hex[:16]}
        if page:
            answer["results"] = page
        if start + self.page_rows < len(results):
            answer["nextPageToken"] = base64.urlsafe_b64encode(
                f"{start + self.page_rows}|{zlib.crc32(query.encode())}".encode()).decode()
        return 200, {}, answer

    def _result(self, cid: str, when: date, fields: list[str]) -> dict[str, Any]:
        name, channel = next((n, c) for i, n, c in CAMPAIGNS if i == cid)
        plain = {"customer.id": CUSTOMER, "customer.currency_code": "USD",
                 "campaign.id": cid, "campaign.name": name, "campaign.status": "ENABLED",
                 "campaign.advertising_channel_type": channel,
                 "segments.date": when.isoformat()}
        result: dict[str, Any] = {
            "customer": {"resourceName": f"customers/{CUSTOMER}"},
            "campaign": {"resourceName": f"customers/{CUSTOMER}/campaigns/{cid}"}}
        for field in fields:
            resource, attr = field.split(".")
            value = (self.rows[(cid, when)].get(_camel(attr)) if resource == "metrics"
                     else plain[field])
            if value is not None:
                result.setdefault(resource, {})[_camel(attr)] = value
        return result
