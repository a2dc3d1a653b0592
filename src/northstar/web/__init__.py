"""The web app and REST API: my metric, scorecards, dashboards, admin, behind a login."""

from __future__ import annotations

from northstar.web.app import create_app
from northstar.web.cli import register
from northstar.web.settings import WebSettings

__all__ = ["WebSettings", "create_app", "register"]
