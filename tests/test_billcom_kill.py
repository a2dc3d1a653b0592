"""A Bill.com sync killed (SIGKILL) at any point, then run again, leaves the ledger exactly as
one clean run does (the machinery and its kill plans: test_sources_kill.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.billcom import ENV, BillComFake, bill_id, sources_toml
from northstar.project import Project
from northstar.sources.sync import sync
from test_sources_kill import DELAY_KILLS, KILLS, kill_and_rerun

TOML = sources_toml("ap") + """batch_bytes = 1000
"""
REQUESTS = 3
"""The killed run, after a first full run and three changed bills: the login; vendors from ten
minutes before the cursor (the last vendor, one page); bills likewise (the last bill and the
three changed since: one full page of 4, with no `nextPage`)."""



@pytest.mark.slow
def test_killed_billcom_runs_rerun_to_the_clean_result(tmp_path: Path) -> None:
    with BillComFake() as fake:

        def first_run_then_changes(project: Project) -> None:
            fake.reset()
            sync(project, "ap")
            fake.touch("bills", bill_id(0), paymentStatus="PAID", dueAmount=0.0)
            fake.touch("bills", bill_id(4), approvalStatus="APPROVED")
            fake.touch("bills", bill_id(5), archived=True)

        kill_and_rerun(tmp_path, fake, TOML.replace("{url}", fake.url), "ap", ENV,
                       requests=REQUESTS, kills=KILLS, delay_kills=DELAY_KILLS,
                       prepare=first_run_then_changes)
