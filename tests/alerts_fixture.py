"""A small company for the alert and digest tests, with numbers worked out by hand.

The tiny pack (tests/tiny_pack): New MRR (target $300 a month; green at the target, yellow
from 80% of it) owned by Ada Lovelace, who leads sales; New subscriptions (a count, no target)
owned by Alan Turing. Timezone UTC; the clock stands at 2025-04-16 00:00, so April is open
with 15 of its 30 days gone: New MRR is judged against $300 x 0.5 = $150 by today (green from
$150, yellow from $120).

March (closed): 4 subscriptions on B ($10), 4 on P ($25), 4 on X ($40): $300, 12 of them.
April so far: 3 on B, 3 on P, 2 on X: 30 + 75 + 80 = $185, 8 of them: green."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from northstar.packs import load_pack
from northstar.project import Project

TINY = Path(__file__).resolve().parent / "tiny_pack"
NOW = datetime(2025, 4, 16, tzinfo=UTC)
SMTP_ENV = "NS_TEST_SMTP_PASSWORD"

PEOPLE = """\
people:
  - id: ada_lovelace
    name: Ada Lovelace
    title: Head of sales
    department: sales
    metric: new_mrr
    email: ada@example.com
    lead: true
  - id: alan_turing
    name: Alan Turing
    title: Account executive
    department: sales
    metric: new_subscriptions
    email: alan@example.com
"""

MARCH = [("B", 10)] * 4 + [("P", 25)] * 4 + [("X", 40)] * 4
APRIL = [("B", 10)] * 3 + [("P", 25)] * 3 + [("X", 40)] * 2


def subscriptions(rows: list[tuple[str, int]], first: date, start: int = 1) -> pa.Table:
    return pa.table({
        "id": [f"S{start + i:04d}" for i in range(len(rows))],
        "plan_code": [code for code, _ in rows],
        "started_on": pa.array([first + timedelta(days=i % 10) for i in range(len(rows))],
                               pa.date32()),
        "monthly_amount": pa.array([amount for _, amount in rows], pa.int64()),
        "department": ["sales"] * len(rows),
    })


def build(root: Path, engine_url: str | None = None) -> Path:
    """The project folder (closed again): the tiny pack, the people above, the two months."""
    url = engine_url or "duckdb:///ledger.duckdb"  # in the folder: a copy has its own
    p = Project.init(root, pack=load_pack(TINY), timezone="UTC", engine_url=url)
    p.close()
    (root / "people.yml").write_text(PEOPLE, encoding="utf-8")
    with Project.open(root) as p:
        p.append("subscriptions", subscriptions(MARCH, date(2025, 3, 2)), source="billing")
        p.append("subscriptions", subscriptions(APRIL, date(2025, 4, 2), start=13),
                 source="billing")
    return root


def open_at(root: Path, now: datetime = NOW) -> Project:
    p = Project.open(root)
    p.metrics.now = now
    return p


def copy(template: Path, to: Path) -> Path:
    shutil.copytree(template, to)
    return to


def alerts_yml(smtp_port: int, ca_file: Path, rules: str, extra: str = "") -> str:
    return f"""\
base_url: https://kpi.example.com/
quiet: 24h
email:
  host: 127.0.0.1
  port: {smtp_port}
  security: starttls
  username: kpi
  password_env: {SMTP_ENV}
  from: Northstar <kpi@example.com>
  ca_file: {ca_file}
{extra}rules:
{rules}"""
