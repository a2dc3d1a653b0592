"""Sample company for the marketplace pack: a fictional two-sided sampling marketplace.

Brands (customers) buy product sampling at events; venues and event organisers (suppliers) are
paid out for hosting it. Three full years plus the current year to date, ending at `end`.

The shape follows the customer's own figures, scaled: the top customer is about 41% of a year's
billings and the top two about 59%, net revenue retention is about 107% and logo retention about
37% in the last full year, Q4 has faded to about 11% of the year, the take rate is about 30%, about
90% of what falls due is collected, and the pipeline entering a quarter is about 3.9x its quota.

`rows` sets the approximate number of ledger rows. More rows mean more invoice lines, bills,
payments and deals (so more revenue), never more customers or suppliers: about 90 customers buy
in the first year and 50 in the last full year, and there are about 150 suppliers. Every ratio
above holds at any size because amounts are scaled to planned totals per customer, year and
quarter. Deterministic: numpy `default_rng` streams derived from `seed`; no clock except `end`,
which defaults to today. Vectorised and generated a year at a time, in batches of at most
500,000 rows.

The generator is split by concept: `customers`, `suppliers`, `invoices` (the demand side in the
books), `payouts` (the supply side), `pipeline` (quotas and deals), `marketing` (ad spend),
`platform` (the platform's exports), `finance` (the P&L, factoring and monthly inputs), over
`years` (calendars), `calibration` (the figures above) and `arrays` (column helpers); `company`
holds the plans they share and the order the tables come in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.calibration import ACCOUNT_MANAGERS, SELLERS
from northstar.packs.marketplace.sample.company import Company
from northstar.packs.marketplace.sample.pipeline import MARKETING_TOUCHES
from northstar.packs.sample_arrays import BATCH_ROWS

__all__ = ["ACCOUNT_MANAGERS", "BATCH_ROWS", "MARKETING_TOUCHES", "SELLERS", "generate"]


def generate(rows: int = 20_000, seed: int = 7, end: date | None = None) -> Iterator[SampleTable]:
    """Yield the sample marketplace's ledger batches (about `rows` rows in all).

    History runs from 1 January three years before `end`'s year up to `end` (default: today)."""
    if rows < 1_000:
        raise ValueError("the marketplace sample needs at least 1,000 rows")
    company = Company(rows, seed, end or date.today())
    yield from company.tables()
