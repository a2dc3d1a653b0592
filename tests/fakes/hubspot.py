"""Fake HubSpot CRM v3: private-app bearer auth, search with GTE filters on the last-modified
property (epoch ms strings), ascending sort, opaque `after` paging, the 10,000-result search cap
(HTTP 400 past it), owners and pipelines lists, v4 deal-to-company association batch reads,
HubSpot's error bodies and its 429 shape. Every property value is a string, as HubSpot sends.

Archived (deleted) records: `archive(obj, id)` moves a record out of the live set (search and
the plain list no longer return it) into the archived set, with `archived: true`, `archivedAt`
and its last-modified time moved to the moment it was archived; `restore(obj, id)` brings it
back as a live record modified now. The objects list, `GET /crm/v3/objects/{type}?limit=&after=
&properties=a,b&archived=true`, returns only archived records (`archived=false` or absent: only
live ones), by id, at most 100 a page.

Property history: every deal keeps the history of `dealstage` and `amount`, newest first, as
HubSpot does (a deal starts in the first stage at its create date and moved to its current
stage at its last-modified time; `touch` adds a version for each of the two it changes). The
batch read, `POST /crm/v3/objects/deals/batch/read` with `inputs`, `properties` and
`propertiesWithHistory`, returns them under `propertiesWithHistory` (each version `value`,
`timestamp`, `sourceType`, `sourceId`, `sourceLabel`, `updatedByUserId`), refuses more than 50
inputs when history is asked for (100 otherwise) with HubSpot's 400 message, and answers 207
with an `errors` entry for ids it does not hold."""

from __future__ import annotations

import uuid
from typing import Any

from fakes.server import Answer, FakeServer, Request

TOKEN = "pat-na1-11111111-2222-3333-4444-555555555555"
BASE_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
STAGES = [("appointmentscheduled", "0.2", "false"), ("qualifiedtobuy", "0.4", "false"),
          ("contractsent", "0.8", "false"), ("closedwon", "1.0", "true"),
          ("closedlost", "0.0", "true")]
SOURCES = ["ORGANIC_SEARCH", "PAID_SEARCH", "REFERRALS", "OFFLINE", "PAID_SOCIAL"]
MODIFIED = {"companies": "hs_lastmodifieddate", "contacts": "lastmodifieddate",
            "deals": "hs_lastmodifieddate"}


def iso(ms: int) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _version(value: str, ms: int) -> dict[str, Any]:
    """One version of a property as the batch read's `propertiesWithHistory` lists it."""
    return {"value": value, "timestamp": iso(ms), "sourceType": "CRM_UI",
            "sourceId": "userId:9000", "sourceLabel": None, "updatedByUserId": 9000}


class HubSpotFake(FakeServer):
    def __init__(self, companies: int = 30, contacts: int = 40, deals: int = 50,
                 search_cap: int = 10_000, max_limit: int = 200) -> None:
        super().__init__()
        self.search_cap = search_cap
        self.max_limit = max_limit
        self.clock = BASE_MS + 10_000_000
        self.owners = [{"id": str(100 + i), "email": f"rep{i}@example.com", "type": "PERSON",
                        "firstName": f"Rep{i}", "lastName": "Example", "userId": 9000 + i,
                        "createdAt": iso(BASE_MS), "updatedAt": iso(BASE_MS + i),
                        "archived": False, "teams": []} for i in range(3)]
        self.records: dict[str, dict[str, dict[str, Any]]] = {
            "companies": {}, "contacts": {}, "deals": {}}
        self.archived: dict[str, dict[str, dict[str, Any]]] = {
            "companies": {}, "contacts": {}, "deals": {}}
        """Records archived (deleted) in HubSpot: only the objects list with `archived=true`
        returns them."""
        self.assoc: dict[str, list[str]] = {}
        self.history: dict[str, dict[str, list[dict[str, Any]]]] = {}
        """Deal id -> property -> versions, newest first."""
        self.batch_max_history = 50
        for i in range(companies):
            # groups of three records share one millisecond: ties must not lose rows
            ms = BASE_MS + (i // 3) * 60_000
            self._put("companies", str(1000 + i), ms, {
                "name": f"Company {i}", "domain": f"c{i}.example.com",
                "industry": "FOOD_BEVERAGES", "lifecyclestage": "customer",
                "createdate": iso(ms - 86_400_000), "hubspot_owner_id": str(100 + i % 3),
            })
        for i in range(contacts):
            ms = BASE_MS + (i // 2) * 45_000
            self._put("contacts", str(5000 + i), ms, {
                "email": f"p{i}@example.com", "firstname": f"P{i}", "lastname": "Person",
                "lifecyclestage": "lead", "createdate": iso(ms - 3_600_000),
                "hubspot_owner_id": str(100 + i % 3),
                "associatedcompanyid": str(1000 + i % max(companies, 1)),
                "hs_analytics_source": SOURCES[i % 5], "hs_analytics_source_data_1": f"camp{i % 4}",
                "hs_latest_source": SOURCES[(i + 2) % 5], "hs_latest_source_data_1": "direct",
            })
        for i in range(deals):
            ms = BASE_MS + (i // 3) * 50_000 + 7
            stage = STAGES[i % len(STAGES)][0]
            self._put("deals", str(8000 + i), ms, {
                "dealname": f"Deal {i}", "amount": str(1000 + 250 * i) + (".5" if i % 7 == 0
                                                                              else ""),
                "dealstage": stage, "pipeline": "default", "closedate": iso(ms + 86_400_000 * 30),
                "createdate": iso(ms - 86_400_000), "hubspot_owner_id": str(100 + i % 3),
                "hs_analytics_source": SOURCES[i % 5], "hs_latest_source": SOURCES[(i + 1) % 5],
            })
            self.assoc[str(8000 + i)] = ([str(1000 + i % max(companies, 1))] if i % 10 != 9
                                         else [])
            # created in the first stage a day earlier; moved to its stage when last modified
            rid, created = str(8000 + i), ms - 86_400_000
            props = self.records["deals"][rid]["properties"]
            self.history[rid] = {"amount": [_version(props["amount"], created)],
                                 "dealstage": [_version(STAGES[0][0], created)]}
            if stage != STAGES[0][0]:
                self.history[rid]["dealstage"].insert(0, _version(stage, ms))

    def _put(self, obj: str, rid: str, ms: int, props: dict[str, str]) -> None:
        props = {**props, MODIFIED[obj]: str(ms), "hs_object_id": rid}
        self.records[obj][rid] = {"id": rid, "properties": props, "createdAt": iso(ms - 1),
                                  "updatedAt": iso(ms), "archived": False}

    def touch(self, obj: str, rid: str, **props: str) -> None:
        """Change a record now (its last-modified time moves forward)."""
        self.clock += 1000
        record = self.records[obj].get(rid)
        base = dict(record["properties"]) if record else {}
        base.update(props)
        self._put(obj, rid, self.clock, base)
        if obj == "deals":
            for name in ("dealstage", "amount"):
                if name in props:
                    self.history.setdefault(rid, {}).setdefault(name, []).insert(
                        0, _version(props[name], self.clock))

    def archive(self, obj: str, rid: str) -> None:
        """Delete a record now, as HubSpot does: it leaves search and the live list and is
        listed with `archived=true` (`archived: true`, `archivedAt` and `updatedAt` now, its
        last-modified property now)."""
        self.clock += 1000
        record = self.records[obj].pop(rid)
        stamp = iso(self.clock)
        self.archived[obj][rid] = {
            **record, "properties": {**record["properties"], MODIFIED[obj]: str(self.clock)},
            "updatedAt": stamp, "archived": True, "archivedAt": stamp}

    def restore(self, obj: str, rid: str, **props: str) -> None:
        """Bring an archived record back (modified now, live again)."""
        self.clock += 1000
        record = self.archived[obj].pop(rid)
        base = dict(record["properties"])
        base.update(props)
        self._put(obj, rid, self.clock, base)

    # -- vendor shapes ---------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        category = {400: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION", 404: "OBJECT_NOT_FOUND",
                    429: "RATE_LIMITS"}.get(status, "INTERNAL_ERROR")
        return {"status": "error", "message": message, "correlationId": str(uuid.uuid4()),
                "category": category}

    def throttle(self, retry_after: float | None) -> Answer:
        body = {"status": "error", "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT", "correlationId": str(uuid.uuid4()),
                "policyName": "TEN_SECONDLY_ROLLING", "category": "RATE_LIMITS"}
        headers = {"X-HubSpot-RateLimit-Secondly": "19",
                   "X-HubSpot-RateLimit-Secondly-Remaining": "0"}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return 429, headers, body

    def route(self, req: Request) -> Answer:
        if self.expired or req.headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {}, self.error_body(
                401, "Authentication credentials not found. This API supports OAuth 2.0 "
                "authentication and you can find more details at https://developers.hubspot.com")
        if req.method == "GET" and req.path == "/crm/v3/owners":
            return self._list(self.owners, req.arg("limit", "100"), req.arg("after"))
        if req.method == "GET" and req.path == "/crm/v3/pipelines/deals":
            stages = [{"id": sid, "label": sid.title(), "displayOrder": n, "archived": False,
                       "metadata": {"probability": p, "isClosed": closed},
                       "createdAt": iso(BASE_MS), "updatedAt": iso(BASE_MS),
                       "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT"}
                      for n, (sid, p, closed) in enumerate(STAGES)]
            return 200, {}, {"results": [{"id": "default", "label": "Sales Pipeline",
                                          "displayOrder": 0, "archived": False,
                                          "stages": stages}]}
        parts = req.path.split("/")
        if req.method == "GET" and len(parts) == 5 and req.path.startswith("/crm/v3/objects/"):
            return self._objects(parts[4], req)
        if req.method == "POST" and req.path.startswith("/crm/v3/objects/") and \
                req.path.endswith("/search"):
            return self._search(req.path.split("/")[4], req.json())
        if req.method == "POST" and req.path == "/crm/v3/objects/deals/batch/read":
            return self._batch_read(req.json())
        if req.method == "POST" and req.path == "/crm/v4/associations/deals/companies/batch/read":
            results = []
            for item in req.json().get("inputs", []):
                to = [{"toObjectId": int(c), "associationTypes": [
                    {"category": "HUBSPOT_DEFINED", "typeId": 5, "label": "Primary"},
                    {"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None}]}
                      for c in self.assoc.get(str(item["id"]), [])]
                if to:
                    results.append({"from": {"id": str(item["id"])}, "to": to})
            return 200, {}, {"status": "COMPLETE", "results": results,
                             "startedAt": iso(BASE_MS), "completedAt": iso(BASE_MS)}
        return 404, {}, self.error_body(404, f"no route for {req.method} {req.path}")

    def _batch_read(self, body: dict[str, Any]) -> Answer:
        inputs = [str(i.get("id")) for i in body.get("inputs", [])]
        with_history = list(body.get("propertiesWithHistory") or [])
        if with_history and len(inputs) > self.batch_max_history:
            return 400, {}, self.error_body(
                400, "The maximum number of inputs supported in a batch request for property "
                f"histories is {self.batch_max_history}. Please reduce the number of items "
                "and try again")
        if len(inputs) > 100:
            return 400, {}, self.error_body(400, "Batch input limit is 100")
        wanted = {*(body.get("properties") or []), "hs_object_id", "createdate",
                  MODIFIED["deals"]}
        results, missing = [], []
        for rid in inputs:
            record = self.records["deals"].get(rid)
            if record is None:
                missing.append(rid)
                continue
            found = {**record, "properties": {k: v for k, v in record["properties"].items()
                                              if k in wanted}}
            if with_history:
                kept = self.history.get(rid, {})
                found["propertiesWithHistory"] = {name: list(kept.get(name, []))
                                                  for name in with_history}
            results.append(found)
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results,
                                  "startedAt": iso(BASE_MS), "completedAt": iso(BASE_MS)}
        if not missing:
            return 200, {}, answer
        answer["numErrors"] = 1
        answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                             "message": "Could not get some DEAL objects, they may be deleted "
                                        "or not exist. Check that ids are valid.",
                             "context": {"ids": missing}}]
        return 207, {}, answer

    def _list(self, rows: list[dict[str, Any]], limit_text: str | None, after: str | None
              ) -> Answer:
        limit = int(limit_text or 10)
        start = int(after or 0)
        page = rows[start:start + limit]
        body: dict[str, Any] = {"results": page}
        if start + limit < len(rows):
            nxt = str(start + limit)
            body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return 200, {}, body

    def _objects(self, obj: str, req: Request) -> Answer:
        """The objects list: live records, or with `archived=true` only archived ones."""
        if obj not in self.records:
            return 404, {}, self.error_body(404, f"unknown object type {obj}")
        limit, most = int(req.arg("limit") or 10), min(self.max_limit, 100)
        if limit > most:
            return 400, {}, self.error_body(400, f"limit must be at most {most}")
        archived = (req.arg("archived") or "false").lower()
        if archived not in ("true", "false"):
            return 400, {}, self.error_body(400, "There was a problem with the request.")
        found = self.archived[obj] if archived == "true" else self.records[obj]
        rows = sorted(found.values(), key=lambda r: int(r["id"]))
        wanted = {p for p in (req.arg("properties") or "").split(",") if p}
        wanted |= {"hs_object_id", "createdate", MODIFIED[obj]}
        after = int(req.arg("after") or 0)
        page = [{**r, "properties": {k: v for k, v in r["properties"].items() if k in wanted}}
                for r in rows[after:after + limit]]
        body: dict[str, Any] = {"results": page}
        if after + limit < len(rows):
            nxt = str(after + limit)
            body["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return 200, {}, body

    def _search(self, obj: str, body: dict[str, Any]) -> Answer:
        if obj not in self.records:
            return 404, {}, self.error_body(404, f"unknown object type {obj}")
        limit = int(body.get("limit", 10))
        if limit > self.max_limit:
            return 400, {}, self.error_body(400, f"limit must be at most {self.max_limit}")
        after = int(body.get("after") or 0)
        if after >= self.search_cap:
            return 400, {}, self.error_body(400, "There was a problem with the request.")
        rows = list(self.records[obj].values())
        for group in body.get("filterGroups", [])[:1]:
            for f in group.get("filters", []):
                prop, op, value = f["propertyName"], f["operator"], f.get("value")
                if not str(value).isdigit():
                    return 400, {}, self.error_body(400, "There was a problem with the request.")
                if op != "GTE":
                    return 400, {}, self.error_body(400, f"operator {op} not faked")
                rows = [r for r in rows if int(r["properties"].get(prop) or 0) >= int(value)]
        sorts = body.get("sorts") or [{"propertyName": "hs_object_id"}]
        prop = sorts[0]["propertyName"]
        rows.sort(key=lambda r: (int(r["properties"].get(prop) or 0), int(r["id"])))
        props = body.get("properties") or []
        page = []
        for r in rows[after:after + limit]:
            page.append({**r, "properties": {k: r["properties"].get(k) for k in
                                             {*props, "hs_object_id", MODIFIED[obj]}
                                             if k in r["properties"]}})
        answer: dict[str, Any] = {"total": len(rows), "results": page}
        if after + limit < len(rows):
            nxt = str(after + limit)
            answer["paging"] = {"next": {"after": nxt, "link": f"?after={nxt}"}}
        return 200, {}, answer
