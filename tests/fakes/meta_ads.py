"""Fake Meta Marketing API (Graph `v25.0`): one ad account and its campaign-level insights.

- Every call needs `Authorization: Bearer <TOKEN>` (or `access_token=`); else HTTP 400 with the
  Graph error `{"error": {"message", "type": "OAuthException", "code": 190, "error_subcode",
  "fbtrace_id"}}`. Another account is code 100 (subcode 33).
- `GET /v25.0/act_<ACCOUNT>?fields=name,currency,timezone_name`: the account (USD,
  America/Chicago).
- `GET /v25.0/act_<ACCOUNT>/insights?level=campaign&time_increment=1&time_range={"since",
  "until"}&fields=...&limit=&after=`: one row per campaign and day with data in the range (a
  campaign that did not deliver on a day has no row), ordered by day then campaign, only the
  fields asked for (with `date_start`, `date_stop`), every metric as text, actions as
  `[{action_type, value}]`. Paged by `limit` (default 25, at most 5,000) with an opaque
  `after` cursor; `paging.next` is absent on the last page. A range starting more than 37
  months back, or ending before it starts, is code 100.
- Days run from `days - 1` days before the account's today to today (today's figures are
  partial), in the account's time zone. `restate(campaign, day, **fields)` changes a day's
  figures, as Meta does for recent days; `reset()` undoes every restatement.
- Throttle ("429" fault): HTTP 400, code 17 subcode 2446079, `is_transient`, and with
  `retry_after` an `X-Business-Use-Case-Usage` header estimating that many minutes. A 500 is
  code 2 "unexpected error", `is_transient`."""

from __future__ import annotations

import base64
import json
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fakes.server import Answer, FakeServer, Request

TOKEN = "EAAB-fake-long-lived-token"
ACCOUNT = "1234567890"
ENV = {"NS_TEST_META_TOKEN": TOKEN}
ZONE = "America/Chicago"
VERSION = "v25.0"
CAMPAIGNS = [("23850001", "Webinar - Cold - Video", True),
             ("23850002", "VSL - Retargeting - Video", True),
             ("23850003", "Lead form - Lookalike", False)]


def today() -> date:
    """The account's today."""
    return datetime.now(ZoneInfo(ZONE)).date()


def sources_toml(name: str, days: int = 40) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), from `days - 1` days ago."""
    return f"""
[{name}]
kind = "meta_ads"
base_url = "{{url}}"
ad_account_id = "act_{ACCOUNT}"
token_env = "NS_TEST_META_TOKEN"
start_date = "{(today() - timedelta(days=days - 1)).isoformat()}"
page_size = 40
"""


def meta_number(cents: int) -> str:
    """An amount as Meta writes it: no trailing zeros ("120.5", "118")."""
    whole, rest = divmod(cents, 100)
    return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")


def figures(k: int, offset: int, video: bool) -> dict[str, Any] | None:
    """Campaign k's figures `offset` days after the first day (None: it did not deliver)."""
    if not video and offset % 7 == 3:
        return None
    row: dict[str, Any] = {
        "spend": meta_number(12_000 + 1_500 * k + 300 * offset + 25 * (offset % 4)),
        "impressions": str(4_000 + 100 * offset + 500 * k),
        "clicks": str(60 + offset + 5 * k), "inline_link_clicks": str(40 + offset),
        "actions": [{"action_type": "link_click", "value": str(40 + offset)},
                    {"action_type": "lead", "value": str(3 + offset % 5 + k)},
                    {"action_type": "onsite_conversion.lead_grouped",
                     "value": str(1 + offset % 5)}]}
    if video:
        plays = 2_000 + 20 * offset
        row["actions"].append({"action_type": "video_view", "value": str(plays // 2)})
        row["video_play_actions"] = [{"action_type": "video_view", "value": str(plays)}]
        for field, share in (("video_p25_watched_actions", 40), ("video_p50_watched_actions", 25),
                             ("video_p75_watched_actions", 15),
                             ("video_p95_watched_actions", 8),
                             ("video_p100_watched_actions", 6),
                             ("video_thruplay_watched_actions", 12)):
            row[field] = [{"action_type": "video_view", "value": str(plays * share // 100)}]
    return row


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str) -> int | None:
    try:
        text = base64.b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(text[7:]) if text.startswith("offset:") and text[7:].isdigit() else None


class MetaAdsFake(FakeServer):
    def __init__(self, days: int = 40) -> None:
        super().__init__()
        self.first = today() - timedelta(days=days - 1)
        self.rows: dict[tuple[str, date], dict[str, Any]] = {}
        for offset in range(days):
            when = self.first + timedelta(days=offset)
            for k, (cid, name, video) in enumerate(CAMPAIGNS):
                found = figures(k, offset, video)
                if found is not None:
                    self.rows[(cid, when)] = {"account_id": ACCOUNT, "campaign_id": cid,
                                              "campaign_name": name, **found}

        self.original = {key: dict(row) for key, row in self.rows.items()}

    def restate(self, campaign: str, when: date, **fields: Any) -> None:
        self.rows[(campaign, when)].update(fields)

    def reset(self) -> None:
        """Every day's figures as they were first reported."""
        self.rows = {key: dict(row) for key, row in self.original.items()}

    # -- vendor shapes ---------------------------------------------------------------------
    def _error(self, message: str, code: int, subcode: int | None = None,
               transient: bool | None = None) -> dict[str, Any]:
        err: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
        if subcode is not None:
            err["error_subcode"] = subcode
        if transient is not None:
            err["is_transient"] = transient
        err["fbtrace_id"] = "AbCdEfGhIjK"
        return {"error": err}

    def error_body(self, status: int, message: str) -> Any:
        return self._error("An unexpected error has occurred. Please retry your request later.",
                           2, transient=True)

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {}
        if retry_after is not None:
            usage = {ACCOUNT: [{"type": "ads_insights", "call_count": 100, "total_cputime": 12,
                                "total_time": 40,
                                "estimated_time_to_regain_access": int(retry_after)}]}
            headers["X-Business-Use-Case-Usage"] = json.dumps(usage)
        return 400, headers, self._error("(#17) User request limit reached", 17, 2446079, True)

    def route(self, req: Request) -> Answer:
        token = req.headers.get("authorization", "").removeprefix("Bearer ") or req.arg(
            "access_token")
        if token != TOKEN:
            return 400, {}, self._error("Error validating access token: Session has expired "
                                        "on Monday, 07-Dec-26 03:00:00 PST.", 190, 463)
        account = f"/{VERSION}/act_{ACCOUNT}"
        if req.method != "GET" or not req.path.startswith(f"/{VERSION}/act_"):
            return 400, {}, self._error(f"Unknown path components: {req.path}", 2500)
        if not req.path.startswith(account) or req.path not in (account, account + "/insights"):
            object_id = req.path.split("/")[2]
            return 400, {}, self._error(
                f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot "
                "be loaded due to missing permissions, or does not support this operation.",
                100, 33)
        if req.path == account:
            return 200, {}, {"id": f"act_{ACCOUNT}", "name": "Agency Ads", "currency": "USD",
                             "timezone_name": ZONE}
        return self._insights(req)

    def _insights(self, req: Request) -> Answer:
        if req.arg("level") != "campaign" or req.arg("time_increment") != "1":
            return 400, {}, self._error("(#100) this fake answers level=campaign with "
                                        "time_increment=1 only", 100)
        try:
            window = json.loads(req.arg("time_range") or "")
            since = date.fromisoformat(window["since"])
            until = date.fromisoformat(window["until"])
            limit = int(req.arg("limit") or 25)
        except (ValueError, KeyError, TypeError):
            return 400, {}, self._error("(#100) Param time_range must be a JSON object with "
                                        "since and until", 100)
        oldest = today().replace(day=1) - timedelta(days=36 * 31)
        if since > until or since < oldest or not 1 <= limit <= 5000:
            return 400, {}, self._error("(#100) Invalid time_range or limit", 100, 1487534)
        wanted = set((req.arg("fields") or "").split(",")) | {"date_start", "date_stop"}
        rows = []
        for (_, when), row in sorted(self.rows.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if since <= when <= until:
                full = {**row, "date_start": when.isoformat(), "date_stop": when.isoformat()}
                rows.append({k: v for k, v in full.items() if k in wanted})
        start = 0
        if req.arg("after"):
            found = _offset(req.arg("after") or "")
            if found is None:
                return 400, {}, self._error("(#100) Invalid cursor", 100)
            start = found
        page = rows[start:start + limit]
        paging: dict[str, Any] = {"cursors": {"before": _cursor(start),
                                              "after": _cursor(start + len(page))}}
        if start + limit < len(rows):
            query = {k: v[0] for k, v in req.query.items()}
            query["after"] = _cursor(start + limit)
            paging["next"] = f"{self.url}{req.path}?{urlencode(query)}"
        return 200, {}, {"data": page, "paging": paging}
