"""HubSpot against its fake: a full sync, incremental runs, no duplicate versions, the search
cap, associations and stage probabilities, tag rules, odd records, all-or-nothing failures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.hubspot import TOKEN, HubSpotFake
from fakes.project import FAST_RETRY, make_project, raw_tables, table_contents
from northstar.project import Project
from northstar.sources.hubspot import HubSpot
from northstar.sources.sync import Progress, SyncFailed, sync

TOML = """
[crm]
kind = "hubspot"
base_url = "{url}"
token_env = "NS_TEST_HUBSPOT_TOKEN"
page_size = 7
""" + FAST_RETRY.format(name="crm") + """
[[crm.tags]]
tag = "department"
value = "demand"

[[crm.tags]]
tag = "source_funnel"
from = "first_touch_source"
map = { PAID_SEARCH = "inbound", PAID_SOCIAL = "inbound", OFFLINE = "outbound" }
default = "other"
strict_map = true
tables = ["contacts", "deals"]

[[crm.tags]]
tag = "utm_source"
from = "first_touch_source"
map = { PAID_SEARCH = "google", PAID_SOCIAL = "meta" }
strict_map = true
"""



@pytest.fixture
def fake() -> Iterator[HubSpotFake]:
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = TOKEN
    with HubSpotFake() as server:
        yield server


def project_for(tmp_path: Path, fake: HubSpotFake, engine_url: str | None = None) -> Project:
    return make_project(tmp_path, TOML.replace("{url}", fake.url), engine_url)


def count(p: Project, table: str) -> int:
    return int(p.engine.scalar(f'SELECT count(*) FROM "{table}"'))


def test_full_sync_then_incremental_runs(tmp_path: Path, fake: HubSpotFake,
                                         engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    reports: list[Progress] = []
    runs = sync(p, "crm", progress=reports.append)
    assert [r.object for r in runs] == ["owners", "pipelines", "companies", "contacts", "deals"]
    assert all(r.status == "ok" for r in runs)
    assert raw_tables(p) == ["raw_contacts", "raw_customers", "raw_deal_companies",
                             "raw_deal_property_history", "raw_deal_stages", "raw_deals",
                             "raw_owners"]
    # 30 companies, 40 contacts, 50 deals of which every tenth has no company
    assert (count(p, "raw_customers"), count(p, "raw_contacts"), count(p, "raw_deals"),
            count(p, "raw_deal_companies"), count(p, "raw_deal_stages"),
            count(p, "raw_owners")) == (30, 40, 50, 45, 5, 3)
    # ceil(50 / 7) pages; 50 deals, 45 company links, 140 stage and amount versions
    assert reports[-1] == Progress("crm", "deals", 8, 50, 235, done=True)

    deal = p.engine.query(
        "SELECT amount, stage, stage_probability, company_id, client_id, owner_id, "
        "close_date, department, source_funnel, utm_source FROM raw_deals "
        "WHERE source_id = '8007'").to_pylist()[0]
    # deal 7: amount 1000 + 250 * 7 plus ".5" (7 % 7 == 0), stage 7 % 5 = contractsent (0.8)
    assert deal == {"amount": Decimal("2750.50"), "stage": "contractsent",
                    "stage_probability": Decimal("0.80"), "company_id": "1007",
                    "client_id": "1007", "owner_id": "101",
                    "close_date": date(2024, 1, 31), "department": "demand",
                    "source_funnel": "other", "utm_source": None}
    assert p.engine.scalar("SELECT company_id FROM raw_deals WHERE source_id = '8009'") is None
    contact = p.engine.query(
        "SELECT first_touch_source, last_touch_source, source_funnel, utm_source, client_id "
        "FROM raw_contacts WHERE source_id = '5001'").to_pylist()[0]
    assert contact == {"first_touch_source": "PAID_SEARCH", "last_touch_source": "OFFLINE",
                       "source_funnel": "inbound", "utm_source": "google", "client_id": "1001"}

    # nothing changed: a second run appends no record versions
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    again = sync(p, "crm")
    assert sum(r.appended for r in again) == 0
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before

    # one deal changes: exactly one new version of it, nothing else
    fake.touch("deals", "8003", amount="99999")
    third = {r.object: r for r in sync(p, "crm")}
    assert third["deals"].appended == 2  # the deal and the new version of its amount
    assert count(p, "raw_deals") == 51
    assert p.engine.rows("SELECT amount FROM raw_deals WHERE source_id = '8003' "
                         "ORDER BY load_id") == [(Decimal("1750.00"),), (Decimal("99999.00"),)]
    # incremental: the deals search started at the stored cursor, not at the beginning
    searches = [r.json() for r in fake.requests if r.path.endswith("/deals/search")]
    assert searches[-1]["filterGroups"][0]["filters"][0]["operator"] == "GTE"
    assert p.verify().ok


def test_backfill_from_a_date_rereads_without_duplicates(tmp_path: Path,
                                                         fake: HubSpotFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "crm", objects=["companies"])
    before = table_contents(p, "raw_customers")
    fake.requests.clear()
    runs = sync(p, "crm", objects=["companies"], backfill_from=date(2023, 1, 1))
    assert runs[0].fetched == 30 and runs[0].appended == 0
    assert table_contents(p, "raw_customers") == before


def test_search_cap_narrows_the_window(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = TOKEN
    monkeypatch.setattr(HubSpot, "SEARCH_CAP", 20)
    with HubSpotFake(companies=65, search_cap=20) as fake:
        p = project_for(tmp_path, fake)
        runs = sync(p, "crm", objects=["companies"])
        assert runs[0].status == "ok"
        assert count(p, "raw_customers") == 65
        assert int(p.engine.scalar(
            "SELECT count(DISTINCT source_id) FROM raw_customers")) == 65
        bodies = [r.json() for r in fake.requests]
        restarts = [b for b in bodies if "filterGroups" in b and not b.get("after")]
        assert len(restarts) >= 3  # 65 rows through a window of 20


def test_missing_and_extra_fields(tmp_path: Path, fake: HubSpotFake) -> None:
    deal = fake.records["deals"]["8001"]
    deal["properties"].pop("amount")
    deal["properties"].pop("closedate")
    deal["propertiesWithHistory"] = {"amount": []}  # an extra member we do not know
    deal["properties"]["brand_new_property"] = "x"
    p = project_for(tmp_path, fake)
    sync(p, "crm", objects=["pipelines", "deals"])
    row = p.engine.query("SELECT amount, close_date, deal_name FROM raw_deals "
                         "WHERE source_id = '8001'").to_pylist()
    assert row == [{"amount": None, "close_date": None, "deal_name": "Deal 1"}]


def test_a_bad_value_fails_the_run_and_leaves_the_ledger_as_it_was(
        tmp_path: Path, fake: HubSpotFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url)
    sync(p, "crm", objects=["pipelines", "deals"])
    before = table_contents(p, "raw_deals")
    cursor_before = table_contents(p, "ns_cursors")
    fake.touch("deals", "8002", amount="1,500")  # accepted: thousands separator
    fake.touch("deals", "8004", amount="twelve")
    with pytest.raises(SyncFailed) as info:
        sync(p, "crm", objects=["owners", "deals"])
    assert "'twelve' is not an amount" in str(info.value)
    # the owners were read, but the run is all or nothing: they are not kept either
    assert [(r.object, r.status) for r in info.value.runs] == [("owners", "failed"),
                                                               ("deals", "failed")]
    assert info.value.runs[0].error == "not kept: deals failed"
    assert table_contents(p, "raw_owners") == []
    assert table_contents(p, "raw_deals") == before
    assert table_contents(p, "ns_cursors") == cursor_before
    log = p.ledger.log(5).to_pylist()
    failed = [e for e in log if e["status"] == "failed"]
    assert failed[0]["table_name"] == "raw_deals"
    assert "'twelve' is not an amount" in failed[0]["error"]
    assert p.verify().ok


def test_bad_token_fails_fast_and_says_where(tmp_path: Path, fake: HubSpotFake) -> None:
    p = project_for(tmp_path, fake)
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = "pat-na1-wrong"
    with pytest.raises(SyncFailed) as info:
        sync(p, "crm", objects=["owners"])
    assert len(fake.requests) == 1
    assert ("owners: crm: GET /crm/v3/owners was refused with HTTP 401 (check the token): "
            "Authentication credentials not found") in str(info.value)
    assert "pat-na1-wrong" not in str(info.value)


def test_small_batches_are_still_all_or_nothing(tmp_path: Path, fake: HubSpotFake) -> None:
    toml = TOML.replace("{url}", fake.url).replace("page_size = 7", "page_size = 7\n"
                                                                       "batch_bytes = 1000")
    p = make_project(tmp_path, toml)
    sync(p, "crm", objects=["pipelines", "deals"])
    loads = p.engine.scalar("SELECT count(*) FROM ns_loads WHERE table_name = 'raw_deals'")
    # 50 deals, each about 170 bytes of Arrow memory (12 columns: text, a decimal, times), in
    # loads of about 1,000 bytes: six deals a load, so at least 8 loads.
    assert loads >= 8
    before = table_contents(p, "raw_deals")
    ok_loads = "SELECT count(*) FROM ns_loads WHERE status = 'ok' AND table_name <> 'ns_runs'"
    log_before = p.engine.scalar(ok_loads)
    for n in range(12):
        fake.touch("deals", str(8010 + n), dealname=f"renamed {n}")
    fake.touch("deals", "8040", amount="NaN")
    with pytest.raises(SyncFailed, match="'NaN' is not an amount"):
        sync(p, "crm", objects=["deals"])
    assert table_contents(p, "raw_deals") == before
    assert p.engine.scalar(ok_loads) == log_before  # only the failed run's own record
    fake.touch("deals", "8040", amount="10")
    runs = sync(p, "crm", objects=["deals"])
    # 13 deals, and 8040's two new amount versions (the bad one kept with no value)
    assert runs[0].appended == 15
