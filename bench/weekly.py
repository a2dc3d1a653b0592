"""The weekly meeting's cost: the 13 ISO weeks of every owner's metric on the marketplace
pack's sample company, computed cold (every week computed and the closed ones frozen, as the
first start after an upgrade does), from the page memo, and again once the closed weeks are
frozen (what a later start, or the refresh after a collection, pays).

    python bench/weekly.py                  # 200,000 and 1,000,000 ledger rows
    python bench/weekly.py --rows 3000      # one size (the smoke test's)

Prints one line per size; docs/benchmarks.md ("The weekly meeting") keeps the figures."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def measure(rows: int, folder: Path) -> dict[str, Any]:
    """Seconds and milliseconds for one sample company of `rows` ledger rows."""
    from northstar.packs import get_pack
    from northstar.project import Project
    from northstar.web import views
    from northstar.web.weekly import weekly

    pack = get_pack("marketplace")
    with Project.init(folder, pack=pack, timezone="America/Chicago") as p:
        started = time.perf_counter()
        loaded = p.load_sample(pack, rows)
        load_s = time.perf_counter() - started
        p.metrics.now = datetime.now(UTC)  # one instant: the open week's share gone stays put
        started = time.perf_counter()
        card = weekly(p)
        cold_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        weekly(p)
        memo_ms = (time.perf_counter() - started) * 1000
        views.forget(p)
        started = time.perf_counter()
        again = weekly(p)
        frozen_ms = (time.perf_counter() - started) * 1000
        assert [[(c["value"], c["goal"], c["status"]) for c in r["cells"]] for r in again["rows"]
                ] == [[(c["value"], c["goal"], c["status"]) for c in r["cells"]]
                      for r in card["rows"]], "the frozen weeks changed a value"
        return {"rows": loaded, "owners": len(card["rows"]),
                "errors": sum(1 for r in card["rows"] if r["error"]),
                "load_s": load_s, "cold_ms": cold_ms, "memo_ms": memo_ms,
                "frozen_ms": frozen_ms}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append",
                        help="ledger rows of the sample company (repeatable)")
    args = parser.parse_args(argv)
    for rows in args.rows or [200_000, 1_000_000]:
        with tempfile.TemporaryDirectory() as tmp:
            r = measure(rows, Path(tmp) / "p")
        print(f"{r['rows']:,} rows, {r['owners']} owners x 13 weeks ({r['errors']} failed): "
              f"load {r['load_s']:.1f} s; weekly cold {r['cold_ms']:,.0f} ms, from the memo "
              f"{r['memo_ms']:.2f} ms, closed weeks frozen {r['frozen_ms']:,.0f} ms", flush=True)


if __name__ == "__main__":
    main()
