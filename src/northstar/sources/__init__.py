"""Collection: connectors that pull records from SaaS APIs into the append-only ledger.

`sync(project, "hubspot")` collects one source declared in the project's `sources.toml`;
`register(app)` adds `northstar sync` and `northstar status` to the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from northstar.lazy import lazy_attributes

if TYPE_CHECKING:
    import typer

    from northstar.sources.config import SourceConfig, load_sources
    from northstar.sources.sync import Progress, RunRecord, SyncFailed, sync

__all__ = ["Progress", "RunRecord", "SourceConfig", "SyncFailed", "load_sources", "register",
           "sync"]

# imported on first use: the CLI imports this package at start-up for `register`
_lazy = lazy_attributes(__name__, {
    "Progress": "northstar.sources.sync", "RunRecord": "northstar.sources.sync",
    "SourceConfig": "northstar.sources.config", "SyncFailed": "northstar.sources.sync",
    "load_sources": "northstar.sources.config", "sync": "northstar.sources.sync",
})


def __getattr__(name: str) -> Any:
    return _lazy(name)


def register(app: typer.Typer) -> Any:
    """Add `northstar sync [SOURCE]` and `northstar status` to the CLI app."""
    from northstar.sources.cli import register as add

    return add(app)
