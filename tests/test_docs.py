"""Docs that cannot go stale: the walk-through runs, the references cover every field and
command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from northstar.cli import app
from northstar.metrics.definition import (
    AsanaGoal,
    Bands,
    MetricChecks,
    MetricDef,
    Target,
    ValueLabel,
)
from northstar.web.dashboards import Dashboard, Tile

DOCS = Path(__file__).resolve().parent.parent / "docs"
BLOCK = re.compile(r"```(\w+)([^\n]*)\n(.*?)```", re.S)


def test_getting_started_runs_as_written(tmp_path: Path) -> None:
    text = (DOCS / "getting-started.md").read_text()
    ran = 0
    for kind, info, body in BLOCK.findall(text):
        target = re.search(r"file=(\S+)", info)
        if target:
            path = tmp_path / target.group(1)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            continue
        if kind != "console":
            continue
        command: list[str] | None = None
        expected: list[str] = []
        for line in [*body.splitlines(), "$ end"]:
            if line.startswith("$ "):
                if command is not None:
                    _check(command, expected, tmp_path)
                    ran += 1
                command, expected = line[2:].split(), []
            elif line.strip():
                expected.append(line.strip())
    assert ran >= 8


def _check(command: list[str], expected: list[str], cwd: Path) -> None:
    import shlex

    args = shlex.split(" ".join(command))
    assert args[0] == "northstar"
    proc = subprocess.run([sys.executable, "-m", "northstar", *args[1:]], cwd=cwd, text=True,
                          capture_output=True, timeout=120, env={"COLUMNS": "200"})
    assert proc.returncode == 0, f"{' '.join(args)}\n{proc.stderr}"
    for line in expected:
        assert line in proc.stdout, f"{' '.join(args)}: expected {line!r} in\n{proc.stdout}"


def _documented_fields(doc: str) -> set[str]:
    """Fields with a row of their own in one of the reference tables."""
    return set(re.findall(r"^\| `(\w+)` \|", doc, re.M))


@pytest.mark.parametrize("model", [MetricDef, Target, Bands, MetricChecks, AsanaGoal,
                                   ValueLabel])
def test_every_metric_file_field_is_documented(model: type) -> None:
    doc = (DOCS / "metric-files.md").read_text()
    missing = set(model.model_fields) - _documented_fields(doc)
    assert not missing, f"docs/metric-files.md does not mention {sorted(missing)}"


def test_every_placeholder_and_built_in_name_is_documented() -> None:
    from northstar.metrics.definition import PLACEHOLDERS
    from northstar.metrics.expression import BUILT_INS

    doc = (DOCS / "metric-files.md").read_text()
    missing = [p for p in PLACEHOLDERS if "`{" + p + "}`" not in doc]
    missing += [n for n in BUILT_INS if f"| `{n}` |" not in doc]
    assert not missing, f"docs/metric-files.md does not mention {missing}"


def test_the_metric_file_examples_are_valid() -> None:
    doc = (DOCS / "metric-files.md").read_text()
    first = next(body for kind, _, body in BLOCK.findall(doc) if kind == "yaml")
    metric = MetricDef.model_validate(yaml.safe_load(first))
    assert metric.kind == "measure"


def test_the_dashboard_file_examples_are_valid() -> None:
    doc = (DOCS / "web.md").read_text()
    section = doc[doc.index("## Dashboard files"):]
    section = section[:section.index("\n## ", 1)]
    blocks = [body for kind, _, body in BLOCK.findall(section) if kind == "yaml"]
    board = Dashboard.model_validate(yaml.safe_load(blocks[0]))
    tiles = [Tile.model_validate(t) for t in yaml.safe_load(blocks[1])]
    documented = set(re.findall(r"^\s+-? ?(\w+):", blocks[0] + blocks[1], re.M))
    assert set(Tile.model_fields) <= documented, set(Tile.model_fields) - documented
    assert board.tiles[0].metric == "net_revenue"
    assert [t.visual for t in tiles] == ["table", "table", "cohort", "table"]
    assert tiles[2].pivot is not None and tiles[2].bands_from == "npr"


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    import typer.main

    doc = (DOCS / "cli.md").read_text()
    group = typer.main.get_command(app)
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"## northstar {name}" in doc, f"docs/cli.md lacks `northstar {name}`"
        section = doc.split(f"## northstar {name}", 1)[1].split("\n## ", 1)[0]
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in section, f"docs/cli.md: `northstar {name}` lacks {opt}"


def test_the_readme_screenshots_exist_and_make_screenshots_takes_them() -> None:
    import importlib.util

    root = DOCS.parent
    spec = importlib.util.spec_from_file_location("northstar_screenshots",
                                                  root / "scripts" / "screenshots.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # its dataclasses look their module up
    spec.loader.exec_module(script)
    taken = {f"docs/screenshots/{s.name}.png" for s in script.shots("gmv", "2025-01")}
    readme = (root / "README.md").read_text()
    first_screen = readme[:readme.index("\n## ")]
    shown = re.findall(r'<img src="([^"]+)"', first_screen)
    assert shown == ["docs/screenshots/my-metric.png", "docs/screenshots/scorecard.png"]
    assert "make demo" in first_screen and "make test" in first_screen
    for image in set(shown) | set(re.findall(r"\]\((docs/screenshots/[^)]+\.png)\)", readme)):
        assert (root / image).is_file(), image
        assert image in taken, f"{image} is not taken by scripts/screenshots.py"


def test_every_schedule_setting_is_in_the_collection_docs() -> None:
    from northstar.config import ScheduleSettings, SourceSchedule

    doc = (DOCS / "collection.md").read_text()
    for model in (ScheduleSettings, SourceSchedule):
        for name in model.model_fields:
            if name != "sources":  # the [schedule.sources.NAME] tables themselves
                assert re.search(rf"^{name} = ", doc, re.M), f"docs/collection.md lacks {name}"
    assert "[schedule.sources." in doc
    readme = (DOCS.parent / "README.md").read_text()
    assert "(docs/collection.md)" in readme


def test_the_attainment_examples_are_what_tiles_show() -> None:
    from northstar.formatting import format_attainment
    from northstar.metrics.attainment import attainment

    doc = (DOCS / "metric-files.md").read_text().split("## Attainment", 1)[1]
    rows = re.findall(r"^\| (-?[\d.]+) \| (-?[\d.]+) \| (higher|lower) \| (\S+) \|$", doc, re.M)
    assert len(rows) >= 8
    for value, target, direction, shown in rows:
        got = format_attainment(attainment(float(value), float(target), direction))
        assert (got or "none") == shown, (value, target, direction)
