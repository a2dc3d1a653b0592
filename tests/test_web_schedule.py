"""`northstar serve` runs the collection schedule in its own process: a scheduled run collects
the declared source through the same connection the web requests use, one at a time. A new
source's schedule is off: its scheduled runs are skipped (and logged so) until it has been
collected by hand and switched on."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fakes.hubspot import TOKEN, HubSpotFake
from fakes.project import make_project
from northstar.checks import latest_checks
from northstar.collection.log import entries
from northstar.collection.run import collect
from northstar.collection.switch import set_schedule
from northstar.web import views
from northstar.web.app import create_app

TOML = """
[crm]
kind = "hubspot"
base_url = "{url}"
token_env = "NS_TEST_HUBSPOT_TOKEN"
objects = ["owners", "companies"]
[crm.retry]
backoff = 0.01
attempts = 2
"""



def wait_for_run(app: object, project: object, status: str, runs: int) -> list[dict[str, object]]:
    """The collection log once it holds `runs` entries, the newest with `status`."""
    deadline = time.monotonic() + 30
    logged: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        with app.state.ns_lock:  # type: ignore[attr-defined]
            logged = entries(project, 10)  # type: ignore[arg-type]
        if len(logged) >= runs and logged[0]["status"] == status:
            return logged
        time.sleep(0.2)
    raise AssertionError(f"no {status} run in {logged}")


def test_the_server_collects_on_schedule(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NS_TEST_HUBSPOT_TOKEN", TOKEN)
    with HubSpotFake() as fake:
        project = make_project(tmp_path, TOML.replace("{url}", fake.url))
        app = create_app(project)
        with TestClient(app) as client:
            scheduler = app.state.scheduler
            assert scheduler is not None and scheduler.sources == ["crm"]
            assert scheduler.next_run("crm").strftime("%H:%M") == "22:30"
            # the schedule of a new source is off: the run is skipped, and says why
            scheduler.run_now("crm")
            [skipped] = wait_for_run(app, project, "skipped", 1)
            assert skipped["kind"] == "scheduled"
            assert "northstar source enable crm" in str(skipped["error"])
            with app.state.ns_lock:
                assert project.ledger.tables() == ["ns_collection_runs"]
                # the backfill by hand, reviewed, then the schedule switched on
                collect(project, "crm")
                set_schedule(project, "crm", True, author="ada", reason="backfill checked")
            fake.touch("companies", "1005", name="Renamed Co")
            scheduler.run_now("crm")
            logged = wait_for_run(app, project, "ok", 3)
            assert [e["kind"] for e in logged] == ["scheduled", "manual", "scheduled"]
            assert client.get("/login").status_code == 200  # the web kept answering
            with app.state.ns_lock:  # 30 companies, one of them now in a second version
                assert project.engine.scalar("SELECT count(*) FROM raw_customers") == 31
                assert project.engine.scalar(
                    "SELECT count(DISTINCT source_id) FROM raw_customers") == 30
            # after the run, the pages people open first are computed again on the new data
            # and the checks rerun: both are current for the ledger as the run left it
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with app.state.ns_lock:
                    kept = views._MEMO.get(project, {}).get(("scorecard-html", None, "month"))
                    fresh = kept is not None and kept[0] == views.page_state(project)
                    checked = latest_checks(project) is not None
                if fresh and checked:
                    break
                time.sleep(0.2)
            assert fresh and checked
        assert app.state.scheduler is not None and not app.state.scheduler.running


def test_no_sources_no_schedule(tmp_path: Path) -> None:
    project = make_project(tmp_path, "")
    os.remove(project.root / "sources.toml")
    app = create_app(project)
    with TestClient(app):
        assert app.state.scheduler is None
