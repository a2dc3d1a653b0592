"""The pack kit: manifests, registration through the `northstar.packs` entry-point group (the
built-in marketplace and an outside pack, tests/tiny_pack, installed as a distribution would be),
reference tables versioned with the ledger, and `northstar packs`, `init --pack` and
`demo --pack`. Expected figures are worked out by hand from tests/tiny_pack/sample.py."""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from datetime import date
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest
from pydantic import BaseModel

import northstar
from northstar.checks import read_checks, run_checks
from northstar.errors import ConfigError, NorthstarError
from northstar.metrics.catalog import load_catalog
from northstar.metrics.definition import sql_probe
from northstar.models.views import read_model_files, table_references
from northstar.packs import ENTRY_POINTS, Pack, discover, get_pack, load_pack, pack_names
from northstar.packs.manifest import PackManifest, PackSource, ReferenceTable, SampleCompany
from northstar.people import load_people
from northstar.project import Project

TESTS = Path(__file__).resolve().parent
TINY = TESTS / "tiny_pack"
SRC = str(Path(northstar.__file__).resolve().parents[1])
END = date(2025, 3, 20)


def install(site: Path, name: str, value: str, dist: str = "tiny-pack") -> Path:
    """A distribution as pip would leave it: its metadata and its entry points."""
    info = site / f"{dist.replace('-', '_')}-0.1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINTS}]\n{name} = {value}\n")
    return site


@pytest.fixture
def tiny_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    site = install(tmp_path / "site", "tiny", "tiny_pack")
    monkeypatch.syspath_prepend(str(site))
    importlib.invalidate_caches()
    return site


def copy_of_tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny_copy"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def edit_manifest(folder: Path, old: str, new: str) -> None:
    path = folder / "pack.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


# -- registration ------------------------------------------------------------------------------
def test_the_built_in_pack_registers_through_the_entry_point_group() -> None:
    assert "marketplace" in {ep.name for ep in entry_points(group=ENTRY_POINTS)}
    pack = get_pack("marketplace")
    assert isinstance(pack, Pack)
    assert pack.root == Path(importlib.import_module("northstar.packs.marketplace").__file__
                             or "").parent
    assert pack.north_star == "net_revenue"
    assert pack.sample_company.timezone == "America/Chicago"


def test_an_outside_pack_installs_the_same_way(tiny_installed: Path) -> None:
    assert {"marketplace", "tiny"} <= set(pack_names())
    tiny = get_pack("tiny")
    assert tiny.root == TINY
    assert tiny.title == "Subscription boxes"
    assert tiny.tables == ["subscriptions"]
    assert [s.name for s in tiny.sources] == ["billing"]
    assert set(tiny.reference) == {"plans"}
    assert tiny.generate is importlib.import_module("tiny_pack.sample").generate


def test_an_entry_point_may_name_a_pack_object_or_a_package() -> None:
    as_object = EntryPoint("marketplace", "northstar.packs.marketplace:PACK", ENTRY_POINTS)
    as_package = EntryPoint("tiny", "tiny_pack", ENTRY_POINTS)
    packs, errors = discover([as_object, as_package])
    assert errors == {}
    assert sorted(packs) == ["marketplace", "tiny"]


def test_a_broken_pack_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    bad = copy_of_tiny(tmp_path)
    edit_manifest(bad, 'north_star = "new_mrr"', 'north_star = "New MRR"')
    sys.path.insert(0, str(tmp_path))
    try:
        packs, errors = discover([
            EntryPoint("tiny_copy", "tiny_copy", ENTRY_POINTS),
            EntryPoint("nothing", "no_such_module_here", ENTRY_POINTS),
            EntryPoint("wrong", "northstar.errors:NorthstarError", ENTRY_POINTS),
            EntryPoint("renamed", "tiny_pack", ENTRY_POINTS),
            EntryPoint("tiny", "tiny_pack", ENTRY_POINTS),
        ])
    finally:
        sys.path.remove(str(tmp_path))
    assert sorted(packs) == ["tiny"]
    assert "pack.toml:4: north_star: String should match pattern" in str(errors["tiny_copy"])
    assert "does not load: ModuleNotFoundError" in str(errors["nothing"])
    assert "is not a northstar Pack nor a package holding a pack.toml" in str(errors["wrong"])
    assert "holds pack 'tiny'; name the entry point as the pack" in str(errors["renamed"])


def test_an_unknown_pack_names_the_known_ones() -> None:
    with pytest.raises(NorthstarError, match=r"unknown pack 'marketplac'; known packs: "
                                             r".*marketplace"):
        get_pack("marketplac")


# -- the manifest -----------------------------------------------------------------------------
@pytest.mark.parametrize(("old", "new", "expected"), [
    ('name = "tiny"', 'name = "Tiny"', r"pack.toml:1: name: String should match pattern"),
    ('version = "0.1.0"', 'version = "0.1.0"\ncolour = "blue"', r"unknown key 'colour'"),
    ('tables = ["subscriptions"]', 'tables = []', r"sources.0.tables: .*at least 1 item"),
    ('tables = ["subscriptions"]', 'tables = ["Subscriptions"]', r"'Subscriptions' is not a "
                                                                  r"table name"),
    ('generator = "tiny_pack.sample:generate"', 'generator = "tiny_pack.sample"',
     r"sample_company.generator: 'tiny_pack.sample' is not module:function"),
    ('timezone = "Europe/Paris"', 'timezone = "Paris"', r"unknown timezone 'Paris'"),
    ("rows = 120", "rows = 5", r"rows \(5\) is below min_rows \(12\)"),
    ('[reference.plans]', '[reference.plan]',
     r"pack.toml:\d+: reference table 'plan' has no file reference/plan.csv"),
    ('[sample_company]', '[sample]', r"pack.toml: sample_company: required but missing"),
])
def test_a_bad_manifest_is_one_clear_line(tmp_path: Path, old: str, new: str,
                                          expected: str) -> None:
    folder = copy_of_tiny(tmp_path)
    edit_manifest(folder, old, new)
    with pytest.raises(ConfigError, match=expected):
        load_pack(folder)


def test_a_manifest_lists_each_table_once_and_every_reference_file(tmp_path: Path) -> None:
    folder = copy_of_tiny(tmp_path)
    edit_manifest(folder, "[reference.plans]", '[[sources]]\nname = "files"\ndescription = "x"\n'
                                               'tables = ["subscriptions"]\n\n[reference.plans]')
    with pytest.raises(ConfigError, match="listed by sources 'billing' and 'files'"):
        load_pack(folder)
    folder = copy_of_tiny(tmp_path / "again")
    (folder / "reference" / "regions.csv").write_text("code,name\nEU,Europe\n")
    with pytest.raises(ConfigError, match=r"reference/regions.csv is not described"):
        load_pack(folder)
    (folder / "reference" / "regions.csv").unlink()
    (folder / "people.yml").unlink()
    with pytest.raises(ConfigError, match=r"a pack holds a people.yml"):
        load_pack(folder)
    (folder / "pack.toml").unlink()
    with pytest.raises(ConfigError, match=r"a pack folder holds a pack\.toml"):
        load_pack(folder)


def test_a_generator_that_does_not_import_says_so(tmp_path: Path) -> None:
    folder = copy_of_tiny(tmp_path)
    edit_manifest(folder, "tiny_pack.sample:generate", "tiny_pack.sample:make")
    pack = load_pack(folder)
    with pytest.raises(ConfigError, match=r"'tiny_pack\.sample:make' cannot be imported"):
        pack.generate  # noqa: B018 - the property imports it


def test_the_marketplace_manifest_lists_what_its_sample_writes_and_its_models_read() -> None:
    pack = get_pack("marketplace")
    written = {(b.source, b.name) for b in pack.sample(2_000, seed=3, end=END)}
    assert written == {(s.name, t) for s in pack.sources for t in s.tables}
    # the rest of the books (the general ledger) the sample company does without
    # what the models, metrics and checks read, but for the models themselves
    models = read_model_files(pack.models_dir)
    read = {r for m in models for r in m.references}
    for metric in load_catalog(pack.root, *load_people(pack.root)):
        sql = [q for q in (metric.sql, metric.target.sql if metric.target else None) if q]
        read |= {metric.model} if metric.model else set()
        read |= {r for q in sql for r in table_references(sql_probe(q))}
    read |= {r for c in read_checks(pack.checks_dir) for r in table_references(c.sql)}
    platform = {r for r in read if r.startswith("ns_")}  # the platform's views (ns_explanations)
    assert read - {m.name for m in models} - platform == set(pack.tables)


# -- a project from a pack ---------------------------------------------------------------------
def test_init_from_a_pack_copies_its_folder_and_loads_its_reference(tmp_path: Path,
                                                                    engine_url: str) -> None:
    pack = load_pack(TINY)
    with Project.init(tmp_path / "p", pack=pack, engine_url=engine_url,
                      timezone=pack.sample_company.timezone) as p:
        for sub in ("metrics", "models", "checks", "dashboards", "macros", "reference"):
            assert sorted(f.name for f in (p.root / sub).iterdir()) == sorted(
                f.name for f in (TINY / sub).iterdir()), sub
        loads = p.engine.rows("SELECT table_name, source_name, row_count FROM ns_loads")
        assert loads == [("raw_ref_plans", "reference", 2)]
        p.load_sample(pack, 24, end=END)
        p.metrics.state()  # the views
        assert p.engine.rows("SELECT plan_code, plan_name, tier FROM ref_plans ORDER BY 1") == [
            ("B", "Basic box", "standard"), ("P", "Premium box", "premium")]
        # February 2025 is full: 12 subscriptions, 4 on each plan: 4x10 + 4x25 + 4x40 = 300
        by_name = {v.metric: v for v in p.compute(["new_mrr", "new_subscriptions"], ["2025-02"])}
        assert by_name["new_mrr"].value == 300
        assert by_name["new_mrr"].status == "green"
        assert by_name["new_subscriptions"].value == 12
        # the X plan is not in the reference list: 8 of the 24 subscriptions
        check = next(r for r in run_checks(p) if r.name == "plans_are_known")
        assert (check.status, check.failing) == ("fail", 8)
        assert p.engine.scalar("SELECT annual_amount FROM subscription_lines "
                               "WHERE subscription_id = 'S0002'") == 300  # 25 x 12
        assert p.verify().ok


def test_a_changed_reference_file_is_a_new_version(tmp_path: Path, engine_url: str) -> None:
    with Project.init(tmp_path / "p", pack=load_pack(TINY), engine_url=engine_url) as p:
        before = p.engine.scalar("SELECT count(*) FROM ns_loads")
        assert [r.load_id for r in p.load_reference()] == [None]  # unchanged: no load
        assert p.engine.scalar("SELECT count(*) FROM ns_loads") == before
        # B is gone, P renamed, X added
        (p.root / "reference" / "plans.csv").write_text(
            "plan_code,plan_name,tier\nP,Premium plus,premium\nX,Deluxe box,premium\n")
        [done] = p.load_reference()
        assert (done.name, done.rows, done.removed) == ("ref_plans", 2, 1)
        assert done.load_id is not None
        p.metrics.state()
        assert p.engine.rows("SELECT plan_code, plan_name FROM ref_plans ORDER BY 1") == [
            ("P", "Premium plus"), ("X", "Deluxe box")]
        # every version is kept: 2 first rows, then 2 rows and a tombstone for B
        assert p.engine.scalar("SELECT count(*) FROM raw_ref_plans") == 5
        assert p.engine.rows("SELECT source_id FROM raw_ref_plans WHERE is_deleted") == [("B",)]
        assert [r.load_id for r in p.load_reference()] == [None]
        # a new column is a change too
        (p.root / "reference" / "plans.csv").write_text(
            "plan_code,plan_name,tier,boxes\nP,Premium plus,premium,2\nX,Deluxe box,premium,3\n")
        [done] = p.load_reference()
        assert (done.rows, done.removed) == (2, 0) and done.load_id is not None
        assert p.verify().ok


def test_a_bad_reference_file_names_itself(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p") as p:
        (p.root / "reference" / "boards.csv").write_text("board,reactive\nHelp Desk,true\n"
                                                          "Help Desk,false\n")
        with pytest.raises(NorthstarError, match=r"reference/boards.csv: id 'Help Desk' appears "
                                                 r"more than once"):
            p.load_reference()



def test_a_pack_with_a_bad_reference_file_says_how_to_go_on(tmp_path: Path) -> None:
    folder = copy_of_tiny(tmp_path)
    (folder / "reference" / "plans.csv").write_text("plan_code,plan_name\nB,Basic\nB,Again\n")
    with pytest.raises(NorthstarError, match=r"reference/plans.csv: id 'B' appears more than "
                                             r"once.*once the file is right, load it with "
                                             r"`northstar reference`"):
        Project.init(tmp_path / "p", pack=load_pack(folder))
    (tmp_path / "p" / "reference" / "plans.csv").write_text("plan_code,plan_name\nB,Basic\n")
    with Project.open(tmp_path / "p") as p:
        assert [r.rows for r in p.load_reference()] == [1]


# -- the command line --------------------------------------------------------------------------
def cli(*args: str, cwd: Path, site: Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "northstar", *args], cwd=cwd, text=True, capture_output=True,
        timeout=180, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin",
                          "PYTHONPATH": ":".join([SRC, str(TESTS), str(site)])})
    assert "Traceback" not in proc.stderr, proc.stderr
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_packs_init_and_demo_on_the_command_line(tmp_path: Path) -> None:
    site = install(tmp_path / "site", "tiny", "tiny_pack")
    listed = cli("packs", cwd=tmp_path, site=site).stdout
    for text in ("marketplace", "Two-sided marketplace", "quickbooks: invoice_lines",
                 "tiny", "Subscription boxes", "billing: subscriptions"):
        assert text in listed
    out = cli("init", "p", "--pack", "tiny", cwd=tmp_path, site=site).stdout
    assert "(2 metrics" in out
    assert (tmp_path / "p" / "reference" / "plans.csv").exists()
    assert "ref_plans: unchanged (2 rows)" in cli("reference", "-p", "p", cwd=tmp_path,
                                                  site=site).stdout
    out = cli("demo", "d", "--pack", "tiny", "--no-serve", cwd=tmp_path, site=site).stdout
    assert "Loaded 120 ledger rows" in out
    assert "Tiny Boxes (sample)" in out and "Ada Lovelace" in out and "Alan Turing" in out
    assert "Europe/Paris" in (tmp_path / "d" / "northstar.toml").read_text()
    proc = cli("demo", "d", "--pack", "tiny", "--rows", "5", "--no-serve", cwd=tmp_path,
               site=site, ok=False)
    assert proc.returncode == 2
    assert "--rows must be between 12 and 20,000,000 for the tiny sample company" in proc.stderr


def test_packs_reports_a_broken_pack_and_lists_the_rest(tmp_path: Path) -> None:
    site = install(tmp_path / "site", "ghost", "no_such_pack_module", dist="ghost-pack")
    proc = cli("packs", cwd=tmp_path, site=site, ok=False)
    assert proc.returncode == 1
    assert "marketplace" in proc.stdout
    assert "pack 'ghost' (no_such_pack_module) does not load: ModuleNotFoundError" in proc.stderr


# -- the docs -----------------------------------------------------------------------------------
DOC = TESTS.parent / "docs" / "packs.md"


@pytest.mark.parametrize("model", [PackManifest, PackSource, ReferenceTable, SampleCompany])
def test_every_manifest_field_is_documented(model: type[BaseModel]) -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", DOC.read_text(), re.M))
    assert set(model.model_fields) <= documented, set(model.model_fields) - documented


def test_the_documented_manifest_is_the_tested_one() -> None:
    block = DOC.read_text().split("```toml\n", 1)[1].split("```", 1)[0]
    assert block == (TINY / "pack.toml").read_text()
