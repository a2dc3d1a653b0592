"""The attach spec: a small TOML or YAML file naming the warehouse, the schema each Fivetran
connector lands in, and which canonical objects to read. Example (TOML):

    url = "postgresql://reader@warehouse:5432/analytics"

    [quickbooks]
    schema = "quickbooks"

    [hubspot]
    schema = "hubspot"
    objects = ["deals", "contacts"]

    [accounts]          # optional: your account numbers -> the pack's
    "4001" = "4110"
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from northstar.errors import ConfigError
from northstar.files import load_toml, load_yaml, validate

__all__ = ["AttachSpec", "ConnectorSpec", "load_spec"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class ConnectorSpec(_Strict):
    """Where one Fivetran connector lands its tables."""

    schema_: str = Field(alias="schema")
    """Schema (BigQuery: dataset, or `project.dataset`) holding the connector's tables."""
    source: str | None = None
    """Source name the ledger rows get (default: the connector's name, e.g. `quickbooks`)."""
    objects: list[str] | None = None
    """Canonical objects to read (default: every object the mapping maps from this connector)."""


class AttachSpec(_Strict):
    """What `northstar attach` reads."""

    url: str
    """The warehouse: `duckdb:///file.duckdb`, `postgresql://user@host/db` or
    `bigquery://project`. A relative DuckDB path is relative to the spec file."""
    quickbooks: ConnectorSpec | None = None
    """Fivetran's QuickBooks Online connector."""
    hubspot: ConnectorSpec | None = None
    """Fivetran's HubSpot connector."""
    facebook_ads: ConnectorSpec | None = None
    """Fivetran's Facebook Ads connector (ad spend)."""
    google_ads: ConnectorSpec | None = None
    """Fivetran's Google Ads connector (ad spend)."""
    mongodb: ConnectorSpec | None = None
    """Fivetran's MongoDB connector: the platform's own collections (invoices, invoice line
    items, remittance line items, contracts)."""
    mapping: str | None = None
    """A folder with your own mapping.yml and SELECTs (default: the built-in Fivetran mapping)."""
    tags: str | None = None
    """A tag-rules file replacing the built-in one (relative to the spec file)."""
    accounts: dict[str, str] = {}
    """Account numbers to translate to the pack's chart of accounts (`"4001" = "4110"`); the
    number QuickBooks has is kept in `source_account_number`."""
    base: Path | None = Field(None, exclude=True)
    """Folder of the spec file: relative paths start here."""

    def connectors(self) -> dict[str, ConnectorSpec]:
        found = {"quickbooks": self.quickbooks, "hubspot": self.hubspot,
                 "facebook_ads": self.facebook_ads, "google_ads": self.google_ads,
                 "mongodb": self.mongodb}
        return {k: v for k, v in found.items() if v is not None}

    def path(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() or self.base is None else self.base / p


def load_spec(path: str | Path) -> AttachSpec:
    file = Path(path)
    if file.suffix.lower() == ".toml":
        data, lines = load_toml(file)
    elif file.suffix.lower() in (".yml", ".yaml"):
        data, lines = load_yaml(file)
    else:
        raise ConfigError("an attach spec is a .toml or .yml file", path=str(file))
    spec = validate(AttachSpec, data, file, lines)
    if not spec.connectors():
        raise ConfigError("the spec names no connector: add [quickbooks], [hubspot], "
                          "[facebook_ads], [google_ads] or [mongodb] with its schema",
                          path=str(file))
    return spec.model_copy(update={"base": file.resolve().parent})
