"""NinjaOne against its fake: client-credentials tokens (expiring, refused), `after`-id paging
to a short or empty page, full pulls that append only what changed, removal records for
devices the list no longer holds (and their return), 429s waited out on a fake clock, and
surprising answers that fail the run with nothing written."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from fakes.clock import FakeClock
from fakes.ninjaone import CLIENT_ID, CLIENT_SECRET, NinjaOneFake
from fakes.project import FAST_RETRY, by_object, make_project, raw_tables, table_contents
from fakes.server import Answer, Request
from northstar.ledger.store import utcnow
from northstar.project import Project
from northstar.sources.sync import SyncFailed, sync
from northstar.sources.values import RecordError, epoch_seconds

TOML = """
[rmm]
kind = "ninjaone"
base_url = "{url}"
client_id_env = "NS_TEST_NINJA_ID"
client_secret_env = "NS_TEST_NINJA_SECRET"
page_size = 5
""" + FAST_RETRY.format(name="rmm") + """
[[rmm.tags]]
tag = "department"
value = "service"
"""
DEVICE_COLUMNS = ("id", "organization_id", "location_id", "node_class", "node_role_id",
                  "approval_status", "offline", "display_name", "system_name", "dns_name",
                  "created", "last_contact", "removed_at", "client_id", "department")




@pytest.fixture
def fake(clock: FakeClock) -> Iterator[NinjaOneFake]:
    os.environ.update(NS_TEST_NINJA_ID=CLIENT_ID, NS_TEST_NINJA_SECRET=CLIENT_SECRET)
    with NinjaOneFake(clock=clock) as server:
        yield server


def project_for(tmp_path: Path, fake: NinjaOneFake, engine_url: str | None = None) -> Project:
    return make_project(tmp_path, TOML.replace("{url}", fake.url), engine_url)



def versions(p: Project, device: str) -> list[dict[str, Any]]:
    cols = ", ".join(DEVICE_COLUMNS)
    data = p.engine.query(f"SELECT {cols} FROM raw_ninja_devices WHERE source_id = '{device}' "
                          "ORDER BY load_id")
    return list(data.to_pylist())


def test_backfill_reads_every_page(tmp_path: Path, fake: NinjaOneFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    runs = by_object(sync(p, "rmm"))
    assert {k: (r.status, r.fetched, r.appended) for k, r in runs.items()} == {
        "organizations": ("ok", 3, 3), "devices": ("ok", 10, 10)}
    assert raw_tables(p) == ["raw_ninja_devices", "raw_ninja_organizations"]

    # one token; organizations: 3 < 5, one page; devices: ids 1001, 1004, ... 1028 in pages
    # of 5, after the 5th id (1013) and the 10th (1028), the last page empty
    token, *calls = fake.requests
    assert token.path == "/ws/oauth/token"
    assert {k: v[0] for k, v in parse_qs(token.body.decode()).items()} == {
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "grant_type": "client_credentials", "scope": "monitoring management"}
    assert [(c.path, c.arg("after"), c.arg("pageSize")) for c in calls] == [
        ("/v2/organizations", None, "5"), ("/v2/devices", None, "5"),
        ("/v2/devices", "1013", "5"), ("/v2/devices", "1028", "5")]
    assert all(c.headers["authorization"].startswith("Bearer ninja-") for c in calls)

    # device 3 (id 1001 + 3 * 3): organization 1 (3 % 3 = 0), location 101, class 3 of the
    # fake's five, role 203, approved, offline (3 % 4 = 3), created BASE + 3 days + 0.125 s,
    # last contact BASE + 40 days + 3 h + 0.5 s
    assert versions(p, "1010") == [{
        "id": "1010", "organization_id": "1", "location_id": "101",
        "node_class": "VMWARE_VM_GUEST", "node_role_id": "203", "approval_status": "APPROVED",
        "offline": True, "display_name": "Device 3", "system_name": "DEV-003",
        "dns_name": "dev-003.client.example", "created": datetime(2024, 1, 4, 0, 0, 0, 125000),
        "last_contact": datetime(2024, 2, 10, 3, 0, 0, 500000), "removed_at": None,
        "client_id": "1", "department": "service"}]
    # device 6 is the fake's one pending approval (6 % 7 = 6)
    assert p.engine.rows("SELECT source_id FROM raw_ninja_devices "
                         "WHERE approval_status = 'PENDING'") == [("1019",)]
    orgs = p.engine.query("SELECT id, name, description, node_approval_mode, client_id "
                          "FROM raw_ninja_organizations ORDER BY id").to_pylist()
    assert orgs == [
        {"id": "1", "name": "Client 0", "description": "Managed client 0",
         "node_approval_mode": "AUTOMATIC", "client_id": "1"},
        {"id": "3", "name": "Client 1", "description": "Managed client 1",
         "node_approval_mode": "MANUAL", "client_id": "3"},
        {"id": "5", "name": "Client 2", "description": "Managed client 2",
         "node_approval_mode": "REJECT", "client_id": "5"}]


def test_an_unchanged_run_appends_nothing_and_a_change_appends_one(tmp_path: Path,
                                                                   fake: NinjaOneFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "rmm")
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    runs = by_object(sync(p, "rmm"))
    assert {k: (r.fetched, r.appended, r.unchanged) for k, r in runs.items()} == {
        "organizations": (3, 0, 3), "devices": (10, 0, 10)}
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    fake.touch(1004, offline=True, lastContact=1_707_600_000)  # 2024-02-10 21:20:00
    runs = by_object(sync(p, "rmm"))
    assert (runs["devices"].appended, runs["devices"].unchanged) == (1, 9)
    assert [(v["offline"], v["last_contact"]) for v in versions(p, "1004")] == [
        (False, datetime(2024, 2, 10, 1, 0, 0, 500000)), (True, datetime(2024, 2, 10, 21, 20))]


def test_a_removed_device_gets_a_removal_record_and_may_come_back(
        tmp_path: Path, fake: NinjaOneFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "rmm")
    first = versions(p, "1010")[0]
    fake.remove(1010)
    start = utcnow()
    runs = by_object(sync(p, "rmm"))
    end = utcnow()
    # nine listed, none changed; one removal record appended
    assert (runs["devices"].fetched, runs["devices"].appended,
            runs["devices"].unchanged) == (9, 1, 9)
    # devices 1001..1028 without 1010 in pages of 5: 1001, 1004, 1007, 1013, 1016, then a
    # short page of 4 after 1016
    assert [c.arg("after") for c in fake.requests if c.path == "/v2/devices"][-2:] == [
        None, "1016"]
    removal = versions(p, "1010")[1]
    removed_at = removal.pop("removed_at")
    assert start <= removed_at <= end
    assert removal == {k: v for k, v in first.items() if k != "removed_at"}  # last known fields
    # not a deletion: the base view (newest version per device) still holds it, removed
    p.metrics.state()  # builds the base views over the ledger as it is now
    assert p.engine.rows("SELECT count(*) AS n, count(removed_at) AS removed "
                         "FROM ninja_devices") == [(10, 1)]

    # still gone: the removal is not written again
    runs = by_object(sync(p, "rmm"))
    assert runs["devices"].appended == 0
    assert len(versions(p, "1010")) == 2

    # listed again: a version with removed_at NULL and its fields as listed
    fake.restore(1010)
    runs = by_object(sync(p, "rmm"))
    assert runs["devices"].appended == 1
    assert [v["removed_at"] is None for v in versions(p, "1010")] == [True, False, True]
    assert versions(p, "1010")[2] == first
    assert p.verify().ok


def test_a_run_that_fails_midway_writes_no_removal(tmp_path: Path, fake: NinjaOneFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "rmm")
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    fake.remove(1010)
    fake.remove(1028)
    # token and the first page answer; the second page fails on every try (4 with FAST_RETRY)
    fake.fail("none", times=2)
    fake.fail("500", times=4)
    with pytest.raises(SyncFailed, match=r"devices: rmm: GET /v2/devices still failing after "
                                         r"4 tries: HTTP 500 server_error: internal error"):
        sync(p, "rmm", objects=["devices"])
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    runs = by_object(sync(p, "rmm", objects=["devices"]))
    assert (runs["devices"].fetched, runs["devices"].appended) == (8, 2)


def test_every_device_gone_is_recorded_too(tmp_path: Path, fake: NinjaOneFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "rmm", objects=["devices"])
    for rid in list(fake.devices):
        fake.remove(rid)
    runs = by_object(sync(p, "rmm", objects=["devices"]))
    assert (runs["devices"].fetched, runs["devices"].appended) == (0, 10)
    assert p.engine.scalar("SELECT count(*) FROM raw_ninja_devices "
                           "WHERE removed_at IS NOT NULL") == 10


def test_a_token_about_to_expire_is_renewed_before_the_next_call(
        tmp_path: Path, fake: NinjaOneFake, clock: FakeClock) -> None:
    p = project_for(tmp_path, fake)
    # at the 3rd request (the first device page) the hour-long token has 30 s left: the fake
    # still takes it, and the client renews it before the next call (60 s margin)
    fake.on_request = lambda n: clock.advance(3570) if n == 3 else None
    runs = by_object(sync(p, "rmm"))
    assert runs["devices"].appended == 10
    assert [r.path for r in fake.requests] == [
        "/ws/oauth/token", "/v2/organizations", "/v2/devices", "/ws/oauth/token",
        "/v2/devices", "/v2/devices"]
    tokens = {r.headers.get("authorization") for r in fake.requests if r.path == "/v2/devices"}
    assert len(tokens) == 2


def test_a_token_revoked_mid_run_is_fetched_again(tmp_path: Path, fake: NinjaOneFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=3)  # token, organizations, first device page
    fake.fail("expire")         # then the fake forgets every token it issued
    runs = by_object(sync(p, "rmm"))
    assert runs["devices"].appended == 10
    # the second device page is answered 401, a new token is fetched, the page asked again
    assert [r.path for r in fake.requests][3:] == [
        "/v2/devices", "/ws/oauth/token", "/v2/devices", "/v2/devices"]
    assert fake.token_requests == 2


def test_refused_client_credentials_fail_clearly(tmp_path: Path, fake: NinjaOneFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_NINJA_SECRET"] = "not-the-secret"
    with pytest.raises(SyncFailed) as info:
        sync(p, "rmm")
    message = str(info.value)
    assert ("rmm: POST /ws/oauth/token refused the client credentials (HTTP 401: "
            "invalid_client: Bad client credentials); check the client id and secret, and that "
            "the API app is granted the scopes 'monitoring management'") in message
    assert "not-the-secret" not in message
    assert raw_tables(p) == []


@pytest.mark.parametrize(("retry_after", "waited"), [(None, 10.0), (3, 3.0)])
def test_a_429_waits_as_told_then_succeeds(tmp_path: Path, fake: NinjaOneFake, clock: FakeClock,
                                           retry_after: float | None, waited: float) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none", times=2)  # token, organizations
    fake.fail("429", retry_after=retry_after)
    start = time.monotonic()
    runs = by_object(sync(p, "rmm"))
    assert runs["devices"].appended == 10
    assert clock.slept == [waited]  # NinjaOne's clients wait 10 s when no Retry-After is sent
    assert time.monotonic() - start < waited  # on the fake clock, not the wall clock


def _answering(fake: NinjaOneFake, path: str, change: Any) -> None:
    """Make the fake answer `path` through `change(request, normal answer)`."""
    original = fake.route

    def route(req: Request) -> Answer:
        answer = original(req)
        return change(req, answer) if req.path == path else answer

    fake.route = route  # type: ignore[method-assign]


def _first_record(change: Any) -> Any:
    def apply(req: Request, answer: Answer) -> Answer:
        status, headers, body = answer
        if body:
            body = [change(dict(body[0])), *body[1:]]
        return status, headers, body
    return apply


@pytest.mark.parametrize(("change", "expected"), [
    (lambda req, answer: (200, {}, {"devices": answer[2]}),
     "GET /v2/devices answered a dict, not a list"),
    (_first_record(lambda r: {**r, "id": "1001x"}),
     "GET /v2/devices listed a record whose id is '1001x', not a number"),
    (_first_record(lambda r: {**r, "created": "last tuesday"}),
     "'last tuesday' is not a unix time"),
    (_first_record(lambda r: {**r, "displayName": {"text": "Device 0"}}),
     "expected a plain value, got dict"),
    (lambda req, answer: (answer[0], answer[1], [dict(d, id=1001 + i)
                                                  for i, d in enumerate(answer[2])]),
     "GET /v2/devices after id 1005 ended at id 1005: the list did not move forward"),
])
def test_surprising_answers_fail_the_run_with_nothing_written(
        tmp_path: Path, fake: NinjaOneFake, change: Any, expected: str) -> None:
    p = project_for(tmp_path, fake)
    _answering(fake, "/v2/devices", change)
    with pytest.raises(SyncFailed) as info:
        sync(p, "rmm", objects=["devices"])
    assert expected in str(info.value)
    assert raw_tables(p) == []
    failed = p.engine.rows("SELECT status, error FROM ns_runs WHERE object = 'devices'")
    assert len(failed) == 1 and failed[0][0] == "failed" and expected in failed[0][1]


def test_malformed_json_is_retried_then_fails(tmp_path: Path, fake: NinjaOneFake) -> None:
    p = project_for(tmp_path, fake)
    fake.fail("none")
    fake.fail("malformed", times=4)
    with pytest.raises(SyncFailed, match="GET /v2/devices still failing after 4 tries: the "
                                         "answer was not valid JSON"):
        sync(p, "rmm", objects=["devices"])
    assert raw_tables(p) == []


def test_the_fake_filters_devices_like_ninjaone(fake: NinjaOneFake) -> None:
    token = fake.url + "/ws/oauth/token"
    answer = httpx.post(token, data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                     "client_secret": CLIENT_SECRET, "scope": "monitoring"})
    bearer = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    # devices 3 and 7 are offline; classes cycle WINDOWS_WORKSTATION, WINDOWS_SERVER, MAC, ...
    # so device 3 is VMWARE_VM_GUEST and device 7 (7 % 5 = 2) is MAC
    found = httpx.get(fake.url + "/v2/devices", headers=bearer,
                      params={"df": "class in (MAC, WINDOWS_SERVER) AND offline"}).json()
    assert [d["id"] for d in found] == [1022]
    found = httpx.get(fake.url + "/v2/devices", headers=bearer, params={"df": "org = 3"}).json()
    assert [d["id"] for d in found] == [1004, 1013, 1022]  # devices 1, 4, 7
    refused = httpx.get(fake.url + "/v2/devices", headers=bearer, params={"df": "colour = red"})
    assert refused.status_code == 400
    scope = httpx.post(token, data={"grant_type": "client_credentials", "client_id": CLIENT_ID,
                                    "client_secret": CLIENT_SECRET, "scope": "everything"})
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"


def test_epoch_seconds_keep_their_fraction() -> None:
    assert epoch_seconds(1_704_067_200) == datetime(2024, 1, 1)
    assert epoch_seconds(1_704_067_200.125) == datetime(2024, 1, 1, 0, 0, 0, 125000)
    # 1728487941 s = 20005 days (2024-10-09) + 55941 s (15:32:21)
    assert epoch_seconds(1728487941.72576) == datetime(2024, 10, 9, 15, 32, 21, 725760)
    assert epoch_seconds("1704067200.5") == datetime(2024, 1, 1, 0, 0, 0, 500000)
    assert epoch_seconds(None) is None
    for bad in ("soon", True, float("nan"), 1e20, [1]):
        with pytest.raises(RecordError, match="is not a unix time"):
            epoch_seconds(bad)
