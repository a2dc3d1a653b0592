"""Build (or reuse) a pack's sample company for the benchmark: the marketplace by default.

A company lives in `<data dir>/<rows>/` (the marketplace) or `<data dir>/<pack>/<rows>/` (any
other pack), beside a stamp that says what built it."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

SEED = 7
END = date(2026, 10, 31)
"""The sample data's last day: fixed, so a built company can be reused on any later day."""
TIMEZONE = "America/Chicago"
STAMP = "bench-stamp.json"


DEFAULT_PACK = "marketplace"


def company_dir(data_dir: Path, rows: int, pack: str = DEFAULT_PACK) -> Path:
    """The folder of one built company: its project and its stamp."""
    return data_dir / str(rows) if pack == DEFAULT_PACK else data_dir / pack / str(rows)


def project_dir(data_dir: Path, rows: int, pack: str = DEFAULT_PACK) -> Path:
    return company_dir(data_dir, rows, pack) / "project"


def pack_of(folder: Path) -> str:
    """The pack a built project (or a copy beside it) holds, from the stamp next to it."""
    stamp = folder.parent / STAMP
    if not stamp.exists():
        return DEFAULT_PACK
    return str(json.loads(stamp.read_text(encoding="utf-8")).get("pack", DEFAULT_PACK))


def generator_fingerprint(pack_name: str = DEFAULT_PACK) -> str:
    """Hash of the sample generator's source (every module of its package) and of the pack's
    reference files, which are loaded with it: either changed means a rebuilt company."""
    import inspect

    from northstar.packs import get_pack

    pack = get_pack(pack_name)
    source = inspect.getsourcefile(pack.generate)
    assert source is not None
    digest = hashlib.sha256()
    files = [*sorted(Path(source).parent.glob("*.py")), *sorted(pack.reference_dir.glob("*"))]
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def files_fingerprint(pack_name: str = DEFAULT_PACK) -> str:
    """Hash of the pack's metric, model, macro and people files, which a project holds copies
    of."""
    from northstar.packs import get_pack

    pack = get_pack(pack_name)
    digest = hashlib.sha256()
    for path in [*sorted(pack.metrics_dir.glob("*")), *sorted(pack.models_dir.glob("*")),
                 *sorted(pack.macros_dir.glob("*")), pack.people_file]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def refresh_files(folder: Path, pack_name: str = DEFAULT_PACK) -> float:
    """Copy the pack's current files into the project and rebuild its views; returns seconds."""
    from northstar.packs import get_pack
    from northstar.project import Project

    pack = get_pack(pack_name)
    for src, dst in ((pack.metrics_dir, folder / "metrics"), (pack.models_dir, folder / "models"),
                     (pack.macros_dir, folder / "macros")):
        shutil.rmtree(dst, ignore_errors=True)
        if src.is_dir():
            shutil.copytree(src, dst)
    shutil.copy2(pack.people_file, folder / "people.yml")
    started = time.perf_counter()
    with Project.open(folder) as project:
        project.metrics.state()
    return time.perf_counter() - started


def read_stamp(data_dir: Path, rows: int, pack: str = DEFAULT_PACK) -> dict[str, Any] | None:
    stamp = company_dir(data_dir, rows, pack) / STAMP
    if not stamp.exists():
        return None
    info: dict[str, Any] = json.loads(stamp.read_text(encoding="utf-8"))
    wanted = {"rows": rows, "seed": SEED, "end": END.isoformat(), "timezone": TIMEZONE,
              "generator": generator_fingerprint(pack)}
    if any(info.get(k) != v for k, v in wanted.items()) or info.get("pack", DEFAULT_PACK) != pack:
        return None
    if not (project_dir(data_dir, rows, pack) / "northstar.duckdb").exists():
        return None
    return info


def build(data_dir: Path, rows: int, *, pack: str = DEFAULT_PACK,
          log: Any = print) -> dict[str, Any]:
    """The company with `rows` ledger rows, built once and reused while its stamp matches.

    Returns the stamp: rows asked for, ledger rows written, load seconds, rows per second, and
    the seconds spent creating the model views (done here, so that a cold compute measures
    computing, not the one-off view creation after a load)."""
    found = read_stamp(data_dir, rows, pack)
    if found is not None:
        log(f"reusing the {rows:,}-row {pack} company in {project_dir(data_dir, rows, pack)}")
        files = files_fingerprint(pack)
        if found.get("files") != files:
            log("  the pack's metric, model or people files changed: copying them in")
            found["views_seconds"] = round(refresh_files(project_dir(data_dir, rows, pack),
                                                         pack), 3)
            found["files"] = files
            (company_dir(data_dir, rows, pack) / STAMP).write_text(
                json.dumps(found, indent=2) + "\n", encoding="utf-8")
        return found
    from northstar.packs import get_pack
    from northstar.project import Project

    folder = project_dir(data_dir, rows, pack)
    if folder.parent.exists():
        shutil.rmtree(folder.parent)
    folder.parent.mkdir(parents=True)
    log(f"building the {rows:,}-row {pack} company in {folder} ...")
    the_pack = get_pack(pack)
    fingerprint = generator_fingerprint(pack)
    started = time.perf_counter()
    with Project.init(folder, pack=the_pack, timezone=TIMEZONE,
                      name=f"Benchmark {pack} ({rows:,} rows)") as project:
        written = project.load_sample(the_pack, rows, seed=SEED, end=END)
        load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        project.metrics.state()  # creates the model views over the new ledger
        views_seconds = time.perf_counter() - started
    info = {
        "pack": pack, "rows": rows, "seed": SEED, "end": END.isoformat(), "timezone": TIMEZONE,
        "generator": fingerprint, "files": files_fingerprint(pack), "ledger_rows": written,
        "load_seconds": round(load_seconds, 3),
        "rows_per_second": round(written / load_seconds),
        "views_seconds": round(views_seconds, 3),
        "db_bytes": (folder / "northstar.duckdb").stat().st_size,
    }
    (folder.parent / STAMP).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    log(f"  {written:,} rows in {load_seconds:.1f} s ({info['rows_per_second']:,} rows/s)")
    return info


if __name__ == "__main__":  # pragma: no cover - `python bench/build.py 1000000 ...`
    import sys

    for arg in sys.argv[1:]:
        print(json.dumps(build(Path(__file__).parent / ".data", int(arg))))
