"""ServiceTitan against its fake: client-credentials tokens plus `ST-App-Key` on every call, the
tenant in the path, export endpoints resumed from the saved `continueFrom`, the paged lists
(job types, campaigns) on `modifiedOnOrAfter`, invoices with their items and payments with what
they are applied to, 429s at the documented rate, 5xx, malformed JSON, expired tokens, and
surprising answers that fail the run with nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from fakes.clock import FakeClock
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from fakes.server import Answer, Request
from fakes.servicetitan import (
    APP_KEY,
    CLIENT_ID,
    CLIENT_SECRET,
    ENV,
    TENANT,
    ServiceTitanFake,
    sources_toml,
    token_for,
)
from northstar.errors import NorthstarError
from northstar.project import Project
from northstar.sources.http import vendor_message
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("st") + FAST_RETRY.format(name="st")
OBJECTS = ["business_units", "job_types", "campaigns", "customers", "locations", "jobs",
           "appointments", "estimates", "invoices", "payments", "gross_pay_items"]
JOBS = f"/jpm/v2/tenant/{TENANT}/export/jobs"
INVOICES = f"/accounting/v2/tenant/{TENANT}/export/invoices"
JOB_TYPES = f"/jpm/v2/tenant/{TENANT}/job-types"




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[ServiceTitanFake]:
    os.environ.update(ENV)
    with ServiceTitanFake(clock=clock) as server:
        yield server


def project_for(tmp_path: Path, fake: ServiceTitanFake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)



def one(p: Project, sql: str) -> dict[str, Any]:
    rows = p.engine.query(sql).to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def calls(fake: ServiceTitanFake, path: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in fake.requests if r.path == path]


def last_token(fake: ServiceTitanFake, kind: str) -> str:
    """The token after the newest change of `kind`: what the export's last answer hands back."""
    return token_for(max(r["_seq"] for r in fake.records[kind].values()))


def saved_tokens(p: Project) -> dict[str, str | None]:
    rows = p.engine.rows("SELECT source_id, token FROM (SELECT source_id, token, row_number() "
                         "OVER (PARTITION BY source_id ORDER BY load_id DESC) AS n "
                         "FROM ns_cursors) AS c WHERE n = 1")
    return {str(k): v for k, v in rows}


def test_backfill_then_resume_from_the_saved_token(tmp_path: Path, fake: ServiceTitanFake,
                                                   engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    runs = by_object(sync(p, "st"))
    assert list(runs) == OBJECTS
    # 4 units, 5 job types, 3 campaigns, 4 customers and locations, 6 jobs and appointments,
    # estimates for the even jobs (0, 2, 4), 6 invoices of 2 items, payments for the jobs
    # with i % 3 != 2 (0, 1, 3, 4) with one application each, a gross pay item per job
    assert {o: r.appended for o, r in runs.items()} == {
        "business_units": 4, "job_types": 5, "campaigns": 3, "customers": 4, "locations": 4,
        "jobs": 6, "appointments": 6, "estimates": 3, "invoices": 18, "payments": 8,
        "gross_pay_items": 6}
    # exports 4 records an answer (jobs 4 + 2); lists 2 a page (job types 2 + 2 + 1)
    assert {o: r.requests for o, r in runs.items()} == {
        "business_units": 1, "job_types": 3, "campaigns": 2, "customers": 1, "locations": 1,
        "jobs": 2, "appointments": 2, "estimates": 1, "invoices": 2, "payments": 1,
        "gross_pay_items": 2}
    token, *api = fake.requests
    assert token.path == "/connect/token"
    assert {k: v[0] for k, v in parse_qs(token.body.decode()).items()} == {
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET}
    assert {r.headers.get("st-app-key") for r in api} == {APP_KEY}
    assert all(r.headers["authorization"].startswith("Bearer st-") for r in api)
    assert all(f"/tenant/{TENANT}/" in r.path for r in api)
    # the first run: exports from the start, then from each answer's continueFrom
    jobs = calls(fake, JOBS)
    assert jobs[0] == {} and list(jobs[1]) == ["from"]

    # job 4: Phoenix-Sales (11), Touchup (105, no charge), completed 4 h after its day
    # (2024-01-06 15:00), total 250.5 + 400, customer 1000, campaign 202 (4 % 3 = 1)
    assert one(p, "SELECT job_number, customer_id, location_id, job_status, business_unit_id, "
                  "job_type_id, campaign_id, completed_on, no_charge, warranty_id, sold_by_id, "
                  "invoice_id, created_from_estimate_id, total, active, modified_on, client_id "
                  "FROM raw_st_jobs WHERE source_id = '3004'") == {
        "job_number": "J5004", "customer_id": "1000", "location_id": "2000",
        "job_status": "Completed", "business_unit_id": "11", "job_type_id": "105",
        "campaign_id": "202", "completed_on": datetime(2024, 1, 6, 19), "no_charge": True,
        "warranty_id": None, "sold_by_id": "77", "invoice_id": "60004",
        "created_from_estimate_id": "50004", "total": Decimal("650.50"), "active": True,
        "modified_on": datetime(2024, 1, 6, 15), "client_id": "1000"}
    # job 2 is a Warranty job (103) for job 3000
    assert one(p, "SELECT job_type_id, warranty_id FROM raw_st_jobs "
                  "WHERE source_id = '3002'") == {"job_type_id": "103", "warranty_id": "3000"}
    assert one(p, "SELECT reference_number, invoice_date, due_date, sub_total, total, "
                  "balance, business_unit_id, business_unit_name, job_id, job_number, "
                  "customer_id FROM raw_st_invoices WHERE source_id = '60004'") == {
        "reference_number": "INV-60004", "invoice_date": date(2024, 1, 6),
        "due_date": date(2024, 2, 5), "sub_total": Decimal("650.50"),
        "total": Decimal("650.50"), "balance": Decimal("0.00"), "business_unit_id": "11",
        "business_unit_name": "Phoenix-Sales", "job_id": "3004", "job_number": "J5004",
        "customer_id": "1000"}
    # invoice 2 has no payment (2 % 3 == 2): its whole total is open
    assert p.engine.scalar("SELECT balance FROM raw_st_invoices WHERE source_id = '60002'") \
        == Decimal("450.50")
    # the paint line: cost 22.125 rounds half to even to 22.12, price 33.6667 to 33.67
    assert p.engine.rows("SELECT source_id, invoice_id, type, sku_name, quantity, price, "
                         "total, cost, total_cost FROM raw_st_invoice_items "
                         "WHERE invoice_id = '60004' ORDER BY source_id") == [
        ("700008", "60004", "Service", "LABOR-HR", Decimal("8.0000"), Decimal("25.00"),
         Decimal("600.00"), Decimal("0.00"), Decimal("0.00")),
        ("700009", "60004", "Material", "PAINT-5G", Decimal("1.5000"), Decimal("33.67"),
         Decimal("50.50"), Decimal("22.12"), Decimal("33.19"))]
    assert one(p, "SELECT paid_on, total, customer_id, business_unit_id FROM raw_st_payments "
                  "WHERE source_id = '80004'") == {
        "paid_on": datetime(2024, 1, 6, 16), "total": Decimal("650.50"),
        "customer_id": "1000", "business_unit_id": "11"}
    assert p.engine.rows("SELECT source_id, payment_id, invoice_id, amount, applied_on "
                         "FROM raw_st_payment_applications ORDER BY source_id") == [
        (str(90000 + i), str(80000 + i), str(60000 + i), Decimal(f"{250.5 + 100 * i:.2f}"),
         datetime(2024, 1, 2 + i, 16)) for i in (0, 1, 3, 4)]
    assert one(p, "SELECT job_id, invoice_item_id, amount, paid_duration_hours, "
                  "gross_pay_item_type FROM raw_st_gross_pay_items "
                  "WHERE source_id = '95004'") == {
        "job_id": "3004", "invoice_item_id": "700008", "amount": Decimal("250.00"),
        "paid_duration_hours": Decimal("8.00"), "gross_pay_item_type": "TimesheetTime"}
    # inactive reference rows are collected too (export: all; lists: active=Any)
    assert p.engine.rows("SELECT source_id, name, active FROM raw_st_business_units "
                         "WHERE NOT active ORDER BY source_id") == [
        ("13", "Z-DO NOT USE - West - Sales", False),
        ("14", "Z-DO NOT USE - West- Production", False)]
    assert p.engine.rows("SELECT name FROM raw_st_job_types WHERE NOT active") == [
        ("PM Inspection",)]
    # the cursor: the newest modifiedOn read (job 5, 2024-01-07 15:00) and the export's token
    assert runs["jobs"].cursor == datetime(2024, 1, 7, 15)
    tokens = saved_tokens(p)
    exports = [o for o in OBJECTS if o not in ("job_types", "campaigns")]
    assert tokens == {f"st.{o}": (last_token(fake, o) if o in exports else None)
                      for o in OBJECTS}

    # second run: every export resumes from its saved token and reads nothing new
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    fake.requests.clear()
    again = by_object(sync(p, "st"))
    assert sum(r.appended for r in again.values()) == 0
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    assert calls(fake, JOBS) == [{"from": last_token(fake, "jobs")}]
    assert again["jobs"].fetched == 0
    # the lists re-read a day before their cursor (job types: 2024-01-01 00:14)
    assert calls(fake, JOB_TYPES)[0] == {"pageSize": "2", "active": "Any", "page": "1",
                                         "modifiedOnOrAfter": "2023-12-31T00:14:00Z"}
    assert saved_tokens(p) == tokens  # nothing moved: no new cursor versions

    # a job is canceled and an invoice paid: the next run reads just those two
    fake.touch("jobs", 3003, jobStatus="Canceled")
    fake.touch("invoices", 60002, balance="0.00")
    third = by_object(sync(p, "st"))
    assert {o: (r.fetched, r.appended) for o, r in third.items() if r.fetched and
            o not in ("job_types", "campaigns")} == {"jobs": (1, 1), "invoices": (1, 1)}
    assert p.engine.rows("SELECT job_status FROM raw_st_jobs WHERE source_id = '3003' "
                         "ORDER BY load_id") == [("Scheduled",), ("Canceled",)]
    assert saved_tokens(p)["st.jobs"] == last_token(fake, "jobs") != tokens["st.jobs"]
    assert p.verify().ok


def test_a_first_run_starts_at_start_date_and_a_backfill_from_its_date(
        tmp_path: Path, fake: ServiceTitanFake) -> None:
    toml = TOML.replace('page_size = 2', 'page_size = 2\nstart_date = "2024-01-05"')
    p = project_for(tmp_path, fake, toml=toml)
    runs = by_object(sync(p, "st", objects=["jobs"]))
    # midnight 5 January in the company's timezone (UTC, the default): job i changed on
    # day i + 1 at 15:00, so jobs 0 to 2 are left out and jobs 3 to 5 read
    assert calls(fake, JOBS) == [{"from": "2024-01-05T00:00:00Z"}]
    assert runs["jobs"].fetched == 3
    fake.requests.clear()
    sync(p, "st", objects=["jobs"], backfill_from=date(2024, 1, 3))
    assert calls(fake, JOBS)[0] == {"from": "2024-01-03T00:00:00Z"}  # the date, not the token
    assert saved_tokens(p)["st.jobs"] == last_token(fake, "jobs")


def test_the_schedule_window_does_not_move_an_export_back(tmp_path: Path,
                                                         fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "st", objects=["jobs", "job_types"])
    fake.requests.clear()
    sync(p, "st", objects=["jobs", "job_types"], window_from=date(2023, 1, 1))
    assert calls(fake, JOBS) == [{"from": last_token(fake, "jobs")}]
    # the date-filtered list does re-read the window (less its one-day look-back)
    assert calls(fake, JOB_TYPES)[0]["modifiedOnOrAfter"] == "2022-12-31T00:00:00Z"


def test_a_failed_object_keeps_no_token(tmp_path: Path, fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "st", objects=["jobs", "invoices"])
    first = saved_tokens(p)
    fake.touch("jobs", 3001, jobStatus="Canceled")
    fake.touch("invoices", 60001, balance="1.00")
    fake.answers[INVOICES] = (500, {}, {"title": "boom", "status": 500})
    with pytest.raises(SyncFailed, match=r"invoices: st: GET .*export/invoices still failing "
                                         r"after 4 tries: HTTP 500 boom"):
        sync(p, "st", objects=["jobs", "invoices"])
    assert saved_tokens(p) == first  # the jobs read before it are not kept either
    assert p.engine.rows("SELECT count(*) FROM raw_st_jobs") == [(6,)]
    del fake.answers[INVOICES]
    fake.requests.clear()
    runs = by_object(sync(p, "st", objects=["jobs", "invoices"]))
    assert calls(fake, JOBS) == [{"from": first["st.jobs"]}]  # resumed where the last kept run
    assert (runs["jobs"].appended, runs["invoices"].appended) == (1, 1)


def test_a_token_about_to_expire_is_renewed_before_the_next_call(
        tmp_path: Path, fake: ServiceTitanFake, clock: FakeClock) -> None:
    p = project_for(tmp_path, fake)
    # at the 3rd request the 900-second token has 30 s left: the fake still takes it, and the
    # client fetches a new one before the next call (a 60 s margin)
    fake.on_request = lambda n: clock.advance(870) if n == 3 else None
    sync(p, "st", objects=["jobs", "appointments"])
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == [
        "token", "jobs", "jobs", "token", "appointments", "appointments"]
    assert fake.token_requests == 2


def test_an_expired_token_is_fetched_again_once(tmp_path: Path, fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)  # token, first jobs answer
    fake.fail("expire")        # the fake forgets every token it issued
    runs = by_object(sync(p, "st", objects=["jobs"]))
    assert runs["jobs"].appended == 6
    assert [r.path.rsplit("/", 1)[-1] for r in fake.requests] == [
        "token", "jobs", "jobs", "token", "jobs"]


def test_refused_credentials_and_a_wrong_app_key_fail_clearly(
        tmp_path: Path, fake: ServiceTitanFake, monkeypatch: pytest.MonkeyPatch) -> None:
    p = project_for(tmp_path, fake)
    monkeypatch.setenv("NS_TEST_ST_CLIENT_SECRET", "not-the-secret")
    with pytest.raises(SyncFailed) as info:
        sync(p, "st", objects=["jobs"])
    assert ("st: POST /connect/token refused the client credentials (HTTP 400: "
            "invalid_client); check the client id and secret (they differ between the "
            "integration and production environments)") in str(info.value)
    assert "not-the-secret" not in str(info.value)
    monkeypatch.setenv("NS_TEST_ST_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("NS_TEST_ST_APP_KEY", "ak1.wrong")
    with pytest.raises(SyncFailed, match=r"jobs: st: GET .*/export/jobs was refused with HTTP "
                                         r"401 \(check the token\): The ST-App-Key header is "
                                         "missing or not valid"):
        sync(p, "st", objects=["jobs"])
    monkeypatch.delenv("NS_TEST_ST_APP_KEY")
    with pytest.raises(SyncFailed, match="needs its app_key: set environment variable "
                                         "NS_TEST_ST_APP_KEY"):
        sync(p, "st", objects=["jobs"])
    assert raw_tables(p) == []


def test_the_tenant_must_be_a_number(tmp_path: Path, fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake, toml=TOML.replace(f'tenant = "{TENANT}"', 'tenant = "acme"'))
    with pytest.raises(SyncFailed, match=r"needs its tenant: ServiceTitan's tenant id, a "
                                         r"number, in sources.toml .*not 'acme'"):
        sync(p, "st")
    other = project_for(tmp_path / "b", fake, toml=TOML.replace(TENANT, "999"))
    with pytest.raises(SyncFailed, match=r"HTTP 404: Tenant 999 was not found"):
        sync(other, "st", objects=["jobs"])


@pytest.mark.parametrize(("retry_after", "waited"), [(None, 1.0), (3, 3.0)])
def test_a_429_waits_as_told_or_one_second(tmp_path: Path, fake: ServiceTitanFake,
                                           clock: FakeClock, retry_after: float | None,
                                           waited: float) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")  # the token
    fake.fail("429", retry_after=retry_after)
    runs = by_object(sync(p, "st", objects=["jobs"]))
    assert runs["jobs"].appended == 6 and runs["jobs"].requests == 3
    assert clock.slept == [waited]


@pytest.mark.parametrize("retry_after", [True, False])
def test_the_documented_rate_is_waited_out(tmp_path: Path, clock: FakeClock,
                                           retry_after: bool) -> None:
    """60 calls a second: with a fake clock that stands still between waits, the 61st call
    is refused and the client waits one second (as told, or as documented) before it."""
    os.environ.update(ENV)
    with ServiceTitanFake(jobs=100, export_batch=1, rate_limit=60,
                          limit_retry_after=retry_after, clock=clock) as fake:
        p = project_for(tmp_path, fake)
        runs = by_object(sync(p, "st", objects=["jobs"]))
        assert runs["jobs"].appended == 100 and runs["jobs"].pages == 100
        # 100 answers: 60 in the first second, one refusal, then the other 40
        assert clock.slept == [1.0] and runs["jobs"].requests == 101


def test_server_errors_are_retried_to_the_clean_result(tmp_path: Path,
                                                       fake: ServiceTitanFake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "st", objects=["invoices", "payments"])
    faulty = project_for(tmp_path / "faulty", fake)
    fake.fail("none")
    fake.fail("500", times=2)
    fake.fail("drop")
    runs = by_object(sync(faulty, "st", objects=["invoices", "payments"]))
    assert runs["invoices"].requests == 2 + 3
    for table in ("raw_st_invoices", "raw_st_invoice_items", "raw_st_payments",
                  "raw_st_payment_applications"):
        assert table_contents(faulty, table) == table_contents(clean, table)


def test_malformed_json_is_retried_then_fails_with_nothing_written(
        tmp_path: Path, fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match=r"GET .*/export/jobs still failing after 4 tries: "
                                         r"the answer was not valid JSON"):
        sync(p, "st", objects=["jobs"])
    assert raw_tables(p) == []
    assert "ns_cursors" not in p.engine.relations()


def _answering(fake: ServiceTitanFake, path: str, change: Any) -> None:
    original = fake.route

    def route(req: Request) -> Answer:
        answer = original(req)
        return change(answer) if req.path == path else answer

    fake.route = route  # type: ignore[method-assign]


def _first(change: Any) -> Any:
    def apply(answer: Answer) -> Answer:
        status, headers, body = answer
        body = {**body, "data": [change(dict(body["data"][0])), *body["data"][1:]]}
        return status, headers, body
    return apply


@pytest.mark.parametrize(("change", "expected"), [
    (lambda a: (200, {}, [a[2]]), "answered list without a `data` list where an export page "
                                  "was expected"),
    (lambda a: (200, {}, {**a[2], "hasMore": "yes"}), "answered hasMore 'yes', not true or "
                                                      "false"),
    (lambda a: (200, {}, {**a[2], "continueFrom": None, "hasMore": True}),
     "said hasMore but handed back continueFrom None again; not followed"),
    (_first(lambda r: {**r, "total": "lots"}), "jobs 3000: 'lots' is not an amount"),
    (_first(lambda r: {**r, "modifiedOn": "yesterday"}), "'yesterday' is not a timestamp"),
    (_first(lambda r: {**r, "id": None}), "jobs None: a record has no id"),
    (_first(lambda r: {**r, "appointmentCount": 1.5}), "1.5 is not a whole number"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: ServiceTitanFake, change: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, JOBS, change)
    with pytest.raises(SyncFailed) as info:
        sync(p, "st", objects=["business_units", "jobs"])
    assert expected in str(info.value)
    assert raw_tables(p) == []
    failed = p.engine.rows("SELECT status, error FROM ns_runs WHERE object = 'jobs'")
    assert len(failed) == 1 and failed[0][0] == "failed" and expected in failed[0][1]


def test_a_repeated_token_with_more_to_come_is_not_followed(tmp_path: Path,
                                                            fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, JOBS, lambda a: (200, {}, {**a[2], "hasMore": True,
                                                 "continueFrom": token_for(1)}))
    with pytest.raises(SyncFailed, match=r"handed back continueFrom .* again; not followed"):
        sync(p, "st", objects=["jobs"])
    assert len(calls(fake, JOBS)) == 2


def test_a_gross_pay_item_without_an_id_is_named_by_what_makes_it(
        tmp_path: Path, fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    fake.touch("gross_pay_items", 95001, id=None)
    fake.records["gross_pay_items"][95001]["id"] = None
    sync(p, "st", objects=["gross_pay_items"])
    # payroll 500, its type, source entity 123001, its date as ServiceTitan wrote it
    assert p.engine.rows("SELECT source_id, job_id FROM raw_st_gross_pay_items "
                         "WHERE job_id = '3001'") == [
        ("500:TimesheetTime:123001:2024-01-03T00:00:00.0000000Z", "3001")]


def test_problem_details_read_as_one_line() -> None:
    body = {"type": "https://tools.ietf.org/html/rfc7231#section-6.5.1", "status": 400,
            "title": "One or more validation errors occurred.", "traceId": "00-a-b-00",
            "errors": {"pageSize": ["must be between 1 and 5000"], "from": ["bad"]}}
    assert vendor_message(body) == ("One or more validation errors occurred. (pageSize: must "
                                    "be between 1 and 5000; from: bad)")
    assert vendor_message({"title": "Unauthorized", "status": 401}) == "Unauthorized"


def test_the_fake_pages_lists_and_filters_like_servicetitan(fake: ServiceTitanFake) -> None:
    import httpx

    token = httpx.post(fake.url + "/connect/token", data={
        "grant_type": "client_credentials", "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET}).json()
    assert token["expires_in"] == 900
    headers = {"Authorization": f"Bearer {token['access_token']}", "ST-App-Key": APP_KEY}
    url = fake.url + JOB_TYPES
    # inactive job types are hidden unless asked for (PM Inspection, 104)
    active = httpx.get(url, headers=headers, params={"pageSize": 50}).json()
    assert [t["id"] for t in active["data"]] == [101, 102, 103, 105]
    assert active["totalCount"] is None and active["hasMore"] is False
    every = httpx.get(url, headers=headers, params={"active": "Any", "pageSize": 3,
                                                     "page": 2, "includeTotal": "true"}).json()
    assert ([t["id"] for t in every["data"]], every["totalCount"]) == ([104, 105], 5)
    too_big = httpx.get(url, headers=headers, params={"pageSize": 5001})
    assert too_big.status_code == 400 and too_big.json()["title"].startswith("One or more")
    bad = httpx.get(fake.url + JOBS, headers=headers, params={"from": "not-a-token"})
    assert bad.status_code == 400
    assert httpx.get(fake.url + JOBS, headers={"ST-App-Key": APP_KEY}).status_code == 401


def test_an_unknown_object_is_a_clear_error(tmp_path: Path, fake: ServiceTitanFake) -> None:
    p = project_for(tmp_path, fake)
    with pytest.raises(NorthstarError, match="servicetitan has no object 'job_costs'; objects: "
                                             "business_units, job_types"):
        sync(p, "st", objects=["job_costs"])
