"""GoHighLevel (HighLevel API v2): pipelines and their stages, contacts with their source and
UTM attribution, opportunities, and calendar appointments with their show / no-show status.

Auth: a Private Integration Token (or an OAuth access token) as a bearer token, with the
`Version` header every call needs: `2021-07-28`, and `2021-04-15` for the calendar endpoints
(a wrong one is refused). Every call names the sub-account (`location_id` in sources.toml).

- Pipelines: `GET /opportunities/pipelines?locationId=` (all of them in one answer); one row
  per stage.
- Contacts: `GET /contacts/?locationId=&limit=100`, paged with the `startAfterId` and
  `startAfter` of the previous answer's `meta`, until a page is empty or `meta` names no next.
- Opportunities: `GET /opportunities/search?location_id=&status=all&limit=100&page=N` (this
  endpoint spells it `location_id`), until a page is empty or `meta.total` are read.
- Appointments: the location's calendars (`GET /calendars/?locationId=`), then each
  calendar's events (`GET /calendars/events?locationId=&calendarId=&startTime=&endTime=`, epoch
  milliseconds), in windows of 31 days from `start_date` (default two years back) to half a year
  ahead. The window filters on the appointment's start, not on when it was booked.

None of these can be filtered on a change time, so every run reads everything (the objects are
`incremental=False`) and the writer keeps only what changed: the comparison with the ledger is
the filter, on our side. A contact, opportunity or appointment the ledger holds as present that
the run's full list no longer holds gets a removal record (`removed_at` = when the run began
reading the list, its last known fields), as NinjaOne's devices do; for appointments only within
the window read. Listed again, it gets a version with `removed_at` NULL.

Rate limits: 100 requests per 10 seconds (burst) and 200,000 a day, per app and location.
Every answer says what is left (`X-RateLimit-Remaining`, `X-RateLimit-Interval-Milliseconds`,
`X-RateLimit-Daily-Remaining`): when the burst is spent the run waits the interval before its
next call, and a 429 is retried after its `Retry-After`, or after the 10-second interval. A day's
allowance spent fails the run with a clear error rather than waiting until tomorrow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa

from northstar.errors import ConfigError
from northstar.ledger.store import utcnow
from northstar.sources.auth import BearerAuth
from northstar.sources.base import (
    MONEY,
    TS,
    Connector,
    Lookup,
    ObjectSpec,
    Record,
    Row,
    TableSpec,
    rows_table,
)
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import cursor_pages, numbered_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, money, text, timestamp

S, N = pa.string(), pa.int64()
VERSION = "2021-07-28"
CALENDARS_VERSION = "2021-04-15"
"""The `Version` header: most endpoints, and the calendar endpoints."""
MAX_PAGE = 100
BURST_WINDOW = 10.0
"""Seconds of the burst limit (100 requests): the wait after a 429 that names none."""
WINDOW = timedelta(days=31)
"""Appointments are asked for one window of start times at a time."""
HISTORY = timedelta(days=730)
AHEAD = timedelta(days=183)
"""Appointments read: from `start_date` (or two years back) to half a year ahead."""

_STAGES = TableSpec("ghl_stages", (
    ("id", S), ("pipeline_id", S), ("pipeline_name", S), ("name", S), ("position", N),
))
_CONTACTS = TableSpec("ghl_contacts", (
    ("id", S), ("first_name", S), ("last_name", S), ("email", S), ("phone", S), ("type", S),
    ("source", S), ("tags", S), ("assigned_to", S), ("date_added", TS), ("updated_at", TS),
    ("session_source", S), ("attribution_medium", S), ("attribution_campaign", S),
    ("utm_content", S), ("utm_term", S), ("landing_url", S), ("referrer", S), ("gclid", S),
    ("fbclid", S), ("last_session_source", S), ("last_utm_source", S), ("last_utm_medium", S),
    ("last_utm_campaign", S), ("removed_at", TS), ("owner_id", S), ("utm_source", S),
    ("utm_medium", S), ("utm_campaign", S),
))
_OPPORTUNITIES = TableSpec("ghl_opportunities", (
    ("id", S), ("name", S), ("monetary_value", MONEY), ("pipeline_id", S), ("stage_id", S),
    ("status", S), ("source", S), ("contact_id", S), ("assigned_to", S),
    ("last_status_change_at", TS), ("created_at", TS), ("updated_at", TS), ("removed_at", TS),
    ("owner_id", S),
))
_APPOINTMENTS = TableSpec("ghl_appointments", (
    ("id", S), ("calendar_id", S), ("contact_id", S), ("title", S), ("status", S),
    ("assigned_user_id", S), ("start_time", TS), ("end_time", TS), ("created_at", TS),
    ("updated_at", TS), ("removed_at", TS), ("owner_id", S),
))
_REMOVABLE = {"contacts": _CONTACTS, "opportunities": _OPPORTUNITIES,
              "appointments": _APPOINTMENTS}


def location_of(cfg: SourceConfig) -> str:
    """The sub-account every call names (`location_id` in sources.toml)."""
    location = (cfg.location_id or "").strip()
    if not location:
        raise ConfigError(f"source {cfg.name!r} needs its location_id: the GoHighLevel "
                          "sub-account id (Settings > Business Profile), in sources.toml")
    return location


def _ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def _int(headers: Any, name: str) -> int | None:
    try:
        return int(headers.get(name))
    except (TypeError, ValueError):
        return None


def _records(path: str, body: Any, key: str) -> list[Record]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise SourceError(f"GET {path} answered {type(body).__name__} without a `{key}` list")
    found: list[Record] = body[key]
    for record in found:
        if not isinstance(record, dict):
            raise RecordError(f"GET {path} listed a {type(record).__name__}, not a record")
    return found


def _attribution(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RecordError(f"expected an attribution object, got {value!r}")
    return value


def _tags(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise RecordError(f"expected a list of tags, got {value!r}")
    return ",".join(t for t in (text(v) for v in value) if t) or None


class GoHighLevel(Connector):
    kind = "gohighlevel"
    default_base_url = "https://services.leadconnectorhq.com"
    objects = (
        ObjectSpec("pipelines", (_STAGES,), incremental=False),
        ObjectSpec("contacts", (_CONTACTS,), incremental=False),
        ObjectSpec("opportunities", (_OPPORTUNITIES,), incremental=False),
        ObjectSpec("appointments", (_APPOINTMENTS,), incremental=False),
    )

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        super().__init__(cfg, client, lookup)
        self.location = location_of(cfg)
        self.listed_at: datetime | None = None
        """When this run began reading the object's list: the `removed_at` of its removals."""
        self.window: tuple[datetime, datetime] | None = None
        """The appointment start times this run read (removals are looked for inside)."""

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        location_of(cfg)
        token = store.require(cfg.name, "token", cfg.token_env)
        return ApiClient(cfg.name, (cfg.base_url or cls.default_base_url).rstrip("/"),
                         cfg.retry, auth=BearerAuth(token),
                         headers={"Accept": "application/json", "Version": VERSION},
                         throttle_wait=BURST_WINDOW)

    def _get(self, path: str, params: dict[str, Any], version: str = VERSION) -> Any:
        """One GET, then a pause when the answer says the burst allowance is spent."""
        body = self.client.request("GET", path, params=params, headers={"Version": version})
        headers = self.client.headers
        if _int(headers, "X-RateLimit-Daily-Remaining") == 0:
            limit = _int(headers, "X-RateLimit-Limit-Daily")
            raise SourceError(f"{self.cfg.name}: GoHighLevel's daily allowance"
                              f"{f' of {limit:,} requests' if limit else ''} for this location "
                              "is spent; run again tomorrow")
        if _int(headers, "X-RateLimit-Remaining") == 0:
            interval = _int(headers, "X-RateLimit-Interval-Milliseconds")
            type(self.client).sleep(interval / 1000 if interval else BURST_WINDOW)
        return body

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        self.listed_at = utcnow()
        if obj == "pipelines":
            path = "/opportunities/pipelines"
            yield _records(path, self._get(path, {"locationId": self.location}), "pipelines")
        elif obj == "contacts":
            yield from self._contacts()
        elif obj == "opportunities":
            yield from self._opportunities()
        else:
            yield from self._appointments()

    def _contacts(self) -> Iterator[list[Record]]:
        path = "/contacts/"
        size = self.page_size(MAX_PAGE)

        def page(cursor: str | None) -> tuple[list[Record], str | None]:
            params: dict[str, Any] = {"locationId": self.location, "limit": size}
            if cursor:
                params["startAfterId"], _, params["startAfter"] = cursor.partition("|")
            body = self._get(path, params)
            found = _records(path, body, "contacts")
            meta = body.get("meta") or {}
            after = text(meta.get("startAfterId")) if isinstance(meta, dict) else None
            if not found or not after:
                return found, None
            return found, f"{after}|{text(meta.get('startAfter')) or ''}"

        yield from cursor_pages(page)

    def _opportunities(self) -> Iterator[list[Record]]:
        path = "/opportunities/search"
        size = self.page_size(MAX_PAGE)
        read = 0

        def page(number: int) -> tuple[list[Record], bool]:
            nonlocal read
            body = self._get(path, {"location_id": self.location, "status": "all",
                                    "limit": size, "page": number})
            found = _records(path, body, "opportunities")
            read += len(found)
            meta = body.get("meta") or {}
            total = meta.get("total") if isinstance(meta, dict) else None
            if total is not None and (isinstance(total, bool) or not isinstance(total, int)):
                raise SourceError(f"{self.cfg.name}: GET {path} answered meta.total "
                                  f"{total!r}, not a count")
            return found, total is None or read < total

        yield from numbered_pages(page)

    def _appointments(self) -> Iterator[list[Record]]:
        path = "/calendars/"
        calendars = _records(path, self._get(path, {"locationId": self.location},
                                             CALENDARS_VERSION), "calendars")
        now = utcnow()
        start = (datetime.combine(self.cfg.start_date, datetime.min.time())
                 if self.cfg.start_date else (now - HISTORY).replace(hour=0, minute=0,
                                                                     second=0, microsecond=0))
        end = now + AHEAD
        self.window = (start, end)
        for calendar in calendars:
            cid = text(calendar.get("id"))
            if cid is None:
                raise RecordError("GET /calendars/ listed a calendar without an id")
            low = start
            while low < end:
                high = min(low + WINDOW, end)
                events = _records("/calendars/events", self._get(
                    "/calendars/events", {"locationId": self.location, "calendarId": cid,
                                          "startTime": _ms(low), "endTime": _ms(high) - 1},
                    CALENDARS_VERSION), "events")
                if events:
                    yield events
                low = high

    def modified(self, obj: str, record: Record) -> datetime | None:
        return None

    # -- mapping ---------------------------------------------------------------------------
    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        try:
            yield from self._rows(obj, record)
        except RecordError as exc:
            raise RecordError(f"{obj} {record.get('id')!r}: {exc}") from None

    def _rows(self, obj: str, r: Record) -> Iterator[tuple[str, Row]]:
        rid = text(r.get("id"))
        if rid is None:
            raise RecordError("a record has no id")
        if obj == "pipelines":
            stages = r.get("stages") or []
            if not isinstance(stages, list):
                raise RecordError(f"expected a list of stages, got {stages!r}")
            for stage in stages:
                if not isinstance(stage, dict) or text(stage.get("id")) is None:
                    raise RecordError("a stage has no id")
                position = stage.get("position")
                if position is not None and (isinstance(position, bool)
                                             or not isinstance(position, int)):
                    raise RecordError(f"stage position {position!r} is not a whole number")
                yield _STAGES.key, {
                    "id": text(stage["id"]), "pipeline_id": rid,
                    "pipeline_name": text(r.get("name")), "name": text(stage.get("name")),
                    "position": position}
        elif obj == "contacts":
            first = _attribution(r.get("attributionSource"))
            last = _attribution(r.get("lastAttributionSource"))
            owner = text(r.get("assignedTo"))
            yield _CONTACTS.key, {
                "id": rid, "first_name": text(r.get("firstName")),
                "last_name": text(r.get("lastName")), "email": text(r.get("email")),
                "phone": text(r.get("phone")), "type": text(r.get("type")),
                "source": text(r.get("source")), "tags": _tags(r.get("tags")),
                "assigned_to": owner, "date_added": timestamp(r.get("dateAdded")),
                "updated_at": timestamp(r.get("dateUpdated")),
                "session_source": text(first.get("sessionSource")),
                "attribution_medium": text(first.get("medium")),
                "attribution_campaign": text(first.get("campaign")),
                "utm_content": text(first.get("utmContent")),
                "utm_term": text(first.get("utmTerm")), "landing_url": text(first.get("url")),
                "referrer": text(first.get("referrer")), "gclid": text(first.get("gclid")),
                "fbclid": text(first.get("fbclid")),
                "last_session_source": text(last.get("sessionSource")),
                "last_utm_source": text(last.get("utmSource")),
                "last_utm_medium": text(last.get("utmMedium")),
                "last_utm_campaign": text(last.get("utmCampaign") or last.get("campaign")),
                "removed_at": None, "owner_id": owner,
                "utm_source": text(first.get("utmSource")),
                "utm_medium": text(first.get("utmMedium")),
                "utm_campaign": text(first.get("utmCampaign") or first.get("campaign"))}
        elif obj == "opportunities":
            owner = text(r.get("assignedTo"))
            yield _OPPORTUNITIES.key, {
                "id": rid, "name": text(r.get("name")),
                "monetary_value": money(r.get("monetaryValue")),
                "pipeline_id": text(r.get("pipelineId")),
                "stage_id": text(r.get("pipelineStageId")), "status": text(r.get("status")),
                "source": text(r.get("source")), "contact_id": text(r.get("contactId")),
                "assigned_to": owner,
                "last_status_change_at": timestamp(r.get("lastStatusChangeAt")),
                "created_at": timestamp(r.get("createdAt")),
                "updated_at": timestamp(r.get("updatedAt")), "removed_at": None,
                "owner_id": owner}
        else:
            owner = text(r.get("assignedUserId"))
            yield _APPOINTMENTS.key, {
                "id": rid, "calendar_id": text(r.get("calendarId")),
                "contact_id": text(r.get("contactId")), "title": text(r.get("title")),
                "status": text(r.get("appointmentStatus")), "assigned_user_id": owner,
                "start_time": timestamp(r.get("startTime")),
                "end_time": timestamp(r.get("endTime")),
                "created_at": timestamp(r.get("dateAdded")),
                "updated_at": timestamp(r.get("dateUpdated")), "removed_at": None,
                "owner_id": owner}

    def unseen(self, obj: str, seen: dict[str, set[str]]) -> dict[str, pa.Table]:
        """Removal records for what the ledger holds as present and the full list lacked."""
        spec = _REMOVABLE.get(obj)
        if spec is None:
            return {}
        listed = seen.get(spec.key, set())
        removed = self.lookup(spec.key, "removed_at")
        gone = {sid for sid, when in removed.items() if when is None and sid not in listed}
        if obj == "appointments" and gone:
            low, high = self.window or (datetime.min, datetime.max)
            starts = self.lookup(spec.key, "start_time")
            gone = {sid for sid in gone
                    if starts.get(sid) is not None and low <= starts[sid] < high}
        if not gone:
            return {}
        last = {name: self.lookup(spec.key, name) for name, _ in spec.columns
                if name not in ("id", "removed_at")}
        when = self.listed_at or utcnow()
        rows = [{"id": sid, **{name: values.get(sid) for name, values in last.items()},
                 "removed_at": when} for sid in sorted(gone)]
        return {spec.key: rows_table(spec, rows)}
