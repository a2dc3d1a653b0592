"""`northstar load` and `load-mapped` refuse a file past its bounds (`[load]`: columns, line
length, size) with the line at fault, before reading the file whole, and write nothing. How
fast a 600,000-column header fails is measured in bench/loads.py, not here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from fakes.cli import run
from northstar.config import LoadSettings
from northstar.errors import LoadError
from northstar.project import Project
from northstar.warehouse import load_mapped

WIDE = 600_000
MAPPING = "table: things\nid: id\nunmapped: keep\n"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "proj")
    yield p
    p.close()


def header_file(folder: Path, columns: int, name: str = "wide.csv") -> Path:
    """A CSV whose header has `columns` columns (id, c1, c2, ...) and one record."""
    path = folder / name
    names = ["id", *(f"c{i}" for i in range(1, columns))]
    path.write_text(",".join(names) + "\n" + ",".join(["1"] * columns) + "\n")
    return path


def nothing_written(p: Project, table: str) -> bool:
    return not p.engine.columns(f"raw_{table}")


def test_a_600000_column_header_is_refused_at_line_1(project: Project, tmp_path: Path) -> None:
    path = header_file(tmp_path, WIDE)
    # 'id,c1,...,c599999' is 4,088,895 characters: past the 1,000,000 a line may hold
    with pytest.raises(LoadError, match=r"^wide.csv: line 1 is longer than 1,000,000 "
                       r"characters \(max_line_length in \[load\] of northstar.toml\)$"):
        project.load_file("things", path, source="file")
    assert nothing_written(project, "things")
    # with room for the line, the header's width is what is refused
    project.settings.load = LoadSettings(max_line_length=5_000_000)
    with pytest.raises(LoadError, match=r"^wide.csv: line 1: 600,000 columns, more than the "
                       r"2,000 a load accepts \(max_columns in \[load\] of northstar.toml\)$"):
        project.load_file("things", path, source="file")
    assert nothing_written(project, "things")


def test_up_to_max_columns_load_and_one_more_is_refused(project: Project,
                                                        tmp_path: Path) -> None:
    result = project.load_file("things", header_file(tmp_path, 2000, "ok.csv"), source="file")
    assert result.rows == 1
    assert len(project.engine.columns("raw_things") or []) > 2000  # and the ledger's own
    with pytest.raises(LoadError, match="line 1: 2,001 columns, more than the 2,000"):
        project.load_file("other", header_file(tmp_path, 2001, "wide.csv"), source="file")
    assert nothing_written(project, "other")


def test_a_long_line_further_down_names_its_line(project: Project, tmp_path: Path) -> None:
    project.settings.load = LoadSettings(max_line_length=1000)
    path = tmp_path / "notes.csv"
    path.write_text("id,note\n1,short\n2," + "x" * 999 + "\n3,fine\n")  # line 3: 1,001
    with pytest.raises(LoadError, match=r"^notes.csv: line 3 is longer than 1,000 characters"):
        project.load_file("notes", path, source="file")
    # exactly 1,000 characters (with a Windows line end) is accepted
    path.write_text("id,note\r\n1,short\r\n2," + "x" * 998 + "\r\n", newline="")
    assert project.load_file("notes", path, source="file").rows == 2


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(project: Project,
                                                                 tmp_path: Path) -> None:
    project.settings.load = LoadSettings(max_file_megabytes=0.001)  # 1,000 bytes
    path = tmp_path / "big.csv"
    path.write_text("id,amount\n" + "".join(f"{i},1\n" for i in range(300)))  # 2,000+ bytes
    with pytest.raises(LoadError, match=r"^big.csv: 0.0 MB, more than the 0.001 MB a load "
                       r"accepts \(max_file_megabytes in \[load\] of northstar.toml\)$"):
        project.load_file("big", path, source="file")
    jsonl = tmp_path / "big.jsonl"
    jsonl.write_text("".join(json.dumps({"id": i}) + "\n" for i in range(200)))
    with pytest.raises(LoadError, match=r"big\.jsonl: 0\.0 MB, more than the 0\.001 MB"):
        project.load_file("big", jsonl, source="file")


def test_json_lines_are_bounded_by_their_keys_across_lines(project: Project,
                                                           tmp_path: Path) -> None:
    project.settings.load = LoadSettings(max_columns=3)
    path = tmp_path / "events.jsonl"
    lines = [{"id": 1, "a": 1}, {"id": 2, "b": 2}, {"id": 3, "c": 3}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(LoadError, match=r"^events.jsonl: line 3: 4 columns, more than the 3"):
        project.load_file("events", path, source="file")
    path.write_text(json.dumps({"id": 1, "a": 1, "b": 2, "c": 3}) + "\n")
    with pytest.raises(LoadError, match=r"^events.jsonl: line 1: 4 columns"):
        project.load_file("events", path, source="file")
    path.write_text(json.dumps({"id": 1, "note": "y" * 2000}) + "\n")
    project.settings.load = LoadSettings(max_line_length=1000)
    with pytest.raises(LoadError, match=r"^events.jsonl: line 1 is longer than 1,000"):
        project.load_file("events", path, source="file")


def test_load_mapped_has_the_same_bounds(project: Project, tmp_path: Path) -> None:
    mapping = tmp_path / "things.yml"
    mapping.write_text(MAPPING)
    path = header_file(tmp_path, WIDE)
    with pytest.raises(LoadError, match=r"^wide.csv: line 1 is longer than 1,000,000"):
        load_mapped(project, path, mapping)
    project.settings.load = LoadSettings(max_line_length=5_000_000)
    with pytest.raises(LoadError, match=r"^wide.csv: line 1: 600,000 columns, more than"):
        load_mapped(project, path, mapping)
    # an Excel `sep=` first line shifts the header to line 2
    sep = tmp_path / "sep.csv"
    sep.write_text("sep=;\n" + ";".join(["id", *(f"c{i}" for i in range(1, 2001))]) + "\n")
    with pytest.raises(LoadError, match=r"^sep.csv: line 2: 2,001 columns"):
        load_mapped(project, sep, mapping)
    project.settings.load = LoadSettings(max_file_megabytes=0.001)
    small = tmp_path / "ok.csv"
    small.write_text("id,amount\n" + "".join(f"{i},1\n" for i in range(300)))
    with pytest.raises(LoadError, match=r"^ok.csv: 0.0 MB, more than the 0.001 MB"):
        load_mapped(project, small, mapping)
    assert nothing_written(project, "things")


def test_the_cli_says_so_in_one_line_and_reads_the_bounds_from_northstar_toml(
        tmp_path: Path) -> None:
    run("init", "p", cwd=tmp_path)
    folder = tmp_path / "p"
    header_file(folder, 2001)
    proc = run("load", "things", "wide.csv", cwd=folder, ok=False)
    assert proc.returncode != 0 and len(proc.stderr.strip().splitlines()) == 1
    assert "wide.csv: line 1: 2,001 columns, more than the 2,000" in proc.stderr
    with (folder / "northstar.toml").open("a") as f:
        f.write("\n[load]\nmax_columns = 2001\n")
    run("load", "things", "wide.csv", cwd=folder)
    (folder / "things.yml").write_text(MAPPING)
    header_file(folder, 2002, "wider.csv")
    proc = run("load-mapped", "wider.csv", "--mapping", "things.yml", cwd=folder, ok=False)
    assert "wider.csv: line 1: 2,002 columns, more than the 2,001" in proc.stderr


def test_bounds_are_validated() -> None:
    with pytest.raises(ValidationError, match="max_line_length"):
        LoadSettings(max_line_length=10)
    with pytest.raises(ValidationError, match="max_columns"):
        LoadSettings(max_columns=0)
    assert LoadSettings().max_file_bytes == 512_000_000
