"""The companies the Ask tests and the evaluation set ask about, built once per test session.

Each evaluation file (tests/ask_eval/NAME.yml) says which company it asks about and when:
`pack` and `sample` (a pack's sample company: rows, seed, the day its data ends) or `builder`
("module:function", a company built by a test module), `now` (the clock while asking), and
optionally `oracle` (a module whose `Oracle` works every number out in plain Python from the
raw tables, tests/test_ask_eval.py holds the answers to it). Adding a pack's questions is
adding one file."""

from __future__ import annotations

import importlib
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from northstar.packs import get_pack
from northstar.project import Project

EVAL = Path(__file__).parent / "ask_eval"

_BUILT: dict[str, Path] = {}


def companies() -> list[str]:
    """Every evaluation file's company, by file name."""
    return sorted(f.stem for f in EVAL.glob("*.yml"))


def spec(company: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((EVAL / f"{company}.yml").read_text(encoding="utf-8"))
    assert data["company"] == company
    return data


def evaluation(company: str) -> tuple[datetime, list[dict[str, Any]]]:
    data = spec(company)
    return datetime.fromisoformat(data["now"]), data["questions"]


def sample_tables(company: str) -> dict[str, list[Any]]:
    """The raw tables of a sample company, as its pack's generator makes them."""
    data = spec(company)
    sample = data["sample"]
    out: dict[str, list[Any]] = {}
    for batch in get_pack(data["pack"]).sample(sample["rows"], seed=sample["seed"],
                                               end=date.fromisoformat(str(sample["end"]))):
        out.setdefault(batch.name, []).append(batch.data)
    return out


def build(company: str, root: Path) -> Path:
    """Create the company's project folder under `root` (once per session)."""
    if company in _BUILT:
        return _BUILT[company]
    folder = root / company
    data = spec(company)
    if "builder" in data:
        module, function = data["builder"].split(":")
        getattr(importlib.import_module(module), function)(folder)
    else:
        pack = get_pack(data["pack"])
        sample = data["sample"]
        with Project.init(folder, pack=pack, timezone=pack.sample_company.timezone) as p:
            p.load_sample(pack, sample["rows"], seed=sample["seed"],
                          end=date.fromisoformat(str(sample["end"])))
    _BUILT[company] = folder
    return folder


def msp_by_hand(folder: Path) -> None:
    """The MSP company tests/test_msp_metrics.py works out by hand (January to March 2025)."""
    from test_msp_metrics import PACK, devices, tables

    with Project.init(folder, pack=PACK, timezone="America/Chicago") as p:
        for name, (source, data) in tables().items():
            p.append(name, data, source=source)
        p.append("ninja_devices", devices("first"), source="ninjaone")
        p.append("ninja_devices", devices("second"), source="ninjaone")


def open_company(company: str, root: Path) -> Project:
    """The company's project, its clock at the evaluation file's `now`."""
    project = Project.open(build(company, root))
    project.metrics.now = evaluation(company)[0]
    return project
