"""Data-quality checks on every run: zero rows flagged, negative values reject the run,
month-over-month jumps above the limit warned about; all stored as findings."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fakes.project import FAST_RETRY, make_project, table_contents
from fakes.stripe import KEY, StripeFake
from northstar.sources.quality import findings
from northstar.sources.sync import SyncFailed, sync

TOML = """
[pay]
kind = "stripe"
base_url = "{url}"
token_env = "NS_TEST_STRIPE_KEY"
objects = ["charges", "disputes"]
""" + FAST_RETRY.format(name="pay") + """
[[pay.checks]]
table = "stripe_charges"
non_negative = ["amount"]
change_of = "amount"
by = "created"

[[pay.checks]]
table = "stripe_disputes"
expect_rows = true
"""



def month_start(months_back: int) -> datetime:
    first = date.today().replace(day=1)
    for _ in range(months_back):
        first = (first - timedelta(days=1)).replace(day=1)
    return datetime(first.year, first.month, 2, 12, tzinfo=UTC)


def test_checks(tmp_path: Path) -> None:
    os.environ["NS_TEST_STRIPE_KEY"] = KEY
    with StripeFake(charges=0) as fake:
        # two months ago: 3 x $100; last month: 3 x $200 (+100%, more than 50%)
        for n, (back, cents) in enumerate([(2, 10_000)] * 3 + [(1, 20_000)] * 3):
            fake.objects["charges"].append({
                "id": f"ch_q{n}", "amount": cents, "currency": "usd",
                "created": int(month_start(back).timestamp()) + n, "status": "succeeded"})
        p = make_project(tmp_path, TOML.replace("{url}", fake.url))
        sync(p, "pay")
        found = {(f["kind"], f["severity"]): f for f in findings(p.ledger)}
        assert set(found) == {("change", "warning"), ("zero_rows", "review")}
        last = month_start(1)
        assert found["change", "warning"]["period"] == f"{last:%Y-%m}"
        assert "+100%" in found["change", "warning"]["message"]

        # the same run again records no second copy of the same warning
        sync(p, "pay", objects=["charges"])
        assert len([f for f in findings(p.ledger) if f["kind"] == "change"]) == 1

        # a negative amount rejects the whole run: nothing of it is kept
        before = table_contents(p, "raw_stripe_charges")
        fake.objects["charges"].append({"id": "ch_neg", "amount": -500, "currency": "usd",
                                        "created": int(last.timestamp()) + 99})
        fake.objects["charges"].append({"id": "ch_ok", "amount": 700, "currency": "usd",
                                        "created": int(last.timestamp()) + 98})
        with pytest.raises(SyncFailed, match=r"stripe_charges.amount is negative \(-5.00\) in "
                                             "record ch_neg"):
            sync(p, "pay", objects=["charges"])
        assert table_contents(p, "raw_stripe_charges") == before
        rejected = [f for f in findings(p.ledger) if f["severity"] == "rejected"]
        assert len(rejected) == 1 and rejected[0]["table_name"] == "stripe_charges"
