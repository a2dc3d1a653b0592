"""The CLI starts fast: building the command and printing help imports none of the heavy
libraries. A guard on what is imported, not a timed test (timings on a shared machine lie)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import northstar

SRC = str(Path(northstar.__file__).resolve().parents[1])
"""The code under test, also in the child process (not whatever copy is installed)."""

HEAVY = ("duckdb", "pyarrow", "numpy", "sqlglot", "fastapi", "starlette", "uvicorn", "plotly",
         "jinja2", "httpx", "psycopg", "argon2", "apscheduler", "yaml")
"""Libraries only the commands that need them may import."""
CORE = ("northstar.project", "northstar.config", "northstar.metrics.catalog",
        "northstar.engines.duckdb", "northstar.web.app", "northstar.web.auth",
        "northstar.sources.sync", "northstar.warehouse.attach", "northstar.packs")
"""Northstar modules that pull those libraries in."""

PROBE = """
import json, sys
import typer.main
from northstar.cli import app
typer.main.get_command(app)  # every command registered, its options built
try:
    app(args=sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["compute", "--help"], ["serve", "--help"],
                                  ["sync", "--help"], ["attach", "--help"]])
def test_help_imports_no_heavy_library(args: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                          timeout=60, env={"COLUMNS": "100", "PATH": "/usr/bin:/bin",
                                           "PYTHONPATH": SRC})
    assert proc.returncode == 0, proc.stderr
    assert "Usage:" in proc.stdout
    loaded = set(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert "northstar.cli" in loaded
    assert sorted(m for m in HEAVY if m in loaded) == []
    assert sorted(m for m in CORE if m in loaded) == []


COMPUTE_PROBE = PROBE.replace("app(args=sys.argv[1:])", "app(args=['compute', *sys.argv[1:]])")


def _compute_modules(project: Path) -> tuple[str, set[str]]:
    proc = subprocess.run([sys.executable, "-c", COMPUTE_PROBE, "--project", str(project)],
                          capture_output=True, text=True, timeout=120,
                          env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "PYTHONPATH": SRC})
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, set(json.loads(proc.stderr.strip().splitlines()[-1]))


def test_a_compute_reads_without_sqlglot_or_pyarrow_once_the_files_are_parsed(
        tmp_path: Path) -> None:
    """The first compute parses the metric files' SQL (SQLGlot) and remembers what each query
    reads; the next one, with the files unchanged, imports neither SQLGlot nor PyArrow (nor
    NumPy) and prints the same table. Editing a file's SQL makes it parse that file again."""
    from northstar.project import Project

    Project.init(tmp_path / "p").close()
    project = tmp_path / "p"
    (project / "metrics" / "rows_loaded.yml").write_text(
        "name: rows_loaded\ntitle: Rows loaded\ndescription: Loads in the log.\n"
        "department: ops\nunit: count\ngrain: month\n"
        "sql: select 7 as value from (select 1 as one) as t\n", encoding="utf-8")
    first, loaded_first = _compute_modules(project)
    assert "sqlglot" in loaded_first
    second, loaded_second = _compute_modules(project)
    assert second == first
    assert "rows_loaded" in second and "│     7 │" in second
    assert sorted(m for m in ("sqlglot", "pyarrow", "numpy") if m in loaded_second) == []
    text = (project / "metrics" / "rows_loaded.yml").read_text(encoding="utf-8")
    (project / "metrics" / "rows_loaded.yml").write_text(
        text.replace("as t", "as t where one = 1"), encoding="utf-8")
    _, loaded_third = _compute_modules(project)
    assert "sqlglot" in loaded_third
