"""Bill.com against its fake: the session login (devKey and sessionId headers, a new session
after 35 idle minutes and once when a call says the session is invalid), `max`/`nextPage`
paging, the `updatedTime` filter from the cursor, bills with approval and payment status,
vendors with their onboarding and W-9 facts (never the tax id itself), the two documented
limits, 5xx, malformed JSON, refused logins and surprising answers that fail the run with
nothing written."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fakes.billcom import (
    BILLS,
    DEV_KEY,
    ENV,
    ORGANIZATION,
    PASSWORD,
    USERNAME,
    BillComFake,
    bill_id,
    bill_record,
    sources_toml,
    vendor_id,
)
from fakes.clock import FakeClock
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from northstar.project import Project
from northstar.sources.http import vendor_message
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("ap") + FAST_RETRY.format(name="ap")
BILLS_PATH, VENDORS_PATH, LOGIN = "/connect/v3/bills", "/connect/v3/vendors", "/connect/v3/login"




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[BillComFake]:
    os.environ.update(ENV)
    with BillComFake(clock=clock) as server:
        yield server


def project_for(tmp_path: Path, fake: BillComFake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)



def calls(fake: BillComFake, path: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in fake.requests if r.path == path]


def test_backfill_then_only_what_changed(tmp_path: Path, fake: BillComFake,
                                         engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    runs = by_object(sync(p, "ap"))
    assert list(runs) == ["vendors", "bills"]
    # 6 vendors in pages of 4 (4 + 2), 13 bills (4 + 4 + 4 + 1)
    assert {o: (r.appended, r.requests) for o, r in runs.items()} == {
        "vendors": (6, 2), "bills": (13, 4)}
    login, *api = fake.requests
    assert login.path == LOGIN and json.loads(login.body) == {
        "username": USERNAME, "password": PASSWORD, "organizationId": ORGANIZATION,
        "devKey": DEV_KEY}
    assert fake.logins == 1  # one session for the whole run
    assert {r.headers["devkey"] for r in api} == {DEV_KEY}
    assert len({r.headers["sessionid"] for r in api}) == 1
    first, second, *_ = calls(fake, BILLS_PATH)
    assert first == {"max": "4", "sort": "updatedTime:asc"}  # the first run reads everything
    assert set(second) == {"max", "sort", "page"}

    # bill 1: $500 of which $200 still due, approved, partly paid, vendor 0
    assert p.engine.query(
        "SELECT vendor_id, vendor_name, invoice_number, invoice_date, due_date, amount, "
        "due_amount, payment_status, approval_status, archived, updated_time "
        f"FROM raw_billcom_bills WHERE source_id = '{bill_id(1)}'").to_pylist() == [{
            "vendor_id": vendor_id(0), "vendor_name": "Brightside Events",
            "invoice_number": "B-30001", "invoice_date": date(2026, 1, 10),
            "due_date": date(2026, 2, 10), "amount": Decimal("500.00"),
            "due_amount": Decimal("200.00"), "payment_status": "PARTIAL",
            "approval_status": "APPROVED", "archived": False,
            # created 2026-01-10 12:00, changed a day and 7 minutes later
            "updated_time": datetime(2026, 1, 11, 12, 7)}]
    # vendors: the onboarding and W-9 facts, and no tax id anywhere in the ledger
    assert p.engine.rows("SELECT source_id, network_status, bank_account_on_file, track_1099, "
                         "tax_id_on_file FROM raw_billcom_vendors ORDER BY source_id") == [
        (vendor_id(0), "CONNECTED", False, True, True),
        (vendor_id(1), "NOT_CONNECTED", True, False, False),
        (vendor_id(2), "PENDING", False, True, True),
        (vendor_id(3), "CONNECTED", False, True, False),
        (vendor_id(4), "CONNECTED_RPPS", False, False, False),
        (vendor_id(5), "NOT_CONNECTED", False, True, False)]
    assert "1234" not in repr(table_contents(p, "raw_billcom_vendors"))
    # the cursor: the newest updatedTime read, bill 12 (2026-01-22 12:00 + 84 minutes)
    assert runs["bills"].cursor == datetime(2026, 1, 22, 13, 24)

    # nothing changed: the next run reads from the cursor less ten minutes, appends nothing
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    fake.requests.clear()
    again = by_object(sync(p, "ap"))
    assert sum(r.appended for r in again.values()) == 0
    assert calls(fake, BILLS_PATH) == [{"max": "4", "sort": "updatedTime:asc",
                                        "filters": 'updatedTime:gte:"2026-01-22T13:14:00.000Z"'}]
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before

    # bill 2 is approved and paid: the next run appends just that version
    fake.touch("bills", bill_id(2), approvalStatus="APPROVED", paymentStatus="PAID",
               dueAmount=0.0)
    third = by_object(sync(p, "ap"))
    assert (third["bills"].fetched, third["bills"].appended) == (2, 1)  # 12 re-read, 2 new
    assert p.engine.rows("SELECT approval_status, payment_status, due_amount FROM "
                         f"raw_billcom_bills WHERE source_id = '{bill_id(2)}' "
                         "ORDER BY load_id") == [("APPROVING", "UNPAID", Decimal("750.00")),
                                                 ("APPROVED", "PAID", Decimal("0.00"))]
    assert p.verify().ok


def test_a_session_idle_for_35_minutes_is_renewed_before_the_next_call(
        tmp_path: Path, fake: BillComFake, clock: FakeClock) -> None:
    p = project_for(tmp_path, fake, toml=TOML.replace("max_total = 20", "max_total = 3000"))
    # the second vendors page is throttled with a wait of 34.5 minutes: the fake would still
    # take the session after it, but the client logs in again first (a minute's margin)
    fake.fail("none", times=2)  # the login, the first vendors page
    fake.fail("429", retry_after=34.5 * 60)
    sync(p, "ap", objects=["vendors"])
    assert clock.slept == [34.5 * 60]
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == [
        "login", "vendors", "vendors", "login", "vendors"]
    assert fake.logins == 2


@pytest.mark.parametrize("status", [401, 400])
def test_an_invalid_session_logs_in_again_once(tmp_path: Path, clock: FakeClock,
                                               status: int) -> None:
    """Whatever HTTP status comes with BDC_1109 (the documents do not say), the client logs
    in again and repeats the call, once."""
    os.environ.update(ENV)
    with BillComFake(clock=clock, session_status=status) as fake:
        p = project_for(tmp_path, fake)
        fake.fail("none", times=2)  # the login, the first vendors page
        fake.fail("expire")        # the fake forgets every session
        runs = by_object(sync(p, "ap", objects=["vendors"]))
        assert runs["vendors"].appended == 6
        assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == [
            "login", "vendors", "vendors", "login", "vendors"]


def test_a_refused_login_and_missing_settings_fail_clearly(
        tmp_path: Path, fake: BillComFake, monkeypatch: pytest.MonkeyPatch) -> None:
    p = project_for(tmp_path, fake)
    monkeypatch.setenv("NS_TEST_BILL_PASSWORD", "not-the-password")
    with pytest.raises(SyncFailed) as info:
        sync(p, "ap", objects=["vendors"])
    assert ("ap: POST /connect/v3/login refused the login (HTTP 400: BDC_1102: Incorrect "
            "username, password, organization or developer key.); check the user name, "
            "password, organization id and developer key") in str(info.value)
    assert "not-the-password" not in str(info.value)
    monkeypatch.setenv("NS_TEST_BILL_PASSWORD", PASSWORD)
    monkeypatch.delenv("NS_TEST_BILL_DEV_KEY")
    with pytest.raises(SyncFailed, match="needs its dev_key: set environment variable "
                                         "NS_TEST_BILL_DEV_KEY"):
        sync(p, "ap", objects=["vendors"])
    monkeypatch.setenv("NS_TEST_BILL_DEV_KEY", DEV_KEY)
    other = project_for(tmp_path / "b", fake,
                        toml=TOML.replace(f'organization_id = "{ORGANIZATION}"\n', ""))
    with pytest.raises(SyncFailed, match="needs its organization_id"):
        sync(other, "ap", objects=["vendors"])
    assert raw_tables(p) == [] and raw_tables(other) == []


@pytest.mark.parametrize(("retry_after", "waited"), [(None, 1.0), (3, 3.0)])
def test_too_many_calls_at_once_waits_a_second_or_as_told(
        tmp_path: Path, fake: BillComFake, clock: FakeClock, retry_after: float | None,
        waited: float) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")  # the login
    fake.fail("429", retry_after=retry_after)  # BDC_1322
    runs = by_object(sync(p, "ap", objects=["vendors"]))
    assert runs["vendors"].appended == 6 and runs["vendors"].requests == 3
    assert clock.slept == [waited]


def test_the_hourly_limit_fails_the_run_without_waiting_the_hour(
        tmp_path: Path, clock: FakeClock) -> None:
    os.environ.update(ENV)
    with BillComFake(clock=clock, hourly_limit=3) as fake:
        p = project_for(tmp_path, fake)
        with pytest.raises(SyncFailed, match=r"bills: ap: GET /connect/v3/bills still failing "
                                             r"after 1 tries: HTTP 429 BDC_1144: Maximum "
                                             r"number of API requests per hour"):
            sync(p, "ap")
        assert clock.slept == []
        assert raw_tables(p) == []  # vendors and bills are one run: all or nothing


def test_server_errors_are_retried_to_the_clean_result(tmp_path: Path,
                                                       fake: BillComFake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "ap")
    faulty = project_for(tmp_path / "faulty", fake)
    fake.fail("none", times=2)  # the login, the first vendors page
    fake.fail("500", times=2)
    fake.fail("drop")
    runs = by_object(sync(faulty, "ap"))
    assert runs["vendors"].requests == 2 + 3
    for table in ("raw_billcom_bills", "raw_billcom_vendors"):
        assert table_contents(faulty, table) == table_contents(clean, table)


def test_malformed_json_is_retried_then_fails_with_nothing_written(
        tmp_path: Path, fake: BillComFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match=r"GET /connect/v3/vendors still failing after 4 "
                                         r"tries: the answer was not valid JSON"):
        sync(p, "ap", objects=["vendors"])
    assert raw_tables(p) == []
    assert "ns_cursors" not in p.engine.relations()


def _first(change: Any) -> dict[str, Any]:
    return {"results": [change(bill_record(0))]}


@pytest.mark.parametrize(("body", "expected"), [
    ([{"id": bill_id(0)}], "answered list without a `results` list where a page was expected"),
    ({"results": [], "nextPage": 7}, "answered nextPage 7, not a page token"),
    ({"results": ["00n01"]}, "listed a str, not a record"),
    (_first(lambda r: {**r, "amount": "lots"}), f"bills '{bill_id(0)}': 'lots' is not an "
                                                 "amount"),
    (_first(lambda r: {**r, "dueDate": "soon"}), "'soon' is not a timestamp"),
    (_first(lambda r: {**r, "id": None}), "bills None: a record has no id"),
    (_first(lambda r: {**r, "invoice": "B-1"}), "expected an object in invoice, got 'B-1'"),
    (_first(lambda r: {**r, "archived": "maybe"}), "'maybe' is not true or false"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: BillComFake, body: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    fake.answers[BILLS_PATH] = (200, {}, body)
    with pytest.raises(SyncFailed) as info:
        sync(p, "ap")
    assert expected in str(info.value)
    assert raw_tables(p) == []
    failed = p.engine.rows("SELECT status, error FROM ns_runs WHERE object = 'bills'")
    assert len(failed) == 1 and failed[0][0] == "failed" and expected in failed[0][1]


def test_a_page_token_handed_back_twice_is_not_followed(tmp_path: Path,
                                                        fake: BillComFake) -> None:
    p = project_for(tmp_path, fake)
    fake.answers[BILLS_PATH] = (200, {}, {"results": [], "nextPage": "same"})
    with pytest.raises(SyncFailed, match="returned page cursor 'same' twice"):
        sync(p, "ap", objects=["bills"])
    assert len(calls(fake, BILLS_PATH)) == 2


def test_the_fake_pages_and_filters_like_bill() -> None:
    import httpx

    with BillComFake() as fake:
        login = httpx.post(fake.url + LOGIN, json={
            "username": USERNAME, "password": PASSWORD, "organizationId": ORGANIZATION,
            "devKey": DEV_KEY}).json()
        headers = {"devKey": DEV_KEY, "sessionId": login["sessionId"]}
        url = fake.url + BILLS_PATH
        page = httpx.get(url, headers=headers, params={"max": 10}).json()
        assert len(page["results"]) == 10 and "prevPage" not in page
        rest = httpx.get(url, headers=headers, params={"max": 10,
                                                       "page": page["nextPage"]}).json()
        assert len(rest["results"]) == len(BILLS) - 10 and "nextPage" not in rest
        # bills changed from 2026-01-20 12:00: bills 10 (12:70 min), 11 and 12
        late = httpx.get(url, headers=headers, params={
            "filters": 'updatedTime:gte:"2026-01-20T12:00:00.000Z"'}).json()
        assert [r["id"] for r in late["results"]] == [bill_id(i) for i in (10, 11, 12)]
        assert httpx.get(url, headers=headers, params={"max": 101}).status_code == 400
        assert httpx.get(url, headers=headers, params={"page": "made-up"}).status_code == 400
        refused = httpx.get(url, headers={"devKey": DEV_KEY, "sessionId": "old"})
        assert refused.status_code == 401 and refused.json()[0]["code"] == "BDC_1109"


def test_a_v3_error_array_reads_as_one_line() -> None:
    body = [{"timestamp": "2026-03-01T00:00:00.000+0000", "code": "BDC_1109",
             "severity": "ERROR", "category": "DOWNSTREAM",
             "message": "Session is invalid. Please log in."}]
    assert vendor_message(body) == "BDC_1109: Session is invalid. Please log in."
    assert vendor_message([]) == ""
