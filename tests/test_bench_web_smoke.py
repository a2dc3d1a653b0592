"""The web benchmark (bench/web.py) runs end to end on a tiny company: real server, real logins,
real concurrent clients, and it produces figures for both pages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("northstar_bench_web", BENCH / "web.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


web = _bench_module()


def test_percentile_is_nearest_rank() -> None:
    values = [float(x) for x in range(1, 21)]  # 1..20
    assert web.percentile(values, 95) == 19.0  # ceil(0.95 * 20) = 19th value
    assert web.percentile(values, 50) == 10.0
    assert web.percentile([5.0], 95) == 5.0
    assert web.percentile([3.0, 1.0, 2.0], 100) == 3.0


def test_quick_run_serves_both_pages_and_measures_them(tmp_path: Path) -> None:
    lines: list[str] = []
    results = web.run([2_000], tmp_path, requests=2, profile_misses=False, quick=True,
                      log=lines.append)
    assert [r.path for r in results] == ["/dashboards/executive", "/scorecard"]
    for r in results:
        # every request answered 200 with the page itself, or run() raised BenchError
        assert len(r.warm) == web.CLIENTS * 2
        assert all(x > 0 for x in r.warm)
        assert r.cold_ms > 0 and r.single_p50_ms > 0 and r.startup_s > 0
        assert min(r.warm) <= r.p50 <= r.p95 <= max(r.warm)
        assert r.rps > 0
        assert r.warm_ok is None  # the warm target is only judged on the 1M-row company
    host = {"date": "d", "cpu": "c", "cores": "2", "memory": "m", "os": "o", "python": "p",
            "duckdb": "x", "load": "1.0 / 1.0 / 1.0"}
    text = web.report(results, host, "2.0 / 1.0 / 1.0", 2)
    assert "| 2,000 | Leadership dashboard (`/dashboards/executive`)" in text
    assert "| 2,000 | Scorecard (`/scorecard`)" in text
    assert "shared with other work" in text
    assert len([line for line in lines if "p95" in line]) == 2  # one progress line per page


def test_a_page_that_is_not_the_page_fails_the_run() -> None:
    class Answer:
        status_code = 200
        text = "<form>Log in</form>"

    with pytest.raises(web.BenchError, match="not the page"):
        web.check_page(Answer(), "/scorecard")
    Answer.status_code = 500
    with pytest.raises(web.BenchError, match="answered 500"):
        web.check_page(Answer(), "/scorecard")


def test_docs_section_is_replaced_and_the_rest_kept(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text("# Benchmarks\n\n<!-- bench:begin -->\nother\n<!-- bench:end -->\n",
                    encoding="utf-8")
    web.write_docs("first", page)  # no markers yet: added at the end
    web.write_docs("second", page)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("# Benchmarks\n\n<!-- bench:begin -->\nother\n<!-- bench:end -->\n")
    assert f"{web.BEGIN}\nsecond\n{web.END}\n" in text
    assert "first" not in text and text.count(web.BEGIN) == 1
