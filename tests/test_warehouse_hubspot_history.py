"""Fivetran's HubSpot `deal_property_history` attached as raw_deal_property_history, in the
shape the connector writes, from a DuckDB and from a PostgreSQL warehouse.

The shared fixture's 100 history rows have hashed property names (none is `dealstage` or
`amount`), so this test lands the fixture and adds rows in the same shape, by hand:
- three pipeline stages: `st-proposal` (open, 0.4), `st-won` (closed, won, 1.0) and `st-lost`
  (closed, not won, 0.0);
- deal 1244495215: stage st-proposal on 1 March 2025 10:00, st-won on 20 April 14:30; amount
  "1500" on 1 March, cleared ("") on 2 April, "12,5" (not a plain number) on 3 April;
- deal 1075671446: stage st-lost on 1 February 2025 09:00.
Expected: stages named as the deals mapping names them (st-won -> closedwon, st-lost ->
closedlost, st-proposal as it is) with their probabilities; the amount as 1500.00, then no
value twice; seven rows in all, and a second attach appends none of them again."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from conftest import PG_URL, REQUIRE_PG, pg_problem
from northstar.project import Project
from northstar.warehouse import AttachSpec, attach
from northstar.warehouse.landing import land_csvs

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/fivetran")

ROWS = [
    "INSERT INTO {s}.deal_pipeline_stage (_fivetran_deleted, _fivetran_synced, active, "
    "closed_won, is_closed, display_order, probability, stage_id, label, pipeline_id) VALUES "
    "(FALSE, TIMESTAMP '2025-01-01 00:00:00', TRUE, FALSE, FALSE, 1, 0.4, 'st-proposal', "
    "'Proposal', 'p1'), "
    "(FALSE, TIMESTAMP '2025-01-01 00:00:00', TRUE, TRUE, TRUE, 2, 1.0, 'st-won', 'Won', 'p1'), "
    "(FALSE, TIMESTAMP '2025-01-01 00:00:00', TRUE, FALSE, TRUE, 3, 0.0, 'st-lost', 'Lost', "
    "'p1')",
    "INSERT INTO {s}.deal_property_history (deal_id, \"timestamp\", _fivetran_synced, source, "
    "name, source_id, \"value\") VALUES "
    "(1244495215, TIMESTAMP '2025-03-01 10:00:00', TIMESTAMP '2025-05-01 00:00:00', 'CRM_UI', "
    "'dealstage', 'u1', 'st-proposal'), "
    "(1244495215, TIMESTAMP '2025-04-20 14:30:00', TIMESTAMP '2025-05-01 00:00:00', 'CRM_UI', "
    "'dealstage', 'u1', 'st-won'), "
    "(1244495215, TIMESTAMP '2025-03-01 10:00:00', TIMESTAMP '2025-05-01 00:00:00', 'CRM_UI', "
    "'amount', 'u1', '1500'), "
    "(1244495215, TIMESTAMP '2025-04-02 08:00:00', TIMESTAMP '2025-05-01 00:00:00', 'API', "
    "'amount', 'u1', ''), "
    "(1244495215, TIMESTAMP '2025-04-03 08:00:00', TIMESTAMP '2025-05-01 00:00:00', 'API', "
    "'amount', 'u1', '12,5'), "
    "(1075671446, TIMESTAMP '2025-02-01 09:00:00', TIMESTAMP '2025-05-01 00:00:00', 'CRM_UI', "
    "'dealstage', 'u2', 'st-lost')",
]
EXPECTED = [
    ("1075671446", "dealstage", "closedlost", datetime(2025, 2, 1, 9), "CRM_UI", Decimal("0.00")),
    ("1244495215", "amount", "1500.00", datetime(2025, 3, 1, 10), "CRM_UI", None),
    ("1244495215", "amount", None, datetime(2025, 4, 2, 8), "API", None),
    ("1244495215", "amount", None, datetime(2025, 4, 3, 8), "API", None),
    ("1244495215", "dealstage", "st-proposal", datetime(2025, 3, 1, 10), "CRM_UI",
     Decimal("0.40")),
    ("1244495215", "dealstage", "closedwon", datetime(2025, 4, 20, 14, 30), "CRM_UI",
     Decimal("1.00")),
]


def _duck(tmp_path: Path) -> tuple[str, str, Callable[[], None]]:
    import duckdb

    path = tmp_path / "hs.duckdb"
    land_csvs(f"duckdb:///{path}", "hubspot", FIXTURES / "hubspot")
    con = duckdb.connect(str(path))
    for sql in ROWS:
        con.execute(sql.format(s="hubspot"))
    con.close()
    return f"duckdb:///{path}", "hubspot", lambda: None


def _postgres(tmp_path: Path) -> tuple[str, str, Callable[[], None]]:
    problem = pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {problem}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_URL}: {problem}")
    schema = "ns_wh_" + uuid.uuid4().hex[:10]
    land_csvs(PG_URL, schema, FIXTURES / "hubspot")
    with psycopg.connect(PG_URL, autocommit=True) as con:
        for sql in ROWS:
            con.execute(sql.format(s=schema))

    def drop() -> None:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
    return PG_URL, schema, drop


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AttachSpec]:
    url, schema, drop = (_duck if request.param == "duckdb" else _postgres)(tmp_path)
    try:
        yield AttachSpec.model_validate({"url": url, "hubspot": {
            "schema": schema, "objects": ["deal_property_history"]}})
    finally:
        drop()


def test_fivetran_history_lands_in_the_connectors_shape(warehouse: AttachSpec,
                                                        tmp_path: Path) -> None:
    with Project.init(tmp_path / "p") as project:
        attach(project, warehouse)
        rows = project.engine.rows(
            "SELECT deal_id, property, value, changed_at, source, stage_probability "
            "FROM raw_deal_property_history ORDER BY deal_id, property, changed_at")
        # a PostgreSQL warehouse's numeric comes through as a float (as for deals.sql's)
        assert [(*r[:5], None if r[5] is None else Decimal(str(r[5])).quantize(Decimal("0.01")))
                for r in rows] == EXPECTED
        assert attach(project, warehouse).appended == 0
