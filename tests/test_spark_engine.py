"""The Spark engine: its URLs, and the ledger's promises on an engine without transactions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ledger_fixture import NET_REVENUE
from northstar.engines.spark import parse_url
from northstar.errors import ConfigError
from northstar.project import Project


def test_urls_name_local_mode_or_a_spark_connect_server(tmp_path: Path) -> None:
    assert parse_url("spark://local[2]", tmp_path) == (
        "local", "local[2]", str(tmp_path / "spark-warehouse"))
    assert parse_url("spark://local[*]?warehouse=/data/wh", tmp_path) == (
        "local", "local[*]", "/data/wh")
    assert parse_url("sc://spark.internal:15002/;warehouse=s3a://b/ns;token=t", tmp_path) == (
        "connect", "sc://spark.internal:15002/;token=t", "s3a://b/ns")
    with pytest.raises(ConfigError, match="names no warehouse"):
        parse_url("sc://spark.internal:15002", tmp_path)
    with pytest.raises(ConfigError, match="through Spark Connect"):
        parse_url("spark://yarn", tmp_path)


def _lines(ids: list[str], amounts: list[str]) -> pa.Table:
    return pa.table({"id": ids, "txn_date": pa.array([date(2025, 1, 5)] * len(ids), pa.date32()),
                     "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, 2))})


def test_a_ledger_on_spark_loads_all_or_nothing_and_verify_catches_edited_files(
        spark_url: str, tmp_path: Path) -> None:
    with Project.init(tmp_path / "p", timezone="UTC", engine_url=spark_url) as p:
        root = p.root
    (root / "metrics" / "net_revenue.yml").write_text(NET_REVENUE)
    with Project.open(root) as p:
        p.append("invoice_lines", _lines(["a", "b", "c"], ["10.00", "20.00", "30.00"]),
                 source="file")
        [value] = p.compute(["net_revenue"], ["2025-01"])
        assert value.value == Decimal("60.00")  # 10 + 20 + 30
        # a load that fails half-way leaves nothing a reader sees, and no part on disk
        engine = p.engine
        parts = sorted((root / "spark-warehouse" / "raw_invoice_lines").iterdir())
        with pytest.raises(RuntimeError), engine.transaction():
            engine.insert_arrow("raw_invoice_lines", engine.query(
                "SELECT * FROM raw_invoice_lines"))
            assert engine.scalar("SELECT count(*) FROM raw_invoice_lines") == 6  # 3 + 3 seen
            raise RuntimeError("killed")
        assert engine.scalar("SELECT count(*) FROM raw_invoice_lines") == 3
        assert sorted((root / "spark-warehouse" / "raw_invoice_lines").iterdir()) == parts
        report = p.verify()
        assert report.ok, report.problems
    # someone with the files changes an amount: the manifest still names the part
    [part] = parts
    [file] = part.glob("*.parquet")
    table = pq.read_table(file)
    amounts = table.column("amount").to_pylist()
    amounts[1] = Decimal("99.00")
    pq.write_table(table.set_column(table.schema.get_field_index("amount"), "amount",
                                    pa.array(amounts, table.schema.field("amount").type)), file)
    with Project.open(root) as p:
        assert [str(x) for x in p.verify().problems] == [
            "raw_invoice_lines load 1: row content was changed"]
        # and the adapter refuses an edit of a ledger table through SQL
        with pytest.raises(Exception, match="ledger table"):
            p.engine.execute("DELETE FROM raw_invoice_lines WHERE source_id = 'a'")
