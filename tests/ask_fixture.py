"""The companies the Ask tests and the evaluation set ask about, built once per test session:
the marketplace pack's sample company (data to 2025-11-20) and the MSP pack on the company
tests/test_msp_metrics.py works out by hand (January to March 2025), each with its clock
fixed at the evaluation file's `now`."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from northstar.packs import get_pack
from northstar.project import Project

EVAL = Path(__file__).parent / "ask_eval"
MARKETPLACE_END = date(2025, 11, 20)
ROWS = 20_000

_BUILT: dict[str, Path] = {}


def evaluation(company: str) -> tuple[datetime, list[dict[str, Any]]]:
    data = yaml.safe_load((EVAL / f"{company}.yml").read_text(encoding="utf-8"))
    assert data["company"] == company
    return datetime.fromisoformat(data["now"]), data["questions"]


def build(company: str, root: Path) -> Path:
    """Create the company's project folder under `root` (once per session)."""
    if company in _BUILT:
        return _BUILT[company]
    folder = root / company
    if company == "marketplace":
        pack = get_pack("marketplace")
        with Project.init(folder, pack=pack, timezone=pack.sample_company.timezone) as p:
            p.load_sample(pack, ROWS, seed=7, end=MARKETPLACE_END)
    else:
        from test_msp_metrics import PACK, devices, tables

        with Project.init(folder, pack=PACK, timezone="America/Chicago") as p:
            for name, (source, data) in tables().items():
                p.append(name, data, source=source)
            p.append("ninja_devices", devices("first"), source="ninjaone")
            p.append("ninja_devices", devices("second"), source="ninjaone")
    _BUILT[company] = folder
    return folder


def open_company(company: str, root: Path) -> Project:
    """The company's project, its clock at the evaluation file's `now`."""
    project = Project.open(build(company, root))
    project.metrics.now = evaluation(company)[0]
    return project
