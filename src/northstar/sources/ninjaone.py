"""NinjaOne (RMM, public API v2): organizations and devices.

Auth: OAuth2 client credentials. `POST /ws/oauth/token` on the region's host (`base_url`:
app.ninjarmm.com in the US, eu., ca., oc. or us2.ninjarmm.com) with the client id, secret and
scope `monitoring management` in the form body; the access token is sent as a bearer token,
fetched again shortly before it expires and once more on a 401 (auth.py).

Lists are bare JSON arrays in ascending id order, paged with `pageSize` and `after=<id of the
last record of the previous page>`; a page shorter than `pageSize` (or empty) is the last one,
and a page whose last id does not move past `after` is an error rather than a loop. A 429 is
retried after its `Retry-After`, or after 10 seconds when it names none (as NinjaOne's clients
do). Timestamps are epoch seconds with a fraction.

Neither list can be filtered by modification time, so every run reads everything and the writer
appends only records whose content changed (a device's `last_contact` moves with every
check-in, so most devices get a version a day). A device the ledger holds as present (its
newest version has `removed_at` NULL) that the run's full list no longer holds gets a removal
record: a new version with its last known fields and `removed_at` = when the run began reading
the list. It is not a deletion (`is_deleted`): it stays in the view, so a month it was managed
in still counts it. A device listed again gets a version with `removed_at` NULL. Removals are
written only by a run that read the whole list (`Connector.unseen`), all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pyarrow as pa

from northstar.ledger.store import utcnow
from northstar.sources.auth import ClientCredentials
from northstar.sources.base import TS, Connector, ObjectSpec, Record, Row, TableSpec, rows_table
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, SourceError
from northstar.sources.paging import cursor_pages
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, boolean, epoch_seconds, text

S = pa.string()
TOKEN_PATH = "/ws/oauth/token"
SCOPE = "monitoring management"
THROTTLE_WAIT = 10.0
"""Seconds to wait after a 429 that names no Retry-After."""
MAX_PAGE = 1000

_ORGANIZATIONS = TableSpec("ninja_organizations", (
    ("id", S), ("name", S), ("description", S), ("node_approval_mode", S), ("client_id", S),
))
_DEVICES = TableSpec("ninja_devices", (
    ("id", S), ("organization_id", S), ("location_id", S), ("node_class", S),
    ("node_role_id", S), ("approval_status", S), ("offline", pa.bool_()), ("display_name", S),
    ("system_name", S), ("dns_name", S), ("created", TS), ("last_contact", TS),
    ("removed_at", TS), ("client_id", S),
))
_PATHS = {"organizations": "/v2/organizations", "devices": "/v2/devices"}


def _record_id(path: str, record: Any) -> int:
    """A listed record's id: the paging cursor, so it must be a whole number."""
    if not isinstance(record, dict):
        raise RecordError(f"GET {path} listed a {type(record).__name__}, not a record")
    rid = record.get("id")
    if type(rid) is not int:
        raise RecordError(f"GET {path} listed a record whose id is {rid!r}, not a number")
    return rid


class NinjaOne(Connector):
    kind = "ninjaone"
    default_base_url = "https://app.ninjarmm.com"
    objects = (
        ObjectSpec("organizations", (_ORGANIZATIONS,), incremental=False),
        ObjectSpec("devices", (_DEVICES,), incremental=False),
    )
    listed_at: datetime | None = None
    """When this run began reading the device list: the `removed_at` of its removals."""

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        base = (cfg.base_url or cls.default_base_url).rstrip("/")
        auth = ClientCredentials(
            cfg.name, cfg.token_url or base + TOKEN_PATH,
            client_id=store.require(cfg.name, "client_id", cfg.client_id_env),
            client_secret=store.require(cfg.name, "client_secret", cfg.client_secret_env),
            scope=SCOPE, timeout=cfg.retry.timeout,
        )
        return ApiClient(cfg.name, base, cfg.retry, auth=auth,
                         headers={"Accept": "application/json"}, throttle_wait=THROTTLE_WAIT)

    # -- fetching --------------------------------------------------------------------------
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        path = _PATHS[obj]
        size = self.page_size(MAX_PAGE)
        if obj == "devices":
            self.listed_at = utcnow()

        def page(after: str | None) -> tuple[list[Record], str | None]:
            params: dict[str, Any] = {"pageSize": size}
            if after is not None:
                params["after"] = after
            body = self.client.request("GET", path, params=params)
            if not isinstance(body, list):
                raise RecordError(f"GET {path} answered a {type(body).__name__}, not a list")
            if len(body) < size:
                return body, None
            last = _record_id(path, body[-1])
            if after is not None and last <= int(after):
                raise SourceError(f"{self.cfg.name}: GET {path} after id {after} ended at id "
                                  f"{last}: the list did not move forward")
            return body, str(last)

        yield from cursor_pages(page)

    def modified(self, obj: str, record: Record) -> datetime | None:
        return None

    # -- mapping ---------------------------------------------------------------------------
    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        r = record
        rid = text(_record_id(_PATHS[obj], r))
        if obj == "organizations":
            yield "ninja_organizations", {
                "id": rid, "name": text(r.get("name")), "description": text(r.get("description")),
                "node_approval_mode": text(r.get("nodeApprovalMode")), "client_id": rid,
            }
            return
        org = text(r.get("organizationId"))
        yield "ninja_devices", {
            "id": rid, "organization_id": org, "location_id": text(r.get("locationId")),
            "node_class": text(r.get("nodeClass")), "node_role_id": text(r.get("nodeRoleId")),
            "approval_status": text(r.get("approvalStatus")),
            "offline": boolean(r.get("offline")), "display_name": text(r.get("displayName")),
            "system_name": text(r.get("systemName")), "dns_name": text(r.get("dnsName")),
            "created": epoch_seconds(r.get("created")),
            "last_contact": epoch_seconds(r.get("lastContact")), "removed_at": None,
            "client_id": org,
        }

    def unseen(self, obj: str, seen: dict[str, set[str]]) -> dict[str, pa.Table]:
        """Removal records for the devices the ledger holds as present and the list lacked."""
        if obj != "devices":
            return {}
        listed = seen.get(_DEVICES.key, set())
        removed = self.lookup(_DEVICES.key, "removed_at")
        gone = sorted(sid for sid, when in removed.items() if when is None and sid not in listed)
        if not gone:
            return {}
        last = {name: self.lookup(_DEVICES.key, name) for name, _ in _DEVICES.columns
                if name not in ("id", "removed_at")}
        when = self.listed_at or utcnow()
        rows = [{"id": sid, **{name: values.get(sid) for name, values in last.items()},
                 "removed_at": when} for sid in gone]
        return {_DEVICES.key: rows_table(_DEVICES, rows)}
