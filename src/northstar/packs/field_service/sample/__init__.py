"""Sample company for the field-service pack: Saguaro Painting Co., a painting contractor in
Arizona on ServiceTitan.

Four branches, each a sales and a production business unit: Phoenix (residential), Tucson
(residential), Commercial-AZ and Cabinets (opened in March 2022); and the retired West branch,
whose "Z-DO NOT USE - West - Sales" and "Z-DO NOT USE - West- Production" units took 40% of
Phoenix's work until July 2021 and none since (the business-unit map folds them into Phoenix).
The call centre books estimate appointments (leads) of the estimate types; estimators present
one to three options and sell some, at the visit or days later; a sold estimate becomes a
production job booked weeks ahead (Arizona paints in the cool months: the backlog is longest in
spring, the leads fewest in July). Jobs get invoices with labour and materials (and their cost),
crews are paid per day worked, deposits are taken at booking and the rest when the job is done,
or weeks later, or never; some jobs come back as warranty or touch-up work, a few payments are
voided or overpaid, inspections and window washing count in no KPI.

History runs from 1 January 2020 to `end` (default: today), in America/Phoenix; ServiceTitan
reports UTC. `rows` sets the approximate number of ledger rows: more rows mean more leads (and
so more of everything), never another shape: the seed's 160,000 jobs are about
`rows=1_100_000`.
Deterministic: numpy `default_rng` streams derived from `seed`; no clock except `end`.

The generator is split by concept: `calendar` (days, season, local time to UTC), `reference`
(business units, job types, campaigns), `work` (leads, estimates, production, warranty and
excluded jobs, planned as arrays), `jobs` (jobs, appointments, customers and locations as
ServiceTitan lists them), `billing` (invoices, items, payments and what they are applied to) and
`payroll` (gross pay items), over `company`, which holds the order the tables come in;
`reports` makes the ServiceTitan report exports that come with it, for `northstar reconcile`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from northstar.packs import SampleTable
from northstar.packs.field_service.sample.company import Company
from northstar.packs.field_service.sample.reports import report_files

__all__ = ["generate", "report_files"]


def generate(rows: int = 120_000, seed: int = 7, end: date | None = None
             ) -> Iterator[SampleTable]:
    """Yield the sample painting contractor's ledger batches (about `rows` rows)."""
    if rows < 3_000:
        raise ValueError("the field-service sample needs at least 3,000 rows")
    yield from Company(rows, seed, end or date.today()).tables()
