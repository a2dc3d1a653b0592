"""QuickBooks Online (Accounting API v3): accounts (the chart of accounts: type,
classification), customers, vendors, items, invoices, credit memos, bills, vendor credits (each
with their lines), payments, bill payments, journal entries, deposits and purchases (expenses,
checks and card charges, with their lines: what the general ledger is built from), and the
Profit and Loss report by month (`profit_and_loss`, the same rows a QuickBooks Desktop export
gives).

Auth: OAuth2 refresh-token grant; Intuit may rotate the refresh token on any refresh, and the
new one is stored at once (see auth.py). Records are read with the query language, ordered by
`MetaData.LastUpdatedTime` and paged by keyset: each page asks for rows at or after the last
timestamp seen, skipping the ones already read at exactly that second, so rows edited during a
run are never skipped. Name lists (accounts, customers, vendors, items) include inactive rows.
Lines are written to the tables the marketplace pack reads (`invoice_lines`, `bill_lines`...),
with the ledger account number looked up through the item or account they post to.

The P&L is a report, not a list of records: each run asks for it by month, in spans of at most
six months (Intuit's advice), from the cursor's month less three closed months (a closed month's
P&L still changes: late bills, corrections; each change becomes a new version) to the current
month. An account the ledger holds for a month the report covers but no longer lists gets a
new version with amount 0. The first run starts at `start_date`, or else on 1 January of last
year; `--backfill-from` re-reads from that month."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from northstar.ledger.store import utcnow
from northstar.sources.auth import OAuth2Refresh
from northstar.sources.base import MONEY, TS, Connector, ObjectSpec, Record, Row, TableSpec
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient, vendor_message
from northstar.sources.quickbooks_report import month_ranges, report_rows
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError, boolean, day, money, ref, text, timestamp

S = pa.string()
D = pa.date32()
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
MINOR_VERSION = "75"
REPORT_MONTHS = 6
"""Months asked in one ProfitAndLoss request."""
PNL_LOOKBACK = timedelta(days=85)
"""Before the cursor's month start, 85 days always lands in the month three months earlier: the
last three closed months are read again on every run."""

_ACCOUNTS = TableSpec("qbo_accounts", (
    ("id", S), ("name", S), ("fully_qualified_name", S), ("account_type", S),
    ("account_sub_type", S), ("classification", S), ("acct_num", S), ("current_balance", MONEY),
    ("active", pa.bool_()), ("updated_at", TS),
))
_CUSTOMERS = TableSpec("qbo_customers", (
    ("id", S), ("display_name", S), ("company_name", S), ("email", S), ("balance", MONEY),
    ("active", pa.bool_()), ("updated_at", TS), ("client_id", S),
))
_VENDORS = TableSpec("qbo_vendors", (
    ("id", S), ("display_name", S), ("company_name", S), ("balance", MONEY),
    ("vendor_1099", pa.bool_()), ("active", pa.bool_()), ("updated_at", TS), ("client_id", S),
))
_ITEMS = TableSpec("qbo_items", (
    ("id", S), ("name", S), ("type", S), ("unit_price", MONEY), ("income_account_id", S),
    ("expense_account_id", S), ("active", pa.bool_()), ("updated_at", TS),
))


def _header(key: str, party: str) -> TableSpec:
    return TableSpec(key, (
        ("id", S), ("doc_number", S), (party, S), ("txn_date", D), ("due_date", D),
        ("total", MONEY), ("balance", MONEY), ("currency", S), ("updated_at", TS),
        ("client_id", S),
    ))


def _lines(key: str, parent: str, party: str, extra: tuple[tuple[str, pa.DataType], ...] = ()
           ) -> TableSpec:
    return TableSpec(key, (
        ("id", S), (parent, S), ("line_num", pa.int64()), (party, S), ("txn_date", D),
        ("due_date", D), ("item_id", S), ("account_id", S), ("account_number", S),
        ("description", S), ("amount", MONEY), *extra, ("client_id", S),
    ))


_PNL = TableSpec("profit_and_loss", (
    ("id", S), ("month", D), ("account_number", S), ("account", S), ("amount", MONEY),
))
_PAYMENT_HEADERS = TableSpec("qbo_payments", (
    ("id", S), ("customer_id", S), ("txn_date", D), ("total", MONEY), ("unapplied", MONEY),
    ("deposit_account_id", S), ("currency", S), ("updated_at", TS), ("client_id", S),
))
_PAYMENTS = TableSpec("payments", (
    ("id", S), ("payment_id", S), ("invoice_id", S), ("customer_id", S), ("payment_date", D),
    ("amount", MONEY), ("account_id", S), ("client_id", S),
))
_BILL_PAYMENTS = TableSpec("bill_payments", (
    ("id", S), ("bill_payment_id", S), ("bill_id", S), ("supplier_id", S), ("payment_date", D),
    ("amount", MONEY), ("account_id", S), ("client_id", S),
))
# The rest of the books: one row per line, with the account it posts to (account_id; the
# number, where the chart of accounts has one).
_JOURNAL_LINES = TableSpec("journal_entry_lines", (
    ("id", S), ("journal_entry_id", S), ("line_num", pa.int64()), ("doc_number", S),
    ("txn_date", D), ("account_id", S), ("account_number", S), ("posting_type", S),
    ("amount", MONEY), ("description", S),
))
_DEPOSIT_LINES = TableSpec("deposit_lines", (
    ("id", S), ("deposit_id", S), ("line_num", pa.int64()), ("txn_date", D),
    ("deposit_account_id", S), ("account_id", S), ("account_number", S), ("payment_id", S),
    ("amount", MONEY),
))
_PURCHASE_LINES = TableSpec("purchase_lines", (
    ("id", S), ("purchase_id", S), ("line_num", pa.int64()), ("doc_number", S),
    ("supplier_id", S), ("txn_date", D), ("payment_type", S), ("payment_account_id", S),
    ("is_credit", pa.bool_()), ("account_id", S), ("account_number", S), ("amount", MONEY),
))

# object -> (QBO entity, is a name list: inactive rows must be asked for)
_ENTITIES: dict[str, tuple[str, bool]] = {
    "accounts": ("Account", True), "customers": ("Customer", True),
    "vendors": ("Vendor", True), "items": ("Item", True), "invoices": ("Invoice", False),
    "credit_memos": ("CreditMemo", False), "bills": ("Bill", False),
    "vendor_credits": ("VendorCredit", False), "payments": ("Payment", False),
    "bill_payments": ("BillPayment", False), "journal_entries": ("JournalEntry", False),
    "deposits": ("Deposit", False), "purchases": ("Purchase", False),
}
_TXNS = {
    # object: (header key, line key, parent column, party column, party ref field)
    "invoices": ("qbo_invoices", "invoice_lines", "invoice_id", "customer_id", "CustomerRef"),
    "credit_memos": ("qbo_credit_memos", "credit_memo_lines", "credit_memo_id", "customer_id",
                     "CustomerRef"),
    "bills": ("qbo_bills", "bill_lines", "bill_id", "supplier_id", "VendorRef"),
    "vendor_credits": ("qbo_vendor_credits", "vendor_credit_lines", "vendor_credit_id",
                       "supplier_id", "VendorRef"),
}


def _qbo_time(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC, microsecond=0).isoformat()


def _fault(body: Any) -> str | None:
    """QuickBooks can answer 200 with a Fault inside."""
    if isinstance(body, dict) and ("Fault" in body or "fault" in body):
        return vendor_message(body) or "the answer holds a Fault"
    return None


class QuickBooks(Connector):
    kind = "quickbooks"
    default_base_url = "https://quickbooks.api.intuit.com"
    objects = (
        ObjectSpec("accounts", (_ACCOUNTS,)),
        ObjectSpec("customers", (_CUSTOMERS,)),
        ObjectSpec("vendors", (_VENDORS,)),
        ObjectSpec("items", (_ITEMS,)),
        ObjectSpec("invoices", (_header("qbo_invoices", "customer_id"),
                                _lines("invoice_lines", "invoice_id", "customer_id"))),
        ObjectSpec("credit_memos", (_header("qbo_credit_memos", "customer_id"),
                                    _lines("credit_memo_lines", "credit_memo_id", "customer_id"))),
        ObjectSpec("bills", (_header("qbo_bills", "supplier_id"),
                             _lines("bill_lines", "bill_id", "supplier_id",
                                    (("doc_number", S), ("bill_pay_status", S))))),
        ObjectSpec("vendor_credits", (_header("qbo_vendor_credits", "supplier_id"),
                                      _lines("vendor_credit_lines", "vendor_credit_id",
                                             "supplier_id"))),
        ObjectSpec("payments", (_PAYMENT_HEADERS, _PAYMENTS)),
        ObjectSpec("bill_payments", (_BILL_PAYMENTS,)),
        ObjectSpec("journal_entries", (_JOURNAL_LINES,)),
        ObjectSpec("deposits", (_DEPOSIT_LINES,)),
        ObjectSpec("purchases", (_PURCHASE_LINES,)),
        ObjectSpec("profit_and_loss", (_PNL,), lookback=PNL_LOOKBACK),
    )

    @staticmethod
    def now() -> datetime:
        """The current time, naive UTC (the report's last month is this one)."""
        return utcnow()

    @classmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        auth = OAuth2Refresh(
            store, cfg.name, cfg.token_url or TOKEN_URL,
            client_id=store.require(cfg.name, "client_id", cfg.client_id_env),
            client_secret=store.require(cfg.name, "client_secret", cfg.client_secret_env),
            refresh_env=cfg.refresh_token_env, timeout=cfg.retry.timeout,
        )
        realm = cfg.realm_id or store.require(cfg.name, "realm_id", None).reveal()
        base = (cfg.base_url or cls.default_base_url).rstrip("/") + f"/v3/company/{realm}"
        return ApiClient(cfg.name, base, cfg.retry, auth=auth,
                         headers={"Accept": "application/json"}, check=_fault)

    # -- fetching --------------------------------------------------------------------------
    def _query(self, entity: str, name_list: bool, bound: datetime | None, start: int,
               size: int) -> list[Record]:
        where = []
        if bound is not None:
            where.append(f"MetaData.LastUpdatedTime >= '{_qbo_time(bound)}'")
        if name_list:
            where.append("Active IN (true,false)")
        sql = f"SELECT * FROM {entity}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDERBY MetaData.LastUpdatedTime STARTPOSITION {start} MAXRESULTS {size}"
        body = self.client.request("GET", "/query",
                                   params={"query": sql, "minorversion": MINOR_VERSION})
        found = (body.get("QueryResponse") or {}).get(entity, [])
        if not isinstance(found, list):
            raise RecordError(f"QueryResponse.{entity} is not a list")
        return found

    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        if obj == "profit_and_loss":
            yield from self._reports(since)
            return
        entity, name_list = _ENTITIES[obj]
        size = self.page_size(1000)
        bound, skip = since, 0
        while True:
            page = self._query(entity, name_list, bound, skip + 1, size)
            yield page
            if len(page) < size:
                return
            times = [self.modified(obj, r) for r in page]
            last = times[-1]
            if last is None:
                raise RecordError(f"{entity} {page[-1].get('Id')} has no LastUpdatedTime")
            at_last = sum(1 for t in times if t == last)
            if bound is not None and last == bound:
                skip += len(page)
            else:
                bound, skip = last, at_last

    def _reports(self, since: datetime | None) -> Iterator[list[Record]]:
        today = self.now().date()
        first = since.date() if since is not None else date(today.year - 1, 1, 1)
        numbers = self.lookup("qbo_accounts", "acct_num")
        for start, end in month_ranges(first, today, REPORT_MONTHS):
            body = self.client.request("GET", "/reports/ProfitAndLoss", params={
                "start_date": start.isoformat(), "end_date": end.isoformat(),
                "summarize_column_by": "Month", "accounting_method": "Accrual",
                "minorversion": MINOR_VERSION})
            found = report_rows(body, numbers)
            yield found + self._vanished(start, end, {r["id"] for r in found})

    def _vanished(self, start: date, end: date, ids: set[str]) -> list[Record]:
        """Zero versions for what the ledger holds in [start, end] that the report left out."""
        months = self.lookup("profit_and_loss", "month")
        amounts = self.lookup("profit_and_loss", "amount")
        names = self.lookup("profit_and_loss", "account")
        numbers = self.lookup("profit_and_loss", "account_number")
        return [{"id": sid, "month": month.isoformat(), "account_number": numbers.get(sid),
                 "account": names.get(sid), "amount": "0.00"}
                for sid, month in sorted(months.items())
                if month is not None and start <= month <= end and sid not in ids
                and amounts.get(sid)]

    def modified(self, obj: str, record: Record) -> datetime | None:
        if obj == "profit_and_loss":  # the cursor is the newest month read
            month = day(record.get("month"))
            return datetime.combine(month, time()) if month is not None else None
        return timestamp((record.get("MetaData") or {}).get("LastUpdatedTime"))

    # -- mapping ---------------------------------------------------------------------------
    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        r = record
        rid = text(r.get("Id"))
        updated = self.modified(obj, r)
        active = boolean(r.get("Active"))
        if obj == "accounts":
            yield "qbo_accounts", {
                "id": rid, "name": text(r.get("Name")),
                "fully_qualified_name": text(r.get("FullyQualifiedName")),
                "account_type": text(r.get("AccountType")),
                "account_sub_type": text(r.get("AccountSubType")),
                "classification": text(r.get("Classification")), "acct_num": text(r.get("AcctNum")),
                "current_balance": money(r.get("CurrentBalance")), "active": active,
                "updated_at": updated,
            }
        elif obj == "customers":
            yield "qbo_customers", {
                "id": rid, "display_name": text(r.get("DisplayName")),
                "company_name": text(r.get("CompanyName")),
                "email": text((r.get("PrimaryEmailAddr") or {}).get("Address")),
                "balance": money(r.get("Balance")), "active": active, "updated_at": updated,
                "client_id": rid,
            }
        elif obj == "vendors":
            yield "qbo_vendors", {
                "id": rid, "display_name": text(r.get("DisplayName")),
                "company_name": text(r.get("CompanyName")), "balance": money(r.get("Balance")),
                "vendor_1099": boolean(r.get("Vendor1099")), "active": active,
                "updated_at": updated, "client_id": rid,
            }
        elif obj == "items":
            yield "qbo_items", {
                "id": rid, "name": text(r.get("Name")), "type": text(r.get("Type")),
                "unit_price": money(r.get("UnitPrice")),
                "income_account_id": ref(r.get("IncomeAccountRef")),
                "expense_account_id": ref(r.get("ExpenseAccountRef")), "active": active,
                "updated_at": updated,
            }
        elif obj == "payments":
            yield from self._payment(r, rid, updated)
        elif obj == "bill_payments":
            yield from self._bill_payment(r, rid)
        elif obj == "journal_entries":
            yield from self._journal_entry(r, rid)
        elif obj == "deposits":
            yield from self._deposit(r, rid)
        elif obj == "purchases":
            yield from self._purchase(r, rid)
        elif obj == "profit_and_loss":
            yield "profit_and_loss", {
                "id": text(r.get("id")), "month": day(r.get("month")),
                "account_number": text(r.get("account_number")),
                "account": text(r.get("account")), "amount": money(r.get("amount")),
            }
        else:
            yield from self._transaction(obj, r, rid, updated)

    def _transaction(self, obj: str, r: Record, rid: str | None, updated: datetime | None
                     ) -> Iterator[tuple[str, Row]]:
        header_key, line_key, parent, party_col, party_ref = _TXNS[obj]
        party = ref(r.get(party_ref))
        txn_date, due = day(r.get("TxnDate")), day(r.get("DueDate"))
        balance = money(r.get("Balance"))
        yield header_key, {
            "id": rid, "doc_number": text(r.get("DocNumber")), party_col: party,
            "txn_date": txn_date, "due_date": due, "total": money(r.get("TotalAmt")),
            "balance": balance, "currency": ref(r.get("CurrencyRef")), "updated_at": updated,
            "client_id": party,
        }
        for n, line in enumerate(_flat_lines(r.get("Line") or []), start=1):
            kind = text(line.get("DetailType"))
            detail = line.get(kind or "") or {}
            item = ref(detail.get("ItemRef"))
            amount = money(line.get("Amount"))
            if kind == "DiscountLineDetail":
                account = ref(detail.get("DiscountAccountRef"))
                amount = -amount if amount is not None else None
            elif kind == "AccountBasedExpenseLineDetail":
                account = ref(detail.get("AccountRef"))
            elif kind in ("SalesItemLineDetail", "ItemBasedExpenseLineDetail"):
                column = ("income_account_id" if kind == "SalesItemLineDetail"
                          else "expense_account_id")
                account = self.lookup("qbo_items", column).get(item or "")
            else:
                continue  # sub-totals and description-only lines carry no money of their own
            row: Row = {
                "id": f"{rid}-{text(line.get('Id')) or n}", parent: rid,
                "line_num": line.get("LineNum") or n, party_col: party, "txn_date": txn_date,
                "due_date": due, "item_id": item, "account_id": account,
                "account_number": self.lookup("qbo_accounts", "acct_num").get(account or ""),
                "description": text(line.get("Description")), "amount": amount,
                "client_id": party,
            }
            if obj == "bills":  # the Bill # is what the platform's remittances link on
                row["doc_number"] = text(r.get("DocNumber"))
                row["bill_pay_status"] = "Paid" if balance == Decimal(0) else "Open"
            yield line_key, row

    def _payment(self, r: Record, rid: str | None, updated: datetime | None
                 ) -> Iterator[tuple[str, Row]]:
        customer = ref(r.get("CustomerRef"))
        txn_date = day(r.get("TxnDate"))
        yield "qbo_payments", {
            "id": rid, "customer_id": customer, "txn_date": txn_date,
            "total": money(r.get("TotalAmt")), "unapplied": money(r.get("UnappliedAmt")),
            "deposit_account_id": ref(r.get("DepositToAccountRef")),
            "currency": ref(r.get("CurrencyRef")), "updated_at": updated, "client_id": customer,
        }
        for n, line in enumerate(r.get("Line") or [], start=1):
            for k, linked in enumerate(line.get("LinkedTxn") or [], start=1):
                if linked.get("TxnType") != "Invoice":
                    continue
                yield "payments", {
                    "id": f"{rid}-{n}-{k}", "payment_id": rid,
                    "invoice_id": text(linked.get("TxnId")), "customer_id": customer,
                    "payment_date": txn_date, "amount": money(line.get("Amount")),
                    "account_id": ref(r.get("DepositToAccountRef")), "client_id": customer,
                }


    @staticmethod
    def _bill_payment(r: Record, rid: str | None) -> Iterator[tuple[str, Row]]:
        """One `bill_payments` row per bill a BillPayment pays (its lines' LinkedTxn of type
        Bill): what dates a bill's payment."""
        vendor = ref(r.get("VendorRef"))
        paid_on = day(r.get("TxnDate"))
        paid_from = (ref((r.get("CheckPayment") or {}).get("BankAccountRef"))
                     or ref((r.get("CreditCardPayment") or {}).get("CCAccountRef")))
        for n, line in enumerate(r.get("Line") or [], start=1):
            for k, linked in enumerate(line.get("LinkedTxn") or [], start=1):
                if linked.get("TxnType") != "Bill":
                    continue
                yield "bill_payments", {
                    "id": f"{rid}-{n}-{k}", "bill_payment_id": rid,
                    "bill_id": text(linked.get("TxnId")), "supplier_id": vendor,
                    "payment_date": paid_on, "amount": money(line.get("Amount")),
                    "account_id": paid_from, "client_id": vendor,
                }

    def _number(self, account: str | None) -> str | None:
        return self.lookup("qbo_accounts", "acct_num").get(account or "")

    def _journal_entry(self, r: Record, rid: str | None) -> Iterator[tuple[str, Row]]:
        """One row per journal line: the account, Debit or Credit, and the amount."""
        txn_date = day(r.get("TxnDate"))
        for n, line in enumerate(r.get("Line") or [], start=1):
            detail = line.get("JournalEntryLineDetail")
            if not detail:
                continue  # a description-only line posts nothing
            account = ref(detail.get("AccountRef"))
            yield "journal_entry_lines", {
                "id": f"{rid}-{text(line.get('Id')) or n}", "journal_entry_id": rid,
                "line_num": n, "doc_number": text(r.get("DocNumber")), "txn_date": txn_date,
                "account_id": account, "account_number": self._number(account),
                "posting_type": text(detail.get("PostingType")),
                "amount": money(line.get("Amount")),
                "description": text(line.get("Description")),
            }

    def _deposit(self, r: Record, rid: str | None) -> Iterator[tuple[str, Row]]:
        """One row per deposit line: money into the deposit's bank account, from the line's
        account (none for a payment moved out of Undeposited Funds: its LinkedTxn)."""
        txn_date = day(r.get("TxnDate"))
        bank = ref(r.get("DepositToAccountRef"))
        for n, line in enumerate(r.get("Line") or [], start=1):
            account = ref((line.get("DepositLineDetail") or {}).get("AccountRef"))
            payment = next((text(t.get("TxnId")) for t in line.get("LinkedTxn") or []
                            if t.get("TxnType") == "Payment"), None)
            yield "deposit_lines", {
                "id": f"{rid}-{text(line.get('Id')) or n}", "deposit_id": rid, "line_num": n,
                "txn_date": txn_date, "deposit_account_id": bank, "account_id": account,
                "account_number": self._number(account), "payment_id": payment,
                "amount": money(line.get("Amount")),
            }

    def _purchase(self, r: Record, rid: str | None) -> Iterator[tuple[str, Row]]:
        """One row per expense line of a purchase (cash, check or card): the expense account
        (the line's, else its item's), paid from the purchase's account. A card credit
        (`Credit` true) runs the other way."""
        txn_date = day(r.get("TxnDate"))
        entity = r.get("EntityRef") or {}
        supplier = text(entity.get("value")) if entity.get("type") in (None, "Vendor") else None
        for n, line in enumerate(_flat_lines(r.get("Line") or []), start=1):
            kind = text(line.get("DetailType"))
            detail = line.get(kind or "") or {}
            if kind == "AccountBasedExpenseLineDetail":
                account = ref(detail.get("AccountRef"))
            elif kind == "ItemBasedExpenseLineDetail":
                account = self.lookup("qbo_items", "expense_account_id").get(
                    ref(detail.get("ItemRef")) or "")
            else:
                continue
            yield "purchase_lines", {
                "id": f"{rid}-{text(line.get('Id')) or n}", "purchase_id": rid, "line_num": n,
                "doc_number": text(r.get("DocNumber")), "supplier_id": supplier,
                "txn_date": txn_date, "payment_type": text(r.get("PaymentType")),
                "payment_account_id": ref(r.get("AccountRef")),
                "is_credit": boolean(r.get("Credit")) or False, "account_id": account,
                "account_number": self._number(account), "amount": money(line.get("Amount")),
            }


def _flat_lines(lines: list[Record]) -> Iterator[Record]:
    """Lines, with the lines inside a group (bundle) line in its place."""
    for line in lines:
        if line.get("DetailType") == "GroupLineDetail":
            yield from (line.get("GroupLineDetail") or {}).get("Line") or []
        else:
            yield line
