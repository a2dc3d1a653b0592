"""Collection: connectors that pull records from SaaS APIs into the append-only ledger.

`sync(project, "hubspot")` collects one source declared in the project's `sources.toml`;
`register(app)` adds `northstar sync` and `northstar status` to the command line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from northstar.sources.config import SourceConfig, load_sources
from northstar.sources.sync import Progress, RunRecord, SyncFailed, sync

if TYPE_CHECKING:
    import typer

__all__ = ["Progress", "RunRecord", "SourceConfig", "SyncFailed", "load_sources", "register",
           "sync"]


def register(app: typer.Typer) -> Any:
    """Add `northstar sync [SOURCE]` and `northstar status` to the CLI app."""
    from northstar.sources.cli import register as add

    return add(app)
