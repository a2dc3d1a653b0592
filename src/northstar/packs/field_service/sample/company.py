"""The whole sample painting contractor: its calendar, the work planned from the leads, its
billing, and the order the tables come in (settings first, as a first sync loads them)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from northstar.packs import SampleTable
from northstar.packs.field_service.sample.billing import (
    invoices_tables,
    payments_tables,
    plan_billing,
)
from northstar.packs.field_service.sample.calendar import Calendar
from northstar.packs.field_service.sample.jobs import (
    appointments_table,
    customers_tables,
    estimates_table,
    jobs_table,
)
from northstar.packs.field_service.sample.payroll import gross_pay_table
from northstar.packs.field_service.sample.reference import (
    WEST_RETIRED,
    campaigns_table,
    job_types_table,
    units_table,
)
from northstar.packs.field_service.sample.work import plan_work
from northstar.packs.sample_arrays import DAY_US, epoch_day

__all__ = ["Company"]


class Company:
    def __init__(self, rows: int, seed: int, end: date) -> None:
        self.seed = seed
        self.calendar = Calendar(end)
        self.work = plan_work(seed, self.calendar, rows)
        self.billing = plan_billing(seed, self.calendar, self.work)

    def tables(self) -> Iterator[SampleTable]:
        cal, work = self.calendar, self.work
        yield from units_table(int(cal.utc(epoch_day(WEST_RETIRED) * DAY_US)))
        yield from job_types_table()
        yield from campaigns_table()
        yield from customers_tables(cal, work)
        yield from jobs_table(cal, work)
        yield from appointments_table(cal, work)
        yield from estimates_table(cal, work)
        yield from invoices_tables(cal, work, self.billing)
        yield from payments_tables(cal, work, self.billing)
        yield from gross_pay_table(self.seed, cal, work)
