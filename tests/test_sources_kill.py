"""A sync killed (SIGKILL) at any point, then run again, leaves the ledger exactly as one clean
run does: nothing lost, nothing duplicated, the hash chain intact.

Kill points: on each of the first requests the run makes (the fake server kills the process
before answering: between pages, inside an open transaction, right after a commit), plus
kills after seeded random delays (which land anywhere, including inside ledger writes)."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fakes.connectwise import ENV as CW_ENV
from fakes.connectwise import ConnectWiseFake, sources_toml
from fakes.hubspot import TOKEN, HubSpotFake
from fakes.killrun import PRELOAD, run_sync
from fakes.project import close_all, make_project, raw_tables, table_contents
from fakes.server import FakeServer
from northstar.project import Project
from northstar.sources.sync import sync

TOML = """
[crm]
kind = "hubspot"
base_url = "{url}"
token_env = "NS_TEST_HUBSPOT_TOKEN"
page_size = 4
batch_bytes = 1000
objects = ["pipelines", "companies", "deals"]

[[crm.tags]]
tag = "department"
value = "demand"
"""
ENV = {"NS_TEST_HUBSPOT_TOKEN": TOKEN}
REQUESTS = 12
"""A full run: pipelines 1, companies 3 pages + 1 archived list, deals 3 pages + 3
association reads + 1 archived list."""
CW_TOML = sources_toml("crm") + """batch_bytes = 1000
objects = ["boards", "tickets", "time_entries", "agreement_additions"]
"""
CASES: dict[str, tuple[Callable[[], FakeServer], str, dict[str, str], int]] = {
    # kind: (fake, sources.toml, environment, requests of a full run)
    "hubspot": (lambda: HubSpotFake(companies=10, contacts=8, deals=12), TOML, ENV, REQUESTS),
    # boards 1; tickets 4 + 4 + 2; time entries 4 + 4 + 4 + an empty page; agreement ids 1 +
    # the additions of each of the 3 agreements
    "connectwise": (ConnectWiseFake, CW_TOML, CW_ENV, 12),
}
DELAY_KILLS = 30
"""At most this many kills after a random delay (some land after the run has finished)."""
KILLS = 22
"""Kills that must land mid-run."""


@pytest.fixture(autouse=True)
def _close_projects() -> Iterator[None]:
    yield
    close_all()


def snapshot(project: Project) -> dict[str, Any]:
    state = {t: table_contents(project, t) for t in raw_tables(project)}
    state["cursors"] = sorted(
        (str(i), str(c)) for i, c in project.engine.rows(
            "SELECT source_id, cursor FROM (SELECT source_id, cursor, row_number() OVER "
            "(PARTITION BY source_id ORDER BY load_id DESC) AS n FROM ns_cursors) AS x "
            "WHERE n = 1"))
    return state


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(CASES))
def test_killed_runs_rerun_to_the_clean_result(tmp_path: Path, kind: str) -> None:
    make_fake, toml_text, env, requests = CASES[kind]
    os.environ.update(env)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    with make_fake() as fake:
        toml = toml_text.replace("{url}", fake.url)
        clean = make_project(tmp_path / "clean", toml)
        sync(clean, "crm")
        expected = snapshot(clean)
        assert len(fake.requests) == requests
        clean.close()

        # how long a clean run takes in a worker, to spread the random kills over it
        timing = make_project(tmp_path / "timing", toml)
        timing.close()
        start = time.monotonic()
        worker = ctx.Process(target=run_sync, args=(str(timing.root), "crm", env))
        worker.start()
        worker.join(60)
        duration = time.monotonic() - start
        assert worker.exitcode == 0

        rng = random.Random(20261123)
        plans: list[tuple[str, float]] = [("request", k) for k in range(1, requests + 1)]
        # delay plans hold a fraction of the run time, turned into seconds when they run
        plans += [("delay", rng.random()) for _ in range(DELAY_KILLS)]
        killed_mid_run = 0
        for n, (how, fraction) in enumerate(plans):
            if how == "delay" and killed_mid_run >= KILLS:
                break
            when = fraction if how == "request" else 0.02 + fraction * 0.8 * duration
            project = make_project(tmp_path / f"kill{n}", toml)
            project.close()
            fake.requests.clear()
            proc = ctx.Process(target=run_sync, args=(str(project.root), "crm", env))
            if how == "request":
                fake.on_request = (lambda i, k=int(when), p=proc:  # type: ignore[misc]
                                   os.kill(p.pid, signal.SIGKILL) if i == k else None)
                proc.start()
            else:
                fake.on_request = None
                proc.start()
                time.sleep(when)
                if proc.is_alive():
                    os.kill(proc.pid, signal.SIGKILL)
            proc.join(60)
            fake.on_request = None
            if proc.exitcode == -signal.SIGKILL:
                killed_mid_run += 1
            else:
                assert proc.exitcode == 0, f"kill plan {how} {when}: exit {proc.exitcode}"
                duration = min(duration, when)  # finished sooner than that: aim earlier

            with Project.open(project.root) as again:
                sync(again, "crm")
                assert snapshot(again) == expected, f"kill plan {how} {when}"
                if n % 3 == 0:
                    assert again.verify().ok
        assert killed_mid_run >= KILLS
