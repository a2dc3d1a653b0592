"""Google Ads against its fake: Google's refresh-token grant (client in the form body), the
developer-token and login-customer-id headers, GAQL `googleAds:search` paged by
`nextPageToken`, cost in micros turned into money, the 28-day re-read where late conversions
become a new version, quota errors waited out as Google says, and faults or surprising answers
that leave nothing written."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from fakes.clock import FakeClock
from fakes.google_ads import (
    CLIENT_ID,
    CLIENT_SECRET,
    CUSTOMER,
    DEVELOPER_TOKEN,
    ENV,
    MANAGER,
    REFRESH_TOKEN,
    GoogleAdsFake,
    sources_toml,
    today,
)
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from fakes.server import Answer, Request
from northstar.project import Project
from northstar.sources.google_ads import FIELDS
from northstar.sources.sync import SyncFailed, sync

TOML = sources_toml("gads") + FAST_RETRY.format(name="gads") + """
[[gads.tags]]
tag = "utm_source"
value = "google"
"""
SEARCH = f"/v26/customers/{CUSTOMER}/googleAds:search"
VIDEO = "222"




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[GoogleAdsFake]:
    os.environ.update(ENV)
    with GoogleAdsFake(clock=clock) as server:
        yield server


def project_for(tmp_path: Path, fake: GoogleAdsFake, engine_url: str | None = None,
                toml: str = TOML) -> Project:
    return make_project(tmp_path, toml.replace("{url}", fake.url), engine_url)



def searches(fake: GoogleAdsFake) -> list[Any]:
    return [r for r in fake.requests if r.path == SEARCH]


def query(since: str, until: str) -> str:
    return (f"SELECT {', '.join(FIELDS)} FROM campaign WHERE segments.date BETWEEN "
            f"'{since}' AND '{until}'")


def test_backfill_pages_through_the_search(tmp_path: Path, fake: GoogleAdsFake,
                                           engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    run = by_object(sync(p, "gads"))["campaign_stats"]
    # 40 days of 3 campaigns in pages of 25: 25 + 25 + 25 + 25 + 20
    assert (run.status, run.fetched, run.appended, run.requests) == ("ok", 120, 120, 5)

    token, *calls = fake.requests
    assert token.path == "/token" and "authorization" not in token.headers
    assert {k: v[0] for k, v in parse_qs(token.body.decode()).items()} == {
        "grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET}
    # from start_date less the 28-day look-back to tomorrow; the same query on every page
    first = today() - timedelta(days=39)
    expected = query((first - timedelta(days=28)).isoformat(),
                     (today() + timedelta(days=1)).isoformat())
    bodies = [c.json() for c in calls]
    assert [b["query"] for b in bodies] == [expected] * 5
    assert "pageToken" not in bodies[0] and all("pageToken" in b for b in bodies[1:])
    assert all("pageSize" not in b for b in bodies)
    for c in calls:
        assert c.headers["developer-token"] == DEVELOPER_TOKEN
        assert c.headers["login-customer-id"] == MANAGER  # digits, the dashes dropped
        assert c.headers["authorization"].startswith("Bearer ya29.")

    # the YouTube campaign five days in: 45 + 2.5 + 5 x 1.23 + 2 x 0.004567 = 53.659134 in
    # micros, 53.66 as money; conversions 2 + 1 + 0.5; value 1,500 x 2
    row = p.engine.query(
        "SELECT date, customer_id, campaign_name, channel_type, currency, cost, cost_micros, "
        "impressions, clicks, conversions, conversions_value, video_views, video_p25_rate, "
        "video_p100_rate, utm_source FROM raw_gads_campaign_stats WHERE source_id = "
        f"'{CUSTOMER}:{VIDEO}:{(first + timedelta(days=5)).isoformat()}'").to_pylist()
    assert row == [{
        "date": first + timedelta(days=5), "customer_id": CUSTOMER,
        "campaign_name": "YouTube - VSL", "channel_type": "VIDEO", "currency": "USD",
        "cost": Decimal("53.66"), "cost_micros": 53_659_134, "impressions": 2550,
        "clicks": 86, "conversions": Decimal("3.50"), "conversions_value": Decimal("3000.00"),
        "video_views": 650, "video_p25_rate": Decimal("0.620000"),
        "video_p100_rate": Decimal("0.155000"), "utm_source": "google"}]
    # search campaigns carry no video figures
    assert p.engine.rows("SELECT count(*) AS n, count(video_views) AS views "
                         "FROM raw_gads_campaign_stats WHERE channel_type = 'SEARCH'") == [
        (40, 0)]
    # every micro is kept: the cost column is the micros rounded to cents
    micros = sum(45_000_000 + 2_500_000 * k + 1_230_000 * d + 4_567 * (d % 3)
                 for k in range(3) for d in range(40))
    assert p.engine.scalar("SELECT sum(cost_micros) FROM raw_gads_campaign_stats") == micros


def test_late_conversions_are_a_new_version_within_28_days(tmp_path: Path,
                                                           fake: GoogleAdsFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "gads")
    before = table_contents(p, "raw_gads_campaign_stats")
    fake.requests.clear()
    run = by_object(sync(p, "gads"))["campaign_stats"]
    # the 28 days before the newest day held and that day: 29 x 3 = 87 rows, 4 pages
    assert (run.fetched, run.appended, run.requests) == (87, 0, 4)
    assert searches(fake)[0].json()["query"] == query(
        (today() - timedelta(days=28)).isoformat(), (today() + timedelta(days=1)).isoformat())
    assert table_contents(p, "raw_gads_campaign_stats") == before

    when = today() - timedelta(days=10)
    fake.restate(VIDEO, when, conversions=7.25)
    run = by_object(sync(p, "gads"))["campaign_stats"]
    assert run.appended == 1
    sid = f"{CUSTOMER}:{VIDEO}:{when.isoformat()}"
    # offset 29: 2 + 1 + 0.5 first, then what Google credits later
    assert p.engine.rows(f"SELECT conversions FROM raw_gads_campaign_stats "
                         f"WHERE source_id = '{sid}' ORDER BY load_id") == [
        (Decimal("3.50"),), (Decimal("7.25"),)]
    p.metrics.state()
    assert p.engine.rows(f"SELECT conversions FROM gads_campaign_stats WHERE id = '{sid}'") == [
        (Decimal("7.25"),)]


def test_the_token_is_renewed_before_it_expires_and_once_when_revoked(
        tmp_path: Path, fake: GoogleAdsFake, clock: FakeClock) -> None:
    p = project_for(tmp_path, fake)
    # at the 3rd request (the second page) the hour-long token has 30 s left: the fake still
    # takes it, and the client renews it before the next call (60 s margin)
    fake.on_request = lambda n: clock.advance(3569) if n == 3 else None
    fake.fail("none", times=4)
    fake.fail("expire")  # and at the 5th, every token issued so far is revoked
    run = by_object(sync(p, "gads"))["campaign_stats"]
    assert run.appended == 120
    assert [r.path for r in fake.requests] == [
        "/token", SEARCH, SEARCH, "/token", SEARCH, "/token", SEARCH, SEARCH, SEARCH]
    assert fake.token_requests == 3


def test_refused_credentials_fail_clearly(tmp_path: Path, fake: GoogleAdsFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_GADS_REFRESH"] = "1//revoked"
    try:
        with pytest.raises(SyncFailed) as info:
            sync(p, "gads")
    finally:
        os.environ.update(ENV)
    assert ("gads: POST /token refused the refresh token (HTTP 400: invalid_grant: Token has "
            "been expired or revoked.); connect the app again and store the new refresh "
            "token") in str(info.value)
    assert "1//revoked" not in str(info.value)
    assert raw_tables(p) == []


@pytest.mark.parametrize(("change", "expected"), [
    (lambda t: t.replace("NS_TEST_GADS_DEV", "NS_TEST_GADS_OTHER"),
     "needs its developer_token: set environment variable NS_TEST_GADS_OTHER"),
    (lambda t: t.replace('login_customer_id = "987-654-3210"\n', ""),
     "refused with HTTP 403 (the token lacks a permission): The caller does not have "
     "permission (USER_PERMISSION_DENIED: User doesn't have permission to access customer. "
     "Note: If you're accessing a client customer, the manager's customer id must be set in "
     "the 'login-customer-id' header.)"),
    (lambda t: t.replace('customer_id = "123-456-7890"', 'customer_id = "acme"'),
     "needs its customer_id: a Google Ads customer id (ten digits, dashes allowed), in "
     "sources.toml, not 'acme'"),
])
def test_the_account_settings_fail_clearly(tmp_path: Path, fake: GoogleAdsFake, change: Any,
                                           expected: str) -> None:
    p = project_for(tmp_path, fake, toml=change(TOML))
    with pytest.raises(SyncFailed) as info:
        sync(p, "gads")
    assert expected in str(info.value)
    assert raw_tables(p) == []


def test_a_wrong_developer_token_says_so(tmp_path: Path, fake: GoogleAdsFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_GADS_DEV"] = "not-the-token"
    try:
        with pytest.raises(SyncFailed, match=r"HTTP 403 \(the token lacks a permission\): The "
                                             r"caller does not have permission "
                                             r"\(DEVELOPER_TOKEN_INVALID: The developer token "
                                             r"is not valid.\)"):
            sync(p, "gads")
    finally:
        os.environ.update(ENV)


@pytest.mark.parametrize(("delay", "waited"), [(30, [30.0]), (None, None)])
def test_a_quota_error_waits_as_google_says(tmp_path: Path, fake: GoogleAdsFake,
                                            clock: FakeClock, delay: float | None,
                                            waited: list[float] | None) -> None:
    p = project_for(tmp_path, fake, toml=TOML.replace("max_total = 20", "max_total = 120"))
    fake.fail("none", times=2)  # the token, the first page
    fake.fail("429", retry_after=delay)
    run = by_object(sync(p, "gads"))["campaign_stats"]
    assert run.appended == 120 and run.requests == 6
    if waited is not None:
        assert clock.slept == waited
    else:  # no delay named: our own back-off, at most `max_backoff`
        assert len(clock.slept) == 1 and 0 <= clock.slept[0] <= 0.05


def test_server_errors_and_drops_are_retried_to_the_clean_result(
        tmp_path: Path, fake: GoogleAdsFake) -> None:
    clean = project_for(tmp_path / "clean", fake)
    sync(clean, "gads")
    faulty = project_for(tmp_path / "faulty", fake)
    fake.fail("none", times=2)
    fake.fail("500")
    fake.fail("drop")
    run = by_object(sync(faulty, "gads"))["campaign_stats"]
    assert run.requests == 5 + 2
    assert table_contents(faulty, "raw_gads_campaign_stats") == table_contents(
        clean, "raw_gads_campaign_stats")


def test_malformed_json_is_retried_then_fails_with_nothing_written(
        tmp_path: Path, fake: GoogleAdsFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match=r"googleAds:search still failing after 4 tries: the "
                                         r"answer was not valid JSON"):
        sync(p, "gads")
    assert raw_tables(p) == []
    assert "ns_cursors" not in p.engine.relations()


def _answering(fake: GoogleAdsFake, change: Any) -> None:
    original = fake.route

    def route(req: Request) -> Answer:
        answer = original(req)
        return change(answer) if req.path == SEARCH and answer[0] == 200 else answer

    fake.route = route  # type: ignore[method-assign]


def _first(change: Any) -> Any:
    def apply(answer: Answer) -> Answer:
        status, headers, body = answer
        results = body["results"]
        return status, headers, {**body, "results": [change(dict(results[0])), *results[1:]]}
    return apply


@pytest.mark.parametrize(("change", "expected"), [
    (lambda a: (200, {}, [a[2]]), "answered list, not a page of results"),
    (lambda a: (200, {}, {**a[2], "results": {"rows": 1}}),
     "answered results that are not a list of rows"),
    (_first(lambda r: {**r, "metrics": {**r["metrics"], "costMicros": "12.5"}}),
     "'12.5' is not a count"),
    (_first(lambda r: {**r, "metrics": {**r["metrics"], "conversions": "many"}}),
     "'many' is not an amount"),
    (_first(lambda r: {**r, "segments": {}}), "a row has no campaign.id or segments.date"),
    (_first(lambda r: {**r, "campaign": "111"}), "expected a `campaign` object"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: GoogleAdsFake, change: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, change)
    with pytest.raises(SyncFailed) as info:
        sync(p, "gads")
    assert expected in str(info.value)
    assert raw_tables(p) == []


def test_the_fake_pages_like_google(fake: GoogleAdsFake) -> None:
    token = httpx.post(fake.url + "/token", data={
        "grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "developer-token": DEVELOPER_TOKEN,
               "login-customer-id": MANAGER}

    def search(body: dict[str, Any]) -> httpx.Response:
        return httpx.post(fake.url + SEARCH, json=body, headers=headers)

    q = query(today().isoformat(), today().isoformat())
    assert search({"query": q, "pageSize": 10}).json()["error"]["details"][0]["errors"][0][
        "errorCode"] == {"requestError": "PAGE_SIZE_NOT_SUPPORTED"}
    first = search({"query": q}).json()
    assert len(first["results"]) == 3 and "nextPageToken" not in first  # one day, 3 rows
    wide = search({"query": query((today() - timedelta(days=39)).isoformat(),
                                  today().isoformat())}).json()
    other = search({"query": q, "pageToken": wide["nextPageToken"]})
    assert other.status_code == 400  # a token is for the query it came with
    empty = search({"query": query("2001-01-01", "2001-01-02")}).json()
    assert "results" not in empty  # nothing matched: no `results` at all
