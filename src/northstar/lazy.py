"""Package attributes imported on first use (PEP 562), so that importing a package for one
small part of it (the CLI registering `northstar serve`) does not pull in FastAPI, DuckDB or
PyArrow. `from northstar.web import create_app` works as before; it just imports later."""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

__all__ = ["lazy_attributes"]


class _Package(types.ModuleType):
    """A package some of whose attributes are functions named like the submodule that defines
    them (`northstar.sources.sync`, the function, from `northstar/sources/sync.py`).

    Importing the submodule makes the import system set the package's attribute to the
    submodule, which would hide the function; this keeps the function, as an eager
    `from .sync import sync` in the package did."""

    _ns_keep: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._ns_keep and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


def lazy_attributes(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package` that imports each name in `where` (name -> the
    module defining it) on first use and keeps it."""
    module = sys.modules[package]
    keep = frozenset(name for name, source in where.items() if source == f"{package}.{name}")
    if keep:
        module.__class__ = _Package
        module.__dict__["_ns_keep"] = keep

    def get(name: str) -> Any:
        source = where.get(name)
        if source is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(source), name)
        module.__dict__[name] = value
        return value

    return get
