"""`northstar sync` and `northstar status` through the real CLI app, against the HubSpot fake."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from typer.testing import CliRunner

from fakes.hubspot import TOKEN, HubSpotFake
from fakes.project import make_project
from northstar.sources import register

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



def app() -> typer.Typer:
    cli = typer.Typer()
    register(cli)
    return cli


def test_sync_then_status(tmp_path: Path) -> None:
    os.environ["NS_TEST_HUBSPOT_TOKEN"] = TOKEN
    with HubSpotFake() as fake:
        project = make_project(tmp_path, TOML.replace("{url}", fake.url))
        root = str(project.root)
        project.close()
        runner = CliRunner(env={"COLUMNS": "200"})
        result = runner.invoke(app(), ["sync", "crm", "--project", root])
        assert result.exit_code == 0, result.output
        assert "ok crm owners: 3 read, 3 new versions, 0 unchanged, 1 pages" in result.output
        assert "ok crm companies: 30 read, 30 new versions" in result.output

        result = runner.invoke(app(), ["status", "--project", root])
        assert result.exit_code == 0, result.output
        objects, logged = result.output.split("Collection runs")
        lines = {line.split()[3]: line for line in objects.splitlines() if "crm" in line}
        assert sorted(lines) == ["companies", "owners"]
        # the run as a whole, in the collection log: a run by hand, everything up to this month
        [run] = [line for line in logged.splitlines() if "crm" in line]
        assert " manual " in run and " ok " in run
        # companies were read up to the newest last-modified time (record 27: 00:09 UTC)
        assert " ok " in lines["companies"] and "2024-01-01 00:09" in lines["companies"]

        fake.fail("500", times=5)
        result = runner.invoke(app(), ["sync", "--project", root, "--object", "owners"])
        assert result.exit_code != 0
        assert "failed crm owners: crm: GET /crm/v3/owners still failing after 2 tries: " \
               "HTTP 500" in result.output
        result = runner.invoke(app(), ["status", "--project", root])
        assert "failed" in result.output

        result = runner.invoke(app(), ["sync", "crm", "--project", root,
                                       "--backfill-from", "last week"])
        assert result.exit_code != 0
        assert "write a month as YYYY-MM or a date as YYYY-MM-DD" in str(result.exception)
