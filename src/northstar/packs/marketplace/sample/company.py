"""The whole sample company: its plans (customers, suppliers, quarters, quotas, campaigns), the
id counters and the books shared by the tables, and the order the tables are made in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.billcom import billcom
from northstar.packs.marketplace.sample.calibration import QUARTER_SHARE, ROWS_PER_LINE
from northstar.packs.marketplace.sample.customers import contracts, customers_table, plan_customers
from northstar.packs.marketplace.sample.finance import factoring, monthly_finance, profit_and_loss
from northstar.packs.marketplace.sample.invoices import invoices
from northstar.packs.marketplace.sample.marketing import ads, plan_campaigns
from northstar.packs.marketplace.sample.payouts import bills
from northstar.packs.marketplace.sample.pipeline import deals, plan_quota, quotas_table
from northstar.packs.marketplace.sample.platform import (
    platform_invoice_lines,
    platform_invoices,
    remittances,
)
from northstar.packs.marketplace.sample.suppliers import SUPPLIERS, plan_suppliers, suppliers_table
from northstar.packs.marketplace.sample.years import Year, plan_quarters, year_calendar
from northstar.packs.sample_arrays import Bools, Ints, epoch_day

__all__ = ["Company"]


class Company:
    """The plans every table is drawn from, and what the tables made so far left for the later
    ones (the books for the P&L, the invoices and bills for the platform's exports)."""

    def __init__(self, rows: int, seed: int, end: date) -> None:
        self.seed = seed
        self.end_day = epoch_day(end)
        self.years = [year_calendar(i, end.year - 3 + i, QUARTER_SHARE[i], self.end_day)
                      for i in range(4)]
        # customers, suppliers, quotas, the P&L (months x accounts), contracts, monthly inputs
        fixed = 150 + SUPPLIERS + 3 * 17 + 12 * 46 + 240 + 2 * 46
        self.lines = max(200.0, (rows - fixed) / ROWS_PER_LINE)
        self.customers = plan_customers(seed, self.years, self.lines)
        self.suppliers = plan_suppliers(seed, self.years, self.end_day)
        self.quarters = plan_quarters(end)
        self.quota = plan_quota(self)
        self.campaigns = plan_campaigns(self)
        self.counters = {"inv": 0, "cm": 0, "pmt": 0, "bill": 0, "vc": 0, "deal": 0, "ad": 0,
                         "ctr": 0}
        self.books: list[tuple[Ints, Ints, Ints]] = []
        """(epoch days, account numbers, signed cents) of every line that reaches the P&L."""
        self.qbo_invoices: list[tuple[Ints, Ints, Ints]] = []
        """(invoice numbers, invoice days, totals in cents) per year, for the platform export."""
        self.qbo_bills: list[tuple[Ints, Ints, Ints, Ints, Bools]] = []
        """(bill numbers, bill days, totals in cents, supplier, unlinked) per year."""
        self.bill_terms: list[tuple[Ints, Ints]] = []
        """(due days, Bill.com status index into BILL_STATUSES) per year, with `qbo_bills`."""
        self.gmv_lines: list[tuple[Ints, Ints, Ints, Ints, int]] = []
        """(invoice numbers, line numbers, invoice days, cents, year index) of every GMV
        invoice line, per year: the platform's line items name the organiser of each."""

    def numbers(self, counter: str, n: int) -> Ints:
        """The next `n` numbers of one id counter (invoices, bills, deals...)."""
        first = self.counters[counter] + 1
        self.counters[counter] += n
        return np.arange(first, first + n, dtype=np.int64)

    def tables(self) -> Iterator[SampleTable]:
        yield from customers_table(self)
        yield from suppliers_table(self)
        yield from quotas_table(self)
        for y in self.years:
            yield from self._year(y)
        for chunk in sorted({q.plan_index for q in self.quarters} - {0, 1, 2, 3}):
            yield from deals(self, chunk)
        yield from platform_invoices(self)
        yield from platform_invoice_lines(self)
        yield from remittances(self)
        yield from profit_and_loss(self)
        yield from contracts(self)
        yield from factoring(self)
        yield from monthly_finance(self)
        yield from billcom(self)

    def _year(self, y: Year) -> Iterator[SampleTable]:
        gmv_by_month = yield from invoices(self, y)
        yield from bills(self, y, gmv_by_month)
        yield from deals(self, y.index)
        yield from ads(self, y)
