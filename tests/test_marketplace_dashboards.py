"""The marketplace pack's dashboard files: the agreed format, every tile's metric exists, and
every filter and slice uses a tag the metric declares it can be sliced by."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from northstar.files import load_yaml, validate
from northstar.metrics.definition import MetricDef
from northstar.packs import get_pack

PACK = get_pack("marketplace")
VISUALS = {"number", "trend", "waterfall", "cohort", "funnel", "bullet", "table"}
TILE_KEYS = {"metric", "title", "visual", "filter", "by", "periods", "ahead", "bars"}
MODEL_TILE_KEYS = {"model", "title", "visual", "select", "where", "order_by", "limit", "pivot",
                   "units", "bands_from", "pinned", "group_by", "sum"}
EXPECTED = {"executive", "cfo", "company_kpis", "supply", "demand_sales",
            "demand_account_management", "marketing", "finance_operations",
            "supply_account_management"}


def metrics() -> dict[str, MetricDef]:
    out = {}
    for path in sorted(PACK.metrics_dir.glob("*.yml")):
        data, lines = load_yaml(path)
        metric = validate(MetricDef, data, path, lines)
        out[metric.name] = metric
    return out


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(PACK.dashboards_dir.glob("*.yml"))}


def test_the_pack_ships_every_dashboard_of_the_seed() -> None:
    assert set(dashboards()) == EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dashboard_follows_the_format(name: str) -> None:
    board = dashboards()[name]
    assert set(board) == {"name", "title", "description", "tiles"}
    assert board["name"] == name
    assert board["title"].strip() and board["description"].strip()
    assert board["tiles"], name
    known = metrics()
    for i, tile in enumerate(board["tiles"]):
        where = f"{name} tile {i}"
        if "model" in tile:  # the rows of a model view: a table or a coloured matrix
            assert set(tile) <= MODEL_TILE_KEYS and tile["visual"] in {"table", "cohort"}, where
            assert (PACK.dashboards_dir.parent / "models" / f"{tile['model']}.sql").exists()
            if tile["visual"] == "cohort":
                assert set(tile["pivot"]) == {"rows", "columns", "value"}, where
            if "bands_from" in tile:
                assert known[tile["bands_from"]].bands is not None, where
            continue
        assert set(tile) <= TILE_KEYS and "metric" in tile and "visual" in tile, where
        assert tile["visual"] in VISUALS, where
        metric = known.get(tile["metric"])
        assert metric is not None, f"{where}: no metric {tile['metric']!r}"
        for tag in [*tile.get("filter", {}), *([tile["by"]] if "by" in tile else [])]:
            assert tag in metric.dimensions, f"{where}: {metric.name} cannot be sliced by {tag}"
        if "periods" in tile:
            assert isinstance(tile["periods"], int) and 1 <= tile["periods"] <= 60, where
        if "title" in tile:
            assert isinstance(tile["title"], str) and tile["title"].strip(), where


def test_every_owned_metric_is_on_the_core_kpi_dashboard() -> None:
    people = yaml.safe_load(PACK.people_file.read_text(encoding="utf-8"))["people"]
    on_board = {t["metric"] for t in dashboards()["company_kpis"]["tiles"] if "metric" in t}
    assert {p["metric"] for p in people} == on_board


def test_sellers_scorecards_slice_by_seller() -> None:
    tiles = dashboards()["demand_sales"]["tiles"]
    by_seller = {t["metric"] for t in tiles if t.get("by") == "owner_id"}
    assert {"pipeline_coverage", "pipeline_coverage_weighted",
            "pipeline_coverage_scored"} <= by_seller


def test_dashboard_files_are_yaml_mappings() -> None:
    for path in Path(PACK.dashboards_dir).glob("*"):
        assert path.suffix == ".yml", path.name
