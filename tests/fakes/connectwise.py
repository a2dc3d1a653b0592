"""Fake ConnectWise Manage REST 3.0 under `/v4_6_release/apis/3.0`: HTTP Basic
`company+publicKey:privateKey` plus the `clientId` header (either wrong: 401 with the vendor's
`{code, message, errors[]}` body), bare JSON arrays, `page`/`pageSize` (1..1000, default 25)
with `Link` rel=next/last, forward-only paging (`pagination-type: forward-only`, `pageId` acting
as `id > pageId`, rel=next on every full page, so an exact multiple ends with an empty page),
`orderBy=id asc`, `fields`, `conditions` on the last-update time (`lastUpdated` or
`_info/lastUpdated`, `> >= < <= =`, dates in square brackets, clauses joined with `and`),
records carrying `_info{lastUpdated, updatedBy, dateEntered, enteredBy}`, agreement additions
under their agreement, and 429s.

Switches: `denied` (paths answered 403), `answers` (a path answered with a fixed answer: a
surprise body)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from fakes.server import Answer, FakeServer, Request

API = "/v4_6_release/apis/3.0"
COMPANY, PUBLIC, PRIVATE = "northwind", "PubKey1234", "PrivKey5678"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
BASE = datetime(2024, 1, 1)
PATHS = {"/service/boards": "boards", "/service/tickets": "tickets",
         "/time/entries": "time_entries", "/company/companies": "companies",
         "/finance/agreements": "agreements"}
BOARDS = [("Help Desk", "Service"), ("Projects", "Projects"), ("Alerts", "Service")]
ENV = {"NS_TEST_CW_PUBLIC": PUBLIC, "NS_TEST_CW_PRIVATE": PRIVATE, "NS_TEST_CW_CLIENT": CLIENT_ID}
"""The environment the `sources_toml` source reads its keys from."""


def sources_toml(name: str) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), 4 records a page."""
    return f"""
[{name}]
kind = "connectwise"
base_url = "{{url}}"
company = "{COMPANY}"
public_key_env = "NS_TEST_CW_PUBLIC"
token_env = "NS_TEST_CW_PRIVATE"
client_id_env = "NS_TEST_CW_CLIENT"
page_size = 4
"""


_CLAUSE = re.compile(r"^\s*(?:_info/)?lastUpdated\s*(>=|<=|>|<|=)\s*\[([^\]]+)\]\s*$", re.I)
_TESTS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b,
          "<": lambda a, b: a < b, "=": lambda a, b: a == b}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ref(rid: int, name: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "name": name, **extra, "_info": {"href": f"https://fake/{rid}"}}


def _info(entered: datetime, updated: datetime) -> dict[str, Any]:
    return {"lastUpdated": iso(updated), "updatedBy": "apiuser", "dateEntered": iso(entered),
            "enteredBy": "tech0"}


class ConnectWiseFake(FakeServer):
    def __init__(self, companies: int = 4, tickets: int = 10, entries: int = 12) -> None:
        super().__init__()
        self.clock = BASE + timedelta(days=60)
        self.denied: set[str] = set()
        self.answers: dict[str, Answer] = {}
        self.records: dict[str, dict[int, dict[str, Any]]] = {k: {} for k in PATHS.values()}
        self.additions: dict[int, dict[int, dict[str, Any]]] = {}
        for i, (name, dept) in enumerate(BOARDS):
            self._put("boards", 1 + i, {
                "name": name, "location": _ref(1, "Main"),
                "department": _ref(10 + i, dept, identifier=dept.upper()),
                "inactiveFlag": False, "projectFlag": name == "Projects",
                "_info": _info(BASE, BASE + timedelta(hours=i))})
        for i in range(companies):
            types = [_ref(1, "Client")] + ([_ref(2, "Partner")] if i == 3 else [])
            self._put("companies", 250 + i, {
                "identifier": f"CO{i}", "name": f"Company {i}", "status": _ref(1, "Active"),
                "types": types, "deletedFlag": False,
                "_info": _info(BASE - timedelta(days=30), BASE + timedelta(hours=2 * i))})
        for i in range(tickets):
            board = 1 + i % 3
            entered = BASE + timedelta(days=i)
            closed = i % 2 == 0
            ticket: dict[str, Any] = {
                "summary": f"Ticket {i}", "recordType": "ProjectTicket" if board == 2
                else "ServiceTicket", "board": _ref(board, BOARDS[board - 1][0]),
                "status": _ref(20 + closed, "Closed" if closed else "New"),
                "company": _ref(250 + i % companies, f"Company {i % companies}",
                                identifier=f"CO{i % companies}"),
                "priority": _ref(3, "Priority 3 - Normal Response"),
                "owner": _ref(40 + i % 2, f"Tech {i % 2}", identifier=f"tech{i % 2}"),
                "closedFlag": closed, "actualHours": 0.25 * (i + 1),
                "_info": _info(entered, entered + timedelta(hours=3))}
            if closed:
                ticket["closedDate"] = iso(entered + timedelta(hours=2))
            if i % 5 == 4:
                ticket["parentTicketId"] = 1000 + i
            self._put("tickets", 1001 + i, ticket)
        for i in range(entries):
            start = BASE + timedelta(days=i, hours=9)
            end = start + timedelta(hours=1, minutes=30)
            charge = ("ChargeCode", 7) if i % 6 == 5 else ("ServiceTicket", 1001 + i % tickets)
            self._put("time_entries", 5001 + i, {
                "company": _ref(250 + i % companies, f"Company {i % companies}"),
                "chargeToId": charge[1], "chargeToType": charge[0],
                "member": _ref(40 + i % 2, f"Tech {i % 2}", identifier=f"tech{i % 2}"),
                "timeStart": iso(start), "timeEnd": iso(end), "actualHours": 1.5,
                "billableOption": "DoNotBill" if i % 2 else "Billable",
                "workType": _ref(1, "Remote"), "notes": "worked", "dateEntered": iso(end),
                "_info": _info(end, end + timedelta(minutes=10))})
        for i in range(3):
            agreement: dict[str, Any] = {
                "name": f"Managed Services {i}", "type": _ref(1, "Managed Services"),
                "company": _ref(250 + i, f"Company {i}", identifier=f"CO{i}"),
                "startDate": iso(BASE), "noEndingDateFlag": i == 0, "cancelledFlag": i == 2,
                "billAmount": 1500.0 + 250 * i, "billingCycle": _ref(1, "Monthly"),
                "_info": _info(BASE, BASE + timedelta(days=1, hours=i))}
            if i:
                agreement["endDate"] = iso(datetime(2024, 12, 31))
            self._put("agreements", 70 + i, agreement)
            self.additions[70 + i] = {}
        for n, (agreement_id, qty, price, cost) in enumerate(
                [(70, 25, 45.5, 12.125), (70, 3, 99.0, 60.0), (71, 10, 30.0, 9.995)]):
            self.additions[agreement_id][900 + n] = {
                "id": 900 + n, "product": {"id": 60 + n, "identifier": f"PROD-{n}"},
                "quantity": qty, "lessIncluded": 0, "unitPrice": price, "unitCost": cost,
                "billCustomer": "Billable", "effectiveDate": iso(BASE), "agreementId":
                agreement_id, "description": f"Addition {n}",
                "_info": _info(BASE, BASE + timedelta(days=2, hours=n))}

    def _put(self, kind: str, rid: int, record: dict[str, Any]) -> None:
        self.records[kind][rid] = {"id": rid, **record}

    def touch(self, kind: str, rid: int, agreement: int | None = None, **fields: Any) -> str:
        """Change a record now (its `_info.lastUpdated` moves forward); returns the new time."""
        self.clock += timedelta(minutes=1)
        found = self.additions[agreement] if agreement is not None else self.records[kind]
        record = found.setdefault(rid, {"id": rid, "_info": _info(self.clock, self.clock)})
        record.update(fields)
        record["_info"] = {**record["_info"], "lastUpdated": iso(self.clock)}
        return iso(self.clock)

    def add_ticket(self, rid: int, entered: datetime, board: int = 1, **fields: Any) -> str:
        """A ticket entered at `entered` (UTC) and changed now (the clock moves a minute, as
        for `touch`): on the Help Desk, a parent ticket, open, unless `fields` say otherwise.
        Returns its change time."""
        self.clock += timedelta(minutes=1)
        self._put("tickets", rid, {
            "summary": f"Ticket {rid}", "recordType": "ServiceTicket",
            "board": _ref(board, BOARDS[board - 1][0]), "status": _ref(20, "New"),
            "company": _ref(250, "Company 0", identifier="CO0"),
            "priority": _ref(3, "Priority 3 - Normal Response"),
            "owner": _ref(40, "Tech 0", identifier="tech0"), "closedFlag": False,
            "actualHours": 0.5, "_info": _info(entered, self.clock), **fields})
        return iso(self.clock)

    # -- vendor shapes ---------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        code = {400: "InvalidObject", 401: "Unauthorized", 403: "Forbidden",
                404: "NotFound"}.get(status, "ConnectWiseApi")
        return {"code": code, "message": message, "errors": []}

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return 429, headers, {"code": "TooManyRequests", "message": "Too many requests.",
                              "errors": []}

    def route(self, req: Request) -> Answer:
        expected = base64.b64encode(f"{COMPANY}+{PUBLIC}:{PRIVATE}".encode()).decode()
        if req.headers.get("authorization") != f"Basic {expected}":
            return 401, {}, self.error_body(401, "Basic authentication failed.")
        if req.headers.get("clientid") != CLIENT_ID:
            return 401, {}, self.error_body(401, "A valid clientId header is required.")
        if not req.path.startswith(API) or req.method != "GET":
            return 404, {}, self.error_body(404, f"no route for {req.method} {req.path}")
        path = req.path[len(API):]
        if path in self.answers:
            return self.answers[path]
        if any(path.startswith(p) for p in self.denied):
            return 403, {}, self.error_body(
                403, f"You do not have access to the {path.strip('/')} module.")
        parts = path.strip("/").split("/")
        if path in PATHS:
            rows = list(self.records[PATHS[path]].values())
        elif len(parts) == 4 and parts[:2] == ["finance", "agreements"] and \
                parts[3] == "additions" and parts[2].isdigit():
            if int(parts[2]) not in self.additions:
                return 404, {}, self.error_body(404, f"Agreement with id {parts[2]} not found")
            rows = list(self.additions[int(parts[2])].values())
        else:
            return 404, {}, self.error_body(404, f"no route for GET {path}")
        return self._list(req, rows)

    def _list(self, req: Request, rows: list[dict[str, Any]]) -> Answer:
        query = {k: v[0] for k, v in req.query.items()}
        for clause in re.split(r"\s+and\s+", query.get("conditions", ""), flags=re.I):
            if not clause.strip():
                continue
            found = _CLAUSE.match(clause)
            if not found:
                return 400, {}, {"code": "InvalidObject", "message": "conditions is not valid",
                                 "errors": [{"code": "InvalidCondition", "field": "conditions",
                                             "message": f"cannot parse {clause.strip()!r}",
                                             "resource": "conditions"}]}
            op, bound = found.group(1), _parse(found.group(2))
            rows = [r for r in rows if (r.get("_info") or {}).get("lastUpdated")
                    and _TESTS[op](_parse(r["_info"]["lastUpdated"]), bound)]
        if query.get("orderBy", "id asc").lower() != "id asc":
            return 400, {}, self.error_body(400, f"orderBy {query['orderBy']!r} is not faked")
        rows.sort(key=lambda r: int(r["id"]))
        size = int(query.get("pageSize", "25"))
        if not 1 <= size <= 1000:
            return 400, {}, self.error_body(400, "pageSize must be between 1 and 1000")
        links: list[tuple[str, dict[str, str]]] = []
        if req.headers.get("pagination-type", "").lower() == "forward-only":
            after = int(query.get("pageId", "0"))
            chunk = [r for r in rows if int(r["id"]) > after][:size]
            if len(chunk) == size:
                links.append(("next", {"pageId": str(chunk[-1]["id"])}))
        else:
            page = int(query.get("page", "1"))
            chunk = rows[(page - 1) * size:page * size]
            if page * size < len(rows):
                links.append(("next", {"page": str(page + 1)}))
            if rows:
                links.append(("last", {"page": str(-(-len(rows) // size))}))
        wanted = [f for f in query.get("fields", "").split(",") if f]
        body = [{k: r[k] for k in wanted if k in r} if wanted else r for r in chunk]
        headers = {}
        if links:
            headers["Link"] = ", ".join(
                f'<{self.url}{req.path}?{urlencode({**query, **change}, quote_via=quote)}>; '
                f'rel="{rel}"' for rel, change in links)
        return 200, headers, body


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
