"""QuickBooks Online against its fake: OAuth2 refresh-token rotation kept in the secrets file,
an expired access token, keyset paging, lines mapped to the marketplace pack's tables with
their account numbers, inactive name-list rows, a Fault answer, and the Profit and Loss report
by month (spans, the look-back, corrections and accounts that left a month)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.project import FAST_RETRY, make_project, raw_tables, table_contents
from fakes.quickbooks import BASE, CLIENT_ID, CLIENT_SECRET, FIRST_REFRESH, REALM, QuickBooksFake
from northstar.project import Project
from northstar.sources.quickbooks import QuickBooks
from northstar.sources.sync import SyncFailed, sync

TOML = """
[books]
kind = "quickbooks"
base_url = "{url}"
token_url = "{url}/oauth2/v1/tokens/bearer"
realm_id = "{realm}"
client_id_env = "NS_TEST_QBO_ID"
client_secret_env = "NS_TEST_QBO_SECRET"
refresh_token_env = "NS_TEST_QBO_REFRESH"
page_size = 4
""" + FAST_RETRY.format(name="books") + """
[[books.tags]]
tag = "department"
value = "finance"
tables = ["payments", "qbo_payments"]

[[books.tags]]
tag = "department"
value = "demand"
tables = ["invoice_lines", "credit_memo_lines"]

[[books.tags]]
tag = "department"
value = "supply"
tables = ["bill_lines", "vendor_credit_lines"]
"""



@pytest.fixture
def fake() -> Iterator[QuickBooksFake]:
    os.environ.update(NS_TEST_QBO_ID=CLIENT_ID, NS_TEST_QBO_SECRET=CLIENT_SECRET,
                      NS_TEST_QBO_REFRESH=FIRST_REFRESH)
    with QuickBooksFake() as server:
        yield server


def project_for(tmp_path: Path, fake: QuickBooksFake) -> Project:
    return make_project(tmp_path, TOML.replace("{url}", fake.url).replace("{realm}", REALM))


def secrets_of(p: Project) -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(
        (p.root / ".secrets" / "secrets.json").read_text())
    return data


def test_full_sync_maps_lines_for_the_pack(tmp_path: Path, fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    runs = {r.object: r for r in sync(p, "books")}
    assert all(r.status == "ok" for r in runs.values())
    assert raw_tables(p) == sorted(
        f"raw_{t}" for t in ("qbo_accounts", "qbo_customers", "qbo_vendors", "qbo_items",
                             "qbo_invoices", "invoice_lines", "qbo_credit_memos",
                             "credit_memo_lines", "qbo_bills", "bill_lines",
                             "qbo_vendor_credits", "vendor_credit_lines", "qbo_payments",
                             "payments", "bill_payments"))
    n = {t: int(p.engine.scalar(f"SELECT count(*) FROM {t}")) for t in raw_tables(p)}
    # 6 accounts (one inactive, still read), 8 customers (one inactive), 30 invoices with two
    # item lines each plus a discount on every fourth (i = 0, 4, ..., 28: 8), sub-totals
    # skipped; 20 paid invoices (i % 3 != 0); credit memos on i = 5, 15, 25; 20 bills of two
    # lines; vendor credits on i = 1, 6, 11, 16; the 10 bills with no balance (odd i) paid.
    assert (n["raw_qbo_accounts"], n["raw_qbo_customers"], n["raw_qbo_invoices"],
            n["raw_invoice_lines"], n["raw_payments"], n["raw_credit_memo_lines"],
            n["raw_bill_lines"], n["raw_vendor_credit_lines"], n["raw_bill_payments"]) == (
        6, 8, 30, 68, 20, 3, 40, 4, 10)
    lines = p.engine.query(
        "SELECT id, invoice_id, customer_id, account_number, amount, txn_date, department "
        "FROM raw_invoice_lines WHERE invoice_id = '1004' ORDER BY id").to_pylist()
    assert [(r["id"], r["account_number"], r["amount"]) for r in lines] == [
        ("1004-1", "4110", Decimal("1504.00")), ("1004-2", "4120", Decimal("4000.00")),
        ("1004-3", "4190", Decimal("-100.00"))]
    assert {r["customer_id"] for r in lines} == {"64"} and lines[0]["department"] == "demand"
    bill = p.engine.query("SELECT doc_number, account_number, amount, bill_pay_status, "
                          "supplier_id FROM raw_bill_lines WHERE bill_id = '2003' ORDER BY id"
                          ).to_pylist()
    # bill 3 (Bill # B-3, what remittances link on): account line 1530 on 4200, item line
    # through item 2's expense account (4200)
    assert bill == [
        {"doc_number": "B-3", "account_number": "4200", "amount": Decimal("1530.00"),
         "bill_pay_status": "Paid", "supplier_id": "83"},
        {"doc_number": "B-3", "account_number": "4200", "amount": Decimal("500.00"),
         "bill_pay_status": "Paid", "supplier_id": "83"}]
    pay = p.engine.query("SELECT invoice_id, amount, department FROM raw_payments "
                         "WHERE payment_id = '3001'").to_pylist()
    assert pay == [{"invoice_id": "1001", "amount": Decimal("5501.00"), "department": "finance"}]
    # bill 3 (2030 in all) was paid by BillPayment 8003 on day 4 * 3 + 20 = 32 after BASE
    paid = p.engine.query("SELECT bill_id, supplier_id, payment_date, amount FROM "
                          "raw_bill_payments WHERE bill_payment_id = '8003'").to_pylist()
    assert paid == [{"bill_id": "2003", "supplier_id": "83",
                     "payment_date": (BASE + timedelta(days=32)).date(),
                     "amount": Decimal("2030.00")}]

    # the pack's revenue model reads these tables as they are
    from northstar.models.templating import SqlTemplates
    from northstar.packs import get_pack

    path = get_pack("marketplace").models_dir / "revenue_lines.sql"
    sql = SqlTemplates.for_folder(path.parent).render(path.read_text(), path)
    for name in ("invoice_lines", "credit_memo_lines", "bill_lines", "vendor_credit_lines"):
        p.engine.execute(f"CREATE VIEW {name} AS SELECT * FROM raw_{name}")
    total = p.engine.scalar(f"SELECT sum(amount) FROM ({sql}) AS r")
    # GMV: sum(1500 + i) + 30 * 4000 = 45435 + 120000; discounts 8 * -100; credit memos -750;
    # payouts: sum(1500 + 10 i) + 20 * 500 = 31900 + 10000 -> -41900; vendor credits +1200
    assert total == Decimal(165435 - 800 - 750 - 41900 + 1200)


def test_refresh_token_rotation_is_stored(tmp_path: Path, fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "books", objects=["accounts"])
    first = secrets_of(p)["books"]["refresh_token"]
    assert first == fake.refresh_token and first != FIRST_REFRESH
    assert oct((p.root / ".secrets" / "secrets.json").stat().st_mode & 0o777) == "0o600"
    # the env var still holds the first (now dead) token: the stored one must win
    sync(p, "books", objects=["accounts"])
    assert fake.refreshes == 2
    assert secrets_of(p)["books"]["refresh_token"] == fake.refresh_token
    assert fake.refresh_token not in (p.root / "northstar.toml").read_text()
    dump = json.dumps([list(map(str, r)) for r in p.engine.rows("SELECT * FROM ns_loads")])
    assert "AB11-rotated" not in dump


def test_expired_access_token_is_refreshed_mid_run(tmp_path: Path, fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)  # two normal answers (token, first page) ...
    fake.fail("expire")         # ... then the access token dies
    runs = sync(p, "books", objects=["customers"])
    assert runs[0].status == "ok" and runs[0].appended == 8
    assert fake.refreshes == 2


def test_dead_refresh_token_fails_clearly(tmp_path: Path, fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    fake.refresh_token = "someone-else-rotated-it"
    with pytest.raises(SyncFailed) as info:
        sync(p, "books", objects=["accounts"])
    assert ("refused the refresh token (HTTP 400: invalid_grant: Incorrect or invalid refresh "
            "token)") in str(info.value)
    assert FIRST_REFRESH not in str(info.value)


def test_keyset_paging_survives_edits_and_reruns_add_nothing(tmp_path: Path,
                                                              fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "books")
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    runs = sync(p, "books")
    assert sum(r.appended for r in runs) == 0
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    fake.touch("Invoice", "1002", Balance=0.0)
    runs = {r.object: r for r in sync(p, "books")}
    assert runs["invoices"].appended == 1  # the header changed; its lines did not
    assert p.engine.scalar("SELECT count(*) FROM raw_qbo_invoices WHERE source_id = '1002'") == 2


def test_fault_inside_a_200_fails_the_run(tmp_path: Path, fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    original = fake.route

    def faulty(req):  # type: ignore[no-untyped-def]
        if "FROM Vendor" in (req.arg("query") or ""):
            return 200, {}, {"Fault": {"Error": [{"Message": "A business validation error "
                                                  "has occurred", "code": "6000"}],
                                       "type": "ValidationFault"}}
        return original(req)

    fake.route = faulty  # type: ignore[method-assign]
    with pytest.raises(SyncFailed, match=r"vendors: books: GET /v3/company/\d+/query failed: "
                                         "A business validation error has occurred"):
        sync(p, "books", objects=["customers", "vendors"])
    # the run is all or nothing: the customers read before the vendors failed are not kept
    assert raw_tables(p) == []


PNL_REQUESTS = "/reports/ProfitAndLoss"


def _pnl(p: Project) -> list[tuple[str, date, str | None, str, Decimal]]:
    """The newest version of each profit_and_loss row."""
    return sorted(p.engine.rows(
        "SELECT id, month, account_number, account, amount FROM (SELECT *, row_number() OVER "
        "(PARTITION BY source_id ORDER BY load_id DESC) AS n FROM raw_profit_and_loss) AS v "
        "WHERE n = 1"))


def _asked(fake: QuickBooksFake) -> list[tuple[str | None, ...]]:
    return [(r.arg("start_date"), r.arg("end_date"), r.arg("summarize_column_by"),
             r.arg("accounting_method")) for r in fake.requests if r.path.endswith(PNL_REQUESTS)]


@pytest.fixture
def march_2024(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connector's clock: 15 March 2024 (the report's last month is the current one)."""
    monkeypatch.setattr(QuickBooks, "now", staticmethod(lambda: datetime(2024, 3, 15, 12)))


@pytest.mark.usefixtures("march_2024")
def test_profit_and_loss_report_by_month(tmp_path: Path, fake: QuickBooksFake) -> None:
    fake.pnl_numbers = True  # "Show account numbers": the names carry them, the rows must not
    p = project_for(tmp_path, fake)
    runs = sync(p, "books", objects=["accounts", "profit_and_loss"])
    assert [r.status for r in runs] == ["ok", "ok"]
    # no start_date: from 1 January of last year, in spans of at most six months
    assert _asked(fake) == [("2023-01-01", "2023-06-30", "Month", "Accrual"),
                            ("2023-07-01", "2023-12-31", "Month", "Accrual"),
                            ("2024-01-01", "2024-03-31", "Month", "Accrual")]
    d = Decimal
    # the fake's P&L by hand: totals, Gross Profit and Net Income left out; Organiser payouts'
    # own posting is its row, Venue fees its sub-account; 70-72 are not in the account list,
    # so they have no number
    assert _pnl(p) == [
        ("PL-2023-11-Interest earned", date(2023, 11, 1), None, "Interest earned", d("3.21")),
        ("PL-2023-11-Rent", date(2023, 11, 1), None, "Rent", d("850.00")),
        ("PL-2024-01-Organiser payouts", date(2024, 1, 1), "4200", "Organiser payouts",
         d("250.00")),
        ("PL-2024-01-Organiser payouts:Venue fees", date(2024, 1, 1), None,
         "Organiser payouts:Venue fees", d("1200.00")),
        ("PL-2024-01-Rent", date(2024, 1, 1), None, "Rent", d("900.00")),
        ("PL-2024-01-Sampling revenue", date(2024, 1, 1), "4110", "Sampling revenue",
         d("1500.00")),
        ("PL-2024-02-Festival revenue", date(2024, 2, 1), "4120", "Festival revenue",
         d("4000.00")),
        ("PL-2024-02-Rent", date(2024, 2, 1), None, "Rent", d("900.00")),
        ("PL-2024-02-Sampling revenue", date(2024, 2, 1), "4110", "Sampling revenue",
         d("1525.50")),
        ("PL-2024-03-Organiser payouts:Venue fees", date(2024, 3, 1), None,
         "Organiser payouts:Venue fees", d("-30.00")),
        ("PL-2024-03-Rent", date(2024, 3, 1), None, "Rent", d("900.00")),
        ("PL-2024-03-Sampling revenue", date(2024, 3, 1), "4110", "Sampling revenue",
         d("1600.00")),
    ]


@pytest.mark.usefixtures("march_2024")
def test_profit_and_loss_rereads_three_closed_months(tmp_path: Path,
                                                      fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "books", objects=["accounts", "profit_and_loss"])
    fake.requests.clear()
    again = sync(p, "books", objects=["profit_and_loss"])
    # the cursor is March 2024; three closed months before it are read again
    assert _asked(fake) == [("2023-12-01", "2024-03-31", "Month", "Accrual")]
    assert again[0].appended == 0
    # January closed, then a correction came in; March's venue fees were moved away (the
    # report leaves the account out now); November changed too, but is past the look-back
    fake.pnl["2"]["2024-01"] = 1490.0
    del fake.pnl["70"]["2024-03"]
    fake.pnl["71"]["2023-11"] = 860.0
    third = sync(p, "books", objects=["profit_and_loss"])
    assert third[0].appended == 2
    now = {row[0]: row[4] for row in _pnl(p)}
    assert now["PL-2024-01-Sampling revenue"] == Decimal("1490.00")
    assert now["PL-2024-03-Organiser payouts:Venue fees"] == Decimal("0.00")
    assert now["PL-2023-11-Rent"] == Decimal("850.00")
    assert p.engine.scalar("SELECT count(*) FROM raw_profit_and_loss WHERE source_id = "
                           "'PL-2024-01-Sampling revenue'") == 2  # the first figure is kept
    # a backfill reads November again
    fake.requests.clear()
    fourth = sync(p, "books", objects=["profit_and_loss"], backfill_from=date(2023, 11, 1))
    assert fourth[0].appended == 1
    assert {row[0]: row[4] for row in _pnl(p)}["PL-2023-11-Rent"] == Decimal("860.00")
    assert _asked(fake)[0][0] == "2023-08-01"  # the backfill month less the look-back


@pytest.mark.usefixtures("march_2024")
def test_a_report_without_month_columns_fails_clearly(tmp_path: Path,
                                                      fake: QuickBooksFake) -> None:
    p = project_for(tmp_path, fake)
    original = fake.route

    def totals_only(req):  # type: ignore[no-untyped-def]
        status, headers, body = original(req)
        if req.path.endswith(PNL_REQUESTS):
            body["Header"]["SummarizeColumnsBy"] = "Total"
            body["Columns"]["Column"] = [body["Columns"]["Column"][0],
                                         body["Columns"]["Column"][-1]]
        return status, headers, body

    fake.route = totals_only  # type: ignore[method-assign]
    with pytest.raises(SyncFailed, match=r"profit_and_loss: the ProfitAndLoss report has no "
                                         r"month columns \(SummarizeColumnsBy 'Total'\)"):
        sync(p, "books", objects=["profit_and_loss"])
    assert "raw_profit_and_loss" not in raw_tables(p)
