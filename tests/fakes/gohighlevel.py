"""Fake GoHighLevel API v2 (services.leadconnectorhq.com), one location.

- Every call needs `Authorization: Bearer <TOKEN>` (else 401 `{"statusCode": 401, "message":
  "Invalid token: access token is invalid", "error": "Unauthorized"}`) and a `Version` header:
  `2021-04-15` on the calendar endpoints, `2021-07-28` elsewhere (missing or wrong: 400). A
  location other than `LOCATION` is 403.
- `GET /opportunities/pipelines?locationId=`: `{pipelines: [{id, name, stages: [{id, name,
  position}]}]}`.
- `GET /contacts/?locationId=&limit=(1..100, default 20)&startAfterId=&startAfter=`: contacts
  by `dateAdded` then id; `{contacts, meta: {total, nextPageUrl, startAfterId, startAfter,
  currentPage, nextPage, prevPage}}`, `startAfter` in epoch ms; the last page's `meta` has no
  `startAfterId` and no `nextPageUrl`.
- `GET /opportunities/search?location_id=&status=open|won|lost|abandoned|all&limit=(1..100,
  default 20)&page=N`: `{opportunities, meta: {total, currentPage, nextPage, prevPage,
  nextPageUrl, startAfterId, startAfter}, aggregations: {}}`; a page past the end is empty.
  `locationId` (camelCase) here is a 422 with `message` as a list, as GoHighLevel's validation.
- `GET /calendars/?locationId=`: `{calendars: [...]}`; `GET /calendars/events?locationId=
  &calendarId=&startTime=&endTime=` (epoch ms, both ends inclusive, on the appointment's
  start): `{events: [...]}`; no calendar, user or group id is a 422.
- Rate limit: at most `burst` calls in a window of `interval` seconds on the fake's clock
  (a window opens with its first call), and `daily` calls in all; past either, 429. Every
  answer carries `X-RateLimit-Limit-Daily`, `X-RateLimit-Daily-Remaining`,
  `X-RateLimit-Interval-Milliseconds`, `X-RateLimit-Max`, `X-RateLimit-Remaining`.
- Records change through `touch(kind, id, **fields)` (which moves `dateUpdated`/`updatedAt`),
  `remove(kind, id)` and `restore(kind, id)`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fakes.clock import FakeClock
from fakes.server import Answer, FakeServer, Request

TOKEN = "pit-11111111-2222-3333-4444-555555555555"
LOCATION = "ve9EPM428h8vShlRW1KT"
ENV = {"NS_TEST_GHL_TOKEN": TOKEN}
"""The environment the `sources_toml` source reads its token from."""
VERSION, CALENDARS_VERSION = "2021-07-28", "2021-04-15"
BASE = datetime(2024, 1, 1)
MAX_PAGE = 100
PIPELINES = [("pl-sales", "Strategy sessions", ["Booked", "Showed", "Offer made", "Won",
                                                "Lost"]),
             ("pl-triage", "Triage", ["New", "Qualified"])]
STATUSES = ("open", "won", "lost", "abandoned")
APPOINTMENT_STATUSES = ("confirmed", "showed", "noshow", "cancelled", "new")
SOURCES = [("facebook", "paid_social", "spring_webinar"), ("google", "cpc", "brand"),
           ("youtube", "video", "vsl_q1"), (None, None, None)]


def sources_toml(name: str) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), 3 records a page."""
    return f"""
[{name}]
kind = "gohighlevel"
base_url = "{{url}}"
location_id = "{LOCATION}"
token_env = "NS_TEST_GHL_TOKEN"
start_date = "2024-01-01"
page_size = 3
"""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def local(moment: datetime) -> str:
    """A UTC moment as GoHighLevel writes event times: in the calendar's zone (-06:00)."""
    return (moment - timedelta(hours=6)).strftime("%Y-%m-%dT%H:%M:%S-06:00")


class GoHighLevelFake(FakeServer):
    def __init__(self, contacts: int = 7, opportunities: int = 8, appointments: int = 6,
                 clock: FakeClock | None = None, burst: int = 100, interval: float = 10.0,
                 daily: int = 200_000) -> None:
        super().__init__()
        self.clock = clock or FakeClock()
        self.burst, self.interval, self.daily = burst, interval, daily
        self.window_start: float | None = None
        self.window_calls = 0
        self.calls = 0
        self.refused = 0
        """Calls answered 429 by the rate limit."""
        self.now = BASE + timedelta(days=90)
        self.pipelines = [
            {"id": pid, "name": name, "locationId": LOCATION,
             "stages": [{"id": f"{pid}-s{k}", "name": stage, "position": k}
                        for k, stage in enumerate(stages)],
             "showInFunnel": True, "showInPieChart": True}
            for pid, name, stages in PIPELINES]
        self.records: dict[str, dict[str, dict[str, Any]]] = {
            "contacts": {}, "opportunities": {}, "events": {}}
        self.gone: dict[str, dict[str, dict[str, Any]]] = {
            "contacts": {}, "opportunities": {}, "events": {}}
        for i in range(contacts):
            added = BASE + timedelta(days=i, hours=9)
            src, medium, campaign = SOURCES[i % len(SOURCES)]
            contact: dict[str, Any] = {
                "id": f"ct{i:03d}", "locationId": LOCATION, "firstName": f"Lead{i}",
                "lastName": "Example", "email": f"lead{i}@example.com",
                "phone": f"+1312555{i:04d}", "type": "lead",
                "source": "Webinar funnel" if i % 2 == 0 else "VSL funnel",
                "tags": ["opt-in"] + (["booked"] if i % 3 == 0 else []),
                "assignedTo": f"user{i % 2}", "dateAdded": iso(added),
                "dateUpdated": iso(added + timedelta(minutes=5)), "customFields": [],
                "dnd": False}
            if src is not None:
                contact["attributionSource"] = {
                    "sessionSource": "Paid Social" if src == "facebook" else "Paid Search",
                    "medium": "form", "campaign": campaign, "utmSource": src,
                    "utmMedium": medium, "utmContent": f"ad{i}", "utmTerm": None,
                    "url": f"https://funnel.example.com/optin?utm_source={src}",
                    "referrer": "https://www.facebook.com/" if src == "facebook" else None,
                    "fbclid": f"fb.{i}" if src == "facebook" else None,
                    "gclid": f"gc.{i}" if src == "google" else None}
                contact["lastAttributionSource"] = {
                    "sessionSource": "Direct traffic", "utmSource": None, "utmMedium": None,
                    "medium": "calendar"}
            self.records["contacts"][contact["id"]] = contact
        for i in range(opportunities):
            pid, _, stages = PIPELINES[i % 2]
            created = BASE + timedelta(days=i, hours=10)
            status = STATUSES[i % len(STATUSES)]
            self.records["opportunities"][f"op{i:03d}"] = {
                "id": f"op{i:03d}", "name": f"Lead{i % max(contacts, 1)} - coaching",
                "monetaryValue": 5000 + 250 * i + (0.5 if i % 3 == 0 else 0),
                "pipelineId": pid, "pipelineStageId": f"{pid}-s{i % len(stages)}",
                "assignedTo": f"user{i % 2}", "status": status, "source": "Webinar funnel",
                "lastStatusChangeAt": iso(created + timedelta(days=2)),
                "createdAt": iso(created), "updatedAt": iso(created + timedelta(days=2)),
                "contactId": f"ct{i % max(contacts, 1):03d}", "locationId": LOCATION,
                "customFields": [], "contact": {"id": f"ct{i % max(contacts, 1):03d}"}}
        self.calendars = [{"id": "cal-strategy", "name": "Strategy session",
                           "locationId": LOCATION, "isActive": True},
                          {"id": "cal-triage", "name": "Triage call", "locationId": LOCATION,
                           "isActive": True}]
        for i in range(appointments):
            start = BASE + timedelta(days=3 * i + 2, hours=15)
            self.records["events"][f"ev{i:03d}"] = {
                "id": f"ev{i:03d}", "title": f"Strategy session with Lead{i}",
                "calendarId": self.calendars[i % 2]["id"], "locationId": LOCATION,
                "contactId": f"ct{i % max(contacts, 1):03d}", "groupId": "grp1",
                "appointmentStatus": APPOINTMENT_STATUSES[i % len(APPOINTMENT_STATUSES)],
                "assignedUserId": f"user{i % 2}", "users": [f"user{i % 2}"],
                "notes": "", "startTime": local(start), "endTime": local(start +
                                                                        timedelta(minutes=45)),
                "dateAdded": iso(start - timedelta(days=2)),
                "dateUpdated": iso(start + timedelta(hours=1))}

    # -- changing the location -------------------------------------------------------------
    def touch(self, kind: str, rid: str, **fields: Any) -> None:
        self.now += timedelta(minutes=7)
        record = self.records[kind][rid]
        record.update(fields)
        record["updatedAt" if kind == "opportunities" else "dateUpdated"] = iso(self.now)

    def remove(self, kind: str, rid: str) -> None:
        self.gone[kind][rid] = self.records[kind].pop(rid)

    def restore(self, kind: str, rid: str) -> None:
        self.records[kind][rid] = self.gone[kind].pop(rid)

    # -- vendor shapes ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return {"statusCode": status, "message": message}

    def _limits(self) -> dict[str, str]:
        return {"X-RateLimit-Limit-Daily": str(self.daily),
                "X-RateLimit-Daily-Remaining": str(max(self.daily - self.calls, 0)),
                "X-RateLimit-Interval-Milliseconds": str(int(self.interval * 1000)),
                "X-RateLimit-Max": str(self.burst),
                "X-RateLimit-Remaining": str(max(self.burst - self.window_calls, 0))}

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {**self._limits(), "X-RateLimit-Remaining": "0"}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return 429, headers, {"statusCode": 429, "message": "Too Many Requests"}

    def route(self, req: Request) -> Answer:
        now = self.clock.now
        if self.window_start is None or now - self.window_start >= self.interval:
            self.window_start, self.window_calls = now, 0
        if self.window_calls >= self.burst or self.calls >= self.daily:
            self.refused += 1
            return self.throttle(None)
        self.window_calls += 1
        self.calls += 1
        status, body = self._answer(req)
        return status, self._limits(), body

    def _answer(self, req: Request) -> tuple[int, Any]:
        if req.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"statusCode": 401, "message": "Invalid token: access token is invalid",
                         "error": "Unauthorized"}
        calendars = req.path.startswith("/calendars/")
        wanted = CALENDARS_VERSION if calendars else VERSION
        if req.headers.get("version") != wanted:
            return 400, {"statusCode": 400, "message": f"Version header must be {wanted}"}
        if req.method != "GET":
            return 404, self.error_body(404, f"Cannot {req.method} {req.path}")
        if req.path == "/opportunities/search":
            if req.arg("locationId") is not None and req.arg("location_id") is None:
                return 422, {"statusCode": 422, "message": ["property locationId should not "
                                                            "exist", "location_id is required"],
                             "error": "Unprocessable Entity"}
            location = req.arg("location_id")
        else:
            location = req.arg("locationId")
        if location != LOCATION:
            return 403, {"statusCode": 403,
                         "message": "The token does not have access to this location"}
        try:
            limit = int(req.arg("limit") or 20)
        except ValueError:
            return 422, {"statusCode": 422, "message": ["limit must be an integer number"]}
        if not 1 <= limit <= MAX_PAGE:
            return 422, {"statusCode": 422, "message": [f"limit must not be greater than "
                                                        f"{MAX_PAGE}"]}
        if req.path == "/opportunities/pipelines":
            return 200, {"pipelines": self.pipelines}
        if req.path == "/contacts/":
            return 200, self._contacts(req, limit)
        if req.path == "/opportunities/search":
            return self._opportunities(req, limit)
        if req.path == "/calendars/":
            return 200, {"calendars": self.calendars}
        if req.path == "/calendars/events":
            return self._events(req)
        return 404, self.error_body(404, f"Cannot GET {req.path}")

    def _contacts(self, req: Request, limit: int) -> Any:
        ordered = sorted(self.records["contacts"].values(),
                         key=lambda c: (c["dateAdded"], c["id"]))
        after_id, after = req.arg("startAfterId"), req.arg("startAfter")
        if after_id:
            keys = [(ms(_parse(c["dateAdded"])), c["id"]) for c in ordered]
            mark = (int(after or 0), after_id)
            ordered = [c for c, k in zip(ordered, keys, strict=True) if k > mark]
        page, rest = ordered[:limit], ordered[limit:]
        meta: dict[str, Any] = {"total": len(self.records["contacts"]), "currentPage": None,
                                "nextPage": None, "prevPage": None, "nextPageUrl": None,
                                "startAfterId": None, "startAfter": None}
        if rest and page:
            last = page[-1]
            meta["startAfterId"] = last["id"]
            meta["startAfter"] = ms(_parse(last["dateAdded"]))
            meta["nextPageUrl"] = (f"{self.url}/contacts/?" + urlencode({
                "locationId": LOCATION, "limit": limit, "startAfterId": last["id"],
                "startAfter": meta["startAfter"]}))
        return {"contacts": page, "meta": meta}

    def _opportunities(self, req: Request, limit: int) -> tuple[int, Any]:
        status = req.arg("status") or "all"
        if status not in (*STATUSES, "all"):
            return 422, {"statusCode": 422, "message": ["status must be one of the following "
                                                        "values: open, won, lost, abandoned, "
                                                        "all"]}
        try:
            number = int(req.arg("page") or 1)
        except ValueError:
            return 422, {"statusCode": 422, "message": ["page must be an integer number"]}
        ordered = [o for _, o in sorted(self.records["opportunities"].items())
                   if status == "all" or o["status"] == status]
        page = ordered[(number - 1) * limit:number * limit]
        more = number * limit < len(ordered)
        meta = {"total": len(ordered), "currentPage": number,
                "nextPage": number + 1 if more else None,
                "prevPage": number - 1 if number > 1 else None,
                "nextPageUrl": (f"{self.url}/opportunities/search?" + urlencode({
                    "location_id": LOCATION, "limit": limit, "page": number + 1}))
                if more else None,
                "startAfterId": page[-1]["id"] if page else None,
                "startAfter": ms(_parse(page[-1]["createdAt"])) if page else None}
        return 200, {"opportunities": page, "meta": meta, "aggregations": {}}

    def _events(self, req: Request) -> tuple[int, Any]:
        calendar = req.arg("calendarId")
        if not (calendar or req.arg("userId") or req.arg("groupId")):
            return 422, {"statusCode": 422, "message": ["calendarId, userId or groupId is "
                                                        "required"]}
        try:
            low, high = int(req.arg("startTime") or ""), int(req.arg("endTime") or "")
        except ValueError:
            return 422, {"statusCode": 422, "message": ["startTime and endTime must be epoch "
                                                        "milliseconds"]}
        events = [e for _, e in sorted(self.records["events"].items())
                  if (calendar is None or e["calendarId"] == calendar)
                  and low <= ms(_parse(e["startTime"])) <= high]
        return 200, {"events": events}


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None)
