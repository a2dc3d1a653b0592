"""The web app and REST API: my metric, scorecards, dashboards, admin, behind a login.

The names below are imported on first use: the CLI imports `northstar.web.cli` at start-up
and must not pay for FastAPI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from northstar.lazy import lazy_attributes

if TYPE_CHECKING:
    from northstar.web.app import create_app
    from northstar.web.cli import register
    from northstar.web.settings import WebSettings

__all__ = ["WebSettings", "create_app", "register"]

_lazy = lazy_attributes(__name__, {
    "WebSettings": "northstar.web.settings",
    "create_app": "northstar.web.app",
    "register": "northstar.web.cli",
})


def __getattr__(name: str) -> Any:
    return _lazy(name)
