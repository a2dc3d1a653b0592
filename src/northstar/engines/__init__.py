"""Engine adapters. `connect(url)` picks one by the URL's scheme."""

from __future__ import annotations

from pathlib import Path

from northstar.engines.base import Engine, quote
from northstar.errors import ConfigError

__all__ = ["Engine", "connect", "quote"]


def connect(url: str, base: Path | None = None, *, read_only: bool = False,
            memory_limit: str | None = None, threads: int | None = None) -> Engine:
    """Open the engine a URL names: `duckdb:///file.duckdb` (relative to `base`),
    `duckdb:///:memory:`, `postgresql://user@host:port/db`, `spark://local[2]` (Spark in this
    process, its warehouse in `base`) or `sc://host:15002/;warehouse=...` (Spark Connect).
    `memory_limit` and `threads` bound a DuckDB database (`[engine]` in northstar.toml);
    PostgreSQL and Spark have their own."""
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
    if url.startswith(("spark://", "sc://")):
        from northstar.engines.spark import SparkEngine

        return SparkEngine(url, base, read_only=read_only)
    raise ConfigError(
        f"engine url {url!r} is not supported: use duckdb:///northstar.duckdb, "
        "postgresql://..., spark://local[2] or sc://host:15002"
    )
