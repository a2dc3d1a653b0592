"""HubSpot deal property history against the fake: the stage and amount versions of every
changed deal, read through the batch read in batches of at most 50, kept once each."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.hubspot import TOKEN, HubSpotFake
from fakes.project import FAST_RETRY, close_all, make_project
from northstar.project import Project
from northstar.sources.sync import sync

TOML = """
[crm]
kind = "hubspot"
base_url = "{url}"
token_env = "NS_TEST_HUBSPOT_TOKEN"
""" + FAST_RETRY.format(name="crm")


@pytest.fixture(autouse=True)
def _close_projects() -> Iterator[None]:
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = TOKEN
    yield
    close_all()


def project_for(tmp_path: Path, fake: HubSpotFake, page_size: int | None = None) -> Project:
    toml = TOML.replace("{url}", fake.url)
    if page_size:
        toml = toml.replace('token_env = "NS_TEST_HUBSPOT_TOKEN"\n',
                            f'token_env = "NS_TEST_HUBSPOT_TOKEN"\npage_size = {page_size}\n')
    return make_project(tmp_path, toml)


def history(p: Project, deal: str) -> list[tuple[object, ...]]:
    return p.engine.rows(
        "SELECT property, value, changed_at, source, stage_probability "
        "FROM raw_deal_property_history WHERE deal_id = ? ORDER BY property, changed_at", [deal])


def batch_sizes(fake: HubSpotFake) -> list[int]:
    return [len(r.json()["inputs"]) for r in fake.requests
            if r.path == "/crm/v3/objects/deals/batch/read"]


def test_every_deal_brings_its_stage_and_amount_history(tmp_path: Path) -> None:
    with HubSpotFake() as fake:
        p = project_for(tmp_path, fake)
        runs = {r.object: r for r in sync(p, "crm")}
        assert runs["deals"].status == "ok"
        # 50 deals, one amount version each; a stage version each at creation and, for the 40
        # deals not in the first stage (i % 5 != 0), one more when they moved: 50 + 50 + 40
        assert p.engine.scalar("SELECT count(*) FROM raw_deal_property_history") == 140
        # deal 7: created a day before it moved to contractsent (0.8) at BASE + 100,007 ms
        # (2024-01-01 00:01:40.007 UTC); its amount 1000 + 250 x 7 and ".5" as a decimal
        moved = datetime(2024, 1, 1, 0, 1, 40, 7000)
        created = datetime(2023, 12, 31, 0, 1, 40, 7000)
        assert history(p, "8007") == [
            ("amount", "2750.50", created, "CRM_UI", None),
            ("dealstage", "appointmentscheduled", created, "CRM_UI", Decimal("0.20")),
            ("dealstage", "contractsent", moved, "CRM_UI", Decimal("0.80")),
        ]
        # one search page of 50 deals: one batch read of 50, HubSpot's most with history
        assert batch_sizes(fake) == [50]


def test_history_is_read_in_batches_of_at_most_fifty(tmp_path: Path) -> None:
    with HubSpotFake(deals=120) as fake:
        p = project_for(tmp_path, fake)
        sync(p, "crm", objects=["pipelines", "deals"])
        # search pages of 200 hold all 120 deals: 50 + 50 + 20 (51 would be refused)
        assert batch_sizes(fake) == [50, 50, 20]
        assert p.engine.scalar(
            "SELECT count(DISTINCT deal_id) FROM raw_deal_property_history") == 120


def test_small_pages_read_history_page_by_page(tmp_path: Path) -> None:
    with HubSpotFake(deals=20) as fake:
        p = project_for(tmp_path, fake, page_size=7)
        sync(p, "crm", objects=["pipelines", "deals"])
        assert batch_sizes(fake) == [7, 7, 6]  # one batch read per search page


def test_a_change_appends_only_the_new_versions(tmp_path: Path) -> None:
    with HubSpotFake() as fake:
        p = project_for(tmp_path, fake)
        sync(p, "crm")
        before = p.engine.scalar("SELECT count(*) FROM raw_deal_property_history")
        assert sum(r.appended for r in sync(p, "crm")) == 0  # nothing changed, nothing new
        fake.touch("deals", "8003", dealstage="closedwon")
        run = {r.object: r for r in sync(p, "crm")}["deals"]
        assert run.appended == 2  # the deal's new version and its new stage version
        assert p.engine.scalar("SELECT count(*) FROM raw_deal_property_history") == before + 1
        stages = [(v, float(pr)) for prop, v, _, _, pr in history(p, "8003")
                  if prop == "dealstage"]
        # deal 3: created in the first stage, moved to 3 % 5 = closedwon, touched to closedwon
        assert stages == [("appointmentscheduled", 0.2), ("closedwon", 1.0), ("closedwon", 1.0)]
        assert p.verify().ok


def test_the_fake_refuses_more_than_fifty_with_history(tmp_path: Path) -> None:
    import httpx

    with HubSpotFake(deals=60) as fake:
        body = {"inputs": [{"id": str(8000 + i)} for i in range(51)],
                "propertiesWithHistory": ["dealstage"]}
        answer = httpx.post(f"{fake.url}/crm/v3/objects/deals/batch/read", json=body,
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 400
        assert "maximum number of inputs" in answer.json()["message"]
        body["inputs"] = [{"id": "8001"}, {"id": "404"}]
        answer = httpx.post(f"{fake.url}/crm/v3/objects/deals/batch/read", json=body,
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 207
        assert [r["id"] for r in answer.json()["results"]] == ["8001"]
        assert answer.json()["errors"][0]["context"]["ids"] == ["404"]
