"""What a connector is: named objects, each fetched page by page and mapped to raw rows.

A connector module declares its objects (the raw tables each writes and their columns) and
implements three methods: `fetch` pages of vendor records changed since a moment, `rows` maps
one record to raw rows, `modified` says when a record last changed (the incremental cursor).
Everything else (retries, batching, dedupe, cursors, the all-or-nothing run) is shared."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pyarrow as pa

from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient
from northstar.sources.secrets import SecretStore

Record = dict[str, Any]
Row = dict[str, Any]
Lookup = Callable[[str, str], dict[str, Any]]
"""`lookup(table_key, column)`: source_id -> column, from the newest version of each record."""

MONEY = pa.decimal128(18, 2)
TS = pa.timestamp("us")


@dataclass(frozen=True)
class TableSpec:
    """A raw table an object writes: its default name and its payload columns."""

    key: str
    """Name used by the connector and the default raw table name (`raw_<key>`)."""
    columns: tuple[tuple[str, pa.DataType], ...]
    """Payload columns; `id` first. Tag columns may be included as connector defaults."""

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(list(self.columns))


@dataclass(frozen=True)
class ObjectSpec:
    """One thing a vendor lists (deals, invoices, ...): one all-or-nothing unit of a run."""

    name: str
    tables: tuple[TableSpec, ...]
    incremental: bool = True
    """False: the vendor has no changed-since filter, every run reads everything (and only
    changed records are appended)."""
    lookback: timedelta = timedelta(0)
    """Re-read this far before the cursor (late-arriving or mutable records)."""


class Connector(ABC):
    """Base class for a vendor's connector. Subclasses are small: see hubspot.py."""

    kind: ClassVar[str]
    default_base_url: ClassVar[str]
    objects: ClassVar[tuple[ObjectSpec, ...]]

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        self.cfg = cfg
        self.client = client
        self.lookup = lookup

    @classmethod
    @abstractmethod
    def open_client(cls, cfg: SourceConfig, store: SecretStore) -> ApiClient:
        """An authenticated client for this source."""

    @classmethod
    def object(cls, name: str) -> ObjectSpec:
        for spec in cls.objects:
            if spec.name == name:
                return spec
        known = ", ".join(o.name for o in cls.objects)
        from northstar.errors import ConfigError

        raise ConfigError(f"{cls.kind} has no object {name!r}; objects: {known}")

    def page_size(self, maximum: int) -> int:
        return min(self.cfg.page_size or maximum, maximum)

    @abstractmethod
    def fetch(self, obj: str, since: datetime | None) -> Iterator[list[Record]]:
        """Pages of records changed at or after `since` (naive UTC; None: everything)."""

    @abstractmethod
    def rows(self, obj: str, record: Record) -> Iterator[tuple[str, Row]]:
        """Raw rows for one record: (table key, row with an `id`)."""

    @abstractmethod
    def modified(self, obj: str, record: Record) -> datetime | None:
        """When the record last changed (naive UTC), or None when the object is not
        incremental."""
