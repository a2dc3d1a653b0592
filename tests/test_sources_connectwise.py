"""ConnectWise Manage against its fake: Basic auth plus clientId, both paging styles with the
Link header, `conditions` on lastUpdated from the cursor, agreement additions per agreement,
the vendor's error body, throttling, and a bad record or surprise answer writing nothing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.connectwise import API, CLIENT_ID, ENV, PRIVATE, PUBLIC, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, make_project, raw_tables, table_contents
from northstar.project import Project
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    os.environ.update(ENV)
    with ConnectWiseFake() as server:
        yield server


def project_for(tmp_path: Path, fake: ConnectWiseFake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)


def one(p: Project, sql: str) -> dict[str, object]:
    rows = p.engine.query(sql).to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def calls(fake: ConnectWiseFake, path: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in fake.requests
            if r.path == API + path]


def test_backfill_then_incremental(tmp_path: Path, fake: ConnectWiseFake,
                                   engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    runs = {r.object: r for r in sync(p, "psa")}
    assert list(runs) == ["boards", "companies", "tickets", "time_entries", "agreements",
                          "agreement_additions"]
    assert raw_tables(p) == ["raw_cw_agreement_additions", "raw_cw_agreements", "raw_cw_boards",
                             "raw_cw_companies", "raw_cw_tickets", "raw_cw_time_entries"]
    # 3 boards, 4 companies, 10 tickets, 12 time entries, 3 agreements, additions 2 + 1 + 0
    assert {o: r.appended for o, r in runs.items()} == {
        "boards": 3, "companies": 4, "tickets": 10, "time_entries": 12, "agreements": 3,
        "agreement_additions": 3}
    # 4 a page: tickets 4 + 4 + 2 (forward-only, the short page has no next link); time
    # entries 4 + 4 + 4 + an empty page (every full forward-only page links a next one);
    # additions: one listing of agreement ids, then one request per agreement
    assert {o: r.requests for o, r in runs.items()} == {
        "boards": 1, "companies": 1, "tickets": 3, "time_entries": 4, "agreements": 1,
        "agreement_additions": 4}

    # ticket 1005 (i = 4): board 1 + 4 % 3 = Projects, closed (even), child of 1004 (4 % 5 == 4),
    # company 250 + 4 % 4, owner tech0, 0.25 * 5 hours, entered 4 days after 2024-01-01
    assert one(p, "SELECT board_id, board, record_type, status, closed_flag, closed_date, "
                  "parent_ticket_id, company_id, company, owner, actual_hours, date_entered, "
                  "updated_at, client_id FROM raw_cw_tickets WHERE source_id = '1005'") == {
        "board_id": "2", "board": "Projects", "record_type": "ProjectTicket",
        "status": "Closed", "closed_flag": True, "closed_date": datetime(2024, 1, 5, 2),
        "parent_ticket_id": "1004", "company_id": "250", "company": "Company 0",
        "owner": "tech0", "actual_hours": Decimal("1.25"), "date_entered": datetime(2024, 1, 5),
        "updated_at": datetime(2024, 1, 5, 3), "client_id": "250"}
    # ticket 1004 (i = 3): Help Desk, open, a parent ticket
    assert one(p, "SELECT board, status, closed_flag, closed_date, parent_ticket_id, "
                  "actual_hours FROM raw_cw_tickets WHERE source_id = '1004'") == {
        "board": "Help Desk", "status": "New", "closed_flag": False, "closed_date": None,
        "parent_ticket_id": None, "actual_hours": Decimal("1.00")}
    # time entry 5006 (i = 5): a charge code, not a ticket; odd, so DoNotBill; tech1
    assert one(p, "SELECT charge_to_type, charge_to_id, member, company_id, time_start, "
                  "time_end, actual_hours, billable_option, work_type, date_entered, "
                  "client_id FROM raw_cw_time_entries WHERE source_id = '5006'") == {
        "charge_to_type": "ChargeCode", "charge_to_id": "7", "member": "tech1",
        "company_id": "251", "time_start": datetime(2024, 1, 6, 9),
        "time_end": datetime(2024, 1, 6, 10, 30), "actual_hours": Decimal("1.50"),
        "billable_option": "DoNotBill", "work_type": "Remote",
        "date_entered": datetime(2024, 1, 6, 10, 30), "client_id": "251"}
    assert one(p, "SELECT identifier, type, status, deleted, date_entered, client_id "
                  "FROM raw_cw_companies WHERE source_id = '253'") == {
        "identifier": "CO3", "type": "Client, Partner", "status": "Active", "deleted": False,
        "date_entered": datetime(2023, 12, 2), "client_id": "253"}
    assert p.engine.rows("SELECT source_id, company_id, start_date, end_date, no_ending_date, "
                         "cancelled_flag, bill_amount, billing_cycle FROM raw_cw_agreements "
                         "ORDER BY source_id") == [
        ("70", "250", date(2024, 1, 1), None, True, False, Decimal("1500.00"), "Monthly"),
        ("71", "251", date(2024, 1, 1), date(2024, 12, 31), False, False, Decimal("1750.00"),
         "Monthly"),
        ("72", "252", date(2024, 1, 1), date(2024, 12, 31), False, True, Decimal("2000.00"),
         "Monthly")]
    # unit costs round half to even: 12.125 -> 12.12, 9.995 -> 10.00
    assert p.engine.rows("SELECT source_id, agreement_id, product, quantity, unit_price, "
                         "unit_cost, effective_date, bill_customer "
                         "FROM raw_cw_agreement_additions ORDER BY source_id") == [
        ("900", "70", "PROD-0", Decimal("25.0000"), Decimal("45.50"), Decimal("12.12"),
         date(2024, 1, 1), "Billable"),
        ("901", "70", "PROD-1", Decimal("3.0000"), Decimal("99.00"), Decimal("60.00"),
         date(2024, 1, 1), "Billable"),
        ("902", "71", "PROD-2", Decimal("10.0000"), Decimal("30.00"), Decimal("10.00"),
         date(2024, 1, 1), "Billable")]
    assert one(p, "SELECT location, department, inactive FROM raw_cw_boards "
                  "WHERE source_id = '1'") == {"location": "Main", "department": "Service",
                                               "inactive": False}
    # the newest ticket change: ticket 1010, 2024-01-10 03:00
    assert runs["tickets"].cursor == datetime(2024, 1, 10, 3)
    assert "conditions" not in calls(fake, "/service/tickets")[0]

    # second run: nothing changed; each object re-reads one day before its cursor
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    fake.requests.clear()
    again = {r.object: r for r in sync(p, "psa")}
    assert sum(r.appended for r in again.values()) == 0
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    tickets = calls(fake, "/service/tickets")
    assert tickets == [{"pageSize": "4", "orderBy": "id asc",
                        "conditions": "lastUpdated >= [2024-01-09T03:00:00Z]"}]
    assert again["tickets"].fetched == 2  # tickets 1009 (2024-01-09 03:00) and 1010
    # additions: the agreements are listed whole (ids only), the additions filtered
    listing = [q for q in calls(fake, "/finance/agreements") if "fields" in q]
    assert listing == [{"pageSize": "4", "orderBy": "id asc", "fields": "id", "page": "1"}]
    assert calls(fake, "/finance/agreements/70/additions")[0]["conditions"] == \
        "lastUpdated >= [2024-01-02T02:00:00Z]"  # the newest addition 2024-01-03 02:00

    # a ticket is closed and an addition's quantity changes: one new version of each
    fake.touch("tickets", 1004, closedFlag=True, closedDate="2024-03-01T00:00:30Z")
    changed = fake.touch("additions", 901, agreement=70, quantity=4)
    third = {r.object: r for r in sync(p, "psa")}
    assert {o: r.appended for o, r in third.items() if r.appended} == {
        "tickets": 1, "agreement_additions": 1}
    assert third["tickets"].fetched == 3
    assert p.engine.rows("SELECT closed_flag, closed_date FROM raw_cw_tickets "
                         "WHERE source_id = '1004' ORDER BY load_id") == [
        (False, None), (True, datetime(2024, 3, 1, 0, 0, 30))]
    assert third["agreement_additions"].cursor == datetime.fromisoformat(changed[:-1])
    assert p.engine.rows("SELECT quantity FROM raw_cw_agreement_additions "
                         "WHERE source_id = '901' ORDER BY load_id") == [
        (Decimal("3.0000"),), (Decimal("4.0000"),)]
    assert p.verify().ok


def test_navigable_paging_follows_the_link_header(tmp_path: Path) -> None:
    os.environ.update(ENV)
    with ConnectWiseFake(companies=9) as fake:
        p = project_for(tmp_path, fake)
        runs = sync(p, "psa", objects=["companies"], backfill_from=date(2023, 1, 1))
        assert runs[0].appended == 9 and runs[0].pages == 3  # 4 + 4 + 1
        pages = calls(fake, "/company/companies")
        assert [q["page"] for q in pages] == ["1", "2", "3"]
        # the next pages are the server's links: the same conditions and size, page moved on
        assert {q["conditions"] for q in pages} == {"lastUpdated >= [2022-12-31T00:00:00Z]"}
        assert {q["pageSize"] for q in pages} == {"4"}


def test_forward_only_paging_and_both_condition_forms(tmp_path: Path,
                                                      fake: ConnectWiseFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "psa", objects=["tickets"])
    sent = [r for r in fake.requests if r.path == API + "/service/tickets"]
    assert [r.headers.get("pagination-type") for r in sent] == ["forward-only"] * 3
    assert [r.arg("pageId") for r in sent] == [None, "1004", "1008"]
    assert all(r.arg("page") is None for r in sent)
    # the fake takes the `_info/lastUpdated` form too, and `>` is strict
    import httpx

    auth = (f"northwind+{PUBLIC}", PRIVATE)
    for condition in ("_info/lastUpdated > [2024-01-09T03:00:00Z]",
                      "lastUpdated > [2024-01-09T03:00:00Z]"):
        answer = httpx.get(f"{fake.url}{API}/service/tickets", auth=auth,
                           headers={"clientId": CLIENT_ID}, params={"conditions": condition})
        assert [t["id"] for t in answer.json()] == [1010]


def test_wrong_keys_or_missing_client_id_fail_clearly(tmp_path: Path,
                                                      fake: ConnectWiseFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_CW_PRIVATE"] = "not-the-key"
    with pytest.raises(SyncFailed) as info:
        sync(p, "psa", objects=["boards"])
    assert ("boards: psa: GET /v4_6_release/apis/3.0/service/boards was refused with HTTP 401 "
            "(check the token): Unauthorized: Basic authentication failed.") in str(info.value)
    assert "not-the-key" not in str(info.value)
    assert len(fake.requests) == 1  # not retried

    os.environ["NS_TEST_CW_PRIVATE"] = PRIVATE
    toml = TOML.replace('client_id_env = "NS_TEST_CW_CLIENT"', 'client_id_env = "NS_NO_SUCH"')
    with pytest.raises(SyncFailed, match="needs its client_id: set environment variable "
                                         "NS_NO_SUCH"):
        sync(project_for(tmp_path / "b", fake, toml=toml), "psa", objects=["boards"])
    os.environ["NS_TEST_CW_CLIENT"] = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(SyncFailed, match=r"HTTP 401 .*A valid clientId header is required"):
        sync(p, "psa", objects=["boards"])
    os.environ["NS_TEST_CW_CLIENT"] = CLIENT_ID
    fake.denied.add("/finance")
    with pytest.raises(SyncFailed, match=r"HTTP 403 \(the token lacks a permission\): "
                                         "Forbidden: You do not have access"):
        sync(p, "psa", objects=["agreements"])


def test_throttled_then_answered(tmp_path: Path, fake: ConnectWiseFake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "psa", objects=["tickets"])
    faulty = project_for(tmp_path / "faulty", fake)
    fake.requests.clear()
    fake.fail("429", times=2, retry_after=0)
    fake.fail("500")
    runs = sync(faulty, "psa", objects=["tickets"])
    assert runs[0].status == "ok" and runs[0].requests == 3 + 3
    assert table_contents(faulty, "raw_cw_tickets") == table_contents(clean, "raw_cw_tickets")


def test_bad_record_or_surprise_answer_writes_nothing(tmp_path: Path, fake: ConnectWiseFake,
                                                      engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "psa", objects=["tickets", "time_entries"])
    before = {t: table_contents(p, t) for t in [*raw_tables(p), "ns_cursors"]}
    # a record on the last page is bad: the pages before it are not kept either
    fake.touch("tickets", 1002, summary="renamed")
    fake.touch("tickets", 1009, actualHours="lots")
    with pytest.raises(SyncFailed) as info:
        sync(p, "psa", objects=["tickets"])
    assert "tickets 1009: 'lots' is not an amount" in str(info.value)
    fake.records["tickets"][1009]["actualHours"] = 2.5
    del fake.records["tickets"][1009]["_info"]  # only a first run (no conditions) lists it
    fresh = project_for(tmp_path / "fresh", fake)
    with pytest.raises(SyncFailed, match=r"tickets 1009 has no _info\.lastUpdated"):
        sync(fresh, "psa", objects=["tickets"])
    assert raw_tables(fresh) == []
    # a 200 answer that is not a list of records
    fake.answers["/time/entries"] = (200, {}, {"code": "NotFound", "message": "gone"})
    with pytest.raises(SyncFailed, match="GET /time/entries answered dict where a JSON array "
                                         "of records was expected"):
        sync(p, "psa", objects=["time_entries"])
    assert {t: table_contents(p, t) for t in [*raw_tables(p), "ns_cursors"]} == before
    assert p.verify().ok


def test_a_next_link_to_another_server_is_not_followed(tmp_path: Path,
                                                       fake: ConnectWiseFake) -> None:
    p = project_for(tmp_path, fake)
    fake.answers["/service/boards"] = (
        200, {"Link": '<https://elsewhere.example/x?page=2>; rel="next"'}, [{"id": 1}])
    with pytest.raises(SyncFailed, match=r"next-page link points to another server "
                                         r"\(elsewhere.example\)"):
        sync(p, "psa", objects=["boards"])
    assert len(fake.requests) == 1


def test_keys_from_the_secrets_file_and_the_site_address(
        tmp_path: Path, fake: ConnectWiseFake, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name)
    toml = f"""
[psa]
kind = "connectwise"
base_url = "{fake.url}"
"""
    secrets = {"psa": {"company": "northwind", "public_key": PUBLIC, "private_key": PRIVATE,
                       "client_id": CLIENT_ID}}
    p = make_project(tmp_path, toml, secrets=secrets)
    assert sync(p, "psa", objects=["boards"])[0].appended == 3

    from northstar.sources.config import SourceConfig
    from northstar.sources.connectwise import ConnectWise
    from northstar.sources.secrets import SecretStore

    store = SecretStore(p.root)
    for site, url in (("eu.myconnectwise.net", "https://eu.myconnectwise.net"),
                      (None, "https://api-na.myconnectwise.net")):
        cfg = SourceConfig(name="psa", kind="connectwise", site=site)
        with ConnectWise.open_client(cfg, store) as client:
            assert str(client.http.base_url) == url + "/v4_6_release/apis/3.0/"
            assert client.http.headers["clientId"] == CLIENT_ID
