"""Attach reads, checks and stages each object in record batches: memory is bounded by the
batch, and the ledger ends up exactly as with one batch per object."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.project import table_contents
from northstar.errors import LoadError
from northstar.ledger.staging import STAGE_PREFIX, Stage
from northstar.project import Project
from northstar.warehouse import AttachSpec, attach
from northstar.warehouse.adapters import open_warehouse
from northstar.warehouse.landing import land_csvs
from northstar.warehouse.mapping import BUILTIN, load_mapping

attach_module = importlib.import_module("northstar.warehouse.attach")
"""The module (the package exports its `attach` function under the same name)."""
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fivetran"
if not FIXTURES.exists():
    FIXTURES = Path("/work/shared/fixtures/fivetran")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"duckdb:///{tmp_path_factory.mktemp('wh') / 'fivetran.duckdb'}"
    for connector in ("quickbooks", "hubspot"):
        land_csvs(url, connector, FIXTURES / connector)
    return url


def spec(url: str) -> AttachSpec:
    return AttachSpec.model_validate({"url": url, "quickbooks": {"schema": "quickbooks"},
                                      "hubspot": {"schema": "hubspot"}})


@pytest.fixture
def projects(tmp_path: Path) -> Iterator[tuple[Project, Project]]:
    whole, batched = Project.init(tmp_path / "whole"), Project.init(tmp_path / "batched")
    yield whole, batched
    whole.close()
    batched.close()


def raw(project: Project) -> dict[str, list[tuple[object, ...]]]:
    return {t: table_contents(project, t) for t in sorted(project.engine.relations())
            if t.startswith("raw_")}


def test_map_batches_are_bounded(warehouse: str) -> None:
    mapping = load_mapping(BUILTIN)
    with open_warehouse(warehouse) as wh:
        whole = attach_module.map_object(wh, mapping, "deals", "hubspot")
        sizes = [b.num_rows for b in attach_module.map_batches(wh, mapping, "deals", "hubspot",
                                                               rows=5)]
    assert whole.num_rows == 44  # deal_data.csv: 44 deals, none deleted
    assert sum(sizes) == 44 and max(sizes) <= 5 and len(sizes) >= 9


def test_batched_attach_equals_one_batch(projects: tuple[Project, Project], warehouse: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    whole, batched = projects
    one = attach(whole, spec(warehouse))

    staged: list[int] = []
    add = Stage.add

    def spy(self: Stage, data: object) -> int:
        n = add(self, data)  # type: ignore[arg-type]
        staged.append(n)
        return n

    monkeypatch.setattr(attach_module, "BATCH_ROWS", 4)
    monkeypatch.setattr(Stage, "add", spy)
    many = attach(batched, spec(warehouse))
    assert many.appended == one.appended > 0
    assert max(staged) <= 4 and len(staged) > len(one.objects)
    assert raw(batched) == raw(whole)
    assert batched.verify().ok
    assert not [r for r in batched.engine.relations() if r.startswith(STAGE_PREFIX)]
    # the deals (44 rows) arrive as 11 loads of 4
    loads = batched.engine.rows("SELECT row_count FROM ns_loads WHERE table_name = 'raw_deals' "
                                "AND status = 'ok' ORDER BY load_id")
    assert [n for (n,) in loads] == [4] * 11

    again = attach(batched, spec(warehouse))  # nothing new, batch by batch
    assert again.appended == 0


def test_a_failing_batch_keeps_nothing_of_its_object(projects: tuple[Project, Project],
                                                     warehouse: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _, project = projects
    prepare = attach_module._prepare
    calls = {"n": 0}

    def failing(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 3:
            raise LoadError("a value does not fit")
        return prepare(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(attach_module, "BATCH_ROWS", 4)
    monkeypatch.setattr(attach_module, "_prepare", failing)
    one = AttachSpec.model_validate({"url": warehouse, "hubspot": {"schema": "hubspot",
                                                                   "objects": ["deals"]}})
    with pytest.raises(LoadError, match="does not fit"):
        attach(project, one)
    assert "raw_deals" not in project.engine.relations()  # two batches were staged, then dropped
    assert not [r for r in project.engine.relations() if r.startswith(STAGE_PREFIX)]
    failed = project.engine.rows("SELECT table_name, status FROM ns_loads")
    assert failed == [("raw_deals", "failed")]
    assert project.verify().ok
