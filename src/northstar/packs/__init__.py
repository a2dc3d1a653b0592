"""Business packs: a business type's models, metrics, people and sample-data generator.

A pack is one folder: `pack.toml` (its manifest), `metrics/`, `models/`, `checks/`,
`dashboards/`, `macros/`, `reference/` and `people.yml`, with its sample company as a Python
package. Packs register through the `northstar.packs` entry-point group. Built-in packs use that
door too, the same one an outside pack uses, so the extension path is always exercised. An entry
point names either a `Pack` object or a package whose folder holds `pack.toml`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from northstar.errors import ConfigError, NorthstarError

if TYPE_CHECKING:
    import pyarrow as pa

    from northstar.packs.manifest import PackOwnership, PackSource, ReferenceTable, SampleCompany

__all__ = ["ENTRY_POINTS", "Pack", "SampleTable", "discover", "get_pack", "load_pack",
           "pack_names", "registered"]

ENTRY_POINTS = "northstar.packs"
"""The entry-point group packs register in (pyproject.toml: [project.entry-points])."""


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
    """A business type: files to copy into a project plus a deterministic sample company, as
    its manifest (`pack.toml`) describes them."""

    name: str
    """`northstar init --pack NAME`."""
    title: str
    """The business type in a few words."""
    description: str
    """What the pack is for."""
    root: Path
    """The pack's folder: `pack.toml`, `metrics/`, `models/`, `checks/`, `dashboards/`,
    `macros/`, `reference/` and `people.yml`."""
    north_star: str
    """The metric the company steers by (the demo's owner logs in to it)."""
    version: str
    sources: tuple[PackSource, ...]
    """The systems its data comes from, each with the raw tables it fills."""
    reference: dict[str, ReferenceTable]
    """Its reference tables (`reference/<name>.csv`) by name."""
    sample_company: SampleCompany
    ownership: dict[str, PackOwnership] = field(default_factory=dict)
    """Field ownership by raw table (`[ownership.<table>]` in pack.toml)."""

    @property
    def tables(self) -> list[str]:
        """Every raw table the pack's models expect (the optional ones too)."""
        return [t for s in self.sources for t in (*s.tables, *s.optional_tables)]

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
    def reference_dir(self) -> Path:
        return self.root / "reference"

    @property
    def people_file(self) -> Path:
        return self.root / "people.yml"

    @property
    def qbr_file(self) -> Path:
        """The quarterly business review's layout (`qbr.yml`); a pack may have none."""
        return self.root / "qbr.yml"

    @cached_property
    def generate(self) -> Generator:
        """The sample generator the manifest names, imported when first asked for (listing
        packs does not import numpy): `generate(rows=..., seed=..., end=date)`."""
        where = self.sample_company.generator
        module_name, _, attr = where.partition(":")
        try:
            found = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"sample_company.generator {where!r} cannot be imported: {exc}",
                              path=str(self.root / "pack.toml")) from None
        if not callable(found):
            raise ConfigError(f"sample_company.generator {where!r} is not a function",
                              path=str(self.root / "pack.toml"))
        generate: Generator = found
        return generate

    def sample(self, rows: int, seed: int = 7, end: date | None = None) -> Iterator[SampleTable]:
        return self.generate(rows=rows, seed=seed, end=end)

    def sample_files(self, rows: int, seed: int = 7, end: date | None = None,
                     ) -> dict[str, bytes]:
        """The files that come with the sample company (`sample_company.files`), by their
        path in the demo folder; none when the manifest names no such function."""
        where = self.sample_company.files
        if where is None:
            return {}
        module_name, _, attr = where.partition(":")
        try:
            found = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"sample_company.files {where!r} cannot be imported: {exc}",
                              path=str(self.root / "pack.toml")) from None
        files: dict[str, bytes] = found(rows=rows, seed=seed, end=end)
        return files


def load_pack(root: Path) -> Pack:
    """The pack in folder `root`, from its manifest (a mistake: ConfigError with file and line)."""
    from northstar.packs.manifest import load_manifest

    m = load_manifest(root)
    return Pack(name=m.name, title=m.title, description=m.description, root=root,
                north_star=m.north_star, version=m.version, sources=m.sources,
                reference=m.reference, sample_company=m.sample_company,
                ownership=m.ownership)


def _from_entry_point(ep: EntryPoint) -> Pack:
    try:
        found = ep.load()
    except Exception as exc:  # an outside pack's import error is reported, not a crash
        raise NorthstarError(f"pack {ep.name!r} ({ep.value}) does not load: "
                             f"{type(exc).__name__}: {exc}") from None
    if isinstance(found, ModuleType) and found.__file__ is not None:
        found = load_pack(Path(found.__file__).parent)
    if not isinstance(found, Pack):
        raise NorthstarError(f"entry point {ep.value} is not a northstar Pack nor a package "
                             "holding a pack.toml")
    if found.name != ep.name:
        raise NorthstarError(f"entry point {ep.name!r} ({ep.value}) holds pack {found.name!r}; "
                             "name the entry point as the pack")
    return found


def discover(entries: Iterable[EntryPoint]) -> tuple[dict[str, Pack], dict[str, NorthstarError]]:
    """The packs the entry points name, by name, and the mistake of each that does not load."""
    packs: dict[str, Pack] = {}
    errors: dict[str, NorthstarError] = {}
    for ep in entries:
        try:
            pack = _from_entry_point(ep)
        except NorthstarError as exc:
            errors[ep.name] = exc
            continue
        if pack.name in packs and packs[pack.name].root != pack.root:
            errors[pack.name] = NorthstarError(
                f"pack {pack.name!r} is installed twice: {packs[pack.name].root} and {pack.root}")
            continue
        packs[pack.name] = pack
    for name in errors:
        packs.pop(name, None)
    return packs, errors


def registered() -> tuple[dict[str, Pack], dict[str, NorthstarError]]:
    """Every installed pack (built-in or outside), and the mistakes of those that do not load."""
    return discover(entry_points(group=ENTRY_POINTS))


def pack_names() -> list[str]:
    return sorted(registered()[0])


def get_pack(name: str) -> Pack:
    packs, errors = registered()
    if name in errors:
        raise errors[name]
    if name not in packs:
        known = ", ".join(sorted(packs)) or "none installed"
        raise NorthstarError(f"unknown pack {name!r}; known packs: {known}")
    return packs[name]
