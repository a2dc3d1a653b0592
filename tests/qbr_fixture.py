"""A small help-desk company for the QBR tests, written by hand (no pack): three sources, a
flow, a level and three ratio SmartNumbers, January 2024 to March 2025, in UTC.

- `helpdesk` tickets: in the i-th month (i = 1 for 2024-01 ... 15 for 2025-03) i tickets,
  each of 1.5 hours in 2024-Q1 to Q3, 2.0 hours in 2024-Q4 and 1.0 hour in 2025.
- `rmm` devices: D01-D10 since 2023-12-15 (D03, D05 and D07 removed on 2024-11-20), D11-D15
  since 2024-05-10, D16-D25 since 2025-02-01.
- `books` invoices: one a month, 1,000 x i.

So, worked out by hand, per quarter (2024-Q1 .. 2025-Q1):
  tickets created        6, 15, 24, 33, 42
  ticket hours           9.0, 22.5, 36.0, 66.0, 42.0
  endpoints (at the end) 10, 15, 15, 12, 22
  revenue                6,000  15,000  24,000  33,000  42,000
  tickets per endpoint   0.60, 1.00, 1.60, 2.75, 1.909..  (lower is better: green <= 1, yellow <= 2)
  hours per ticket       1.50, 1.50, 1.50, 2.00, 1.00     (green <= 1.2, yellow <= 1.6)
  revenue per endpoint   600, 1,000, 1,600, 2,750, 1,909.09 (target 2,000: green >= 2,000,
                                                             yellow >= 1,800)
and 2025-Q1's months: tickets 13, 14, 15; hours 13.0, 14.0, 15.0; endpoints 12, 22, 22;
revenue 13,000, 14,000, 15,000."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from northstar.project import Project

NOW = datetime(2025, 4, 15, 9, 0, tzinfo=UTC)
"""The fixture's today: 2025-Q1 is the last closed quarter."""

METRICS = {
    "tickets_created": """\
name: tickets_created
title: Tickets created
description: Help-desk tickets opened in the period.
department: operations
unit: count
model: ticket_rows
measure: count(*)
time_column: opened_at
""",
    "ticket_hours": """\
name: ticket_hours
title: Ticket hours
description: Hours worked on the period's tickets.
department: operations
unit: number
decimals: 1
model: ticket_rows
measure: sum(hours)
time_column: opened_at
""",
    "endpoints": """\
name: endpoints
title: Endpoints managed
description: Devices under management at the end of the period.
department: operations
unit: count
pace: {kind: level}
sql: |
  select count(*) as value from devices
  where created < {period_end} and (removed is null or removed >= {period_end})
""",
    "revenue": """\
name: revenue
title: Revenue
description: Invoiced in the period.
department: finance
unit: usd
model: invoice_rows
measure: sum(amount)
time_column: invoiced_on
""",
    "tickets_per_endpoint": """\
name: tickets_per_endpoint
title: Tickets per endpoint
description: Tickets created per endpoint managed.
department: operations
unit: number
decimals: 2
direction: lower
expression: tickets_created / endpoints
bands: {relative_to: absolute, green: 1.0, yellow: 2.0}
actions:
  red: Find the devices that open the most tickets and fix their cause.
""",
    "hours_per_ticket": """\
name: hours_per_ticket
title: Hours per ticket
description: Hours worked per ticket created.
department: operations
unit: number
decimals: 2
direction: lower
expression: ticket_hours / tickets_created
bands: {relative_to: absolute, green: 1.2, yellow: 1.6}
""",
    "revenue_per_endpoint": """\
name: revenue_per_endpoint
title: Revenue per endpoint
description: Revenue per endpoint managed.
department: finance
unit: usd
expression: revenue / endpoints
target: {value: 2000}
""",
}
MODELS = {
    "ticket_rows": "select id, opened_at, hours from tickets\n",
    "invoice_rows": "select id, invoiced_on, amount from invoices\n",
}
QBR = """\
# qbr.yml: the quarterly business review's layout
title: Quarterly business review
smartnumbers: SmartNumbers
sections:
  Operations: [tickets_created, ticket_hours, endpoints]
  Revenue: [revenue]
  SmartNumbers: [tickets_per_endpoint, hours_per_ticket, revenue_per_endpoint]
vendors: {rmm: 2, helpdesk: 3, books: 4}
"""
PEOPLE = """\
people:
  - {id: olive_ops, name: Olive Ops, department: operations, metric: tickets_per_endpoint}
  - {id: fred_fin, name: Fred Fin, department: finance, metric: revenue_per_endpoint}
"""


def months() -> list[tuple[int, int, int]]:
    """(i, year, month) for 2024-01 .. 2025-03."""
    return [(i + 1, 2024 + i // 12, i % 12 + 1) for i in range(15)]


def hours_for(year: int, month: int) -> Decimal:
    if year == 2025:
        return Decimal("1.00")
    return Decimal("2.00") if month >= 10 else Decimal("1.50")


def tickets() -> pa.Table:
    rows = [{"id": f"T{year}{month:02d}{k:02d}", "opened_at": datetime(year, month, k + 1, 12),
             "hours": hours_for(year, month)}
            for i, year, month in months() for k in range(i)]
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("id", pa.string()), ("opened_at", pa.timestamp("us")), ("hours", pa.decimal128(12, 2))]))


def devices() -> pa.Table:
    rows = []
    for n in range(1, 26):
        created = (date(2023, 12, 15) if n <= 10 else date(2024, 5, 10) if n <= 15
                   else date(2025, 2, 1))
        removed = date(2024, 11, 20) if n in (3, 5, 7) else None
        rows.append({"id": f"D{n:02d}", "created": created, "removed": removed})
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("id", pa.string()), ("created", pa.date32()), ("removed", pa.date32())]))


def invoices() -> pa.Table:
    rows = [{"id": f"I{year}{month:02d}", "invoiced_on": date(year, month, 5),
             "amount": Decimal(1000 * i)} for i, year, month in months()]
    return pa.Table.from_pylist(rows, schema=pa.schema([
        ("id", pa.string()), ("invoiced_on", pa.date32()), ("amount", pa.decimal128(18, 2))]))


def write_files(root: Path) -> None:
    for name, text in METRICS.items():
        (root / "metrics" / f"{name}.yml").write_text(text, encoding="utf-8")
    for name, text in MODELS.items():
        (root / "models" / f"{name}.sql").write_text(text, encoding="utf-8")
    (root / "qbr.yml").write_text(QBR, encoding="utf-8")
    (root / "people.yml").write_text(PEOPLE, encoding="utf-8")


def build(root: Path, engine_url: str = "duckdb:///northstar.duckdb") -> Project:
    """The project, its files written and its three sources loaded; the clock at NOW."""
    Project.init(root, name="Help Desk Co", timezone="UTC", engine_url=engine_url).close()
    write_files(root)
    project = Project.open(root)
    project.append("tickets", tickets(), source="helpdesk")
    project.append("devices", devices(), source="rmm")
    project.append("invoices", invoices(), source="books")
    project.metrics.now = NOW
    return project
