"""Mapping a page column by column gives exactly what mapping it record by record gives.

The column-wise paths (Stripe's `map_page`, the writer's tag rules and quality checks) are
speed-ups of the record-wise ones, which stay the reference: for any page, including malformed
ones, the table is the same or the same error is raised. Also: a collection run bounds
DuckDB's memory and puts the settings back afterwards."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from northstar.ledger.staging import COLLECT_MEMORY, bounded_writes
from northstar.project import Project
from northstar.sources.base import Connector
from northstar.sources.config import CheckRule, TagRule
from northstar.sources.quality import QualityRejected, check_row, check_table
from northstar.sources.stripe import Stripe
from northstar.sources.tags import apply_tags, tag_table
from northstar.sources.values import RecordError

FIELDS = {
    "charges": ("id", "currency", "amount", "created", "status", "amount_captured",
                "amount_refunded", "paid", "captured", "refunded", "customer",
                "payment_intent", "balance_transaction"),
    "refunds": ("id", "currency", "amount", "created", "status", "charge", "payment_intent",
                "balance_transaction", "reason"),
    "disputes": ("id", "currency", "amount", "created", "status", "charge", "payment_intent",
                 "reason"),
    "balance_transactions": ("id", "currency", "amount", "created", "status", "fee", "net",
                             "type", "reporting_category", "source", "available_on"),
}

# Plain values (the fast path's), and the surprises a vendor can send (the record path's).
plain_int = st.integers(-10**12, 10**12) | st.sampled_from([0, 1, -1, 10**14, 10**16 - 1])
odd = st.sampled_from([None, "", "12.50", "x", True, 1.5, 10**16, 10**17, -10**19,
                       253_402_300_800, {"id": "obj_1"}, ["a"], {"x": 1}])
text = st.sampled_from([None, "", "usd", "USD", "jpy", "JPY", "krw", "succeeded", "ch_1", "é"])
boolean = st.sampled_from([None, True, False])


def value(field: str, surprise: bool) -> st.SearchStrategy[Any]:
    if field in ("amount", "amount_captured", "amount_refunded", "fee", "net", "created",
                 "available_on"):
        base = plain_int | st.none()
    elif field in ("paid", "captured", "refunded"):
        base = boolean
    else:
        base = text
    return base | odd if surprise else base


@st.composite
def pages(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    obj = draw(st.sampled_from(sorted(FIELDS)))
    surprise = draw(st.booleans())
    n = draw(st.integers(1, 12))
    page = []
    for i in range(n):
        record: dict[str, Any] = {f: draw(value(f, surprise)) for f in FIELDS[obj]}
        record["id"] = draw(st.sampled_from([f"x_{i}", f"x_{i}", None, ""])) \
            if surprise else f"x_{i}"
        if draw(st.booleans()):
            record.pop(draw(st.sampled_from(FIELDS[obj])))  # a field the record lacks
        record["metadata"] = {}  # a field the mapping does not read
        page.append(record)
    return obj, page


def outcome(fn: Any) -> Any:
    try:
        return fn()
    except RecordError as exc:
        return ("RecordError", type(exc))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pages())
def test_stripe_page_column_by_column_equals_record_by_record(case: Any) -> None:
    obj, page = case
    stripe = Stripe.__new__(Stripe)  # mapping reads nothing from the connection
    fast = outcome(lambda: stripe.map_page(obj, page))
    reference = outcome(lambda: Connector.map_page(stripe, obj, page))
    if isinstance(reference, dict):
        assert isinstance(fast, dict)
        assert fast.keys() == reference.keys()
        for key, table in reference.items():
            assert fast[key].schema == table.schema
            assert fast[key].to_pylist() == table.to_pylist()
    else:
        assert fast == reference
    newest = outcome(lambda: stripe.page_modified(obj, page))
    assert newest == outcome(lambda: Connector.page_modified(stripe, obj, page))


def test_a_well_formed_page_takes_the_column_path() -> None:
    from northstar.sources import stripe as stripe_module

    page = [{"id": "ch_1", "amount": 1999, "currency": "usd", "created": 1_700_000_000,
             "customer": "cus_1", "paid": True},
            {"id": "ch_2", "amount": 500, "currency": "JPY", "created": 1_700_000_060,
             "customer": None, "paid": False}]
    table = stripe_module._columns("charges", page)
    assert table is not None  # the fast path, not the fallback
    rows = table["stripe_charges"].to_pylist()
    assert [r["amount"] for r in rows] == [Decimal("19.99"), Decimal("500.00")]
    assert [r["client_id"] for r in rows] == ["cus_1", None]
    assert str(rows[1]["created"]) == "2023-11-14 22:14:20"
    expanded = [{**page[0], "customer": {"id": "cus_1"}}]  # an expanded object: record path
    assert stripe_module._columns("charges", expanded) is None


RULES = [
    [TagRule(tag="source_funnel", **{"from": "src"}, map={"PAID": "inbound"},
             when={"kind": "deal"}),
     TagRule(tag="source_funnel", value="unknown"),
     TagRule(tag="department", value="demand", tables=["deals"]),
     TagRule(tag="owner_id", **{"from": "rep"}, default="nobody")],
    [TagRule(tag="client_id", **{"from": "src"}, map={"PAID": "p"}, strict_map=True,
             default="d"),
     TagRule(tag="team", **{"from": "client_id"}, when={"n": "2"}),
     TagRule(tag="owner_id", **{"from": "n"}, when={"team": "p"}, tables=["other"])],
]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(range(len(RULES))), st.sampled_from(["deals", "other"]),
       st.lists(st.fixed_dictionaries({
           "id": st.sampled_from(["a", "b", "c"]),
           "src": st.sampled_from([None, "", "PAID", "ORGANIC"]),
           "kind": st.sampled_from([None, "deal", "contact"]),
           "rep": st.sampled_from([None, "", "r1"]),
           "n": st.sampled_from([None, 1, 2]),
           "owner_id": st.sampled_from([None, "from-connector"]),
       }), min_size=1, max_size=8))
def test_tag_rules_on_a_table_equal_the_rules_on_each_row(
        which: int, table: str, rows: list[dict[str, Any]]) -> None:
    rules = RULES[which]
    expected = []
    for row in rows:
        row = dict(row)
        apply_tags(rules, table, row)
        expected.append(row)
    data = pa.Table.from_pylist(rows, schema=pa.schema([
        ("id", pa.string()), ("src", pa.string()), ("kind", pa.string()),
        ("rep", pa.string()), ("n", pa.int64()), ("owner_id", pa.string())]))
    got = tag_table(rules, table, data).to_pylist()
    for want, have in zip(expected, got, strict=True):
        assert {k: have.get(k) for k in want} == want
        assert all(have[k] is None for k in have if k not in want)


def test_checks_on_a_table_name_the_first_negative_row_as_the_row_check_does() -> None:
    rules = [CheckRule(table="t", non_negative=["amount", "n"])]
    data = pa.table({"id": ["a", "b", "c"],
                     "amount": pa.array([Decimal("1.00"), None, Decimal("-0.01")],
                                        pa.decimal128(18, 2)),
                     "n": pa.array([3, -2, 0], pa.int64())})
    with pytest.raises(QualityRejected) as row_error:
        for row in data.to_pylist():
            check_row(rules, "t", row)
    with pytest.raises(QualityRejected) as table_error:
        check_table(rules, "t", data)
    assert str(table_error.value) == str(row_error.value)
    assert "t.n is negative (-2) in record b" in str(table_error.value)
    check_table(rules, "other", data)  # another table's rule does not apply
    check_table(rules, "t", data.slice(0, 1))


def test_a_collection_run_bounds_duckdb_memory_and_puts_it_back(tmp_path: Path) -> None:
    project = Project.init(tmp_path / "p")
    try:
        engine = project.engine
        default = engine.scalar("SELECT current_setting('memory_limit')")
        with bounded_writes(engine):
            pass
        assert engine.scalar("SELECT current_setting('memory_limit')") == default
        engine.execute("SET memory_limit = '3GiB'")  # reads back exactly: 3.0 GiB
        before = engine.scalar("SELECT current_setting('memory_limit')")
        with bounded_writes(engine):
            during = engine.scalar("SELECT current_setting('memory_limit')")
            rows = engine.scalar("SELECT current_setting('write_buffer_row_group_count')")
            assert engine.scalar("SELECT current_setting('preserve_insertion_order')") is False
        megabytes = int(COLLECT_MEMORY.removesuffix("MB"))
        # DuckDB shows it in MiB, rounded to its own block size
        assert during.endswith(" MiB")
        assert float(during.removesuffix(" MiB")) == pytest.approx(megabytes * 10**6 / 2**20,
                                                                  abs=0.25)
        assert int(rows) == 1
        assert engine.scalar("SELECT current_setting('memory_limit')") == before
        assert engine.scalar("SELECT current_setting('write_buffer_row_group_count')") != 1
        assert engine.scalar("SELECT current_setting('preserve_insertion_order')") is True
    finally:
        project.close()
