"""Stripe against its fake: paging newest-first, minor units, look-back re-reads that add no
duplicates, a refund arriving later, throttling and a dropped connection mid-run."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.project import FAST_RETRY, make_project, raw_tables, table_contents
from fakes.stripe import BASE, KEY, StripeFake
from northstar.project import Project
from northstar.sources.sync import SyncFailed, sync

TOML = """
[pay]
kind = "stripe"
base_url = "{url}"
token_env = "NS_TEST_STRIPE_KEY"
page_size = 9
""" + FAST_RETRY.format(name="pay") + """
[[pay.tags]]
tag = "department"
value = "finance"
"""



@pytest.fixture
def fake() -> Iterator[StripeFake]:
    os.environ["NS_TEST_STRIPE_KEY"] = KEY
    with StripeFake() as server:
        yield server


def project_for(tmp_path: Path, fake: StripeFake) -> Project:
    return make_project(tmp_path, TOML.replace("{url}", fake.url))


def test_sync_and_rerun(tmp_path: Path, fake: StripeFake) -> None:
    p = project_for(tmp_path, fake)
    runs = {r.object: r for r in sync(p, "pay")}
    assert raw_tables(p) == ["raw_stripe_balance_transactions", "raw_stripe_charges",
                             "raw_stripe_disputes", "raw_stripe_refunds"]
    # 40 charges; refunds on i % 6 == 0 (7 of them); disputes on i % 15 == 4 (i = 4, 19, 34)
    assert (runs["charges"].appended, runs["refunds"].appended, runs["disputes"].appended,
            runs["balance_transactions"].appended) == (40, 7, 3, 40)
    assert runs["charges"].pages == 5  # 40 / 9 per page
    charge = p.engine.query(
        "SELECT amount, amount_refunded, currency, client_id, department, created "
        "FROM raw_stripe_charges WHERE source_id IN ('ch_00006', 'ch_00012') "
        "ORDER BY source_id").to_pylist()
    # ch_00006: 5000 + 137 * 6 = 5822 cents, refunded 5822 // 4 = 1455 cents
    assert charge[0]["amount"] == Decimal("58.22")
    assert charge[0]["amount_refunded"] == Decimal("14.55")
    assert charge[0]["client_id"] == "cus_0006" and charge[0]["department"] == "finance"
    # ch_00012 is in yen, a zero-decimal currency: 5000 + 137 * 12 = 6644 yen
    assert charge[1]["amount"] == Decimal("6644.00") and charge[1]["currency"] == "jpy"

    # a later run re-reads the look-back window (30 days of charges) and appends nothing
    before = {t: table_contents(p, t) for t in raw_tables(p)}
    fake.requests.clear()
    again = sync(p, "pay")
    assert sum(r.appended for r in again) == 0
    assert {t: table_contents(p, t) for t in raw_tables(p)} == before
    created_gte = [r.arg("created[gte]") for r in fake.requests if r.path == "/v1/charges"]
    newest = BASE + 39 * 3600 * 5
    assert created_gte[0] == str(newest - 30 * 86400)

    # a charge refunded after it was read: the look-back catches the change
    fake.objects["charges"][37]["amount_refunded"] = 500  # usd: 37 % 13 != 12
    third = {r.object: r for r in sync(p, "pay")}
    assert third["charges"].appended == 1
    assert p.engine.rows("SELECT amount_refunded FROM raw_stripe_charges "
                         "WHERE source_id = 'ch_00037' ORDER BY load_id") == [
        (Decimal("0.00"),), (Decimal("5.00"),)]


def test_throttle_and_dropped_connection_mid_run(tmp_path: Path, fake: StripeFake) -> None:
    clean_dir, faulty_dir = tmp_path / "clean", tmp_path / "faulty"
    clean = project_for(clean_dir, fake)
    sync(clean, "pay", objects=["charges"])
    faulty = project_for(faulty_dir, fake)
    fake.requests.clear()
    # request 1 throttled, 2 dropped mid-body, 3 a 500, then fine
    fake.fail("429")
    fake.fail("drop")
    fake.fail("500")
    runs = sync(faulty, "pay", objects=["charges"])
    assert runs[0].status == "ok" and runs[0].requests == 5 + 3
    assert table_contents(faulty, "raw_stripe_charges") == table_contents(
        clean, "raw_stripe_charges")


def test_missing_key_is_logged_as_a_failed_run(tmp_path: Path, fake: StripeFake) -> None:
    p = project_for(tmp_path, fake)
    del os.environ["NS_TEST_STRIPE_KEY"]
    with pytest.raises(SyncFailed, match="needs its token: set environment variable "
                                         "NS_TEST_STRIPE_KEY"):
        sync(p, "pay", objects=["charges"])
    assert fake.requests == []
    from northstar.sources.state import SyncState

    last = SyncState(p.ledger).last_runs()
    assert [(r["object"], r["status"]) for r in last] == [("charges", "failed")]
