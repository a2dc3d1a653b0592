"""The agency pack's sample company (Summit Scale Co.): deterministic, shaped as its manifest
says, and the field ownership the pack sets: Stripe's cash and GoHighLevel's pipeline win, and
every disagreement is a finding, on DuckDB and PostgreSQL."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from northstar.packs.agency import PACK
from northstar.project import Project

END = date(2026, 6, 15)
ROWS = 12_000


def digest(seed: int) -> str:
    h = hashlib.sha256()
    for batch in PACK.sample(ROWS, seed=seed, end=END):
        h.update(f"{batch.name}:{batch.source}".encode())
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, batch.data.schema) as writer:
            writer.write_table(batch.data)
        h.update(sink.getvalue().to_pybytes())
    return h.hexdigest()


def test_the_same_seed_makes_the_same_agency_and_another_seed_another() -> None:
    assert digest(7) == digest(7) != digest(8)


def test_the_sample_writes_the_manifests_tables_and_the_owned_copies() -> None:
    written = {(b.source, b.name) for b in PACK.sample(ROWS, end=END)}
    own = {(s.name, t) for s in PACK.sources for t in s.tables}
    others = {(o, t) for t, rule in PACK.ownership.items() for o in rule.others}
    assert written == own | others
    assert others == {("gohighlevel", "stripe_charges"), ("close_tracker", "ghl_opportunities")}


@pytest.fixture
def project(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    p = Project.init(tmp_path / "summit", pack=PACK, engine_url=engine_url,
                     timezone="America/Denver")
    p.load_sample(PACK, ROWS, seed=7, end=END)
    yield p
    p.close()


def test_the_owner_wins_and_every_disagreement_is_a_finding(project: Project) -> None:
    toml = (project.root / "northstar.toml").read_text()
    assert "[ownership.stripe_charges]" in toml and "[ownership.ghl_opportunities]" in toml
    # Independently of the SQL: the copies that differ from the owner's rows, field by field.
    rows: dict[tuple[str, str], dict[str, dict[str, object]]] = {}
    for b in PACK.sample(ROWS, seed=7, end=END):
        if b.name in PACK.ownership:
            for r in b.data.to_pylist():
                rows.setdefault((b.name, r["id"]), {})[b.source] = r
    want = set()
    for (table, rid), by_source in rows.items():
        rule = PACK.ownership[table]
        for other in rule.others:
            if rule.owner in by_source and other in by_source:
                for f in rule.fields:
                    if by_source[rule.owner][f] != by_source[other][f]:
                        want.add((table, rid, f))
    found = {(f["object"], f["record_key"], f["field"]) for f in project.findings()}
    assert want and found == want
    # the models read the owner's value: one row per charge, Stripe's refunds
    assert project.engine.scalar("SELECT count(*) FROM stripe_charges") == project.engine.scalar(
        "SELECT count(DISTINCT source_id) FROM stripe_charges")
    assert project.engine.scalar(
        "SELECT count(*) FROM stripe_charges WHERE source_name <> 'stripe'") == 0
