"""The sample agency (Summit Scale Co., Denver) the agency pack's tests compare with their
oracles: one size, one seed, one end day, built once per test session on each engine (the
`summit` fixture in conftest.py), and read only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pyarrow as pa
from fastapi.testclient import TestClient

from northstar.packs.agency import PACK
from northstar.project import Project
from northstar.secret import load_or_create_secret
from northstar.web.app import create_app
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables

SAMPLE_END = date(2026, 6, 15)
SAMPLE_ROWS = 12_000
SAMPLE_SEED = 7
TIMEZONE = "America/Denver"
NOW = datetime(2026, 6, 15, 23, tzinfo=UTC)
"""17:00 in Denver on the sample's last day."""


def build_summit(root: Path, engine_url: str) -> Project:
    project = Project.init(root, pack=PACK, engine_url=engine_url, timezone=TIMEZONE)
    project.load_sample(PACK, SAMPLE_ROWS, seed=SAMPLE_SEED, end=SAMPLE_END)
    project.metrics.now = NOW
    return project


def dashboards_as(project: Project, person: str, names: tuple[str, ...]
                  ) -> dict[str, httpx.Response]:
    """The dashboards `names` as the signed-in viewer `person` (an id in people.yml) sees
    them."""
    ensure_tables(project.engine)
    auth = Auth(project.engine, load_or_create_secret(project.root), WebSettings())
    login = person.split("_")[0]
    if auth.get_user(login) is None:
        auth.add_user(login, person, "viewer", f"a long passphrase for {login}")
    _, raw = auth.create_token(login, f"test {uuid.uuid4().hex[:8]}")
    with TestClient(create_app(project, WebSettings(), schedule=False)) as client:
        client.headers["Authorization"] = f"Bearer {raw}"
        return {name: client.get(f"/dashboards/{name}") for name in names}


TINY_NOW = datetime(2025, 6, 15, 18, tzinfo=UTC)
"""Noon on 15 June 2025 in Denver: the clock of the hand-made agencies."""


def tiny_agency(root: Path, engine_url: str,
                tables: Iterable[tuple[str, str, pa.Table]]) -> Project:
    """A hand-made agency: the pack's files, these (table, source, rows), its clock at
    TINY_NOW."""
    project = Project.init(root, pack=PACK, engine_url=engine_url, timezone=TIMEZONE)
    for name, source, data in tables:
        project.append(name, data, source=source)
    project.metrics.now = TINY_NOW
    return project


def values(project: Project, metrics: Iterable[str], period: str) -> dict[str, float | None]:
    """Each metric's value for the period, as a float (None: no value)."""
    return {v.metric: None if v.value is None else float(v.value)
            for v in project.compute(list(metrics), [period])}
