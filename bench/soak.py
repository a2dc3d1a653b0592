"""A bounded soak: the server under 20 concurrent users for a while, its memory sampled.

    .venv/bin/python bench/soak.py                      # 10 minutes, 20 users
    .venv/bin/python bench/soak.py --minutes 60 --docs  # the hour, figures into the docs
    .venv/bin/python bench/soak.py --minutes 5 --trace  # and what grew, by allocation site

A sample company (the marketplace pack, `--rows` ledger rows) is built in a temporary folder
with one user per simulated person (the first an admin), and served by uvicorn in its own
process, the way `northstar serve` does. Each user then browses on its own thread, one request
after another, for `--minutes`: its home page, the scorecard at each grain, every dashboard,
metric pages and drill-throughs for periods of the last two years, the integrity page and
the JSON API; it logs out and in again every 40 requests (a new session each time), and
types a wrong password for a made-up user name every 100 (a new throttle count each time).
The server's resident memory (VmRSS) is read every `--sample-seconds`.

The report gives the memory in the minute after the warm-up (the first tenth of the run, at
least a minute, when the pages' first computations are done) and in the last minute (median
and lowest: single samples swing by tens of MB), the growth between them, and the slope of a
line fitted through the samples after the warm-up and through the second half of the run,
where a leak shows and a cache filling up to its bound does not. `--trace` starts the server
with tracemalloc and prints the allocation sites that grew most between the end of the
warm-up and the end of the run."""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import write_section  # noqa: E402
from run import machine  # noqa: E402
from web import BenchError, free_port  # noqa: E402

DOCS = HERE.parent / "docs" / "benchmarks.md"
BEGIN = "<!-- soak:start -->"
END = "<!-- soak:end -->"
PASSWORD = "soak-password-0123"
SERVER = """
import signal, sys, tracemalloc
import uvicorn
from northstar.web.app import create_app

trace = sys.argv[3] if len(sys.argv) > 3 else ""
if trace:
    tracemalloc.start(8)
    marks = []

    def snapshot(signum, frame):
        marks.append(tracemalloc.take_snapshot())
        if len(marks) > 1:
            stats = marks[-1].compare_to(marks[0], "traceback")
            with open(trace, "w") as out:
                con = app.state.ns.project.engine.con.cursor()
                rows = con.execute("SELECT tag, memory_usage_bytes FROM duckdb_memory() "
                                   "WHERE memory_usage_bytes > 0 ORDER BY 2 DESC").fetchall()
                con.close()
                out.write("DuckDB: " + ", ".join(f"{t} {b / 2**20:.1f} MiB" for t, b in rows)
                          + "\\n")
                for s in stats[:15]:
                    out.write(f"{s.size_diff / 1024:+10.1f} KiB {s.count_diff:+8d} blocks\\n")
                    for line in s.traceback.format()[-8:]:
                        out.write(f"    {line}\\n")

    signal.signal(signal.SIGUSR1, snapshot)
app = create_app(sys.argv[1], schedule=False)
probe_file = sys.argv[4] if len(sys.argv) > 4 else ""
if probe_file:  # where the memory is, beside RSS: malloc's heap and DuckDB's own accounting
    import ctypes, json, threading, time

    class MallInfo2(ctypes.Structure):
        _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks",
                    "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    libc = ctypes.CDLL(None)
    mallinfo2 = getattr(libc, "mallinfo2", None)
    if mallinfo2 is not None:
        mallinfo2.restype = MallInfo2

    def probe():
        con = app.state.ns.project.engine.con.cursor()
        while True:
            line = {"t": time.monotonic()}
            if mallinfo2 is not None:
                m = mallinfo2()
                # arena: bytes malloc took from the system (not mmap'd); uordblks in use;
                # fordblks free but kept; hblkhd: large blocks mmap'd on their own
                line.update(heap=m.arena + m.hblkhd, used=m.uordblks + m.hblkhd,
                            free=m.fordblks)
            line["duckdb"] = con.execute("SELECT sum(memory_usage_bytes) "
                                         "FROM duckdb_memory()").fetchall()[0][0]
            status = open("/proc/self/status").read()
            for key in ("Threads", "RssAnon", "RssFile"):
                line[key] = int(status.split(key + ":")[1].split()[0])
            if trace:
                line["python"] = tracemalloc.get_traced_memory()[0]
            with open(probe_file, "a") as out:
                out.write(json.dumps(line) + "\\n")
            time.sleep(float(sys.argv[5]))

    threading.Thread(target=probe, daemon=True).start()
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning",
            proxy_headers=False, server_header=False, access_log=False)
"""


def build(folder: Path, rows: int, users: int) -> tuple[list[str], list[str], list[str]]:
    """The company, its users; returns (user names, metric names, dashboard names)."""
    from northstar.packs import get_pack
    from northstar.project import Project
    from northstar.secret import load_or_create_secret
    from northstar.web import views
    from northstar.web.auth import Auth
    from northstar.web.settings import WebSettings
    from northstar.web.store import ensure_tables

    pack = get_pack("marketplace")
    with Project.init(folder, pack=pack, timezone="UTC") as project:
        project.load_sample(pack, rows, end=datetime.now(UTC).date())
        ensure_tables(project.engine)
        auth = Auth(project.engine, load_or_create_secret(folder), WebSettings())
        people = sorted(p.id for p in project.catalog.people.values() if p.metric)
        names = [f"user{i:02d}" for i in range(users)]
        for i, name in enumerate(names):
            auth.add_user(name, people[i % len(people)], "admin" if i == 0 else "viewer",
                          PASSWORD)
        metrics = sorted(m.name for m in project.catalog if m.grain == "month")
        boards = sorted(views.dashboards(project))
    return names, metrics, boards


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: int = 0
    logins: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)

    def add(self, status: int, what: str, seconds: float | None = None) -> None:
        with self.lock:
            self.requests += 1
            if seconds is not None:
                self.seconds.append(seconds)
            self.statuses[status] += 1
            if (status >= 500 or status == 0) and len(self.errors) < 5:
                self.errors.append(f"{what}: {status}")


CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def log_in(client: Any, user: str, password: str, tally: Tally) -> str:
    page = client.get("/login")
    found = CSRF.search(page.text)
    if found is None:
        raise BenchError(f"/login answered {page.status_code} without a CSRF token")
    done = client.post("/login", data={"username": user, "password": password,
                                       "csrf_token": found.group(1)})
    tally.add(done.status_code, "POST /login")
    with tally.lock:
        tally.logins += 1
    home = client.get("/scorecard")
    found = CSRF.search(home.text)
    return found.group(1) if found else ""


def paths(rng: random.Random, metrics: list[str], boards: list[str], months: list[str],
          admin: bool) -> str:
    m, period = rng.choice(metrics), rng.choice(months)
    choices = [
        "/", f"/scorecard?grain={rng.choice(['week', 'month', 'quarter'])}",
        f"/dashboards/{rng.choice(boards)}" if boards else "/scorecard",
        f"/metric/{m}?period={period}", f"/drill/{m}?period={period}&page={rng.randint(1, 3)}",
        "/integrity", f"/api/metrics?period={period}", "/api/scorecard", "/api/my-metric",
    ]
    if admin:
        choices += ["/admin", "/api/audit"]
    return rng.choice(choices)


def browse(base: str, user: str, index: int, until: float, metrics: list[str],
           boards: list[str], months: list[str], tally: Tally) -> None:
    import httpx

    rng = random.Random(index)
    n = 0
    while time.monotonic() < until:
        try:
            n = _browse(base, user, index, until, metrics, boards, months, tally, rng, n)
        except httpx.HTTPError as exc:  # counted (as status 0), and the user starts again
            tally.add(0, f"{type(exc).__name__}: {exc}")


def _browse(base: str, user: str, index: int, until: float, metrics: list[str],
            boards: list[str], months: list[str], tally: Tally, rng: random.Random,
            n: int) -> int:
    import httpx

    with httpx.Client(base_url=base, timeout=120, follow_redirects=False) as client:
        csrf = log_in(client, user, PASSWORD, tally)
        while time.monotonic() < until:
            n += 1
            if n % 100 == 0:  # a wrong password for a made-up name
                with httpx.Client(base_url=base, timeout=120) as stranger:
                    log_in(stranger, f"nobody-{index}-{n}", "not-the-password", tally)
            if n % 40 == 0:  # log out and in again: a new session
                r = client.post("/logout", data={"csrf_token": csrf})
                tally.add(r.status_code, "POST /logout")
                client.cookies.clear()
                csrf = log_in(client, user, PASSWORD, tally)
                continue
            path = paths(rng, metrics, boards, months, admin=index == 0)
            asked = time.perf_counter()
            r = client.get(path)
            tally.add(r.status_code, path, time.perf_counter() - asked)
    return n


def slope_per_10_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB), in MB per 10 minutes."""
    if len(samples) < 2:
        return 0.0
    n = len(samples)
    mx = sum(t for t, _ in samples) / n
    my = sum(m for _, m in samples) / n
    var = sum((t - mx) ** 2 for t, _ in samples)
    if var == 0:
        return 0.0
    return sum((t - mx) * (m - my) for t, m in samples) / var * 600


def soak(args: argparse.Namespace) -> str:
    work = Path(tempfile.mkdtemp(prefix="northstar-soak-"))
    try:
        started_build = time.perf_counter()
        users, metrics, boards = build(work / "project", args.rows, args.users)
        print(f"built {args.rows:,} rows, {len(users)} users in "
              f"{time.perf_counter() - started_build:.0f} s", flush=True)
        today = datetime.now(UTC).date()
        months = []  # the last 24 months, this one first
        y, mo = today.year, today.month
        for _ in range(24):
            months.append(f"{y}-{mo:02d}")
            y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
        port = free_port()
        trace = str(work / "trace.txt") if args.trace else ""
        probe = work / "probe.jsonl"
        # a file, not a pipe nobody reads during the run (a full pipe would stall the server)
        errors = (work / "server.err").open("w+")
        from northstar.config import WebConfig

        env = dict(os.environ)
        # every simulated user comes from 127.0.0.1: keep the spraying guard from slowing the
        # soak's logins (the waits are tested in tests/test_web_logins.py); a version without
        # the guard (to compare with) has no such settings
        for key in ("client_slow_after", "all_slow_after"):
            if key in WebConfig.model_fields:
                env[f"NORTHSTAR__WEB__{key.upper()}"] = "1000000"
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(work / "project"),
                                 str(port), trace, str(probe), str(args.sample_seconds)],
                                env=env, stdout=subprocess.DEVNULL,
                                stderr=errors, text=True)
        try:
            return drive(args, proc, port, trace, probe, users, metrics, boards, months)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            errors.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def drive(args: argparse.Namespace, proc: subprocess.Popen[str], port: int, trace: str,
          probe: Path, users: list[str], metrics: list[str], boards: list[str],
          months: list[str]) -> str:
    import socket

    deadline = time.monotonic() + 600
    while True:
        if proc.poll() is not None:
            raise BenchError(f"the server exited: {(probe.parent / 'server.err').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise BenchError("the server did not start") from None
            time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    duration = args.minutes * 60
    warmup = max(60.0, duration / 10) if duration > 120 else duration / 4
    host = machine()
    started = time.monotonic()
    until = started + duration
    tally = Tally()
    threads = [threading.Thread(target=browse, args=(base, u, i, until, metrics, boards,
                                                     months, tally), daemon=True)
               for i, u in enumerate(users)]
    for t in threads:
        t.start()
    samples: list[tuple[float, float]] = []
    marked = False
    while any(t.is_alive() for t in threads):
        now = time.monotonic() - started
        samples.append((now, rss_mb(proc.pid)))
        if trace and not marked and now >= warmup:
            proc.send_signal(signal.SIGUSR1)
            marked = True
        last = samples[-1]
        if len(samples) % max(1, int(60 / args.sample_seconds)) == 1:
            print(f"{last[0]:7.0f} s  {last[1]:7.1f} MB  {tally.requests:7d} requests",
                  flush=True)
        time.sleep(args.sample_seconds)
    for t in threads:
        t.join()
    samples.append((time.monotonic() - started, rss_mb(proc.pid)))
    if trace:
        proc.send_signal(signal.SIGUSR1)
        waited = time.monotonic() + 600  # comparing the snapshots takes a while
        while not Path(trace).exists() and time.monotonic() < waited:
            time.sleep(2)
        time.sleep(2)
    # RSS swings by tens of MB from one sample to the next (query results, DuckDB's buffers
    # coming and going): compare the medians of a minute, and fit a line through the rest
    after = [(t, m) for t, m in samples if t >= warmup] or samples
    second_half = [(t, m) for t, m in samples if t >= duration / 2]
    at_warm = statistics.median(m for t, m in after if t < after[0][0] + 60)
    end = statistics.median(m for t, m in samples if t >= samples[-1][0] - 60)
    floor_warm = min(m for t, m in after if t < after[0][0] + 60)
    floor_end = min(m for t, m in samples if t >= samples[-1][0] - 60)
    peak = max(m for _, m in samples)
    bad = sum(n for s, n in tally.statuses.items() if s >= 500 or s == 0)
    lines = [
        f"Measured {host['date']} on {host['cpu']}, {host['cores']} cores, {host['memory']} "
        f"RAM, {host['os']}, Python {host['python']}, DuckDB {host['duckdb']} (load average "
        f"at the end {machine()['load']}).",
        "",
        f"`bench/soak.py --minutes {args.minutes:g} --users {args.users} --rows {args.rows}`: "
        f"{tally.requests:,} requests ({tally.requests / duration:.1f}/s), {tally.logins:,} "
        f"logins, statuses {dict(sorted(tally.statuses.items()))}"
        + (f", errors: {'; '.join(tally.errors)}" if tally.errors else "") + ".",
        "",
        "| | server RSS |",
        "|---|---:|",
        f"| at the start | {samples[0][1]:.1f} MB |",
        f"| the minute after the warm-up ({warmup / 60:.1f} min), median / lowest | "
        f"{at_warm:.1f} / {floor_warm:.1f} MB |",
        f"| the last minute ({duration / 60:.0f} min), median / lowest | {end:.1f} / "
        f"{floor_end:.1f} MB |",
        f"| peak | {peak:.1f} MB |",
        f"| growth after the warm-up, median / lowest | {end - at_warm:+.1f} / "
        f"{floor_end - floor_warm:+.1f} MB |",
        f"| fitted slope after the warm-up | {slope_per_10_min(after):+.2f} MB / 10 min |",
        f"| fitted slope over the second half | {slope_per_10_min(second_half):+.2f} MB / "
        "10 min |",
    ]
    lines += where_it_is(probe, started, after[0][0], samples[-1][0])
    if tally.seconds:
        ordered = sorted(tally.seconds)
        p50 = ordered[len(ordered) // 2]
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        lines += ["", f"Page and API requests: median {p50 * 1000:.0f} ms, 95th percentile "
                  f"{p95 * 1000:.0f} ms, slowest {ordered[-1] * 1000:.0f} ms (all "
                  f"{args.users} users' requests, each waiting its turn for the one "
                  "database connection)."]
    lines.append(f"\n{bad} requests failed (a server error, or 0: the connection failed).")
    if trace and Path(trace).exists():
        lines += ["", "What grew most after the warm-up (tracemalloc):", "", "```",
                  Path(trace).read_text().rstrip(), "```"]
    return "\n".join(lines)


def where_it_is(probe: Path, started: float, warm: float, last: float) -> list[str]:
    """The server's own readings (malloc's heap, DuckDB's accounting, threads): the median
    of the minute after the warm-up and of the last minute."""
    import json

    if not probe.exists():
        return []
    rows = [json.loads(line) for line in probe.read_text().splitlines() if line.strip()]
    for row in rows:
        row["t"] -= started

    def median(key: str, lo: float) -> float | None:
        found = [r[key] for r in rows if key in r and r[key] is not None and lo <= r["t"] < lo + 60]
        return statistics.median(found) if found else None

    out = ["", "| in the server | after the warm-up | the last minute |", "|---|---:|---:|"]
    for key, label, unit in [("RssAnon", "resident, anonymous (heaps, stacks)", 2**10),
                             ("RssFile", "resident, files (the program and libraries)", 2**10),
                             ("heap", "malloc's heap, taken from the system", 2**20),
                             ("used", "... in use by the program", 2**20),
                             ("free", "... free but kept", 2**20),
                             ("duckdb", "DuckDB's own accounting (`duckdb_memory()`)", 2**20),
                             ("python", "Python's objects (tracemalloc)", 2**20),
                             ("Threads", "threads", 0)]:
        a, b = median(key, warm), median(key, last - 60)
        if a is None or b is None:
            continue
        if unit:
            out.append(f"| {label} | {a / unit:.1f} MB | {b / unit:.1f} MB |")
        else:
            out.append(f"| {label} | {a:.0f} | {b:.0f} |")
    return out if len(out) > 3 else []


def write_docs(text: str, path: Path = DOCS) -> None:
    write_section(text, BEGIN, END, path, heading="## Soak\n\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the users browse")
    parser.add_argument("--users", type=int, default=20, help="concurrent users")
    parser.add_argument("--rows", type=int, default=20_000, help="ledger rows of the company")
    parser.add_argument("--sample-seconds", type=float, default=5.0,
                        help="how often the server's memory is read")
    parser.add_argument("--trace", action="store_true",
                        help="run the server under tracemalloc and show what grew")
    parser.add_argument("--docs", action="store_true", help="write the figures into "
                        "docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.users < 1:
        parser.error("--minutes must be positive and --users at least 1")
    text = soak(args)
    print(text)
    if args.docs:
        write_docs(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
