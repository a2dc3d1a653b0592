"""A pack's manifest, `pack.toml`: what the pack is for, the sources and raw tables its models
expect, its reference tables and its sample company. docs/packs.md is the reference."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from northstar.config import check_timezone
from northstar.errors import ConfigError
from northstar.files import load_toml, validate

__all__ = ["MANIFEST", "PackManifest", "PackOwnership", "PackSource", "ReferenceTable",
           "SampleCompany", "load_manifest", "ownership_toml"]

MANIFEST = "pack.toml"
_NAME = r"^[a-z][a-z0-9_]*$"
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PackSource(_Strict):
    """A system the pack's data comes from, and the raw tables it fills."""

    name: str = Field(pattern=_NAME)
    """The source name its rows carry in the ledger (`source_name`), e.g. `quickbooks`."""
    description: str
    """What the system is and how its data arrives (a connector, `attach`, files, by hand)."""
    tables: tuple[str, ...] = Field(min_length=1)
    """Raw objects it fills (ledger tables `raw_<name>`, read by the models as `<name>`)."""
    optional_tables: tuple[str, ...] = ()
    """Raw objects the models read when they are loaded and do without otherwise (a model file
    of alternatives or parts, docs/metric-files.md); the sample company need not write them."""

    @field_validator("tables", "optional_tables")
    @classmethod
    def _table_names(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for table in v:
            if not re.match(_NAME, table):
                raise ValueError(f"{table!r} is not a table name (lower case letters, digits "
                                 "and _, starting with a letter)")
        return v


class ReferenceTable(_Strict):
    """A mapping or list shipped as `reference/<name>.csv`, loaded as ledger table
    `raw_ref_<name>` (view `ref_<name>`); its first column is each row's id."""

    description: str
    """What the list or mapping says, and which models join it."""


class PackOwnership(_Strict):
    """Which source owns a raw table's facts when other sources report them too: written into
    the project's `northstar.toml` as `[ownership.<table>]` (docs/concepts.md#field-ownership)."""

    owner: str = Field(pattern=_NAME)
    """The source whose value wins: one of the pack's sources, the one that lists the table."""
    key: str = "source_id"
    """The column that names the same fact in every source."""
    fields: tuple[str, ...] = Field(min_length=1)
    """The columns compared: every difference is a data-quality finding."""
    others: tuple[str, ...] = Field(min_length=1)
    """The other sources that report the same facts into the table, by `source_name` (they
    lose): another of the pack's sources, or a file loaded with `--source NAME`."""

    @field_validator("others")
    @classmethod
    def _source_names(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        for name in v:
            if not re.match(_NAME, name):
                raise ValueError(f"{name!r} is not a source name")
        return v


class SampleCompany(_Strict):
    """The pack's deterministic sample company, loaded by `northstar demo --pack`."""

    name: str
    """The company's name in the demo project."""
    description: str
    """What the sample company is like, in a sentence or two."""
    generator: str
    """`module:function` of the generator: `function(rows=, seed=, end=)` yields batches."""
    files: str | None = None
    """`module:function` of the files that come with the sample company (vendor report
    exports, say): `function(rows=, seed=, end=)` returns {path in the demo folder: bytes}."""
    timezone: str = "UTC"
    """IANA timezone of the demo project."""
    rows: int = Field(20_000, gt=0)
    """Ledger rows `northstar demo` generates by default."""
    min_rows: int = Field(1_000, gt=0)
    """The fewest rows the generator can make a coherent company from."""

    @field_validator("generator", "files")
    @classmethod
    def _import_path(cls, v: str | None) -> str | None:
        if v is not None and not _IMPORT_PATH.match(v):
            raise ValueError(f"{v!r} is not module:function (e.g. my_pack.sample:generate)")
        return v

    _timezone = field_validator("timezone")(check_timezone)

    @model_validator(mode="after")
    def _rows_allowed(self) -> SampleCompany:
        if self.rows < self.min_rows:
            raise ValueError(f"rows ({self.rows}) is below min_rows ({self.min_rows})")
        return self


class PackManifest(_Strict):
    """`pack.toml`, validated."""

    name: str = Field(pattern=_NAME)
    """The pack's name: `northstar init --pack NAME`; equal to its entry point's name."""
    title: str
    """The business type in a few words, e.g. "Two-sided marketplace"."""
    description: str
    """What the pack is for: the business, its north star and what it measures."""
    north_star: str = Field(pattern=_NAME)
    """The metric the demo's owner logs in to, the number the company steers by."""
    version: str = "0.1.0"
    """The pack's own version (its files change with it)."""
    sources: tuple[PackSource, ...] = Field(min_length=1)
    """The systems its data comes from, each with the raw tables it fills."""
    reference: dict[str, ReferenceTable] = {}
    """Reference tables by name: one `reference/<name>.csv` each."""
    ownership: dict[str, PackOwnership] = {}
    """Field ownership by raw table: the source that wins, and who else reports the facts."""
    sample_company: SampleCompany
    """Its sample company."""

    @model_validator(mode="after")
    def _tables_once(self) -> PackManifest:
        seen: dict[str, str] = {}
        for source in self.sources:
            for table in (*source.tables, *source.optional_tables):
                if table in seen:
                    raise ValueError(f"table {table!r} is listed by sources {seen[table]!r} and "
                                     f"{source.name!r}; one source fills a table")
                seen[table] = source.name
        for table, rule in self.ownership.items():
            if seen.get(table) != rule.owner:
                raise ValueError(f"ownership.{table}: the owner {rule.owner!r} must be the "
                                 f"source that lists table {table!r}")
            if rule.owner in rule.others:
                raise ValueError(f"ownership.{table}: the owner {rule.owner!r} cannot be one "
                                 "of the others")
        for name in self.reference:
            if not re.match(_NAME, name):
                raise ValueError(f"reference table {name!r} is not a name (lower case letters, "
                                 "digits and _, starting with a letter)")
        return self

    @property
    def tables(self) -> list[str]:
        """Every raw table the pack expects, in the manifest's order (the optional ones after
        each source's own)."""
        return [t for s in self.sources for t in (*s.tables, *s.optional_tables)]


def ownership_toml(ownership: dict[str, PackOwnership]) -> str:
    """The `[ownership.<table>]` sections `northstar init --pack` adds to northstar.toml."""
    out = []
    for table, rule in sorted(ownership.items()):
        fields = ", ".join(f'"{f}"' for f in rule.fields)
        others = ", ".join(rule.others)
        out.append(f"\n# {rule.owner} owns {table}; {others} report the same facts and "
                   f"lose:\n[ownership.{table}]\nowner = \"{rule.owner}\"\n"
                   f"key = \"{rule.key}\"\nfields = [{fields}]\n")
    return "".join(out)


def load_manifest(root: Path) -> PackManifest:
    """Read and check `root/pack.toml`, and that its reference tables are the folder's files."""
    path = root / MANIFEST
    if not path.is_file():
        raise ConfigError(f"a pack folder holds a {MANIFEST}; {root} has none", path=str(root))
    data, lines = load_toml(path)
    manifest = validate(PackManifest, data, path, lines)
    if not (root / "people.yml").is_file():
        raise ConfigError("a pack holds a people.yml saying who owns which metric; this one "
                          "has none", path=str(root))
    files = {p.stem for p in (root / "reference").glob("*.csv")}
    missing = sorted(set(manifest.reference) - files)
    if missing:
        raise ConfigError(f"reference table {missing[0]!r} has no file reference/{missing[0]}.csv",
                          path=str(path), line=lines.get(("reference", missing[0])))
    undeclared = sorted(files - set(manifest.reference))
    if undeclared:
        raise ConfigError(f"reference/{undeclared[0]}.csv is not described: add a "
                          f"[reference.{undeclared[0]}] table with its description",
                          path=str(path))
    return manifest
