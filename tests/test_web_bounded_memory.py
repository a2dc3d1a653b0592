"""What the server keeps in memory stays bounded however long it runs (bench/soak.py measures
the process): the metric layer's values and period bounds, the pages kept per project, the
sessions' last requests and the rows read between writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from northstar.metrics import compute
from northstar.web import views
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables
from test_metrics import make_project
from web_helpers import Clock


def test_the_metric_layer_keeps_at_most_its_bound_and_answers_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        months = [f"2024-{m:02d}" for m in range(1, 13)] + ["2025-01", "2025-02"]
        before = {str(v.period): v.value for v in project.compute(["revenue"], months)}
        unbounded = len(project.metrics._cache)
        monkeypatch.setattr(compute, "MAX_CACHED_VALUES", 10)
        monkeypatch.setattr(compute, "MAX_CACHED_BOUNDS", 10)
        oldest = next(iter(project.metrics._cache))
        newest = list(project.metrics._cache)[-1]
        project.metrics._bound()  # what every computation does first
        # the oldest dropped first, down to 90% of the bound
        assert unbounded > 10 and len(project.metrics._cache) == 9
        assert oldest not in project.metrics._cache and newest in project.metrics._cache
        assert len(project.metrics._period_bounds) == 9
        for month in months:  # one period at a time, as the metric pages ask
            project.compute(["revenue"], [month])
        project.metrics._bound()
        assert len(project.metrics._cache) <= 10
        after = {str(v.period): v.value for v in project.compute(["revenue"], months)}
        assert after == before
        # hand-checked: Jan 2025 is 100 + 50, Feb 2025 is 70
        assert (after["2025-01"], after["2025-02"]) == (150, 70)
    finally:
        project.close()


def test_pages_kept_per_project_are_bounded_least_recently_used_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        monkeypatch.setattr(views, "MEMO_PAGES", 5)
        views.forget(project)
        built: list[int] = []

        def page(n: int) -> int:
            return views.memo(project, ("page", n), lambda: built.append(n) or n)

        for n in range(5):
            page(n)
        page(0)  # used again: now the most recent
        page(5)  # a sixth: the least recently used (1) goes
        assert len(views._MEMO[project]) == 5
        page(0)
        page(1)
        assert built == [0, 1, 2, 3, 4, 5, 1]  # 0 was kept, 1 was built again
    finally:
        views.forget(project)
        project.close()


def test_sessions_last_requests_go_with_logout_and_idle_time(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        ensure_tables(project.engine)
        clock = Clock(datetime(2026, 1, 5, 9, 0))
        auth = Auth(project.engine, b"k" * 32, WebSettings(clock=clock, idle_minutes=30))
        user = auth.add_user("ann", "ann", "viewer", "a-long-password-1")
        cookies = [auth.start_session(user)[0] for _ in range(3)]
        for raw in cookies:
            assert auth.session(raw) is not None
        assert len(auth._seen) == 3
        ended = auth.session(cookies[0])
        assert ended is not None
        auth.end_session(ended.id_hash)
        assert len(auth._seen) == 2 and auth.session(cookies[0]) is None
        clock.advance(minutes=20)
        assert auth.session(cookies[1]) is not None  # still in use
        clock.advance(minutes=15)  # cookies[2] idle for 35 minutes: its entry has gone
        assert list(auth._seen) == [auth._mac("session:" + cookies[1])]
        assert auth.session(cookies[2]) is None  # and the session has ended, as before
    finally:
        project.close()


def test_rows_read_between_writes_are_bounded(tmp_path: Path) -> None:
    from northstar.web import auth as auth_module

    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        ensure_tables(project.engine)
        auth = Auth(project.engine, b"k" * 32, WebSettings(clock=lambda: datetime.now(UTC)))
        assert auth._found.maxsize == auth_module.FOUND_ROWS
        for n in range(50):
            auth.session(f"made-up-{n}")
        assert len(auth._found) == 50  # each unknown cookie's (empty) row, kept until a write
    finally:
        project.close()


def test_engine_memory_limit_and_threads_come_from_northstar_toml(tmp_path: Path) -> None:
    from northstar.project import Project

    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    project.close()
    config = tmp_path / "p" / "northstar.toml"
    text = config.read_text()
    assert "[engine]" in text
    config.write_text(text.replace("[engine]", '[engine]\nmemory_limit = "256MB"\nthreads = 1'))
    with Project.open(tmp_path / "p") as opened:
        # DuckDB reads 256 MB (256,000,000 bytes) back in MiB: 256e6 / 2**20 = 244.14
        assert opened.engine.scalar("SELECT current_setting('memory_limit')") == "244.1 MiB"
        assert opened.engine.scalar("SELECT current_setting('threads')") == 1
        # one statement at a time, as threads = 1 asks: nothing runs side by side
        assert not opened.engine.runs_side_by_side
        before = {str(v.period): v.value for v in opened.compute(["revenue"], ["2025-01"])}
        assert before == {"2025-01": 150}  # hand-checked: 100 + 50, as above


def test_a_memory_limit_without_a_unit_is_refused_clearly(tmp_path: Path) -> None:
    from northstar.errors import ConfigError
    from northstar.project import Project

    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    project.close()
    config = tmp_path / "p" / "northstar.toml"
    config.write_text(config.read_text().replace("[engine]", '[engine]\nmemory_limit = "512"'))
    with pytest.raises(ConfigError, match="memory_limit"):
        Project.open(tmp_path / "p")


def test_the_default_bounds_duckdb_and_side_by_side_reuses_its_cursors(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", f"duckdb:///{tmp_path / 'ledger.duckdb'}")
    try:
        engine = project.engine
        # the documented default: 1 GB, 1e9 / 2**20 = 953.67 MiB; 2 threads
        assert engine.scalar("SELECT current_setting('memory_limit')") == "953.6 MiB"
        assert engine.scalar("SELECT current_setting('threads')") == 2
        if not engine.runs_side_by_side:  # a one-core machine runs nothing side by side
            return
        for _ in range(5):
            assert engine.rows_side_by_side(["SELECT 1", "SELECT 2", "SELECT 3"]) == [
                [(1,)], [(2,)], [(3,)]]
        # one cursor per pool thread, kept: not one per statement (15 were run)
        assert 1 <= len(engine._cursors) <= 2
    finally:
        project.close()
