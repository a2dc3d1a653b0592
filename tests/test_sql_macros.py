"""SQL macros, rendered before SQLGlot parses a model or a check: what each platform macro
expands to, the rows it gives on DuckDB and PostgreSQL, a project's own macros, and a mistake
reported as file and line. Expected rows are worked out by hand in the comments."""

from __future__ import annotations

import re
import textwrap
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from northstar.checks import read_checks
from northstar.errors import ConfigError
from northstar.models.templating import PLATFORM_MACROS, SqlTemplates, uses_templating
from northstar.project import Project

DOCS = Path(__file__).resolve().parent.parent / "docs"
HERE = Path("models/example.sql")


def render(text: str, templates: SqlTemplates | None = None) -> str:
    return (templates or SqlTemplates()).render(textwrap.dedent(text), HERE)


def rows(project: Project, sql: str) -> list[tuple[object, ...]]:
    return project.engine.rows(project.engine.transpile(render(sql)))


@pytest.fixture
def project(tmp_path: Path, engine_url: str) -> Project:
    return Project.init(tmp_path / "p", engine_url=engine_url)


# -- what the macros expand to -----------------------------------------------------------------
def test_tags_lists_the_tag_columns() -> None:
    assert render("{{ tags() }}") == (
        "department, team, owner_id, client_id, source_funnel, utm_source, utm_medium, "
        "utm_campaign")
    assert render("{{ tags('d') }}").split(", ")[:2] == ["d.department", "d.team"]
    assert render("{{ tags('l', agg='min') }}").split(", ")[-1] == (
        "min(l.utm_campaign) as utm_campaign")


def test_year_of_is_an_integer_year() -> None:
    assert render("{{ year_of('txn_date') }}") == "cast(extract(year from txn_date) as integer)"


def test_text_without_markup_is_used_as_written() -> None:
    text = "select 1 as one -- {not a macro}\n"
    assert not uses_templating(text)
    assert SqlTemplates().render(text, HERE) is text


def test_every_platform_macro_is_documented() -> None:
    doc = (DOCS / "packs.md").read_text()
    defined = {name for path in PLATFORM_MACROS.glob("*.sql")
               for name in re.findall(r"{% macro (\w+)\(", path.read_text())}
    assert defined == {"cohort_matrix", "latest_version", "period_spine", "tags", "year_of"}
    missing = {name for name in defined if f"`{name}(" not in doc}
    assert not missing, f"docs/packs.md does not describe {sorted(missing)}"


# -- the rows they give, on both engines -------------------------------------------------------
def test_period_spines(project: Project) -> None:
    with project:
        months = rows(project, """
            with s as ({{ period_spine('month', "date '2024-11-15'", "date '2025-02-01'") }})
            select period_start, period_end from s order by 1""")
        # November to February, both ends' months included; each ends where the next starts
        assert months == [(date(2024, 11, 1), date(2024, 12, 1)),
                          (date(2024, 12, 1), date(2025, 1, 1)),
                          (date(2025, 1, 1), date(2025, 2, 1)),
                          (date(2025, 2, 1), date(2025, 3, 1))]
        quarters = rows(project, """
            with s as ({{ period_spine('quarter', "date '2024-08-20'", "date '2025-01-10'") }})
            select period_start, period_end from s order by 1""")
        assert quarters == [(date(2024, 7, 1), date(2024, 10, 1)),
                            (date(2024, 10, 1), date(2025, 1, 1)),
                            (date(2025, 1, 1), date(2025, 4, 1))]
        # 1 January 2025 is a Wednesday: its ISO week starts on Monday 30 December 2024
        weeks = rows(project, """
            with s as ({{ period_spine('week', "date '2025-01-01'", "date '2025-01-13'") }})
            select period_start from s order by 1""")
        assert weeks == [(date(2024, 12, 30),), (date(2025, 1, 6),), (date(2025, 1, 13),)]
        years = rows(project, """
            with s as ({{ period_spine('year', "date '2023-06-30'", "date '2024-01-01'") }})
            select period_start, period_end from s order by 1""")
        assert years == [(date(2023, 1, 1), date(2024, 1, 1)), (date(2024, 1, 1), date(2025, 1, 1))]


def test_latest_version_per_key_and_as_the_ledger_stood(project: Project) -> None:
    with project:
        # load 1: devices A (laptop) and B; load 2: A renamed, B deleted at the source, C new
        project.append("devices", pa.table({
            "id": ["A", "B"], "name": ["laptop", "server"], "is_deleted": [False, False]}),
            source="ninjaone")
        first = project.engine.scalar("SELECT max(loaded_at) FROM raw_devices")
        project.append("devices", pa.table({
            "id": ["A", "B", "C"], "name": ["laptop-2", "server", "printer"],
            "is_deleted": [False, True, False]}), source="ninjaone")
        stamp = f"timestamp '{first.isoformat(sep=' ')}'"
        now = rows(project, "select id, name, is_deleted, ns_rn from "
                            "{{ latest_version('raw_devices', 'id') }} as d order by id")
        assert now == [("A", "laptop-2", False, 1), ("B", "server", True, 1),
                       ("C", "printer", False, 1)]
        live = rows(project, "select id from {{ latest_version('raw_devices', 'id', "
                             "skip_deleted=true) }} as d order by id")
        assert live == [("A",), ("C",)]
        then = rows(project, "select id, name from {{ latest_version('raw_devices', 'id', as_of="
                             f'"{stamp}"' ") }} as d order by id")
        assert then == [("A", "laptop"), ("B", "server")]


def test_cohort_matrix(project: Project) -> None:
    with project:
        project.append("sales", pa.table({
            "id": ["1", "2", "3", "4", "5", "6"],
            "who": ["a", "a", "b", "b", "c", "c"],
            "year": [2023, 2024, 2023, 2024, 2023, 2024],
            "amount": [100, 150, 50, 0, 0, 40]}), source="file")
        found = rows(project, """
            {% call cohort_matrix('who', 'amount', 'DOLLARS', 'RETAINED') %}
              select who, year, sum(amount) as amount from raw_sales group by 1, 2
            {% endcall %}
            """)
        got = {(chart, cohort, year): round(float(value), 6) for chart, _, cohort, year, value
               in found}
        # cohorts: a and b first bought in 2023 (150 then 150), c in 2024 (its 2023 was 0);
        # 2023 retained 150 / 150 = 1.0 in 2024; the total adds every cohort up
        assert got == {
            ("DOLLARS", "2023", 2023): 150.0, ("DOLLARS", "2023", 2024): 150.0,
            ("DOLLARS", "2024", 2023): 0.0, ("DOLLARS", "2024", 2024): 40.0,
            ("TOTAL", "TOTAL", 2023): 150.0, ("TOTAL", "TOTAL", 2024): 190.0,
            ("RETAINED", "2023", 2023): 1.0, ("RETAINED", "2023", 2024): 1.0,
            ("RETAINED", "2024", 2023): 0.0, ("RETAINED", "2024", 2024): 1.0,
        }


# -- a project's own macros, in models and checks ----------------------------------------------
def test_a_projects_macros_serve_its_models_and_checks(tmp_path: Path) -> None:
    with Project.init(tmp_path / "p") as project:
        root = project.root
        (root / "macros" / "money.sql").write_text(
            "{% macro cents(column) %}cast({{ column }} * 100 as bigint){% endmacro %}\n")
        (root / "models" / "priced.sql").write_text(
            "-- prices in cents\nselect id, {{ cents('price') }} as cents, "
            "{{ year_of('sold_on') }} as year from items\n")
        (root / "checks" / "no_free_items.sql").write_text(
            "-- description: Nothing is sold for nothing.\n"
            "select id from items where {{ cents('price') }} = 0\n")
        project.append("items", pa.table({"id": ["x", "y"], "price": [1.25, 0.0],
                                          "sold_on": [date(2024, 5, 1), date(2025, 1, 2)]}),
                       source="file")
    with Project.open(root) as project:
        project.metrics.state()
        assert project.engine.rows("SELECT id, cents, year FROM priced ORDER BY id") == [
            ("x", 125, 2024), ("y", 0, 2025)]
        check = read_checks(root / "checks")[0]
        assert check.sql == "select id from items where cast(price * 100 as bigint) = 0"
        # a changed macro rebuilds the views that use it
        (root / "macros" / "money.sql").write_text(
            "{% macro cents(column) %}cast({{ column }} * 1000 as bigint){% endmacro %}\n")
    with Project.open(root) as project:
        project.metrics.state()
        assert project.engine.scalar("SELECT cents FROM priced WHERE id = 'x'") == 1250


def test_mistakes_name_the_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "macros"
    folder.mkdir()
    templates = SqlTemplates(folder)
    with pytest.raises(ConfigError, match=r"models/example.sql:3: macro: 'cohort' is undefined"):
        render("select 1\nfrom x\nwhere {{ cohort('a') }}", templates)
    with pytest.raises(ConfigError, match=r"example.sql:2: macro: period_spine: grain must be "
                                          r"one of day, week, month, quarter, year, not decade"):
        render("select *\nfrom ({{ period_spine('decade', 'a', 'b') }}) as s", templates)
    with pytest.raises(ConfigError, match=r"example.sql:1: macro syntax"):
        render("select {% if %}", templates)
    (folder / "mine.sql").write_text("{% macro year_of(c) %}year({{ c }}){% endmacro %}\n")
    with pytest.raises(ConfigError, match=r"mine.sql: macro 'year_of' is one of the platform's"):
        render("select {{ year_of('d') }}", SqlTemplates(folder))
