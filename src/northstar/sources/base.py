"""What a connector is: named objects, each fetched page by page and mapped to raw rows.

A connector module declares its objects (the raw tables each writes and their columns) and
implements three methods: `fetch` pages of vendor records changed since a moment, `rows` maps
one record to raw rows, `modified` says when a record last changed (the incremental cursor).
Everything else (retries, batching, dedupe, cursors, the all-or-nothing run) is shared.

A run maps a whole page at a time (`map_page`, `page_modified`): by default record by record
through `rows` and `modified`. A connector for a high-volume object may map a well-formed page
column by column instead (see stripe.py), as long as the answer is the same table `rows` gives;
a page its fast path does not recognise goes through `rows`, so the errors stay the same.

A full-pull object (`incremental=False`) lists every record on every run, so a record missing
from the list is news: after the last page, `unseen` gets the ids the run mapped and may return
rows for records the ledger holds but the run did not see (read through `lookup`), such as a
removal record (see ninjaone.py). They are staged with the run: all or nothing.

A continuation object (`continuation=True`) is read from a vendor's opaque token rather than
from a time (ServiceTitan's export `continueFrom`). Before `fetch`, the run puts the token its
last kept run ended on in `resume_from[obj]` (absent on the first run and on a backfill:
`fetch` then starts from `since`); `fetch` puts the token its last page handed back in
`resumed_to[obj]`. The token is kept with the run's rows, all or nothing, so a run that fails
or is killed leaves the next one to resume where the last kept run ended."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pyarrow as pa

from northstar.ledger.schema import TAGS
from northstar.sources.config import SourceConfig
from northstar.sources.http import ApiClient
from northstar.sources.secrets import SecretStore
from northstar.sources.values import RecordError

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
    changed records are appended); `Connector.unseen` hears which ids the run listed."""
    lookback: timedelta = timedelta(0)
    """Re-read this far before the cursor (late-arriving or mutable records)."""
    continuation: bool = False
    """The vendor pages with a continuation token that also resumes the next run: the token
    of the run's last page is kept with the run (`Connector.resume_from`, `resumed_to`)."""


class Connector(ABC):
    """Base class for a vendor's connector. Subclasses are small: see hubspot.py."""

    kind: ClassVar[str]
    default_base_url: ClassVar[str]
    objects: ClassVar[tuple[ObjectSpec, ...]]

    def __init__(self, cfg: SourceConfig, client: ApiClient, lookup: Lookup) -> None:
        self.cfg = cfg
        self.client = client
        self.lookup = lookup
        self.resume_from: dict[str, str] = {}
        """Continuation objects: the token the last kept run ended on (set by the run)."""
        self.resumed_to: dict[str, str] = {}
        """Continuation objects: the token this run's last page handed back (set by `fetch`)."""

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

    def map_page(self, obj: str, page: list[Record]) -> dict[str, pa.Table]:
        """One page's raw rows, per table key, typed by the table's spec (the spec's columns
        first, then any tag columns the rows set). By default each record through `rows`."""
        spec = self.object(obj)
        tables = {t.key: t for t in spec.tables}
        found: dict[str, list[Row]] = {}
        for record in page:
            for key, row in self.rows(obj, record):
                found.setdefault(key, []).append(row)
        return {key: rows_table(tables[key], rows) for key, rows in found.items()}

    def unseen(self, obj: str, seen: dict[str, set[str]]) -> dict[str, pa.Table]:
        """Rows for records a full pull did not list, per table key (default: none).

        Called once per run of a full-pull object, after its last page is mapped, with the
        ids mapped per table key; a run that fails before the end never calls it."""
        return {}

    def page_modified(self, obj: str, page: list[Record]) -> datetime | None:
        """The newest `modified` of a page's records (None when none has one)."""
        newest: datetime | None = None
        for record in page:
            when = self.modified(obj, record)
            if when is not None and (newest is None or when > newest):
                newest = when
        return newest


def rows_table(spec: TableSpec, rows: list[Row]) -> pa.Table:
    """Mapped rows as an Arrow table of `spec`'s columns, plus the tag columns they set.

    A value that is not of its column's type is a RecordError naming the table."""
    names = {name for name, _ in spec.columns}
    extra = [t for t in TAGS if t not in names and any(t in row for row in rows)]
    schema = spec.schema
    for tag in extra:
        schema = schema.append(pa.field(tag, pa.string()))
    try:
        return pa.Table.from_pylist(rows, schema=schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
        raise RecordError(f"{spec.key}: a value does not fit its column: {exc}") from None
