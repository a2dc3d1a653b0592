"""`northstar attach` and `northstar load-mapped`, the scaled fixture, and docs/warehouse.md."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import typer
import yaml
from typer.testing import CliRunner

from northstar.project import Project
from northstar.warehouse.cli import register
from northstar.warehouse.files import ColumnMap, FileMapping
from northstar.warehouse.landing import land_csvs
from northstar.warehouse.scale import scaled_fixture
from northstar.warehouse.spec import AttachSpec, ConnectorSpec
from northstar.warehouse.tags import TagRule

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/fivetran")
DOC = Path(__file__).resolve().parents[1] / "docs" / "warehouse.md"


def app() -> typer.Typer:
    a = typer.Typer()
    register(a)
    return a


def test_attach_and_load_mapped_commands(tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    land_csvs(f"duckdb:///{wh}", "qb", FIXTURES / "quickbooks")
    Project.init(tmp_path / "proj").close()
    (tmp_path / "proj" / "checks").mkdir(exist_ok=True)
    (tmp_path / "proj" / "checks" / "remittances_positive.sql").write_text(
        "-- description: remittances are positive\n-- severity: error\n"
        "select id from remittance_lines where amount <= 0\n", encoding="utf-8")
    spec = tmp_path / "attach.toml"
    spec.write_text('url = "duckdb:///wh.duckdb"\n[quickbooks]\nschema = "qb"\n'
                    'objects = ["invoice_lines", "payments"]\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app(), ["attach", str(spec), "--project", str(tmp_path / "proj")])
    assert result.exit_code == 0, result.output
    assert "9 row(s) appended from 2 object(s)" in result.output  # 8 lines + 1 payment
    # the check reads remittances, which nothing has loaded yet
    assert "Data checks: 0 passed, 1 waiting for data" in result.output
    again = runner.invoke(app(), ["attach", str(spec), "-p", str(tmp_path / "proj")])
    assert "0 row(s) appended" in again.output

    mapping = tmp_path / "map.yml"
    mapping.write_text("table: remittance_lines\nsource: platform\nid: id\ncolumns:\n"
                       "  ID: {to: id}\n  Amount: {to: amount, type: money}\n",
                       encoding="utf-8")
    export = tmp_path / "r.csv"
    export.write_text('ID,Amount\nR1,"1,500.00"\nR2,2\n', encoding="utf-8")
    loaded = runner.invoke(app(), ["load-mapped", str(export), "--mapping", str(mapping),
                                   "-p", str(tmp_path / "proj")])
    assert loaded.exit_code == 0, loaded.output
    assert "2 row(s) appended to raw_remittance_lines" in loaded.output
    assert "Data checks: 1 passed" in loaded.output
    with Project.open(tmp_path / "proj") as p:
        assert p.engine.scalar("SELECT sum(amount) FROM raw_remittance_lines") == 1502


def test_scaled_fixture_multiplies_and_keeps_joins(tmp_path: Path) -> None:
    wh = tmp_path / "wh.duckdb"
    land_csvs(f"duckdb:///{wh}", "quickbooks", FIXTURES / "quickbooks")
    con = duckdb.connect(str(wh))
    counts = scaled_fixture(con, 3, ("quickbooks",))
    con.close()
    assert counts["quickbooks.invoice"] == 16 * 3
    assert counts["quickbooks.invoice_line"] == 22 * 3
    with Project.init(tmp_path / "p") as project:
        from northstar.warehouse import attach

        spec = AttachSpec.model_validate({"url": f"duckdb:///{wh}", "quickbooks": {
            "schema": "quickbooks", "objects": ["invoice_lines"]}})
        report = attach(project, spec)
        assert report.appended == 8 * 3
        assert project.engine.scalar("SELECT sum(amount) FROM raw_invoice_lines") == 62830 * 3


def _fields(model: type) -> set[str]:
    fields = model.model_fields  # type: ignore[attr-defined]
    return {(f.alias or name) for name, f in fields.items() if name != "base"}


@pytest.mark.parametrize("model", [AttachSpec, ConnectorSpec, FileMapping, ColumnMap, TagRule])
def test_every_field_is_documented(model: type) -> None:
    doc = DOC.read_text(encoding="utf-8")
    missing = {f for f in _fields(model) if f"`{f}`" not in doc}
    assert not missing, f"docs/warehouse.md does not mention {sorted(missing)}"


def test_the_doc_examples_are_valid(tmp_path: Path) -> None:
    from northstar.files import load_yaml, validate
    from northstar.warehouse.files import load_file_mapping
    from northstar.warehouse.mapping import MappingFile
    from northstar.warehouse.spec import load_spec
    from northstar.warehouse.tags import load_tag_rules

    doc = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```(toml|yaml)\n(.*?)```", doc, flags=re.S)
    checked = 0
    for i, (kind, text) in enumerate(blocks):
        path = tmp_path / f"b{i}.{'toml' if kind == 'toml' else 'yml'}"
        path.write_text(text, encoding="utf-8")
        if kind == "toml" or text.startswith("url:"):
            load_spec(path)
        elif text.startswith("rules:"):
            load_tag_rules(path)
        elif text.startswith("objects:"):
            data, lines = load_yaml(path)
            validate(MappingFile, data, path, lines)
        elif "table:" in text:
            load_file_mapping(path)
        else:
            yaml.safe_load(text)
            continue
        checked += 1
    assert checked >= 4


def test_own_mapping_and_tag_rules_from_a_spec_file(tmp_path: Path) -> None:
    from northstar.warehouse import attach, load_spec

    land_csvs(f"duckdb:///{tmp_path / 'wh.duckdb'}", "qb", FIXTURES / "quickbooks")
    folder = tmp_path / "my-mapping"
    folder.mkdir()
    (folder / "mapping.yml").write_text(
        "objects:\n  invoice_totals: {connector: quickbooks, id: id}\n", encoding="utf-8")
    (folder / "invoice_totals.sql").write_text(
        "select cast(id as varchar) as id, cast(total_amount as decimal(18, 2)) as total,\n"
        "  cast(currency_id as varchar) as currency_id,\n"
        "  coalesce(lower(cast(_fivetran_deleted as varchar)) = 'true', false) as is_deleted,\n"
        "  cast(_fivetran_synced as timestamp) as fivetran_synced\nfrom invoice\n",
        encoding="utf-8")
    (tmp_path / "tags.yml").write_text(
        "rules:\n  - {tag: department, value: finance}\n"
        "  - {tag: team, value: europe, when: {currency_id: EUR}}\n", encoding="utf-8")
    spec = tmp_path / "attach.toml"
    spec.write_text('url = "duckdb:///wh.duckdb"\nmapping = "my-mapping"\ntags = "tags.yml"\n'
                    '[quickbooks]\nschema = "qb"\nsource = "books"\n', encoding="utf-8")
    with Project.init(tmp_path / "p") as project:
        report = attach(project, load_spec(spec))
        got = project.engine.rows(
            "SELECT source_id, source_name, total, department, team FROM raw_invoice_totals "
            "ORDER BY source_id")
    # invoice_data.csv: 5 of 16 invoices are not deleted; 50001 is the EUR one
    assert report.objects[0].deleted_skipped == 11
    assert got == [
        ("40113", "books", 565214, "finance", None),
        ("40114", "books", Decimal("62507.50"), "finance", None),
        ("40115", "books", Decimal("1015.05"), "finance", None),
        ("40116", "books", 504, "finance", None),
        ("50001", "books", 1000, "finance", "europe"),
    ]
