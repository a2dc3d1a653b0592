"""Fake QuickBooks Online Accounting API v3 and Intuit's OAuth2 token endpoint.

- token endpoint: refresh-token grant with HTTP Basic client auth; every refresh ROTATES the
  refresh token and the old one stops working (`invalid_grant`, HTTP 400);
- `/v3/company/<realm>/query?query=...`: the query language subset connectors use
  (`SELECT * FROM E [WHERE MetaData.LastUpdatedTime >= 't' [AND Active IN (true,false)]]
  ORDERBY MetaData.LastUpdatedTime STARTPOSITION n MAXRESULTS m`), 1-based, max 1000, name lists
  hide inactive rows unless asked, no rows gives `{"QueryResponse": {}}`;
- `/v3/company/<realm>/reports/ProfitAndLoss?start_date=&end_date=&summarize_column_by=Month`:
  the report in Intuit's shape (Header; Columns.Column with ColType and MetaData StartDate,
  EndDate, ColKey; Rows.Row sections by `group` with Header/Rows/Summary, `Data` rows whose
  ColData carry the account id), summed from `pnl` over `pnl_accounts`; a parent account is a
  section of its own (its own postings in its Header), accounts with nothing in the range are
  left out, and with `pnl_numbers` on the names carry the account number ("4110 Sampling
  revenue") as when "Show account numbers" is set;
- 401 in the lowercase `fault` shape, 400 `Fault` validation errors, 429 ThrottleExceeded."""

from __future__ import annotations

import base64
import operator
import re
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
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

        for i in range(1, bills, 2):  # the bills with no balance left were paid, 20 days on
            day = (BASE + timedelta(days=4 * i + 20)).date()
            put("BillPayment", str(8000 + i), {
                "TxnDate": day.isoformat(), "VendorRef": ref(str(80 + i % 8)),
                "PayType": "Check", "TotalAmt": 2000.0 + 10 * i,
                "Line": [{"Amount": 2000.0 + 10 * i,
                          "LinkedTxn": [{"TxnId": str(2000 + i), "TxnType": "Bill"}]}],
            })

        # The P&L the report sums: (account id, name, parent id, report group); amounts by month
        self.pnl_accounts: list[tuple[str, str, str | None, str]] = [
            ("2", "Sampling revenue", None, "Income"), ("3", "Festival revenue", None, "Income"),
            ("5", "Organiser payouts", None, "COGS"), ("70", "Venue fees", "5", "COGS"),
            ("71", "Rent", None, "Expenses"), ("72", "Interest earned", None, "OtherIncome"),
        ]
        self.pnl: dict[str, dict[str, float]] = {
            "2": {"2024-01": 1500.0, "2024-02": 1525.5, "2024-03": 1600.0},
            "3": {"2024-02": 4000.0},
            "5": {"2024-01": 250.0},
            "70": {"2024-01": 1200.0, "2024-03": -30.0},
            "71": {"2023-11": 850.0, "2024-01": 900.0, "2024-02": 900.0, "2024-03": 900.0},
            "72": {"2023-11": 3.21},
        }
        self.pnl_numbers = False

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
        if req.path == f"{prefix}/reports/ProfitAndLoss" and req.method == "GET":
            return self._profit_and_loss(req)
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
                "Invoice", "Bill", "Payment", "CreditMemo", "VendorCredit", "BillPayment",
                "JournalEntry", "Deposit", "Purchase"):
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

    # -- the ProfitAndLoss report ----------------------------------------------------------------
    def _profit_and_loss(self, req: Request) -> Answer:
        try:
            start = date.fromisoformat(req.arg("start_date") or "")
            end = date.fromisoformat(req.arg("end_date") or "")
        except ValueError:
            return 400, {}, self.error_body(400, "start_date and end_date must be YYYY-MM-DD")
        if start > end:
            return 400, {}, self.error_body(400, "start_date must be before end_date")
        if req.arg("summarize_column_by") != "Month":
            return 400, {}, self.error_body(400, "this fake sums by Month only")
        months: list[date] = []
        m = start.replace(day=1)
        while m <= end:
            months.append(m)
            m = date(m.year + m.month // 12, m.month % 12 + 1, 1)
        columns: list[dict[str, Any]] = [
            {"ColTitle": "", "ColType": "Account",
             "MetaData": [{"Name": "ColKey", "Value": "account"}]}]
        for month in months:
            last = date(month.year + month.month // 12, month.month % 12 + 1, 1) - timedelta(1)
            columns.append({"ColTitle": f"{month:%b %Y}", "ColType": "Money", "MetaData": [
                {"Name": "StartDate", "Value": max(month, start).isoformat()},
                {"Name": "EndDate", "Value": min(last, end).isoformat()},
                {"Name": "ColKey", "Value": f"{month:%b %Y}"}]})
        columns.append({"ColTitle": "Total", "ColType": "Money",
                        "MetaData": [{"Name": "ColKey", "Value": "total"}]})
        keys = [f"{month:%Y-%m}" for month in months]
        numbers = {r["Id"]: r.get("AcctNum") for r in self.entities.get("Account", [])}

        def own(acc: str) -> list[float | None]:
            return [self.pnl.get(acc, {}).get(k) for k in keys]

        def total(acc: str) -> list[float]:
            sums = [v or 0.0 for v in own(acc)]
            for child in (a for a, _, parent, _ in self.pnl_accounts if parent == acc):
                sums = [x + y for x, y in zip(sums, total(child), strict=True)]
            return sums

        blank = [{"value": ""}] * (len(keys) + 1)

        def cells(values: list[float | None]) -> list[dict[str, str]]:
            shown = [f"{v:.2f}" if v is not None else "" for v in values]
            whole = sum(v for v in values if v is not None)
            return [*({"value": v} for v in shown), {"value": f"{whole:.2f}"}]

        def summary(title: str, values: list[float]) -> dict[str, Any]:
            return {"ColData": [{"value": title}, *cells(list(values))]}

        def label(acc: str, name: str) -> dict[str, str]:
            number = numbers.get(acc)
            shown = f"{number} {name}" if self.pnl_numbers and number else name
            return {"value": shown, "id": acc}

        def node(acc: str, name: str) -> dict[str, Any] | None:
            kids = [n for n in (node(a, nm) for a, nm, parent, _ in self.pnl_accounts
                                if parent == acc) if n is not None]
            mine = own(acc)
            posted = any(v is not None for v in mine)
            if kids:
                header = [label(acc, name), *(cells(mine) if posted else blank)]
                return {"Header": {"ColData": header}, "Rows": {"Row": kids},
                        "Summary": summary(f"Total {name}", total(acc)), "type": "Section"}
            if posted:
                return {"ColData": [label(acc, name), *cells(mine)], "type": "Data"}
            return None

        rows: list[dict[str, Any]] = []
        titles = {"Income": "Income", "COGS": "Cost of Goods Sold", "Expenses": "Expenses",
                  "OtherIncome": "Other Income"}
        for group, title in titles.items():
            tops = [(a, nm) for a, nm, parent, g in self.pnl_accounts
                    if g == group and parent is None]
            kids = [n for n in (node(a, nm) for a, nm in tops) if n is not None]
            sums = [0.0] * len(keys)
            for a, _ in tops:
                sums = [x + y for x, y in zip(sums, total(a), strict=True)]
            rows.append({"Header": {"ColData": [{"value": title}, *blank]},
                         "Rows": {"Row": kids} if kids else {},
                         "Summary": summary(f"Total {title}", sums),
                         "type": "Section", "group": group})
            if group == "COGS":
                rows.append({"Summary": {"ColData": [{"value": "Gross Profit"}, *blank]},
                             "type": "Section", "group": "GrossProfit"})
        rows.append({"Summary": {"ColData": [{"value": "Net Income"}, *blank]},
                     "type": "Section", "group": "NetIncome"})
        empty = not any(v for acc in self.pnl for v in own(acc) if v is not None)
        return 200, {"intuit_tid": str(uuid.uuid4())}, {
            "Header": {"Time": stamp(datetime.now(UTC)), "ReportName": "ProfitAndLoss",
                       "ReportBasis": req.arg("accounting_method") or "Accrual",
                       "StartPeriod": start.isoformat(), "EndPeriod": end.isoformat(),
                       "SummarizeColumnsBy": "Month", "Currency": "USD",
                       "Option": [{"Name": "AccountingStandard", "Value": "GAAP"},
                                  {"Name": "NoReportData", "Value": str(empty).lower()}]},
            "Columns": {"Column": columns}, "Rows": {"Row": rows}}
