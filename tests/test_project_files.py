"""The project folder: init, and every mistake in its files reported as file:line and what was
expected."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from northstar.config import load_settings
from northstar.errors import ConfigError, LoadError, MetricError, UnknownMetricError
from northstar.metrics.catalog import load_catalog
from northstar.people import load_people
from northstar.project import Project

REVENUE = """\
name: revenue
title: Revenue
description: Sum of invoiced amounts.
department: finance
model: invoices
measure: sum(amount)
time_column: txn_date
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    Project.init(folder, name="Acme", timezone="America/Chicago").close()
    (folder / "metrics" / "revenue.yml").write_text(REVENUE)
    return folder


def catalog_error(root: Path) -> str:
    """The mistakes found in the project's files, one a line: the metric files left out of
    the catalogue, or the one people.yml mistake that stops it."""
    with Project.open(root) as p:
        try:
            errors = p.catalog.errors
        except ConfigError as exc:
            return str(exc)
    assert errors, "no mistake found"
    return "\n".join(str(e) for e in errors)


def test_init_creates_the_folder_layout(root: Path) -> None:
    assert sorted(p.name for p in root.iterdir()) == [
        ".northstar", "checks", "dashboards", "macros", "metrics", "models", "northstar.duckdb",
        "northstar.toml", "people.yml", "reference"]
    secret = root / ".northstar" / "secret.key"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_text().strip()) == 64
    assert (root / ".northstar" / ".gitignore").read_text() == "*\n"
    settings = load_settings(root)
    assert settings.company.timezone == "America/Chicago"
    assert settings.engine.url == "duckdb:///northstar.duckdb"


def test_init_refuses_to_overwrite_a_project(root: Path) -> None:
    with pytest.raises(ConfigError, match="already exists"):
        Project.init(root)


def test_opening_a_folder_without_a_project_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="northstar init"):
        Project.open(tmp_path)


@pytest.mark.parametrize(("toml", "expected"), [
    ('[company]\nname = "A"\ncolour = "red"\n', "northstar.toml:3: unknown key 'company.colour'"),
    ("[company]\nfiscal_year_start_month = 13\n",
     "northstar.toml:2: company.fiscal_year_start_month: Input should be less than or equal"),
    ('[company]\ntimezone = "Mars/Olympus"\n',
     "northstar.toml:2: company.timezone: unknown timezone 'Mars/Olympus'"),
    ('[engine]\nurl = 5\n', "northstar.toml:2: engine.url: Input should be a valid string"),
    ("[company\n", "northstar.toml:1: not valid TOML"),
    ('[ownership.payments]\nkey = "ref"\n',
     "northstar.toml:1: ownership.payments.owner: required but missing"),
])
def test_settings_mistakes_name_file_and_line(tmp_path: Path, toml: str, expected: str) -> None:
    (tmp_path / "northstar.toml").write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(info.value).startswith(str(tmp_path / expected.split(":")[0]))
    assert expected.split(":", 1)[1] in str(info.value)


def test_environment_overrides_settings(tmp_path: Path) -> None:
    (tmp_path / "northstar.toml").write_text('[company]\ntimezone = "UTC"\n')
    settings = load_settings(tmp_path, {"NORTHSTAR__COMPANY__TIMEZONE": "Europe/Paris",
                                        "NORTHSTAR__ENGINE__URL": "postgresql://x@y/z"})
    assert settings.company.timezone == "Europe/Paris"
    assert settings.engine.url == "postgresql://x@y/z"


@pytest.mark.parametrize(("edit", "expected"), [
    (("colour: red\n", ""), "revenue.yml:8: unknown key 'colour'"),
    (("", "direction: sideways"), "revenue.yml:8: direction: Input should be 'higher' or 'lower'"),
    (("", "grain: fortnight"), "revenue.yml:8: grain: grain must be one of day, week, month"),
    (("", "dimensions: [region]"), "revenue.yml:8: dimensions: 'region' is not a tag"),
    (("", "sql: select 1 as value"), "give exactly one formula"),
    (("", "target: {value: lots}"), "revenue.yml:8: target.value: Input should be a valid number"),
    (("", "bands: {green: 1}"), "revenue.yml:8: bands.yellow: required but missing"),
    (("", "filter: amount >>> 3"), "filter is not valid SQL"),
    (("", "owner: nobody"), "revenue.yml:8: owner 'nobody' is not a person in people.yml"),
])
def test_metric_file_mistakes_name_file_and_line(root: Path, edit: tuple[str, str],
                                                 expected: str) -> None:
    before, after = edit
    (root / "metrics" / "revenue.yml").write_text(before + REVENUE + after + "\n")
    if before:  # the unknown key sits on line 1; the rest moves down
        expected = expected.replace("revenue.yml:8", "revenue.yml:1")
    message = catalog_error(root)
    assert expected in message
    assert str(root / "metrics") in message


def test_a_file_that_is_not_yaml_names_its_line(root: Path) -> None:
    (root / "metrics" / "revenue.yml").write_text(REVENUE + "description: [unclosed\n")
    assert "revenue.yml:9: not valid YAML" in catalog_error(root) or \
        "revenue.yml:8" in catalog_error(root)


def test_two_metrics_with_one_name_are_refused(root: Path) -> None:
    (root / "metrics" / "revenue_copy.yml").write_text(REVENUE)
    assert "metric 'revenue' is already declared" in catalog_error(root)


def test_expressions_must_name_metrics_and_not_loop(root: Path) -> None:
    base = "title: T\ndescription: D\ndepartment: finance\n"
    (root / "metrics" / "a.yml").write_text("name: a\n" + base + "expression: b / revenue\n")
    (root / "metrics" / "b.yml").write_text("name: b\n" + base + "expression: a * 2\n")
    assert "metric expressions form a cycle: a -> b -> a" in catalog_error(root)
    (root / "metrics" / "b.yml").write_text("name: b\n" + base + "expression: ghost + 1\n")
    assert "b.yml:5: expression names 'ghost', which is not a metric" in catalog_error(root)
    (root / "metrics" / "b.yml").write_text("name: b\n" + base + "expression: __import__('os')\n")
    assert "may only use metric names" in catalog_error(root)


def test_people_must_own_metrics_that_exist_one_owner_each(root: Path) -> None:
    people = textwrap.dedent("""\
        people:
          - id: ann
            name: Ann
            department: finance
            metric: revenue
          - id: bob
            name: Bob
            department: finance
            metric: revenu
    """)
    (root / "people.yml").write_text(people)
    assert "people.yml:9: bob owns metric 'revenu', which no file in metrics/ declares" in \
        catalog_error(root)
    (root / "people.yml").write_text(people.replace("revenu\n", "revenue\n"))
    assert "people.yml:9: metric 'revenue' is owned by both ann and bob" in catalog_error(root)
    (root / "people.yml").write_text(people.replace("metric: revenu\n", "hobby: golf\n"))
    assert "people.yml:9: unknown key 'people.1.hobby'" in catalog_error(root)


def test_a_metric_owner_must_agree_with_people_yml(root: Path) -> None:
    (root / "people.yml").write_text(
        "people:\n  - {id: ann, name: Ann, department: finance, metric: other}\n")
    base = "title: T\ndescription: D\ndepartment: finance\nmanual: true\n"
    (root / "metrics" / "other.yml").write_text("name: other\n" + base)
    (root / "metrics" / "revenue.yml").write_text(REVENUE + "owner: ann\n")
    assert "owner 'ann' owns 'other' in people.yml, not 'revenue'" in catalog_error(root)


MANUAL = "title: T\ndescription: D\ndepartment: finance\nmanual: true\n"


def test_a_bad_metric_file_is_left_out_and_the_others_still_load(root: Path) -> None:
    folder = root.resolve() / "metrics"
    (folder / "broken.yml").write_text("name: broken\n" + MANUAL + "colour: red\n")
    (folder / "share.yml").write_text("name: share\ntitle: T\ndescription: D\n"
                                      "department: finance\nexpression: broken / revenue\n")
    (root / "people.yml").write_text(  # owning a metric left out is not a second mistake
        "people:\n  - {id: ann, name: Ann, department: finance, metric: broken}\n")
    with Project.open(root) as p:
        catalog = p.catalog
    assert list(catalog.metrics) == ["revenue"]
    broken = f"{folder / 'broken.yml'}:6: unknown key 'colour'"
    assert [str(e) for e in catalog.errors] == [
        broken,
        f"{folder / 'share.yml'}:5: expression names 'broken', which is left out: its file "
        "does not load",
    ]
    assert [e.path for e in catalog.errors] == [str(folder / "broken.yml"),
                                                str(folder / "share.yml")]
    with pytest.raises(MetricError) as info:
        catalog.get("broken")
    assert str(info.value) == f"metric 'broken' is left out until its file is fixed: {broken}"
    assert catalog.get("revenue").model == "invoices"


def test_a_cycle_leaves_out_every_metric_in_it_with_one_error(root: Path) -> None:
    folder = root.resolve() / "metrics"
    base = "title: T\ndescription: D\ndepartment: finance\n"
    (folder / "a.yml").write_text("name: a\n" + base + "expression: b / revenue\n")
    (folder / "b.yml").write_text("name: b\n" + base + "expression: a * 2\n")
    with Project.open(root) as p:
        catalog = p.catalog
    assert list(catalog.metrics) == ["revenue"]
    assert [str(e) for e in catalog.errors] == [
        f"{folder / 'a.yml'}: metric expressions form a cycle: a -> b -> a"]
    assert sorted(catalog.left_out) == ["a", "b"]


def test_loading_strictly_raises_the_first_bad_file(root: Path) -> None:
    (root / "metrics" / "a_broken.yml").write_text("name: a_broken\n" + MANUAL + "colour: red\n")
    (root / "metrics" / "b_broken.yml").write_text("name: [b\n")
    with pytest.raises(ConfigError) as info:
        load_catalog(root, *load_people(root))
    assert str(info.value) == f"{root / 'metrics' / 'a_broken.yml'}:6: unknown key 'colour'"


def test_an_unknown_metric_says_which_metrics_it_looks_like(root: Path) -> None:
    for name in ("revenues", "revenue_q", "cost"):
        (root / "metrics" / f"{name}.yml").write_text(f"name: {name}\n" + MANUAL)
    with Project.open(root) as p:
        catalog = p.catalog
    assert catalog.errors == ()
    with pytest.raises(UnknownMetricError) as info:
        catalog.get("revenu")
    assert str(info.value) == ("unknown metric 'revenu' — did you mean 'revenue', 'revenues' "
                               "or 'revenue_q'?")
    with pytest.raises(UnknownMetricError) as info:
        catalog.get("cots")
    assert str(info.value) == "unknown metric 'cots' — did you mean 'cost'?"
    with pytest.raises(UnknownMetricError) as info:
        catalog.get("headcount")
    assert str(info.value) == ("unknown metric 'headcount'; no metric has a name like it "
                               "(`northstar metrics` lists them)")


def test_a_project_opened_read_only_reads_and_refuses_writes(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p") as p:
        p.append("sales", pa.table({"id": ["a", "b"], "amount": [1, 2]}), source="file")
    with Project.open(tmp_path / "p", read_only=True) as p:
        assert p.engine.scalar("SELECT count(*) FROM raw_sales") == 2
        with pytest.raises(LoadError, match="open read-only"):
            p.append("sales", pa.table({"id": ["c"], "amount": [3]}), source="file")
        assert len(p.ledger.log()) == 1


def test_synonyms_find_one_metric_only_and_a_clash_names_both_files(root: Path) -> None:
    folder = root.resolve() / "metrics"
    (folder / "revenue.yml").write_text(REVENUE + "synonyms: [sales, Top_Line]\n")
    (folder / "zz_gmv.yml").write_text("name: zz_gmv\n" + MANUAL
                                       + "synonyms: [bookings, top line]\n")
    with Project.open(root) as p:
        catalog = p.catalog
    assert list(catalog.metrics) == ["revenue"]
    assert [str(e) for e in catalog.errors] == [
        f"{folder / 'zz_gmv.yml'}:6: synonym 'top line' of zz_gmv is already a synonym of "
        f"metric 'revenue' in {folder / 'revenue.yml'}; a synonym may find one metric only"]
    assert catalog.get("revenue").synonyms == ["sales", "Top_Line"]


@pytest.mark.parametrize(("second", "expected"), [
    ("name: zz\n" + MANUAL + "synonyms: [Revenue]\n",
     "zz.yml:6: synonym 'Revenue' of zz is already the name of metric 'revenue' in "),
    ("name: zz\ntitle: Sales\ndescription: D\ndepartment: finance\nmanual: true\n",
     "zz.yml:2: metric title 'Sales' is already a synonym of metric 'revenue' in "),
    ("name: sales\n" + MANUAL, "sales.yml:1: metric name 'sales' is already a synonym of "
     "metric 'revenue' in "),
])
def test_a_synonym_may_not_be_another_metrics_name_or_title(root: Path, second: str,
                                                             expected: str) -> None:
    folder = root.resolve() / "metrics"
    (folder / "revenue.yml").write_text(REVENUE + "synonyms: [sales]\n")
    (folder / ("sales.yml" if second.startswith("name: sales") else "zz.yml")).write_text(second)
    message = catalog_error(root)
    assert expected in message
    assert str(folder / "revenue.yml") in message


@pytest.mark.parametrize(("synonyms", "expected"), [
    ("[sales, Sales]", "revenue.yml:8: synonyms: 'Sales' is listed twice (as 'sales')"),
    ("[' ']", "revenue.yml:8: synonyms: a synonym must have a word in it"),
    ("[sales, revenue]", "revenue.yml:8: synonym 'revenue' is the metric's own name or title"),
    ("sales", "revenue.yml:8: synonyms: Input should be a valid list"),
])
def test_synonym_mistakes_name_file_and_line(root: Path, synonyms: str, expected: str) -> None:
    (root / "metrics" / "revenue.yml").write_text(REVENUE + f"synonyms: {synonyms}\n")
    assert expected in catalog_error(root)
