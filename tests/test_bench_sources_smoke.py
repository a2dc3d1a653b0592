"""The collection benchmark (bench/sources.py) in quick mode: it must run, and the ledger must get
exactly the records the fake Stripe served — no more, no fewer, with the right amounts.

Expected values come from the generator's definition, worked out here on their own: charge i
has id `ch_<i, 7 digits>`, amount 500 + (i * 7919) mod 100000 in minor units, and is JPY (no
minor units) when i mod 13 == 12, USD otherwise."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from fakes.stripe import BASE, KEY
from northstar.project import Project

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("northstar_bench_sources",
                                                  BENCH / "sources.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_quick_mode_runs_and_writes_the_figures(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _bench()
    assert bench.main(["--quick", "--attach-rows", "2000"]) == 0
    out = capsys.readouterr().out
    assert "| 3,000 |" in out  # the quick size, in the table
    assert "the ledger holds exactly the records the fake served" in out
    assert "Warehouse attach" in out


def test_the_ledger_gets_exactly_the_records_served(tmp_path: Path) -> None:
    bench = _bench()
    n = 1234  # 12 full pages and one of 34
    with bench.Fake(n) as fake:
        result = bench._worker(["sync", fake.url, str(tmp_path)])
        served = fake.served()
    assert served == n
    assert (result["fetched"], result["appended"], result["pages"]) == (n, n, 13)
    with Project.open(tmp_path / "company", read_only=True) as p:
        rows = p.engine.rows("SELECT source_id, amount, currency FROM raw_stripe_charges")
    assert len(rows) == n
    assert {r[0] for r in rows} == {f"ch_{i:07d}" for i in range(n)}
    want = {f"ch_{i:07d}": (Decimal(500 + (i * 7919) % 100_000) if i % 13 == 12
                            else Decimal(500 + (i * 7919) % 100_000) / 100) for i in range(n)}
    assert {r[0]: r[1] for r in rows} == want
    assert sum(1 for r in rows if r[2] == "jpy") == len(range(12, n, 13))


def test_the_lazy_fake_pages_newest_first_and_filters(tmp_path: Path) -> None:
    bench = _bench()
    auth = {"Authorization": f"Bearer {KEY}"}
    with bench.Fake(250) as fake:
        first = httpx.get(f"{fake.url}/v1/charges", params={"limit": 100}, headers=auth).json()
        assert [c["id"] for c in first["data"][:2]] == ["ch_0000249", "ch_0000248"]
        assert first["has_more"] is True
        last = httpx.get(f"{fake.url}/v1/charges", headers=auth,
                         params={"limit": 100, "starting_after": "ch_0000050"}).json()
        assert [c["id"] for c in last["data"]] == [f"ch_{i:07d}" for i in range(49, -1, -1)]
        assert last["has_more"] is False
        # created >= charge 240's time: charges 240..249 only
        since = httpx.get(f"{fake.url}/v1/charges", headers=auth,
                          params={"limit": 100, "created[gte]": BASE + 240 * 60}).json()
        assert [c["id"] for c in since["data"]][-1] == "ch_0000240"
        assert len(since["data"]) == 10 and since["has_more"] is False
        missing = httpx.get(f"{fake.url}/v1/charges", headers=auth,
                            params={"starting_after": "ch_9999999"})
        assert missing.status_code == 400
        assert httpx.get(f"{fake.url}/v1/charges").status_code == 401
