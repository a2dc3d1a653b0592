"""ServiceTitan backfill benchmark: the seed's 160,000 jobs read from a fake export endpoint.

    python bench/servicetitan.py                    # 80,000 and 160,000 jobs
    python bench/servicetitan.py --jobs 160000      # one size
    python bench/servicetitan.py --quick            # 3,000 jobs (smoke test)
    python bench/servicetitan.py --docs             # also rewrite its section of docs/benchmarks.md

What is measured, each in a fresh process so its peak memory (`VmHWM`) is its own:
1. `northstar.sources.sync(project, "fsm", objects=["jobs"])`: a ServiceTitan source read
   through `/jpm/v2/tenant/{tenant}/export/jobs` (client-credentials token, `ST-App-Key`,
   `from` = the last answer's `continueFrom` while `hasMore`) into a fresh DuckDB project;
   rows/s, CPU time, peak memory, and the ledger checked to hold exactly the jobs served (count,
   distinct ids, the sum of `total` to the cent) and the export's last token as its cursor.
2. A plain loop against the same fake: httpx, the token, the same export answers, JSON decoded,
   nothing written. The ratio Northstar/plain is the target (>= 0.5).
3. The sync's peak memory at two sizes: it must not grow with the number of jobs.

The fake (tests/fakes/servicetitan.py, with the jobs made on demand from their index) runs in
its own process. ServiceTitan does not document how many records an export answer holds; the
fake answers `EXPORT_BATCH` (1,000) at a time."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN = "<!-- servicetitan-bench:start -->"
END = "<!-- servicetitan-bench:end -->"
for _extra in (HERE, ROOT / "tests", ROOT / "src"):
    if str(_extra) not in sys.path:
        sys.path.insert(0, str(_extra))

from common import ChildFake, run_worker, write_section  # noqa: E402  (bench/common.py)
from sources import _status, load, machine, mib  # noqa: E402  (bench/sources.py)

SEED_JOBS = 160_000
"""The seed's scale: 161,332 jobs since 2020 (seeds/003)."""
DEFAULT_JOBS = (80_000, SEED_JOBS)
QUICK_JOBS = (3_000,)
EXPORT_BATCH = 1000
SPACING = 900
"""Seconds between two generated jobs' last changes (160,000 jobs span about 4.5 years)."""
START = datetime(2020, 1, 1)


# -- the generated jobs ---------------------------------------------------------------------
def cents(i: int) -> int:
    return 10_000 + (i * 7919) % 1_000_000


def job(i: int) -> dict[str, Any]:
    """Job number `i` (0 = oldest) in the shape of the export (tests/fakes/servicetitan.py)."""
    from fakes.servicetitan import CAMPAIGNS, JOB_TYPES, UNITS, st

    changed = START + timedelta(seconds=i * SPACING)
    done = i % 3 != 0
    return {
        "id": 1_000_000 + i, "jobNumber": str(200_000 + i), "projectId": None,
        "customerId": 50_000 + i % 9973, "locationId": 70_000 + i % 9973,
        "jobStatus": "Completed" if done else "Scheduled",
        "completedOn": st(changed) if done else None, "businessUnitId": UNITS[i % 4][0],
        "jobTypeId": JOB_TYPES[i % 5][0], "priority": "Normal",
        "campaignId": CAMPAIGNS[i % 3][0], "summary": "<p>Exterior repaint</p>",
        "customFields": [], "externalData": [], "appointmentCount": 1,
        "firstAppointmentId": 3_000_000 + i, "lastAppointmentId": 3_000_000 + i,
        "recallForId": None, "warrantyId": None, "jobGeneratedLeadSource": None,
        "noCharge": False, "notificationsEnabled": True, "createdOn": st(changed),
        "createdById": 9, "modifiedOn": st(changed), "tagTypeIds": [], "leadCallId": None,
        "bookingId": None, "soldById": 77, "customerPo": "", "invoiceId": 4_000_000 + i,
        "membershipId": None, "total": cents(i) / 100, "createdFromEstimateId": None,
        "estimateIds": [], "equipmentIds": [], "active": True,
    }


def _serve(jobs: int) -> None:
    """Run the fake (in its own process): print its URL, serve until stdin closes."""
    from fakes.server import Answer, Request
    from fakes.servicetitan import TENANT, ServiceTitanFake, seq_of, token_for

    path = f"/jpm/v2/tenant/{TENANT}/export/jobs"

    class LazyServiceTitan(ServiceTitanFake):
        """The fake with `jobs` jobs made on demand, oldest change first."""

        def __init__(self) -> None:
            super().__init__(jobs=0, token_life=3600)
            self.served = 0

        def route(self, req: Request) -> Answer:
            if req.path == "/_bench/served":
                return 200, {}, {"served": self.served}
            if req.path != path:
                return super().route(req)
            refused = self.refused(req)
            if refused is not None:
                return refused
            start = 0
            if req.arg("from"):
                found = seq_of(req.arg("from") or "")
                if found is None or found > jobs:
                    return 400, {}, {"title": "Invalid continuation token.", "status": 400}
                start = found
            end = min(start + EXPORT_BATCH, jobs)
            data = [job(i) for i in range(start, end)]
            with self.lock:
                self.served += len(data)
            return 200, {}, {"hasMore": end < jobs, "continueFrom": token_for(end),
                             "data": data}

    with LazyServiceTitan() as fake:
        print(fake.url, flush=True)
        sys.stdin.read()


class Fake(ChildFake):
    """The fake ServiceTitan in a child process."""

    vendor = "ServiceTitan"

    def __init__(self, jobs: int) -> None:
        super().__init__(__file__, jobs)


def _worker(args: list[str]) -> dict[str, Any]:
    return run_worker(__file__, args)


def write_docs(text: str, path: Path = DOCS) -> None:
    write_section(text, BEGIN, END, path, heading="")


# -- measuring workers (each in a fresh process) ---------------------------------------------
def work_sync(url: str, folder: Path) -> dict[str, Any]:
    from fakes.servicetitan import ENV, sources_toml
    from northstar.project import Project
    from northstar.sources import sync

    os.environ.update(ENV)
    project = Project.init(folder / "company", engine_url=f"duckdb:///{folder / 'l.duckdb'}")
    toml = sources_toml("fsm").replace("{url}", url) + 'objects = ["jobs"]\n'
    (project.root / "sources.toml").write_text(toml, encoding="utf-8")
    rss0 = _status("VmRSS")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    runs = sync(project, "fsm")
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rows, ids, total = project.engine.rows(
        "SELECT count(*), count(DISTINCT source_id), CAST(sum(total) * 100 AS BIGINT) "
        "FROM raw_st_jobs")[0]
    token = project.engine.scalar("SELECT token FROM ns_cursors WHERE source_id = 'fsm.jobs'")
    project.close()
    run = runs[0]
    return {"wall_s": wall, "cpu_s": cpu, "fetched": run.fetched, "appended": run.appended,
            "pages": run.pages, "ledger_rows": rows, "ledger_ids": ids, "ledger_cents": total,
            "token": token, "rss_before": rss0, "peak": _status("VmHWM")}


def work_plain(url: str) -> dict[str, Any]:
    import httpx

    from fakes.servicetitan import APP_KEY, CLIENT_ID, CLIENT_SECRET, TENANT

    rss0 = _status("VmRSS")
    wall0, cpu0 = time.perf_counter(), time.process_time()
    fetched = pages = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        token = client.post("/connect/token", data={
            "grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "ST-App-Key": APP_KEY}
        start: str | None = None
        while True:
            response = client.get(f"/jpm/v2/tenant/{TENANT}/export/jobs", headers=headers,
                                  params={"from": start} if start else None)
            response.raise_for_status()
            body = response.json()
            pages += 1
            fetched += len(body["data"])
            if not body["hasMore"]:
                break
            start = body["continueFrom"]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"wall_s": wall, "cpu_s": cpu, "fetched": fetched, "pages": pages,
            "rss_before": rss0, "peak": _status("VmHWM")}


# -- the benchmark ---------------------------------------------------------------------------
def bench(jobs: int, repeats: int) -> dict[str, Any]:
    """Sync and plain loop at one size, alternating, best of `repeats`; every sync checked to
    have kept exactly the jobs served."""
    from fakes.servicetitan import token_for

    syncs: list[dict[str, Any]] = []
    plains: list[dict[str, Any]] = []
    want = sum(cents(i) for i in range(jobs))
    with Fake(jobs) as fake:
        for _ in range(repeats):
            served0 = fake.served()
            with tempfile.TemporaryDirectory(prefix="ns-bench-st-") as tmp:
                s = _worker(["sync", fake.url, tmp])
            s["served"] = fake.served() - served0
            exact = (s["served"] == jobs == s["ledger_rows"] == s["ledger_ids"]
                     and s["ledger_cents"] == want and s["token"] == token_for(jobs))
            if not exact:
                raise SystemExit(f"the ledger does not hold exactly the {jobs} jobs served: {s}")
            syncs.append(s)
            plains.append(_worker(["plain", fake.url]))
    best_sync = min(syncs, key=lambda r: r["wall_s"])
    best_plain = min(plains, key=lambda r: r["wall_s"])
    return {"jobs": jobs, "sync": best_sync, "plain": best_plain,
            "sync_peak": max(s["peak"] for s in syncs),
            "plain_peak": max(p["peak"] for p in plains),
            "ratio": best_plain["wall_s"] / best_sync["wall_s"]}


def report(results: list[dict[str, Any]], host: dict[str, str], load_start: str,
           load_end: str, repeats: int) -> str:
    out = [f"Measured {host['date']} on: {host['cpu']}, {host['cores']} cores (nproc), "
           f"{host['memory']} memory; Python {host['python']}, DuckDB {host['duckdb']}, "
           f"httpx {host['httpx']}. Load average (1/5/15 min) at the start {load_start}, at "
           f"the end {load_end}; best of {repeats} runs per side.", "",
           f"**ServiceTitan backfill** (`bench/servicetitan.py`: jobs from a fake export "
           f"endpoint, {EXPORT_BATCH:,} an answer, into a fresh DuckDB project; CPU time of "
           "the measuring process in brackets; peak = its VmHWM, its resident memory before "
           "the run in brackets):", "",
           "| jobs | Northstar `sync` | plain httpx loop | ratio (target >= 0.5) "
           "| peak memory, sync | peak memory, plain loop |",
           "| ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        s, p = r["sync"], r["plain"]
        out.append(f"| {r['jobs']:,} | {r['jobs'] / s['wall_s']:,.0f} rows/s "
                   f"({s['wall_s']:.1f} s, CPU {s['cpu_s']:.1f} s) | "
                   f"{r['jobs'] / p['wall_s']:,.0f} rows/s ({p['wall_s']:.1f} s, CPU "
                   f"{p['cpu_s']:.1f} s) | {r['ratio']:.2f} | {mib(r['sync_peak'])} "
                   f"({mib(s['rss_before'])}) | {mib(r['plain_peak'])} |")
    peaks = [r["sync_peak"] for r in results]
    growth = max(peaks) - min(peaks)
    flat = len(results) < 2 or growth <= 0.15 * min(peaks)
    ratio_ok = all(r["ratio"] >= 0.5 for r in results)
    ratios = ", ".join(f"{r['ratio']:.2f}" for r in results)
    out += ["", "- Every run: the ledger holds exactly the jobs the fake served (count, "
            "distinct ids, the sum of `total` to the cent) and `ns_cursors` the export's last "
            "`continueFrom`.",
            f"- Speed target (at least half the plain loop's speed): "
            f"{'met' if ratio_ok else '**not met**'} (ratio {ratios}).",
            f"- Memory target (peak flat in the number of jobs): "
            f"{'met' if flat else '**not met**'} (peaks {', '.join(mib(x) for x in peaks)})."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", help="comma-separated job counts (default 80000,160000)")
    parser.add_argument("--quick", action="store_true", help="3,000 jobs")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--docs", action="store_true", help=f"rewrite {DOCS.name}'s section")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve is not None:
        _serve(args.serve)
        return 0
    if args.worker:
        kind, *rest = args.worker
        result = work_sync(rest[0], Path(rest[1])) if kind == "sync" else work_plain(rest[0])
        print(json.dumps(result, default=str))
        return 0
    sizes = ([int(x) for x in args.jobs.split(",") if x] if args.jobs
             else list(QUICK_JOBS if args.quick else DEFAULT_JOBS))
    host, load_start = machine(), load()
    print(f"machine: {host}; load {load_start}", flush=True)
    results = []
    for n in sizes:
        r = bench(n, args.repeats)
        print(f"{n:>9,} jobs: sync {n / r['sync']['wall_s']:>9,.0f} rows/s peak "
              f"{mib(r['sync_peak'])}; plain {n / r['plain']['wall_s']:>9,.0f} rows/s; "
              f"ratio {r['ratio']:.2f}", flush=True)
        results.append(r)
    text = report(results, host, load_start, load(), args.repeats)
    print(text)
    if args.docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
