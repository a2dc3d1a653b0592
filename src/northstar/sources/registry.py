"""Which connector reads which `kind` of source.

Connectors register through the `northstar.sources` entry-point group, the door an outside
connector uses too; the built-in ones are also listed here so a source checkout works before
the package metadata is refreshed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from northstar.errors import ConfigError

if TYPE_CHECKING:
    from northstar.sources.base import Connector

BUILT_IN = {
    "billcom": "northstar.sources.billcom:BillCom",
    "connectwise": "northstar.sources.connectwise:ConnectWise",
    "ga4": "northstar.sources.ga4:GA4",
    "gohighlevel": "northstar.sources.gohighlevel:GoHighLevel",
    "google_ads": "northstar.sources.google_ads:GoogleAds",
    "hubspot": "northstar.sources.hubspot:HubSpot",
    "meta_ads": "northstar.sources.meta_ads:MetaAds",
    "ninjaone": "northstar.sources.ninjaone:NinjaOne",
    "quickbooks": "northstar.sources.quickbooks:QuickBooks",
    "servicetitan": "northstar.sources.servicetitan:ServiceTitan",
    "stripe": "northstar.sources.stripe:Stripe",
}


def _targets() -> dict[str, str]:
    found = dict(BUILT_IN)
    for ep in entry_points(group="northstar.sources"):
        found[ep.name] = ep.value
    return found


def kinds() -> list[str]:
    return sorted(_targets())


def connector_class(kind: str) -> type[Connector]:
    target = _targets().get(kind)
    if target is None:
        raise ConfigError(f"no connector for kind {kind!r}; kinds: {', '.join(kinds())}")
    module, _, name = target.partition(":")
    cls: type[Connector] = getattr(import_module(module), name)
    return cls


SETTINGS = {
    "billcom": ("organization_id", "username_env", "password_env", "dev_key_env"),
    "connectwise": ("site", "company", "public_key_env", "token_env", "client_id_env"),
    "ga4": ("property_id", "client_id_env", "client_secret_env", "refresh_token_env"),
    "gohighlevel": ("location_id", "token_env"),
    "google_ads": ("customer_id", "developer_token_env", "client_id_env",
                   "client_secret_env", "refresh_token_env"),
    "hubspot": ("token_env",),
    "meta_ads": ("ad_account_id", "token_env"),
    "ninjaone": ("client_id_env", "client_secret_env"),
    "quickbooks": ("realm_id", "client_id_env", "client_secret_env", "refresh_token_env"),
    "servicetitan": ("tenant", "client_id_env", "client_secret_env", "app_key_env"),
    "stripe": ("token_env",),
}
"""The sources.toml settings each built-in connector needs besides its `kind`
(docs/sources.md has each one's page)."""


@dataclass(frozen=True)
class SourceNeed:
    """Which source brings in a raw table that has never loaded, and how to bring it in."""

    table: str
    """The raw object (`billcom_bills`, ledger table `raw_billcom_bills`)."""
    source: str | None
    """The pack source that lists it (`[[sources]]` in pack.toml), if any."""
    description: str | None
    """What that source is, in the pack's words."""
    kind: str | None
    """The connector that writes it, if one does."""
    declared: str | None
    """The source in sources.toml that writes it, if one is declared."""

    @property
    def advice(self) -> str:
        """What brings the table in, in one sentence."""
        if self.declared:
            return (f"source {self.declared!r} in sources.toml brings it in but has not loaded "
                    f"it yet: run `northstar sync {self.declared}`")
        if self.kind:
            name = self.source or self.kind
            settings = ", ".join(SETTINGS.get(self.kind, ()))
            return (f"add [{name}] to sources.toml with kind = \"{self.kind}\""
                    + (f" and {settings}" if settings else "")
                    + f" (docs/sources.md), then run `northstar sync {name}`")
        return (f"load a file of it: `northstar load {self.table} FILE --source "
                f"{self.source or 'file'}`, or `northstar load-mapped FILE --mapping MAP.yml`")


def writes(kind: str) -> set[str]:
    """The raw objects a connector writes (before a source renames them)."""
    cls = connector_class(kind)
    return {t.key for o in cls.objects for t in o.tables}


@cache
def _written() -> dict[str, set[str]]:
    return {kind: writes(kind) for kind in kinds()}


@cache
def _listed(models: frozenset[str]) -> dict[str, tuple[int, str, str]]:
    """Raw object -> (how many of the project's models its pack holds, pack source, what it
    is): the pack the project was made from wins where several list the object."""
    from northstar.packs import registered

    listed: dict[str, tuple[int, str, str]] = {}
    for pack in registered()[0].values():
        held = len(models & {f.name for f in pack.models_dir.glob("*.sql")})
        for src in pack.sources:
            for table in src.tables:
                if table not in listed or held > listed[table][0]:
                    listed[table] = (held, src.name, src.description)
    return listed


def needs(root: Path, tables: Iterable[str]) -> list[SourceNeed]:
    """For each raw table (`raw_x` or `x`) a project waits for: the pack source that lists it
    (the pack whose models the project holds the most of, when several list it), the
    connector that writes it and the source in the project's sources.toml that would."""
    from northstar.sources.config import load_sources

    names = [t.removeprefix("raw_") for t in tables]
    if not names:
        return []
    models = frozenset(f.name for f in (root / "models").glob("*.sql"))
    listed = _listed(models)
    written = _written()
    try:
        declared = load_sources(root)
    except ConfigError:
        declared = {}
    out = []
    for name in names:
        by = next((cfg.name for cfg in declared.values() if cfg.kind in written
                   and name in {cfg.tables.get(k, k) for k in written[cfg.kind]}), None)
        source = listed.get(name)
        kind = next((k for k in sorted(written) if name in written[k]), None)
        if source is not None and source[1] in written and name in written[source[1]]:
            kind = source[1]  # the source is named for its connector (`billcom`)
        out.append(SourceNeed(name, source[1] if source else None,
                              " ".join(source[2].split()) if source else None, kind, by))
    return out


def explain(found: list[SourceNeed]) -> list[str]:
    """One sentence per source: which tables it brings in and how (tables no pack lists and
    no connector writes are left to the "waiting" line itself)."""
    groups: dict[tuple[str | None, str | None, str], list[str]] = {}
    for need in found:
        if need.source or need.kind or need.declared:
            groups.setdefault((need.source, need.description, need.advice), []).append(
                need.table)
    out = []
    for (source, description, advice), tables in groups.items():
        names = " and ".join([", ".join(tables[:-1]), tables[-1]] if len(tables) > 1
                             else tables)
        where = f"the {source} source" if source else "a connector"
        what = f" ({description.rstrip('.')})" if description else ""
        verb = "come" if len(tables) > 1 else "comes"
        out.append(f"{names} {verb} from {where}{what}: {advice}.")
    return out
