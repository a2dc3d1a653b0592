"""Engine adapters. `connect(url)` picks one by the URL's scheme."""

from __future__ import annotations

from pathlib import Path

from northstar.engines.base import Engine, quote
from northstar.errors import ConfigError

__all__ = ["Engine", "connect", "quote"]


def connect(url: str, base: Path | None = None, *, read_only: bool = False,
            memory_limit: str | None = None, threads: int | None = None) -> Engine:
    """Open the engine a URL names: `duckdb:///file.duckdb` (relative to `base`),
    `duckdb:///:memory:` or `postgresql://user@host:port/db`. `memory_limit` and `threads`
    bound a DuckDB database (`[engine]` in northstar.toml); PostgreSQL has its own server."""
    if url.startswith("duckdb://"):
        from northstar.engines.duckdb import DuckDBEngine

        rest = url[len("duckdb://"):]
        rest = rest[1:] if rest.startswith("/") else rest
        if rest in ("", ":memory:"):
            return DuckDBEngine(url, None, memory_limit=memory_limit, threads=threads)
        path = Path(rest)
        if not path.is_absolute() and base is not None:
            path = base / path
        return DuckDBEngine(url, path, read_only=read_only, memory_limit=memory_limit,
                            threads=threads)
    if url.startswith(("postgresql://", "postgres://")):
        from northstar.engines.postgres import PostgresEngine

        return PostgresEngine(url)
    raise ConfigError(
        f"engine url {url!r} is not supported: use duckdb:///northstar.duckdb or postgresql://..."
    )
