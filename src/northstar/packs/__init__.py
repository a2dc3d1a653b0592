"""Business packs: a business type's models, metrics, people and sample-data generator.

Built-in packs register through the `northstar.packs` entry-point group, the same door an outside
pack uses, so the extension path is always exercised."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from northstar.errors import NorthstarError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Pack", "SampleTable", "get_pack", "pack_names"]


@dataclass(frozen=True)
class SampleTable:
    """One batch of sample records for one raw ledger table (one load)."""

    name: str
    """Raw object name, e.g. `invoice_lines` (stored as table `raw_invoice_lines`)."""
    source: str
    """Source system the records pretend to come from, e.g. `quickbooks`."""
    id_column: str
    """Payload column holding the record's stable id in its source."""
    data: pa.Table
    """Payload and tag columns (department, team, owner_id, client_id, source_funnel, utm_*)."""


Generator = Callable[..., Iterator[SampleTable]]


@dataclass(frozen=True)
class Pack:
    """A business type: files to copy into a project plus a deterministic sample company."""

    name: str
    description: str
    root: Path
    """Folder holding `metrics/`, `models/`, `dashboards/`, `checks/` and `people.yml`."""
    generate: Generator
    """`generate(rows=..., seed=..., end=date)` yields sample batches."""

    @property
    def metrics_dir(self) -> Path:
        return self.root / "metrics"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def dashboards_dir(self) -> Path:
        return self.root / "dashboards"

    @property
    def checks_dir(self) -> Path:
        return self.root / "checks"

    @property
    def macros_dir(self) -> Path:
        return self.root / "macros"

    @property
    def people_file(self) -> Path:
        return self.root / "people.yml"

    def sample(self, rows: int, seed: int = 7, end: date | None = None) -> Iterator[SampleTable]:
        return self.generate(rows=rows, seed=seed, end=end)


def _registered() -> dict[str, Pack]:
    packs: dict[str, Pack] = {}
    for ep in entry_points(group="northstar.packs"):
        pack = ep.load()
        if not isinstance(pack, Pack):
            raise NorthstarError(f"entry point {ep.value} is not a northstar Pack")
        packs[pack.name] = pack
    return packs


def pack_names() -> list[str]:
    return sorted(_registered())


def get_pack(name: str) -> Pack:
    packs = _registered()
    if name not in packs:
        known = ", ".join(sorted(packs)) or "none installed"
        raise NorthstarError(f"unknown pack {name!r}; known packs: {known}")
    return packs[name]
