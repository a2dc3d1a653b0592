"""Fake NinjaOne public API v2 and its OAuth2 token endpoint.

- `POST /ws/oauth/token`: client-credentials grant (form body: grant_type, client_id,
  client_secret, scope). A wrong client or secret is 401 `invalid_client`; a scope outside
  `monitoring management control` is 400 `invalid_scope`. Tokens live `token_life` seconds
  on the fake's clock (`expires_in` says so); an expired or unknown token is 401
  `not_authenticated`. The "expire" fault kills every token issued so far.
- `GET /v2/organizations` and `GET /v2/devices`: bare JSON arrays in ascending id order,
  `pageSize` (1..1000, default 1000) and `after` (the last id of the previous page: records
  with a greater id); devices take an optional `df` device filter, the subset
  `org = N`, `org in (N, M)`, `class = C`, `class in (C, D)`, `status = S`, `online`,
  `offline`, joined by ` AND `. Ids are not contiguous.
- Timestamps are epoch seconds with a fraction. `remove(id)` takes a device off the lists
  (deleted in NinjaOne), `restore(id)` brings it back, `touch(id, **fields)` edits one.
- 429: `Retry-After` only when the fault sets one."""

from __future__ import annotations

import re
import uuid
from typing import Any
from urllib.parse import parse_qs

from fakes.clock import FakeClock
from fakes.server import Answer, FakeServer, Request

CLIENT_ID = "ninja-fake-client-id"
CLIENT_SECRET = "ninja-fake-client-secret"
BASE = 1_704_067_200  # 2024-01-01T00:00:00Z
SCOPES = {"monitoring", "management", "control"}
CLASSES = ("WINDOWS_WORKSTATION", "WINDOWS_SERVER", "MAC", "VMWARE_VM_GUEST", "NMS_SWITCH")
MAX_PAGE = 1000

_CLAUSE = re.compile(r"^(org|class|status)\s*(=|in)\s*(.+)$")


def device_id(i: int) -> int:
    """The id of the fake's i-th device (i from 0): 1001, 1004, 1007, ..."""
    return 1001 + 3 * i


class NinjaOneFake(FakeServer):
    def __init__(self, organizations: int = 3, devices: int = 10,
                 clock: FakeClock | None = None, token_life: float = 3600) -> None:
        super().__init__()
        self.clock = clock or FakeClock()
        self.token_life = token_life
        self.tokens: dict[str, float] = {}
        """Access token -> when it expires (on the fake's clock)."""
        self.token_requests = 0
        self.organizations = [
            {"id": 1 + 2 * k, "name": f"Client {k}", "description": f"Managed client {k}",
             "nodeApprovalMode": ("AUTOMATIC", "MANUAL", "REJECT")[k % 3],
             "tags": [], "fields": {}}
            for k in range(organizations)]
        self.devices: dict[int, dict[str, Any]] = {}
        for i in range(devices):
            org = self.organizations[i % organizations]["id"]
            self.devices[device_id(i)] = {
                "id": device_id(i), "organizationId": org, "locationId": 100 + org,
                "nodeClass": CLASSES[i % len(CLASSES)], "nodeRoleId": 200 + i % len(CLASSES),
                "rolePolicyId": 300 + i % 2, "approvalStatus":
                    "PENDING" if i % 7 == 6 else "APPROVED",
                "offline": i % 4 == 3, "displayName": f"Device {i}",
                "systemName": f"DEV-{i:03d}", "dnsName": f"dev-{i:03d}.client.example",
                "netbiosName": f"DEV-{i:03d}",
                "created": BASE + 86400 * i + 0.125,
                "lastContact": BASE + 86400 * 40 + 3600 * i + 0.5,
                "lastUpdate": BASE + 86400 * 40 + 3600 * i + 30.25,
            }
        self.gone: dict[int, dict[str, Any]] = {}

    # -- changing the tenant ---------------------------------------------------------------
    def remove(self, rid: int) -> None:
        self.gone[rid] = self.devices.pop(rid)

    def restore(self, rid: int) -> None:
        self.devices[rid] = self.gone.pop(rid)

    def touch(self, rid: int, **fields: Any) -> None:
        self.devices[rid].update(fields)

    # -- vendor shapes ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        code = "server_error" if status >= 500 else "invalid_request"
        return {"error": code, "error_description": message, "error_code": status}

    def route(self, req: Request) -> Answer:
        if req.path == "/ws/oauth/token" and req.method == "POST":
            return self._token(req)
        bearer = req.headers.get("authorization", "")[len("Bearer "):]
        if self.expired:
            self.expired = False
            self.tokens.clear()
        if self.tokens.get(bearer, float("-inf")) <= self.clock.now:
            return 401, {}, {"error": "not_authenticated",
                             "error_description": "Invalid credentials", "error_code": 10}
        if req.method != "GET" or req.path not in ("/v2/organizations", "/v2/devices"):
            return 404, {}, self.error_body(404, f"no route {req.method} {req.path}")
        try:
            size = int(req.arg("pageSize") or MAX_PAGE)
            after = int(req.arg("after") or 0)
        except ValueError:
            return 400, {}, self.error_body(400, "pageSize and after must be numbers")
        if not 1 <= size <= MAX_PAGE:
            return 400, {}, self.error_body(400, f"pageSize must be 1..{MAX_PAGE}")
        if req.path == "/v2/organizations":
            records = list(self.organizations)
        else:
            records = [self.devices[k] for k in sorted(self.devices)]
            df = req.arg("df")
            if df:
                try:
                    records = [r for r in records if _matches(df, r)]
                except ValueError as exc:
                    return 400, {}, self.error_body(400, str(exc))
        page = [r for r in records if r["id"] > after][:size]
        return 200, {}, page

    def _token(self, req: Request) -> Answer:
        self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type",
                             "error_description": "grant_type must be client_credentials"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 401, {}, {"error": "invalid_client",
                             "error_description": "Bad client credentials"}
        scopes = set((form.get("scope") or "").split())
        if not scopes or not scopes <= SCOPES:
            return 400, {}, {"error": "invalid_scope",
                             "error_description": f"Invalid scope: {form.get('scope')}"}
        token = f"ninja-{uuid.uuid4().hex}"
        self.tokens[token] = self.clock.now + self.token_life
        return 200, {}, {"access_token": token, "token_type": "Bearer",
                         "expires_in": int(self.token_life), "scope": " ".join(sorted(scopes))}


def _matches(df: str, device: dict[str, Any]) -> bool:
    """Whether `device` passes the device filter `df` (the subset this fake knows)."""
    for clause in (c.strip() for c in df.split(" AND ")):
        if clause in ("online", "offline"):
            if device["offline"] != (clause == "offline"):
                return False
            continue
        m = _CLAUSE.match(clause)
        if not m:
            raise ValueError(f"Invalid device filter: {clause}")
        field, op, value = m.groups()
        wanted = ([v.strip() for v in value.strip("() ").split(",")] if op == "in"
                  else [value.strip()])
        have = {"org": str(device["organizationId"]), "class": device["nodeClass"],
                "status": device["approvalStatus"]}[field]
        if have not in wanted:
            return False
    return True
