"""Which connector reads which `kind` of source.

Connectors register through the `northstar.sources` entry-point group, the door an outside
connector uses too; the built-in ones are also listed here so a source checkout works before
the package metadata is refreshed."""

from __future__ import annotations

from importlib import import_module
from importlib.metadata import entry_points
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
