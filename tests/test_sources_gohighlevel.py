"""GoHighLevel against its fake: the Private Integration Token and the two `Version` headers,
cursor and page-number paging, full lists that append only what changed, removal records for
what a list no longer holds (and its return), the burst limit paced and 429s waited out on a
fake clock, the day's allowance, and faults or surprising answers that leave nothing written."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakes.clock import FakeClock
from fakes.gohighlevel import (
    CALENDARS_VERSION,
    ENV,
    LOCATION,
    TOKEN,
    VERSION,
    GoHighLevelFake,
    sources_toml,
)
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from fakes.server import Answer, Request
from northstar.ledger.store import utcnow
from northstar.project import Project
from northstar.sources.gohighlevel import AHEAD, WINDOW
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("ghl") + FAST_RETRY.format(name="ghl") + """
[[ghl.tags]]
tag = "department"
value = "sales"
"""
START = datetime(2024, 1, 1)




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[GoHighLevelFake]:
    os.environ.update(ENV)
    with GoHighLevelFake(clock=clock) as server:
        yield server


def project_for(tmp_path: Path, fake: GoHighLevelFake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)



def windows() -> int:
    """Event windows per calendar: from START to half a year ahead, 31 days each."""
    return math.ceil((utcnow() + AHEAD - START) / WINDOW)


def one(p: Project, sql: str) -> dict[str, Any]:
    rows = p.engine.query(sql).to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def calls(fake: GoHighLevelFake, path: str) -> list[dict[str, str]]:
    return [{k: v[0] for k, v in r.query.items()} for r in fake.requests if r.path == path]


def test_backfill_reads_every_object(tmp_path: Path, fake: GoHighLevelFake,
                                     engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    spans = windows()
    runs = by_object(sync(p, "ghl"))
    # 2 pipelines of 5 and 2 stages; 7 contacts; 8 opportunities; 6 appointments
    assert {k: (r.status, r.fetched, r.appended) for k, r in runs.items()} == {
        "pipelines": ("ok", 2, 7), "contacts": ("ok", 7, 7), "opportunities": ("ok", 8, 8),
        "appointments": ("ok", 6, 6)}
    assert raw_tables(p) == ["raw_ghl_appointments", "raw_ghl_contacts",
                             "raw_ghl_opportunities", "raw_ghl_stages"]
    # contacts 3 + 3 + 1 (the last page's meta names no next); opportunities 3 + 3 + 2 (8 of
    # meta.total 8 read); appointments: the calendar list, then every window of both calendars
    assert {k: r.requests for k, r in runs.items()} == {
        "pipelines": 1, "contacts": 3, "opportunities": 3, "appointments": 1 + 2 * spans}

    # every call: the token, and the Version of its endpoint
    for r in fake.requests:
        assert r.headers["authorization"] == f"Bearer {TOKEN}"
        assert r.headers["version"] == (CALENDARS_VERSION if r.path.startswith("/calendars/")
                                        else VERSION)
    assert calls(fake, "/contacts/") == [
        {"locationId": LOCATION, "limit": "3"},
        {"locationId": LOCATION, "limit": "3", "startAfterId": "ct002",
         "startAfter": "1704272400000"},  # 2024-01-03T09:00Z, the third contact's dateAdded
        {"locationId": LOCATION, "limit": "3", "startAfterId": "ct005",
         "startAfter": "1704531600000"}]  # 2024-01-06T09:00Z
    assert [c["page"] for c in calls(fake, "/opportunities/search")] == ["1", "2", "3"]
    assert all(c["location_id"] == LOCATION and c["status"] == "all"
               for c in calls(fake, "/opportunities/search"))
    events = calls(fake, "/calendars/events")
    # windows follow each other without overlap: 31 days less a millisecond each
    first, second = events[0], events[1]
    assert (first["calendarId"], first["startTime"], first["endTime"]) == (
        "cal-strategy", "1704067200000", str(1704067200000 + 31 * 86_400_000 - 1))
    assert second["startTime"] == str(1704067200000 + 31 * 86_400_000)

    # contact 1: Google cpc, brand; owner user1; VSL funnel
    assert one(p, "SELECT first_name, email, source, tags, assigned_to, date_added, "
                  "session_source, utm_source, utm_medium, utm_campaign, utm_content, gclid, "
                  "fbclid, last_session_source, owner_id, department "
                  "FROM raw_ghl_contacts WHERE source_id = 'ct001'") == {
        "first_name": "Lead1", "email": "lead1@example.com", "source": "VSL funnel",
        "tags": "opt-in", "assigned_to": "user1", "date_added": datetime(2024, 1, 2, 9),
        "session_source": "Paid Search", "utm_source": "google", "utm_medium": "cpc",
        "utm_campaign": "brand", "utm_content": "ad1", "gclid": "gc.1", "fbclid": None,
        "last_session_source": "Direct traffic", "owner_id": "user1", "department": "sales"}
    # contact 3 has no attribution at all
    assert one(p, "SELECT utm_source, session_source, tags FROM raw_ghl_contacts "
                  "WHERE source_id = 'ct003'") == {
        "utm_source": None, "session_source": None, "tags": "opt-in,booked"}
    # opportunity 3: pipeline 2 (odd), stage 3 % 2 = 1, abandoned (3 % 4), 5000 + 750 + 0.5
    assert one(p, "SELECT name, monetary_value, pipeline_id, stage_id, status, contact_id, "
                  "owner_id, created_at, updated_at FROM raw_ghl_opportunities "
                  "WHERE source_id = 'op003'") == {
        "name": "Lead3 - coaching", "monetary_value": Decimal("5750.50"),
        "pipeline_id": "pl-triage", "stage_id": "pl-triage-s1", "status": "abandoned",
        "contact_id": "ct003", "owner_id": "user1", "created_at": datetime(2024, 1, 4, 10),
        "updated_at": datetime(2024, 1, 6, 10)}
    # appointment 2: no-show, on 2024-01-09 at 09:00-06:00 = 15:00 UTC, 45 minutes
    assert one(p, "SELECT calendar_id, contact_id, status, start_time, end_time, created_at, "
                  "owner_id FROM raw_ghl_appointments WHERE source_id = 'ev002'") == {
        "calendar_id": "cal-strategy", "contact_id": "ct002", "status": "noshow",
        "start_time": datetime(2024, 1, 9, 15), "end_time": datetime(2024, 1, 9, 15, 45),
        "created_at": datetime(2024, 1, 7, 15), "owner_id": "user0"}
    statuses = p.engine.rows("SELECT status, count(*) FROM raw_ghl_appointments "
                             "GROUP BY status ORDER BY status")
    assert statuses == [("cancelled", 1), ("confirmed", 2), ("new", 1), ("noshow", 1),
                        ("showed", 1)]
    assert p.engine.rows("SELECT source_id, pipeline_name, name, position FROM raw_ghl_stages "
                         "WHERE pipeline_id = 'pl-triage' ORDER BY position") == [
        ("pl-triage-s0", "Triage", "New", 0), ("pl-triage-s1", "Triage", "Qualified", 1)]


def test_an_unchanged_run_appends_nothing_and_a_change_appends_one(
        tmp_path: Path, fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "ghl")
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    runs = by_object(sync(p, "ghl"))
    assert {k: (r.appended, r.unchanged) for k, r in runs.items()} == {
        "pipelines": (0, 7), "contacts": (0, 7), "opportunities": (0, 8),
        "appointments": (0, 6)}
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before

    fake.touch("opportunities", "op001", pipelineStageId="pl-triage-s0", status="lost")
    fake.touch("events", "ev001", appointmentStatus="noshow")
    runs = by_object(sync(p, "ghl"))
    assert {k: r.appended for k, r in runs.items()} == {
        "pipelines": 0, "contacts": 0, "opportunities": 1, "appointments": 1}
    assert p.engine.rows("SELECT status, stage_id FROM raw_ghl_opportunities "
                         "WHERE source_id = 'op001' ORDER BY load_id") == [
        ("won", "pl-triage-s1"), ("lost", "pl-triage-s0")]
    assert p.engine.rows("SELECT status FROM raw_ghl_appointments WHERE source_id = 'ev001' "
                         "ORDER BY load_id") == [("showed",), ("noshow",)]


def test_removed_records_get_a_removal_record_and_may_come_back(
        tmp_path: Path, fake: GoHighLevelFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "ghl")
    fake.remove("contacts", "ct004")
    fake.remove("opportunities", "op006")
    fake.remove("events", "ev003")
    start = utcnow()
    runs = by_object(sync(p, "ghl"))
    end = utcnow()
    assert {k: (r.fetched, r.appended) for k, r in runs.items()} == {
        "pipelines": (2, 0), "contacts": (6, 1), "opportunities": (7, 1),
        "appointments": (5, 1)}
    for table, sid in (("ghl_contacts", "ct004"), ("ghl_opportunities", "op006"),
                       ("ghl_appointments", "ev003")):
        rows = p.engine.query(f"SELECT * FROM raw_{table} WHERE source_id = '{sid}' "
                              "ORDER BY load_id").to_pylist()
        assert len(rows) == 2
        first, removal = rows
        assert first["removed_at"] is None and start <= removal["removed_at"] <= end
        volatile = ("removed_at", "record_hash", "load_id", "loaded_at", "row_seq")
        assert {k: v for k, v in removal.items() if k not in volatile} == {
            k: v for k, v in first.items() if k not in volatile}  # its last known fields
    p.metrics.state()  # the base views: a removed record stays, marked
    assert p.engine.rows("SELECT count(*) AS n, count(removed_at) AS removed "
                         "FROM ghl_opportunities") == [
        (8, 1)]

    runs = by_object(sync(p, "ghl"))  # still gone: not written again
    assert sum(r.appended for r in runs.values()) == 0
    fake.restore("events", "ev003")
    runs = by_object(sync(p, "ghl"))
    assert runs["appointments"].appended == 1
    assert p.engine.rows("SELECT removed_at IS NULL FROM raw_ghl_appointments "
                         "WHERE source_id = 'ev003' ORDER BY load_id") == [
        (True,), (False,), (True,)]
    assert p.verify().ok


def test_an_appointment_outside_the_window_read_is_not_taken_for_removed(
        tmp_path: Path, fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "ghl", objects=["appointments"])
    # a later start date: appointment 0 (2024-01-03) is outside the window read
    (p.root / "sources.toml").write_text(TOML.replace("{url}", fake.url).replace(
        "2024-01-01", "2024-01-04"), encoding="utf-8")
    runs = by_object(sync(p, "ghl", objects=["appointments"]))
    assert (runs["appointments"].fetched, runs["appointments"].appended) == (5, 0)
    assert p.engine.scalar("SELECT count(removed_at) FROM raw_ghl_appointments") == 0


def test_a_run_that_fails_midway_writes_no_removal(tmp_path: Path,
                                                   fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "ghl")
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    fake.remove("contacts", "ct000")
    fake.fail("none")          # the first contact page
    fake.fail("500", times=4)  # the second, on every try (4 with FAST_RETRY)
    with pytest.raises(SyncFailed, match=r"contacts: ghl: GET /contacts/ still failing after 4 "
                                         r"tries: HTTP 500 internal error"):
        sync(p, "ghl", objects=["contacts"])
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    runs = by_object(sync(p, "ghl", objects=["contacts"]))
    assert (runs["contacts"].fetched, runs["contacts"].appended) == (6, 1)


def test_bad_token_fails_fast_and_says_where(tmp_path: Path, fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_GHL_TOKEN"] = "pit-wrong"
    try:
        with pytest.raises(SyncFailed) as info:
            sync(p, "ghl")
    finally:
        os.environ.update(ENV)
    assert len(fake.requests) == 1
    assert ("pipelines: ghl: GET /opportunities/pipelines was refused with HTTP 401 (check the "
            "token): Unauthorized: Invalid token: access token is invalid") in str(info.value)
    assert "pit-wrong" not in str(info.value)
    assert raw_tables(p) == []


def test_the_location_is_required(tmp_path: Path, fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake, toml=TOML.replace(f'location_id = "{LOCATION}"\n', ""))
    with pytest.raises(SyncFailed, match=r"needs its location_id: the GoHighLevel sub-account"):
        sync(p, "ghl")
    assert fake.requests == []
    other = project_for(tmp_path / "b", fake, toml=TOML.replace(LOCATION, "someoneElse"))
    with pytest.raises(SyncFailed, match=r"HTTP 403 \(the token lacks a permission\): The "
                                         r"token does not have access to this location"):
        sync(other, "ghl", objects=["pipelines"])


def test_the_burst_limit_is_paced_without_a_refusal(tmp_path: Path, clock: FakeClock) -> None:
    """5 calls per 10 seconds: when an answer says none are left, the run waits out the
    interval before its next call, so the fake never has to refuse one."""
    os.environ.update(ENV)
    with GoHighLevelFake(clock=clock, burst=5) as fake:
        p = project_for(tmp_path, fake)
        runs = by_object(sync(p, "ghl", objects=["pipelines", "contacts", "opportunities"]))
        assert {k: r.appended for k, r in runs.items()} == {
            "pipelines": 7, "contacts": 7, "opportunities": 8}
        # 7 calls: the 5th answer says 0 left, so one wait of the interval the fake names
        assert len(fake.requests) == 7 and fake.refused == 0
        assert clock.slept == [10.0]


@pytest.mark.parametrize(("retry_after", "waited"), [(None, 10.0), (3, 3.0)])
def test_a_429_waits_as_told_or_the_burst_window(tmp_path: Path, fake: GoHighLevelFake,
                                                 clock: FakeClock, retry_after: float | None,
                                                 waited: float) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")  # the pipelines
    fake.fail("429", retry_after=retry_after)
    runs = by_object(sync(p, "ghl", objects=["pipelines", "contacts"]))
    assert runs["contacts"].appended == 7 and runs["contacts"].requests == 4
    assert clock.slept == [waited]


def test_the_days_allowance_spent_fails_clearly(tmp_path: Path, clock: FakeClock) -> None:
    os.environ.update(ENV)
    with GoHighLevelFake(clock=clock, daily=3) as fake:
        p = project_for(tmp_path, fake)
        with pytest.raises(SyncFailed, match=r"contacts: ghl: GoHighLevel's daily allowance of "
                                             r"3 requests for this location is spent; run "
                                             r"again tomorrow"):
            sync(p, "ghl", objects=["pipelines", "contacts"])
        assert len(fake.requests) == 3 and raw_tables(p) == []


def test_server_errors_and_drops_are_retried_to_the_clean_result(
        tmp_path: Path, fake: GoHighLevelFake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "ghl", objects=["contacts", "opportunities"])
    faulty = project_for(tmp_path / "faulty", fake)
    fake.fail("none")
    fake.fail("500", times=2)
    fake.fail("drop")
    fake.fail("none", times=3)
    fake.fail("500")
    runs = by_object(sync(faulty, "ghl", objects=["contacts", "opportunities"]))
    assert (runs["contacts"].requests, runs["opportunities"].requests) == (3 + 3, 3 + 1)
    for table in ("raw_ghl_contacts", "raw_ghl_opportunities"):
        assert table_contents(faulty, table) == table_contents(clean, table)


def test_malformed_json_is_retried_then_fails_with_nothing_written(
        tmp_path: Path, fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match=r"GET /contacts/ still failing after 4 tries: the "
                                         r"answer was not valid JSON"):
        sync(p, "ghl", objects=["pipelines", "contacts"])
    assert raw_tables(p) == []


def _answering(fake: GoHighLevelFake, path: str, change: Any) -> None:
    original = fake.route

    def route(req: Request) -> Answer:
        answer = original(req)
        return change(answer) if req.path == path else answer

    fake.route = route  # type: ignore[method-assign]


def _first(key: str, change: Any) -> Any:
    def apply(answer: Answer) -> Answer:
        status, headers, body = answer
        return status, headers, {**body, key: [change(dict(body[key][0])), *body[key][1:]]}
    return apply


@pytest.mark.parametrize(("path", "change", "expected"), [
    ("/opportunities/search", lambda a: (200, a[1], [a[2]]),
     "GET /opportunities/search answered list without a `opportunities` list"),
    ("/opportunities/search", lambda a: (200, a[1], {**a[2], "meta": {"total": "8"}}),
     "GET /opportunities/search answered meta.total '8', not a count"),
    ("/opportunities/search", _first("opportunities", lambda r: {**r, "monetaryValue": "lots"}),
     "opportunities 'op000': 'lots' is not an amount"),
    ("/opportunities/search", _first("opportunities", lambda r: {**r, "id": None}),
     "opportunities None: a record has no id"),
    ("/opportunities/search", _first("opportunities", lambda r: {**r, "updatedAt": "soon"}),
     "'soon' is not a timestamp"),
    ("/contacts/", _first("contacts", lambda r: {**r, "attributionSource": "facebook"}),
     "contacts 'ct000': expected an attribution object, got 'facebook'"),
    ("/contacts/", _first("contacts", lambda r: {**r, "tags": "opt-in"}),
     "expected a list of tags, got 'opt-in'"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: GoHighLevelFake, path: str, change: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, path, change)
    with pytest.raises(SyncFailed) as info:
        sync(p, "ghl", objects=["pipelines", "contacts", "opportunities"])
    assert expected in str(info.value)
    assert raw_tables(p) == []


def test_a_repeated_contact_cursor_is_not_followed(tmp_path: Path,
                                                   fake: GoHighLevelFake) -> None:
    p = project_for(tmp_path, fake)

    def same_meta(answer: Answer) -> Answer:
        status, headers, body = answer
        meta = {**body["meta"], "startAfterId": "ct000", "startAfter": 1704099600000}
        return status, headers, {**body, "meta": meta}

    _answering(fake, "/contacts/", same_meta)
    with pytest.raises(SyncFailed, match=r"the API returned page cursor 'ct000\|1704099600000' "
                                         r"twice"):
        sync(p, "ghl", objects=["contacts"])


def test_the_fake_checks_version_location_and_its_own_spelling(
        fake: GoHighLevelFake) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def get(path: str, version: str | None, **params: Any) -> httpx.Response:
        headers = {**auth, **({"Version": version} if version else {})}
        return httpx.get(fake.url + path, params=params, headers=headers)

    assert get("/calendars/", VERSION, locationId=LOCATION).status_code == 400
    assert get("/calendars/", CALENDARS_VERSION, locationId=LOCATION).status_code == 200
    assert get("/contacts/", None, locationId=LOCATION).status_code == 400
    wrong = get("/opportunities/search", VERSION, locationId=LOCATION)
    assert wrong.status_code == 422 and "location_id is required" in wrong.json()["message"]
    assert get("/contacts/", VERSION, locationId=LOCATION, limit=101).status_code == 422
    assert get("/calendars/events", CALENDARS_VERSION, locationId=LOCATION, startTime=0,
               endTime=1).status_code == 422
    # both ends inclusive, on the start: appointment 0 starts 2024-01-03T15:00Z
    start = 1704294000000
    found = get("/calendars/events", CALENDARS_VERSION, locationId=LOCATION,
                calendarId="cal-strategy", startTime=start, endTime=start).json()["events"]
    assert [e["id"] for e in found] == ["ev000"]
    answer = get("/contacts/", VERSION, locationId=LOCATION, limit=100)
    assert answer.headers["X-RateLimit-Max"] == "100"
    assert int(answer.headers["X-RateLimit-Remaining"]) < 100
