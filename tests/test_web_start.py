"""How the server starts: `northstar serve` listens at once and warms up in a thread of its
own; `GET /health` tells a load balancer or service manager when pages are ready."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from northstar.web import app as web_app
from northstar.web import create_app
from northstar.web.cli import bound_malloc_arenas
from web_helpers import fast_settings, log_in, open_copy, shared_template


def test_the_server_listens_first_and_warms_up_in_the_background(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    template = shared_template(tmp_path_factory)
    project = open_copy(template, tmp_path_factory.mktemp("start") / "p")
    warmed: list[str] = []
    real = web_app.warm_up

    def recording(*args: Any) -> None:
        warmed.append(threading.current_thread().name)
        real(*args)

    monkeypatch.setattr(web_app, "warm_up", recording)
    app = create_app(project, fast_settings(), schedule=False, warm="background")
    assert warmed == []  # nothing computed before the server starts
    lock, ready = app.state.ns_lock, app.state.ns_ready
    lock.acquire()  # hold the warm-up back: the health check answers all the same
    held = True
    try:
        with TestClient(app, follow_redirects=False) as c:
            r = c.get("/health")
            assert (r.status_code, r.json()) == (503, {"status": "starting"})
            lock.release()
            held = False
            assert ready.wait(120)
            assert warmed == ["northstar-warm-up"]
            r = c.get("/health")
            assert (r.status_code, r.json()) == (200, {"status": "ok"})
            assert "no-store" in r.headers["cache-control"]
            log_in(c, "vic")
            assert c.get("/scorecard").status_code == 200
    finally:
        if held:
            lock.release()
    project.close()


def test_an_app_warmed_before_it_is_returned_is_healthy_at_once(
        tmp_path_factory: pytest.TempPathFactory) -> None:
    project = open_copy(shared_template(tmp_path_factory), tmp_path_factory.mktemp("s") / "p")
    app = create_app(project, fast_settings(), schedule=False, warm=False)
    r = TestClient(app).get("/health")  # no lifespan: ready all the same
    assert (r.status_code, r.json()) == (200, {"status": "ok"})
    project.close()


def test_a_server_started_by_hand_bounds_mallocs_arenas(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert bound_malloc_arenas() is True  # glibc on this machine accepts the setting
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert bound_malloc_arenas() is False  # the service unit's (or the admin's) value wins
