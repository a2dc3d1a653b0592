"""Land a folder of Fivetran-schema CSV files in a warehouse the way the connector would: one
table per `<table>_data.csv`, typed columns. For trying `attach` out, tests and benchmarks."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from northstar.engines.base import quote
from northstar.errors import NorthstarError

__all__ = ["csv_tables", "land_csvs"]

_PG = {"BIGINT": "bigint", "INTEGER": "bigint", "DOUBLE": "double precision",
       "BOOLEAN": "boolean", "DATE": "date", "TIMESTAMP": "timestamp", "VARCHAR": "text",
       "TIME": "time"}


def csv_tables(folder: Path) -> dict[str, Path]:
    """Table name -> file for every plain `<table>_data.csv` (warehouse variants skipped)."""
    found = {}
    for path in sorted(folder.glob("*_data.csv")):
        found[re.sub(r"_data\.csv$", "", path.name)] = path
    return found


def land_csvs(url: str, schema: str, folder: Path) -> list[str]:
    """Create `schema` in the DuckDB file or PostgreSQL database `url` and load every plain
    CSV of `folder` into it, types inferred from the values. Returns the table names."""
    import duckdb

    reader = duckdb.connect()
    tables = csv_tables(folder)
    if url.startswith("duckdb://"):
        path = url[len("duckdb:///"):] if url.startswith("duckdb:///") else url[len("duckdb://"):]
        con = duckdb.connect(path)
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
            for name, file in tables.items():
                con.execute(f"CREATE OR REPLACE TABLE {quote(schema)}.{quote(name)} AS "
                            "SELECT * FROM read_csv(?, header = true)", [str(file)])
        finally:
            con.close()
        return list(tables)
    if not url.startswith(("postgresql://", "postgres://")):
        raise NorthstarError(f"cannot land CSV files in {url}")
    import psycopg

    with psycopg.connect(url, autocommit=True) as pg:
        pg.execute(f"CREATE SCHEMA IF NOT EXISTS {quote(schema)}")
        for name, file in tables.items():
            rel = reader.sql("SELECT * FROM read_csv(?, header = true)", params=[str(file)])
            defs = ", ".join(f"{quote(c)} {_PG.get(str(t), 'text')}"
                             for c, t in zip(rel.columns, rel.types, strict=True))
            target = f"{quote(schema)}.{quote(name)}"
            pg.execute(f"DROP TABLE IF EXISTS {target}")
            pg.execute(f"CREATE TABLE {target} ({defs})")
            _copy(pg, target, rel.columns, reader, file)
    reader.close()
    return list(tables)


def _copy(pg: Any, target: str, columns: list[str], reader: Any, file: Path) -> None:
    import pyarrow.csv as pacsv

    buf = io.BytesIO()
    table = reader.sql("SELECT * FROM read_csv(?, header = true)",
                       params=[str(file)]).to_arrow_table()
    pacsv.write_csv(table, buf, pacsv.WriteOptions(include_header=False,
                                                   quoting_style="all_valid"))
    cols = ", ".join(quote(c) for c in columns)
    with pg.cursor() as cur, cur.copy(f"COPY {target} ({cols}) FROM STDIN WITH (FORMAT csv)") \
            as copy:
        copy.write(buf.getvalue())
