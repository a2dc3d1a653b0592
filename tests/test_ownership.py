"""Field ownership: when two sources report the same payment, the owner's value wins in the
models and every disagreement is listed as a finding — on DuckDB and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from northstar.project import Project

CASH = """\
name: cash_received
title: Cash received
description: Payments received, as the payment processor reports them where it knows them.
department: finance
unit: usd
model: payments
measure: sum(amount)
time_column: paid_on
"""

# P1 agrees, P2 disagrees on the amount (Stripe says 55, accounting 50), P3 is only in accounting.
QUICKBOOKS = """\
id,payment_ref,paid_on,amount
q1,P1,2025-01-05,100.00
q2,P2,2025-01-06,50.00
q3,P3,2025-01-07,30.00
"""
STRIPE = """\
id,payment_ref,paid_on,amount
s1,P1,2025-01-05,100.00
s2,P2,2025-01-06,55.00
"""

OWNERSHIP = """
[ownership.payments]
owner = "stripe"
key = "payment_ref"
fields = ["amount"]
"""


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Iterator[Project]:
    root = tmp_path / "proj"
    Project.init(root, engine_url=engine_url).close()
    with (root / "northstar.toml").open("a") as f:
        f.write(OWNERSHIP)
    (root / "metrics" / "cash_received.yml").write_text(CASH)
    (root / "qb.csv").write_text(QUICKBOOKS)
    (root / "stripe.csv").write_text(STRIPE)
    p = Project.open(root)
    p.load_file("payments", root / "qb.csv", source="quickbooks")
    p.load_file("payments", root / "stripe.csv", source="stripe")
    p.metrics.now = datetime(2025, 3, 1, tzinfo=UTC)
    yield p
    p.close()


def test_the_owner_source_wins_once_per_fact(project: Project) -> None:
    value = project.compute(["cash_received"], ["2025-01"])[0].value
    # One row per payment_ref, Stripe first: P1 100 + P2 55 (Stripe's) + P3 30 (only QuickBooks).
    assert value == Decimal("185.00")


def test_every_disagreement_is_a_finding(project: Project) -> None:
    found = project.findings()
    assert found == [{
        "object": "payments", "record_key": "P2", "field": "amount",
        "owner_source": "stripe", "owner_value": "55.00",
        "other_source": "quickbooks", "other_value": "50.00",
    }]


def test_a_correction_by_the_other_source_clears_the_finding(project: Project) -> None:
    (project.root / "qb2.csv").write_text("id,payment_ref,paid_on,amount\nq2,P2,2025-01-06,55.00\n")
    project.load_file("payments", project.root / "qb2.csv", source="quickbooks")
    assert project.findings() == []
    assert project.compute(["cash_received"], ["2025-02"])[0].value is None
    assert project.compute(["cash_received"], ["2025-01"])[0].value == Decimal("185.00")
