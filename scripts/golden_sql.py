"""Write the golden SQL: what every pack's metrics and models compile to on each engine.

    .venv/bin/python scripts/golden_sql.py            # write tests/golden_sql/ anew
    .venv/bin/python scripts/golden_sql.py --check    # say what differs, exit 1 if anything

For every pack: each model's SELECT (macros expanded), and for each measure or query metric the
statements it runs for its last closed period (bounds filled in) and those of its formula
target, as DuckDB runs them (Northstar's own dialect), as PostgreSQL runs them and as Spark runs
them (transpiled by SQLGlot), one file each:
`tests/golden_sql/<pack>/<models|metrics>/<name>.<duckdb|postgres|spark>.sql`. Expression and
manual metrics run no SQL of their own. Each file is laid out by SQLGlot (`pretty`) from the
exact text the engine receives, so a review reads the SQL, not one long line.
tests/test_golden_sql.py fails when what the code compiles differs from the reviewed files."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlglot

from northstar.engines import spark_sql
from northstar.engines.postgres import PostgresEngine
from northstar.metrics.sqlgen import as_of_day, fill_placeholders
from northstar.packs import get_pack, pack_names
from northstar.project import Project

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "golden_sql"
END = date(2026, 6, 15)
NOW = datetime(2026, 6, 15, 23, tzinfo=UTC)
"""The fixed clock: each metric's SQL is for its last period closed by then."""


def _postgres(sql: str) -> str:
    # the adapter's own translation (it needs no connection)
    return PostgresEngine.transpile(PostgresEngine.__new__(PostgresEngine), sql)


DIALECTS: dict[str, Callable[[str], str]] = {
    "duckdb": lambda sql: sql,
    "postgres": _postgres,
    "spark": lambda sql: spark_sql.to_spark(spark_sql.bind(sql, None)),
}
_READ = {"duckdb": "duckdb", "postgres": "postgres", "spark": "spark"}


def laid_out(sql: str, dialect: str) -> str:
    """`sql` pretty-printed in its own dialect (as it is, where SQLGlot cannot read it back)."""
    try:
        return ";\n".join(sqlglot.transpile(sql, read=_READ[dialect], write=_READ[dialect],
                                            pretty=True))
    except sqlglot.errors.SqlglotError:
        return sql


def pack_sql(name: str) -> dict[str, str]:
    """The golden files of one pack: path under FOLDER -> content."""
    pack = get_pack(name)
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.init(Path(tmp) / name, pack=pack, timezone=pack.sample_company.timezone,
                               engine_url=f"duckdb:///{Path(tmp) / 'golden.duckdb'}")
        try:
            # the columns' types decide how a period bounds its rows: the sample gives them
            project.load_sample(pack, pack.sample_company.min_rows, seed=7, end=END)
            project.metrics.now = NOW
            project.metrics.state()
            texts: dict[str, tuple[str, list[str]]] = {}
            for model in sorted(project.models.by_name.values(), key=lambda m: m.name):
                texts[f"{name}/models/{model.name}"] = ("model", [model.sql])
            calendar = project.calendar
            for m in sorted(project.catalog, key=lambda m: m.name):
                period = calendar.last_n(m.grain, 2, now=NOW)[0]
                statements = project.metrics.statements(m, period)
                if m.target is not None and m.target.sql is not None:
                    prior = calendar.same_period_last_year(period)
                    bounds = [(str(p), *calendar.dates(p), *calendar.utc_bounds(p))
                              for p in (period, prior)]
                    statements.append(fill_placeholders(
                        m.target.sql.strip().rstrip(";"), bounds[0], bounds[1],
                        as_of_day(bounds[0], END)))
                if statements:
                    texts[f"{name}/metrics/{m.name}"] = (f"metric, {period}", statements)
        finally:
            project.close()
    for key, (what, statements) in texts.items():
        for dialect, compile_ in DIALECTS.items():
            body = ";\n\n".join(laid_out(compile_(s), dialect) for s in statements)
            out[f"{key}.{dialect}.sql"] = (
                f"-- {key.split('/')[-1]} ({what}) on {dialect}: scripts/golden_sql.py\n"
                f"{body};\n")
    return out


def golden(packs: list[str] | None = None) -> dict[str, str]:
    """Every pack's golden files: path under FOLDER -> content."""
    out: dict[str, str] = {}
    for name in packs or pack_names():
        out.update(pack_sql(name))
    return out


def on_disk(folder: Path = FOLDER) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*.sql"))}


def changes(want: dict[str, str], have: dict[str, str]) -> list[str]:
    """What differs between the compiled SQL and the reviewed files, a line each."""
    return ([f"new: {k}" for k in sorted(want.keys() - have.keys())]
            + [f"gone: {k}" for k in sorted(have.keys() - want.keys())]
            + [f"changed: {k}" for k in sorted(want.keys() & have.keys()) if want[k] != have[k]])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; list what differs and exit 1 if anything does")
    args = parser.parse_args(argv)
    want = golden()
    found = changes(want, on_disk())
    if args.check:
        print("\n".join(found) or "the golden SQL is up to date")
        return 1 if found else 0
    if FOLDER.exists():
        shutil.rmtree(FOLDER)
    for rel, text in want.items():
        path = FOLDER / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(want)} files under {FOLDER.relative_to(ROOT)} ({len(found)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
