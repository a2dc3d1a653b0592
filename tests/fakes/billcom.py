"""Fake BILL (Bill.com) v3 API, one organization.

- `POST /v3/login` with JSON `{username, password, organizationId, devKey}`: `{sessionId,
  userId, organizationId}`; anything wrong is 400 with the v3 error array
  (`[{timestamp, code, severity, category, message}]`, `BDC_1102`).
- Every other call needs the `devKey` header (wrong or missing: 401 `BDC_1101`) and a
  `sessionId` header naming a live session. A session ends 35 minutes after its last call on
  the fake's clock; an ended or unknown session is answered `session_status` (401 by default)
  with `BDC_1109` "Session is invalid. Please log in.". The "expire" fault ends every session.
- `GET /v3/bills` and `GET /v3/vendors`: `max` (1..100, default 20; else 400 `BDC_1001`),
  `sort=updatedTime:asc` (the default order too; `:desc` the other way), `filters` on
  `updatedTime` (`field:op:"value"`, ops `eq gt gte lt lte`, comma-separated), `page` (a
  token from `nextPage`; one the fake did not hand out is 400). Answers are `{results,
  nextPage, prevPage}`, `nextPage` only while more records follow. Archived records are listed
  with `archived: true`.
- Limits: `hourly_limit` calls an hour of the fake's clock (then 429 `BDC_1144`); the "429"
  fault answers 429 `BDC_1322` (more than 3 calls at once).

`touch(kind, id, **fields)` changes a record now (its `updatedTime` moves to the clock's time);
`answers` gives a path a fixed answer (a surprise body)."""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fakes.clock import FakeClock
from fakes.server import Answer, FakeServer, Request

USERNAME = "ap@harborfield.example"
PASSWORD = "fake-password-1"
ORGANIZATION = "00801FAKEORG000001"
DEV_KEY = "01FAKE-DEV-KEY-0001"
ENV = {"NS_TEST_BILL_USER": USERNAME, "NS_TEST_BILL_PASSWORD": PASSWORD,
       "NS_TEST_BILL_DEV_KEY": DEV_KEY}
"""The environment the `sources_toml` source reads its secrets from."""
SESSION_IDLE = 35 * 60
MAX_PAGE = 100
WALL = datetime(2026, 3, 1, tzinfo=UTC)
"""The fake's wall-clock time when its clock reads its start; records changed before it."""

VENDORS: list[tuple[str, str, bool, bool, bool]] = [
    # (name, networkStatus, bank account on file, track1099, taxId on file)
    ("Brightside Events", "CONNECTED", False, True, True),
    ("Lakeview Pavilion", "NOT_CONNECTED", True, False, False),
    ("Sunday Market Co", "PENDING", False, True, True),
    ("Festival Row LLC", "CONNECTED", False, True, False),
    ("Metro Arena", "CONNECTED_RPPS", False, False, False),
    ("Pop-Up Partners", "NOT_CONNECTED", False, True, False),
]
BILLS: list[tuple[int, str, str, str, str, str, bool]] = [
    # (vendor index or -1 for one the vendor list lacks, amount, dueAmount, dueDate,
    #  approvalStatus, paymentStatus, archived)
    (0, "1000.00", "1000.00", "2026-02-01", "APPROVED", "UNPAID", False),
    (0, "500.00", "200.00", "2026-02-10", "APPROVED", "PARTIAL", False),
    (1, "750.00", "750.00", "2026-02-20", "APPROVING", "UNPAID", False),
    (1, "300.00", "0.00", "2026-01-15", "APPROVED", "PAID", False),
    (2, "1200.00", "1200.00", "2026-02-05", "APPROVED", "UNPAID", False),
    (3, "400.00", "400.00", "2026-03-01", "ASSIGNED", "UNPAID", False),
    (3, "650.00", "650.00", "2026-03-20", "APPROVED", "UNPAID", False),
    (4, "900.00", "900.00", "2026-03-10", "APPROVED", "SCHEDULED", False),
    (5, "250.00", "250.00", "2026-02-28", "APPROVED", "UNPAID", False),
    (0, "600.00", "600.00", "2026-01-31", "APPROVED", "UNPAID", True),
    (4, "800.00", "800.00", "2026-03-15", "DENIED", "UNPAID", False),
    (-1, "100.00", "100.00", "2026-02-14", "APPROVED", "UNPAID", False),
    (1, "350.00", "350.00", "2026-03-14", "DENIED", "UNPAID", False),
]
_FILTER = re.compile(r'^updatedTime:(eq|gt|gte|lt|lte):"?([^"]+)"?$')


def vendor_id(i: int) -> str:
    return f"00901VEN{i:012d}"


def bill_id(i: int) -> str:
    return f"00n01BIL{i:012d}"


def iso(moment: datetime) -> str:
    """Bill.com's timestamps: UTC with milliseconds and a `+0000` offset."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def vendor_record(i: int) -> dict[str, Any]:
    """The i-th vendor as the API lists it (changed 2026-01-05 09:00 plus i hours)."""
    name, network, bank, track, tax = VENDORS[i]
    when = datetime(2026, 1, 5, 9) + timedelta(hours=i)
    return {
        "id": vendor_id(i), "name": name, "shortName": name.split()[0],
        "email": f"ap@{name.split()[0].lower()}.example", "archived": False,
        "accountType": "BUSINESS", "networkStatus": network,
        "paymentInformation": {"payeeName": name, **(
            {"nameOnAccount": name, "accountNumber": "xxxxxx4321",
             "routingNumber": "xxxxx0021"} if bank else {})},
        "track1099": track, "taxIdType": "EIN" if tax else None,
        "taxId": "xx-xxx1234" if tax else None,
        "createdTime": iso(when), "updatedTime": iso(when)}


def bill_record(i: int) -> dict[str, Any]:
    """The i-th bill as the API lists it (created 2026-01-10 12:00, changed i days and 7 i
    minutes later)."""
    v, amount, due, due_date, approval, payment, archived = BILLS[i]
    base = datetime(2026, 1, 10, 12)
    when = base + timedelta(days=i, minutes=7 * i)
    return {
        "id": bill_id(i), "vendorId": vendor_id(v) if v >= 0 else "00901VENNOTLISTED001",
        "vendorName": VENDORS[v][0] if v >= 0 else "Old Venue (deleted)",
        "invoice": {"invoiceNumber": f"B-{30000 + i}", "invoiceDate": "2026-01-10"},
        "dueDate": due_date, "amount": float(amount), "dueAmount": float(due),
        "paymentStatus": payment, "approvalStatus": approval, "archived": archived,
        "createdTime": iso(base), "updatedTime": iso(when)}


def sources_toml(name: str) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), 4 records a page."""
    return f"""
[{name}]
kind = "billcom"
base_url = "{{url}}/connect"
organization_id = "{ORGANIZATION}"
username_env = "NS_TEST_BILL_USER"
password_env = "NS_TEST_BILL_PASSWORD"
dev_key_env = "NS_TEST_BILL_DEV_KEY"
page_size = 4
"""


def _error(code: str, message: str, category: str = "DOWNSTREAM") -> list[dict[str, str]]:
    return [{"timestamp": "2026-03-01T00:00:00.000+0000", "code": code, "severity": "ERROR",
             "category": category, "message": message}]


class BillComFake(FakeServer):
    def __init__(self, clock: FakeClock | None = None, hourly_limit: int | None = None,
                 session_status: int = 401) -> None:
        super().__init__()
        self.clock = clock or FakeClock()
        self.start = self.clock.now
        self.hourly_limit = hourly_limit
        self.session_status = session_status
        self.sessions: dict[str, float] = {}
        """sessionId -> the fake clock's time of its last call."""
        self.logins = 0
        self.calls: list[float] = []
        self.answers: dict[str, Answer] = {}
        self.pages: dict[str, tuple[str, int]] = {}
        """Page token -> (the query it continues, the offset it starts at)."""
        self.records: dict[str, dict[str, dict[str, Any]]] = {}
        self.reset()

    # -- changing the organization -----------------------------------------------------------
    def reset(self) -> None:
        """Every record back to how the fake starts."""
        self.records["vendors"] = {vendor_id(i): vendor_record(i) for i in range(len(VENDORS))}
        self.records["bills"] = {bill_id(i): bill_record(i) for i in range(len(BILLS))}

    def now(self) -> datetime:
        return (WALL + timedelta(seconds=self.clock.now - self.start)).replace(tzinfo=None)

    def touch(self, kind: str, rid: str, **fields: Any) -> None:
        self.records[kind][rid].update(fields, updatedTime=iso(self.now()))

    # -- vendor shapes -----------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return _error("BDC_1000" if status < 500 else "BDC_5000", message)

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return 429, headers, _error("BDC_1322", "Maximum number of concurrent requests "
                                    "reached. Try again later.", "REQUEST_LIMIT")

    def route(self, req: Request) -> Answer:
        if req.path == "/connect/v3/login" and req.method == "POST":
            return self._login(req)
        if self.expired:
            self.expired = False
            self.sessions.clear()
        if req.headers.get("devkey") != DEV_KEY:
            return 401, {}, _error("BDC_1101", "Invalid devKey.", "AUTHENTICATION")
        session = req.headers.get("sessionid", "")
        last = self.sessions.get(session)
        if last is None or self.clock.now - last > SESSION_IDLE:
            self.sessions.pop(session, None)
            return self.session_status, {}, _error("BDC_1109", "Session is invalid. Please "
                                                   "log in.")
        self.sessions[session] = self.clock.now
        if self.hourly_limit is not None:
            self.calls = [t for t in self.calls if self.clock.now - t < 3600] + [self.clock.now]
            if len(self.calls) > self.hourly_limit:
                return 429, {}, _error("BDC_1144", "Maximum number of API requests per hour "
                                       "reached. Try again in the next hour.", "REQUEST_LIMIT")
        if req.path in self.answers:
            return self.answers[req.path]
        kind = {"/connect/v3/bills": "bills", "/connect/v3/vendors": "vendors"}.get(req.path)
        if req.method != "GET" or kind is None:
            return 404, {}, _error("BDC_1004", f"No route {req.method} {req.path}")
        return self._list(req, kind)

    def _login(self, req: Request) -> Answer:
        self.logins += 1
        try:
            form = json.loads(req.body or b"{}")
        except ValueError:
            return 400, {}, _error("BDC_1000", "Request body is not valid JSON")
        wanted = {"username": USERNAME, "password": PASSWORD, "organizationId": ORGANIZATION,
                  "devKey": DEV_KEY}
        if not isinstance(form, dict) or any(form.get(k) != v for k, v in wanted.items()):
            return 400, {}, _error("BDC_1102", "Incorrect username, password, organization "
                                   "or developer key.", "AUTHENTICATION")
        session = f"!{uuid.uuid4().hex}"
        self.sessions[session] = self.clock.now
        return 200, {}, {"sessionId": session, "userId": "00601FAKEUSER0001",
                         "organizationId": ORGANIZATION}

    def _list(self, req: Request, kind: str) -> Answer:
        try:
            size = int(req.arg("max") or 20)
        except ValueError:
            return 400, {}, _error("BDC_1001", "max must be a number", "VALIDATION")
        if not 1 <= size <= MAX_PAGE:
            return 400, {}, _error("BDC_1001", f"max must be between 1 and {MAX_PAGE}",
                                   "VALIDATION")
        query = json.dumps([req.arg("filters"), req.arg("sort"), size])
        token = req.arg("page")
        start = 0
        if token:
            known = self.pages.get(token)
            if known is None or known[0] != query:
                return 400, {}, _error("BDC_1001", "Invalid page value", "VALIDATION")
            start = known[1]
        records = list(self.records[kind].values())
        try:
            for clause in filter(None, (req.arg("filters") or "").split(",")):
                records = _filtered(records, clause)
        except ValueError as exc:
            return 400, {}, _error("BDC_1001", str(exc), "VALIDATION")
        sort = req.arg("sort") or "updatedTime:asc"
        if sort not in ("updatedTime:asc", "updatedTime:desc"):
            return 400, {}, _error("BDC_1001", f"Invalid sort {sort}", "VALIDATION")
        records.sort(key=lambda r: (_when(r["updatedTime"]), r["id"]),
                     reverse=sort.endswith("desc"))
        page = records[start:start + size]
        body: dict[str, Any] = {"results": page}
        if start + size < len(records):
            nxt = base64.urlsafe_b64encode(f"{kind}:{start + size}:{uuid.uuid4().hex[:8]}"
                                           .encode()).decode()
            self.pages[nxt] = (query, start + size)
            body["nextPage"] = nxt
        if start:
            body["prevPage"] = base64.urlsafe_b64encode(f"{kind}:{start}".encode()).decode()
        return 200, {}, body


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("+0000", "+00:00").replace("Z", "+00:00")) \
        .astimezone(UTC).replace(tzinfo=None)


def _filtered(records: list[dict[str, Any]], clause: str) -> list[dict[str, Any]]:
    m = _FILTER.match(clause.strip())
    if not m:
        raise ValueError(f"Invalid filter {clause}")
    op, value = m.groups()
    try:
        moment = _when(value)
    except ValueError:
        raise ValueError(f"Invalid date in filter {clause}") from None
    tests = {"eq": lambda a: a == moment, "gt": lambda a: a > moment,
             "gte": lambda a: a >= moment, "lt": lambda a: a < moment,
             "lte": lambda a: a <= moment}
    return [r for r in records if tests[op](_when(r["updatedTime"]))]
