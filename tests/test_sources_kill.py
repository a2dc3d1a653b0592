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
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from fakes.connectwise import ENV as CW_ENV
from fakes.connectwise import ConnectWiseFake, sources_toml
from fakes.ga4 import ENV as GA4_ENV
from fakes.ga4 import GA4Fake
from fakes.ga4 import sources_toml as ga4_sources_toml
from fakes.ga4 import today as ga4_today
from fakes.gohighlevel import ENV as GHL_ENV
from fakes.gohighlevel import GoHighLevelFake
from fakes.gohighlevel import sources_toml as ghl_sources_toml
from fakes.google_ads import ENV as GADS_ENV
from fakes.google_ads import GoogleAdsFake
from fakes.google_ads import sources_toml as gads_sources_toml
from fakes.google_ads import today as gads_today
from fakes.hubspot import TOKEN, HubSpotFake
from fakes.killrun import PRELOAD, run_sync
from fakes.meta_ads import ENV as META_ENV
from fakes.meta_ads import MetaAdsFake
from fakes.meta_ads import sources_toml as meta_sources_toml
from fakes.meta_ads import today as meta_today
from fakes.ninjaone import CLIENT_ID, CLIENT_SECRET, NinjaOneFake, device_id
from fakes.project import make_project, raw_tables, table_contents
from fakes.servicetitan import ENV as ST_ENV
from fakes.servicetitan import EXPORTS as ST_EXPORTS
from fakes.servicetitan import TENANT as ST_TENANT
from fakes.servicetitan import ServiceTitanFake, token_for
from fakes.servicetitan import sources_toml as st_sources_toml
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
REQUESTS = 15
"""A full run: pipelines 1, companies 3 pages + 1 archived list, deals 3 pages + 3
association reads + 3 history batch reads + 1 archived list."""
DELAY_KILLS = 30
"""At most this many kills after a random delay (some land after the run has finished)."""
KILLS = 22
"""Kills that must land mid-run."""



def snapshot(project: Project, volatile: tuple[str, ...] = ()) -> dict[str, Any]:
    state = {t: table_contents(project, t, volatile) for t in raw_tables(project)}
    if "ns_cursors" not in project.engine.relations():
        return state
    state["cursors"] = sorted(
        (str(i), str(c)) for i, c in project.engine.rows(
            "SELECT source_id, cursor FROM (SELECT source_id, cursor, row_number() OVER "
            "(PARTITION BY source_id ORDER BY load_id DESC) AS n FROM ns_cursors) AS x "
            "WHERE n = 1"))
    state["tokens"] = sorted(saved_tokens(project).items())
    return state


def saved_tokens(project: Project) -> dict[str, str]:
    """The continuation token of every source object that has one (ServiceTitan's exports)."""
    if "token" not in {n for n, _ in project.engine.columns("ns_cursors") or []}:
        return {}
    rows = project.engine.rows(
        "SELECT source_id, token FROM (SELECT source_id, token, row_number() OVER "
        "(PARTITION BY source_id ORDER BY load_id DESC) AS n FROM ns_cursors) AS x "
        "WHERE n = 1 AND token IS NOT NULL")
    return {str(i): str(t) for i, t in rows}


def kill_and_rerun(tmp_path: Path, fake: Any, toml: str, source: str, env: dict[str, str], *,
                   requests: int, kills: int, delay_kills: int,
                   prepare: Callable[[Project], None] = lambda project: None,
                   volatile: tuple[str, ...] = (),
                   before_rerun: Callable[[Project], Any] = lambda project: None,
                   after_rerun: Callable[[Any, list[Any]], None] | None = None) -> None:
    """Kill a sync of `source` at each of its first `requests` requests and after random
    delays; after each, a rerun must leave what one clean run leaves. `prepare` readies each
    project (and the fake) before its run; `volatile` columns only have to be set alike.
    `after_rerun(before_rerun(project), requests of the rerun)` checks how the rerun read."""
    os.environ.update(env)
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)

    def ready(name: str) -> Project:
        project = make_project(tmp_path / name, toml)
        prepare(project)
        fake.requests.clear()
        return project

    clean = ready("clean")
    sync(clean, source)
    expected = snapshot(clean, volatile)
    assert len(fake.requests) == requests
    clean.close()

    # how long a clean run takes in a worker, to spread the random kills over it
    timing = ready("timing")
    timing.close()
    start = time.monotonic()
    worker = ctx.Process(target=run_sync, args=(str(timing.root), source, env))
    worker.start()
    worker.join(60)
    duration = time.monotonic() - start
    assert worker.exitcode == 0

    rng = random.Random(20261123)
    plans: list[tuple[str, float]] = [("request", k) for k in range(1, requests + 1)]
    # delay plans hold a fraction of the run time, turned into seconds when they run
    plans += [("delay", rng.random()) for _ in range(delay_kills)]
    killed_mid_run = 0
    for n, (how, fraction) in enumerate(plans):
        if how == "delay" and killed_mid_run >= kills:
            break
        when = fraction if how == "request" else 0.02 + fraction * 0.8 * duration
        project = ready(f"kill{n}")
        project.close()
        proc = ctx.Process(target=run_sync, args=(str(project.root), source, env))
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
            state = before_rerun(again)
            fake.requests.clear()
            sync(again, source)
            assert snapshot(again, volatile) == expected, f"kill plan {how} {when}"
            if after_rerun is not None:
                after_rerun(state, list(fake.requests))
            if n % 3 == 0:
                assert again.verify().ok
    assert killed_mid_run >= kills


@pytest.mark.slow
def test_killed_runs_rerun_to_the_clean_result(tmp_path: Path) -> None:
    with HubSpotFake(companies=10, contacts=8, deals=12) as fake:
        kill_and_rerun(tmp_path, fake, TOML.replace("{url}", fake.url), "crm", ENV,
                       requests=REQUESTS, kills=KILLS, delay_kills=DELAY_KILLS)


CW_TOML = sources_toml("psa") + """batch_bytes = 1000
objects = ["boards", "tickets", "time_entries", "agreement_additions"]
"""
CW_REQUESTS = 12
"""boards 1; tickets 4 + 4 + 2; time entries 4 + 4 + 4 + an empty page; agreement ids 1 + the
additions of each of the 3 agreements."""


@pytest.mark.slow
def test_killed_connectwise_runs_rerun_to_the_clean_result(tmp_path: Path) -> None:
    with ConnectWiseFake() as fake:
        kill_and_rerun(tmp_path, fake, CW_TOML.replace("{url}", fake.url), "psa", CW_ENV,
                       requests=CW_REQUESTS, kills=KILLS, delay_kills=DELAY_KILLS)


NINJA_TOML = """
[rmm]
kind = "ninjaone"
base_url = "{url}"
client_id_env = "NS_TEST_NINJA_ID"
client_secret_env = "NS_TEST_NINJA_SECRET"
page_size = 4
batch_bytes = 1000
"""
NINJA_ENV = {"NS_TEST_NINJA_ID": CLIENT_ID, "NS_TEST_NINJA_SECRET": CLIENT_SECRET}
NINJA_REQUESTS = 5
"""The killed run: a token, organizations in 1 page (3), devices in 3 (4, 4, 3: one of the
twelve removed since the first run)."""


@pytest.mark.slow
def test_killed_ninjaone_runs_with_a_removal_rerun_to_the_clean_result(tmp_path: Path) -> None:
    gone = device_id(5)
    with NinjaOneFake(devices=12) as fake:

        def first_run_then_remove(project: Project) -> None:
            if gone in fake.gone:
                fake.restore(gone)
            sync(project, "rmm")
            fake.remove(gone)

        # the removal record's removed_at (and so its hash) is the run's own time
        kill_and_rerun(tmp_path, fake, NINJA_TOML.replace("{url}", fake.url), "rmm", NINJA_ENV,
                       requests=NINJA_REQUESTS, kills=10, delay_kills=16,
                       prepare=first_run_then_remove, volatile=("removed_at", "record_hash"))


ST_TOML = st_sources_toml("fsm") + """batch_bytes = 1000
"""
ST_REQUESTS = 19
"""The killed run, after a first full run and nine new or changed jobs: a token; business
units 1 answer (nothing new); job types 3 pages (5 re-read from a day before the cursor);
campaigns 2; customers 1; locations 1; jobs 2 (7 changed: 4 + 3); appointments, invoices and
gross pay items 2 each (6); estimates 1 (3); payments 1 (4)."""


@pytest.mark.slow
def test_killed_servicetitan_runs_resume_from_the_saved_token(tmp_path: Path) -> None:
    first: dict[str, str] = {}
    with ServiceTitanFake(jobs=6, export_batch=4) as fake:

        def first_run_then_changes(project: Project) -> None:
            fake.reset()
            sync(project, "fsm")
            first.update(saved_tokens(project))
            for i in range(6, 12):
                fake.add_job(i)
            fake.touch("jobs", 3001, jobStatus="Canceled")

        paths = {kind: path.replace("{t}", ST_TENANT) for path, kind in ST_EXPORTS.items()}
        resumed_first = []

        def resumed_from_the_saved_token(saved: dict[str, str], requests: list[Any]) -> None:
            # every export's first request passes the token the ledger held: the first run's
            # when the kill landed before the commit, the killed run's when after it
            for kind, path in paths.items():
                asked = next(r for r in requests if r.path == path)
                assert asked.query == {"from": [saved[f"fsm.{kind}"]]}
            resumed_first.append(saved == first)
            assert saved == first or saved["fsm.jobs"] == token_for(fake.seq)

        kill_and_rerun(tmp_path, fake, ST_TOML.replace("{url}", fake.url), "fsm", ST_ENV,
                       requests=ST_REQUESTS, kills=KILLS, delay_kills=DELAY_KILLS,
                       prepare=first_run_then_changes, before_rerun=saved_tokens,
                       after_rerun=resumed_from_the_saved_token)
        assert sum(resumed_first) >= KILLS  # every run killed mid-way was resumed from it


GHL_TOML = ghl_sources_toml("ghl") + """batch_bytes = 1000
objects = ["pipelines", "contacts", "opportunities"]
"""
GHL_REQUESTS = 6
"""The killed run: pipelines 1; contacts 2 pages (3 + 3: one of the seven removed since the
first run, and the second page's meta names no next); opportunities 3 pages (3 + 3 + 2)."""


@pytest.mark.slow
def test_killed_gohighlevel_runs_with_a_removal_rerun_to_the_clean_result(
        tmp_path: Path) -> None:
    # the kill runs wait on the wall clock: no burst limit to wait out here
    with GoHighLevelFake(burst=10**9) as fake:

        def first_run_then_remove(project: Project) -> None:
            if "ct004" in fake.gone["contacts"]:
                fake.restore("contacts", "ct004")
            sync(project, "ghl")
            fake.remove("contacts", "ct004")

        # the removal record's removed_at (and so its hash) is the run's own time
        kill_and_rerun(tmp_path, fake, GHL_TOML.replace("{url}", fake.url), "ghl", GHL_ENV,
                       requests=GHL_REQUESTS, kills=10, delay_kills=16,
                       prepare=first_run_then_remove, volatile=("removed_at", "record_hash"))


META_TOML = meta_sources_toml("meta") + """batch_bytes = 1000
"""
META_REQUESTS = 4
"""The killed run, the daily one after a first run: the account, then the 28 days before the
newest day held and that day (83 rows) in pages of 40, 40, 3; Meta has restated one day."""


@pytest.mark.slow
def test_killed_meta_runs_with_a_restated_day_rerun_to_the_clean_result(
        tmp_path: Path) -> None:
    with MetaAdsFake() as fake:

        def first_run_then_restate(project: Project) -> None:
            fake.reset()
            sync(project, "meta")
            fake.restate("23850001", meta_today() - timedelta(days=3), spend="1.5")

        kill_and_rerun(tmp_path, fake, META_TOML.replace("{url}", fake.url), "meta", META_ENV,
                       requests=META_REQUESTS, kills=10, delay_kills=16,
                       prepare=first_run_then_restate)


GADS_TOML = gads_sources_toml("gads") + """batch_bytes = 1000
"""
GADS_REQUESTS = 5
"""The killed run, the daily one after a first run: a token, then the 28 days before the
newest day held and that day (87 rows) in pages of 25, 25, 25, 12; one day's conversions
credited late."""


@pytest.mark.slow
def test_killed_google_ads_runs_with_late_conversions_rerun_to_the_clean_result(
        tmp_path: Path) -> None:
    with GoogleAdsFake() as fake:

        def first_run_then_restate(project: Project) -> None:
            fake.reset()
            sync(project, "gads")
            fake.restate("222", gads_today() - timedelta(days=4), conversions=11.5)

        kill_and_rerun(tmp_path, fake, GADS_TOML.replace("{url}", fake.url), "gads", GADS_ENV,
                       requests=GADS_REQUESTS, kills=10, delay_kills=16,
                       prepare=first_run_then_restate)


GA4_TOML = ga4_sources_toml("ga") + """batch_bytes = 1000
"""
GA4_REQUESTS = 3
"""The killed run, the daily one after a first run: a token, then the 3 days before the newest
day held and that day (42 rows) in pages of 25 and 17; GA4 has reprocessed yesterday."""


@pytest.mark.slow
def test_killed_ga4_runs_with_a_reprocessed_day_rerun_to_the_clean_result(
        tmp_path: Path) -> None:
    with GA4Fake() as fake:

        def first_run_then_reprocess(project: Project) -> None:
            fake.reset()
            sync(project, "ga")
            fake.restate(ga4_today() - timedelta(days=1), "facebook", "generate_lead", 77)

        kill_and_rerun(tmp_path, fake, GA4_TOML.replace("{url}", fake.url), "ga", GA4_ENV,
                       requests=GA4_REQUESTS, kills=8, delay_kills=16,
                       prepare=first_run_then_reprocess)
