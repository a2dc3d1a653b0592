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
