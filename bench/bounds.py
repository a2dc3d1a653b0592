"""How fast a file past the load bounds is refused (`[load]` in northstar.toml).

    .venv/bin/python bench/bounds.py                # 600,000 columns, best of 3

A CSV whose header has `--columns` columns (id, c1, c2, ...) and one record is given to
`Project.load_file` (what `northstar load` runs) and to `load_mapped` (`northstar load-mapped`),
once with the default bounds (the header line is longer than `max_line_length`) and once with
`max_line_length` raised past the header, so the column count is what refuses it. Each figure
is the best of `--repeats`, in seconds, from the call to the refusal; `northstar load` as a
process (start-up included) is timed too."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import machine  # noqa: E402


def refusal(call: object, repeats: int) -> tuple[float, str]:
    from northstar.errors import LoadError

    best, message = float("inf"), ""
    for _ in range(repeats):
        started = time.perf_counter()
        try:
            call()  # type: ignore[operator]
        except LoadError as exc:
            message = str(exc)
        else:
            raise SystemExit("the file was not refused")
        best = min(best, time.perf_counter() - started)
    return best, message


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=600_000, help="columns in the header")
    parser.add_argument("--repeats", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args(argv)

    from northstar.config import LoadSettings
    from northstar.project import Project
    from northstar.warehouse import load_mapped

    print(machine())
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "wide.csv"
        names = ["id", *(f"c{i}" for i in range(1, args.columns))]
        path.write_text(",".join(names) + "\n" + ",".join(["1"] * args.columns) + "\n")
        mapping = folder / "wide.yml"
        mapping.write_text("table: things\nid: id\nunmapped: keep\n")
        size = path.stat().st_size / 1e6
        print(f"{path.name}: {args.columns:,} columns, {size:.1f} MB")
        with Project.init(folder / "p", timezone="UTC") as p:
            for label, bounds in (("default bounds", LoadSettings()),
                                  ("max_line_length = 10,000,000",
                                   LoadSettings(max_line_length=10_000_000))):
                p.settings.load = bounds
                for what, call in (
                        ("load", lambda: p.load_file("things", path, source="file")),
                        ("load-mapped", lambda: load_mapped(p, path, mapping))):
                    seconds, message = refusal(call, args.repeats)
                    print(f"{what:12} {label:30} refused in {seconds * 1000:8.1f} ms: "
                          f"{message}")
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "northstar", "load", "things",
                               str(path), "-p", str(folder / "p")],
                              capture_output=True, text=True, check=False)
        took = time.perf_counter() - started
        print(f"`northstar load` as a process: exit {proc.returncode} in {took:.2f} s "
              f"(start-up included): {proc.stderr.strip()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
