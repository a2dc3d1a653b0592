"""The MSP pack's sample company (Lakeside IT): deterministic, shaped as its manifest says, and
every metric equal to the plain-Python oracle of tests/msp_oracle.py on DuckDB and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from msp_oracle import Oracle, rows_of
from northstar.packs import get_pack
from northstar.project import Project
from sample_helpers import digest, sample_tables

PACK = get_pack("msp")
END = date(2026, 6, 15)
ROWS = 6_000
TZ = "America/Chicago"


def generated(rows: int = ROWS, seed: int = 7, end: date = END) -> dict[str, list[Any]]:
    return sample_tables(PACK, rows, seed=seed, end=end)


@pytest.fixture(scope="module")
def tables() -> dict[str, list[Any]]:
    return generated()


@pytest.fixture(scope="module")
def oracle(tables: dict[str, list[Any]]) -> Oracle:
    return Oracle(rows_of(tables), PACK.root / "reference", TZ)


def test_the_same_seed_makes_the_same_company_and_another_seed_another(
        tables: dict[str, list[Any]]) -> None:
    assert digest(generated()) == digest(tables)
    assert digest(generated(seed=8)) != digest(tables)


def test_the_company_has_the_shape_its_manifest_describes() -> None:
    """About 40 clients and 2,400 endpoints at the default size; a few clients join and four
    leave; every table of the pack's sources is filled; nothing after `end`."""
    company = PACK.sample_company
    assert company.name == "Lakeside IT (sample)" and company.timezone == TZ
    data = rows_of(generated(company.rows, end=date(2026, 12, 7)))
    total = sum(len(rows) for rows in data.values())
    assert 0.85 * company.rows <= total <= 1.15 * company.rows
    expected = {t for s in PACK.sources for t in s.tables} | {"ninja_devices"}
    assert expected <= set(data)
    clients = [c for c in data["cw_companies"] if c["type"] == "Client"]
    assert len(clients) == 40
    assert sum(c["status"] == "Inactive" for c in clients) == 4
    o = Oracle(data, PACK.root / "reference", TZ)
    endpoints = o.value("endpoints_managed", "2026-11")
    assert endpoints is not None and 2_200 <= endpoints <= 2_700
    assert max(t["date_entered"] for t in data["cw_tickets"]) <= datetime(2026, 12, 8, 5)
    # history starts in January two years before the end's year, as the seed's backfill does
    assert min(o.local_day(t["date_entered"]) for t in data["cw_tickets"]) < date(2024, 1, 3)


def test_july_of_the_first_year_is_the_bad_month(oracle: Oracle) -> None:
    def typical_and_july(metric: str) -> tuple[Decimal, Decimal]:
        values = {m: oracle.value(metric, f"2024-{m:02d}") for m in range(1, 13)}
        others = sorted(v for m, v in values.items() if m != 7 and v is not None)
        july = values[7]
        assert len(others) == 11 and july is not None
        return others[5], july  # the median of the other months

    typical, july = typical_and_july("reactive_tickets_per_endpoint")
    assert july > 2 * typical
    typical, july = typical_and_july("hours_per_ticket")
    assert july > Decimal("1.25") * typical
    typical, july = typical_and_july("close_ratio")
    assert july < typical


def test_the_month_under_way_has_no_books_or_inputs_yet(oracle: Oracle) -> None:
    assert oracle.value("mrr", "2026-06") is None
    assert oracle.value("employees_total", "2026-06") is None
    assert oracle.value("mrr", "2026-05") is not None


PERIODS = ["2024-07", "2025-03", "2025-Q4", "2025", "2026-05"]


@pytest.fixture
def project(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "lakeside", pack=PACK, engine_url=engine_url, timezone=TZ)
    p.load_sample(PACK, ROWS, seed=7, end=END)
    p.metrics.now = datetime(2026, 6, 15, 23, tzinfo=UTC)
    yield p
    p.close()


def test_every_metric_equals_the_oracle(project: Project, oracle: Oracle) -> None:
    """Every metric of the pack, for a bad month, a month, a quarter and a year, on both
    engines, to the cent (ratios to 1e-9)."""
    names = sorted(project.catalog.metrics)
    assert len(names) == 47
    got = {(v.metric, v.period): v.value for v in project.compute(names, PERIODS)}
    mismatches = []
    for name in names:
        for period in PERIODS:
            want, have = oracle.value(name, period), got[(name, period)]
            if want is None or have is None:
                ok = want is None and have is None
            else:
                ok = abs(Decimal(str(have)) - want) <= max(Decimal("0.005"),
                                                          abs(want) * Decimal("1e-9"))
            if not ok:
                mismatches.append((name, period, want, have))
    assert mismatches == []
