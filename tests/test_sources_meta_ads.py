"""Meta Ads Insights against its fake: the account's currency and time zone, day windows of
at most 30 days paged with `after`, metrics that arrive as text parsed to decimals and counts,
the 28-day re-read where a restated day becomes a second version (and the view reads the
newest), Meta's throttles that come as HTTP 400, and faults or surprising answers that leave
nothing written."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from fakes.clock import FakeClock
from fakes.meta_ads import ACCOUNT, ENV, TOKEN, MetaAdsFake, sources_toml, today
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from fakes.server import Answer, Request
from northstar.project import Project
from northstar.sources.meta_ads import _months_back
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("meta") + FAST_RETRY.format(name="meta") + """
[[meta.tags]]
tag = "department"
value = "marketing"

[[meta.tags]]
tag = "utm_source"
value = "facebook"

[[meta.tags]]
tag = "utm_campaign"
from = "campaign_name"
"""
INSIGHTS = f"/v25.0/act_{ACCOUNT}/insights"
VIDEO = "23850001"




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[MetaAdsFake]:
    os.environ.update(ENV)
    with MetaAdsFake() as server:
        yield server


def project_for(tmp_path: Path, fake: MetaAdsFake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)



def windows(fake: MetaAdsFake) -> list[dict[str, str]]:
    return [json.loads(r.query["time_range"][0]) for r in fake.requests
            if r.path == INSIGHTS and "after" not in r.query]


def versions(p: Project, campaign: str, when: date) -> list[tuple[Any, ...]]:
    return p.engine.rows("SELECT spend, leads FROM raw_meta_campaign_insights "
                         f"WHERE source_id = '{campaign}:{when.isoformat()}' ORDER BY load_id")


def test_backfill_reads_every_day_in_windows(tmp_path: Path, fake: MetaAdsFake,
                                            engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    runs = by_object(sync(p, "meta"))
    # 40 days of 3 campaigns; the lead-form campaign did not deliver on 6 of them
    run = runs["campaign_insights"]
    assert (run.status, run.fetched, run.appended) == ("ok", 114, 114)
    # from start_date less the 28-day look-back, 30 days a window: the account, then
    # window 1 (the fake's first 2 days: 6 rows), window 2 (its next 30: 85 rows in pages of
    # 40, 40, 5), window 3 (the last 8 days: 23 rows)
    assert run.requests == 1 + 1 + 3 + 1
    first = today() - timedelta(days=39)
    start = first - timedelta(days=28)
    assert windows(fake) == [
        {"since": start.isoformat(), "until": (start + timedelta(days=29)).isoformat()},
        {"since": (start + timedelta(days=30)).isoformat(),
         "until": (start + timedelta(days=59)).isoformat()},
        {"since": (start + timedelta(days=60)).isoformat(), "until": today().isoformat()}]
    account, insights = fake.requests[0], fake.requests[1]
    assert account.query["fields"] == ["name,currency,timezone_name"]
    assert insights.query["level"] == ["campaign"] and insights.query["time_increment"] == ["1"]
    assert insights.query["limit"] == ["40"]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in fake.requests)
    assert all("access_token" not in r.query for r in fake.requests)  # never in a URL

    # the video campaign, 5 days in: spend 120 + 15 + 0.25, 4,500 impressions, 65 clicks,
    # 45 link clicks, 3 leads; 2,100 plays of which 1,050 past 3 s, 40/25/15/8/6 % at the
    # quartiles and 95/100 %, 12 % ThruPlays
    row = p.engine.query(
        "SELECT date, campaign_name, currency, spend, impressions, clicks, link_clicks, leads, "
        "video_plays, video_3s_views, thruplays, video_p25, video_p50, video_p75, video_p95, "
        "video_p100, department, utm_source, utm_campaign FROM raw_meta_campaign_insights "
        f"WHERE source_id = '{VIDEO}:{(first + timedelta(days=5)).isoformat()}'").to_pylist()
    assert row == [{
        "date": first + timedelta(days=5), "campaign_name": "Webinar - Cold - Video",
        "currency": "USD", "spend": Decimal("135.25"), "impressions": 4500, "clicks": 65,
        "link_clicks": 45, "leads": 3, "video_plays": 2100, "video_3s_views": 1050,
        "thruplays": 252, "video_p25": 840, "video_p50": 525, "video_p75": 315,
        "video_p95": 168, "video_p100": 126, "department": "marketing",
        "utm_source": "facebook", "utm_campaign": "Webinar - Cold - Video"}]
    # the lead-form campaign has no video figures at all (not zero: not reported)
    assert p.engine.rows("SELECT count(*) AS n, count(video_plays) AS plays, "
                         "count(thruplays) AS holds FROM raw_meta_campaign_insights "
                         "WHERE campaign_id = '23850003'") == [(34, 0, 0)]
    # spend over everything: per campaign k, 40 days of 120 + 15 k + 3 d + 0.25 (d % 4)
    total = sum(Decimal(12_000 + 1_500 * k + 300 * d + 25 * (d % 4)) / 100
                for k in range(3) for d in range(40) if not (k == 2 and d % 7 == 3))
    assert p.engine.scalar("SELECT sum(spend) FROM raw_meta_campaign_insights") == total


def test_every_run_rereads_28_days_and_a_restated_day_is_a_new_version(
        tmp_path: Path, fake: MetaAdsFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "meta")
    before = table_contents(p, "raw_meta_campaign_insights")
    fake.requests.clear()
    run = by_object(sync(p, "meta"))["campaign_insights"]
    # from the newest day read (today) less 28 days: 29 days, 83 rows, nothing changed
    assert windows(fake) == [{"since": (today() - timedelta(days=28)).isoformat(),
                              "until": today().isoformat()}]
    assert (run.fetched, run.appended, run.unchanged) == (83, 0, 83)
    assert table_contents(p, "raw_meta_campaign_insights") == before

    recent, old = today() - timedelta(days=5), today() - timedelta(days=35)
    # Meta restates five days ago (more leads, more spend) and, too late for the look-back,
    # a day five weeks ago
    fake.restate(VIDEO, recent, spend="150", actions=[{"action_type": "lead", "value": "9"}])
    fake.restate(VIDEO, old, spend="999.99")
    run = by_object(sync(p, "meta"))["campaign_insights"]
    assert (run.fetched, run.appended) == (83, 1)
    # offset 34 of the fake: 120 + 102 + 0.50; leads 3 + 34 % 5
    assert versions(p, VIDEO, recent) == [(Decimal("222.50"), 7), (Decimal("150.00"), 9)]
    assert versions(p, VIDEO, old) == [(Decimal("132.00"), 7)]  # offset 4: 120 + 12; 3 + 4
    # the ledger holds both versions; the view (what every metric reads) the newest
    p.metrics.state()
    assert p.engine.rows(f"SELECT spend, leads FROM meta_campaign_insights "
                         f"WHERE id = '{VIDEO}:{recent.isoformat()}'") == [
        (Decimal("150.00"), 9)]
    assert p.verify().ok

    # a backfill reaches the old day
    run = by_object(sync(p, "meta", backfill_from=old))["campaign_insights"]
    assert run.appended == 1
    assert versions(p, VIDEO, old)[-1] == (Decimal("999.99"), 7)


@pytest.mark.parametrize(("minutes", "waited"), [(None, 60.0), (3, 180.0)])
def test_a_throttle_in_a_400_waits_then_succeeds(tmp_path: Path, fake: MetaAdsFake,
                                                 clock: FakeClock, minutes: int | None,
                                                 waited: float) -> None:
    p = project_for(tmp_path, fake, toml=TOML.replace("max_total = 20", "max_total = 600"))
    fake.fail("none")  # the account
    fake.fail("429", retry_after=minutes)  # Meta's code 17, as HTTP 400
    run = by_object(sync(p, "meta"))["campaign_insights"]
    assert run.appended == 114 and run.requests == 7
    assert clock.slept == [waited]


def test_a_throttle_longer_than_the_budget_gives_up_clearly(tmp_path: Path,
                                                           fake: MetaAdsFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")
    fake.fail("429", retry_after=30)  # half an hour: past the 20 s budget
    with pytest.raises(SyncFailed, match=r"GET /v25.0/act_1234567890/insights still failing "
                                         r"after 1 tries: HTTP 400 \(#17\) User request limit "
                                         r"reached"):
        sync(p, "meta")
    assert raw_tables(p) == []


def test_bad_token_fails_fast_and_says_where(tmp_path: Path, fake: MetaAdsFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_META_TOKEN"] = "EAAB-expired"
    try:
        with pytest.raises(SyncFailed) as info:
            sync(p, "meta")
    finally:
        os.environ.update(ENV)
    assert len(fake.requests) == 1
    assert ("campaign_insights: meta: GET /v25.0/act_1234567890 was refused with HTTP 400: "
            "Error validating access token: Session has expired") in str(info.value)
    assert "EAAB-expired" not in str(info.value)


def test_the_ad_account_must_be_given_and_exist(tmp_path: Path, fake: MetaAdsFake) -> None:
    p = project_for(tmp_path, fake, toml=TOML.replace(f'"act_{ACCOUNT}"', '"my account"'))
    with pytest.raises(SyncFailed, match=r"needs its ad_account_id: the Meta ad account id, "
                                         r"`act_` and digits, in sources.toml, not 'my "
                                         r"account'"):
        sync(p, "meta")
    assert fake.requests == []
    other = project_for(tmp_path / "b", fake, toml=TOML.replace(ACCOUNT, "999"))
    with pytest.raises(SyncFailed, match=r"Object with ID 'act_999' does not exist"):
        sync(other, "meta")


def test_server_errors_and_drops_are_retried_to_the_clean_result(
        tmp_path: Path, fake: MetaAdsFake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "meta")
    faulty = project_for(tmp_path / "faulty", fake)
    fake.fail("none", times=2)
    fake.fail("500")
    fake.fail("drop")
    run = by_object(sync(faulty, "meta"))["campaign_insights"]
    assert run.requests == 6 + 2
    assert table_contents(faulty, "raw_meta_campaign_insights") == table_contents(
        clean, "raw_meta_campaign_insights")


def test_malformed_json_is_retried_then_fails_with_nothing_written(
        tmp_path: Path, fake: MetaAdsFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match=r"insights still failing after 4 tries: the answer "
                                         r"was not valid JSON"):
        sync(p, "meta")
    assert raw_tables(p) == []
    assert "ns_cursors" not in p.engine.relations()


def _answering(fake: MetaAdsFake, change: Any) -> None:
    original = fake.route

    def route(req: Request) -> Answer:
        answer = original(req)
        return change(answer) if req.path == INSIGHTS else answer

    fake.route = route  # type: ignore[method-assign]


def _first(change: Any) -> Any:
    def apply(answer: Answer) -> Answer:
        status, headers, body = answer
        return status, headers, {**body, "data": [change(dict(body["data"][0])),
                                                  *body["data"][1:]]}
    return apply


@pytest.mark.parametrize(("change", "expected"), [
    (lambda a: (200, {}, a[2]["data"]), "answered list without a `data` list"),
    (lambda a: (200, {}, {**a[2], "paging": {"next": "x"}}),
     "named a next page but no `paging.cursors.after`"),
    (_first(lambda r: {**r, "spend": "12,5 EUR"}), "'12,5 EUR' is not an amount"),
    (_first(lambda r: {**r, "impressions": "1.5e3"}), "'1.5e3' is not a count"),
    (_first(lambda r: {**r, "actions": {"lead": "3"}}), "expected a list of actions"),
    (_first(lambda r: {**r, "date_stop": "2099-01-01"}), "not one day"),
    (_first(lambda r: {**r, "campaign_id": None}), "a row has no campaign_id or date_start"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: MetaAdsFake, change: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, change)
    with pytest.raises(SyncFailed) as info:
        sync(p, "meta")
    assert expected in str(info.value)
    assert raw_tables(p) == []
    failed = p.engine.rows("SELECT status, error FROM ns_runs")
    assert len(failed) == 1 and failed[0][0] == "failed" and expected in failed[0][1]


def test_a_first_run_without_start_date_starts_37_months_back(tmp_path: Path,
                                                              fake: MetaAdsFake) -> None:
    toml = "\n".join(line for line in TOML.splitlines() if not line.startswith("start_date"))
    p = project_for(tmp_path, fake, toml=toml)
    run = by_object(sync(p, "meta"))["campaign_insights"]
    assert run.appended == 114
    spans = windows(fake)
    assert spans[0]["since"] == _months_back(today(), 37).isoformat()
    assert spans[-1]["until"] == today().isoformat()
    # windows of 30 days, end to end
    for a, b in pairwise(spans):
        assert date.fromisoformat(b["since"]) == date.fromisoformat(a["until"]) + timedelta(1)
        assert (date.fromisoformat(a["until"]) - date.fromisoformat(a["since"])).days == 29
    assert _months_back(date(2026, 12, 7), 37) == date(2023, 12, 1)
    assert _months_back(date(2026, 1, 31), 37) == date(2023, 1, 1)
