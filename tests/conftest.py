"""Shared fixtures: every engine test runs on DuckDB and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("NORTHSTAR_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REQUIRE_PG = os.environ.get("NORTHSTAR_REQUIRE_PG") == "1" or os.environ.get("CI") == "true"


def _pg_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL, connect_timeout=3):
            return None
    except Exception as exc:  # any failure means: no server here
        return str(exc).strip().splitlines()[0]


_PG_PROBLEM: str | bool | None = False


def pg_problem() -> str | None:
    global _PG_PROBLEM
    if _PG_PROBLEM is False:
        _PG_PROBLEM = _pg_reachable()
    return _PG_PROBLEM  # type: ignore[return-value]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        names = getattr(item, "fixturenames", ())
        if {"engine_url", "module_engine_url", "summit"} & set(names):
            callspec = getattr(item, "callspec", None)
            params = callspec.params if callspec is not None else {}
            if "postgres" in (params.get("engine_url"), params.get("module_engine_url"),
                               params.get("summit")):
                item.add_marker(pytest.mark.postgres)
        if "spark_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)
        if not any(m.name in ("postgres", "slow", "spark") for m in item.iter_markers()):
            item.add_marker(pytest.mark.fast)


@contextmanager
def pg_schema() -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema, dropped on leaving (skips or fails the test when
    no server is reachable)."""
    problem = pg_problem()
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL is required here but unreachable: {problem}")
        pytest.skip(f"no PostgreSQL server reachable at {PG_URL}: {problem}")
    import psycopg

    schema = "ns_test_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_URL, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test, dropped afterwards."""
    with pg_schema() as url:
        yield url


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def module_engine_url(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An engine shared by one test module (a sample company built once), on each engine."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path_factory.mktemp('module') / 'ledger.duckdb'}"
        return
    with pg_schema() as url:
        yield url


@pytest.fixture(params=["duckdb", "postgres"])
def engine_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'ledger.duckdb'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture(scope="session")
def spark_url() -> str:
    """Spark in local mode: one JVM for the whole test session (each engine gets a session of
    its own on it); `make test` installs pyspark."""
    pytest.importorskip("pyspark", reason="pyspark is installed by `make test` (extra: spark)")
    return "spark://local[2]"


@pytest.fixture(autouse=True)
def _close_source_projects() -> Iterator[None]:
    """Close the projects a source test opened through fakes.project.make_project."""
    yield
    from fakes.project import close_all

    close_all()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Any:
    """One fake clock for a vendor fake's tokens and rate-limit windows, the client's token
    expiry and every wait between retries: no test sleeps."""
    from fakes.clock import FakeClock
    from northstar.sources.auth import TokenAuth
    from northstar.sources.http import ApiClient

    fake_clock = FakeClock()
    monkeypatch.setattr(TokenAuth, "clock", fake_clock.monotonic)
    monkeypatch.setattr(ApiClient, "sleep", fake_clock.sleep)
    return fake_clock


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def summit(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Any]:
    """The sample agency (tests/agency_sample.py), built once per session on each engine and
    shared by the agency tests, which only read it."""
    from agency_sample import build_summit

    root = tmp_path_factory.mktemp("summit")
    if request.param == "duckdb":
        project = build_summit(root / "summit", f"duckdb:///{root / 'ledger.duckdb'}")
        yield project
        project.close()
        return
    with pg_schema() as url:
        project = build_summit(root / "summit", url)
        yield project
        project.close()
