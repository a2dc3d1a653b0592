"""A small sales-and-support company for the weekly meeting's tests, written by hand, in Tokyo
time (UTC+9, no daylight saving). Its clock stands at Wednesday 7 May 2025 12:00 in Tokyo
(03:00 UTC), in ISO week 2025-W19 (Mon 5 - Sun 11 May); the 13 weeks shown are W07 to W19.

Working days (Monday to Friday) per month, counted by hand: February 2025 20, March 21 (it
starts on a Saturday: 4 x 5, plus Mon 31), April 22 (starts on a Tuesday: 4 x 5, plus Tue 29
and Wed 30), May 22 (starts on a Thursday: 4 x 5, plus Thu 29 and Fri 30). 2025-W18 runs
Mon 28 April - Sun 4 May: 3 of its working days in April (28, 29, 30), 2 in May (1, 2).

Every metric is monthly, one per person, and is shown per week:

| person | metric | what | target |
| --- | --- | --- | --- |
| ann (sales) | sales | deals, a total; paced by working days | 2,200 a month; May 2025 4,400 |
| cy (sales) | demos | demos held, total | weekly_target 3 (and 10 a month) |
| bob (support) | response_hours | average hours to answer, lower is better | 4 |
| di (support) | tickets_handled | tickets, a total; bands 8.8 / 4.4 a month, absolute | none |
| ed (marketing) | signups | sign-ups, by their UTC timestamp | none |
| flo (marketing) | cost_per_lead | entered by hand, lower is better; 12 for 2025-W17 | 10 |

The rows, and the weekly values they give (worked out by hand):

- deals: 14 Apr 300, 16 Apr 250 (W16: 550); 22 Apr 460 (W17); 29 Apr 200, 2 May 150 (W18:
  350); 6 May 400 (W19, so far).
- demos: 14, 15, 17 Apr (W16: 3); 23, 24 Apr (W17: 2); 28, 30 Apr, 2 May (W18: 3).
- tickets (hours): 15 Apr 3, 17 Apr 5 (W16: 2 tickets, 4.0 h average); 23 Apr 4.2 (W17: 1,
  4.2 h); 30 Apr 6, 1 May 8 (W18: 2, 7.0 h).
- signups: 2025-05-04 14:30 UTC, Sunday 23:30 in Tokyo (W18); 2025-05-04 15:30 UTC, Monday
  00:30 in Tokyo (W19). Both are Sunday in UTC, in UTC's W18."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from northstar.project import Project

NOW = datetime(2025, 5, 7, 3, 0, tzinfo=UTC)
"""Wednesday 7 May 2025 12:00 in Tokyo."""
TIMEZONE = "Asia/Tokyo"

METRICS = {
    "sales": """\
name: sales
title: Sales
description: Deals closed, in dollars.
department: sales
unit: usd
decimals: 0
model: deals
measure: sum(amount)
time_column: closed_on
pace: {by: working_days}
target:
  value: 2200
  periods: {"2025-05": 4400, "2026-12": 2300, "2027-01": 4200}
actions:
  red: Call the three largest open deals today.
""",
    "demos": """\
name: demos
title: Demos held
description: Product demos held with prospects.
department: sales
unit: count
model: demos
measure: count(*)
time_column: held_on
target: {value: 10}
weekly_target: 3
""",
    "response_hours": """\
name: response_hours
title: Hours to first answer
description: Average hours from a ticket opening to its first answer.
department: support
unit: number
decimals: 1
direction: lower
model: tickets
measure: avg(hours)
time_column: opened_on
target: {value: 4}
""",
    "tickets_handled": """\
name: tickets_handled
title: Tickets handled
description: Support tickets opened and handled.
department: support
unit: count
model: tickets
measure: count(*)
time_column: opened_on
bands: {relative_to: absolute, green: 8.8, yellow: 4.4}
""",
    "signups": """\
name: signups
title: Sign-ups
description: New accounts, by the instant they signed up.
department: marketing
unit: count
model: signups
measure: count(*)
time_column: created_at
""",
    "cost_per_lead": """\
name: cost_per_lead
title: Cost per lead
description: What one lead costs, entered by hand; lower is better.
department: marketing
unit: usd
direction: lower
manual: true
target: {value: 10}
""",
}

PEOPLE = """\
people:
  - {id: ann, name: Ann Lee, department: sales, metric: sales}
  - {id: cy, name: Cy Park, department: sales, metric: demos}
  - {id: bob, name: Bob Ray, department: support, metric: response_hours}
  - {id: di, name: Di Moss, department: support, metric: tickets_handled}
  - {id: ed, name: Ed Hale, department: marketing, metric: signups}
  - {id: flo, name: Flo Dunn, department: marketing, metric: cost_per_lead}
  - {id: gil, name: Gil Ames, department: sales}
"""

FILES = {
    "deals.csv": """\
id,closed_on,amount
d1,2025-04-14,300
d2,2025-04-16,250
d3,2025-04-22,460
d4,2025-04-29,200
d5,2025-05-02,150
d6,2025-05-06,400
""",
    "demos.csv": """\
id,held_on
m1,2025-04-14
m2,2025-04-15
m3,2025-04-17
m4,2025-04-23
m5,2025-04-24
m6,2025-04-28
m7,2025-04-30
m8,2025-05-02
""",
    "tickets.csv": """\
id,opened_on,hours
t1,2025-04-15,3
t2,2025-04-17,5
t3,2025-04-23,4.2
t4,2025-04-30,6
t5,2025-05-01,8
""",
    "signups.jsonl": """\
{"id": "s1", "created_at": "2025-05-04T14:30:00Z"}
{"id": "s2", "created_at": "2025-05-04T15:30:00Z"}
""",
}


def build(root: Path, engine_url: str = "duckdb:///northstar.duckdb") -> Project:
    """The project, its files written and its rows loaded; the clock at NOW."""
    Project.init(root, name="Weekly Co", timezone=TIMEZONE, engine_url=engine_url).close()
    for name, body in METRICS.items():
        (root / "metrics" / f"{name}.yml").write_text(body, encoding="utf-8")
    (root / "people.yml").write_text(PEOPLE, encoding="utf-8")
    project = Project.open(root)
    for file, body in FILES.items():
        path = root / file
        path.write_text(body, encoding="utf-8")
        project.load_file(path.stem, path, source="books")
    project.set_manual("cost_per_lead", "2025-W17", "12", author="flo", note="from the ads")
    project.metrics.now = NOW
    return project
