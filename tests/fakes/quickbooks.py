"""Fake QuickBooks Online Accounting API v3 and Intuit's OAuth2 token endpoint.

- token endpoint: refresh-token grant with HTTP Basic client auth; every refresh ROTATES the
  refresh token and the old one stops working (`invalid_grant`, HTTP 400);
- `/v3/company/<realm>/query?query=...`: the query language subset connectors use
  (`SELECT * FROM E [WHERE MetaData.LastUpdatedTime >= 't' [AND Active IN (true,false)]]
  ORDERBY MetaData.LastUpdatedTime STARTPOSITION n MAXRESULTS m`), 1-based, max 1000, name lists
  hide inactive rows unless asked, no rows gives `{"QueryResponse": {}}`;
- 401 in the lowercase `fault` shape, 400 `Fault` validation errors, 429 ThrottleExceeded."""

from __future__ import annotations

import base64
import operator
import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs

from fakes.server import Answer, FakeServer, Request

CLIENT_ID = "ABfakeclientid"
CLIENT_SECRET = "fakeclientsecret"
FIRST_REFRESH = "AB11-first-refresh-token"
REALM = "9130350000000000"
BASE = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
PST = timedelta(hours=-8)

_QUERY = re.compile(
    r"^SELECT \* FROM (?P<entity>\w+)(?: WHERE (?P<where>.+?))?"
    r"(?: ORDERBY (?P<order>[\w.]+)(?: (?:ASC|DESC))?)?"
    r"(?: STARTPOSITION (?P<start>\d+))?(?: MAXRESULTS (?P<max>\d+))?$", re.IGNORECASE)


_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
        "=": operator.eq}


def stamp(moment: datetime) -> str:
    """QuickBooks writes times in the company's zone with an offset."""
    return moment.astimezone(timezone(PST)).isoformat()


def ref(value: str, name: str | None = None) -> dict[str, str]:
    return {"value": value, "name": name or value}


class QuickBooksFake(FakeServer):
    def __init__(self, invoices: int = 30, bills: int = 20) -> None:
        super().__init__()
        self.refresh_token = FIRST_REFRESH
        self.access: str | None = None
        self.refreshes = 0
        self.entities: dict[str, list[dict[str, Any]]] = {}
        t = iter(range(100_000))

        def meta() -> dict[str, str]:
            when = BASE + timedelta(minutes=7 * next(t) // 2)  # pairs share a second
            return {"CreateTime": stamp(when - timedelta(days=1)), "LastUpdatedTime": stamp(when)}

        def put(entity: str, rid: str, body: dict[str, Any]) -> None:
            self.entities.setdefault(entity, []).append(
                {"Id": rid, "SyncToken": "0", "domain": "QBO", "sparse": False,
                 "MetaData": meta(), **body})

        accounts = [("1", "Checking", "Bank", "1000"), ("2", "Sampling revenue", "Income", "4110"),
                    ("3", "Festival revenue", "Income", "4120"), ("4", "Discounts", "Income",
                                                                     "4190"),
                    ("5", "Organiser payouts", "Cost of Goods Sold", "4200"),
                    ("6", "Old income", "Income", "4999")]
        for rid, name, kind, num in accounts:
            put("Account", rid, {"Name": name, "FullyQualifiedName": name, "AccountType": kind,
                                 "Classification": "Revenue" if kind == "Income" else "Asset",
                                 "AcctNum": num, "CurrentBalance": 0, "Active": rid != "6"})
        put("Item", "1", {"Name": "Sampling day", "Type": "Service", "UnitPrice": 1500,
                          "IncomeAccountRef": ref("2"), "Active": True})
        put("Item", "2", {"Name": "Festival booth", "Type": "Service", "UnitPrice": 4000,
                          "IncomeAccountRef": ref("3"), "ExpenseAccountRef": ref("5"),
                          "Active": True})
        for i in range(8):
            put("Customer", str(60 + i), {"DisplayName": f"Brand {i}", "CompanyName": f"Brand {i}",
                                          "PrimaryEmailAddr": {"Address": f"ap@brand{i}.example"},
                                          "Balance": 0, "Active": i != 7})
            put("Vendor", str(80 + i), {"DisplayName": f"Venue {i}", "CompanyName": f"Venue {i}",
                                        "Balance": 0, "Vendor1099": i % 2 == 0, "Active": True})
        for i in range(invoices):
            day = (BASE + timedelta(days=3 * i)).date()
            lines: list[dict[str, Any]] = [
                {"Id": "1", "LineNum": 1, "Amount": 1500.0 + i,
                 "DetailType": "SalesItemLineDetail",
                 "Description": "Sampling",
                 "SalesItemLineDetail": {"ItemRef": ref("1"), "Qty": 1, "UnitPrice": 1500 + i}},
                {"Id": "2", "LineNum": 2, "Amount": 4000.0, "DetailType": "SalesItemLineDetail",
                 "SalesItemLineDetail": {"ItemRef": ref("2"), "Qty": 1}},
                {"Amount": 5500.0 + i, "DetailType": "SubTotalLineDetail",
                 "SubTotalLineDetail": {}},
            ]
            total = 5500.0 + i
            if i % 4 == 0:
                lines.append({"Id": "3", "LineNum": 3, "Amount": 100.0,
                              "DetailType": "DiscountLineDetail",
                              "DiscountLineDetail": {"PercentBased": False,
                                                     "DiscountAccountRef": ref("4")}})
                total -= 100.0
            paid = total if i % 3 else 0.0
            put("Invoice", str(1000 + i), {
                "DocNumber": f"INV-{1000 + i}", "TxnDate": day.isoformat(),
                "DueDate": (day + timedelta(days=30)).isoformat(),
                "CustomerRef": ref(str(60 + i % 8)),
                "CurrencyRef": ref("USD", "United States Dollar"),
                "TotalAmt": total, "Balance": total - paid, "Line": lines,
            })
            if paid:
                put("Payment", str(3000 + i), {
                    "TxnDate": (day + timedelta(days=9)).isoformat(),
                    "CustomerRef": ref(str(60 + i % 8)), "TotalAmt": paid, "UnappliedAmt": 0,
                    "DepositToAccountRef": ref("1"),
                    "Line": [{"Amount": paid, "LinkedTxn": [{"TxnId": str(1000 + i),
                                                              "TxnType": "Invoice"}]}],
                })
            if i % 10 == 5:
                put("CreditMemo", str(4000 + i), {
                    "DocNumber": f"CM-{i}", "TxnDate": day.isoformat(),
                    "CustomerRef": ref(str(60 + i % 8)), "TotalAmt": 250.0, "Balance": 0,
                    "RemainingCredit": 0,
                    "Line": [{"Id": "1", "LineNum": 1, "Amount": 250.0,
                              "DetailType": "SalesItemLineDetail",
                              "SalesItemLineDetail": {"ItemRef": ref("1")}}],
                })
        for i in range(bills):
            day = (BASE + timedelta(days=4 * i)).date()
            put("Bill", str(2000 + i), {
                "DocNumber": f"B-{i}", "TxnDate": day.isoformat(),
                "DueDate": (day + timedelta(days=15)).isoformat(),
                "VendorRef": ref(str(80 + i % 8)),
                "TotalAmt": 2000.0 + 10 * i, "Balance": 0 if i % 2 else 2000.0 + 10 * i,
                "Line": [{"Id": "1", "LineNum": 1, "Amount": 1500.0 + 10 * i,
                          "DetailType": "AccountBasedExpenseLineDetail",
                          "AccountBasedExpenseLineDetail": {"AccountRef": ref("5")}},
                         {"Id": "2", "LineNum": 2, "Amount": 500.0,
                          "DetailType": "ItemBasedExpenseLineDetail",
                          "ItemBasedExpenseLineDetail": {"ItemRef": ref("2")}}],
            })
            if i % 5 == 1:
                put("VendorCredit", str(7000 + i), {
                    "TxnDate": day.isoformat(), "VendorRef": ref(str(80 + i % 8)),
                    "TotalAmt": 300.0, "Balance": 300.0,
                    "Line": [{"Id": "1", "LineNum": 1, "Amount": 300.0,
                              "DetailType": "AccountBasedExpenseLineDetail",
                              "AccountBasedExpenseLineDetail": {"AccountRef": ref("5")}}],
                })

    def touch(self, entity: str, rid: str, **fields: Any) -> None:
        for row in self.entities[entity]:
            if row["Id"] == rid:
                row.update(fields)
                row["SyncToken"] = str(int(row["SyncToken"]) + 1)
                latest = max(datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"])
                             for rows in self.entities.values() for r in rows)
                row["MetaData"] = {**row["MetaData"],
                                   "LastUpdatedTime": stamp(latest + timedelta(minutes=5))}
                return
        raise KeyError(rid)

    # -- vendor shapes ---------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        return {"Fault": {"Error": [{"Message": message, "Detail": message, "code": "10000"}],
                          "type": "SystemFault" if status >= 500 else "ValidationFault"},
                "time": stamp(datetime.now(UTC))}

    def throttle(self, retry_after: float | None) -> Answer:
        headers = {"intuit_tid": str(uuid.uuid4())}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return 429, headers, {"Fault": {"Error": [{
            "Message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
            "Detail": "The request limit was reached.", "code": "3001"}], "type": "SERVICE"},
            "time": stamp(datetime.now(UTC))}

    def route(self, req: Request) -> Answer:
        if req.path == "/oauth2/v1/tokens/bearer":
            return self._token(req)
        auth = req.headers.get("authorization", "")
        if self.expired or self.access is None or auth != f"Bearer {self.access}":
            self.expired = False
            self.access = None  # an expired token stays dead until the next refresh
            return 401, {}, {"fault": {"error": [{
                "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                "detail": "Token expired: " + auth[7:15] + "...", "code": "3200"}],
                "type": "AUTHENTICATION"}, "time": stamp(datetime.now(UTC))}
        prefix = f"/v3/company/{REALM}"
        if req.path != f"{prefix}/query" or req.method != "GET":
            return 404, {}, self.error_body(404, f"no route {req.path}")
        if req.headers.get("accept") != "application/json":
            return 400, {}, self.error_body(400, "this fake only speaks JSON")
        return self._query(req.arg("query") or "")

    def _token(self, req: Request) -> Answer:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if req.headers.get("authorization") != f"Basic {expected}":
            return 401, {}, {"error": "invalid_client"}
        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if form.get("grant_type") != "refresh_token" or \
                form.get("refresh_token") != self.refresh_token:
            return 400, {}, {"error": "invalid_grant",
                             "error_description": "Incorrect or invalid refresh token"}
        self.refreshes += 1
        self.refresh_token = f"AB11-rotated-{self.refreshes}-{uuid.uuid4().hex[:8]}"
        self.access = f"eyJfake.{uuid.uuid4().hex}"
        return 200, {}, {"access_token": self.access, "token_type": "bearer",
                         "expires_in": 3600, "refresh_token": self.refresh_token,
                         "x_refresh_token_expires_in": 8_726_400}

    def _query(self, sql: str) -> Answer:
        m = _QUERY.match(sql.strip())
        if not m:
            return 400, {}, self.error_body(400, f"Error parsing query: {sql}")
        entity = m["entity"]
        rows = [r for r in self.entities.get(entity, [])]
        if entity not in self.entities and entity not in (
                "Invoice", "Bill", "Payment", "CreditMemo", "VendorCredit"):
            return 400, {}, self.error_body(400, f"Invalid entity {entity}")
        want_all = False
        for cond in (m["where"] or "").split(" AND ") if m["where"] else []:
            c = cond.strip()
            if c.lower() == "active in (true,false)":
                want_all = True
                continue
            t = re.match(r"^MetaData\.LastUpdatedTime\s*(>=|>|<=|<|=)\s*'([^']+)'$", c)
            if not t:
                return 400, {}, self.error_body(400, f"Error parsing query: unsupported {c}")
            bound = datetime.fromisoformat(t[2])
            compare = _OPS[t[1]]
            rows = [r for r in rows if compare(
                datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]), bound)]
        if entity in ("Account", "Customer", "Vendor", "Item") and not want_all:
            rows = [r for r in rows if r.get("Active", True)]
        if m["order"]:
            rows.sort(key=lambda r: (datetime.fromisoformat(r["MetaData"]["LastUpdatedTime"]),
                                     int(r["Id"])))
        start = int(m["start"] or 1)
        size = int(m["max"] or 100)
        if size > 1000 or start < 1:
            return 400, {}, self.error_body(400, "MAXRESULTS must be at most 1000")
        page = rows[start - 1:start - 1 + size]
        now = stamp(datetime.now(UTC))
        if not page:
            return 200, {}, {"QueryResponse": {}, "time": now}
        return 200, {"intuit_tid": str(uuid.uuid4())}, {
            "QueryResponse": {entity: page, "startPosition": start, "maxResults": len(page)},
            "time": now}
