"""The soak (bench/soak.py) runs end to end for a few seconds on a tiny company: a real
server, concurrent users logging in and out, its memory sampled and reported."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_module() -> ModuleType:
    sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("northstar_bench_soak", BENCH / "soak.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


soak = _bench_module()


def test_the_slope_is_in_mb_per_ten_minutes() -> None:
    # 1 MB a minute: 10 MB per 10 minutes, whatever the offset
    assert soak.slope_per_10_min([(0.0, 100.0), (60.0, 101.0), (120.0, 102.0)]) == 10.0
    assert soak.slope_per_10_min([(5.0, 7.0)]) == 0.0


@pytest.mark.slow
def test_a_short_soak_reports_the_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert soak.main(["--minutes", "0.4", "--users", "3", "--rows", "2000",
                      "--sample-seconds", "1"]) == 0
    out = capsys.readouterr().out
    statuses = re.search(r"statuses \{([^}]*)\}", out)
    assert statuses is not None
    codes = {int(k) for k, _ in re.findall(r"(\d+): (\d+)", statuses.group(1))}
    assert codes <= {200, 303}, out  # pages and the login / logout redirects, no errors
    assert re.search(r"\| growth after the warm-up, median / lowest \| [+-]\d", out)
    assert re.search(r"\| fitted slope after the warm-up \| [+-]\d+\.\d\d MB / 10 min", out)
