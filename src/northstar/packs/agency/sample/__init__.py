"""Sample company for the agency pack: Summit Scale Co., an agency and coaching business in
Denver that sells a coaching-and-done-for-you program through paid funnels.

Three funnels (`source_funnel`): a video sales letter (`vsl`), a webinar and a lead magnet, fed
by campaigns on Meta, YouTube and Google Search and by organic search. Every opt-in is a
GoHighLevel contact and a GA4 `opt_in` event; about one in seven books a triage call with a
setter, those who show and qualify book a strategy session with a closer, and about a quarter of
the sessions held close. A won deal pays a setup fee through GoHighLevel's order form and
becomes a client paying a monthly retainer through Stripe, with a health score, a first lead a
few weeks in, perhaps $100k in revenue months later, and a chance to churn. Refunds and
chargebacks come back out of the cash. The automations' run log, EBITDA and the cash plan
complete it; one month of the second year the call reminders' webhook broke.

History runs from 1 January two years before `end`'s year to `end` (default: today), in the
company's timezone (America/Denver). `rows` sets the approximate number of ledger rows: more
rows mean more opt-ins, calls, clients and cash (and, up to six, more campaigns and workflows),
never a different shape. Deterministic: numpy `default_rng` streams derived from `seed`.

The generator is split by concept: `calendar`, `marketing` (campaigns, ad platforms, GA4),
`pipeline` (GoHighLevel and the closers' tracker), `clients` (the delivery file), `payments`
(Stripe, and GoHighLevel's copy of the order-form charges) and `operations` (automations and
the finance figures), over `company`, which holds what they share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from northstar.packs import SampleTable
from northstar.packs.agency.sample.company import DEFAULT_ROWS, Company

__all__ = ["generate"]

MIN_ROWS = 12_000


def generate(rows: int = DEFAULT_ROWS, seed: int = 7, end: date | None = None
             ) -> Iterator[SampleTable]:
    """Yield the sample agency's ledger batches (about `rows` rows)."""
    if rows < MIN_ROWS:
        raise ValueError(f"the agency sample needs at least {MIN_ROWS:,} rows")
    company = Company(rows, seed, end or date.today())
    yield from company.tables()
