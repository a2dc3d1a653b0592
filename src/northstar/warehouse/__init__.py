"""Reading data that already lands somewhere: attach a Fivetran warehouse (DuckDB file,
PostgreSQL schema, BigQuery) or load spreadsheet exports with a declared column mapping."""

from __future__ import annotations

from northstar.warehouse.attach import AttachReport, ObjectReport, attach
from northstar.warehouse.files import FileMapping, load_file_mapping, load_mapped
from northstar.warehouse.spec import AttachSpec, ConnectorSpec, load_spec

__all__ = [
    "AttachReport",
    "AttachSpec",
    "ConnectorSpec",
    "FileMapping",
    "ObjectReport",
    "attach",
    "load_file_mapping",
    "load_mapped",
    "load_spec",
]
