"""A small company's books, January and February 2025, in the two shapes they arrive in: the
QuickBooks Online API's records (for its fake, `load_into_fake`) and Fivetran's QuickBooks
tables (`land_fivetran`, with the real connector's column names, read from the headers of
../shared/fixtures/fivetran/quickbooks). One description, `DOCUMENTS`, feeds both.

The figures below were worked out by hand from the documents (the P&L in the report's signs:
income and costs positive; the balance sheet: assets debit positive, liabilities and equity
credit positive).

January
- JE-1 (01-02): the owner puts in 10,000: Dr Checking 10,000, Cr Owner's equity 10,000.
- INV-1 (01-10, brand C1): sampling 1,500 + 2,500 on 4110, discount -100 on 4190 (total 3,900).
- INV-2 (01-20, C2): sampling 1,200.50 on 4110.   CM-1 (01-25, C2): 200.50 back on 4110.
- B-1 (01-15, organiser V1): 1,800 on 4200.
- PAY-1 (01-28): C1 pays INV-1, 3,900, into Undeposited Funds (no deposit account).
- DEP-1 (01-30): PAY-1's 3,900 moved from Undeposited Funds to Checking.
- CHK-1 (01-31): rent 1,000 on 6100, a check from Checking.
February
- INV-3 (02-05, C1): 3,000 on 4110.   B-2 (02-10, V2): 900 on 4200.
- VC-1 (02-12, V1): vendor credit 150 on 4200.
- BP-1 (02-14): B-1 paid, 1,800, by check from Checking.
- CC-1 (02-18): software 250 on 6200 on the company card; CC-2 (02-20): a card credit (refund)
  of 50 on 6200; CHK-2 (02-25): equipment 2,000 (fixed asset 1700) from Checking.
- JE-2 (02-28): accrued rent: Dr Rent 6100 1,000, Cr Accrued liabilities 2300 1,000.

P&L: January 4110 = 1,500 + 2,500 + 1,200.50 - 200.50 = 5,000.00; 4190 = -100.00;
4200 = 1,800.00; 6100 = 1,000.00 (net income 2,100.00). February 4110 = 3,000.00;
4200 = 900 - 150 = 750.00; 6100 = 1,000.00; 6200 = 250 - 50 = 200.00 (net income 1,050.00).

Balance sheet, end of January: Checking 10,000 + 3,900 - 1,000 = 12,900.00; receivable
3,900 + 1,200.50 - 200.50 - 3,900 = 1,000.00; Undeposited Funds 3,900 - 3,900 = 0.00;
payable 1,800.00; owner's equity 10,000.00; retained earnings (the P&L to date) 2,100.00.
Assets 13,900.00 = liabilities 1,800.00 + equity 12,100.00.
End of February: Checking 12,900 - 1,800 - 2,000 = 9,100.00; receivable 1,000 + 3,000 =
4,000.00; Undeposited Funds 0.00; equipment 2,000.00; payable 1,800 + 900 - 150 - 1,800 =
750.00; card 250 - 50 = 200.00; accrued 1,000.00; equity 10,000.00 + 3,150.00.
Assets 15,100.00 = liabilities 1,950.00 + equity 13,150.00.
Cash (bank accounts): 12,900.00 and 9,100.00. Working capital (current assets: bank,
receivable, other current assets; current liabilities: payable, card, other current): January
13,900 - 1,800 = 12,100.00; February 13,100 - 1,950 = 11,150.00.
Every document balances: debits 10,000 + 3,900 + ... equal credits (the check gl_balances)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

D = Decimal
JAN, FEB = date(2025, 1, 1), date(2025, 2, 1)

# id, number, name, type, sub type, classification (blank: QuickBooks left it out)
ACCOUNTS = [
    ("10", "1000", "Checking", "Bank", "Checking", "Asset"),
    ("11", "1200", "Accounts Receivable", "Accounts Receivable", "AccountsReceivable", "Asset"),
    ("12", "1499", "Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("13", "1700", "Equipment", "Fixed Asset", "MachineryAndEquipment", "Asset"),
    ("20", "2000", "Accounts Payable", "Accounts Payable", "AccountsPayable", "Liability"),
    ("21", "2100", "Company card", "Credit Card", "CreditCard", "Liability"),
    ("22", "2300", "Accrued liabilities", "Other Current Liability", "AccruedLiabilities",
     "Liability"),
    ("30", "3000", "Owner's equity", "Equity", "OwnersEquity", "Equity"),
    ("40", "4110", "Sampling revenue", "Income", "ServiceFeeIncome", "Revenue"),
    ("41", "4190", "Discounts", "Income", "DiscountsRefundsGiven", "Revenue"),
    ("50", "4200", "Organiser payouts", "Cost of Goods Sold", "SuppliesMaterialsCogs", "Expense"),
    ("60", "6100", "Rent", "Expense", "RentOrLeaseOfBuildings", "Expense"),
    ("61", "6200", "Software", "Expense", "OfficeGeneralAdministrativeExpenses", ""),
]
ITEM_SAMPLING = ("1", "Sampling day", "40")  # id, name, income account

# The hand-worked figures (see the module's text)
PNL = {
    (JAN, "4110"): D("5000.00"), (JAN, "4190"): D("-100.00"), (JAN, "4200"): D("1800.00"),
    (JAN, "6100"): D("1000.00"),
    (FEB, "4110"): D("3000.00"), (FEB, "4200"): D("750.00"), (FEB, "6100"): D("1000.00"),
    (FEB, "6200"): D("200.00"),
}
NET_INCOME = {JAN: D("2100.00"), FEB: D("1050.00")}
BALANCES = {  # month -> account number (None: retained earnings from the P&L) -> balance
    JAN: {"1000": D("12900.00"), "1200": D("1000.00"), "1499": D("0.00"), "2000": D("1800.00"),
          "3000": D("10000.00"), None: D("2100.00")},
    FEB: {"1000": D("9100.00"), "1200": D("4000.00"), "1499": D("0.00"), "1700": D("2000.00"),
          "2000": D("750.00"), "2100": D("200.00"), "2300": D("1000.00"), "3000": D("10000.00"),
          None: D("3150.00")},
}
TOTALS = {  # month -> (assets, liabilities, equity, cash, working capital)
    JAN: (D("13900.00"), D("1800.00"), D("12100.00"), D("12900.00"), D("12100.00")),
    FEB: (D("15100.00"), D("1950.00"), D("13150.00"), D("9100.00"), D("11150.00")),
}

# The documents, in a neutral form both shapes are written from.
CUSTOMERS = [("71", "Brand One (C1)"), ("72", "Brand Two (C2)")]  # ids are numbers in QuickBooks
VENDORS = [("81", "Venue One (V1)"), ("82", "Venue Two (V2)")]
DOCUMENTS: dict[str, list[dict[str, Any]]] = {
    # lines: (kind, account or item id, amount); kind sales (through the item), discount
    "invoices": [
        {"id": "101", "doc": "INV-1", "date": "2025-01-10", "party": "71",
         "lines": [("sales", "1", "1500.00"), ("sales", "1", "2500.00"),
                   ("discount", "41", "100.00")]},
        {"id": "102", "doc": "INV-2", "date": "2025-01-20", "party": "72",
         "lines": [("sales", "1", "1200.50")]},
        {"id": "103", "doc": "INV-3", "date": "2025-02-05", "party": "71",
         "lines": [("sales", "1", "3000.00")]},
    ],
    "credit_memos": [
        {"id": "201", "doc": "CM-1", "date": "2025-01-25", "party": "72",
         "lines": [("sales", "1", "200.50")]},
    ],
    "bills": [  # lines: (account, amount)
        {"id": "301", "doc": "B-1", "date": "2025-01-15", "party": "81", "balance": "0",
         "lines": [("50", "1800.00")]},
        {"id": "302", "doc": "B-2", "date": "2025-02-10", "party": "82", "balance": "900.00",
         "lines": [("50", "900.00")]},
    ],
    "vendor_credits": [
        {"id": "401", "doc": "VC-1", "date": "2025-02-12", "party": "81",
         "lines": [("50", "150.00")]},
    ],
    "payments": [  # paid: (invoice, amount); account: the deposit account (None: undeposited)
        {"id": "501", "date": "2025-01-28", "party": "71", "account": None,
         "paid": [("101", "3900.00")]},
    ],
    "bill_payments": [
        {"id": "601", "date": "2025-02-14", "party": "81", "account": "10",
         "paid": [("301", "1800.00")]},
    ],
    "journal_entries": [  # lines: (Debit or Credit, account, amount)
        {"id": "701", "doc": "JE-1", "date": "2025-01-02",
         "lines": [("Debit", "10", "10000.00"), ("Credit", "30", "10000.00")]},
        {"id": "702", "doc": "JE-2", "date": "2025-02-28",
         "lines": [("Debit", "60", "1000.00"), ("Credit", "22", "1000.00")]},
    ],
    "deposits": [  # lines: (account or None, payment or None, amount)
        {"id": "801", "date": "2025-01-30", "account": "10",
         "lines": [(None, "501", "3900.00")]},
    ],
    "purchases": [  # account: paid from; lines: (expense account, amount)
        {"id": "901", "doc": "CHK-1", "date": "2025-01-31", "type": "Check", "account": "10",
         "credit": False, "party": None, "lines": [("60", "1000.00")]},
        {"id": "902", "doc": "CC-1", "date": "2025-02-18", "type": "CreditCard",
         "account": "21", "credit": False, "party": "82", "lines": [("61", "250.00")]},
        {"id": "903", "doc": "CC-2", "date": "2025-02-20", "type": "CreditCard",
         "account": "21", "credit": True, "party": "82", "lines": [("61", "50.00")]},
        {"id": "904", "doc": "CHK-2", "date": "2025-02-25", "type": "Check", "account": "10",
         "credit": False, "party": None, "lines": [("13", "2000.00")]},
    ],
}


def _total(lines: list[tuple[Any, ...]], signed: bool = False) -> float:
    out = D(0)
    for line in lines:
        amount = D(line[-1])
        out += -amount if signed and line[0] == "discount" else amount
    return float(out)


# -- the QuickBooks Online API's shape ------------------------------------------------------
def qbo_entities() -> dict[str, list[dict[str, Any]]]:
    """Entity -> records as the API answers them (Id and fields; the fake adds MetaData)."""
    def r(value: str | None) -> dict[str, str] | None:
        return None if value is None else {"value": value}

    out: dict[str, list[dict[str, Any]]] = {
        "Account": [{"Id": i, "AcctNum": n, "Name": name, "FullyQualifiedName": name,
                     "AccountType": t, "AccountSubType": sub, "Classification": c or None,
                     "CurrentBalance": 0, "Active": True}
                    for i, n, name, t, sub, c in ACCOUNTS],
        "Customer": [{"Id": i, "DisplayName": name, "CompanyName": name, "Balance": 0,
                      "Active": True} for i, name in CUSTOMERS],
        "Vendor": [{"Id": i, "DisplayName": name, "CompanyName": name, "Balance": 0,
                    "Vendor1099": False, "Active": True} for i, name in VENDORS],
        "Item": [{"Id": ITEM_SAMPLING[0], "Name": ITEM_SAMPLING[1], "Type": "Service",
                  "IncomeAccountRef": r(ITEM_SAMPLING[2]), "Active": True}],
    }

    def sales_lines(lines: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for n, (kind, ref, amount) in enumerate(lines, start=1):
            if kind == "discount":
                found.append({"Id": str(n), "LineNum": n, "Amount": float(amount),
                              "DetailType": "DiscountLineDetail",
                              "DiscountLineDetail": {"DiscountAccountRef": r(ref)}})
            else:
                found.append({"Id": str(n), "LineNum": n, "Amount": float(amount),
                              "DetailType": "SalesItemLineDetail",
                              "SalesItemLineDetail": {"ItemRef": r(ref)}})
        total = _total(lines, signed=True)
        return [*found, {"Amount": total, "DetailType": "SubTotalLineDetail",
                         "SubTotalLineDetail": {}}]

    for entity, key in (("Invoice", "invoices"), ("CreditMemo", "credit_memos")):
        out[entity] = [{"Id": d["id"], "DocNumber": d["doc"], "TxnDate": d["date"],
                        "CustomerRef": r(d["party"]), "CurrencyRef": r("USD"),
                        "TotalAmt": _total(d["lines"], signed=True), "Balance": 0,
                        "Line": sales_lines(d["lines"])} for d in DOCUMENTS[key]]

    def expense_lines(lines: list[tuple[str, str]]) -> list[dict[str, Any]]:
        return [{"Id": str(n), "LineNum": n, "Amount": float(amount),
                 "DetailType": "AccountBasedExpenseLineDetail",
                 "AccountBasedExpenseLineDetail": {"AccountRef": r(account)}}
                for n, (account, amount) in enumerate(lines, start=1)]

    out["Bill"] = [{"Id": d["id"], "DocNumber": d["doc"], "TxnDate": d["date"],
                    "VendorRef": r(d["party"]), "TotalAmt": _total(d["lines"]),
                    "Balance": float(d["balance"]), "Line": expense_lines(d["lines"])}
                   for d in DOCUMENTS["bills"]]
    out["VendorCredit"] = [{"Id": d["id"], "DocNumber": d["doc"], "TxnDate": d["date"],
                            "VendorRef": r(d["party"]), "TotalAmt": _total(d["lines"]),
                            "Balance": 0, "Line": expense_lines(d["lines"])}
                           for d in DOCUMENTS["vendor_credits"]]
    out["Payment"] = [{"Id": d["id"], "TxnDate": d["date"], "CustomerRef": r(d["party"]),
                       "TotalAmt": _total(d["paid"]), "UnappliedAmt": 0,
                       **({"DepositToAccountRef": r(d["account"])} if d["account"] else {}),
                       "Line": [{"Amount": float(a), "LinkedTxn": [{"TxnId": inv,
                                                                    "TxnType": "Invoice"}]}
                                for inv, a in d["paid"]]} for d in DOCUMENTS["payments"]]
    out["BillPayment"] = [{"Id": d["id"], "TxnDate": d["date"], "VendorRef": r(d["party"]),
                           "PayType": "Check", "CheckPayment": {"BankAccountRef": r(d["account"])},
                           "TotalAmt": _total(d["paid"]),
                           "Line": [{"Amount": float(a), "LinkedTxn": [{"TxnId": bill,
                                                                        "TxnType": "Bill"}]}
                                    for bill, a in d["paid"]]}
                          for d in DOCUMENTS["bill_payments"]]
    out["JournalEntry"] = [{"Id": d["id"], "DocNumber": d["doc"], "TxnDate": d["date"],
                            "Line": [{"Id": str(n), "Amount": float(a),
                                      "DetailType": "JournalEntryLineDetail",
                                      "JournalEntryLineDetail": {"PostingType": side,
                                                                 "AccountRef": r(account)}}
                                     for n, (side, account, a) in enumerate(d["lines"])]}
                           for d in DOCUMENTS["journal_entries"]]
    out["Deposit"] = [{"Id": d["id"], "TxnDate": d["date"], "DepositToAccountRef": r(d["account"]),
                       "TotalAmt": _total(d["lines"]),
                       "Line": [{"Id": str(n), "Amount": float(a),
                                 **({"LinkedTxn": [{"TxnId": pay, "TxnType": "Payment"}]}
                                    if pay else {}),
                                 **({"DetailType": "DepositLineDetail",
                                     "DepositLineDetail": {"AccountRef": r(account)}}
                                    if account else {})}
                                for n, (account, pay, a) in enumerate(d["lines"], start=1)]}
                      for d in DOCUMENTS["deposits"]]
    out["Purchase"] = [{"Id": d["id"], "DocNumber": d["doc"], "TxnDate": d["date"],
                        "PaymentType": d["type"], "AccountRef": r(d["account"]),
                        **({"Credit": True} if d["credit"] else {}),
                        **({"EntityRef": {"value": d["party"], "type": "Vendor"}}
                           if d["party"] else {}),
                        "TotalAmt": _total(d["lines"]), "Line": expense_lines(d["lines"])}
                       for d in DOCUMENTS["purchases"]]
    return out


def load_into_fake(fake: Any) -> None:
    """Replace the QuickBooks fake's records with these books (its report is not used)."""
    fake.entities = {}
    n = 0
    for entity, records in qbo_entities().items():
        for record in records:
            n += 1
            fake.entities.setdefault(entity, []).append(
                {"SyncToken": "0", "domain": "QBO", "sparse": False,
                 "MetaData": {"CreateTime": f"2025-03-01T08:00:{n:02d}-08:00",
                              "LastUpdatedTime": f"2025-03-01T09:00:{n:02d}-08:00"},
                 **record})


# -- Fivetran's QuickBooks schema -------------------------------------------------------------
SYNCED = "2025-03-02 10:00:00"


def fivetran_rows() -> dict[str, list[dict[str, Any]]]:
    """Fivetran table -> rows (columns by the connector's names; the rest are left blank)."""
    live = {"_fivetran_synced": SYNCED, "_fivetran_deleted": "FALSE"}
    out: dict[str, list[dict[str, Any]]] = {
        "account": [{"id": i, "account_number": n, "name": name, "fully_qualified_name": name,
                     "account_type": t, "account_sub_type": sub, "classification": c,
                     "active": "TRUE", "balance": 0, "updated_at": SYNCED, **live}
                    for i, n, name, t, sub, c in ACCOUNTS],
        "customer": [{"id": i, "display_name": name, "company_name": name,
                      "created_at": "2024-12-01 09:00:00", "currency_id": "USD", **live}
                     for i, name in CUSTOMERS],
        "vendor": [{"id": i, "display_name": name, "company_name": name,
                    "created_at": "2024-12-01 09:00:00", "currency_id": "USD", **live}
                   for i, name in VENDORS],
        "item": [{"id": ITEM_SAMPLING[0], "name": ITEM_SAMPLING[1], "type": "Service",
                  "income_account_id": ITEM_SAMPLING[2], **live}],
    }
    for header, key, parent in (("invoice", "invoices", "invoice_id"),
                                ("credit_memo", "credit_memos", "credit_memo_id")):
        out[header] = [{"id": d["id"], "doc_number": d["doc"], "transaction_date": d["date"],
                        "customer_id": d["party"], "currency_id": "USD",
                        "total_amount": _total(d["lines"], signed=True), "balance": 0, **live}
                       for d in DOCUMENTS[key]]
        out[header + "_line"] = [
            {parent: d["id"], "index": n, "amount": a,
             ("discount_account_id" if kind == "discount" else "sales_item_item_id"): ref,
             "_fivetran_synced": SYNCED,
             # (Fivetran's credit_memo_line has no detail_type)
             **({"detail_type": "DiscountLineDetail" if kind == "discount"
                 else "SalesItemLineDetail"} if header == "invoice" else {})}
            for d in DOCUMENTS[key] for n, (kind, ref, a) in enumerate(d["lines"])]
    for header, key, parent in (("bill", "bills", "bill_id"),
                                ("vendor_credit", "vendor_credits", "vendor_credit_id")):
        out[header] = [{"id": d["id"], "doc_number": d["doc"], "transaction_date": d["date"],
                        "vendor_id": d["party"], "currency_id": "USD",
                        "total_amount": _total(d["lines"]), "balance": d.get("balance", 0),
                        **live} for d in DOCUMENTS[key]]
        out[header + "_line"] = [
            {parent: d["id"], "index": n, "amount": a, "account_expense_account_id": account,
             "_fivetran_synced": SYNCED}
            for d in DOCUMENTS[key] for n, (account, a) in enumerate(d["lines"])]
    out["payment"] = [{"id": d["id"], "transaction_date": d["date"], "customer_id": d["party"],
                       "deposit_to_account_id": d["account"], "currency_id": "USD",
                       "total_amount": _total(d["paid"]), **live} for d in DOCUMENTS["payments"]]
    out["payment_line"] = [{"payment_id": d["id"], "index": n, "invoice_id": inv, "amount": a,
                            "_fivetran_synced": SYNCED}
                           for d in DOCUMENTS["payments"] for n, (inv, a) in enumerate(d["paid"])]
    out["bill_payment"] = [{"id": d["id"], "transaction_date": d["date"], "vendor_id": d["party"],
                            "pay_type": "Check", "check_bank_account_id": d["account"],
                            "currency_id": "USD", "total_amount": _total(d["paid"]), **live}
                           for d in DOCUMENTS["bill_payments"]]
    out["bill_payment_line"] = [{"bill_payment_id": d["id"], "index": n, "bill_id": bill,
                                 "amount": a, "_fivetran_synced": SYNCED}
                                for d in DOCUMENTS["bill_payments"]
                                for n, (bill, a) in enumerate(d["paid"])]
    out["journal_entry"] = [{"id": d["id"], "doc_number": d["doc"], "transaction_date": d["date"],
                             "currency_id": "USD", **live} for d in DOCUMENTS["journal_entries"]]
    out["journal_entry_line"] = [{"journal_entry_id": d["id"], "index": n, "account_id": account,
                                  "posting_type": side, "amount": a, "_fivetran_synced": SYNCED}
                                 for d in DOCUMENTS["journal_entries"]
                                 for n, (side, account, a) in enumerate(d["lines"])]
    out["deposit"] = [{"id": d["id"], "transaction_date": d["date"], "account_id": d["account"],
                       "currency_id": "USD", "total_amount": _total(d["lines"]), **live}
                      for d in DOCUMENTS["deposits"]]
    out["deposit_line"] = [{"deposit_id": d["id"], "index": n, "deposit_account_id": account,
                            "payment_id": pay, "amount": a, "_fivetran_synced": SYNCED}
                           for d in DOCUMENTS["deposits"]
                           for n, (account, pay, a) in enumerate(d["lines"])]
    out["purchase"] = [{"id": d["id"], "doc_number": d["doc"], "transaction_date": d["date"],
                        "payment_type": d["type"], "account_id": d["account"],
                        "credit": "TRUE" if d["credit"] else "FALSE", "vendor_id": d["party"],
                        "currency_id": "USD", "total_amount": _total(d["lines"]), **live}
                       for d in DOCUMENTS["purchases"]]
    out["purchase_line"] = [{"purchase_id": d["id"], "index": n,
                             "account_expense_account_id": account, "amount": a,
                             "_fivetran_synced": SYNCED}
                            for d in DOCUMENTS["purchases"]
                            for n, (account, a) in enumerate(d["lines"])]
    return out


def write_fivetran_csvs(folder: Path, shared: Path, leave_out: tuple[str, ...] = ()) -> Path:
    """The Fivetran tables as `<table>_data.csv` files with the real connector's headers (those
    of the shared fixtures in `shared`), ready for `land_csvs`; `leave_out`: tables not synced."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in fivetran_rows().items():
        if table in leave_out:
            continue
        with (shared / f"{table}_data.csv").open(encoding="utf-8") as f:
            header = next(csv.reader(f))
        unknown = {c for row in rows for c in row} - set(header)
        assert not unknown, (table, unknown)  # the fixture speaks Fivetran's column names
        with (folder / f"{table}_data.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            for row in rows:
                writer.writerow({c: ("" if row.get(c) is None else row.get(c)) for c in header})
    return folder
