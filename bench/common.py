"""What the benchmarks share: their section of docs/benchmarks.md, a fake vendor server in a
child process, and measuring workers run in fresh processes (so each peak memory is its own)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def write_section(text: str, begin: str, end: str, path: Path = DOCS, *,
                  heading: str | None = None) -> None:
    """Replace the text between `begin` and `end` on the page (read right before writing: other
    tools write other sections). A page without the markers gets them at its end, under
    `heading` when one is given; without a heading, missing markers are an error."""
    page = path.read_text(encoding="utf-8")
    if begin not in page or end not in page:
        if heading is None:
            raise SystemExit(f"{path} has no {begin!r} ... {end!r} markers to write between")
        page = page.rstrip("\n") + f"\n\n{heading}{begin}\n{end}\n"
    head, rest = page.split(begin, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{begin}\n{text}\n{end}{tail}", encoding="utf-8")


def status(key: str) -> int:
    """`VmHWM` / `VmRSS` of this process in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def run_worker(script: str, args: list[str]) -> dict[str, Any]:
    """Run `python SCRIPT --worker ARGS...` in a fresh process and return its last JSON line."""
    out = subprocess.run([sys.executable, script, "--worker", *args], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"worker {args[0]} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


class ChildFake:
    """A fake vendor server in a child process: `python SCRIPT --serve COUNT` prints its URL,
    serves until its stdin closes, and answers `GET /_bench/served` with how many records it
    has handed out."""

    vendor = "vendor"

    def __init__(self, script: str, count: int) -> None:
        self.proc = subprocess.Popen([sys.executable, script, "--serve", str(count)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.close()
            raise RuntimeError(f"the fake {self.vendor} server did not start")

    def served(self) -> int:
        import httpx

        return int(httpx.get(f"{self.url}/_bench/served").json()["served"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> ChildFake:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
