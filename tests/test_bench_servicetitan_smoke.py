"""The ServiceTitan backfill benchmark (bench/servicetitan.py) at a small size: its worker must
keep exactly the jobs its lazy fake served, and the fake must page the export like the real one.

Expected values come from the generator's definition, worked out here on their own: job i has
id 1,000,000 + i and a total of (10,000 + (i * 7919) mod 1,000,000) cents."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx

from fakes.servicetitan import APP_KEY, CLIENT_ID, CLIENT_SECRET, TENANT, token_for
from northstar.project import Project

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("northstar_bench_servicetitan",
                                                  BENCH / "servicetitan.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_ledger_gets_exactly_the_jobs_served(tmp_path: Path) -> None:
    bench = _bench()
    n = 2345  # two full answers of 1,000 and one of 345
    with bench.Fake(n) as fake:
        result = bench._worker(["sync", fake.url, str(tmp_path)])
        served = fake.served()
    assert served == n
    assert (result["fetched"], result["appended"], result["pages"]) == (n, n, 3)
    assert result["token"] == token_for(n)
    with Project.open(tmp_path / "company", read_only=True) as p:
        rows = dict(p.engine.rows("SELECT source_id, total FROM raw_st_jobs"))
    assert rows == {str(1_000_000 + i): Decimal(10_000 + (i * 7919) % 1_000_000) / 100
                    for i in range(n)}


def test_the_lazy_fake_pages_the_export(tmp_path: Path) -> None:
    bench = _bench()
    with bench.Fake(1500) as fake:
        token = httpx.post(fake.url + "/connect/token", data={
            "grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "ST-App-Key": APP_KEY}
        url = f"{fake.url}/jpm/v2/tenant/{TENANT}/export/jobs"
        first = httpx.get(url, headers=headers).json()
        assert (len(first["data"]), first["hasMore"]) == (1000, True)
        assert first["data"][0]["id"] == 1_000_000
        last = httpx.get(url, headers=headers, params={"from": first["continueFrom"]}).json()
        assert [j["id"] for j in last["data"]] == list(range(1_001_000, 1_001_500))
        assert last["hasMore"] is False and last["continueFrom"] == token_for(1500)
        assert httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 401
