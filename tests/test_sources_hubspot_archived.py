"""HubSpot deletions against its fake: an archived record becomes a tombstone (a new version with
`is_deleted` true) that the model views and metrics leave out, re-syncing appends nothing, a
restored record comes back, a record archived before it was ever collected is still written,
companies and contacts too, and archived records never move the incremental cursor."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.hubspot import TOKEN, HubSpotFake
from fakes.project import (
    FAST_RETRY,
    OPEN,
    by_object,
    make_project,
    raw_tables,
    table_contents,
)
from fakes.server import Request
from northstar.project import Project
from northstar.sources.sync import sync

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
"""

# The pack's win rate (metrics/win_rate.yml) by month, and the pipeline's amount: both read the
# `deals` base view, the view the marketplace pack's deal metrics and models read.
METRICS = {
    "win_rate": """
        name: win_rate
        title: Win rate
        description: Deals won over deals closed, by close date.
        department: demand
        unit: percent
        model: deals
        measure: >
          sum(case when stage = 'closedwon' then 1.0 else 0.0 end)
          / nullif(sum(case when stage in ('closedwon', 'closedlost') then 1.0 else 0.0 end), 0)
        time_column: close_date
    """,
    "deal_amount": """
        name: deal_amount
        title: Deal amount
        description: The amount of every deal, by close date.
        department: demand
        unit: usd
        model: deals
        measure: sum(amount)
        time_column: close_date
    """,
}

# What the fake holds, worked out from its constructor (tests/fakes/hubspot.py), not from the
# connector: deal i (id 8000 + i, i < 50) is modified at BASE + (i // 3) * 50 s + 7 ms, where
# BASE is 2024-01-01 00:00 UTC; its amount is 1000 + 250 i, plus .50 when i % 7 == 0; its stage
# is the (i % 5)th of appointmentscheduled, qualifiedtobuy, contractsent, closedwon, closedlost;
# it closes 30 days after it was modified (2024-01-31 for all 50); deals with i % 10 == 9 have
# no company, the others company 1000 + i.
LAST_DEAL = datetime(2024, 1, 1, 0, 13, 20, 7000)
"""Deals 48 and 49: (49 // 3) * 50 s = 800 s after BASE, + 7 ms."""
DEAL_3 = datetime(2024, 1, 1, 0, 0, 50, 7000)
"""Deal 3: (3 // 3) * 50 s after BASE, + 7 ms."""
ALL_AMOUNTS = Decimal("356254.00")
"""sum(1000 + 250 i, i = 0..49) = 50,000 + 250 * 1,225 = 356,250, plus eight halves
(i = 0, 7, ..., 49)."""
CLOCK = datetime(2024, 1, 1, 2, 46, 40)
"""The fake's clock starts 10,000,000 ms (2 h 46 min 40 s) after BASE; each `touch`,
`archive` or `restore` moves it a second forward first."""



@pytest.fixture
def fake() -> Iterator[HubSpotFake]:
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = TOKEN
    server = HubSpotFake()
    with server:
        yield server


def project_for(tmp_path: Path, fake: HubSpotFake, engine_url: str | None = None,
                metrics: bool = False) -> Project:
    p = make_project(tmp_path, TOML.replace("{url}", fake.url), engine_url)
    if not metrics:
        return p
    for name, body in METRICS.items():
        (p.root / "metrics" / f"{name}.yml").write_text(textwrap.dedent(body))
    root = p.root
    p.close()
    OPEN.remove(p)
    p = Project.open(root)  # the catalog is read when a project opens
    OPEN.append(p)
    p.metrics.now = datetime(2024, 1, 20, tzinfo=UTC)  # January 2024 still open: not frozen
    return p



def versions(p: Project, table: str, rid: str, columns: str) -> list[tuple[object, ...]]:
    return p.engine.rows(f'SELECT {columns} FROM "{table}" WHERE source_id = ? '
                         "ORDER BY load_id, row_seq", [rid])


def view_ids(p: Project, view: str) -> set[str]:
    p.metrics.state()  # builds the base views over the ledger as it is now
    return {str(r[0]) for r in p.engine.rows(f'SELECT id FROM "{view}"')}


def january(p: Project) -> tuple[object, object]:
    win, amount = p.compute(["win_rate", "deal_amount"], ["2024-01"])
    return win.value, amount.value


def test_an_archived_deal_leaves_the_views_and_metrics_and_a_restored_one_returns(
        tmp_path: Path, fake: HubSpotFake, engine_url: str) -> None:
    p = project_for(tmp_path, fake, engine_url, metrics=True)
    first = by_object(sync(p, "crm"))
    # 45 deals have a company link; 140 stage and amount versions (test_sources_hubspot_history)
    assert first["deals"].appended == 50 + 45 + 140
    assert p.engine.rows("SELECT is_deleted, count(*) FROM raw_deals GROUP BY is_deleted") == [
        (False, 50)]
    assert len(view_ids(p, "deals")) == 50
    # ten of each stage: ten won, ten lost
    win, amount = january(p)
    assert win == pytest.approx(0.5)
    assert amount == pytest.approx(ALL_AMOUNTS)

    # deal 3 (closedwon, 1,750.00, company 1003) is deleted in HubSpot
    fake.archive("deals", "8003")
    second = by_object(sync(p, "crm"))
    # the search re-reads deals 48 and 49 (GTE the cursor) and the archived list has deal 3
    assert (second["deals"].fetched, second["deals"].appended) == (3, 1)
    assert second["deals"].cursor == LAST_DEAL
    assert versions(p, "raw_deals", "8003",
                    "is_deleted, amount, stage, company_id, department, updated_at") == [
        (False, Decimal("1750.00"), "closedwon", "1003", "demand", DEAL_3),
        (True, Decimal("1750.00"), "closedwon", "1003", "demand", CLOCK.replace(second=41)),
    ]
    assert "8003" not in view_ids(p, "deals")
    assert len(view_ids(p, "deals")) == 49
    # its company link is left as it was: models reach it through the deal, which is gone
    assert versions(p, "raw_deal_companies", "8003-1003", "deal_id") == [("8003",)]
    win, amount = january(p)
    assert win == pytest.approx(9 / 19)
    assert amount == pytest.approx(ALL_AMOUNTS - Decimal("1750.00"))

    # nothing changed: the tombstone is read again and not appended again
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    third = sync(p, "crm")
    assert sum(r.appended for r in third) == 0
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before

    # restored in HubSpot (modified a second later): read by the search, live again
    fake.restore("deals", "8003")
    fourth = by_object(sync(p, "crm"))
    assert fourth["deals"].appended == 1  # the deal; its company link did not change
    assert fourth["deals"].cursor == CLOCK.replace(second=42)
    assert [r[0] for r in versions(p, "raw_deals", "8003", "is_deleted")] == [
        False, True, False]
    assert len(view_ids(p, "deals")) == 50
    win, amount = january(p)
    assert win == pytest.approx(0.5)
    assert amount == pytest.approx(ALL_AMOUNTS)
    assert p.verify().ok


def test_archived_companies_and_contacts_and_the_archived_list_request(
        tmp_path: Path, fake: HubSpotFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "crm", objects=["companies", "contacts"])
    fake.archive("companies", "1004")
    fake.archive("contacts", "5010")
    fake.requests.clear()
    runs = by_object(sync(p, "crm", objects=["companies", "contacts"]))
    assert (runs["companies"].appended, runs["contacts"].appended) == (1, 1)
    assert versions(p, "raw_customers", "1004", "is_deleted, archived, name") == [
        (False, False, "Company 4"), (True, True, "Company 4")]
    assert versions(p, "raw_contacts", "5010", "is_deleted, email, company_id") == [
        (False, "p10@example.com", "1010"), (True, "p10@example.com", "1010")]
    assert len(view_ids(p, "customers")) == 29
    assert len(view_ids(p, "contacts")) == 39
    lists = [r for r in fake.requests if r.method == "GET"]
    assert [r.path for r in lists] == ["/crm/v3/objects/companies", "/crm/v3/objects/contacts"]
    assert lists[0].arg("archived") == "true" and lists[0].arg("limit") == "7"
    assert set((lists[0].arg("properties") or "").split(",")) == {
        "name", "domain", "industry", "lifecyclestage", "createdate", "hs_lastmodifieddate",
        "hubspot_owner_id"}


def test_a_long_archived_list_is_paged_and_written_once(tmp_path: Path,
                                                        fake: HubSpotFake) -> None:
    p = project_for(tmp_path, fake)
    sync(p, "crm", objects=["pipelines", "deals"])
    for n in range(10):
        fake.archive("deals", str(8020 + n))
    fake.requests.clear()
    runs = by_object(sync(p, "crm", objects=["deals"]))
    # ten archived deals at 7 a page: two list pages
    pages = [r for r in fake.requests if r.method == "GET"]
    assert [r.arg("after") for r in pages] == [None, "7"]
    assert runs["deals"].appended == 10
    assert runs["deals"].cursor == LAST_DEAL
    deleted = p.engine.rows("SELECT source_id FROM raw_deals WHERE is_deleted ORDER BY 1")
    assert deleted == [(str(8020 + n),) for n in range(10)]
    assert len(view_ids(p, "deals")) == 40
    assert by_object(sync(p, "crm", objects=["deals"]))["deals"].appended == 0


def test_a_deal_archived_before_it_was_ever_collected_is_written_as_a_tombstone(
        tmp_path: Path, fake: HubSpotFake) -> None:
    fake.archive("deals", "8005")
    p = project_for(tmp_path, fake)
    runs = by_object(sync(p, "crm", objects=["pipelines", "deals"]))
    assert runs["deals"].fetched == 50
    # the ledger never had it: no company is known (its associations are not read)
    assert versions(p, "raw_deals", "8005", "is_deleted, deal_name, company_id") == [
        (True, "Deal 5", None)]
    assert versions(p, "raw_deal_companies", "8005-1005", "deal_id") == []
    assert "8005" not in view_ids(p, "deals")
    assert len(view_ids(p, "deals")) == 49
    # the cursor is the newest live deal's, not the archive time (02:46:41)
    assert runs["deals"].cursor == LAST_DEAL


def test_archive_times_do_not_move_the_cursor_past_a_live_change_not_yet_read(
        tmp_path: Path, fake: HubSpotFake) -> None:
    """A deal changes after the search has passed it, then another is archived, before the
    archived list is read: the archive time is later than the change. Were it the cursor, the
    next run would search from after the change and never read it."""
    p = project_for(tmp_path, fake)
    sync(p, "crm", objects=["pipelines", "deals"])
    done: list[int] = []

    def between(n: int) -> None:
        req: Request = fake.requests[n - 1]
        if req.method == "GET" and req.path == "/crm/v3/objects/deals" and not done:
            fake.touch("deals", "8020", amount="4242")  # 02:46:41
            fake.archive("deals", "8030")  # 02:46:42
            done.append(n)

    fake.on_request = between
    runs = by_object(sync(p, "crm", objects=["deals"]))
    fake.on_request = None
    assert done
    assert runs["deals"].appended == 1  # the tombstone of 8030; 8020's change is not read yet
    assert runs["deals"].cursor == LAST_DEAL
    assert [r[0] for r in versions(p, "raw_deals", "8030", "is_deleted")] == [False, True]

    again = by_object(sync(p, "crm", objects=["deals"]))
    assert again["deals"].appended == 2  # 8020's new version and its new amount version
    assert versions(p, "raw_deals", "8020", "amount") == [(Decimal("6000.00"),),
                                                          (Decimal("4242.00"),)]
    assert again["deals"].cursor == CLOCK.replace(second=41)
    assert p.engine.scalar("SELECT count(*) FROM raw_deals WHERE source_id = '8030'") == 2
