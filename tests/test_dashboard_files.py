"""Dashboard files with model tiles: mistakes are named with the file and the line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from northstar.errors import ConfigError
from northstar.packs import get_pack
from northstar.project import Project
from northstar.web.dashboards import Tile, load_dashboard, load_dashboards
from northstar.web.tables import Grid, model_grid, model_query

HEAD = "name: t\ntitle: T\ntiles:\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path_factory.mktemp("d") / "p"
    Project.init(root, pack=get_pack("marketplace"), timezone="UTC").close()
    with Project.open(root) as p:
        yield p


def _load(project: Project, tiles: str) -> None:
    path = project.root / "dashboards" / "t.yml"
    path.write_text(HEAD + tiles, encoding="utf-8")
    try:
        load_dashboard(path, project.catalog)
    finally:
        path.unlink()


def test_the_pack_dashboards_load(project: Project) -> None:
    boards = load_dashboards(project.root, project.catalog)
    models = [t.model for b in boards.values() for t in b.tiles if t.model]
    assert "supply_npr_by_supplier" in models and "customer_cohort_matrix" in models


@pytest.mark.parametrize(("tiles", "line", "words"), [
    ("  - model: no_such_model\n    visual: table\n", 4, "no model 'no_such_model'"),
    ("  - model: supplier_development\n    visual: table\n    bands_from: nope\n", 6,
     "cannot colour by 'nope' (no such metric)"),
    ("  - model: supplier_development\n    visual: trend\n", 4, "`table` or `cohort`"),
    ("  - model: supplier_cohort_matrix\n    visual: cohort\n", 4, "needs `pivot`"),
    ("  - model: supplier_development\n    visual: table\n    by: owner_id\n", 4,
     "a model tile uses `where`"),
    ("  - metric: npr\n    pivot: {rows: a, columns: b, value: c}\n", 4,
     "only for a model tile"),
    ("  - metric: npr\n    model: supplier_development\n", 4, "either a metric"),
    ("  - model: supplier_development\n    visual: table\n    select: [\"a; drop\"]\n", 4,
     "is not a column name"),
])
def test_mistakes_in_model_tiles_are_named(project: Project, tiles: str, line: int,
                                           words: str) -> None:
    with pytest.raises(ConfigError) as err:
        _load(project, tiles)
    text = str(err.value)
    assert words in text
    assert f"t.yml:{line}" in text, text


def test_a_tile_over_a_model_waiting_for_data_says_so(project: Project) -> None:
    tile = Tile(model="supply_npr_by_supplier", visual="table")
    grid = model_grid(project, tile)
    assert grid.rows == [] and grid.note is not None
    assert grid.note.startswith("Waiting for data: nothing loaded into ")
    assert "bill_lines" in grid.note


def test_a_long_table_is_paged_with_its_totals_on_every_page() -> None:
    rows = [[(f"supplier {i}", "")] for i in range(60)] + [[("Unlinked", "")], [("TOTAL", "")]]
    grid = Grid(["name"], rows, pinned=[False] * 60 + [True, True])
    assert grid.pages == 3  # 60 rows at 25 a page
    first = [r[0][0] for r in grid.page(1)]
    assert first[:2] == ["supplier 0", "supplier 1"] and len(first) == 27
    assert first[-2:] == ["Unlinked", "TOTAL"]
    assert [r[0][0] for r in grid.page(3)] == [f"supplier {i}" for i in range(50, 60)] + [
        "Unlinked", "TOTAL"]
    assert grid.page(99) == grid.page(3) and grid.page(0) == grid.page(1)
    assert Grid(["name"], rows[:3]).pages == 1


def test_pinned_rows_are_chosen_by_the_query() -> None:
    tile = Tile(model="supply_npr_by_supplier", visual="table", select=["supplier_name"],
                pinned="row_kind <> 'supplier'")
    assert model_query(tile) == ('SELECT "supplier_name", (row_kind <> \'supplier\') AS '
                                 'ns_pinned FROM "supply_npr_by_supplier" LIMIT 200')


def test_a_grouped_tile_adds_up_its_columns_as_of_the_day() -> None:
    tile = Tile(model="bills_overdue_by_status", visual="table",
                where="unpaid and due_date < {as_of}", group_by=["bill_pay_status"],
                sum=["bills", "amount_due"], order_by="min(status_order)")
    assert model_query(tile, date(2026, 1, 15)) == (
        'SELECT "bill_pay_status", sum("bills") AS "bills", sum("amount_due") AS "amount_due" '
        'FROM "bills_overdue_by_status" WHERE (unpaid and due_date < DATE \'2026-01-15\') '
        'GROUP BY "bill_pay_status" ORDER BY min(status_order) LIMIT 200')
    with pytest.raises(ValueError, match="give group_by too"):
        Tile(model="bills", visual="table", sum=["amount"])
    with pytest.raises(ValueError, match="leave out select and pinned"):
        Tile(model="bills", visual="table", group_by=["bill_pay_status"], select=["bill_id"])
