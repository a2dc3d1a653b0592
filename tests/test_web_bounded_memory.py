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
