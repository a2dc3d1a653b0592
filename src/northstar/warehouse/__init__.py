"""Reading data that already lands somewhere: attach a Fivetran warehouse (DuckDB file,
PostgreSQL schema, BigQuery) or load spreadsheet exports with a declared column mapping.

The names below are imported on first use: the CLI imports `northstar.warehouse.cli` at
start-up and must not pay for PyArrow and SQLGlot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from northstar.lazy import lazy_attributes

if TYPE_CHECKING:
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

_lazy = lazy_attributes(__name__, {
    "AttachReport": "northstar.warehouse.attach", "ObjectReport": "northstar.warehouse.attach",
    "attach": "northstar.warehouse.attach", "FileMapping": "northstar.warehouse.files",
    "load_file_mapping": "northstar.warehouse.files", "load_mapped": "northstar.warehouse.files",
    "AttachSpec": "northstar.warehouse.spec", "ConnectorSpec": "northstar.warehouse.spec",
    "load_spec": "northstar.warehouse.spec",
})


def __getattr__(name: str) -> Any:
    return _lazy(name)
