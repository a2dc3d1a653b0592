"""Sample company for the MSP pack: Lakeside IT, a managed-services provider in Chicago.

About 40 client companies (a few join and four leave along the way) and, at the default size,
about 2,500 endpoints under management at the end. Three boards on the PSA: Help Desk (the
reactive work, with parent and child tickets), Projects and Alerts; time entered by the
technicians against service tickets, project tickets and charge codes; one managed-services
agreement per client (some with a backup agreement too) and its additions; the RMM's devices
of every node class, replaced and added month by month; the Profit & Loss by month in the
chart of accounts of `reference/account_categories.csv`; and the monthly inputs entered by hand
for every closed month (headcount and sales activity).

History runs from 1 January two years before `end`'s year to `end` (default: today), in the
company's timezone (America/Chicago): tickets are entered in local business hours and stored
in UTC, as ConnectWise stores them. Ticket volume follows the season and falls slowly as the
service desk improves; **July of the first year is the bad month**: a faulty patch roll-out
more than doubles the reactive tickets and makes each one longer, worth a flag on tickets per
endpoint, hours per ticket and the close ratio.

`rows` sets the approximate number of ledger rows for three years of history: more rows mean
more endpoints (and so more tickets, time and revenue), never a different shape; every ratio
(tickets per endpoint, hours per ticket, recurring share, margins) holds at any size.
Deterministic: numpy `default_rng` streams derived from `seed`; no clock except `end`.

The generator is split by concept: `calendar` (months, local time to UTC), `clients` (the
clients, their size and growth), `rmm` (organisations and devices), `psa` (boards, companies,
agreements and additions), `service` (tickets and time entries), `books` (the P&L) and
`inputs` (the monthly inputs), over `company`, which holds what they share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from northstar.packs import SampleTable
from northstar.packs.msp.sample.company import Company

__all__ = ["generate"]


def generate(rows: int = 120_000, seed: int = 7, end: date | None = None
             ) -> Iterator[SampleTable]:
    """Yield the sample MSP's ledger batches (about `rows` rows for three years of history)."""
    if rows < 2_000:
        raise ValueError("the MSP sample needs at least 2,000 rows")
    company = Company(rows, seed, end or date.today())
    yield from company.tables()
