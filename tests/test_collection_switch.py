"""A new source's schedule is off: the timer's runs skip it (and log so) until its backfill has
been run by hand and an admin turns the schedule on, from the command line or the admin page.
The switch is kept in the project's ledger, with who and why."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from fakes.cli import run
from fakes.connectwise import CLIENT_ID, PRIVATE, PUBLIC, ConnectWiseFake, sources_toml
from fakes.project import FAST_RETRY, make_project
from northstar.collection.run import collect
from northstar.collection.switch import SWITCHES, switches
from northstar.project import Project
from northstar.secret import load_or_create_secret
from northstar.web import create_app
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables
from web_helpers import csrf_of

TOML = sources_toml("psa") + FAST_RETRY.format(name="psa")
SECRETS = {"psa": {"public_key": PUBLIC, "private_key": PRIVATE, "client_id": CLIENT_ID}}



@pytest.fixture
def fake() -> Iterator[ConnectWiseFake]:
    with ConnectWiseFake() as server:
        yield server


def chicago_month(back: int = 0) -> str:
    """The month `back` months before this one in Chicago (the schedule's timezone)."""
    today = datetime.now(ZoneInfo("America/Chicago")).date()
    n = today.year * 12 + today.month - 1 - back
    return f"{date(n // 12, n % 12 + 1, 1):%Y-%m}"


def test_a_new_source_is_off_until_its_backfill_is_reviewed(tmp_path: Path,
                                                           fake: ConnectWiseFake) -> None:
    project = make_project(tmp_path, TOML.replace("{url}", fake.url), secrets=SECRETS)
    root = project.root
    project.close()  # the command line opens it from here on
    listing = run("source", "list", cwd=root).stdout
    assert re.search(r"psa\s+│ off: backfill first", listing), listing

    refused = run("source", "enable", "psa", cwd=root, ok=False)
    assert refused.returncode != 0
    assert ("psa has not been collected in full yet (boards, companies, tickets, time_entries, "
            "agreements, agreement_additions never ran without an error): run the backfill by "
            "hand, `northstar sync psa --backfill-from 2024-01`") in " ".join(
                refused.stderr.split())

    # what the systemd timer runs: the schedule is off, so nothing is asked of ConnectWise
    window = f"{chicago_month(12)}..{chicago_month()}"
    skipped = run("collect", "psa", cwd=root).stdout
    assert f"psa scheduled run for {window}: skipped" in skipped
    assert fake.requests == []

    backfill = run("sync", "psa", "--backfill-from", "2024-01", cwd=root).stdout
    assert "ok psa tickets: 10 read, 10 new versions" in backfill
    assert f"psa backfill run for 2024-01..{chicago_month()}: ok" in backfill
    assert ("The schedule of psa is off. Review what this run loaded, then turn it on: "
            "northstar source enable psa") in backfill

    on = run("source", "enable", "psa", "--reason", "backfill checked", "--author", "ada",
             cwd=root).stdout
    assert "The schedule of psa is on (by ada)." in on
    listing = run("source", "list", cwd=root).stdout
    assert re.search(r"psa\s+│ on\s+│ \d{4}-\d\d-\d\d \d\d:\d\d │ ada\s+│ backfill checked",
                     listing), listing
    asked = len(fake.requests)
    collected = run("collect", "psa", cwd=root).stdout
    assert f"psa scheduled run for {window}: ok" in collected
    assert len(fake.requests) > asked
    assert "The schedule of psa is off" not in run("sync", "psa", cwd=root).stdout

    off = run("source", "disable", "psa", "--reason", "moving to a new PSA", cwd=root).stdout
    assert "The schedule of psa is off (by " in off
    assert f"psa scheduled run for {window}: skipped" in run("collect", "psa", cwd=root).stdout

    # kept in the project's ledger, under its hash chain, with who and why
    assert "OK:" in run("verify", cwd=root).stdout
    with Project.open(root) as p:
        now = switches(p)["psa"]
        assert (now.enabled, now.reason) == (False, "moving to a new PSA")
        history = p.engine.rows(f"SELECT enabled, author, reason FROM {SWITCHES} ORDER BY load_id")
        assert history[0] == (True, "ada", "backfill checked") and len(history) == 2


def test_northstar_toml_can_keep_a_source_off(tmp_path: Path, fake: ConnectWiseFake) -> None:
    project = make_project(tmp_path, TOML.replace("{url}", fake.url), secrets=SECRETS)
    with (project.root / "northstar.toml").open("a") as f:
        f.write("\n[schedule.sources.psa]\nenabled = false\n")
    root = project.root
    project.close()
    run("sync", "psa", cwd=root)
    refused = run("source", "enable", "psa", cwd=root, ok=False)
    assert "northstar.toml turns psa's schedule off ([schedule.sources.psa] enabled = false)" \
        in " ".join(refused.stderr.split())
    assert "off (northstar.toml)" in run("source", "list", cwd=root).stdout
    assert "no source named 'nope'; sources: psa" in run("source", "enable", "nope", cwd=root,
                                                         ok=False).stderr


def test_an_admin_turns_the_schedule_on_from_the_admin_page(tmp_path: Path,
                                                            fake: ConnectWiseFake) -> None:
    project = make_project(tmp_path, TOML.replace("{url}", fake.url), secrets=SECRETS)
    ensure_tables(project.engine)
    auth = Auth(project.engine, load_or_create_secret(project.root), WebSettings())
    auth.add_user("ada", "ada", "admin", "admin-password-1")
    auth.add_user("eve", "eve", "editor", "editor-password-1")
    app = create_app(project, WebSettings(slow_seconds=0.0), schedule=False, warm=False)

    def log_in(client: TestClient, user: str, password: str) -> str:
        page = client.get("/login")
        client.post("/login", data={"username": user, "password": password,
                                    "csrf_token": csrf_of(page.text)})
        return csrf_of(client.get("/admin").text)

    with TestClient(app, follow_redirects=False) as client:
        csrf = log_in(client, "ada", "admin-password-1")
        page = client.get("/admin").text
        assert "off: not collected in full yet (boards, companies" in page
        refused = client.post("/admin/sources/psa/schedule",
                              data={"on": "1", "reason": "", "csrf_token": csrf})
        assert refused.status_code == 400
        assert "psa has not been collected in full yet" in refused.text
        assert not switches(project)

        with app.state.ns_lock:
            collect(project, "psa", backfill_from=date(2024, 1, 1))  # the backfill, by hand
        page = client.get("/admin").text
        assert re.search(r'<td>backfill</td><td>2024-01\.\.\d{4}-\d\d</td><td>ok</td>', page)
        saved = client.post("/admin/sources/psa/schedule",
                            data={"on": "1", "reason": "numbers match", "csrf_token": csrf})
        assert saved.status_code == 303
        page = client.get(saved.headers["location"]).text
        assert "The schedule of psa is on." in page
        assert "<td>on</td>" in page and "<td>numbers match</td>" in page
        assert switches(project)["psa"].author == "ada"
        assert "source.schedule" in page  # the audit log has it

    with TestClient(app, follow_redirects=False) as client:  # an editor may not switch
        csrf = log_in(client, "eve", "editor-password-1")
        denied = client.post("/admin/sources/psa/schedule",
                             data={"on": "0", "reason": "", "csrf_token": csrf})
        assert denied.status_code == 403
        assert switches(project)["psa"].enabled
