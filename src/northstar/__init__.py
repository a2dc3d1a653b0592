"""Northstar: a self-hosted KPI platform. Facts in an append-only ledger, metrics in files."""

from __future__ import annotations

__version__ = "0.1.0"
