"""Fake ServiceTitan API v2 and its OAuth2 token endpoint, one tenant.

- `POST /connect/token`: client-credentials grant (form body `grant_type`, `client_id`,
  `client_secret`; no scope). A wrong client or secret is 400 `invalid_client` (the OAuth2
  error body). Tokens live `token_life` seconds (900) on the fake's clock and `expires_in`
  says so; the "expire" fault kills every token issued so far.
- Every other call needs `Authorization: Bearer <token>` (an expired or unknown one: 401) and
  `ST-App-Key` (missing or wrong: 401), both answered with ASP.NET problem details
  (`{type, title, status, traceId}`); a tenant other than `TENANT` in the path is 404.
- Export endpoints (`/{module}/v2/tenant/{tenant}/export/{resource}`): `from` is a
  continuation token, a date (`2024-01-01`) or a UTC time (`2024-01-01T06:00:00Z`), or absent
  (everything). Each record carries the sequence number of its last change; an answer holds
  the next `export_batch` records in that order, newest version only, active or not, with
  `hasMore` and `continueFrom` (the token after its last record; the same token again when
  nothing changed). A token the fake did not hand out is 400.
- Job types and campaigns (no export): `page` (from 1), `pageSize` (1..5000, default 50),
  `modifiedOnOrAfter`, `active` (`True` by default, `False`, `Any`), `includeTotal`; ordered by
  id; `{page, pageSize, hasMore, totalCount, data}`.
- Rate limit (`rate_limit`, off by default): more than that many calls in one second of the
  fake's clock are answered 429, with `Retry-After: 1` unless `limit_retry_after` is off.
- Timestamps are UTC with seven decimals, as .NET writes them (`2024-01-01T10:00:00.1230000Z`);
  invoice and payment amounts are text, job totals and estimate amounts numbers.

`touch(kind, id, **fields)` changes (or adds) a record now, `answers` gives a path a fixed
answer (a surprise body)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from fakes.clock import FakeClock
from fakes.server import Answer, FakeServer, Request

TENANT = "1234567890"
CLIENT_ID = "cid.fake-northstar"
CLIENT_SECRET = "cs1.fake-secret"
APP_KEY = "ak1.fake-app-key"
ENV = {"NS_TEST_ST_CLIENT_ID": CLIENT_ID, "NS_TEST_ST_CLIENT_SECRET": CLIENT_SECRET,
       "NS_TEST_ST_APP_KEY": APP_KEY}
"""The environment the `sources_toml` source reads its secrets from."""
BASE = datetime(2024, 1, 1)
MAX_PAGE = 5000

EXPORTS = {
    "/settings/v2/tenant/{t}/export/business-units": "business_units",
    "/crm/v2/tenant/{t}/export/customers": "customers",
    "/crm/v2/tenant/{t}/export/locations": "locations",
    "/jpm/v2/tenant/{t}/export/jobs": "jobs",
    "/jpm/v2/tenant/{t}/export/appointments": "appointments",
    "/sales/v2/tenant/{t}/export/estimates": "estimates",
    "/accounting/v2/tenant/{t}/export/invoices": "invoices",
    "/accounting/v2/tenant/{t}/export/payments": "payments",
    "/payroll/v2/tenant/{t}/export/gross-pay-items": "gross_pay_items",
}
LISTS = {"/jpm/v2/tenant/{t}/job-types": "job_types",
         "/marketing/v2/tenant/{t}/campaigns": "campaigns"}
KINDS = (*EXPORTS.values(), *LISTS.values())
UNITS = [(11, "Phoenix-Sales", True), (12, "Phoenix-Production", True),
         (13, "Z-DO NOT USE - West - Sales", False),
         (14, "Z-DO NOT USE - West- Production", False)]
JOB_TYPES = [(101, "ESTIMATE-RES-EXT", True), (102, "Interior Repaint", True),
             (103, "Warranty", True), (104, "PM Inspection", False), (105, "Touchup", True)]
CAMPAIGNS = [(201, "Google Ads", "Paid"), (202, "Yard Signs", "Offline"),
             (203, "Referral", "Word of mouth")]


def sources_toml(name: str) -> str:
    """A `sources.toml` table for the fake (`{url}` to fill in), 2 records a list page."""
    return f"""
[{name}]
kind = "servicetitan"
base_url = "{{url}}"
token_url = "{{url}}/connect/token"
tenant = "{TENANT}"
client_id_env = "NS_TEST_ST_CLIENT_ID"
client_secret_env = "NS_TEST_ST_CLIENT_SECRET"
app_key_env = "NS_TEST_ST_APP_KEY"
page_size = 2
"""


def st(moment: datetime) -> str:
    """A moment as ServiceTitan writes it: UTC, seven decimals, `Z`."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def token_for(seq: int) -> str:
    return base64.urlsafe_b64encode(f"st-export:{seq}".encode()).decode()


def seq_of(token: str) -> int | None:
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    head, _, number = text.partition(":")
    return int(number) if head == "st-export" and number.isdigit() else None


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def problem(status: int, title: str, **errors: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"type": f"https://tools.ietf.org/html/rfc7231#section-{status}",
                            "title": title, "status": status,
                            "traceId": "00-fake0trace0id-01"}
    if errors:
        body["errors"] = errors
    return body


class ServiceTitanFake(FakeServer):
    def __init__(self, jobs: int = 6, clock: FakeClock | None = None, token_life: float = 900,
                 export_batch: int = 4, rate_limit: int | None = None,
                 limit_retry_after: bool = True) -> None:
        super().__init__()
        self.clock = clock or FakeClock()
        self.token_life = token_life
        self.export_batch = export_batch
        self.rate_limit = rate_limit
        self.limit_retry_after = limit_retry_after
        self.tokens: dict[str, float] = {}
        self.token_requests = 0
        self.calls: list[float] = []
        """When each API call arrived, on the fake clock (the rate limit's memory)."""
        self.answers: dict[str, Answer] = {}
        self.records: dict[str, dict[int, dict[str, Any]]] = {}
        self.seq = 0
        self.now = BASE
        self.jobs = jobs
        self.reset()

    def reset(self) -> None:
        """Back to the generated tenant: the same records, sequence numbers and tokens."""
        self.records = {k: {} for k in KINDS}
        self.seq = 0
        self.now = BASE + timedelta(days=400)
        """The vendor's clock for `modifiedOn` of changes made by `touch`."""
        self._generate(self.jobs)

    # -- the tenant's data ---------------------------------------------------------------
    def _put(self, kind: str, rid: int, changed: datetime, record: dict[str, Any]) -> None:
        self.records[kind][rid] = {"id": rid, **record, "createdOn": st(changed),
                                   "modifiedOn": st(changed), "_changed": changed}

    def _generate(self, jobs: int) -> None:
        for n, (rid, name, active) in enumerate(UNITS):
            self._put("business_units", rid, BASE + timedelta(minutes=n), {
                "name": name, "officialName": f"Andy's Painting {name}", "active": active})
        for n, (rid, name, active) in enumerate(JOB_TYPES):
            self._put("job_types", rid, BASE + timedelta(minutes=10 + n), {
                "name": name, "businessUnitIds": [11, 12], "class": "Painting",
                "priority": "Normal", "duration": 3600 * (n + 1), "soldThreshold": 500,
                "noCharge": name in ("Warranty", "Touchup"), "active": active})
        for n, (rid, name, category) in enumerate(CAMPAIGNS):
            self._put("campaigns", rid, BASE + timedelta(minutes=20 + n), {
                "name": name, "category": {"id": 300 + n, "name": category}, "active": True})
        for c in range(4):
            changed = BASE + timedelta(hours=1, minutes=c)
            self._put("customers", 1000 + c, changed, {
                "name": f"Customer {c}", "type": "Commercial" if c == 3 else "Residential",
                "balance": 120.5 * c, "mergedToId": None, "active": True})
            self._put("locations", 2000 + c, changed, {
                "customerId": 1000 + c, "name": f"Home {c}", "taxZoneId": 7,
                "address": {"street": f"{c} Main St", "city": "Phoenix", "state": "AZ",
                            "zip": f"8500{c}", "country": "USA"}, "mergedToId": None,
                "active": True})
        for i in range(jobs):
            self.add_job(i)

    def add_job(self, i: int) -> None:
        """Job i with its appointment, estimate (even i), invoice (two items), payment
        (unless i % 3 == 2) and gross pay item, all changed on day i + 1."""
        day = BASE + timedelta(days=i + 1, hours=15)
        unit, jtype = UNITS[i % 4][0], JOB_TYPES[i % 5][0]
        customer = 1000 + i % 4
        completed = i % 2 == 0
        total = 250.5 + 100 * i
        job: dict[str, Any] = {
            "jobNumber": f"J{5000 + i}", "projectId": None, "customerId": customer,
            "locationId": 2000 + i % 4, "jobStatus": "Completed" if completed else "Scheduled",
            "completedOn": st(day + timedelta(hours=4)) if completed else None,
            "businessUnitId": unit, "jobTypeId": jtype, "priority": "Normal",
            "campaignId": CAMPAIGNS[i % 3][0], "summary": "<p>Repaint</p>",
            "customFields": [], "externalData": [], "appointmentCount": 1,
            "firstAppointmentId": 40000 + i, "lastAppointmentId": 40000 + i,
            "recallForId": None, "warrantyId": 3000 if jtype == 103 else None,
            "jobGeneratedLeadSource": None, "noCharge": jtype in (103, 105),
            "notificationsEnabled": True, "createdById": 9, "tagTypeIds": [],
            "leadCallId": None, "bookingId": None, "soldById": 77 if completed else None,
            "customerPo": "", "invoiceId": 60000 + i, "membershipId": None, "total": total,
            "createdFromEstimateId": 50000 + i if i % 2 == 0 else None,
            "estimateIds": [50000 + i] if i % 2 == 0 else [], "equipmentIds": [],
            "active": True}
        self._put("jobs", 3000 + i, day, job)
        self._put("appointments", 40000 + i, day, {
            "jobId": 3000 + i, "appointmentNumber": f"J{5000 + i}-1",
            "start": st(day + timedelta(days=2)), "end": st(day + timedelta(days=2, hours=6)),
            "arrivalWindowStart": None, "arrivalWindowEnd": None,
            "status": "Done" if completed else "Scheduled", "specialInstructions": None,
            "customerId": customer, "unused": False, "createdById": 9, "isConfirmed": True,
            "active": True})
        if i % 2 == 0:
            self._put("estimates", 50000 + i, day, {
                "jobId": 3000 + i, "projectId": None, "locationId": 2000 + i % 4,
                "customerId": customer, "name": f"Estimate {i}", "jobNumber": f"J{5000 + i}",
                "status": {"value": 1, "name": "Sold"}, "reviewStatus": "None",
                "summary": "", "soldOn": st(day - timedelta(hours=2)), "soldBy": 77,
                "items": [], "externalLinks": [], "subtotal": total, "tax": 0.0,
                "businessUnitId": unit, "businessUnitName": UNITS[i % 4][1],
                "isRecommended": False, "isChangeOrder": False, "active": True})
        invoice = 60000 + i
        unit_ref = {"id": unit, "name": UNITS[i % 4][1]}
        self._put("invoices", invoice, day, {
            "syncStatus": "Pending", "summary": "", "referenceNumber": f"INV-{invoice}",
            "invoiceDate": st(datetime(day.year, day.month, day.day)),
            "dueDate": st(datetime(day.year, day.month, day.day) + timedelta(days=30)),
            "subTotal": f"{total:.2f}", "salesTax": "0.00", "total": f"{total:.2f}",
            "balance": f"{total:.2f}" if i % 3 == 2 else "0.00",
            "invoiceType": {"id": 1, "name": "Job"},
            "customer": {"id": customer, "name": f"Customer {i % 4}"},
            "location": {"id": 2000 + i % 4, "name": f"Home {i % 4}"},
            "businessUnit": unit_ref, "termName": "Net 30", "createdBy": "office",
            "batch": None, "adjustmentToId": None,
            "job": {"id": 3000 + i, "number": f"J{5000 + i}", "type": JOB_TYPES[i % 5][1]},
            "projectId": None, "royalty": None, "employeeInfo": None,
            "commissionEligibilityDate": None, "customFields": [], "active": True,
            "items": [
                {"id": 700000 + 2 * i, "description": "Labor", "quantity": "8.0000",
                 "cost": "0.00", "totalCost": "0.00", "price": "25.0000",
                 "type": "Service", "skuName": "LABOR-HR", "skuId": 11,
                 "total": f"{total - 50.5:.2f}", "inventory": False, "taxable": False,
                 "soldHours": 8.0, "modifiedOn": st(day), "serviceDate": st(day),
                 "order": 1, "businessUnit": unit_ref, "active": True},
                {"id": 700001 + 2 * i, "description": "Paint, 5 gal", "quantity": "1.5000",
                 "cost": "22.125", "totalCost": "33.19", "price": "33.6667",
                 "type": "Material", "skuName": "PAINT-5G", "skuId": 12, "total": "50.50",
                 "inventory": True, "taxable": False, "soldHours": None,
                 "modifiedOn": st(day), "serviceDate": st(day), "order": 2,
                 "businessUnit": unit_ref, "active": True}]})
        if i % 3 != 2:
            self._put("payments", 80000 + i, day + timedelta(hours=1), {
                "syncStatus": "Pending", "referenceNumber": f"PAY-{80000 + i}",
                "date": st(day + timedelta(hours=1)), "type": "Credit Card", "typeId": "5",
                "total": f"{total:.2f}", "unappliedAmount": "0.00", "memo": None,
                "customer": {"id": customer, "name": f"Customer {i % 4}"},
                "businessUnit": unit_ref, "batch": {"id": 9, "number": "9", "name": "Day"},
                "createdBy": "office", "generalLedgerAccount": None, "customFields": [],
                "authCode": None, "checkNumber": None, "active": True,
                "appliedTo": [{"appliedId": 90000 + i, "appliedTo": invoice,
                               "appliedAmount": f"{total:.2f}",
                               "appliedOn": st(day + timedelta(hours=1)),
                               "appliedBy": "office", "appliedToReferenceNumber":
                               f"INV-{invoice}"}]})
        self._put("gross_pay_items", 95000 + i, day + timedelta(hours=2), {
            "employeeId": 77, "employeeType": "Technician", "businessUnitName": UNITS[i % 4][1],
            "payrollId": 500, "date": st(datetime(day.year, day.month, day.day)),
            "activity": "Working", "activityCodeId": 3, "activityCode": "WRK",
            "amount": 8 * 31.25, "amountAdjustment": 0, "payoutBusinessUnitName": None,
            "grossPayItemType": "TimesheetTime", "startedOn": st(day),
            "endedOn": st(day + timedelta(hours=8)), "paidDurationHours": 8.0,
            "paidTimeType": "Regular", "sourceEntityId": 123000 + i, "jobId": 3000 + i,
            "jobNumber": f"J{5000 + i}", "jobTypeName": JOB_TYPES[i % 5][1],
            "invoiceId": invoice, "invoiceItemId": 700000 + 2 * i, "active": True})
        self._renumber()

    def _renumber(self) -> None:
        """Give every record that has none the sequence number of its change, in change order
        (the generated records), so `modifiedOn` grows with the sequence."""
        fresh = [(r["_changed"], kind, rid) for kind in KINDS
                 for rid, r in self.records[kind].items() if "_seq" not in r]
        for _, kind, rid in sorted(fresh):
            self.seq += 1
            self.records[kind][rid]["_seq"] = self.seq

    def touch(self, kind: str, rid: int, **fields: Any) -> str:
        """Change (or add) a record now: `modifiedOn` and its sequence move on; returns the
        new `modifiedOn`."""
        self.now += timedelta(minutes=1, microseconds=123)
        record = self.records[kind].setdefault(rid, {"id": rid, "createdOn": st(self.now)})
        record.update(fields)
        self.seq += 1
        record.update({"modifiedOn": st(self.now), "_changed": self.now, "_seq": self.seq})
        return record["modifiedOn"]  # type: ignore[no-any-return]

    # -- vendor shapes ---------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return problem(status, message)

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return 429, headers, problem(429, "Too many requests, please try again later.")

    def route(self, req: Request) -> Answer:
        if req.path == "/connect/token" and req.method == "POST":
            return self._token(req)
        refused = self.refused(req)
        if refused is not None:
            return refused
        if req.path in self.answers:
            return self.answers[req.path]
        parts = req.path.split("/")
        if len(parts) > 4 and parts[3] == "tenant" and parts[4] != TENANT:
            return 404, {}, problem(404, f"Tenant {parts[4]} was not found.")
        shape = req.path.replace(f"/tenant/{TENANT}/", "/tenant/{t}/")
        if req.method == "GET" and shape in EXPORTS:
            return self._export(req, EXPORTS[shape])
        if req.method == "GET" and shape in LISTS:
            return self._list(req, LISTS[shape])
        return 404, {}, problem(404, f"No route for {req.method} {req.path}")

    def refused(self, req: Request) -> Answer | None:
        """The answer to a call without a live token or the app key, or over the rate limit;
        None when the call may go on."""
        if self.expired:
            self.expired = False
            self.tokens.clear()
        bearer = req.headers.get("authorization", "")
        if not bearer.startswith("Bearer ") or \
                self.tokens.get(bearer[len("Bearer "):], float("-inf")) <= self.clock.now:
            return 401, {"WWW-Authenticate": 'Bearer error="invalid_token"'}, problem(
                401, "Unauthorized")
        if req.headers.get("st-app-key") != APP_KEY:
            return 401, {}, problem(401, "The ST-App-Key header is missing or not valid.")
        if self.rate_limit is not None:
            self.calls = [t for t in self.calls if t > self.clock.now - 1]
            if len(self.calls) >= self.rate_limit:
                return self.throttle(1 if self.limit_retry_after else None)
            self.calls.append(self.clock.now)
        return None

    def _token(self, req: Request) -> Answer:
        self.token_requests += 1
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != "client_credentials":
            return 400, {}, {"error": "unsupported_grant_type"}
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return 400, {}, {"error": "invalid_client"}
        token = f"st-{uuid.uuid4().hex}"
        self.tokens[token] = self.clock.now + self.token_life
        return 200, {}, {"access_token": token, "expires_in": int(self.token_life),
                         "token_type": "Bearer", "scope": "tn.jpm tn.crm tn.accounting"}

    def _export(self, req: Request, kind: str) -> Answer:
        start = req.arg("from")
        rows = sorted(self.records[kind].values(), key=lambda r: r["_seq"])
        after = 0
        if start:
            seq = seq_of(start)
            if seq is not None:
                if seq > self.seq:
                    return 400, {}, problem(400, "Invalid continuation token.",
                                            **{"from": [f"'{start}' is not valid."]})
                after = seq
            else:
                moment = _parse(start)
                if moment is None:
                    return 400, {}, problem(400, "One or more validation errors occurred.",
                                            **{"from": [f"'{start}' is not a token or date."]})
                rows = [r for r in rows if r["_changed"] >= moment]
                after = -1
        rows = [r for r in rows if r["_seq"] > after]
        batch = rows[:self.export_batch]
        if batch:
            token = token_for(batch[-1]["_seq"])
        else:
            token = start if after > 0 and start else token_for(self.seq)
        data = [self.public(r) for r in batch]
        return 200, {}, {"hasMore": len(rows) > len(batch), "continueFrom": token,
                         "data": data}

    def _list(self, req: Request, kind: str) -> Answer:
        try:
            page = int(req.arg("page") or 1)
            size = int(req.arg("pageSize") or 50)
        except ValueError:
            return 400, {}, problem(400, "One or more validation errors occurred.",
                                    page=["must be a number"])
        if not 1 <= size <= MAX_PAGE or page < 1:
            return 400, {}, problem(400, "One or more validation errors occurred.",
                                    pageSize=[f"must be between 1 and {MAX_PAGE}"])
        rows = sorted(self.records[kind].values(), key=lambda r: r["id"])
        active = (req.arg("active") or "True").lower()
        wanted: Callable[[dict[str, Any]], bool] = {
            "true": lambda r: r.get("active") is True,
            "false": lambda r: r.get("active") is False, "any": lambda r: True,
        }.get(active, lambda r: r.get("active") is True)
        rows = [r for r in rows if wanted(r)]
        since = req.arg("modifiedOnOrAfter")
        if since:
            moment = _parse(since)
            if moment is None:
                return 400, {}, problem(400, "One or more validation errors occurred.",
                                        modifiedOnOrAfter=[f"'{since}' is not a date."])
            rows = [r for r in rows if r["_changed"] >= moment]
        chunk = rows[(page - 1) * size:page * size]
        total = len(rows) if (req.arg("includeTotal") or "").lower() == "true" else None
        return 200, {}, {"page": page, "pageSize": size, "hasMore": page * size < len(rows),
                         "totalCount": total, "data": [self.public(r) for r in chunk]}

    @staticmethod
    def public(record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if not k.startswith("_")}
