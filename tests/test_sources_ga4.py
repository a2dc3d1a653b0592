"""GA4 against its fake: Google's refresh-token grant, `runReport` by day, source, medium,
campaign and event paged by `offset` to `rowCount`, the property's `today`, an event filter, the
empty report, the 3-day re-read where a reprocessed day is a new version, the `(other)` row
flag, and faults or surprising answers that leave nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from fakes.clock import FakeClock
from fakes.ga4 import ENV, PROPERTY, GA4Fake, sources_toml, today
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from fakes.server import Answer, Request
from northstar.project import Project
from northstar.sources.ga4 import DIMENSIONS, METRICS
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("ga") + FAST_RETRY.format(name="ga") + """
[[ga.tags]]
tag = "department"
value = "marketing"
"""
REPORT = f"/v1beta/properties/{PROPERTY}:runReport"




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[GA4Fake]:
    os.environ.update(ENV)
    with GA4Fake(clock=clock) as server:
        yield server


def project_for(tmp_path: Path, fake: GA4Fake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)



def reports(fake: GA4Fake) -> list[dict[str, Any]]:
    return [r.json() for r in fake.requests if r.path == REPORT]


def one(p: Project, sid: str) -> dict[str, Any]:
    rows = p.engine.query(
        "SELECT date, source, medium, campaign, event_name, event_count, key_events, "
        "other_row_loss, utm_source, utm_medium, utm_campaign, department "
        f"FROM raw_ga4_events WHERE source_id = '{sid}'").to_pylist()
    assert len(rows) == 1, rows
    return rows[0]


def test_backfill_pages_by_offset_to_the_row_count(tmp_path: Path, fake: GA4Fake,
                                                   engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    run = by_object(sync(p, "ga"))["events"]
    # 20 days: 3 sources x 4 events, less the direct booked calls and Facebook's on odd days
    assert (run.status, run.fetched, run.appended) == ("ok", 210, 210)
    assert run.requests == 9  # pages of 25: 8 full ones and 10 rows
    bodies = reports(fake)
    start = fake.first - timedelta(days=3)  # start_date less the 3-day look-back
    assert bodies[0] == {
        "dateRanges": [{"startDate": start.isoformat(), "endDate": "today"}],
        "dimensions": [{"name": d} for d in DIMENSIONS],
        "metrics": [{"name": m} for m in METRICS],
        "orderBys": [{"dimension": {"dimensionName": d}} for d in DIMENSIONS],
        "limit": "25", "keepEmptyRows": False, "returnPropertyQuota": True}
    assert [b.get("offset") for b in bodies] == [None, *(str(25 * k) for k in range(1, 9))]
    token = fake.requests[0]
    assert token.path == "/token"

    day4, day7 = fake.first + timedelta(days=4), fake.first + timedelta(days=7)
    # Google cpc opt-ins on day 4: 6 x 1 + 4, all key events
    assert one(p, f"{day4.isoformat()}|google|cpc|brand|generate_lead") == {
        "date": day4, "source": "google", "medium": "cpc", "campaign": "brand",
        "event_name": "generate_lead", "event_count": 10, "key_events": Decimal("10.00"),
        "other_row_loss": False, "utm_source": "google", "utm_medium": "cpc",
        "utm_campaign": "brand", "department": "marketing"}
    # Facebook page views on day 7: 120 x 2 + 7, not a key event
    row = one(p, f"{day7.isoformat()}|facebook|paid_social|spring_webinar|page_view")
    assert (row["event_count"], row["key_events"]) == (247, Decimal("0.00"))
    # booked calls: Google every day (2 + d), Facebook on even days (4 + d)
    assert p.engine.scalar("SELECT sum(event_count) FROM raw_ga4_events "
                           "WHERE event_name = 'book_call'") == (
        sum(2 + d for d in range(20)) + sum(4 + d for d in range(0, 20, 2)))


def test_every_run_rereads_3_days_and_a_reprocessed_day_is_a_new_version(
        tmp_path: Path, fake: GA4Fake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "ga")
    before = table_contents(p, "raw_ga4_events")
    fake.requests.clear()
    run = by_object(sync(p, "ga"))["events"]
    # from the newest day held (today) less 3 days: 2 even days of 11 rows, 2 odd of 10
    assert (run.fetched, run.appended, run.requests) == (42, 0, 2)
    assert reports(fake)[0]["dateRanges"] == [
        {"startDate": (today() - timedelta(days=3)).isoformat(), "endDate": "today"}]
    assert table_contents(p, "raw_ga4_events") == before

    yesterday = today() - timedelta(days=1)
    fake.restate(yesterday, "google", "page_view", 999)
    run = by_object(sync(p, "ga"))["events"]
    assert run.appended == 1
    sid = f"{yesterday.isoformat()}|google|cpc|brand|page_view"
    assert p.engine.rows(f"SELECT event_count FROM raw_ga4_events WHERE source_id = '{sid}' "
                         "ORDER BY load_id") == [(138,), (999,)]  # 120 + 18, then 999
    p.metrics.state()
    assert p.engine.rows(f"SELECT event_count FROM ga4_events WHERE id = '{sid}'") == [(999,)]


def test_an_event_filter_and_an_empty_report(tmp_path: Path, fake: GA4Fake) -> None:
    toml = TOML.replace("page_size = 25", 'page_size = 25\nevents = ["generate_lead", '
                                          '"book_call"]')
    p = project_for(tmp_path, fake, toml=toml)
    run = by_object(sync(p, "ga"))["events"]
    # opt-ins 3 x 20, booked calls 20 + 10
    assert run.appended == 90
    assert reports(fake)[0]["dimensionFilter"] == {"filter": {
        "fieldName": "eventName", "inListFilter": {"values": ["generate_lead", "book_call"],
                                                   "caseSensitive": True}}}
    nothing = project_for(tmp_path / "none", fake,
                          toml=TOML.replace("page_size = 25", 'events = ["purchase"]'))
    fake.requests.clear()
    run = by_object(sync(nothing, "ga"))["events"]
    assert (run.status, run.fetched, run.requests) == ("ok", 0, 1)
    assert reports(fake)[0]["limit"] == "100000"  # the default page without page_size


def test_a_report_folded_into_other_is_flagged(tmp_path: Path, fake: GA4Fake) -> None:
    fake.other_row_days.add(today() - timedelta(days=2))
    p = project_for(tmp_path, fake)
    sync(p, "ga")
    # one window holds every day, so every row of it carries the flag
    assert p.engine.rows("SELECT other_row_loss, count(*) AS n FROM raw_ga4_events "
                         "GROUP BY other_row_loss") == [(True, 210)]


def test_refused_credentials_and_another_property_fail_clearly(tmp_path: Path,
                                                               fake: GA4Fake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_GA4_CLIENT_SECRET"] = "wrong"
    try:
        with pytest.raises(SyncFailed, match=r"ga: POST /token refused the refresh token "
                                             r"\(HTTP 401: invalid_client: Unauthorized\)"):
            sync(p, "ga")
    finally:
        os.environ.update(ENV)
    other = project_for(tmp_path / "b", fake, toml=TOML.replace(PROPERTY, "111"))
    with pytest.raises(SyncFailed, match=r"HTTP 403 \(the token lacks a permission\): User "
                                         r"does not have sufficient permissions for this "
                                         r"property"):
        sync(other, "ga")
    bad = project_for(tmp_path / "c", fake, toml=TOML.replace(f'"{PROPERTY}"', '"G-ABC123"'))
    with pytest.raises(SyncFailed, match=r"needs its property_id: the GA4 property's number "
                                         r"\(Admin > Property details\), in sources.toml, not "
                                         r"'G-ABC123'"):
        sync(bad, "ga")


def test_a_token_revoked_mid_run_is_fetched_again(tmp_path: Path, fake: GA4Fake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=3)
    fake.fail("expire")
    run = by_object(sync(p, "ga"))["events"]
    assert run.appended == 210 and fake.token_requests == 2


def test_quota_exhausted_is_retried_then_succeeds(tmp_path: Path, fake: GA4Fake,
                                                  clock: FakeClock) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)  # the token, the first page
    fake.fail("429", times=2)
    run = by_object(sync(p, "ga"))["events"]
    assert run.appended == 210 and run.requests == 9 + 2
    assert len(clock.slept) == 2  # our own back-off: GA4 names no wait


def test_server_errors_and_drops_are_retried_to_the_clean_result(tmp_path: Path,
                                                                 fake: GA4Fake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "ga")
    faulty = project_for(tmp_path / "faulty", fake)
    fake.fail("none", times=3)
    fake.fail("500")
    fake.fail("drop")
    run = by_object(sync(faulty, "ga"))["events"]
    assert run.requests == 9 + 2
    assert table_contents(faulty, "raw_ga4_events") == table_contents(clean, "raw_ga4_events")


def test_malformed_json_is_retried_then_fails_with_nothing_written(tmp_path: Path,
                                                                   fake: GA4Fake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match=r":runReport still failing after 4 tries: the answer "
                                         r"was not valid JSON"):
        sync(p, "ga")
    assert raw_tables(p) == []
    assert "ns_cursors" not in p.engine.relations()


def _answering(fake: GA4Fake, change: Any) -> None:
    original = fake.route

    def route(req: Request) -> Answer:
        answer = original(req)
        return change(answer) if req.path == REPORT and answer[0] == 200 else answer

    fake.route = route  # type: ignore[method-assign]


def _first(change: Any) -> Any:
    def apply(answer: Answer) -> Answer:
        status, headers, body = answer
        return status, headers, {**body, "rows": [change(dict(body["rows"][0])),
                                                  *body["rows"][1:]]}
    return apply


@pytest.mark.parametrize(("change", "expected"), [
    (lambda a: (200, {}, [a[2]]), "answered list, not a report"),
    (lambda a: (200, {}, {**a[2], "rowCount": "210"}),
     "answered rows or a rowCount that are not a report's"),
    (lambda a: (200, {}, {**a[2], "metricHeaders": [{"name": "keyEvents"},
                                                    {"name": "eventCount"}]}),
     "answered columns ['date', 'sessionSource', 'sessionMedium', 'sessionCampaignName', "
     "'eventName', 'keyEvents', 'eventCount'], not the"),
    (_first(lambda r: {**r, "dimensionValues": [{"value": "2024-13-45"},
                                                *r["dimensionValues"][1:]]}),
     "'2024-13-45' is not a GA4 date (YYYYMMDD)"),
    (_first(lambda r: {**r, "metricValues": [{"value": "12"}]}),
     "a row's metricValues is not 2 values"),
    (_first(lambda r: {**r, "metricValues": [{"value": "1.5"}, {"value": "0"}]}),
     "'1.5' is not a count"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: GA4Fake, change: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, change)
    with pytest.raises(SyncFailed) as info:
        sync(p, "ga")
    assert expected in str(info.value)
    assert raw_tables(p) == []
