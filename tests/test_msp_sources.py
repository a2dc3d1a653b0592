"""The MSP pack fed by its connectors: ConnectWise and NinjaOne, synced from their local fakes
into a project made with `--pack msp`, give the pack's metrics. Expected values are worked out
by hand from the fakes' records (tests/fakes/connectwise.py, tests/fakes/ninjaone.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from fakes.connectwise import ENV as CW_ENV
from fakes.connectwise import ConnectWiseFake, sources_toml
from fakes.ninjaone import CLIENT_ID, CLIENT_SECRET, NinjaOneFake, device_id
from northstar.packs import get_pack
from northstar.project import Project
from northstar.sources.sync import sync

NINJA = """
[ninjaone]
kind = "ninjaone"
base_url = "{url}"
client_id_env = "NS_TEST_NINJA_ID"
client_secret_env = "NS_TEST_NINJA_SECRET"
page_size = 4
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    os.environ.update({**CW_ENV, "NS_TEST_NINJA_ID": CLIENT_ID,
                       "NS_TEST_NINJA_SECRET": CLIENT_SECRET})
    p = Project.init(tmp_path / "msp", timezone="America/Chicago",
                     engine_url=f"duckdb:///{tmp_path / 'ledger.duckdb'}", pack=get_pack("msp"))
    yield p
    p.close()


def value(p: Project, metric: str, period: str) -> Decimal | float | int | None:
    [v] = p.compute([metric], [period])
    return v.value


def test_connectwise_tickets_hours_and_agreements_reach_the_metrics(project: Project) -> None:
    with ConnectWiseFake() as fake:
        (project.root / "sources.toml").write_text(
            sources_toml("connectwise").replace("{url}", fake.url), encoding="utf-8")
        sync(project, "connectwise")
    # Tickets 0-9 are entered on 1-10 Jan 2024 at 00:00 UTC, which is 18:00 the day before in
    # Chicago. Help Desk holds tickets 0, 3, 6, 9; ticket 9 is a child (parentTicketId), so the
    # reactive ones are 0 (31 Dec 2023 local), 3 and 6 (January).
    assert value(project, "reactive_tickets_created", "2023-12") == 1
    assert value(project, "reactive_tickets_created", "2024-01") == 2
    # Even tickets are closed two hours after entry: 0 in December, 6 in January.
    assert value(project, "reactive_tickets_closed", "2024-01") == 1
    # Time entries 0-11 on service tickets 1001 + i % 10, but 5 and 11 on a charge code; those
    # on reactive tickets (1001, 1004, 1007) are entries 0, 3, 6 and 10: 4 x 1.5 h, all entered
    # in January (10:30 UTC). Every service-ticket entry, any board: 10 x 1.5 h.
    assert value(project, "reactive_hours", "2024-01") == Decimal("6.00")
    assert value(project, "service_hours", "2024-01") == Decimal("15.00")
    # Agreements from 1 Jan 2024: 70 with no end, 71 ending 31 Dec 2024, 72 cancelled.
    assert value(project, "agreements", "2024-01") == 2
    assert value(project, "close_ratio", "2024-01") == pytest.approx(0.5)  # 1 closed / 2 new


def test_ninjaone_devices_and_a_removal_reach_the_endpoint_counts(project: Project) -> None:
    with NinjaOneFake(devices=10) as fake:
        (project.root / "sources.toml").write_text(NINJA.replace("{url}", fake.url),
                                                   encoding="utf-8")
        sync(project, "ninjaone")
        # Devices 0-9, created 1-10 Jan 2024, classes by i % 5: workstation, server, Mac,
        # VM guest, switch; device 6 (a server) is PENDING. Endpoints: all but the switches
        # (4, 9) and device 6 = 7; seats: workstations and Macs 0, 2, 5, 7 = 4.
        assert value(project, "endpoints_managed", "2024-01") == 7
        assert value(project, "seats_managed", "2024-01") == 4
        fake.remove(device_id(0))
        sync(project, "ninjaone")
    # Device 0 is gone from today on, never from the months it was managed in.
    assert value(project, "endpoints_managed", "2024-01") == 7
    current = str(project.calendar.current("month", project.metrics.now))
    assert value(project, "endpoints_managed", current) == 6
    assert value(project, "seats_managed", current) == 3
